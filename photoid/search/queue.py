"""Keeping the index in step with the database: one writer at a time, after commit.

1. Enqueue (in the changing transaction). An ``after_flush`` listener on the app's session writes a
   ``search_queue`` row for each photo whose indexed content may have changed: a Photo or
   Identification row added, changed or deleted (publishing, ingest, contributions, every
   moderation decision), an AuthorityRecord or AuthorityVariant edited (its photos), a Collection
   published or withdrawn (its photos). The rows commit or roll back with the change itself.
2. Drain (after commit). The session's ``after_commit`` calls ``drain()``, which takes an exclusive
   ``fcntl`` lock on ``<index dir>/writer.lock`` without waiting. The process that gets it indexes
   the queued photos from the database and deletes those rows; the others return at once, and
   their rows are picked up by the holder, which re-checks the queue after letting go of the lock.
   So several gunicorn workers never wait on Whoosh's own lock.

``reindex()`` holds the same lock while it builds a fresh index into a new folder and swaps it in.
"""
from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, current_app, has_app_context
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from photoid import jobs
from photoid.authorities.models import AuthorityRecord, AuthorityVariant
from photoid.contributions.models import Identification
from photoid.db import utcnow
from photoid.extensions import db
from photoid.photos.models import Collection, Photo
from photoid.search import index
from photoid.search.documents import all_documents, documents_for
from photoid.search.models import SearchQueueEntry

LOCK_FILE = "writer.lock"
_QUIET = "search_drain"  # session.info flag: the drain's own session enqueues nothing
_DIRTY = "search_enqueued"


# --------------------------------------------------------------------------- enqueue

def _photo_ids_to_enqueue(session: Session) -> tuple[set[int], set[int], set[int]]:
    photo_ids: set[int] = set()
    authority_ids: set[int] = set()
    collection_ids: set[int] = set()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if obj in session.dirty and not session.is_modified(obj, include_collections=False):
            continue
        if isinstance(obj, Photo):
            photo_ids.add(obj.id)
        elif isinstance(obj, Identification):
            photo_ids.add(obj.photo_id)
        elif isinstance(obj, AuthorityRecord):
            authority_ids.add(obj.id)
        elif isinstance(obj, AuthorityVariant):
            authority_ids.add(obj.authority_id)
        elif isinstance(obj, Collection) and obj not in session.new:
            collection_ids.add(obj.id)
    return {i for i in photo_ids if i}, {i for i in authority_ids if i}, {i for i in collection_ids if i}


def enqueue_changed(session: Session, _context: object) -> None:
    """after_flush (registered in photoid/events.py): queue the photos this flush changed."""
    if session.info.get(_QUIET):
        return
    photo_ids, authority_ids, collection_ids = _photo_ids_to_enqueue(session)
    if not (photo_ids or authority_ids or collection_ids):
        return
    connection = session.connection()
    if authority_ids:
        photo_ids.update(connection.scalars(
            select(Identification.photo_id).where(Identification.authority_id.in_(authority_ids)).distinct()
        ))
    if collection_ids:
        photo_ids.update(connection.scalars(select(Photo.id).where(Photo.collection_id.in_(collection_ids))))
    if photo_ids:
        now = utcnow()
        connection.execute(insert(SearchQueueEntry), [{"photo_id": i, "enqueued_at": now} for i in sorted(photo_ids)])
        session.info[_DIRTY] = True


def drain_after_commit(session: Session) -> None:
    """after_commit: index what the committed transaction queued."""
    if session.info.pop(_DIRTY, False) and has_app_context():
        jobs.enqueue("search.drain")  # in this process, or for `photoid worker` (photoid/jobs.py)


def drain_job() -> None:
    """The ``search.drain`` job: :func:`drain` for the current app. Raises what drain raises (logged
    in-process; a worker tries again). The change is committed; ``reindex --check`` repairs a miss."""
    drain(current_app._get_current_object())  # type: ignore[attr-defined]


def forget_queued(session: Session) -> None:
    """after_rollback: the queue rows rolled back with the change."""
    session.info.pop(_DIRTY, None)


# --------------------------------------------------------------------------- the writer lock

