"""A photo as other features may use it: the photo a request may see (or a 404), and the address
of its IIIF image service. Here rather than in routes.py, which no other feature imports."""
from __future__ import annotations

from functools import cache

from flask import abort, url_for
from flask_login import current_user
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload, undefer

from photoid.contributions.workflow import PhotoProcessing
from photoid.extensions import db
from photoid.photos.models import Photo


@cache
def _photo_statement() -> Select:  # type: ignore[type-arg]
    # One query, composed once: image routes run it for every tile a viewer fetches, and the
    # photo page reads the institution's policies and the catalog link too.
    return select(Photo).options(joinedload(Photo.collection), joinedload(Photo.institution),
                                 undefer(Photo.catalog_url)).where(
        Photo.id == bindparam("photo_id")
    )


def visible_photo(photo_id: int) -> Photo:
    """The photo, with its collection and institution; aborts with 404 when it is deleted, or
    unpublished (it or its collection) and the current user does not moderate its institution."""
    photo = db.session.scalar(_photo_statement(), {"photo_id": photo_id})
    if photo is None or photo.deleted_at is not None:
        abort(404)
    if not is_public(photo) and not (current_user.is_authenticated and current_user.moderates(photo.institution_id)):
        abort(404)
    return photo


def is_public(photo: Photo) -> bool:
    """Anyone may see it: not deleted, its images made, and published in a published collection."""
    return (photo.deleted_at is None and photo.is_published and photo.processing_state == PhotoProcessing.READY
            and photo.collection.is_published)


def image_service_id(photo_id: int) -> str:
    """The IIIF Image API service of the photo (photos/iiif.py serves it)."""
    return url_for("iiif.base", photo_id=photo_id, _external=True)
