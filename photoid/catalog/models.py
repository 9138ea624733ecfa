"""A record of each catalog export, so ``--since-last`` knows where the previous one stopped."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from photoid.db import utcnow
from photoid.extensions import db


class ExportRun(db.Model):
    __tablename__ = "export_run"
    __table_args__ = (Index("ix_export_run_format_started", "format", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: marcxml, mods, dc, csv, contentdm
    format: Mapped[str] = mapped_column(String(20))
    collection_id: Mapped[int | None] = mapped_column(ForeignKey("collection.id"))
    #: The institution exported (the collection's, when one was); None for a site-wide export.
    #: Each (format, institution, collection) keeps its own ``--since-last`` mark.
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id"), index=True)
    #: Only photos whose approved metadata changed after this moment were exported.
    since_at: Mapped[datetime | None]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    record_count: Mapped[int] = mapped_column(default=0)
    #: None when run from the shell.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
