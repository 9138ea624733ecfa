"""The two session listeners of face assistance (registered in photoid/events.py, whose table lists them).

- ``note_photos`` (after_flush): a photo withdrawn or deleted, or a collection withdrawn, loses its
  faces and scan records in the same transaction (face data never outlives a photo's place on the
  site); a photo whose display image has just come to exist (added ready, made ready), or that is
  published again, is noted for detection when its institution has detection on. A collection
  published again has its ready, published photos noted too when jobs go to a worker
  (PHOTOID_JOBS=redis); in-process (inline) they are not scanned in the request, which could take
  minutes: they keep no scan record (their faces went with the withdrawal), so ``photoid faces
  detect`` finds them, and the curator is told so (service.scan_notice).
- ``detect_after_commit`` (after_commit): starts a ``faces.detect`` job for each noted photo.
  ``after_rollback`` forgets them (``forget_noted``).
"""
from __future__ import annotations

from typing import Any

from flask import has_app_context
from sqlalchemy import delete, inspect, select
from sqlalchemy.orm import Session

from photoid.contributions.workflow import PhotoProcessing
from photoid.faces.models import Face, FaceScan
from photoid.photos.models import Collection, Institution, Photo

_NOTED = "photoid_faces_to_detect"


def _changed_to(obj: Any, name: str) -> tuple[bool, Any]:
    """Whether attribute ``name`` changed in this flush, and its new value."""
    attr = getattr(inspect(obj).attrs, name, None)
    if attr is None:
        return False, None
    history = attr.history
    return bool(history.added and history.deleted), (history.added[0] if history.added else None)


def _is_ready(photo: Photo) -> bool:
    """Whether the photo's images exist (an upload's are made by the ``photos.process`` job)."""
    return photo.processing_state == PhotoProcessing.READY


def note_photos(session: Session, _context: object) -> None:
    """after_flush: forget the faces of photos that left the site; note new ready photos for detection."""
    gone: set[int] = set()
    fresh: set[int] = set()
    again: set[int] = set()
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Photo):
            published_changed, published = _changed_to(obj, "is_published")
            ready_changed, _ = _changed_to(obj, "processing_state")
            if obj.deleted_at is not None or (published_changed and not published):
                gone.add(obj.id)
            elif (obj in session.new or ready_changed or (published_changed and published)) and _is_ready(obj):
                fresh.add(obj.id)
        elif isinstance(obj, Collection) and obj not in session.new:
            changed, published = _changed_to(obj, "is_published")
            if changed and not published:
                gone |= set(session.connection().scalars(select(Photo.id).where(Photo.collection_id == obj.id)))
            elif changed and published:
                again.add(obj.id)
    connection = session.connection()
    if again and has_app_context() and _jobs_queued():
        fresh |= set(connection.scalars(select(Photo.id).where(
            Photo.collection_id.in_(sorted(again)), Photo.is_published.is_(True), Photo.deleted_at.is_(None),
            Photo.processing_state == PhotoProcessing.READY)))
    if gone:
        connection.execute(delete(Face.__table__).where(Face.__table__.c.photo_id.in_(sorted(gone))))
        connection.execute(delete(FaceScan.__table__).where(FaceScan.__table__.c.photo_id.in_(sorted(gone))))
    fresh -= gone
    if fresh:
        detecting = connection.scalars(
            select(Photo.id).join(Institution, Institution.id == Photo.institution_id)
            .where(Photo.id.in_(sorted(fresh)), Institution.faces_detection_enabled.is_(True))
        )
        session.info.setdefault(_NOTED, set()).update(detecting)


def _jobs_queued() -> bool:
    from photoid.jobs import is_queued

    return is_queued()


def detect_after_commit(session: Session) -> None:
    """after_commit: a ``faces.detect`` job for each photo noted by :func:`note_photos`."""
    noted = session.info.pop(_NOTED, None)
    if not noted or not has_app_context():
        return
    from photoid.jobs import enqueue

    for photo_id in sorted(noted):
        enqueue("faces.detect", description=f"faces of photo {photo_id}", photo_id=photo_id)


def forget_noted(session: Session, *_args: Any) -> None:
    """after_rollback: a rolled-back transaction added no photo to scan."""
    session.info.pop(_NOTED, None)