@contextmanager
def writer_lock(root: Path, *, wait: bool) -> Iterator[bool]:
    """Hold the index writer lock; yields False at once when ``wait`` is off and another has it."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- drain

def _drain_locked(app: Flask, batch: int) -> int:
    root = app.config["INDEX_DIR"]
    done = 0
    with Session(db.engine) as session:
        session.info[_QUIET] = True
        while True:
            rows = session.execute(
                select(SearchQueueEntry.id, SearchQueueEntry.photo_id).order_by(SearchQueueEntry.id).limit(batch)
            ).all()
            if not rows:
                return done
            photo_ids = {photo_id for _, photo_id in rows}
            docs = documents_for(session, photo_ids)
            index.apply(root, upserts=docs.values(), removals=photo_ids - docs.keys())
            session.execute(delete(SearchQueueEntry).where(SearchQueueEntry.id.in_([row_id for row_id, _ in rows])))
            session.commit()
            session.expunge_all()
            done += len(photo_ids)


def _queue_is_empty() -> bool:
    with Session(db.engine) as session:
        return session.scalar(select(SearchQueueEntry.id).limit(1)) is None


def drain(app: Flask, *, wait: bool = False, batch: int = 500) -> int:
    """Index every queued photo from the database and delete its queue rows.

    Changes the index and the ``search_queue`` table. Does nothing (returns 0) when there is no
    index yet, or when another process holds the writer lock and ``wait`` is off. Returns how
    many photos were re-indexed. Raises whatever the database or the index raise.
    """
    root = app.config["INDEX_DIR"]
    done = 0
    for _attempt in range(3):
        if not index.exists(root):
            return done
        with writer_lock(root, wait=wait) as locked:
            if not locked:
                return done
            done += _drain_locked(app, batch)
        if _queue_is_empty():  # rows committed while we held the lock, by workers that gave up
            return done
    return done


# --------------------------------------------------------------------------- rebuild and check

def reindex(app: Flask, *, procs: int = 2) -> int:
    """Rebuild the whole index from the database into a new folder and swap it in atomically.

    Holds the writer lock throughout (queued changes wait), then drains the queue into the new
    index. Changes the index folder and the ``search_queue`` table. Returns the number of photos
    indexed. Raises whatever the database or the index raise; the old index keeps answering.
    """
    root = Path(app.config["INDEX_DIR"])
    count = 0
    with writer_lock(root, wait=True):
        with Session(db.engine) as session:
            session.info[_QUIET] = True

            def counted() -> Iterator[index.PhotoDocument]:
                nonlocal count
                for doc in all_documents(session):
                    count += 1
                    yield doc

            index.build(root, counted(), procs=procs)
        _drain_locked(app, 500)
    return count


@dataclass
class CheckReport:
    missing: list[int] = field(default_factory=list)
    stale: list[int] = field(default_factory=list)
    extra: list[int] = field(default_factory=list)
    #: Queue rows that were waiting when the check read the database; emptied when fixing.
    queued: int = 0

    @property
    def problems(self) -> int:
        return len(self.missing) + len(self.stale) + len(self.extra)


def check(app: Flask, *, fix: bool = True) -> CheckReport:
    """Compare every index entry with the database: missing, stale (different) and extra entries.

    With ``fix``, re-indexes or removes them, and deletes the ``search_queue`` rows that were
    waiting when the database was read (a drain killed half way leaves some): the index now holds
    what they asked for. Rows queued after that read stay for the next drain. Changes the index
    and the queue only when fixing. Raises index.IndexMissing when there is no index.
    """
    root = Path(app.config["INDEX_DIR"])
    report = CheckReport()
    with writer_lock(root, wait=True):
        indexed = index.fingerprints(root)
        expected: dict[int, index.PhotoDocument] = {}
        with Session(db.engine) as session:
            session.info[_QUIET] = True
            # The queue first: each row read here belongs to a change committed before the
            # documents below are read, so the documents include it.
            queued = list(session.scalars(select(SearchQueueEntry.id)))
            report.queued = len(queued)
            for doc in all_documents(session):
                expected[doc.photo_id] = doc
        for photo_id, doc in expected.items():
            if photo_id not in indexed:
                report.missing.append(photo_id)
            elif indexed[photo_id] != doc.fingerprint():
                report.stale.append(photo_id)
        report.extra = sorted(set(indexed) - expected.keys())
        if fix and report.problems:
            index.apply(root, upserts=[expected[i] for i in report.missing + report.stale], removals=report.extra)
        if fix and queued:
            with Session(db.engine) as session:
                session.info[_QUIET] = True
                for start in range(0, len(queued), 500):
                    session.execute(delete(SearchQueueEntry).where(SearchQueueEntry.id.in_(queued[start:start + 500])))
                session.commit()
    return report
