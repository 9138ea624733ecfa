"""Kept public pages end per photo: page_version rows (one per scope) replace the one data_version

A sign-in, a vote or a notification read used to raise the one data version, ending every kept
page. Now a change raises the version of the scopes it touches (photoid/page_versions.py). The
site's scope starts past the old data version, so no page kept under it is served again.

Revision ID: a7f3c91e5b20
Revises: c4e9a1d2b7f3
Create Date: 2026-12-07 16:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a7f3c91e5b20'
down_revision = 'c4e9a1d2b7f3'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'page_version',
        sa.Column('scope', sa.String(length=40), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('scope', name=op.f('pk_page_version')),
    )
    old = op.get_bind().scalar(sa.text("SELECT version FROM data_version WHERE id = 1")) or 0
    op.bulk_insert(table, [{'scope': 'site', 'version': old + 1}])
    op.drop_table('data_version')


def downgrade():
    table = op.create_table(
        'data_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_data_version')),
    )
    newest = op.get_bind().scalar(sa.text("SELECT max(version) FROM page_version")) or 0
    op.bulk_insert(table, [{'id': 1, 'version': newest + 1}])
    op.drop_table('page_version')
