"""The moderation queue: archivists decide on what patrons contributed to their institutions."""
from __future__ import annotations

from datetime import datetime

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from wtforms import SelectChoice

from photoid.accounts.models import User
from photoid.accounts.permissions import require_institution_staff, require_moderator_of
from photoid.contributions.models import Comment, Identification
from photoid.contributions.service import ContributionError, Region
from photoid.contributions.workflow import WorkflowError
from photoid.db import utcnow
from photoid.edtf import words as describe_date
from photoid.errors import status_for
from photoid.extensions import db
from photoid.faces import linking
from photoid.faces.panel import evidence as face_evidence
from photoid.moderation import log_routes  # noqa: F401  (adds the audit log's views to bp)
from photoid.moderation import queries, service
from photoid.moderation.blueprint import bp
from photoid.moderation.forms import ApproveWithChangesForm, BulkForm, DecisionForm, FilterForm, RejectForm
from photoid.params import BadNumber, page_arg, record_ids, whole_number
from photoid.photos.crops import read_crop, region_of
from photoid.photos.service import storage

KIND_WORDS = {"person": "Person", "place": "Place", "event": "Event", "date": "Date", "keyword": "Keyword"}
FILTER_KEYS = ("kind", "collection", "contributor", "has_region", "contested", "age", "sort", "page")


# --- access --------------------------------------------------------------------------------------


def _identification(identification_id: int) -> tuple[Identification, User]:
    return require_moderator_of(db.session.get(Identification, identification_id))


def _comment(comment_id: int) -> tuple[Comment, User]:
    return require_moderator_of(db.session.get(Comment, comment_id))


# --- the queue page ------------------------------------------------------------------------------

def _queue_args() -> dict[str, str]:
    """The filters the moderator had, carried through every form so the queue looks the same after."""
    return {key: value for key in FILTER_KEYS if (value := request.args.get(key, "")) and key != "page"}


def _filters(user: User) -> tuple[queries.QueueFilters, FilterForm, list[str]]:
    form = FilterForm(formdata=MultiDict(request.args) if request.args else None)
    collections = queries.filter_collections(user)
    form.collection.choices = [SelectChoice("", "All collections")] + [SelectChoice(str(c.id), c.title) for c in collections]
    errors: list[str] = []
    if request.args and not form.validate():
        errors.append("Some of the filters were not understood, so they are not applied. Please choose them again.")
        return queries.QueueFilters(), FilterForm(formdata=None), errors
    try:
        contributor_id = whole_number(request.args.get("contributor"), what="contributor number")
    except BadNumber:
        errors.append("The contributor filter was not understood, so it is not applied.")
        contributor_id = None
    return queries.QueueFilters(
        kind=form.kind.data or None,
        collection_id=int(form.collection.data) if form.collection.data else None,
        contributor_id=contributor_id,
        has_region=bool(form.has_region.data),
        contested=bool(form.contested.data),
        older_than_days=int(form.age.data) if form.age.data else None,
        sort=form.sort.data or "oldest",
    ), form, errors


def render_queue(*, errors: list[str] | None = None, status: int = 200) -> tuple[str, int]:
    """The queue as the moderator's filters ask; ``errors`` explain a refused decision."""
    user = require_institution_staff()
    filters, filter_form, filter_errors = _filters(user)
    found = queries.queue(user, filters, page=page_arg(), per_page=current_app.config["MODERATION_PER_PAGE"])
    contributor = db.session.get(User, filters.contributor_id) if filters.contributor_id else None
    return render_template(
        "moderation/queue.html",
        queue=found, filters=filters, filter_form=filter_form, contributor=contributor,
        errors=(errors or []) + filter_errors, queue_args=_queue_args(),
        everyone_args={k: v for k, v in _queue_args().items() if k != "contributor"}, bulk_reasons=queries.reject_reasons(user),
        decision_form=DecisionForm(formdata=None), reject_form=RejectForm(formdata=None), bulk_form=BulkForm(formdata=None),
        kind_words=KIND_WORDS, faces=face_evidence([item.identification for item in found.identifications.items], user),
    ), 400 if filter_errors and status == 200 else status


