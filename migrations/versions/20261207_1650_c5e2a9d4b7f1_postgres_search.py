"""PostgreSQL search back end: search_document (weighted tsvector, GIN) and search_word (trigrams)

The extensions (unaccent, pg_trgm) and the ``photoid`` text search configuration are made on
PostgreSQL only; SQLite gets the two tables as plain text, unused (PHOTOID_SEARCH=postgres refuses
to start on SQLite), so the schema is the models' on both. Fill them with ``photoid reindex``.

Revision ID: c5e2a9d4b7f1
Revises: f1c2d3e4a5b6
Create Date: 2026-12-07 16:50:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = 'c5e2a9d4b7f1'
down_revision = 'f1c2d3e4a5b6'
branch_labels = None
depends_on = None

# A copy of photoid.search.models.POSTGRES_SETUP as it was when written (migrations never import the app).
POSTGRES_SETUP = (
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'photoid') THEN
            CREATE TEXT SEARCH CONFIGURATION photoid (COPY = english);
            ALTER TEXT SEARCH CONFIGURATION photoid
                ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;
        END IF;
    END $$""",
)


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_SETUP:
            op.execute(statement)
    op.create_table('search_document',
    sa.Column('photo_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('document', sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql'), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('names', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('facets', sa.Text(), nullable=False),
    sa.Column('date_sort', sa.String(length=10), nullable=False),
    sa.Column('identified_at', sa.String(length=19), nullable=False),
    sa.Column('catalog_from', sa.Integer(), nullable=True),
    sa.Column('catalog_to', sa.Integer(), nullable=True),
    sa.Column('community_from', sa.Integer(), nullable=True),
    sa.Column('community_to', sa.Integer(), nullable=True),
    sa.Column('fingerprint', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('photo_id', name=op.f('pk_search_document'))
    )
    op.create_index('ix_search_document_document', 'search_document', ['document'], unique=False,
                    postgresql_using='gin')
    op.create_table('search_word',
    sa.Column('word', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('word', name=op.f('pk_search_word'))
    )
    op.create_index('ix_search_word_trigram', 'search_word', ['word'], unique=False, postgresql_using='gin',
                    postgresql_ops={'word': 'gin_trgm_ops'})


def downgrade():
    op.drop_index('ix_search_word_trigram', table_name='search_word')
    op.drop_table('search_word')
    op.drop_index('ix_search_document_document', table_name='search_document')
    op.drop_table('search_document')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS photoid")
        # The extensions stay: other databases' objects (or the DBA's) may use them.
