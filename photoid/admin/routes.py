"""Admin pages: find accounts and change their role, trust and suspension; edit institution settings."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from photoid import jobs
from photoid.accounts import recovery
from photoid.accounts.models import User
from photoid.accounts.service import AccountError
from photoid.admin import institutions as institution_service
from photoid.admin import service
from photoid.admin.forms import (
    InstitutionForm,
    InstitutionProfileForm,
    NewInstitutionForm,
    RoleForm,
    SuspensionForm,
    TrustForm,
    UserSearchForm,
)
from photoid.admin.logo import MAX_LOGO_BYTES
from photoid.extensions import db, login_manager
from photoid.params import page_arg, record_ids
from photoid.photos.models import Institution

bp = Blueprint("admin", __name__, template_folder="templates", url_prefix="/admin")

ROLE_WORDS = {"patron": "Patron", "archivist": "Archivist", "admin": "Administrator"}


def _require_admin() -> User:
    """The signed-in admin; the sign-in page for visitors, 403 for everyone else."""
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    if not current_user.is_admin:
        abort(403)
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _account(user_id: int) -> tuple[User, User]:
    admin = _require_admin()
    account = db.session.get(User, user_id)
    if account is None or account.deleted_at is not None:
        abort(404)
    return account, admin


# --- accounts ------------------------------------------------------------------------------------

@bp.route("/users")
def users() -> tuple[str, int]:
    _require_admin()
    form = UserSearchForm(formdata=MultiDict(request.args) if request.args else None)
    errors: list[str] = []
    if request.args and not form.validate():
        errors.append("The role filter was not understood, so it is not applied.")
        form.role.data = ""
    args = {k: v for k in ("q", "role") if (v := (form[k].data or "").strip())}
    found = service.find_users(text=args.get("q", ""), role=args.get("role"), page=page_arg())
    return render_template(
        "admin/users.html", form=form, page=found, args=args, errors=errors, role_words=ROLE_WORDS,
    ), 400 if errors else 200


def _role_form(account: User, formdata: MultiDict | None = None) -> RoleForm:  # type: ignore[type-arg]
    form = RoleForm(formdata=formdata) if formdata is not None else RoleForm(formdata=None)
    form.institutions.choices = [SelectChoice(str(i.id), i.name) for i in service.all_institutions()]
    if formdata is None:
        form.role.data = account.role
        form.institutions.data = [str(i.id) for i in account.institutions]
    return form


def _user_page(account: User, *, role_form: RoleForm | None = None, suspension_form: SuspensionForm | None = None,
               errors: list[str] | None = None, status: int = 200) -> tuple[str, int]:
    waiting_identifications, waiting_comments = service.pending_counts(account)
    return render_template(
        "admin/user.html", account=account, role_form=role_form or _role_form(account),
        trust_form=TrustForm(formdata=None), suspension_form=suspension_form or SuspensionForm(formdata=None),
        errors=errors or [], role_words=ROLE_WORDS, is_self=account.id == current_user.id,
        waiting_identifications=waiting_identifications, waiting_comments=waiting_comments,
    ), status


@bp.route("/users/<int:user_id>")
def user(user_id: int) -> tuple[str, int]:
    account, _admin = _account(user_id)
    return _user_page(account)


@bp.route("/users/<int:user_id>/role", methods=["POST"])
def change_role(user_id: int) -> Response | tuple[str, int]:
    account, admin = _account(user_id)
    form = _role_form(account, request.form)
    if not form.validate_on_submit():
        return _user_page(account, role_form=form, status=400,
                          errors=["Please choose a role: patron, archivist or administrator."])
    ids = record_ids(form.institutions.data or [])
    if len(ids) != len(form.institutions.data or []):
        return _user_page(account, role_form=form, status=400, errors=["The institutions chosen were not understood."])
    try:
        changed = service.change_role(account, role=form.role.data or "", institution_ids=ids, actor=admin,
                                      note=form.role_note.data)
    except service.AdminError as error:
        return _user_page(account, role_form=form, errors=[str(error)], status=409)
    if changed:
        flash(f"{account.display_name} is now {_role_words(account)}.", "success")
    else:
        flash("Nothing changed.", "info")
    return redirect(url_for("admin.user", user_id=account.id))


def _role_words(account: User) -> str:
    if account.role == "archivist":
        return "an archivist for " + ", ".join(i.name for i in account.institutions)
    return "an administrator" if account.is_admin else "a patron"


@bp.route("/users/<int:user_id>/trust", methods=["POST"])
def trust(user_id: int) -> Response | tuple[str, int]:
    account, admin = _account(user_id)
    form = TrustForm()
    if not form.validate_on_submit() or form.is_trusted.data not in ("yes", "no"):
        abort(400, "Please use the buttons on the account's page to change whether it is trusted.")
    is_trusted = form.is_trusted.data == "yes"
    try:
        changed = service.set_trusted(account, is_trusted=is_trusted, actor=admin)
    except service.AdminError as error:
        return _user_page(account, errors=[str(error)], status=409)
    if changed:
        flash(f"{account.display_name} is {'now trusted: their comments appear without review' if is_trusted else 'no longer trusted'}.", "success")
    else:
        flash("Nothing changed.", "info")
    return redirect(url_for("admin.user", user_id=account.id))


@bp.route("/users/<int:user_id>/suspend", methods=["POST"])
def suspend(user_id: int) -> Response | tuple[str, int]:
    return _suspension(user_id, suspending=True)


@bp.route("/users/<int:user_id>/unsuspend", methods=["POST"])
def unsuspend(user_id: int) -> Response | tuple[str, int]:
    return _suspension(user_id, suspending=False)


def _suspension(user_id: int, *, suspending: bool) -> Response | tuple[str, int]:
    account, admin = _account(user_id)
    form = SuspensionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        if suspending:
            service.suspend(account, note=form.note.data, actor=admin)
        else:
            service.unsuspend(account, note=form.note.data, actor=admin)
    except service.AdminError as error:
        return _user_page(account, suspension_form=form, errors=[str(error)], status=409 if (form.note.data or "").strip() else 400)
    if suspending:
        flash(f"{account.display_name} is suspended and signed out everywhere. "
              "What they sent that is still waiting is out of the moderation queue until you restore the account.", "success")
    else:
        flash(f"{account.display_name} can sign in again; what they sent that is still waiting is back in the queue.", "success")
    return redirect(url_for("admin.user", user_id=account.id))


@bp.route("/users/<int:user_id>/password-reset", methods=["POST"])
def send_password_reset(user_id: int) -> Response | tuple[str, int]:
    """Email the account a link to choose a new password; the admin never sees or sets it (audited)."""
    account, admin = _account(user_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        recovery.send_reset_by_staff(account, actor=admin)
    except AccountError as error:
        return _user_page(account, errors=[str(error)], status=409)
    flash(f"A link to choose a new password is on its way to {account.display_name}'s email address. "
          "It works once, for a limited time.", "success")
    return redirect(url_for("admin.user", user_id=account.id))


# --- institutions --------------------------------------------------------------------------------

@bp.route("/institutions")
def institutions() -> str:
    _require_admin()
    return render_template("admin/institutions.html", institutions=service.all_institutions())


def _institution(slug: str) -> tuple[Institution, User]:
    admin = _require_admin()
    institution = service.institution_by_slug(slug)
    if institution is None:
        abort(404)
    return institution, admin


def _consortium_choices() -> list[SelectChoice]:
    return [SelectChoice("", "No consortium")] + [
        SelectChoice(i.slug, i.name) for i in service.all_institutions() if i.is_consortium
    ]


@bp.route("/institutions/new", methods=["GET", "POST"])
def new_institution() -> Response | tuple[str, int]:
    admin = _require_admin()
    form = NewInstitutionForm()
    form.member_of.choices = _consortium_choices()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400, "The form could not be read. Please reload the page and try again.")
        try:
            created = institution_service.create_institution(
                slug=form.slug.data or "", name=form.name.data or "", is_consortium=bool(form.is_consortium.data),
                member_of=form.member_of.data or None, actor=admin,
            )
        except institution_service.InstitutionError as error:
            _field_errors(form, error.errors)
            return render_template("admin/institution_new.html", form=form), 400
        flash(f"{created.name} is created. Add its description, website and logo below.", "success")
        return redirect(url_for("admin.institution", slug=created.slug))
    return render_template("admin/institution_new.html", form=form), 200


def _field_errors(form: object, errors: dict[str, str]) -> None:
    """Put each message next to its field; any other goes to the top of the form."""
    for name, message in errors.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]
        else:
            form.form_errors.append(message)  # type: ignore[attr-defined]


def _profile_form(found: Institution) -> InstitutionProfileForm:
    form = InstitutionProfileForm(formdata=None)
    form.name.data, form.slug.data, form.description.data = found.name, found.slug, found.description
    form.website.data, form.contact_email.data = found.website, found.contact_email
    return form


def _institution_page(found: Institution, *, form: InstitutionForm | None = None, errors: list[str] | None = None,
                      profile_form: InstitutionProfileForm | None = None, status: int = 200) -> tuple[str, int]:
    if form is None:
        form = InstitutionForm(formdata=None)
        form.comment_policy.data = found.comment_policy
        form.show_pending_publicly.data = "yes" if found.show_pending_publicly else "no"
        form.reject_reasons.data = "\n".join(found.reject_reasons or [])
        form.verified_by_name.data = found.verified_by_name or ""
    return render_template(
        "admin/institution.html", institution=found, form=form, errors=errors or [],
        profile_form=profile_form or _profile_form(found), slug_locked=institution_service.has_photos(found),
    ), status


@bp.route("/institutions/<slug>/profile", methods=["POST"])
def institution_profile(slug: str) -> Response | tuple[str, int]:
    found, admin = _institution(slug)
    form = InstitutionProfileForm()
    if not form.validate_on_submit():
        abort(400, "The form could not be read. Please reload the page and try again.")
    upload = request.files.get("logo")
    logo = upload.stream.read(MAX_LOGO_BYTES + 1) if upload is not None and upload.filename else None
    try:
        changed = institution_service.update_profile(
            found, name=form.name.data or "", description=form.description.data or "", website=form.website.data or "",
            contact_email=form.contact_email.data or "", slug=form.slug.data if "slug" in request.form else None,
            logo=logo, remove_logo=bool(form.remove_logo.data), actor=admin,
        )
    except institution_service.InstitutionError as error:
        _field_errors(form, error.errors)
        if "slug" not in request.form:
            form.slug.data = found.slug
        return _institution_page(found, profile_form=form, status=400)
    flash(f"The public page of {found.name} is saved." if changed else "Nothing changed.",
          "success" if changed else "info")
    return redirect(url_for("admin.institution", slug=found.slug))


@bp.route("/institutions/<slug>", methods=["GET", "POST"])
def institution(slug: str) -> Response | tuple[str, int]:
    found, admin = _institution(slug)
    if request.method == "GET":
        return _institution_page(found)
    form = InstitutionForm()
    errors: list[str] = []
    status = 200
    if not form.validate_on_submit():
        errors.append("Please choose one answer for each question and try again.")
        status = 400
    else:
        try:
            changed = service.update_institution(
                found, comment_policy=form.comment_policy.data or "",
                show_pending_publicly=form.show_pending_publicly.data == "yes",
                reject_reasons=form.reject_reasons.data or "", verified_by_name=form.verified_by_name.data, actor=admin,
            )
        except service.AdminError as error:
            errors.append(str(error))
            status = 400
        else:
            flash(f"Settings of {found.name} saved." if changed else "Nothing changed.", "success" if changed else "info")
            return redirect(url_for("admin.institution", slug=found.slug))
    return _institution_page(found, form=form, errors=errors, status=status)


# --- background jobs -----------------------------------------------------------------------------

@bp.route("/jobs", methods=["GET", "POST"])
def job_list() -> Response | tuple[str, int]:
    """The job queue (PHOTOID_JOBS=redis): how many wait, and the failed jobs with Retry and Delete."""
    _require_admin()
    if request.method == "POST":
        action = {"retry": jobs.retry_failed, "delete": jobs.delete_failed}.get(request.form.get("job_action", ""))
        if action is None:
            abort(400)
        try:
            action(request.form.get("job_id", ""))
        except jobs.JobNotFound:
            flash("That job is no longer in the failed list: someone retried or deleted it already.", "info")
        except jobs.QueueUnavailable as error:
            flash(str(error), "error")
        else:
            flash("The job is back on the queue for another try." if action is jobs.retry_failed
                  else "The failed job was deleted.", "success")
        return redirect(url_for("admin.job_list"))
    try:
        queue, problem = jobs.state(), None
    except jobs.QueueUnavailable as error:
        queue, problem = None, str(error)
    return render_template("admin/jobs.html", queue=queue, problem=problem), 503 if problem else 200
