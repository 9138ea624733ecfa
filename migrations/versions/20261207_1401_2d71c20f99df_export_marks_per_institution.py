"""Each institution keeps its own "since the last export" mark

Revision ID: 2d71c20f99df
Revises: 907d45817d83
Create Date: 2026-12-07 14:01:00

"""
import sqlalchemy as sa
from alembic import op


revision = '2d71c20f99df'
down_revision = '907d45817d83'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('export_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('institution_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_export_run_institution_id_institution'), 'institution',
                                    ['institution_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_export_run_institution_id'), ['institution_id'], unique=False)
    # A collection's earlier runs belong to its institution; earlier runs of everything stay site-wide.
    op.execute(
        "UPDATE export_run SET institution_id = "
        "(SELECT collection.institution_id FROM collection WHERE collection.id = export_run.collection_id) "
        "WHERE collection_id IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table('export_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_export_run_institution_id'))
        batch_op.drop_constraint(batch_op.f('fk_export_run_institution_id_institution'), type_='foreignkey')
        batch_op.drop_column('institution_id')
