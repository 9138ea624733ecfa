"""Pages for people, places and events: a public page for each, and staff pages to edit and merge them."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from photoid.accounts.models import User
from photoid.accounts.permissions import require_staff
from photoid.authorities import queries, service
from photoid.authorities.forms import BrowseForm, ConfirmForm, RecordForm
from photoid.authorities.models import AuthorityRecord
from photoid.contributions.models import Identification
from photoid.contributions.workflow import PUBLIC_FACT_STATE, AuthorityStatus
from photoid.extensions import db, limiter
from photoid.moderation.models import ModerationEvent
from photoid.params import BadNumber, page_arg, record_ids, whole_number
from photoid.photos.crops import read_crop, region_of
from photoid.photos.models import Photo
from photoid.photos.service import storage

bp = Blueprint("authorities", __name__, template_folder="templates")

KIND_WORDS = {"person": "Person", "place": "Place", "event": "Event"}
CROP_MAX_AGE = 3600
MAX_SEARCH = 100


def _is_staff() -> bool:
    return bool(current_user.is_authenticated and current_user.is_staff)


def _staff_record(record_id: int) -> tuple[AuthorityRecord, User]:
    user = require_staff()
    record = queries.get_record(record_id)
    if record is None:
        abort(404)
    return record, user


def _forbid_unless_may_change(user: User, *records: AuthorityRecord) -> None:
    """403 with the words of :func:`service.change_problem` unless ``user`` may change every record."""
    problem = service.change_problem(user, *records)
    if problem:
        abort(403, problem)


@bp.app_template_global()
def authority_url(record: AuthorityRecord | None) -> str | None:
    """The public page of a person, place or event, or None when it has none (yet)."""
    if not queries.has_public_page(record):
        return None
    return url_for(f"authorities.{record.kind}", record_id=record.id)


# --- public pages --------------------------------------------------------------------------------

def _map_tiles() -> str | None:
    """The tile server's URL template when one is configured (``PHOTOID_MAP_TILES``); maps are optional."""
    return current_app.config["MAP_TILES"]


def public_page(record_id: int, kind: str) -> Response | str:
    """A person, place or event: names, dates, link, coordinates, and the photos that show it."""
    record = queries.get_record(record_id)
    if record is None:
        abort(404)
    if record.merged_into_id is not None:
        survivor = queries.survivor_of(record)
        return redirect(url_for(f"authorities.{survivor.kind}", record_id=survivor.id), 301)
    if record.kind != kind:
        return redirect(url_for(f"authorities.{record.kind}", record_id=record.id), 301)
    if record.status != AuthorityStatus.ACCEPTED and not _is_staff():
        abort(404)
    page = queries.appearances(record, page=page_arg(), per_page=current_app.config["PER_PAGE"])
    return render_template(
        "authorities/record.html", record=record, page=page, kind_word=KIND_WORDS[record.kind],
        source=service.source_of(record.authority_uri), map_tiles=_map_tiles(),
    )


for _kind, _path in queries.KIND_PATHS.items():
    bp.add_url_rule(f"/{_path}/<int:record_id>", endpoint=_kind, view_func=public_page, defaults={"kind": _kind})


@bp.route("/media/photos/<int:photo_id>/regions/<int:identification_id>.jpg")
@limiter.exempt
def region_crop(photo_id: int, identification_id: int) -> Response:
    """The face or building an approved identification marks, cut from a public photo."""
    found = db.session.scalar(
        select(Identification).options(joinedload(Identification.photo).joinedload(Photo.collection))
        .where(Identification.id == identification_id, Identification.photo_id == photo_id)
    )
    if found is None or found.state != PUBLIC_FACT_STATE:
        abort(404)
    if not (found.photo.is_published and found.photo.collection.is_published):
        abort(404)
    region = region_of(found)
    crop = read_crop(storage(), found.photo.source_checksum, region) if region else None
    if crop is None:
        abort(404)
    response = Response(crop[0], mimetype="image/jpeg")
    response.set_etag(crop[1])
    response.headers["Cache-Control"] = f"public, max-age={CROP_MAX_AGE}"
    return response.make_conditional(request)


# --- staff: browse and edit ----------------------------------------------------------------------

@bp.route("/authorities")
def browse() -> tuple[str, int]:
    require_staff()
    form = BrowseForm(formdata=MultiDict(request.args) if request.args else None)
    errors: list[str] = []
    if request.args and not form.validate():
        errors.append("Some of the filters were not understood, so they are not applied. Please choose them again.")
        form = BrowseForm(formdata=None)
    text = (form.q.data or "").strip()[:MAX_SEARCH]
    page = queries.browse(text=text, kind=form.kind.data or None, status=form.status.data or None,
                          page=page_arg(), per_page=current_app.config["PER_PAGE"])
    args = {key: value for key in ("q", "kind", "status") if (value := (getattr(form, key).data or "").strip())}
    return render_template("authorities/browse.html", form=form, page=page, errors=errors, args=args,
                           kind_words=KIND_WORDS), 400 if errors else 200


