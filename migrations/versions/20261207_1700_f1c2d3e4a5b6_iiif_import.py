"""IIIF import: each imported photo's source (manifest, canvas, the library's catalog page), and the
imports staff ask for on a collection's page

Revision ID: f1c2d3e4a5b6
Revises: e3b8d5a1c947
Create Date: 2026-12-07 17:00:00

"""
import sqlalchemy as sa
from alembic import op


revision = 'f1c2d3e4a5b6'
down_revision = 'e3b8d5a1c947'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('photo_source',
    sa.Column('photo_id', sa.Integer(), nullable=False),
    sa.Column('source_key', sa.String(length=64), nullable=False),
    sa.Column('manifest_url', sa.String(length=2000), nullable=False),
    sa.Column('canvas_id', sa.String(length=2000), nullable=False),
    sa.Column('catalog_url', sa.String(length=2000), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['photo_id'], ['photo.id'], name=op.f('fk_photo_source_photo_id_photo'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('photo_id', name=op.f('pk_photo_source'))
    )
    with op.batch_alter_table('photo_source', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_photo_source_source_key'), ['source_key'], unique=False)

    op.create_table('iiif_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('collection_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ingested', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.CheckConstraint("state IN ('waiting', 'running', 'done', 'failed')", name=op.f('ck_iiif_import_state')),
    sa.ForeignKeyConstraint(['collection_id'], ['collection.id'], name=op.f('fk_iiif_import_collection_id_collection'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['account.id'], name=op.f('fk_iiif_import_requested_by_id_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_iiif_import'))
    )
    with op.batch_alter_table('iiif_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_iiif_import_collection_id'), ['collection_id'], unique=False)


def downgrade():
    with op.batch_alter_table('iiif_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_iiif_import_collection_id'))
    op.drop_table('iiif_import')
    with op.batch_alter_table('photo_source', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_photo_source_source_key'))
    op.drop_table('photo_source')
