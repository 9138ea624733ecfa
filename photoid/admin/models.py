"""Invitations: how staff bring in the next archivist or admin, so the work outlives its champion."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from photoid.accounts.models import User
from photoid.db import one_of, utcnow
from photoid.extensions import db

INVITED_ROLES = ("archivist", "admin")


class Invitation(db.Model):
    """One emailed invitation. The link carries a random token; only its SHA-256 is stored.

    It is open until it is accepted, revoked or past ``expires_at``; it is used once.
    """

    __tablename__ = "invitation"
    __table_args__ = (one_of("role", INVITED_ROLES, name="invited_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    role: Mapped[str] = mapped_column(String(16))
    #: The institutions an invited archivist will moderate (ids), chosen by whoever invited them.
    institution_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))

    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])
    accepted_by: Mapped[User | None] = relationship(foreign_keys=[accepted_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])