@bp.route("")
def queue() -> tuple[str, int]:
    return render_queue()


def _back() -> Response:
    return redirect(url_for("moderation.queue", **_queue_args()) + "#queue-items")


def _refused(error: WorkflowError) -> tuple[str, int]:
    """Show the queue again with why the decision was refused, and the status its error class names
    (the service's unit of work has already rolled the decision back)."""
    return render_queue(errors=[str(error)], status=status_for(error))


def _describe(identification: Identification) -> str:
    value = identification.label
    if identification.kind == "date":
        value = describe_date(identification.date_edtf)
    return f"{KIND_WORDS[identification.kind]} “{value}” on “{identification.photo.title}”"


def _reason_from(form: RejectForm | BulkForm) -> str:
    """The listed reason and the archivist's own words together: the patron sees both (either alone is fine)."""
    listed, written = (form.reason.data or "").strip(), (form.reason_text.data or "").strip()
    if listed and written:
        return f"{listed}{'' if listed[-1] in '.!?' else '.'} {written}"
    return listed or written


# --- decisions on identifications ----------------------------------------------------------------

@bp.route("/identifications/<int:identification_id>/approve", methods=["POST"])
def approve(identification_id: int) -> Response | tuple[str, int]:
    identification, user = _identification(identification_id)
    if not DecisionForm().validate_on_submit():
        abort(400)
    try:
        service.approve(identification, moderator=user)
    except WorkflowError as error:
        return _refused(error)
    flash(f"Approved: {_describe(identification)}. It is now part of the photo's record.", "success")
    return _back()


@bp.route("/identifications/<int:identification_id>/reject", methods=["POST"])
def reject(identification_id: int) -> Response | tuple[str, int]:
    identification, user = _identification(identification_id)
    form = RejectForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        service.reject(identification, moderator=user, reason=_reason_from(form))
    except WorkflowError as error:
        return _refused(error)
    flash(f"Rejected: {_describe(identification)}. The contributor will see your reason.", "success")
    return _back()


@bp.route("/identifications/<int:identification_id>/spam", methods=["POST"])
def spam(identification_id: int) -> Response | tuple[str, int]:
    identification, user = _identification(identification_id)
    if not DecisionForm().validate_on_submit():
        abort(400)
    try:
        service.mark_spam(identification, moderator=user)
    except WorkflowError as error:
        return _refused(error)
    flash(f"Marked as spam: {_describe(identification)}.", "success")
    return _back()


def _percent(value: str | None, label: str) -> float:
    try:
        return float((value or "").strip().rstrip("%")) / 100
    except ValueError:
        raise ContributionError(f"The box's {label} must be a number between 0 and 100.") from None


def _changed_region(form: ApproveWithChangesForm) -> Region | None:
    fields = [(form.region_left, "left edge"), (form.region_top, "top edge"), (form.region_width, "width"), (form.region_height, "height")]
    if not any((f.data or "").strip() for f, _ in fields):
        return None
    return Region(*(_percent(f.data, label) for f, label in fields))


@bp.route("/identifications/<int:identification_id>/changes", methods=["GET", "POST"])
def approve_with_changes(identification_id: int) -> Response | tuple[str, int]:
    identification, user = _identification(identification_id)
    form = ApproveWithChangesForm()
    search = (request.args.get("q") or "").strip()[:100]
    known = queries.authority_candidates(search or identification.label, identification.kind) \
        if identification.kind in ("person", "place", "event") else []
    form.authority_id.choices = [SelectChoice(str(r.id), r.heading) for r in known]
    if identification.kind == "keyword":
        form.new_heading.label.text, form.new_heading.description = "Corrected keyword", ""
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        authority_id = next(iter(record_ids([form.authority_id.data or ""])), None)
        try:
            face_id = whole_number(request.form.get("face_id"), what="face number")
        except BadNumber as error:
            abort(400, str(error))
        try:
            if face_id is not None and authority_id is not None:  # a face-matching candidate's button
                corrected = linking.link_from_queue(identification, face_id=face_id, authority_id=authority_id,
                                                    moderator=user)
            else:
                corrected = service.approve_with_changes(
                    identification, moderator=user, authority_id=authority_id,
                    new_heading=form.new_heading.data, date_text=form.date_text.data,
                    authority_uri=form.authority_uri.data, latitude=form.latitude.data, longitude=form.longitude.data,
                    region=_changed_region(form), note=form.note.data,
                )
        except WorkflowError as error:
            errors.append(str(error))
            status = status_for(error)
        except linking.LinkError as error:
            errors.append(str(error))
            status = 409
        else:
            flash(f"Approved with changes: {_describe(corrected)}. It is now part of the photo's record.", "success")
            return _back()
    return render_template(
        "moderation/changes.html", identification=identification, form=form, errors=errors, search=search,
        queue_args=_queue_args(), kind_words=KIND_WORDS,
    ), status


