"""An audit event can concern several institutions (a record their photos share)

Revision ID: 907d45817d83
Revises: 3c1f7e2a9b17
Create Date: 2026-12-07 14:00:00

"""
import sqlalchemy as sa
from alembic import op


revision = '907d45817d83'
down_revision = '3c1f7e2a9b17'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'moderation_event_institution',
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('institution_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['moderation_event.id'],
                                name=op.f('fk_moderation_event_institution_event_id_moderation_event'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['institution_id'], ['institution.id'],
                                name=op.f('fk_moderation_event_institution_institution_id_institution'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('event_id', 'institution_id', name=op.f('pk_moderation_event_institution')),
    )
    with op.batch_alter_table('moderation_event_institution', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_moderation_event_institution_institution_id'), ['institution_id'], unique=False)


def downgrade():
    with op.batch_alter_table('moderation_event_institution', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_moderation_event_institution_institution_id'))
    op.drop_table('moderation_event_institution')
