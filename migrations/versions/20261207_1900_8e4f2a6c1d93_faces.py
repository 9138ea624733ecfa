"""Faces (issue 24): the faces found on photos, each institution's face settings (all off), and the
staff's "do not match" mark on a person

Revision ID: 8e4f2a6c1d93
Revises: c5e2a9d4b7f1
Create Date: 2026-12-07 19:00:00

"""
import sqlalchemy as sa
from alembic import op


revision = '8e4f2a6c1d93'
down_revision = 'c5e2a9d4b7f1'
branch_labels = None
depends_on = None

_INSTITUTION_FLAGS = ('faces_detection_enabled', 'faces_matching_enabled', 'faces_patrons_see_matches')


def upgrade():
    op.create_table('face',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('photo_id', sa.Integer(), nullable=False),
    sa.Column('x', sa.Float(), nullable=False),
    sa.Column('y', sa.Float(), nullable=False),
    sa.Column('w', sa.Float(), nullable=False),
    sa.Column('h', sa.Float(), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('encoding', sa.LargeBinary(), nullable=True),
    sa.Column('detected_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('x >= 0 AND y >= 0 AND w > 0 AND h > 0 AND x + w <= 1.000001 AND y + h <= 1.000001',
                       name=op.f('ck_face_box_inside_image')),
    sa.CheckConstraint('encoding IS NULL OR length(encoding) = 512', name=op.f('ck_face_encoding_size')),
    sa.ForeignKeyConstraint(['photo_id'], ['photo.id'], name=op.f('fk_face_photo_id_photo'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_face'))
    )
    with op.batch_alter_table('face', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_face_photo_id'), ['photo_id'], unique=False)

    with op.batch_alter_table('institution', schema=None) as batch_op:
        for column in _INSTITUTION_FLAGS:
            batch_op.add_column(sa.Column(column, sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('institution', schema=None) as batch_op:
        for column in _INSTITUTION_FLAGS:
            batch_op.alter_column(column, server_default=None)

    with op.batch_alter_table('authority', schema=None) as batch_op:
        batch_op.add_column(sa.Column('do_not_match', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('authority', schema=None) as batch_op:
        batch_op.alter_column('do_not_match', server_default=None)


def downgrade():
    with op.batch_alter_table('authority', schema=None) as batch_op:
        batch_op.drop_column('do_not_match')
    with op.batch_alter_table('institution', schema=None) as batch_op:
        for column in reversed(_INSTITUTION_FLAGS):
            batch_op.drop_column(column)
    with op.batch_alter_table('face', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_face_photo_id'))
    op.drop_table('face')
