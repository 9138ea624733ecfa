"""Catalog pages: IIIF Presentation manifests (public) and the staff export page ``/admin/exports``."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, stream_with_context, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wsgi import wrap_file
from wtforms import DateField, RadioField, SelectChoice, SelectField
from wtforms.validators import Optional

from photoid import jobs, links
from photoid.accounts.models import User
from photoid.accounts.permissions import require_institution_staff
from photoid.catalog import export, export_files, manifests
from photoid.catalog.records import catalog_records
from photoid.contributions.workflow import EXPORT_RUN_WAITING, ExportRunState
from photoid.extensions import db
from photoid.photos.models import Collection, Institution, Photo
from photoid.photos.public import visible_photo
from photoid.photos.queries import public_photos

bp = Blueprint("catalog", __name__, template_folder="templates")

CHANGED_CHOICES = [
    SelectChoice("all", "Every published photo"),
    SelectChoice("since_last", "Only photos changed since the last export in this format"),
    SelectChoice("since_date", "Only photos changed since a date"),
]


class ExportForm(FlaskForm):
    format = SelectField(
        "File format", choices=[SelectChoice(f.name, f.label) for f in export.EXPORT_FORMATS.values()], default="marcxml",
    )
    # Any slug may come back: the export service says which do not exist or are not the exporter's.
    institution = SelectField("Institution", choices=[], default="", validate_choice=False, validators=[Optional()])
    collection = SelectField("Collection", choices=[], default="", validate_choice=False, validators=[Optional()])
    changed = RadioField("Which photos", choices=CHANGED_CHOICES, default="all")
    since = DateField(
        "Changed since", validators=[Optional()], description="Only used with “changed since a date”. For example 2026-11-01.",
    )


# --- IIIF manifests ------------------------------------------------------------------------------

def _json_ld(document: dict[str, object]) -> Response:
    response = jsonify(document)
    if "application/ld+json" in request.headers.get("Accept", ""):
        response.headers["Content-Type"] = manifests.MEDIA_TYPE
    return response


@bp.route("/iiif/3/<int:photo_id>/manifest")
def photo_manifest(photo_id: int) -> Response:
    visible_photo(photo_id)  # 404 unless the photo and its collection are published
    record = catalog_records([photo_id], base_url=links.base_url())[0]
    return _json_ld(manifests.photo_manifest(record, base_url=links.base_url()))


@bp.route("/iiif/3/collections/<slug>/manifest")
def collection_manifest(slug: str) -> Response:
    collection = db.session.scalar(select(Collection).where(Collection.slug == slug, Collection.is_published.is_(True)))
    if collection is None:
        abort(404, "There is no published collection at this address.")
    photos = db.session.execute(
        public_photos().where(Photo.collection_id == collection.id).with_only_columns(Photo.id, Photo.title).order_by(Photo.id)
    ).all()
    return _json_ld(manifests.collection_manifest(
        slug=collection.slug, title=collection.title, description=collection.description,
        institution_name=collection.institution.name, base_url=links.base_url(), photos=photos,
    ))


# --- file exports --------------------------------------------------------------------------------


def _own_institutions(user: User) -> list[int] | None:
    """The institutions the user may export: None for an admin (any, or the whole site)."""
    return None if user.is_admin else [i.id for i in user.institutions]


def _offer_scopes(form: ExportForm, user: User) -> None:
    """Offer an admin every institution and collection, and the whole site; an archivist only theirs."""
    own = _own_institutions(user)
    query = select(Institution).order_by(Institution.name, Institution.id)
    institutions = db.session.scalars(query if own is None else query.where(Institution.id.in_(own))).all()
    form.institution.choices = [*([SelectChoice("", "All institutions")] if own is None else []),
                                *(SelectChoice(i.slug, i.name) for i in institutions)]
    query = select(Collection).order_by(Collection.title)
    collections = db.session.scalars(query if own is None else query.where(Collection.institution_id.in_(own))).all()
    form.collection.choices = [SelectChoice("", "All collections"), *(SelectChoice(c.slug, c.title) for c in collections)]


def _page(form: ExportForm, status: int = 200, errors: list[str] | None = None) -> tuple[str, int]:
    runs = export.recent_runs(institution_ids=_own_institutions(current_user))
    names = {c.id: c.title for c in db.session.scalars(select(Collection))}
    institution_names = {i.id: i.name for i in db.session.scalars(select(Institution))}
    actor_ids = {run.actor_id for run in runs if run.actor_id}
    actors = {u.id: u.display_name for u in db.session.scalars(select(User).where(User.id.in_(actor_ids)))} if actor_ids else {}
    return render_template(
        "catalog/exports.html", form=form, runs=runs, collection_names=names, run_actors=actors,
        institution_names=institution_names,
        formats=export.EXPORT_FORMATS, errors=errors or [], states=ExportRunState,
        is_queued=jobs.is_queued(), is_waiting=any(run.state in EXPORT_RUN_WAITING for run in runs),
        # Streamed runs (no Redis) have nothing more to say than the table's other columns.
        show_status=jobs.is_queued() or any(run.state != ExportRunState.DONE or run.file_key for run in runs),
    ), status


@bp.route("/admin/exports", methods=["GET", "POST"])
def exports() -> Response | tuple[str, int]:
    user = require_institution_staff()
    form = ExportForm()
    _offer_scopes(form, user)
    if request.method == "GET":
        return _page(form)
    if not form.validate_on_submit():
        return _page(form, 400, ["Please check the choices below and try again."])
    if form.changed.data == "since_date" and form.since.data is None:
        form.since.errors = [*form.since.errors, "Please enter the date, for example 2026-11-01."]
        return _page(form, 400)
    institution_slug = form.institution.data or None
    if institution_slug is None and not form.collection.data and not user.is_admin:
        institution_slug = form.institution.choices[0].value  # an archivist's first institution, as the page shows
    try:
        plan = export.start_export(
            form.format.data, collection_slug=form.collection.data or None, institution_slug=institution_slug,
            since=form.since.data if form.changed.data == "since_date" else None,
            since_last=form.changed.data == "since_last", actor_id=user.id,
            allowed_institution_ids=_own_institutions(user),
        )
    except export.ExportForbidden as error:
        return _page(form, 403, [str(error)])
    except export.ExportError as error:
        return _page(form, 400, [str(error)])
    if jobs.is_queued():
        run = export_files.queue_export(plan, base_url=links.base_url())
        flash(f"Your export ({plan.format.label}) is being written. This page shows its progress; "
              f"its download link appears below when it is ready.", "success")
        return redirect(url_for("catalog.exports", _anchor=f"export-{run.id}"), 303)  # type: ignore[return-value]
    body = stream_with_context(export.stream_export(plan, base_url=links.base_url()))
    return Response(body, mimetype=plan.format.mimetype, headers={
        "Content-Disposition": f'attachment; filename="{plan.filename}"', "Cache-Control": "no-store",
    })


@bp.route("/admin/exports/<int:run_id>/file")
def export_file(run_id: int) -> Response:
    """A worker's export file, for staff of its institution (admins: any); never cached, never public."""
    user = require_institution_staff()
    try:
        run, fmt, handle = export_files.open_file(run_id, institution_ids=_own_institutions(user))
    except export_files.ExportFileGone:
        abort(404, "There is no export file here: it may be another institution's, not written yet, or removed "
                   "after its retention. Start a new export on the export page.")
    # The stored file object streamed (not send_file: no module sends a stored file by its path).
    return Response(wrap_file(request.environ, handle), mimetype=fmt.mimetype, direct_passthrough=True, headers={
        "Content-Disposition": f'attachment; filename="{export_files.filename(run)}"', "Cache-Control": "no-store",
    })
