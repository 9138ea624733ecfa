"""Reports from patrons, retraction from the photo page, and marking a whole account as spam."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import RadioField, SelectChoice, StringField, TextAreaField

from photoid.accounts.models import User
from photoid.accounts.permissions import require_moderator_of
from photoid.contributions.models import Comment, Identification
from photoid.contributions.visibility import seen_comment, seen_identification
from photoid.contributions.workflow import WorkflowError
from photoid.edtf import words as describe_date
from photoid.errors import status_for
from photoid.extensions import account_or_address, db, limiter
from photoid.moderation import reports, service, spam_accounts
from photoid.moderation.models import Report
from photoid.moderation.routes import FILTER_KEYS, KIND_WORDS, render_queue

bp = Blueprint("reports", __name__, template_folder="templates")

#: Patrons may send this many reports an hour, whatever they report.
REPORT_LIMIT = "10 per hour"


class ReportForm(FlaskForm):
    """A patron's report; the service checks the values."""

    reason = RadioField("What is the problem?", choices=[SelectChoice(r, r) for r in reports.REPORT_REASONS],
                        validate_choice=False)
    details = TextAreaField("Tell us more (optional)",
                            description="For example what is wrong, or what it should say. Needed for “Something else”.")


class ResolveForm(FlaskForm):
    action = StringField("What to do")
    reason = StringField("Reason the contributor sees")


class RetractForm(FlaskForm):
    reason = TextAreaField("Why it is retracted (the contributor sees this)")


class ConfirmForm(FlaskForm):
    """Dismiss a report, or mark an account as spam: nothing but the CSRF token."""


def _back_to_queue(anchor: str) -> Response:
    args = {key: value for key in FILTER_KEYS if (value := request.args.get(key, "")) and key != "page"}
    return redirect(url_for("moderation.queue", **args) + anchor)


def describe(item: Identification | Comment) -> str:
    """The item in words, for headings and messages: "Person: John Smith", "the comment by Tom"."""
    if isinstance(item, Identification):
        value = item.label
        if item.kind == "date":
            value = describe_date(item.date_edtf) or value
        return f"{KIND_WORDS[item.kind]}: {value}"
    return f"the comment by {item.author.public_name if item.author else 'a former contributor'}"


# --- patrons -------------------------------------------------------------------------------------

def _reportable(item: Identification | Comment | None) -> Identification | Comment:
    """The item if the patron may see it (contributions/visibility.py) on a photo the public sees; 404 otherwise,
    as for an item that does not exist. Whether it can still be reported is the service's to say."""
    if item is None or not (item.photo.is_published and item.photo.collection.is_published):
        abort(404)
    return item


def _report_page(item: Identification | Comment) -> Response | tuple[str, int]:
    form = ReportForm()
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            reports.create_report(reporter=current_user._get_current_object(), item=item,
                                  reason=form.reason.data, details=form.details.data)
        except reports.ReportError as error:
            form.form_errors.append(str(error))
            status = 400
        else:
            flash("Thank you for your report. An archivist will look at it.", "success")
            anchor = f"#identification-{item.id}" if isinstance(item, Identification) else f"#comment-{item.id}"
            return redirect(url_for("photos.photo", photo_id=item.photo_id) + anchor)
    return render_template("moderation/report.html", form=form, item=item, what=describe(item),
                           is_identification=isinstance(item, Identification)), status


@bp.route("/identifications/<int:identification_id>/report", methods=["GET", "POST"])
@login_required
@limiter.shared_limit(REPORT_LIMIT, scope="reports", key_func=account_or_address, methods=["POST"])
def report_identification(identification_id: int) -> Response | tuple[str, int]:
    return _report_page(_reportable(seen_identification(identification_id, current_user)))


@bp.route("/comments/<int:comment_id>/report", methods=["GET", "POST"])
@login_required
@limiter.shared_limit(REPORT_LIMIT, scope="reports", key_func=account_or_address, methods=["POST"])
def report_comment(comment_id: int) -> Response | tuple[str, int]:
    return _report_page(_reportable(seen_comment(comment_id, current_user)))


# --- staff: reports ------------------------------------------------------------------------------

