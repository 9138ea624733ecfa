"""A site of one's own: institution pages, collection covers and order, deleted photos, staff invitations

Revision ID: 3c1f7e2a9b17
Revises: f7a9c3e5b214
Create Date: 2026-12-07 13:00:00

"""
import sqlalchemy as sa
from alembic import op


revision = '3c1f7e2a9b17'
down_revision = 'f7a9c3e5b214'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('institution', schema=None) as batch_op:
        batch_op.add_column(sa.Column('description', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('website', sa.String(length=300), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('contact_email', sa.String(length=254), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('logo_key', sa.String(length=200), nullable=True))
    with op.batch_alter_table('institution', schema=None) as batch_op:
        for column in ('description', 'website', 'contact_email'):
            batch_op.alter_column(column, server_default=None)

    with op.batch_alter_table('photo', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint('uq_photo_institution_identifier', type_='unique')
        batch_op.create_index('ux_photo_institution_identifier_live', ['institution_id', 'identifier'], unique=True,
                              sqlite_where=sa.text('deleted_at IS NULL'),
                              postgresql_where=sa.text('deleted_at IS NULL'))

    with op.batch_alter_table('collection', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cover_photo_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('position', sa.Integer(), nullable=False, server_default='0'))
        batch_op.create_foreign_key(batch_op.f('fk_collection_cover_photo_id_photo'), 'photo', ['cover_photo_id'],
                                    ['id'], ondelete='SET NULL')
    with op.batch_alter_table('collection', schema=None) as batch_op:
        batch_op.alter_column('position', server_default=None)

    op.create_table(
        'invitation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('institution_ids', sa.JSON(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('invited_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('accepted_by_id', sa.Integer(), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("role IN ('archivist', 'admin')", name=op.f('ck_invitation_invited_role')),
        sa.ForeignKeyConstraint(['accepted_by_id'], ['account.id'], name=op.f('fk_invitation_accepted_by_id_account'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['invited_by_id'], ['account.id'], name=op.f('fk_invitation_invited_by_id_account'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['revoked_by_id'], ['account.id'], name=op.f('fk_invitation_revoked_by_id_account'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_invitation_token_hash')),
    )
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitation_email'), ['email'], unique=False)


def downgrade():
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitation_email'))
    op.drop_table('invitation')
    with op.batch_alter_table('collection', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_collection_cover_photo_id_photo'), type_='foreignkey')
        batch_op.drop_column('position')
        batch_op.drop_column('cover_photo_id')
    with op.batch_alter_table('photo', schema=None) as batch_op:
        batch_op.drop_index('ux_photo_institution_identifier_live')
        batch_op.create_unique_constraint('uq_photo_institution_identifier', ['institution_id', 'identifier'])
        batch_op.drop_column('deleted_at')
    with op.batch_alter_table('institution', schema=None) as batch_op:
        batch_op.drop_column('logo_key')
        batch_op.drop_column('contact_email')
        batch_op.drop_column('website')
        batch_op.drop_column('description')
