"""A browser upload's images made by a background job: the photo is catalogued at once, waits in
the state ``processing`` (photos may not be public then), and becomes ``ready`` when the job has
made its derivatives and tiles, or ``failed`` when every try failed.

How an upload goes, and what a failure leaves:

1. :func:`accept_upload` (in the web request) checks the file's header, hashes it and refuses
   duplicates, puts the original in storage under ``incoming/<uuid>`` (through the Storage adapter,
   so a worker on another machine reads it from the same bucket), commits the photo with a
   :class:`~photoid.photos.models.PhotoUpload` row naming that key, then starts the job
   ``photos.process``: in this process at once (PHOTOID_JOBS=inline, as photoid always did), or on
   the Redis queue for ``photoid worker``.
2. :func:`process_job` reads the original back from storage, makes every image in a staging folder,
   puts the folder in place and only then marks the photo ready (and publishes it if the archivist
   asked), and removes the staged original. Each step is committed, so the uploader's page shows
   "step n of m".
3. A try that fails is retried by the queue (PHOTOID_JOB_RETRY_DELAYS); after the last one the
   photo is ``failed`` with the reason, shown to staff on the photo page with a button to try again,
   and the job stays in the failed list at /admin/jobs. A file the image pipeline refuses (damage
   found while decoding) fails at once: trying again cannot help. The staged original stays until
   the photo is ready or deleted, so a failed worker loses nothing.
"""
from __future__ import annotations

import hashlib
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from photoid import jobs
from photoid.audit import record_event
from photoid.contributions.workflow import PhotoProcessing
from photoid.db import end_read_transaction, unit_of_work, utcnow
from photoid.extensions import db
from photoid.photos.errors import PhotoError
from photoid.photos.images import ImageRejected, examine
from photoid.photos.ingest import CHUNK, place, stage_file
from photoid.photos.models import Collection, Photo, PhotoUpload
from photoid.photos.service import PhotoFields, find_duplicate, storage, upload_root

#: Where uploaded originals wait for the job, in storage (a top-level folder: storage migrate copies it).
INCOMING = "incoming"
#: What the job does, in order: the photo page says "step n of m: <what>".
STEPS = ("fetching the uploaded file", "making the zoomable image", "storing the images")
JOB = "photos.process"
#: A try that has not moved for longer than the job may run has stopped with its worker (killed,
#: the machine restarted): staff may start it again.
STALLED_AFTER = timedelta(seconds=jobs.TIMEOUTS[JOB] + 300)


def accept_upload(*, collection: Collection, image_data: bytes, actor: Any = None, is_published: bool = True,
                  **fields: Any) -> Photo:
    """Catalogue an uploaded image now and have its images made by the ``photos.process`` job.

    Commits the photo (unpublished, ``processing``) and its PhotoUpload once the original is in
    storage, then starts the job, which with PHOTOID_JOBS=inline runs before this returns (the
    photo is then ready, or failed). Raises ImageRejected for a file whose header is not an image we
    accept, and PhotoError for a duplicate; nothing is stored then.
    """
    fields.setdefault("title", fields.get("identifier", ""))
    photo_fields = PhotoFields(**fields)
    info = examine(image_data, max_bytes=current_app.config["MAX_IMAGE_BYTES"])
    checksum = hashlib.sha256(image_data).hexdigest()
    end_read_transaction(db.session)  # no lock is held while the original is stored
    key = f"{INCOMING}/{uuid.uuid4().hex}"
    storage().put(key, image_data)
    try:
        with unit_of_work():
            duplicate = find_duplicate(collection, photo_fields, checksum)
            if duplicate is not None:
                kind, reason = duplicate
                raise PhotoError(reason[0].upper() + reason[1:] + ".", kind=kind)
            photo = Photo(
                collection_id=collection.id, institution_id=collection.institution_id,
                identifier=photo_fields.identifier, title=photo_fields.title, description=photo_fields.description,
                date_edtf=photo_fields.date_edtf, creator=photo_fields.creator, rights_uri=photo_fields.rights_uri,
                subjects=photo_fields.subjects, places=photo_fields.places,
                source_checksum=checksum, source_size=len(image_data), source_format=info.format,
                width=info.width, height=info.height, is_published=False, processing_state=PhotoProcessing.PROCESSING,
            )
            db.session.add(photo)
            db.session.flush()
            db.session.add(PhotoUpload(photo_id=photo.id, staged_key=key, publish_when_ready=is_published,
                                       steps=len(STEPS)))
            record_event(actor=actor, action="ingest", target=photo, before=None,
                         after={"identifier": photo.identifier, "title": photo.title, "collection": collection.slug},
                         institution_id=collection.institution_id)
    except BaseException:
        storage().delete_prefix(key)
        raise
    _start(photo)
    return photo


