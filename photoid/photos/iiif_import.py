"""``photoid import-iiif``: photos from a library's published IIIF manifests, keeping the link back.

A manifest or a collection (followed recursively) is read (photos/iiif_read.py); each canvas with
an image becomes a photo, its image fetched once at full size through its image service
(``full/max``; the largest size the service lists when ``max`` is refused; or the painting
annotation's body), one request at a time (photos/iiif_fetch.py). The photo keeps its source
(:class:`PhotoSource`): a re-run finds it by manifest and canvas id, fetches no image again and
only takes up changed catalog data. Each canvas gets one line in the report, as ``photoid import``.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select

from photoid.db import end_read_transaction, unit_of_work, utcnow
from photoid.edtf import EDTFError, parse_phrase
from photoid.extensions import db
from photoid.photos.iiif_fetch import Fetcher, FetchError
from photoid.photos.iiif_read import Canvas, ImageService, ManifestUnreadable, canvases, kind, members
from photoid.photos.images import ImageRejected
from photoid.photos.importer import Outcome, Summary
from photoid.photos.ingest import stage_file
from photoid.photos.models import Collection, Photo, PhotoSource
from photoid.photos.service import PhotoError, PhotoFields, catalog_photo, storage, update_record

#: Collections inside collections are followed this deep (a loop of collections ends anyway: each is read once).
MAX_DEPTH = 8
#: Answers that mean "not this size" from an image server: try the next way of asking.
_SIZE_REFUSED = (400, 403, 404, 501)


class ImportFailed(Exception):
    """The address given could not be read as IIIF at all; nothing was imported."""


def site_fetcher() -> Fetcher:
    """The fetcher with the site's settings: its delay, timeout, address policy and a User-Agent naming it."""
    config = current_app.config
    return Fetcher(
        user_agent=f"photoid IIIF import for {config['SITE_NAME']} ({config['SITE_URL']})",
        delay=config["IMPORT_DELAY"], timeout=config["IMPORT_TIMEOUT"], allow_private=config["IMPORT_ALLOW_PRIVATE"],
    )


@dataclass
class _Walk:
    fetcher: Fetcher
    labels: dict[str, list[str]]
    seen: set[str]


def _canvases(walk: _Walk, url: str, depth: int = 0) -> Iterator[Canvas | Outcome]:
    """Every canvas under ``url``, depth first; a member manifest that cannot be read is an Outcome."""
    final, document = walk.fetcher.json(url)
    try:
        found = kind(document)
    except ManifestUnreadable as error:
        raise FetchError(f"{final}: {error}") from error
    walk.seen.update({url, final})
    if found == "Manifest":
        try:
            read = list(canvases(document, url=final, labels=walk.labels))
        except (AttributeError, TypeError, ValueError, KeyError) as error:  # a shape no version of IIIF has
            raise FetchError(f"{final} could not be read as a IIIF manifest ({type(error).__name__}).") from error
        yield from read
        return
    for member in members(document):
        if member in walk.seen or depth >= MAX_DEPTH:
            continue
        try:
            yield from _canvases(walk, member, depth + 1)
        except FetchError as error:
            yield Outcome(0, member, "rejected", reason=str(error))


def _date(canvas: Canvas) -> tuple[str | None, str]:
    """EDTF from the metadata date (the forms CSV import reads), else ``navDate``; and a note when
    neither could be read (the photo goes in without a date)."""
    unread = ""
    for text in (canvas.date_text, canvas.nav_date):
        if not text:
            continue
        try:
            return parse_phrase(text), ""
        except EDTFError:
            unread = unread or text
    return None, f"The date “{unread[:60]}” was not understood and was left out." if unread else ""


def fields_of(canvas: Canvas) -> tuple[PhotoFields, str]:
    date, note = _date(canvas)
    return PhotoFields(
        identifier=canvas.identifier, title=canvas.title or canvas.identifier, description=canvas.description,
        date_edtf=date, creator=canvas.creator, rights_uri=canvas.rights_uri,
        subjects=canvas.subjects, places=canvas.places,
    ), note


def _existing(collection: Collection, canvas: Canvas) -> tuple[Photo, PhotoSource] | None:
    row = db.session.execute(
        select(Photo, PhotoSource).join(PhotoSource, PhotoSource.photo_id == Photo.id)
        .where(PhotoSource.source_key == canvas.source_key, Photo.institution_id == collection.institution_id,
               Photo.deleted_at.is_(None))
    ).first()
    return (row[0], row[1]) if row else None


def _image_requests(service: ImageService, fetcher: Fetcher) -> Iterator[str]:
    """The addresses to try for the full image, best first: ``max`` (``full`` in 2.x), then the
    largest size the service's info.json offers."""
    yield f"{service.id}/full/{'max' if service.version == 3 else 'full'}/0/default.jpg"
    _, info = fetcher.json(f"{service.id}/info.json")
    if not isinstance(info, dict):
        return
    sizes = [(int(s["width"]), int(s["height"])) for s in info.get("sizes") or []
             if isinstance(s, dict) and str(s.get("width", "")).isdigit() and str(s.get("height", "")).isdigit()]
    width, height = max(sizes, key=lambda s: s[0] * s[1]) if sizes else (0, 0)
    if not sizes and str(info.get("width", "")).isdigit() and str(info.get("height", "")).isdigit():
        width, height = int(info.get("maxWidth") or info["width"]), int(info.get("maxHeight") or info["height"])
    if width and height:
        yield f"{service.id}/full/{width},{height}/0/default.jpg" if service.version == 3 else f"{service.id}/full/{width},/0/default.jpg"


