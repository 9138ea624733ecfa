"""Use cases for institutions, collections and photos. Each public function commits once."""
from __future__ import annotations

import hashlib

from flask import current_app
from sqlalchemy import select

from photoid.extensions import db
from photoid.photos.images import ImageRejected, inspect, make_derivatives
from photoid.photos.models import Collection, Photo
from photoid.photos.storage import LocalStorage, derivative_key, photo_prefix


class PhotoError(ValueError):
    """A photo that cannot be added; the message is for the archivist."""


def storage() -> LocalStorage:
    return LocalStorage(current_app.config["UPLOAD_DIR"])


def add_photo(
    *,
    collection: Collection,
    identifier: str,
    title: str,
    image_data: bytes,
    description: str = "",
    date_edtf: str | None = None,
    creator: str = "",
    rights_uri: str = "",
    is_published: bool = True,
    commit: bool = True,
) -> Photo:
    """Store an original image with its derivatives and catalogue it in ``collection``.

    Raises PhotoError for a duplicate identifier and ImageRejected for an unusable file; in both
    cases nothing is left in storage or in the database.
    """
    identifier = identifier.strip()
    if not identifier:
        raise PhotoError("Every photo needs a catalog identifier.")
    exists = db.session.scalar(
        select(Photo.id).where(Photo.institution_id == collection.institution_id, Photo.identifier == identifier)
    )
    if exists is not None:
        raise PhotoError(f"The identifier {identifier} is already used in this institution.")
    source = inspect(image_data)
    checksum = hashlib.sha256(image_data).hexdigest()
    files = storage()
    prefix = photo_prefix(checksum)
    already_stored = files.exists(f"{prefix}/original")
    try:
        if not already_stored:
            for variant, data in make_derivatives(image_data).items():
                files.write_bytes(derivative_key(checksum, variant), data)
            files.write_bytes(f"{prefix}/original", image_data)
        photo = Photo(
            collection_id=collection.id,
            institution_id=collection.institution_id,
            identifier=identifier,
            title=title.strip(),
            description=description.strip(),
            date_edtf=date_edtf,
            creator=creator,
            rights_uri=rights_uri,
            source_checksum=checksum,
            source_size=len(image_data),
            source_format=source.format,
            width=source.width,
            height=source.height,
            is_published=is_published,
        )
        db.session.add(photo)
        db.session.flush()
        if commit:
            db.session.commit()
    except BaseException:
        db.session.rollback()
        if not already_stored:
            files.delete_prefix(prefix)
        raise
    return photo


__all__ = ["ImageRejected", "PhotoError", "add_photo", "storage"]
