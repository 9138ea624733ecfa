"""cataloged subjects and places on photos

The institution's own subject headings and place names from its catalog, kept apart from
what the community contributes.

Revision ID: 5d2c9e41a7b3
Revises: 11b5b53dcf0a
Create Date: 2026-11-22 08:04:00

"""
from alembic import op
import sqlalchemy as sa


revision = "5d2c9e41a7b3"
down_revision = "11b5b53dcf0a"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("photo", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subjects", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("places", sa.JSON(), nullable=False, server_default="[]"))


def downgrade():
    with op.batch_alter_table("photo", schema=None) as batch_op:
        batch_op.drop_column("places")
        batch_op.drop_column("subjects")
