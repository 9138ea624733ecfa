"""The search queue: photos whose index entry must be refreshed, written with the change itself."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlalchemy.orm import Mapped, mapped_column

from photoid.db import utcnow
from photoid.extensions import db


class SearchQueueEntry(db.Model):
    """One photo to re-index; rows are added in the changing transaction and removed once indexed.

    No foreign key: a deleted photo must still reach the index writer, to be removed.
    """

    __tablename__ = "search_queue"
    __table_args__ = (Index("ix_search_queue_photo_id", "photo_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    photo_id: Mapped[int]
    enqueued_at: Mapped[datetime] = mapped_column(default=utcnow)
