"""A record of each catalog export, so ``--since-last`` knows where the previous one stopped.

A run streamed in the request is recorded once its last byte is written (state ``done``). With
``PHOTOID_JOBS=redis`` the page records the run ``queued`` and a worker writes the file into storage
(catalog/export_files.py), counting the records as it goes; only a ``done`` run, which has
``finished_at``, sets the "since the last export" mark.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from photoid.contributions.workflow import EXPORT_RUN_STATES, ExportRunState
from photoid.db import one_of, utcnow
from photoid.extensions import db


class ExportRun(db.Model):
    __tablename__ = "export_run"
    __table_args__ = (Index("ix_export_run_format_started", "format", "started_at"),
                      one_of("state", EXPORT_RUN_STATES, name="state"))

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
    #: Set only once the whole file was written (streamed, or stored by a worker).
    finished_at: Mapped[datetime | None]
    #: Records written so far (a worker's progress), and in all once done.
    record_count: Mapped[int] = mapped_column(default=0)
    #: None when run from the shell.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    state: Mapped[str] = mapped_column(String(16), default=ExportRunState.DONE, server_default=ExportRunState.DONE)
    #: How many records a worker's file will hold (counted when it starts); None for a streamed run.
    record_total: Mapped[int | None]
    #: The stored file a worker wrote (staff download it from the export page); None once
    #: ``photoid purge`` removed it after PHOTOID_EXPORT_FILE_DAYS, and for streamed runs.
    file_key: Mapped[str | None] = mapped_column(String(300))
    #: Why the last try failed, for staff.
    error: Mapped[str | None] = mapped_column(Text)
