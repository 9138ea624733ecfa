"""Use cases for collections and photos. Each public function commits once."""
from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from photoid.audit import record_event
from photoid.contributions.models import Comment, Identification
from photoid.contributions.workflow import PhotoProcessing
from photoid.db import end_read_transaction, unit_of_work, utcnow
from photoid.extensions import db
from photoid.photos.collections import record_publication
from photoid.photos.errors import PhotoError
from photoid.photos.images import ImageRejected
from photoid.photos.ingest import StagedImage, discard, place, stage_file, unplace
from photoid.photos.models import Collection, Photo, PhotoUpload
from photoid.photos.storage import Storage, current_storage, photo_prefix


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


def storage() -> Storage:
    """The app's file storage (photos/storage.py): what every feature reads and writes files through."""
    return current_storage()


def find_duplicate(collection: Collection, fields: PhotoFields, checksum: str) -> tuple[str, str] | None:
    """("duplicate" | "rejected", reason) when this photo, or its identifier, is already catalogued."""
    same_identifier = db.session.scalar(
        select(Photo).where(Photo.institution_id == collection.institution_id, Photo.identifier == fields.identifier,
                            Photo.deleted_at.is_(None))
    )
    if same_identifier is not None:
        if same_identifier.source_checksum == checksum:
            return "duplicate", f"already ingested as photo {same_identifier.id}"
        return "rejected", f"the identifier {fields.identifier} is already used for a different image"
    same_image = db.session.scalar(
        select(Photo).where(Photo.institution_id == collection.institution_id, Photo.source_checksum == checksum,
                            Photo.deleted_at.is_(None))
    )
    if same_image is not None:
        return "duplicate", f"the same image is already catalogued as {same_image.identifier}"
    return None


def catalog_photo(*, staged: StagedImage, collection: Collection, fields: PhotoFields, actor: Any = None, is_published: bool = True) -> Photo:
    """Move staged files into place and catalogue the photo, in that order, then commit.

    Raises PhotoError when the identifier or the image is already catalogued; the staged files
    are discarded and nothing is written.
    """
    store = storage()
    duplicate = find_duplicate(collection, fields, staged.checksum)
    if duplicate is not None:
        discard(staged, store)
        kind, reason = duplicate
        raise PhotoError(reason[0].upper() + reason[1:] + ".", kind=kind)
    created = place(staged, store)
    try:
        with unit_of_work():  # the files placed above are removed again when it rolls back
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
    except BaseException:
        if created:
            unplace(staged, store)
        raise
    return photo


def add_photo(*, collection: Collection, image_data: bytes, actor: Any = None, is_published: bool = True, **fields: Any) -> Photo:
    """Catalogue one image given as bytes (the upload form, the demo, tests).

    The image is processed (seconds for a large scan) before the write lock is taken: a read-only
    transaction the caller has open is ended first (its objects reload when next read), so other
    writers are not kept waiting meanwhile. Raises ImageRejected for an unusable file and PhotoError
    for a duplicate.
    """
    fields.setdefault("title", fields.get("identifier", ""))
    photo_fields = PhotoFields(**fields)
    max_bytes = current_app.config["MAX_IMAGE_BYTES"]
    end_read_transaction(db.session)
    with tempfile.NamedTemporaryFile(dir=upload_root(), prefix=".upload-") as handle:
        handle.write(image_data)
        handle.flush()
        staged = stage_file(Path(handle.name), storage(), max_bytes=max_bytes)
    return catalog_photo(staged=staged, collection=collection, fields=photo_fields, actor=actor, is_published=is_published)


@unit_of_work
def set_photo_published(photo: Photo, *, is_published: bool, actor: Any = None) -> Photo:
    """Publish or withdraw one photo: the only way a photo's publication changes.

    Changes the photo's ``is_published`` and ``modified_at`` (the OAI datestamp), and
    ``withdrawn_at`` when it was public and no longer is, so OAI-PMH reports it deleted; writes a
    ``publish``/``withdraw`` audit event; commits once. Does nothing when the photo is already in
    that state. A photo whose images are not made yet is not published then. Raises PhotoError for a
    deleted photo, and for publishing one whose images are not made yet.
    """
    if photo.deleted_at is not None:
        raise PhotoError("This photo was deleted.")
    if photo.processing_state != PhotoProcessing.READY:  # not yet public: what it will be once ready
        if is_published:
            raise PhotoError("This photo's images are not made yet: it can be published once it is ready.")
        upload = db.session.get(PhotoUpload, photo.id)
        if upload is not None:
            upload.publish_when_ready = False
        return photo
    if photo.is_published == is_published:
        return photo
    now = utcnow()
    was_public = photo.is_published and photo.collection.is_published
    photo.is_published = is_published
    photo.modified_at = now
    if was_public and not is_published:
        photo.withdrawn_at = now
    record_publication(actor, photo, photo.institution_id, is_published=is_published)
    return photo


