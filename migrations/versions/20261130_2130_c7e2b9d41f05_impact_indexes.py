"""impact indexes: contribution and photo times the impact dashboard reads by week

Revision ID: c7e2b9d41f05
Revises: a9c3e1f20b41
Create Date: 2026-11-30 21:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c7e2b9d41f05'
down_revision = 'a9c3e1f20b41'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('identification', schema=None) as batch_op:
        batch_op.create_index('ix_identification_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_identification_reviewed_at', ['reviewed_at'], unique=False)
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.create_index('ix_comment_state_created', ['state', 'created_at'], unique=False)
        batch_op.create_index('ix_comment_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_comment_reviewed_at', ['reviewed_at'], unique=False)
    with op.batch_alter_table('photo', schema=None) as batch_op:
        batch_op.create_index('ix_photo_created_at', ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('photo', schema=None) as batch_op:
        batch_op.drop_index('ix_photo_created_at')
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_index('ix_comment_reviewed_at')
        batch_op.drop_index('ix_comment_created_at')
        batch_op.drop_index('ix_comment_state_created')
    with op.batch_alter_table('identification', schema=None) as batch_op:
        batch_op.drop_index('ix_identification_reviewed_at')
        batch_op.drop_index('ix_identification_created_at')
