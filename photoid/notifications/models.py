"""In-site notifications: a patron hears when their contribution is decided."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from photoid.db import utcnow
from photoid.extensions import db


class Notification(db.Model):
    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(String(500))
    #: A site path to follow, e.g. the photo page.
    link: Mapped[str] = mapped_column(String(300), default="")
    identification_id: Mapped[int | None] = mapped_column(ForeignKey("identification.id"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
