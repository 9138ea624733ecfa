"""The audit trail of staff decisions, and patrons' reports of problems."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from photoid.accounts.models import User
from photoid.contributions.workflow import REPORT_STATES, ReportState
from photoid.db import one_of, utcnow
from photoid.extensions import db



class ModerationEvent(db.Model):
    """One attributable change: who did what to which record, when, and what it was before."""

    __tablename__ = "moderation_event"
    __table_args__ = (
        Index("ix_moderation_event_target", "target_type", "target_id"),
        Index("ix_moderation_event_institution_created", "institution_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: None for changes made by the system itself (for example the demo loader or an import).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id"))
    #: approve, approve_with_changes, reject, retract, merge, unmerge, edit, role_change, ...
    action: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[int]
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    actor: Mapped[User | None] = relationship()
    #: Every institution the change concerns when it is more than the one above could say (a person,
    #: place or event used by several institutions' photos); the log shows the event to each of them.
    concerns: Mapped[list[ModerationEventInstitution]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="ModerationEventInstitution.institution_id",
    )


class ModerationEventInstitution(db.Model):
    """One institution a change concerns, so the change shows in that institution's audit log."""

    __tablename__ = "moderation_event_institution"

    event_id: Mapped[int] = mapped_column(ForeignKey("moderation_event.id", ondelete="CASCADE"), primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id", ondelete="CASCADE"), primary_key=True,
                                                index=True)


class Report(db.Model):
    """A patron's flag on an identification or a comment ("this is wrong", "this is abuse")."""

    __tablename__ = "report"
    __table_args__ = (
        one_of("state", REPORT_STATES, name="state"),
        CheckConstraint(
            "(identification_id IS NULL) <> (comment_id IS NULL)", name="exactly_one_target"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    identification_id: Mapped[int | None] = mapped_column(ForeignKey("identification.id"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id"))
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default=ReportState.OPEN)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    resolved_at: Mapped[datetime | None]
