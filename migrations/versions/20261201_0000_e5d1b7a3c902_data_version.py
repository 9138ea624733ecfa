"""data version: one counter raised by every committed change, so cached public pages know when to go

Revision ID: e5d1b7a3c902
Revises: c7e2b9d41f05
Create Date: 2026-12-01 00:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e5d1b7a3c902'
down_revision = 'c7e2b9d41f05'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'data_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_data_version')),
    )
    op.bulk_insert(table, [{'id': 1, 'version': 0}])


def downgrade():
    op.drop_table('data_version')
