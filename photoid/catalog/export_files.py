"""Export files written by ``photoid worker`` (PHOTOID_JOBS=redis) instead of streamed in the request.

``queue_export`` records the run ``queued`` and puts an ``exports.write`` job on the queue;
``write_job`` (the job) counts the records, writes the file from one snapshot through the storage
adapter (a local folder or a bucket) under ``exports/<run id>/<file name>``, noting every
:data:`PROGRESS_EVERY` records how many are written, and only when the file is stored marks the
run ``done`` with ``finished_at`` (which is what "since the last export" reads). A try that fails
notes its error on the run; after the last try the run is ``failed`` and the job waits in
/admin/jobs. Staff download a done run's file from the export page; ``purge_files`` removes files
older than PHOTOID_EXPORT_FILE_DAYS (``photoid purge``).
"""
from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import IO, BinaryIO

from flask import current_app
from sqlalchemy import func, select, update

from photoid import jobs
from photoid.catalog.export import EXPORT_FORMATS, ExportFormat, ExportPlan, render, scope_query
from photoid.catalog.models import ExportRun
from photoid.catalog.records import CatalogRecord, iter_catalog_records
from photoid.contributions.workflow import ExportRunState
from photoid.db import read_snapshot, unit_of_work, utcnow
from photoid.extensions import db
from photoid.photos.models import Collection, Institution
from photoid.photos.service import storage, upload_root
from photoid.photos.storage import NotStored

#: Records written between two notes of progress on the run.
PROGRESS_EVERY = 200
#: Bytes of a file being written kept in memory; beyond that it is spooled to a temporary file.
SPOOL_BYTES = 8 * 1024 * 1024
#: The top-level folder of export files in storage.
FOLDER = "exports"


class ExportFileGone(LookupError):
    """The run has no file to download: unknown, not done, another institution's, or purged."""


def filename(run: ExportRun) -> str:
    """The download's file name, as a streamed export of the same run would be named."""
    return _plan(run).filename


def _plan(run: ExportRun) -> ExportPlan:
    collection = db.session.get(Collection, run.collection_id) if run.collection_id else None
    institution = db.session.get(Institution, run.institution_id) if run.institution_id else None
    return ExportPlan(format=EXPORT_FORMATS[run.format], collection=collection, institution=institution,
                      since_at=run.since_at, started_at=run.started_at, actor_id=run.actor_id,
                      query=scope_query(collection, institution, run.since_at))


def queue_export(plan: ExportPlan, *, base_url: str) -> ExportRun:
    """Record the planned export as a ``queued`` run and queue the job that writes its file. Commits;
    the job is queued after the commit (with Redis away it runs here, now)."""
    with unit_of_work():
        run = ExportRun(
            format=plan.format.name, collection_id=plan.collection.id if plan.collection else None,
            institution_id=plan.institution.id if plan.institution else None, since_at=plan.since_at,
            started_at=plan.started_at, actor_id=plan.actor_id, state=ExportRunState.QUEUED,
        )
        db.session.add(run)
    jobs.enqueue("exports.write", description=f"Export {run.id}: {plan.filename}", run_id=run.id, base_url=base_url)
    return run


def write_job(run_id: int, base_url: str) -> None:
    """The ``exports.write`` job: write the run's file into storage, then mark the run done. Does
    nothing for a run that is done or gone. Raises what a try raised, after noting it on the run
    (``failed`` after the last try), so the queue tries again."""
    plan = _begin(run_id)
    if plan is None:
        return
    key = f"{FOLDER}/{run_id}/{plan.filename}"
    try:
        # Memory holds a batch of records and at most SPOOL_BYTES of the file; the rest waits on disk.
        upload_root().mkdir(parents=True, exist_ok=True)
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, dir=upload_root()) as out:
            _write(run_id, plan, out, base_url=base_url)
            out.seek(0)
            storage().put(key, out)  # type: ignore[arg-type]
    except Exception as error:
        _fail(run_id, f"{error.__class__.__name__}: {error}", final=jobs.tries_left() == 0)
        raise
    with unit_of_work():
        run = db.session.get(ExportRun, run_id)
        if run is None:  # deleted meanwhile: nothing to show the file to
            storage().delete_prefix(f"{FOLDER}/{run_id}")
            return
        run.state, run.file_key, run.error = ExportRunState.DONE, key, None
        run.record_count, run.finished_at = plan.record_count, utcnow()


def _begin(run_id: int) -> ExportPlan | None:
    with unit_of_work():
        run = db.session.get(ExportRun, run_id)
        if run is None or run.state == ExportRunState.DONE:
            return None
        plan = _plan(run)
        run.state, run.record_count = ExportRunState.RUNNING, 0
        run.record_total = db.session.scalar(select(func.count()).select_from(plan.query.order_by(None).subquery()))
    return plan


def _note(run_id: int, **values: object) -> None:
    """Write progress on its own connection: the file is read from a snapshot on the session's."""
    with db.engine.begin() as connection:
        connection.execute(update(ExportRun).where(ExportRun.id == run_id).values(**values))


def _write(run_id: int, plan: ExportPlan, out: IO[bytes], *, base_url: str) -> None:
    def counted(records: Iterable[CatalogRecord]) -> Iterator[CatalogRecord]:
        for record in records:
            yield record
            plan.record_count += 1
            if plan.record_count % PROGRESS_EVERY == 0:
                _note(run_id, record_count=plan.record_count)

    with read_snapshot(db.session):
        for chunk in render(plan.format.name, counted(iter_catalog_records(plan.query, base_url=base_url))):
            out.write(chunk)


def _fail(run_id: int, message: str, *, final: bool) -> None:
    db.session.rollback()
    with unit_of_work():
        run = db.session.get(ExportRun, run_id)
        if run is not None:
            run.state = ExportRunState.FAILED if final else ExportRunState.QUEUED
            run.error = message[:2000]


def open_file(run_id: int, *, institution_ids: Iterable[int] | None) -> tuple[ExportRun, ExportFormat, BinaryIO]:
    """A done run's stored file, for staff of its institution (``institution_ids``; None: an admin,
    who may open any). Reads only. Raises ExportFileGone for anything else, the same for all, so
    another institution's runs cannot be told from missing ones."""
    run = db.session.get(ExportRun, run_id)
    if run is None or run.state != ExportRunState.DONE or run.file_key is None:
        raise ExportFileGone(run_id)
    if institution_ids is not None and run.institution_id not in set(institution_ids):
        raise ExportFileGone(run_id)
    try:
        return run, EXPORT_FORMATS[run.format], storage().open(run.file_key)
    except NotStored:
        raise ExportFileGone(run_id) from None


def purge_files(*, now: datetime | None = None) -> int:
    """Remove the stored files of runs finished more than PHOTOID_EXPORT_FILE_DAYS ago; the runs stay
    (they hold the "since last export" marks), without a file. Commits once. Returns how many."""
    cutoff = (now or utcnow()) - timedelta(days=int(current_app.config["EXPORT_FILE_DAYS"]))
    with unit_of_work():
        runs = list(db.session.scalars(select(ExportRun).where(
            ExportRun.file_key.is_not(None), ExportRun.finished_at < cutoff)))
        for run in runs:
            storage().delete_prefix(f"{FOLDER}/{run.id}")
            run.file_key = None
    return len(runs)
