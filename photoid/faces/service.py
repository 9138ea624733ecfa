"""Use cases of face data: finding a photo's faces, forgetting them, purging an institution's.

Each public function commits once. Nothing here approves or names anyone: faces are only boxes
(and, with matching on, encodings) until a person decides (faces/linking.py, the moderation queue).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import delete, exists, func, or_, select

from photoid.audit import record_event
from photoid.db import end_read_transaction, unit_of_work, utcnow
from photoid.extensions import db
from photoid.faces.detection import FoundFace, encoding_bytes, find_faces
from photoid.faces.models import Face, FaceScan
from photoid.jobs import is_queued
from photoid.photos.models import Collection, Institution, Photo
from photoid.photos.storage import NotStored, current_storage, derivative_key


class FacesError(ValueError):
    """A request the face tools refuse; the message says why."""


@dataclass(frozen=True)
class Scanned:
    """What one photo's scan found; ``faces`` is None when the photo was not scanned (see detect_photo)."""

    photo_id: int
    faces: int | None
    reason: str = ""


def _read_display(photo: Photo) -> list[FoundFace] | None:
    """The faces on the photo's display image; None when that image is not stored (yet)."""
    store = current_storage()
    try:
        with store.open(derivative_key(photo.source_checksum, "display")) as handle:
            return find_faces(handle, upsample=int(current_app.config["FACES_UPSAMPLE"]),
                              encode=photo.institution.faces_matching_enabled)
    except NotStored:
        return None


def detect_photo(photo_id: int) -> Scanned:
    """Find the faces on one photo's display image and store them in place of any found before.

    Stores each face's box and confidence, and its encoding only when the institution's matching
    is on; records the scan (FaceScan); commits once. Does nothing (``faces`` None) when the photo
    is gone or deleted, its institution's detection is off, or its display image is not made yet.
    The image is read before the write starts, so a slow detection holds no lock.
    """
    photo = db.session.get(Photo, photo_id)
    if photo is None or photo.deleted_at is not None:
        return Scanned(photo_id, None, "no such photo")
    if _is_withdrawn(photo):
        return Scanned(photo_id, None, "it was withdrawn")
    if not photo.institution.faces_detection_enabled:
        return Scanned(photo_id, None, "detection is off for its institution")
    institution_id = photo.institution_id
    found = _read_display(photo)
    if found is None:
        return Scanned(photo_id, None, "its display image is not made yet")
    end_read_transaction(db.session)
    with unit_of_work():
        # Read again in the writing transaction: an admin may have turned a switch meanwhile.
        detection, encode = db.session.execute(select(
            Institution.faces_detection_enabled, Institution.faces_matching_enabled).where(Institution.id == institution_id)).one()
        if not detection:
            return Scanned(photo_id, None, "detection is off for its institution")
        db.session.execute(delete(Face).where(Face.photo_id == photo_id))
        for face in found:
            db.session.add(Face(photo_id=photo_id, x=face.x, y=face.y, w=face.w, h=face.h, confidence=face.confidence,
                                encoding=encoding_bytes(face.encoding) if encode and face.encoding is not None else None))
        scan = db.session.get(FaceScan, photo_id) or FaceScan(photo_id=photo_id)
        scan.upsample, scan.is_encoded, scan.faces = int(current_app.config["FACES_UPSAMPLE"]), encode, len(found)
        scan.scanned_at = utcnow()
        db.session.add(scan)
    return Scanned(photo_id, len(found))


def _is_withdrawn(photo: Photo) -> bool:
    """Whether the photo (or its collection) was withdrawn from the site: its faces were deleted then,
    and are not looked for again until it is published again. A draft never published is scanned."""
    return (not photo.is_published and photo.withdrawn_at is not None) or (
        not photo.collection.is_published and photo.collection.withdrawn_at is not None)


def detect_job(photo_id: int) -> None:
    """The ``faces.detect`` job (photoid/jobs.py): detect_photo, run after a photo's images exist.

    In an app context of its own, so in-process (PHOTOID_JOBS=inline) it has a database session of
    its own too: it is started from the committing session's after_commit, where that one may not
    run SQL. Raises what detect_photo raises (logged in-process; a worker tries again)."""
    with current_app._get_current_object().app_context():  # type: ignore[attr-defined]
        detect_photo(photo_id)


