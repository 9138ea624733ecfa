"""Staff pages that curate collections and catalog records: create, edit, publish, withdraw, delete.

Every route checks on the server that the signed-in account moderates the institution concerned.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from photoid.accounts.permissions import require_institution_staff, require_moderator
from photoid.edtf import describe
from photoid.extensions import db
from photoid.faces.service import scan_notice
from photoid.photos import collections as collection_service
from photoid.photos import service as photo_service
from photoid.photos.collections import CollectionError, CollectionFields
from photoid.photos import iiif_requests, processing, queries
from photoid.photos.forms import CollectionForm, ConfirmForm, IiifImportForm, RecordForm
from photoid.photos.manifest import check_record
from photoid.photos.models import Collection, Institution, Photo

bp = Blueprint("curation", __name__, template_folder="templates")

def _collection(slug: str) -> tuple[Collection, object]:
    found = db.session.scalar(select(Collection).where(Collection.slug == slug))
    if found is None:
        abort(404)
    return found, require_moderator(found.institution_id)


def _photo(photo_id: int) -> tuple[Photo, object]:
    found = db.session.get(Photo, photo_id)
    if found is None or found.deleted_at is not None:
        abort(404)
    return found, require_moderator(found.institution_id)


def _int_field(raw: str | None) -> int | None:
    text = (raw or "").strip()
    if text.lstrip("-").isdecimal() and len(text) <= 6:
        return int(text)
    return None


# --- collections ---------------------------------------------------------------------------------

def _institution_choices(user: object) -> list[Institution]:
    if getattr(user, "is_admin", False):
        return list(db.session.scalars(
            select(Institution).where(Institution.is_consortium.is_(False)).order_by(Institution.name)
        )) or list(db.session.scalars(select(Institution).order_by(Institution.name)))
    return sorted(getattr(user, "institutions", []), key=lambda i: i.name)


def _collection_page(form: CollectionForm, *, collection: Collection | None, status: int = 200,
                     errors: list[str] | None = None) -> tuple[str, int]:
    return render_template(
        "photos/collection_form.html", form=form, collection=collection, errors=errors or [],
        confirm_form=ConfirmForm(formdata=None),
        photo_count=collection_service.photo_count(collection) if collection else 0,
    ), status


def _fields(form: CollectionForm) -> CollectionFields | None:
    position = _int_field(form.position.data) if (form.position.data or "").strip() else 0
    if position is None:
        form.position.errors = ["The position must be a whole number, for example 0 or 10."]
        return None
    cover = _int_field(form.cover_photo_id.data) if form.cover_photo_id.data else None
    return CollectionFields(title=form.title.data or "", description=form.description.data or "",
                            cover_photo_id=cover, position=position)


def _show_error(form: CollectionForm, error: CollectionError) -> list[str]:
    if error.field and error.field in form:
        form[error.field].errors = [str(error)]
        return []
    return [str(error)]


@bp.route("/collections/new", methods=["GET", "POST"])
def new_collection() -> Response | tuple[str, int]:
    """Staff create a collection in an institution they look after."""
    user = require_institution_staff()
    choices = _institution_choices(user)
    form = CollectionForm(formdata=request.form if request.method == "POST" else None)
    form.institution.choices = [SelectChoice(i.slug, i.name) for i in choices]
    if request.method == "GET":
        form.institution.data = request.args.get("institution") or (choices[0].slug if choices else "")
        return _collection_page(form, collection=None)
    institution = next((i for i in choices if i.slug == form.institution.data), None)
    if not form.validate_on_submit():
        return _collection_page(form, collection=None, status=400,
                                errors=["The form expired; please send it again."])
    if institution is None:
        form.institution.errors = ["Please choose one of the institutions you look after."]
        return _collection_page(form, collection=None, status=400)
    fields = _fields(form)
    if fields is None:
        return _collection_page(form, collection=None, status=400)
    try:
        created = collection_service.create_collection(
            institution=institution, slug=form.slug.data or "", fields=fields, actor=user,
        )
    except CollectionError as error:
        return _collection_page(form, collection=None, status=400, errors=_show_error(form, error))
    flash(f"The collection {created.title} is created. Add photos: it appears on the site once it holds a "
          "published photo.", "success")
    return redirect(url_for("photos.collection", slug=created.slug))


def _edit_form(collection: Collection, formdata: object = None) -> CollectionForm:
    form = CollectionForm(formdata=formdata)
    photos = db.session.scalars(
        select(Photo).where(Photo.collection_id == collection.id, Photo.deleted_at.is_(None))
        .order_by(Photo.identifier).limit(500)
    )
    form.cover_photo_id.choices = [SelectChoice("", "No cover photo")] + [
        SelectChoice(str(p.id), f"{p.identifier}: {p.title}") for p in photos
    ]
    if formdata is None:
        form.title.data, form.description.data = collection.title, collection.description
        form.cover_photo_id.data = str(collection.cover_photo_id or "")
        form.position.data = str(collection.position)
    return form


@bp.route("/collections/<slug>/edit", methods=["GET", "POST"])
def edit_collection(slug: str) -> Response | tuple[str, int]:
    """Change a collection's title, description, cover and position."""
    found, user = _collection(slug)
    if request.method == "GET":
        return _collection_page(_edit_form(found), collection=found)
    form = _edit_form(found, request.form)
    if not form.validate_on_submit():
        return _collection_page(form, collection=found, status=400, errors=["The form expired; please send it again."])
    fields = _fields(form)
    if fields is None:
        return _collection_page(form, collection=found, status=400)
    try:
        changed = collection_service.update_collection(found, fields=fields, actor=user)
    except CollectionError as error:
        return _collection_page(form, collection=found, status=400, errors=_show_error(form, error))
    flash("Your changes are saved." if changed else "Nothing changed.", "success" if changed else "info")
    return redirect(url_for("photos.collection", slug=found.slug))


