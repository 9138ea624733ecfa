"""IIIF imports asked for on a collection's page, and run later by ``photoid import-iiif --pending``.

A web request only records the address (:func:`request_import`): fetching a whole collection takes
minutes to hours, and nothing may be fetched while a visitor's request waits. A timer (deploy/
photoid-import.timer, every few minutes) runs the command, which takes the requests one at a time
and counts each canvas as it goes, so the collection page shows the progress. A run that stopped
(the machine restarted) is taken up again once it has not moved for :data:`STALE`; the import
itself skips what is already in.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select

from photoid.contributions.workflow import ImportState
from photoid.db import unit_of_work, utcnow
from photoid.extensions import db
from photoid.photos.iiif_fetch import FetchError, parse_target
from photoid.photos.iiif_import import ImportFailed, run_iiif_import
from photoid.photos.importer import Outcome
from photoid.photos.models import Collection, IiifImport

STALE = timedelta(minutes=30)
#: Rejected canvases written into a request's message, for the collection page.
MESSAGE_LINES = 50
_COUNTERS = {"ingested": "ingested", "updated": "updated", "duplicate": "unchanged", "rejected": "rejected"}


class ImportRequestError(ValueError):
    """The address cannot be imported from (not http or https); the message says why."""


@unit_of_work
def request_import(collection: Collection, *, url: str, actor: Any) -> IiifImport:
    """Record that ``actor`` asks to import the IIIF manifest or collection at ``url`` into
    ``collection``; nothing is fetched. Commits. Raises ImportRequestError for an address that is
    not http(s) (private addresses are refused when the import runs, after the name is resolved)."""
    url = url.strip()
    if not url:
        raise ImportRequestError("Please give the address of a IIIF manifest or collection.")
    if len(url) > 2000:
        raise ImportRequestError("That address is longer than 2000 characters.")
    try:
        parse_target(url)
    except FetchError as error:
        raise ImportRequestError(str(error)) from error
    request = IiifImport(collection_id=collection.id, url=url, requested_by_id=getattr(actor, "id", None),
                         state=ImportState.WAITING)
    db.session.add(request)
    return request


@unit_of_work
def _claim() -> int | None:
    """The next request to run, marked running: the oldest waiting one, or one whose run stopped moving."""
    now = utcnow()
    request = db.session.scalar(
        select(IiifImport).where(or_(
            IiifImport.state == ImportState.WAITING,
            (IiifImport.state == ImportState.RUNNING) & (IiifImport.updated_at < now - STALE),
        )).order_by(IiifImport.id).limit(1)
    )
    if request is None:
        return None
    request.state, request.started_at, request.updated_at, request.finished_at = ImportState.RUNNING, now, now, None
    request.ingested = request.updated = request.unchanged = request.rejected = 0
    request.message = ""
    return request.id


@unit_of_work
def _count(request_id: int, outcome: Outcome) -> None:
    request = db.session.get_one(IiifImport, request_id)
    counter = _COUNTERS.get(outcome.status, "rejected")
    setattr(request, counter, getattr(request, counter) + 1)
    request.updated_at = utcnow()


@unit_of_work
def _finish(request_id: int, *, state: ImportState, message: str) -> None:
    request = db.session.get_one(IiifImport, request_id)
    request.state, request.message = state, message
    request.finished_at = request.updated_at = utcnow()
    if state == ImportState.WAITING:
        request.finished_at = None


def run_pending(*, echo: Callable[[str], None] = print) -> int:
    """Run every waiting import request, oldest first; returns how many ran. Each canvas commits on
    its own and moves the request's counts; the request ends ``done`` or, when its address could not
    be read at all, ``failed`` with the reason."""
    ran = 0
    while (request_id := _claim()) is not None:
        request = db.session.get_one(IiifImport, request_id)
        url, collection, actor = request.url, request.collection, request.requested_by
        echo(f"Importing {url} into {collection.slug} (request {request_id}).")
        try:
            summary = run_iiif_import(url, collection=collection, actor=actor,
                                      on_outcome=lambda outcome: _count(request_id, outcome))
        except ImportFailed as error:
            _finish(request_id, state=ImportState.FAILED, message=str(error))
            echo(f"  failed: {error}")
        else:
            if summary.interrupted:
                _finish(request_id, state=ImportState.WAITING, message="Interrupted; it continues at the next run.")
                raise KeyboardInterrupt
            lines = [f"Canvas {o.row} ({o.identifier}): {o.reason}" for o in summary.outcomes if o.status == "rejected"]
            if len(lines) > MESSAGE_LINES:
                lines = lines[:MESSAGE_LINES] + [f"… and {len(lines) - MESSAGE_LINES} more."]
            _finish(request_id, state=ImportState.DONE, message="\n".join(lines))
            echo(f"  ingested {summary.count('ingested')}, updated {summary.count('updated')}, "
                 f"unchanged {summary.count('duplicate')}, rejected {summary.count('rejected')}.")
        ran += 1
    return ran
