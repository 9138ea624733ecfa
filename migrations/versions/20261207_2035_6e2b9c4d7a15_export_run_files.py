"""Export runs written by a worker (issue 23): a state, the records to write, the stored file and the
last error. Every run so far was streamed whole in its request: done.

Revision ID: 6e2b9c4d7a15
Revises: 3c7f9a1e5b20
Create Date: 2026-12-07 20:35:00

"""
import sqlalchemy as sa
from alembic import op


revision = '6e2b9c4d7a15'
down_revision = '3c7f9a1e5b20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('export_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.String(length=16), server_default='done', nullable=False))
        batch_op.add_column(sa.Column('record_total', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('file_key', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('error', sa.Text(), nullable=True))
        batch_op.create_check_constraint(
            batch_op.f('ck_export_run_state'), "state IN ('queued', 'running', 'done', 'failed')")


def downgrade():
    with op.batch_alter_table('export_run', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_export_run_state'), type_='check')
        batch_op.drop_column('error')
        batch_op.drop_column('file_key')
        batch_op.drop_column('record_total')
        batch_op.drop_column('state')
