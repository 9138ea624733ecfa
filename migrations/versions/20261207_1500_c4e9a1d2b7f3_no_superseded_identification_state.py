"""Identifications lose the never-used "superseded" state (an approved fact is retracted, not superseded)

No code ever moved an identification into "superseded": a correction made while approving marks the
patron's original "approved_with_changes", and an approved fact that turns out wrong is retracted.
The CHECK constraints that mirror the states in contributions/workflow.py drop it. Any row still in
it (none is expected) becomes "retracted" first, with its reviewer and time kept.

Revision ID: c4e9a1d2b7f3
Revises: 5b8e2c4d1f60
Create Date: 2026-12-07 15:00:00

"""
from alembic import op


revision = 'c4e9a1d2b7f3'
down_revision = '5b8e2c4d1f60'
branch_labels = None
depends_on = None

OLD_STATES = "'pending', 'approved', 'approved_with_changes', 'rejected', 'spam', 'withdrawn', 'superseded', 'retracted'"
OLD_REVIEWED = "'approved', 'approved_with_changes', 'rejected', 'spam', 'retracted', 'superseded'"
NEW_STATES = "'pending', 'approved', 'approved_with_changes', 'rejected', 'spam', 'withdrawn', 'retracted'"
NEW_REVIEWED = "'approved', 'approved_with_changes', 'rejected', 'spam', 'retracted'"


def _constraints(states: str, reviewed: str) -> None:
    with op.batch_alter_table('identification', schema=None, recreate='auto') as batch_op:
        batch_op.drop_constraint(op.f('ck_identification_state'), type_='check')
        batch_op.drop_constraint(op.f('ck_identification_reviewed_has_reviewer'), type_='check')
        batch_op.create_check_constraint(op.f('ck_identification_state'), f"state IN ({states})")
        batch_op.create_check_constraint(
            op.f('ck_identification_reviewed_has_reviewer'),
            f"state NOT IN ({reviewed}) OR (reviewer_id IS NOT NULL AND reviewed_at IS NOT NULL)",
        )


def upgrade():
    op.execute("UPDATE identification SET state = 'retracted' WHERE state = 'superseded'")
    _constraints(NEW_STATES, NEW_REVIEWED)


def downgrade():
    _constraints(OLD_STATES, OLD_REVIEWED)