@bp.route("/identifications/<int:identification_id>/crop.jpg")
def crop(identification_id: int) -> Response:
    """The identification's box outlined on the part of the display image around it, for the moderator's card."""
    identification, _user = _identification(identification_id)
    region = region_of(identification)
    if region is None:
        abort(404)
    found = read_crop(storage(), identification.photo.source_checksum, region, context=True)
    if found is None:  # no display image, or an unreadable one: no picture rather than an error page
        abort(404)
    response = Response(found[0], mimetype="image/jpeg")
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


# --- comments ------------------------------------------------------------------------------------

@bp.route("/comments/<int:comment_id>/<action>", methods=["POST"])
def decide_comment(comment_id: int, action: str) -> Response | tuple[str, int]:
    comment, user = _comment(comment_id)
    if action not in ("approve", "reject", "spam"):
        abort(404)
    form = RejectForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        if action == "approve":
            service.approve_comment(comment, moderator=user)
        elif action == "reject":
            service.reject_comment(comment, moderator=user, reason=_reason_from(form))
        else:
            service.mark_comment_spam(comment, moderator=user)
    except WorkflowError as error:
        return _refused(error)
    words = {"approve": "Published", "reject": "Rejected", "spam": "Marked as spam"}[action]
    flash(f"{words}: the comment by {comment.author.public_name if comment.author else 'a visitor'} on “{comment.photo.title}”.", "success")
    return _back()


# --- bulk ----------------------------------------------------------------------------------------

@bp.route("/bulk", methods=["POST"])
def bulk() -> Response | tuple[str, int]:
    user = require_institution_staff()
    form = BulkForm()
    if not form.validate_on_submit():
        abort(400)
    ids = record_ids(request.form.getlist("ids"))
    try:
        outcome = service.bulk_decide(ids, form.action.data or "", moderator=user, reason=_reason_from(form))
    except WorkflowError as error:
        return _refused(error)
    verb = "Approved" if outcome.action == "approve" else "Rejected"
    if outcome.done:
        flash(f"{verb} {len(outcome.done)} item{'s' if len(outcome.done) != 1 else ''}.", "success")
    for item_id, reason in outcome.refused:
        flash(f"Item {item_id} was not changed: {reason}", "error")
    return _back()


# --- the header link -----------------------------------------------------------------------------

def age_words(then: datetime | None, now: datetime | None = None) -> str:
    """How long ago, in the largest whole unit: "3 days", "5 hours", "under an hour"."""
    if then is None:
        return ""
    seconds = max(0, ((now or utcnow()) - then).total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600)):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return "under an hour"


bp.add_app_template_filter(age_words, "age_words")


@bp.app_context_processor
def _moderation_link() -> dict[str, object]:
    """For staff: the header link's text, with the pending count and the oldest item's age."""
    user = current_user._get_current_object()
    if not user.is_authenticated or not user.is_staff:
        return {"moderation_link": None}
    if not (user.is_admin or user.institutions):
        return {"moderation_link": None}
    count, oldest = queries.summary(user)
    if not count:
        return {"moderation_link": "Moderation (nothing waiting)"}
    return {"moderation_link": f"Moderation ({count}, oldest {age_words(oldest)})"}
