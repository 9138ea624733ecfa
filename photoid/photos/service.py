"""Use cases for collections and photos. Each public function commits once."""
from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select

from photoid.extensions import db
from photoid.moderation.audit import record_event
from photoid.photos.images import ImageRejected
from photoid.photos.ingest import StagedImage, discard, place, stage_file, unplace
from photoid.photos.models import Collection, Institution, Photo
from photoid.photos.storage import LocalStorage


class PhotoError(ValueError):
    """A photo that cannot be added; the message is for the archivist.

    ``kind`` is "duplicate" when the same photo is already catalogued (nothing to do), or
    "rejected" when something must be fixed first.
    """

    def __init__(self, message: str, *, kind: str = "rejected") -> None:
        super().__init__(message)
        self.kind = kind


@dataclass
class PhotoFields:
    """Catalog data of one photo, already checked (see photos/manifest.py)."""

    identifier: str
    title: str
    description: str = ""
    date_edtf: str | None = None
    creator: str = ""
    rights_uri: str = ""
    subjects: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)


def upload_root() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


def storage() -> LocalStorage:
    return LocalStorage(upload_root())


def find_duplicate(collection: Collection, fields: PhotoFields, checksum: str) -> tuple[str, str] | None:
    """("duplicate" | "rejected", reason) when this photo, or its identifier, is already catalogued."""
    same_identifier = db.session.scalar(
        select(Photo).where(Photo.institution_id == collection.institution_id, Photo.identifier == fields.identifier)
    )
    if same_identifier is not None:
        if same_identifier.source_checksum == checksum:
            return "duplicate", f"already ingested as photo {same_identifier.id}"
        return "rejected", f"the identifier {fields.identifier} is already used for a different image"
    same_image = db.session.scalar(
        select(Photo).where(Photo.institution_id == collection.institution_id, Photo.source_checksum == checksum)
    )
    if same_image is not None:
        return "duplicate", f"the same image is already catalogued as {same_image.identifier}"
    return None


def catalog_photo(*, staged: StagedImage, collection: Collection, fields: PhotoFields, actor: Any = None, is_published: bool = True) -> Photo:
    """Move staged files into place and catalogue the photo, in that order, then commit.

    Raises PhotoError when the identifier or the image is already catalogued; the staged files
    are discarded and nothing is written.
    """
    root = upload_root()
    duplicate = find_duplicate(collection, fields, staged.checksum)
    if duplicate is not None:
        discard(staged, root)
        kind, reason = duplicate
        raise PhotoError(reason[0].upper() + reason[1:] + ".", kind=kind)
    created = place(staged, root)
    try:
        photo = Photo(
            collection_id=collection.id, institution_id=collection.institution_id,
            identifier=fields.identifier, title=fields.title, description=fields.description,
            date_edtf=fields.date_edtf, creator=fields.creator, rights_uri=fields.rights_uri,
            subjects=fields.subjects, places=fields.places,
            source_checksum=staged.checksum, source_size=staged.size, source_format=staged.format,
            width=staged.width, height=staged.height, is_published=is_published,
        )
        db.session.add(photo)
        db.session.flush()
        record_event(actor=actor, action="ingest", target=photo, before=None,
                     after={"identifier": photo.identifier, "title": photo.title, "collection": collection.slug},
                     institution_id=collection.institution_id)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        if created:
            unplace(staged, root)
        raise
    return photo


def add_photo(*, collection: Collection, image_data: bytes, actor: Any = None, is_published: bool = True, **fields: Any) -> Photo:
    """Catalogue one image given as bytes (the upload form, the demo, tests).

    Raises ImageRejected for an unusable file and PhotoError for a duplicate.
    """
    fields.setdefault("title", fields.get("identifier", ""))
    photo_fields = PhotoFields(**fields)
    max_bytes = current_app.config["MAX_IMAGE_BYTES"]
    with tempfile.NamedTemporaryFile(dir=upload_root(), prefix=".upload-") as handle:
        handle.write(image_data)
        handle.flush()
        staged = stage_file(Path(handle.name), upload_root(), max_bytes=max_bytes)
    return catalog_photo(staged=staged, collection=collection, fields=photo_fields, actor=actor, is_published=is_published)


def ensure_collection(slug: str, *, title: str | None = None, institution: Institution | None = None) -> tuple[Collection, bool]:
    """The collection with this slug, created in ``institution`` (default: the first member library)
    when missing. Returns (collection, created). Raises PhotoError when there is no institution."""
    found = db.session.scalar(select(Collection).where(Collection.slug == slug))
    if found is not None:
        return found, False
    institution = institution or db.session.scalar(
        select(Institution).where(Institution.is_consortium.is_(False)).order_by(Institution.id)
    )
    if institution is None:
        raise PhotoError("There is no institution yet to create the collection in.")
    collection = Collection(slug=slug, title=title or slug.replace("-", " ").title(), institution=institution)
    db.session.add(collection)
    db.session.flush()
    record_event(actor=None, action="create_collection", target=collection, before=None,
                 after={"slug": slug, "institution": institution.slug}, institution_id=institution.id)
    db.session.commit()
    return collection, True


__all__ = ["ImageRejected", "PhotoError", "PhotoFields", "add_photo", "catalog_photo", "ensure_collection", "storage"]