RECORD_FIELDS = ("identifier", "title", "description", "date_edtf", "creator", "rights_uri", "subjects", "places")


@unit_of_work
def update_record(photo: Photo, *, fields: PhotoFields, actor: Any) -> bool:
    """Change a photo's catalog record to ``fields`` (already checked, see photos/record_form.py).

    Writes one ``edit_record`` audit event with each changed field before and after, moves the
    OAI datestamp and commits (the search index and kept pages follow the commit). Returns False,
    writing nothing, when nothing changed. Raises PhotoError when the identifier is already
    another photo's in the institution.
    """
    before = {name: getattr(photo, name) for name in RECORD_FIELDS}
    after = {name: getattr(fields, name) for name in RECORD_FIELDS}
    changed = [name for name in RECORD_FIELDS if before[name] != after[name]]
    if not changed:
        return False
    if "identifier" in changed and db.session.scalar(select(Photo.id).where(
        Photo.institution_id == photo.institution_id, Photo.identifier == fields.identifier,
        Photo.deleted_at.is_(None), Photo.id != photo.id,
    )) is not None:
        raise PhotoError(f"The identifier {fields.identifier} is already used for another photo.")
    for name in changed:
        setattr(photo, name, after[name])
    photo.modified_at = utcnow()
    record_event(actor=actor, action="edit_record", target=photo, before={k: before[k] for k in changed},
                 after={k: after[k] for k in changed}, institution_id=photo.institution_id)
    return True


def contributions_on(photo: Photo) -> int:
    """How many identifications and comments patrons have sent about the photo, in any state."""
    return sum(
        db.session.scalar(select(func.count()).select_from(model).where(model.photo_id == photo.id)) or 0
        for model in (Identification, Comment)
    )


def delete_photo(photo: Photo, *, actor: Any) -> None:
    """Delete a photo catalogued by mistake: its row becomes a tombstone (``deleted_at``), no longer
    published, so OAI-PMH reports it deleted and its identifier is free again; its files and
    derivatives are removed after the commit. Writes a ``delete_photo`` audit event with the
    record as it was. Raises PhotoError when patrons have contributed to it (nothing they sent is
    ever lost: withdraw it instead) or when it is already deleted.
    """
    if photo.deleted_at is not None:
        raise PhotoError("This photo was already deleted.")
    sent = contributions_on(photo)
    if sent:
        raise PhotoError(
            f"Patrons have sent {sent} identification{'' if sent == 1 else 's'} or comments about this photo, and "
            "what they sent is never deleted. Withdraw the photo instead: it leaves the site and keeps their work."
        )
    with unit_of_work():  # committed before the files go
        now = utcnow()
        before = {name: getattr(photo, name) for name in RECORD_FIELDS}
        before.update(collection=photo.collection.slug, checksum=photo.source_checksum, is_published=photo.is_published)
        if photo.is_published and photo.collection.is_published:
            photo.withdrawn_at = now
        photo.is_published, photo.deleted_at, photo.modified_at = False, now, now
        upload = db.session.get(PhotoUpload, photo.id)  # an original still waiting for its images
        staged_key = upload.staged_key if upload is not None else None
        if upload is not None:
            db.session.delete(upload)
        record_event(actor=actor, action="delete_photo", target=photo, before=before, after=None,
                     institution_id=photo.institution_id)
    if staged_key is not None:
        storage().delete_prefix(staged_key)
    still_used = db.session.scalar(select(Photo.id).where(
        Photo.source_checksum == photo.source_checksum, Photo.deleted_at.is_(None)
    ))
    if still_used is None:  # another institution may have catalogued the same scan
        storage().delete_prefix(photo_prefix(photo.source_checksum))


__all__ = ["ImageRejected", "PhotoError", "PhotoFields", "add_photo", "catalog_photo", "delete_photo",
           "set_photo_published", "storage", "update_record"]