def _confirmed() -> None:
    if not ConfirmForm().validate_on_submit():
        abort(400, "The form expired; please go back, reload the page and try again.")


@bp.route("/collections/<slug>/publish", methods=["POST"], defaults={"publish": True})
@bp.route("/collections/<slug>/unpublish", methods=["POST"], defaults={"publish": False})
def collection_publication(slug: str, publish: bool) -> Response:
    """Withdraw a collection from the site, or publish it again."""
    found, user = _collection(slug)
    _confirmed()
    collection_service.set_collection_published(found, is_published=publish, actor=user)
    flash(" ".join(filter(None, (f"{found.title} is published again.", scan_notice(found)))) if publish else
          f"{found.title} is withdrawn: visitors no longer see it or its photos, and catalogs that harvest "
          "this site are told its photos were deleted.", "success")
    return redirect(url_for("photos.collection", slug=found.slug))


@bp.route("/collections/<slug>/delete", methods=["GET", "POST"])
def delete_collection(slug: str) -> Response | tuple[str, int]:
    """Delete an empty collection, after a confirmation that names it."""
    found, user = _collection(slug)
    if request.method == "GET":
        return render_template("photos/collection_delete.html", collection=found, form=ConfirmForm(formdata=None),
                               photo_count=collection_service.photo_count(found), error=None), 200
    _confirmed()
    try:
        collection_service.delete_collection(found, actor=user)
    except CollectionError as error:
        return render_template("photos/collection_delete.html", collection=found, form=ConfirmForm(formdata=None),
                               photo_count=collection_service.photo_count(found), error=str(error)), 409
    flash(f"The collection {found.title} is deleted.", "success")
    return redirect(url_for("photos.home"))


def _import_page(collection: Collection, form: IiifImportForm, *, status: int = 200) -> tuple[str, int]:
    return render_template("photos/iiif_import.html", collection=collection, form=form,
                           imports=queries.recent_imports(collection, limit=20)), status


@bp.route("/collections/<slug>/import-iiif", methods=["GET", "POST"])
def import_iiif(slug: str) -> Response | tuple[str, int]:
    """Staff ask for an import from a IIIF address; it runs later (``photoid import-iiif --pending``),
    never while this request waits, and this page shows its progress."""
    found, user = _collection(slug)
    if request.method == "GET":
        return _import_page(found, IiifImportForm(formdata=None))
    form = IiifImportForm(request.form)
    if not form.validate_on_submit():
        form.url.errors = ["The form expired; please send it again."]
        return _import_page(found, form, status=400)
    try:
        iiif_requests.request_import(found, url=form.url.data or "", actor=user)
    except iiif_requests.ImportRequestError as error:
        form.url.errors = [str(error)]
        return _import_page(found, form, status=400)
    flash("The import is recorded. It starts within a few minutes; this page shows how far it has got.", "success")
    return redirect(url_for("curation.import_iiif", slug=found.slug))


# --- catalog records -----------------------------------------------------------------------------

