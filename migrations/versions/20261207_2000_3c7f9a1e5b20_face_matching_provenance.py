"""Identifications remember that face matching suggested them (issue 24): the queue's "Link and
approve" beside a face-matching candidate keeps the patron as contributor, so the evidence alone
cannot say it; the provenance of the photo page, feeds and exports reads this flag

Revision ID: 3c7f9a1e5b20
Revises: 4b9d1e7a2c58
Create Date: 2026-12-07 20:00:00

"""
import sqlalchemy as sa
from alembic import op


revision = '3c7f9a1e5b20'
down_revision = '4b9d1e7a2c58'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('identification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_face_matching_suggestion', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('identification', schema=None) as batch_op:
        batch_op.alter_column('is_face_matching_suggestion', server_default=None)
    # Links made on the photo page before this column: no contributor, and evidence that says so.
    identification = sa.table('identification', sa.column('is_face_matching_suggestion', sa.Boolean()),
                              sa.column('contributor_id', sa.Integer()), sa.column('evidence', sa.Text()))
    op.execute(identification.update()
               .where(identification.c.contributor_id.is_(None),
                      identification.c.evidence.like('Suggested by face matching%'))
               .values(is_face_matching_suggestion=True))


def downgrade():
    with op.batch_alter_table('identification', schema=None) as batch_op:
        batch_op.drop_column('is_face_matching_suggestion')
