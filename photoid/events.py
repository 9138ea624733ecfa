"""Every listener on the app's database session, registered in one place (``init_app``).

What runs behind a service's back when it flushes or commits, in the order it runs:

| event | listener | what it does |
|---|---|---|
| after_flush | ``db.note_flush`` | notes the transaction wrote something (the unit of work and ``end_read_transaction`` ask) |
| after_flush | ``search.queue.enqueue_changed`` | writes a ``search_queue`` row for each photo whose indexed text may have changed |
| after_flush | ``impact.rollup.forget_touched_weeks`` | deletes the kept impact weeks the changed rows fall in |
| after_flush | ``page_versions.note_flush`` | notes which kept public pages the changed rows end (a photo's, the lists, every page) |
| do_orm_execute | ``page_versions.note_bulk_write`` | an UPDATE or DELETE statement on a table public pages render ends every page |
| before_commit | ``page_versions.raise_versions`` | flushes, then raises those pages' versions in the same commit |
| before_commit | ``search.pg_index.apply_queued`` | with ``PHOTOID_SEARCH=postgres``: indexes the queued photos into ``search_document`` in the same commit |
| after_flush | ``faces.events.note_photos`` | deletes the faces of a photo withdrawn or deleted (or of a withdrawn collection's photos); notes new ready photos of institutions with face detection on |
| after_commit | ``db.note_commit`` | notes on the request that a commit saved something (a form sent twice saves once) |
| after_commit | ``search.queue.drain_after_commit`` | starts the ``search.drain`` job: indexes the queued photos (one process at a time) |
| after_commit | ``notifications.mail.send_outbox`` | starts a ``mail.send`` job for each message the transaction queued |
| after_commit | ``faces.events.detect_after_commit`` | starts a ``faces.detect`` job for each photo noted above |
| after_rollback | ``search.queue.forget_queued``, ``notifications.mail.drop_outbox``, ``page_versions.forget``, ``faces.events.forget_noted`` | a rolled-back transaction indexes, sends, ends and detects nothing |
| after_transaction_end | ``db.forget_flush`` | a new transaction has written nothing yet |

Jobs (photoid/jobs.py) run in this process at once, or with ``PHOTOID_JOBS=redis`` in ``photoid worker``.
None of them changes a contribution's state: that is ``contributions/workflow.py``'s alone.
They are registered on the app's session (``db.session``), so a session of another program's
own (the search drain's, a test's) runs none of them.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import event

from photoid.db import FLUSH_TRACKING
from photoid import page_versions
from photoid.extensions import db
from photoid.faces import events as faces
from photoid.impact import rollup
from photoid.notifications import mail
from photoid.search import pg_index, queue

LISTENERS: tuple[tuple[str, Callable[..., Any]], ...] = (
    *FLUSH_TRACKING,
    ("after_flush", queue.enqueue_changed),
    ("after_flush", rollup.forget_touched_weeks),
    ("after_flush", page_versions.note_flush),
    ("after_flush", faces.note_photos),
    ("do_orm_execute", page_versions.note_bulk_write),
    ("before_commit", page_versions.raise_versions),
    ("before_commit", pg_index.apply_queued),
    ("after_commit", queue.drain_after_commit),
    ("after_commit", mail.send_outbox),
    ("after_commit", faces.detect_after_commit),
    ("after_rollback", queue.forget_queued),
    ("after_rollback", mail.drop_outbox),
    ("after_rollback", page_versions.forget),
    ("after_rollback", faces.forget_noted),
)


def init_app(_app: Flask) -> None:
    """Register every listener on ``db.session`` (once: every app of a process shares that session)."""
    for name, listener in LISTENERS:
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)
