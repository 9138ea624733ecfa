"""Proven emails, a pending email change, a password reset count and an email opt-out on each account

Revision ID: 5b8e2c4d1f60
Revises: 2d71c20f99df
Create Date: 2026-12-07 14:30:00

"""
import sqlalchemy as sa
from alembic import op


revision = '5b8e2c4d1f60'
down_revision = '2d71c20f99df'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_verified_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('pending_email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('reset_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('wants_email_notifications', sa.Boolean(), server_default=sa.true(),
                                      nullable=False))
    # Accounts made before emails were proven count as proven: nobody is purged for a rule that did not exist.
    op.execute("UPDATE account SET email_verified_at = created_at WHERE email_verified_at IS NULL")


def downgrade():
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.drop_column('wants_email_notifications')
        batch_op.drop_column('reset_count')
        batch_op.drop_column('pending_email')
        batch_op.drop_column('email_verified_at')