def _download(canvas: Canvas, fetcher: Fetcher, destination: Path, max_bytes: int) -> None:
    """The canvas's image into ``destination``; FetchError (the most telling reason) when no way works."""
    error: FetchError | None = None
    tried: set[str] = set()
    if canvas.service is not None:
        try:
            for url in _image_requests(canvas.service, fetcher):
                tried.add(url)
                try:
                    fetcher.download(url, destination, max_bytes=max_bytes)
                    return
                except FetchError as refused:
                    if refused.status not in _SIZE_REFUSED:
                        raise
                    error = error or refused
        except FetchError as failed:
            error = error or failed
    if canvas.image_url and canvas.image_url not in tried:
        try:
            fetcher.download(canvas.image_url, destination, max_bytes=max_bytes)
            return
        except FetchError as failed:
            error = failed
    raise error or FetchError("The canvas paints no image that photoid can fetch.")


def _import_canvas(canvas: Canvas, *, number: int, collection: Collection, fetcher: Fetcher, max_bytes: int,
                   actor: Any) -> Outcome:
    fields, note = fields_of(canvas)
    found = _existing(collection, canvas)
    if found is not None:
        return _refresh(found, canvas, fields, number=number, actor=actor)
    end_read_transaction(db.session)  # no lock held while the image travels
    store = storage()
    folder = store.staging_folder()
    try:
        _download(canvas, fetcher, folder / "download", max_bytes)
        staged = stage_file(folder / "download", store, max_bytes=max_bytes)
    except (FetchError, ImageRejected) as error:
        return Outcome(number, canvas.identifier, "rejected", reason=str(error))
    except OSError as error:
        return Outcome(number, canvas.identifier, "rejected", reason=f"The image could not be stored ({error.strerror or error}).")
    finally:
        store.discard(folder)
    try:
        with unit_of_work():
            photo = catalog_photo(staged=staged, collection=collection, fields=fields, actor=actor)
            db.session.add(PhotoSource(photo_id=photo.id, source_key=canvas.source_key, manifest_url=canvas.manifest_url[:2000],
                                       canvas_id=canvas.canvas_id[:2000], catalog_url=canvas.catalog_url))
    except PhotoError as error:
        return Outcome(number, canvas.identifier, error.kind, reason=str(error))
    return Outcome(number, canvas.identifier, "ingested", photo_id=photo.id, reason=note)


def _refresh(found: tuple[Photo, PhotoSource], canvas: Canvas, fields: PhotoFields, *, number: int, actor: Any) -> Outcome:
    """A canvas imported before: its catalog data taken up again when the manifest changed it."""
    photo, source = found
    try:
        with unit_of_work():
            changed = update_record(photo, fields=fields, actor=actor)
            if source.catalog_url != canvas.catalog_url:  # the exports carry it: harvesters take it up again
                source.catalog_url, photo.modified_at, changed = canvas.catalog_url, utcnow(), True
    except PhotoError as error:
        return Outcome(number, canvas.identifier, "rejected", photo_id=photo.id, reason=str(error))
    if changed:
        return Outcome(number, canvas.identifier, "updated", photo_id=photo.id, reason="The catalog data changed in the manifest.")
    return Outcome(number, canvas.identifier, "duplicate", photo_id=photo.id, reason=f"already imported as photo {photo.id}")


def run_iiif_import(
    url: str, *, collection: Collection, limit: int | None = None, fetcher: Fetcher | None = None,
    actor: Any = None, on_outcome: Callable[[Outcome], None] = lambda outcome: None,
) -> Summary:
    """Import every canvas under ``url`` (at most ``limit``) into ``collection``, one photo per commit.

    Raises ImportFailed when ``url`` itself cannot be fetched or is not IIIF; a member manifest or a
    canvas that fails is an outcome in the summary, and the rest go on.
    """
    fetcher = fetcher or site_fetcher()
    walk = _Walk(fetcher, current_app.config["IMPORT_LABELS"], set())
    max_bytes = current_app.config["MAX_IMAGE_BYTES"]
    summary = Summary()
    storage().clear_staging()
    items = _canvases(walk, url)
    try:
        for item in items:
            if limit is not None and len(summary.outcomes) >= limit:
                break
            number = len(summary.outcomes) + 1
            if isinstance(item, Outcome):
                outcome = Outcome(number, item.identifier, item.status, reason=item.reason)
            else:
                outcome = _import_canvas(item, number=number, collection=collection, fetcher=fetcher,
                                         max_bytes=max_bytes, actor=actor)
            summary.outcomes.append(outcome)
            on_outcome(outcome)
    except FetchError as error:
        if not summary.outcomes:
            raise ImportFailed(str(error)) from error
        summary.outcomes.append(Outcome(len(summary.outcomes) + 1, url, "rejected", reason=str(error)))
    except KeyboardInterrupt:
        summary.interrupted = True
    return summary