def photos_to_scan(*, collection: Collection | None = None, institution: Institution | None = None) -> list[int]:
    """The photos ``photoid faces detect`` still has to scan, by id: not deleted nor withdrawn (with its
    collection), of an institution with detection on, never scanned, or with faces lacking encodings
    while matching is now on."""
    # Encodings forgotten when matching was turned off (faces/settings.py) are made again once it is back on.
    forgotten = exists().where(Face.photo_id == Photo.id, Face.encoding.is_(None))
    query = (
        select(Photo.id).join(Institution, Institution.id == Photo.institution_id)
        .outerjoin(FaceScan, FaceScan.photo_id == Photo.id)
        .join(Collection, Collection.id == Photo.collection_id)
        .where(Photo.deleted_at.is_(None), Institution.faces_detection_enabled.is_(True),
               or_(Photo.is_published.is_(True), Photo.withdrawn_at.is_(None)),
               or_(Collection.is_published.is_(True), Collection.withdrawn_at.is_(None)),
               or_(FaceScan.photo_id.is_(None),
                   Institution.faces_matching_enabled.is_(True) & or_(FaceScan.is_encoded.is_(False), forgotten)))
        .order_by(Photo.id)
    )
    if collection is not None:
        query = query.where(Photo.collection_id == collection.id)
    if institution is not None:
        query = query.where(Photo.institution_id == institution.id)
    return list(db.session.scalars(query))


def scan_notice(collection: Collection) -> str:
    """What a curator is told about faces when ``collection`` is published again: "" when its
    institution has detection off or nothing waits. With a worker (PHOTOID_JOBS=redis) its photos were
    queued for ``faces.detect`` on publishing (faces/events.py); in-process they wait for ``photoid
    faces detect``, because scanning them in the request would keep the curator waiting for minutes."""
    if not collection.institution.faces_detection_enabled:
        return ""
    waiting = len(photos_to_scan(collection=collection))
    if not waiting:
        return ""
    photos = "1 photo" if waiting == 1 else f"{waiting} photos"
    if is_queued():
        return f"Faces on its {photos} are being looked for in the background; they appear on the photos in a few minutes."
    return (f"Faces on its {photos} are not looked for now (it would keep you waiting): they will be found when "
            f"“photoid faces detect --collection {collection.slug}” runs on the server; ask whoever runs the site.")


def detect_all(*, collection: Collection | None = None,
               progress: Callable[[Iterator[int]], Iterator[int]] | None = None) -> list[Scanned]:
    """Scan every photo :func:`photos_to_scan` names, each in its own commit: stopped at any point,
    the next run goes on from there. ``progress`` wraps the iteration (a progress bar)."""
    ids = photos_to_scan(collection=collection)
    end_read_transaction(db.session)
    iterator: Iterator[int] = iter(ids)
    if progress is not None:
        iterator = progress(iterator)
    return [detect_photo(photo_id) for photo_id in iterator]


@unit_of_work
def purge_institution(institution: Institution, *, actor: Any = None) -> int:
    """Delete every face and scan record of the institution's photos; returns how many faces.

    Records a ``purge_faces`` audit event with the count (``actor`` None: the shell). Leaves its
    switches as they are (turn detection off first, or new photos are scanned again).
    Identifications staff confirmed from a suggestion stay: they are a person's decision.
    """
    photo_ids = select(Photo.id).where(Photo.institution_id == institution.id).scalar_subquery()
    count = db.session.scalar(select(func.count()).select_from(Face).where(Face.photo_id.in_(photo_ids))) or 0
    db.session.execute(delete(Face).where(Face.photo_id.in_(photo_ids)))
    db.session.execute(delete(FaceScan).where(FaceScan.photo_id.in_(photo_ids)))
    record_event(actor=actor, action="purge_faces", target=institution, before={"faces": int(count)}, after={"faces": 0},
                 institution_id=institution.id)
    return int(count)


def institution_by_slug(slug: str) -> Institution:
    """Raises FacesError naming the slug when there is no such institution."""
    institution = db.session.scalar(select(Institution).where(Institution.slug == slug))
    if institution is None:
        raise FacesError(f"No institution {slug!r}.")
    return institution
