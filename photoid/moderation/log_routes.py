"""The audit log pages on the moderation blueprint: ``/moderation/log`` and its CSV download."""
from __future__ import annotations

from flask import Response, abort, render_template, request, stream_with_context
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import Optional

from photoid.accounts.models import User
from photoid.accounts.permissions import require_institution_staff
from photoid.db import utcnow
from photoid.moderation import log
from photoid.moderation.blueprint import bp
from photoid.params import BadNumber, page_arg, whole_number



class LogFilterForm(FlaskForm):
    """The log's filters, sent with GET (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    actor = StringField("Who (display name)", validators=[Optional()])
    action = SelectField("Action", choices=[SelectChoice("", "Every action")]
                         + [SelectChoice(key, words) for key, words in log.ACTION_WORDS.items()],
                         default="", validators=[Optional()])
    target_type = SelectField("Changed what", choices=[SelectChoice("", "Anything")]
                              + [SelectChoice(key, words) for key, words in log.TARGET_WORDS.items()],
                              default="", validators=[Optional()])
    institution = SelectField("Institution", choices=[], default="", validators=[Optional()])
    date_from = StringField("From (year-month-day)", name="from", validators=[Optional()])
    date_to = StringField("To (year-month-day)", name="to", validators=[Optional()])


def _with_institutions(form: LogFilterForm, user: User) -> LogFilterForm:
    form.institution.choices = [SelectChoice("", "Every institution" if user.is_admin else "All of mine")] + [
        SelectChoice(str(i.id), i.name) for i in log.visible_institutions(user)
    ]
    return form


def _filters(user: User) -> tuple[log.LogFilters, LogFilterForm, list[str]]:
    """The checked filters, the form to show them again, and what could not be understood."""
    form = _with_institutions(LogFilterForm(formdata=MultiDict(request.args) if request.args else None), user)
    if not request.args:
        return log.LogFilters(), form, []
    errors: list[str] = []
    if not form.validate():
        errors.append("Some of the filters were not understood, so no filter is applied. Please choose them again.")
    try:
        target_id = whole_number(request.args.get("target_id"), what="record number")
    except BadNumber:
        target_id = None
        errors.append("The record number in the address was not understood, so no filter is applied.")
    try:
        date_from = log.parse_date(form.date_from.data or "", "from")
        date_to = log.parse_date(form.date_to.data or "", "to")
    except log.LogFilterError as error:
        errors.append(str(error))
        date_from = date_to = None
    if date_from and date_to and date_from > date_to:
        errors.append("The “from” date is after the “to” date. Please swap them.")
    if errors:
        return log.LogFilters(), _with_institutions(LogFilterForm(formdata=None), user), errors
    return log.LogFilters(
        actor=(form.actor.data or "").strip()[:60],
        action=form.action.data or None,
        target_type=form.target_type.data or None,
        target_id=target_id,
        institution_id=int(form.institution.data) if form.institution.data else None,
        date_from=date_from, date_to=date_to,
    ), form, []


def _args(filters: log.LogFilters) -> dict[str, str]:
    """The applied filters as URL arguments, for the pager and the CSV link."""
    values = {
        "actor": filters.actor, "action": filters.action or "", "target_type": filters.target_type or "",
        "target_id": str(filters.target_id) if filters.target_id is not None else "",
        "institution": str(filters.institution_id) if filters.institution_id is not None else "",
        "from": filters.date_from.isoformat() if filters.date_from else "",
        "to": filters.date_to.isoformat() if filters.date_to else "",
    }
    return {key: value for key, value in values.items() if value}


@bp.route("/log", endpoint="log")
def log_page() -> tuple[str, int]:
    user = require_institution_staff()
    filters, form, errors = _filters(user)
    page = log.events_page(user, filters, page=page_arg())
    return render_template(
        "moderation/log.html", page=page, form=form, errors=errors, args=_args(filters),
        targets=log.targets(page.items, user), log=log,
    ), 400 if errors else 200


@bp.route("/log.csv")
def log_csv() -> Response:
    user = require_institution_staff()
    filters, _form, errors = _filters(user)
    if errors:
        abort(400, " ".join(errors))
    body = stream_with_context(log.csv_rows(user, filters))
    filename = f"audit-log-{utcnow():%Y-%m-%d}.csv"
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store",
    })
