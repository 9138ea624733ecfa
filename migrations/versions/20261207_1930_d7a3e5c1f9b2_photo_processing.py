"""A photo's processing state (its images made in a background job after an upload), and the
uploaded originals waiting for it

Revision ID: d7a3e5c1f9b2
Revises: 8e4f2a6c1d93
Create Date: 2026-12-07 19:30:00

"""
import sqlalchemy as sa
from alembic import op


revision = 'd7a3e5c1f9b2'
down_revision = '8e4f2a6c1d93'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('photo', schema=None) as batch_op:
        # Every photo so far was processed inside its request: ready.
        batch_op.add_column(sa.Column('processing_state', sa.String(length=16), server_default='ready', nullable=False))
        batch_op.create_check_constraint(
            batch_op.f('ck_photo_processing_state'), "processing_state IN ('processing', 'ready', 'failed')")
        batch_op.create_check_constraint(
            batch_op.f('ck_photo_published_when_ready'), "processing_state = 'ready' OR NOT is_published")

    op.create_table('photo_upload',
    sa.Column('photo_id', sa.Integer(), nullable=False),
    sa.Column('staged_key', sa.String(length=200), nullable=False),
    sa.Column('publish_when_ready', sa.Boolean(), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('steps', sa.Integer(), nullable=False),
    sa.Column('tries', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('step >= 0 AND step <= steps', name=op.f('ck_photo_upload_step_in_range')),
    sa.ForeignKeyConstraint(['photo_id'], ['photo.id'], name=op.f('fk_photo_upload_photo_id_photo'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('photo_id', name=op.f('pk_photo_upload'))
    )


def downgrade():
    op.drop_table('photo_upload')
    with op.batch_alter_table('photo', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_photo_published_when_ready'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_photo_processing_state'), type_='check')
        batch_op.drop_column('processing_state')