def _report(report_id: int) -> tuple[Report, Identification | Comment, User]:
    report = db.session.get(Report, report_id)
    item, user = require_moderator_of(reports.item_of(report) if report is not None else None)
    return report, item, user  # type: ignore[return-value]


@bp.route("/moderation/reports/<int:report_id>/resolve", methods=["POST"])
def resolve(report_id: int) -> Response | tuple[str, int]:
    report, item, user = _report(report_id)
    form = ResolveForm()
    if not form.validate_on_submit():
        abort(400)
    what = describe(item)
    try:
        reports.resolve_report(report, moderator=user, action=form.action.data or "none", reason=form.reason.data)
    except WorkflowError as error:
        return render_queue(errors=[str(error)], status=status_for(error))
    flash(f"Report resolved: {what}. Whoever reported it has been told.", "success")
    return _back_to_queue("#reports")


@bp.route("/moderation/reports/<int:report_id>/dismiss", methods=["POST"])
def dismiss(report_id: int) -> Response | tuple[str, int]:
    report, item, user = _report(report_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    what = describe(item)
    try:
        reports.dismiss_report(report, moderator=user)
    except WorkflowError as error:
        return render_queue(errors=[str(error)], status=status_for(error))
    flash(f"Report dismissed: {what} stays as it is. Whoever reported it has been told.", "success")
    return _back_to_queue("#reports")


# --- staff: retraction and spam accounts ---------------------------------------------------------

def _found(model: type[Identification] | type[Comment], item_id: int) -> tuple[Identification | Comment, User]:
    return require_moderator_of(db.session.get(model, item_id))


@bp.route("/moderation/identifications/<int:identification_id>/retract", methods=["POST"])
def retract(identification_id: int) -> Response | tuple[str, int]:
    identification, user = _found(Identification, identification_id)
    form = RetractForm()
    if not form.validate_on_submit():
        abort(400)
    what = describe(identification)
    try:
        service.retract(identification, moderator=user, reason=form.reason.data)  # type: ignore[arg-type]
    except WorkflowError as error:
        return render_template("moderation/report_refused.html", message=str(error),
                               photo_id=identification.photo_id), status_for(error)
    flash(f"Retracted: {what}. It is no longer part of the photo's record; the contributor has been told.", "success")
    return redirect(url_for("photos.photo", photo_id=identification.photo_id) + "#known-heading")


def _spam_account(item: Identification | Comment, user: User) -> Response | tuple[str, int]:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    account = item.contributor if isinstance(item, Identification) else item.author
    if account is None:
        return render_queue(errors=["This was sent by a former contributor, whose account no longer exists."], status=409)
    name = account.public_name
    try:
        outcome = spam_accounts.mark_account_as_spam(account, moderator=user)
    except WorkflowError as error:
        return render_queue(errors=[str(error)], status=status_for(error))
    hidden = f"{outcome.hidden} item{'s' if outcome.hidden != 1 else ''}"
    elsewhere = (f" {outcome.left_to_others} more in other institutions are left to their archivists."
                 if outcome.left_to_others else "")
    flash(f"Marked as spam: {hidden} sent by {name}, and the account is suspended.{elsewhere}", "success")
    return _back_to_queue("#queue-items")


@bp.route("/moderation/identifications/<int:identification_id>/spam-account", methods=["POST"])
def spam_account_identification(identification_id: int) -> Response | tuple[str, int]:
    return _spam_account(*_found(Identification, identification_id))


@bp.route("/moderation/comments/<int:comment_id>/spam-account", methods=["POST"])
def spam_account_comment(comment_id: int) -> Response | tuple[str, int]:
    return _spam_account(*_found(Comment, comment_id))


# --- template helpers ----------------------------------------------------------------------------

@bp.app_context_processor
def _report_helpers() -> dict[str, object]:
    """``can_report(item)`` for the Report links, ``report_groups()`` and ``retract_form`` for staff pages."""

    def report_groups() -> list[reports.ReportGroup]:
        user = current_user._get_current_object()
        return reports.open_report_groups(user) if current_user.is_authenticated and current_user.is_staff else []

    viewer = current_user._get_current_object()  # looked up once, not at every Report link
    return {
        "can_report": lambda item: reports.can_report(item, viewer),
        "report_groups": report_groups,
        "report_action_words": reports.ACTION_WORDS,
        "describe_reported": describe,
    }
