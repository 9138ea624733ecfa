"""Staff invitations: the list and form at /admin/invitations, withdrawing one, and the link the
invitee follows (/invitations/<token>) to create their account or upgrade the one they have."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from photoid.accounts.models import User
from photoid.accounts.permissions import require_institution_staff
from photoid.accounts.service import normalise_email
from photoid.admin import invitations as service
from photoid.admin.forms import AcceptInvitationForm, ConfirmForm, InvitationForm
from photoid.admin.models import Invitation
from photoid.contributions.workflow import InvitationStatus
from photoid.extensions import db, limiter

bp = Blueprint("invitations", __name__, template_folder="templates")

STATUS_WORDS = {
    InvitationStatus.OPEN: "Waiting", InvitationStatus.ACCEPTED: "Accepted", InvitationStatus.REVOKED: "Withdrawn",
    InvitationStatus.EXPIRED: "Expired",
}
ROLE_WORDS = {"archivist": "Archivist", "admin": "Administrator"}


# --- the staff side ------------------------------------------------------------------------------

def _invitation_form(actor: User, formdata: object = None) -> InvitationForm:
    form = InvitationForm() if formdata is not None else InvitationForm(formdata=None)
    form.institutions.choices = [SelectChoice(str(i.id), i.name) for i in service.invitable_institutions(actor)]
    if not actor.is_admin:
        form.role.choices = [c for c in form.role.choices if c.value == "archivist"]  # type: ignore[union-attr]
    if formdata is None:
        form.role.data = "archivist"
        if len(form.institutions.choices) == 1:
            form.institutions.data = [form.institutions.choices[0].value]  # type: ignore[index]
    return form


def _list_page(actor: User, *, form: InvitationForm | None = None, errors: list[str] | None = None,
               status: int = 200) -> tuple[str, int]:
    shown = service.visible_to(actor)
    names = {i.id: i.name for i in service.invitable_institutions(actor)}
    if not actor.is_admin:  # also name institutions of invitations they see but cannot send
        names |= {i.id: i.name for invitation in shown for i in service.institutions_of(invitation)}
    return render_template(
        "admin/invitations.html", form=form or _invitation_form(actor), invitations=shown, errors=errors or [],
        status_of=service.status, may_manage=lambda invitation: service.may_manage(actor, invitation),
        institution_names=names, status_words=STATUS_WORDS, role_words=ROLE_WORDS, revoke_form=ConfirmForm(formdata=None),
        days=current_app.config["INVITATION_DAYS"],
    ), status


@bp.route("/admin/invitations", methods=["GET", "POST"])
def index() -> Response | tuple[str, int]:
    actor = require_institution_staff()
    if request.method == "GET":
        return _list_page(actor)
    form = _invitation_form(actor, request.form)
    if not form.validate_on_submit():
        abort(400, "The form could not be read. Please reload the page and try again.")
    chosen = form.institutions.data or []
    ids = [int(value) for value in chosen if value.isdecimal() and len(value) < 19]
    if len(ids) != len(chosen):
        return _list_page(actor, form=form, errors=["The institutions chosen were not understood."], status=400)
    try:
        invitation, _link = service.create_invitation(email=form.email.data or "", role=form.role.data or "",
                                                      institution_ids=ids, actor=actor)
    except service.InvitationError as error:
        _show(form, error)
        return _list_page(actor, form=form, status=400)
    flash(f"Invitation sent to {invitation.email}. The link works once, for {current_app.config['INVITATION_DAYS']} days.",
          "success")
    return redirect(url_for("invitations.index"))


def _show(form: object, error: service.InvitationError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, str(error)]
    else:
        form.form_errors.append(str(error))  # type: ignore[attr-defined]


@bp.route("/admin/invitations/<int:invitation_id>/revoke", methods=["POST"])
def revoke(invitation_id: int) -> Response | tuple[str, int]:
    actor = require_institution_staff()
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None:
        abort(404)
    if not service.may_manage(actor, invitation):
        abort(403)
    if not ConfirmForm().validate_on_submit():
        abort(400, "The form could not be read. Please reload the page and try again.")
    try:
        service.revoke_invitation(invitation, actor=actor)
    except service.InvitationError as error:
        return _list_page(actor, errors=[str(error)], status=409)
    flash(f"The invitation to {invitation.email} is withdrawn; its link no longer works.", "success")
    return redirect(url_for("invitations.index"))


# --- the invitee's side --------------------------------------------------------------------------

def _gone(reason: str) -> tuple[str, int]:
    return render_template("admin/invitation_gone.html", reason=reason, message=service.GONE_MESSAGES[reason]), \
        404 if reason == "unknown" else 410


def _accept_page(invitation: Invitation, token: str, *, form: AcceptInvitationForm | None = None,
                 errors: list[str] | None = None, status: int = 200) -> tuple[str, int]:
    signed_in = current_user.is_authenticated
    has_account = not signed_in and service.has_account(invitation)
    return render_template(
        "admin/invitation_accept.html", invitation=invitation, token=token,
        institutions=service.institutions_of(invitation), form=form or AcceptInvitationForm(formdata=None),
        confirm_form=ConfirmForm(formdata=None), errors=errors or [], signed_in=signed_in, has_account=has_account,
        is_invitee=signed_in and normalise_email(current_user.email) == invitation.email, role_words=ROLE_WORDS,
    ), status


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@limiter.limit("30 per hour", methods=["POST"])
def accept(token: str) -> Response | tuple[str, int]:
    if request.method == "POST":
        return _accept_as_account(token) if current_user.is_authenticated else _accept_as_new_account(token)
    invitation = service.find(token)
    if invitation is None:
        return _gone("unknown")
    state = service.status(invitation)
    if state != InvitationStatus.OPEN:
        return _gone(state)
    return _accept_page(invitation, token)


def _accept_as_new_account(token: str) -> Response | tuple[str, int]:
    form = AcceptInvitationForm()
    if not form.validate_on_submit():
        invitation = service.find(token)
        if invitation is None or service.status(invitation) != InvitationStatus.OPEN:
            return _gone("unknown" if invitation is None else service.status(invitation))
        return _accept_page(invitation, token, form=form, status=400)
    try:  # the service hashes the password before it reads anything (no lock held meanwhile)
        user = service.accept_as_new_account(token, display_name=form.display_name.data or "",
                                             password=form.password.data or "")
    except service.InvitationGone as gone:
        return _gone(gone.reason)
    except service.InvitationError as error:
        invitation = service.find(token)
        if invitation is None or service.status(invitation) != InvitationStatus.OPEN:
            return _gone("unknown" if invitation is None else service.status(invitation))
        _show(form, error)
        return _accept_page(invitation, token, form=form, status=400 if error.field else 409)
    login_user(user)
    return _welcome(user)


def _accept_as_account(token: str) -> Response | tuple[str, int]:
    invitation = service.find(token)
    if invitation is None or service.status(invitation) != InvitationStatus.OPEN:
        return _gone("unknown" if invitation is None else service.status(invitation))
    if not ConfirmForm().validate_on_submit():
        abort(400, "The form could not be read. Please reload the page and try again.")
    if normalise_email(current_user.email) != invitation.email:
        return _accept_page(invitation, token, status=403, errors=[
            "This invitation was sent to another email address. Please sign out, then open the link again."])
    try:
        user = service.accept_as_account(token, account=current_user._get_current_object())
    except service.InvitationGone as gone:
        return _gone(gone.reason)
    except service.InvitationError as error:
        return _accept_page(invitation, token, errors=[str(error)], status=409)
    return _welcome(user)


def _welcome(user: User) -> Response:
    if user.is_admin:
        flash(f"Welcome, {user.display_name}! You are now an administrator of {current_app.config['SITE_NAME']}.", "success")
        return redirect(url_for("admin.users"))
    flash(f"Welcome, {user.display_name}! You are now an archivist for "
          f"{', '.join(i.name for i in user.institutions)}. Suggestions waiting for review are below.", "success")
    return redirect(url_for("moderation.queue"))
