"""withdrawal times for OAI-PMH deletions

When a photo, or its whole collection, stops being public, OAI-PMH keeps answering for it with a
deleted header (persistent deletions). An index on (modified_at, id) serves the harvest's
keyset pages.

Revision ID: 7cbb3a423a83
Revises: 5d2c9e41a7b3
Create Date: 2026-11-30 17:46:53.921300

"""
from alembic import op
import sqlalchemy as sa


revision = "7cbb3a423a83"
down_revision = "5d2c9e41a7b3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("collection", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("photo", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_photo_modified_id", ["modified_at", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("photo", schema=None) as batch_op:
        batch_op.drop_index("ix_photo_modified_id")
        batch_op.drop_column("withdrawn_at")

    with op.batch_alter_table("collection", schema=None) as batch_op:
        batch_op.drop_column("withdrawn_at")
