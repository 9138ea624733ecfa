from __future__ import annotations

from functools import partial
from pathlib import PurePath

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from photoid.accounts.permissions import require_moderator
from photoid.contributions.workflow import PhotoProcessing
from photoid.extensions import db, limiter
from photoid.params import page_arg
from photoid.photos import identified, queries
from photoid.photos.dating import attach_shown_dates
from photoid.photos.images import DERIVATIVE_SIZES
from photoid.photos.models import Collection
from photoid.photos.page import render_photo_page
from photoid.photos.public import is_public, visible_photo
from photoid.photos.manifest import Manifest, ManifestError, read_uploaded_manifest
from photoid.photos.processing import STEPS, accept_upload, is_stalled, upload_of
from photoid.photos.service import ImageRejected, PhotoError, PhotoFields, storage
from photoid.photos.storage import NotStored, derivative_key
from photoid.templating import contributor_name

bp = Blueprint("photos", __name__, template_folder="templates")
# Filters, not macros: the photo page words each fact two to four times.
bp.add_app_template_filter(partial(identified.provenance, name=contributor_name), "fact_provenance")
bp.add_app_template_filter(identified.fact_value, "fact_value")
bp.add_app_template_filter(identified.region_attrs, "region_attrs")

ONE_YEAR = 365 * 24 * 3600
#: The largest catalog CSV sent with an upload (a box of thousands of rows is far smaller).
MAX_CATALOG_BYTES = 5 * 1024 * 1024


@bp.route("/")
def home() -> str:
    recent = queries.recent_photos()
    attach_shown_dates(recent)
    return render_template("photos/home.html", collections=queries.published_collections(), recent=recent)


@bp.route("/collections/<slug>")
def collection(slug: str) -> str:
    """A collection's photos. Its staff also see it before it is public, with every photo not deleted."""
    found = db.session.scalar(select(Collection).where(Collection.slug == slug))
    if found is None:
        abort(404)
    is_staff = current_user.is_authenticated and current_user.moderates(found.institution_id)
    if not is_staff and not queries.collection_is_listed(found):
        abort(404)
    page = queries.collection_photos(found, page=page_arg(), per_page=current_app.config["PER_PAGE"],
                                     staff_view=is_staff)
    attach_shown_dates(page.items)
    return render_template("photos/collection.html", collection=found, page=page, is_staff=is_staff,
                           is_listed=not is_staff or queries.collection_is_listed(found),
                           imports=queries.recent_imports(found, limit=5) if is_staff else [])


@bp.route("/photos/<int:photo_id>")
def photo(photo_id: int) -> str:
    found = visible_photo(photo_id)
    if found.processing_state != PhotoProcessing.READY:  # only its staff get here (it is not public)
        upload = upload_of(found)
        return render_template("photos/processing.html", photo=found, upload=upload, steps=STEPS,
                               is_failed=found.processing_state == PhotoProcessing.FAILED,
                               is_stalled=is_stalled(found, upload))
    return render_photo_page(found)


@bp.route("/media/photos/<int:photo_id>/<variant>.jpg")
@limiter.exempt
def media(photo_id: int, variant: str) -> Response:
    if variant not in DERIVATIVE_SIZES:
        abort(404)
    found = visible_photo(photo_id)
    return send_immutable(derivative_key(found.source_checksum, variant), public=is_public(found))


def send_immutable(key: str, *, missing: str | None = None, public: bool = False) -> Response:
    """The stored JPEG under ``key``, whose bytes never change (files are addressed by checksum):
    cached for a year. A 404, saying ``missing`` when given, when nothing is stored there.

    A ``public`` photo's file is a redirect to its address under PHOTOID_MEDIA_URL when that is set
    (a bucket or CDN serves it; the redirect is kept an hour, so a photo withdrawn from view stops
    being sent there soon). Any other photo's file is sent by photoid, after the caller's access check."""
    store = storage()
    address = store.public_url(key) if public else None
    if address is not None:
        response = redirect(address, code=302)
        response.headers["Cache-Control"] = "public, max-age=3600"
        return response
    try:
        return store.send(key, mimetype="image/jpeg", max_age=ONE_YEAR, immutable=True)
    except NotStored:
        abort(404, missing)


