"""Publishing and withdrawing photos and collections so that OAI-PMH harvesters notice.

Every change of ``is_published`` on a photo or collection should go through these functions:
they move ``Photo.modified_at`` (the OAI datestamp) of every record whose visibility changes,
and set ``withdrawn_at`` when something stops being public, so the photo keeps answering
with a deleted header (persistent deletions) and an incremental harvest sees it.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import update

from photoid.db import utcnow
from photoid.extensions import db
from photoid.moderation.audit import record_event
from photoid.photos.models import Collection, Photo


def set_photo_published(photo: Photo, *, is_published: bool, actor: Any = None) -> Photo:
    """Publish or withdraw one photo.

    Changes the photo's ``is_published`` and ``modified_at``, and ``withdrawn_at`` when it was
    public and no longer is; writes a ``publish``/``withdraw`` audit event; commits once. Does
    nothing (and commits nothing) when the photo is already in that state. Raises nothing of
    its own; database errors propagate after a rollback.
    """
    if photo.is_published == is_published:
        return photo
    now = utcnow()
    was_public = photo.is_published and photo.collection.is_published
    photo.is_published = is_published
    photo.modified_at = now
    if was_public and not is_published:
        photo.withdrawn_at = now
    _audit(actor, "publish" if is_published else "withdraw", photo, photo.institution_id)
    _commit()
    return photo


def set_collection_published(collection: Collection, *, is_published: bool, actor: Any = None) -> Collection:
    """Publish or withdraw a whole collection.

    Changes the collection's ``is_published`` (and ``withdrawn_at`` when it stops being
    public) and moves ``modified_at`` of each of its published photos, whose records appear or
    become deleted; writes an audit event; commits once. Does nothing when the collection is
    already in that state. Raises nothing of its own; database errors propagate after a rollback.
    """
    if collection.is_published == is_published:
        return collection
    now = utcnow()
    collection.is_published = is_published
    if not is_published:
        collection.withdrawn_at = now
    db.session.execute(
        update(Photo)
        .where(Photo.collection_id == collection.id, Photo.is_published.is_(True))
        .values(modified_at=now)
        .execution_options(synchronize_session="fetch")
    )
    _audit(actor, "publish" if is_published else "withdraw", collection, collection.institution_id)
    _commit()
    return collection


def _audit(actor: Any, action: str, target: Any, institution_id: int) -> None:
    if actor is not None:
        published = action == "publish"
        record_event(
            actor=actor, action=action, target=target, before={"is_published": not published},
            after={"is_published": published}, institution_id=institution_id,
        )


def _commit() -> None:
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