def _record_form(photo: Photo, formdata: object = None) -> RecordForm:
    form = RecordForm(formdata=formdata)
    if formdata is None:
        form.identifier.data, form.title.data, form.description.data = photo.identifier, photo.title, photo.description
        form.date.data, form.creator.data, form.rights.data = photo.date_edtf or "", photo.creator, photo.rights_uri
        form.subjects.data, form.places.data = "\n".join(photo.subjects or []), "\n".join(photo.places or [])
    return form


def _record_page(photo: Photo, form: RecordForm, *, status: int = 200, errors: list[str] | None = None) -> tuple[str, int]:
    return render_template("photos/record_form.html", photo=photo, form=form, errors=errors or [],
                           date_words=describe(photo.date_edtf) if photo.date_edtf else ""), status


@bp.route("/photos/<int:photo_id>/edit", methods=["GET", "POST"])
def edit_record(photo_id: int) -> Response | tuple[str, int]:
    """Correct a photo's catalog record; each bad field says what is wrong and keeps what was typed."""
    found, user = _photo(photo_id)
    if request.method == "GET":
        return _record_page(found, _record_form(found))
    form = _record_form(found, request.form)
    if not form.validate_on_submit():
        return _record_page(found, form, status=400, errors=["The form expired; please send it again."])
    raw = {name: form[name].data or "" for name in ("identifier", "title", "description", "date", "creator", "rights")}
    raw["subjects"] = "|".join(line.strip() for line in (form.subjects.data or "").splitlines())
    raw["places"] = "|".join(line.strip() for line in (form.places.data or "").splitlines())
    fields, problems = check_record(raw)
    for name, message in problems.items():
        form[name].errors = [message]
    if fields is None:
        return _record_page(found, form, status=400, errors=["Please correct the fields marked below."])
    try:
        changed = photo_service.update_record(found, fields=fields, actor=user)
    except photo_service.PhotoError as error:
        form.identifier.errors = [str(error)]
        return _record_page(found, form, status=409)
    flash("The catalog record is saved." if changed else "Nothing changed.", "success" if changed else "info")
    return redirect(url_for("photos.photo", photo_id=found.id))


@bp.route("/photos/<int:photo_id>/publish", methods=["POST"], defaults={"publish": True})
@bp.route("/photos/<int:photo_id>/unpublish", methods=["POST"], defaults={"publish": False})
def photo_publication(photo_id: int, publish: bool) -> Response:
    """Withdraw a photo from the site, or publish it again."""
    found, user = _photo(photo_id)
    _confirmed()
    try:
        photo_service.set_photo_published(found, is_published=publish, actor=user)
    except photo_service.PhotoError as error:
        flash(str(error), "error")
        return redirect(url_for("photos.photo", photo_id=found.id))
    flash(f"{found.title} is published again." if publish else
          f"{found.title} is withdrawn: visitors no longer see it, and catalogs that harvest this site are told "
          "it was deleted.", "success")
    return redirect(url_for("photos.photo", photo_id=found.id))


@bp.route("/photos/<int:photo_id>/processing/retry", methods=["POST"])
def retry_processing(photo_id: int) -> Response:
    """Try again to make the images of a photo whose processing failed."""
    found, user = _photo(photo_id)
    _confirmed()
    try:
        processing.retry_processing(found, actor=user)
    except photo_service.PhotoError as error:
        flash(str(error), "error")
    else:
        flash("Its images are being made again.", "success")
    return redirect(url_for("photos.photo", photo_id=found.id))


@bp.route("/photos/<int:photo_id>/delete", methods=["GET", "POST"])
def delete_photo(photo_id: int) -> Response | tuple[str, int]:
    """Delete a photo catalogued by mistake, after a confirmation that names it."""
    found, user = _photo(photo_id)
    contributions = photo_service.contributions_on(found)
    if request.method == "GET":
        return render_template("photos/photo_delete.html", photo=found, form=ConfirmForm(formdata=None),
                               contributions=contributions, error=None), 200
    _confirmed()
    collection_slug = found.collection.slug
    try:
        photo_service.delete_photo(found, actor=user)
    except photo_service.PhotoError as error:
        return render_template("photos/photo_delete.html", photo=found, form=ConfirmForm(formdata=None),
                               contributions=contributions, error=str(error)), 409
    flash(f"{found.identifier} ({found.title}) is deleted, with its image files.", "success")
    return redirect(url_for("photos.collection", slug=collection_slug))
