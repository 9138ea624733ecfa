"""Faces (issue 24): which photos were searched for faces, so `photoid faces detect` resumes where it
stopped and scans again the photos scanned without encodings once matching is turned on

Revision ID: 4b9d1e7a2c58
Revises: d7a3e5c1f9b2, b8d4f2a6c3e1
Create Date: 2026-12-07 19:45:00

"""
import sqlalchemy as sa
from alembic import op


revision = '4b9d1e7a2c58'
down_revision = ('d7a3e5c1f9b2', 'b8d4f2a6c3e1')  # also joins the two heads that both followed 8e4f2a6c1d93
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('face_scan',
    sa.Column('photo_id', sa.Integer(), nullable=False),
    sa.Column('scanned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('upsample', sa.Integer(), nullable=False),
    sa.Column('is_encoded', sa.Boolean(), nullable=False),
    sa.Column('faces', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['photo_id'], ['photo.id'], name=op.f('fk_face_scan_photo_id_photo'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('photo_id', name=op.f('pk_face_scan'))
    )


def downgrade():
    op.drop_table('face_scan')