def _catalog_row(name: str, catalog: Manifest | None) -> tuple[PhotoFields | None, str]:
    """The catalog data for one uploaded file: from the CSV sent with it (its ``file`` column names
    the file), or made from the file name when no CSV came. (fields, "") or (None, why not)."""
    stem = PurePath(name).stem.strip()
    if catalog is None:
        identifier = (request.form.get("identifier") or "").strip() if len(request.files.getlist("files")) == 1 else ""
        title = (request.form.get("title") or "").strip()[:500] or stem.replace("_", " ")
        return PhotoFields(identifier=(identifier or stem)[:100], title=title), ""
    row = next((r for r in catalog.rows if PurePath(r.file).name.casefold() == name.casefold()), None)
    if row is None:
        return None, f"The CSV has no row whose file column is {name}."
    if row.fields is None:
        return None, f"Row {row.number} of the CSV: {row.problem}"
    return row.fields, ""


def _ingest_upload(collection: Collection, upload, *, publish: bool, catalog: Manifest | None) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """One uploaded file into the collection: the outcome as shown to the archivist."""
    name = PurePath(upload.filename or "").name
    outcome: dict[str, object] = {"file": name}
    limit = current_app.config["MAX_IMAGE_BYTES"]
    data = upload.read(limit + 1)
    if not PurePath(name).stem.strip() or not data:
        return {**outcome, "status": "rejected", "reason": "The file is empty or has no name."}
    if len(data) > limit:
        return {**outcome, "status": "rejected", "reason": f"The file is larger than the {limit // (1024 * 1024)} MB limit."}
    fields, problem = _catalog_row(name, catalog)
    if fields is None:
        return {**outcome, "status": "rejected", "reason": problem}
    try:
        photo = accept_upload(
            collection=collection, image_data=data, actor=current_user._get_current_object(), is_published=publish,
            **vars(fields),
        )
    except (ImageRejected, PhotoError) as error:
        return {**outcome, "status": "rejected", "reason": str(error)}
    # With jobs in-process the images are made by now; with a worker the photo page shows their progress.
    added = {**outcome, "photo_id": photo.id, "identifier": photo.identifier, "url": url_for("photos.photo", photo_id=photo.id)}
    if photo.processing_state == PhotoProcessing.READY:
        return {**added, "status": "ingested"}
    if photo.processing_state == PhotoProcessing.PROCESSING:
        return {**added, "status": PhotoProcessing.PROCESSING}
    upload = upload_of(photo)
    return {**added, "status": PhotoProcessing.FAILED, "reason": upload.error if upload else ""}


def _uploaded_catalog() -> Manifest | None:
    """The optional CSV of catalog data sent with the images; raises ManifestError when unreadable."""
    sent = request.files.get("catalog")
    if sent is None or not sent.filename:
        return None
    data = sent.read(MAX_CATALOG_BYTES + 1)
    if len(data) > MAX_CATALOG_BYTES:
        raise ManifestError(f"The CSV is larger than {MAX_CATALOG_BYTES // (1024 * 1024)} MB.")
    return read_uploaded_manifest(data)


@bp.route("/collections/<slug>/upload", methods=["GET", "POST"])
@login_required
@limiter.limit("1000 per hour", methods=["POST"])
def upload(slug: str) -> object:
    """Archivists add photos to a collection from the browser, one file or many."""
    found = db.session.scalar(select(Collection).where(Collection.slug == slug))
    if found is None:
        abort(404)
    require_moderator(found.institution_id)
    if request.method == "GET":
        return render_template("photos/upload.html", collection=found, outcomes=None)
    files = [f for f in request.files.getlist("files") if f and f.filename]
    if not files:
        message = "Please choose at least one image file."
        if request.accept_mimetypes.best == "application/json":
            return jsonify({"status": "rejected", "reason": message}), 400
        return render_template("photos/upload.html", collection=found, outcomes=None, error=message), 400
    try:
        catalog = _uploaded_catalog()
    except ManifestError as error:
        message = f"The catalog CSV could not be read: {error}"
        if request.accept_mimetypes.best == "application/json":
            return jsonify({"status": "rejected", "reason": message}), 400
        return render_template("photos/upload.html", collection=found, outcomes=None, error=message), 400
    publish = request.form.get("publish") == "yes"
    outcomes = [_ingest_upload(found, f, publish=publish, catalog=catalog) for f in files]
    status = 200 if any(o["status"] in ("ingested", PhotoProcessing.PROCESSING) for o in outcomes) else 400
    if request.accept_mimetypes.best == "application/json":
        return jsonify(outcomes[0] if len(outcomes) == 1 else outcomes), status
    return render_template("photos/upload.html", collection=found, outcomes=outcomes), status
