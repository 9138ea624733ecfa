"""PostgreSQL search: a GIN index on the facet keys, so a facet filter reads the index, not every row

``string_to_array(facets, ',')``, the expression of ``pg_querying._filter`` (models.facet_array).
PostgreSQL only: SQLite has no ``string_to_array`` and never searches ``search_document``.
An added index: the previous release runs on it unchanged (docs/upgrade.md).

Revision ID: b8d4f2a6c3e1
Revises: 8e4f2a6c1d93
Create Date: 2026-12-07 19:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b8d4f2a6c3e1'
down_revision = '8e4f2a6c1d93'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.create_index('ix_search_document_facets', 'search_document',
                        [sa.text("string_to_array(facets, ',')")], unique=False, postgresql_using='gin')


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index('ix_search_document_facets', table_name='search_document')