def render_edit(record: AuthorityRecord, form: RecordForm | None = None, *, errors: list[str] | None = None,
                status: int = 200) -> tuple[str, int]:
    """The staff page of a record: the edit form, accept and merge, and the merges that can be undone."""
    if form is None:
        form = RecordForm(formdata=None, obj=record)
        form.dates.data = record.dates_edtf or ""
        form.latitude.data = "" if record.latitude is None else f"{record.latitude:g}"
        form.longitude.data = "" if record.longitude is None else f"{record.longitude:g}"
    user = current_user._get_current_object()
    survivor = queries.survivor_of(record) if record.merged_into_id else None
    own_merge = queries.latest_merge(record) if survivor else None
    merged_in = queries.merge_events_into(record)
    # Only what the reader may do is offered: undo needs both records (the loser and this one).
    undoable = {event.id for loser, event in merged_in if service.change_problem(user, loser, record) is None}
    if own_merge and survivor and service.change_problem(user, record, survivor) is None:
        undoable.add(own_merge.id)
    return render_template(
        "authorities/edit.html", record=record, form=form, errors=errors or [], kind_word=KIND_WORDS[record.kind],
        counts=queries.identification_counts(record), photo_count=queries.published_photo_count(record),
        merged_in=merged_in, survivor=survivor, own_merge=own_merge, undoable=undoable,
        change_problem=service.change_problem(user, record),
        confirm_form=ConfirmForm(formdata=None), source=service.source_of(record.authority_uri),
    ), status


@bp.route("/authorities/<int:record_id>/edit", methods=["GET", "POST"])
def edit(record_id: int) -> Response | tuple[str, int]:
    record, user = _staff_record(record_id)
    if request.method == "GET":
        return render_edit(record)
    form = RecordForm()
    if not form.validate_on_submit():
        abort(400)
    changes = service.RecordChanges(
        heading=form.heading.data, dates=form.dates.data, description=form.description.data,
        authority_uri=form.authority_uri.data, latitude=form.latitude.data, longitude=form.longitude.data,
        add_variants=[form.new_variant.data or ""],
        remove_variant_ids=record_ids(request.form.getlist("remove_variant")),
    )
    try:
        changed = service.update_record(record, changes, editor=user)
    except service.AuthorityForbidden as error:
        abort(403, str(error))
    except service.AuthorityError as error:
        return render_edit(record, form, errors=[str(error)], status=409 if record.merged_into_id else 400)
    flash(f"Saved “{record.heading}”." if changed else "Nothing was changed.", "success")
    return redirect(url_for("authorities.edit", record_id=record.id))


@bp.route("/authorities/<int:record_id>/accept", methods=["POST"])
def accept(record_id: int) -> Response | tuple[str, int]:
    record, user = _staff_record(record_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        service.accept_record(record, editor=user)
    except service.AuthorityForbidden as error:
        abort(403, str(error))
    except service.AuthorityError as error:
        return render_edit(record, errors=[str(error)], status=409)
    flash(f"Accepted “{record.heading}”. Patrons can now choose it, and it has a public page.", "success")
    return redirect(url_for("authorities.edit", record_id=record.id))


# --- staff: merge and undo -----------------------------------------------------------------------

def _chosen_survivor(raw: str | None) -> AuthorityRecord | None:
    try:
        wanted = whole_number(raw, what="record number")
    except BadNumber:
        abort(404)
    if wanted is None:
        return None
    found = db.session.get(AuthorityRecord, wanted)
    if found is None:
        abort(404)
    return found


@bp.route("/authorities/<int:record_id>/merge", methods=["GET", "POST"])
def merge(record_id: int) -> Response | tuple[str, int]:
    """Choose the record that stays (search), then confirm on a page that says what will move."""
    loser, user = _staff_record(record_id)
    _forbid_unless_may_change(user, loser)
    survivor = _chosen_survivor(request.form.get("into") if request.method == "POST" else request.args.get("into"))
    search = (request.args.get("q") or "").strip()[:MAX_SEARCH]
    errors: list[str] = []
    if survivor is not None:
        _forbid_unless_may_change(user, survivor)
        try:
            service.check_merge(loser, survivor)
        except service.AuthorityError as error:
            errors.append(str(error))
        if not errors and request.method == "POST":
            if not ConfirmForm().validate_on_submit():
                abort(400)
            try:
                service.merge(loser, survivor, editor=user)
            except service.AuthorityForbidden as error:
                abort(403, str(error))
            except service.AuthorityError as error:
                errors.append(str(error))
            else:
                flash(f"Merged “{loser.heading}” into “{survivor.heading}”. You can undo it below.", "success")
                return redirect(url_for("authorities.edit", record_id=survivor.id))
    elif request.method == "POST":
        abort(400)
    confirming = survivor is not None and not errors
    return render_template(
        "authorities/merge.html", record=loser, survivor=survivor if confirming else None, search=search,
        candidates=queries.merge_candidates(
            loser, search or loser.heading, institution_ids=None if user.is_admin else [i.id for i in user.institutions],
        ) if not confirming else [],
        counts=queries.identification_counts(loser), photo_count=queries.published_photo_count(loser),
        errors=errors, kind_word=KIND_WORDS[loser.kind], confirm_form=ConfirmForm(formdata=None),
    ), 400 if errors else 200


@bp.route("/authorities/merges/<int:event_id>/undo", methods=["POST"])
def undo_merge(event_id: int) -> Response | tuple[str, int]:
    user = require_staff()
    event = db.session.get(ModerationEvent, event_id)
    if event is None or event.action != "merge" or event.target_type != "authority":
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        restored = service.undo_merge(event, editor=user)
    except service.AuthorityForbidden as error:
        abort(403, str(error))
    except service.AuthorityError as error:
        record = db.session.get(AuthorityRecord, event.target_id)
        if record is None:
            abort(404)
        return render_edit(record, errors=[str(error)], status=409)
    flash(f"Undone: “{restored.heading}” is a record of its own again, with its identifications.", "success")
    return redirect(url_for("authorities.edit", record_id=restored.id))
