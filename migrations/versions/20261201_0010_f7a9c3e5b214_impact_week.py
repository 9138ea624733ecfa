"""impact week: each institution's figures for the weeks that have ended, kept for the dashboard;
the photo-and-state indexes also hold created_at, so an institution's waiting items are counted from them

Revision ID: f7a9c3e5b214
Revises: e5d1b7a3c902
Create Date: 2026-12-01 00:10:00

"""
import sqlalchemy as sa
from alembic import op



# revision identifiers, used by Alembic.
revision = 'f7a9c3e5b214'
down_revision = 'e5d1b7a3c902'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'impact_week',
        sa.Column('institution_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('week', sa.Date(), nullable=False),
        sa.Column('data', sa.Text(), nullable=False),
        sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('institution_id', 'week', name=op.f('pk_impact_week')),
    )
    _photo_state_indexes(['photo_id', 'state', 'created_at'])


def _photo_state_indexes(columns):
    for table in ('identification', 'comment'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f'ix_{table}_photo_state')
            batch_op.create_index(f'ix_{table}_photo_state', columns, unique=False)


def downgrade():
    _photo_state_indexes(['photo_id', 'state'])
    op.drop_table('impact_week')
