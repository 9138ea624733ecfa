"""Accounts: patrons, archivists and admins, and which institutions staff look after."""
from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, Integer, String, Table
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from photoid.db import Base, one_of, utcnow
from photoid.extensions import db

if TYPE_CHECKING:
    from photoid.photos.models import Institution

ROLES = ("patron", "archivist", "admin")
STAFF_ROLES = ("archivist", "admin")

#: Which institutions an archivist moderates. Admins moderate everything.
staff_membership = Table(
    "staff_membership",
    Base.metadata,
    Column("user_id", ForeignKey("account.id", ondelete="CASCADE"), primary_key=True),
    Column("institution_id", ForeignKey("institution.id", ondelete="CASCADE"), primary_key=True),
)


def new_login_id() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    """A person with an account. The public only ever sees ``display_name``."""

    __tablename__ = "account"
    __table_args__ = (
        one_of("role", ROLES, name="role"),
        CheckConstraint("length(display_name) > 0", name="display_name_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-cased; never shown publicly or exported.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(60))
    #: ``display_name`` folded for uniqueness, so nobody can pose as "Jane Doe" by typing "jane doe".
    display_name_key: Mapped[str] = mapped_column(String(60), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="patron")
    #: Trusted patrons' comments skip the moderation queue.
    is_trusted: Mapped[bool] = mapped_column(Boolean, default=False)
    is_profile_public: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Flask-Login's alternative id: replaced on password change and logout, which ends every session.
    login_id: Mapped[str] = mapped_column(String(64), unique=True, default=new_login_id)
    #: Authenticates staff Atom feeds without a session.
    feed_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    suspended_at: Mapped[datetime | None]
    #: Set when a patron deletes their account; their contributions stay as "a former contributor".
    deleted_at: Mapped[datetime | None]
    #: When the owner followed the link emailed to ``email``; until then contributions wait for review
    #: and ``photoid purge`` removes the account after ``UNVERIFIED_DAYS`` (see accounts/tokens.py).
    email_verified_at: Mapped[datetime | None]
    #: A new address asked for on /account, waiting for its owner to follow the link sent there.
    pending_email: Mapped[str | None] = mapped_column(String(254))
    #: Whether decisions on the account's contributions are also emailed (the site notification always appears).
    wants_email_notifications: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())
    #: Counts password reset links sent; a link carries the count, so sending a newer one ends the older.
    reset_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    institutions: Mapped[list[Institution]] = relationship(
        secondary=staff_membership, order_by="Institution.name"
    )

    def get_id(self) -> str:
        return self.login_id

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.suspended_at is None and self.deleted_at is None

    @property
    def is_email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def public_name(self) -> str:
        return "a former contributor" if self.deleted_at else self.display_name

    def moderates(self, institution_id: int) -> bool:
        """Whether this account may make staff decisions for the institution."""
        if self.is_admin:
            return True
        return self.role == "archivist" and any(i.id == institution_id for i in self.institutions)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"