def _start(photo: Photo) -> None:
    jobs.enqueue(JOB, photo_id=photo.id, description=f"Images of photo {photo.id} ({photo.identifier})")


def upload_of(photo: Photo) -> PhotoUpload | None:
    """The upload waiting for (or failed in) processing; None for a ready photo."""
    return db.session.get(PhotoUpload, photo.id)


def is_stalled(photo: Photo, upload: PhotoUpload | None) -> bool:
    """Processing, but its try has not moved for longer than a job may run: its worker stopped."""
    return (photo.processing_state == PhotoProcessing.PROCESSING and upload is not None
            and upload.updated_at < utcnow() - STALLED_AFTER)


def retry_processing(photo: Photo, *, actor: Any) -> Photo:
    """Staff try again to make the images of a photo that failed or stalled: back to ``processing``,
    the job started again. Writes a ``retry_processing`` audit event. Raises PhotoError when there is
    nothing to try again (it is ready, or a try is under way)."""
    with unit_of_work():
        upload = upload_of(photo)
        if upload is None or not (photo.processing_state == PhotoProcessing.FAILED or is_stalled(photo, upload)):
            raise PhotoError("This photo's images are not failed: there is nothing to try again.")
        photo.processing_state = PhotoProcessing.PROCESSING
        upload.step, upload.error, upload.updated_at = 0, "", utcnow()
        record_event(actor=actor, action="retry_processing", target=photo, before=None, after=None,
                     institution_id=photo.institution_id)
    _start(photo)
    return photo


# --------------------------------------------------------------------------- the job

def process_job(photo_id: int) -> None:
    """The ``photos.process`` job: make the photo's images from its staged original, then mark it
    ready. Does nothing for a photo that is ready or gone (a second copy of the job). Raises what a
    try raised, after noting it on the photo, so the queue tries again; an image the pipeline
    refuses is marked failed at once and not raised."""
    upload = _begin(photo_id)
    if upload is None:
        return
    try:
        staged_key = upload.staged_key
        _note_step(photo_id, 1)
        with tempfile.TemporaryDirectory(dir=upload_root(), prefix=".processing-") as folder:
            original = Path(folder) / "original"
            with storage().open(staged_key) as source, original.open("wb") as copy:
                while chunk := source.read(CHUNK):
                    copy.write(chunk)
            _note_step(photo_id, 2)
            staged = stage_file(original, storage(), max_bytes=current_app.config["MAX_IMAGE_BYTES"])
        _note_step(photo_id, 3)
        place(staged, storage())
        _finish(photo_id, width=staged.width, height=staged.height)
    except ImageRejected as error:
        _fail(photo_id, f"The file could not be made into images: {error}", final=True)
        return
    except Exception as error:
        _fail(photo_id, f"{error.__class__.__name__}: {error}", final=jobs.tries_left() == 0)
        raise
    storage().delete_prefix(staged_key)


def _begin(photo_id: int) -> PhotoUpload | None:
    with unit_of_work():
        photo = db.session.get(Photo, photo_id)
        upload = db.session.get(PhotoUpload, photo_id)
        if photo is None or photo.deleted_at is not None or upload is None \
                or photo.processing_state == PhotoProcessing.READY:
            return None
        photo.processing_state = PhotoProcessing.PROCESSING  # a failed job retried from /admin/jobs
        upload.tries += 1
        upload.step, upload.updated_at = 0, utcnow()
    return upload


def _note_step(photo_id: int, step: int) -> None:
    """Commit the step reached, for the uploader's page; the transaction ends before the slow work."""
    with unit_of_work():
        upload = db.session.get(PhotoUpload, photo_id)
        if upload is not None:
            upload.step, upload.updated_at = step, utcnow()


def _finish(photo_id: int, *, width: int, height: int) -> None:
    with unit_of_work():
        photo = db.session.get(Photo, photo_id)
        upload = db.session.get(PhotoUpload, photo_id)
        if photo is None or upload is None:
            return
        photo.width, photo.height = width, height
        photo.processing_state = PhotoProcessing.READY
        photo.modified_at = utcnow()
        # Published as the archivist asked at upload (the ingest event says so); staff publish or withdraw it later.
        photo.is_published = upload.publish_when_ready and photo.deleted_at is None
        db.session.delete(upload)


def _fail(photo_id: int, message: str, *, final: bool) -> None:
    db.session.rollback()
    with unit_of_work():
        photo = db.session.get(Photo, photo_id)
        upload = db.session.get(PhotoUpload, photo_id)
        if photo is None or upload is None:
            return
        upload.error, upload.updated_at = message, utcnow()
        if final:
            photo.processing_state = PhotoProcessing.FAILED

