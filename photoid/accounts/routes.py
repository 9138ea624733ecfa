from __future__ import annotations

import hashlib
import json

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_limiter import RequestLimit
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length

from photoid.accounts import abuse, privacy, recovery, service, tokens
from photoid.accounts.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    DisplayNameForm,
    EmailNotificationsForm,
    ForgotPasswordForm,
    LoginForm,
    LogoutForm,
    ProfileVisibilityForm,
    RegisterForm,
    ResendVerificationForm,
    ResetPasswordForm,
)
from photoid.accounts.models import User
from photoid.extensions import db, limiter, login_manager, retry_message
from photoid.security import is_safe_next

bp = Blueprint("accounts", __name__, template_folder="templates")


@login_manager.user_loader
def load_user(login_id: str) -> User | None:
    return db.session.scalar(select(User).where(User.login_id == login_id))


def _next_url() -> str:
    target = request.args.get("next") or request.form.get("next")
    return target if is_safe_next(target) else url_for("photos.home")


def _registrations_held_back(limit: RequestLimit) -> Response:
    """The registration form again with what was typed (not the passwords) and, in words, when to try again."""
    form = RegisterForm()
    form.form_errors.append(retry_message(limit) + " Your details are kept below.")
    form.website.data, form.form_started.data = "", abuse.form_started_token()
    page = render_template("accounts/register.html", form=form, next=request.args.get("next", ""))
    return current_app.make_response((page, 429))


@bp.route("/register", methods=["GET", "POST"])
# Only registrations that went through count (a refused form answers 4xx): a mistyped form uses up nothing.
@limiter.limit("5 per hour;20 per day", methods=["POST"], deduct_when=lambda response: response.status_code < 400,
               on_breach=_registrations_held_back)
def register() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("photos.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            abuse.check_registration(honeypot=form.website.data, started=form.form_started.data)
            service.register(
                email=form.email.data or "", display_name=form.display_name.data or "", password=form.password.data or ""
            )
        except (abuse.RegistrationRefused, service.AccountError) as error:
            form.form_errors.append(str(error))
        else:
            # The same page whether the account is new or the email already had one (register returned
            # None then): no page tells whether an address has an account.
            target = request.args.get("next")
            return redirect(url_for("accounts.registered", next=target if is_safe_next(target) else None))
    status = 400 if form.is_submitted() else 200
    form.website.data, form.form_started.data = "", abuse.form_started_token()
    return render_template("accounts/register.html", form=form, next=request.args.get("next", "")), status  # type: ignore[return-value]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute;50 per hour", methods=["POST"])
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(_next_url())
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        email = form.email.data or ""
        lockout = abuse.current_lockout(email)
        user = None if lockout else service.authenticate(email=email, password=form.password.data or "")
        if lockout is not None:
            form.form_errors.append(lockout.message)
            status = 429
        elif user is None:
            lockout = abuse.record_failure(email)
            form.form_errors.append(lockout.message if lockout else "That email and password do not match an account.")
        elif not user.is_active:
            form.form_errors.append("This account is suspended. Please contact the library.")
        else:
            abuse.clear_failures(email)
            login_user(user, remember=bool(form.remember.data))
            flash(f"Signed in as {user.display_name}.", "success")
            return redirect(_next_url())
    status = status if status != 200 else 400 if form.is_submitted() else 200
    return render_template("accounts/login.html", form=form, next=request.args.get("next", "")), status  # type: ignore[return-value]


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    form = LogoutForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        service.end_all_sessions(current_user._get_current_object())
        logout_user()
        flash("You are signed out.", "info")
    return redirect(url_for("photos.home"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account() -> str | Response:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            service.change_password(current_user._get_current_object(), current=form.current.data or "", new=form.new.data or "")
        except service.AccountError as error:
            form.form_errors.append(str(error))
        else:
            login_user(current_user._get_current_object())  # keep this session; the others end
            flash("Your password is changed. Other devices have been signed out.", "success")
            return redirect(url_for("accounts.account"))
    return _account_page(status=400 if form.is_submitted() else 200, form=form)


def _account_page(*, status: int = 200, **forms: FlaskForm) -> tuple[str, int]:
    """/account with every form on it: ``forms`` are the ones just sent back (with their errors)."""
    user = current_user
    shown: dict[str, FlaskForm] = {
        "form": ChangePasswordForm(formdata=None),
        "profile_form": ProfileVisibilityForm(formdata=None, is_public=user.is_profile_public),
        "name_form": DisplayNameForm(formdata=None, new_display_name=user.display_name),
        "email_form": ChangeEmailForm(formdata=None),
        "resend_form": ResendVerificationForm(formdata=None),
        "notify_form": EmailNotificationsForm(formdata=None, wants_email=user.wants_email_notifications),
    }
    shown.update(forms)
    return render_template("accounts/account.html", **shown), status


@bp.route("/account/profile", methods=["POST"])
@login_required
def profile_visibility() -> str | Response:
    form = ProfileVisibilityForm()
    if form.validate_on_submit():
        try:
            service.set_profile_visibility(current_user._get_current_object(), is_public=bool(form.is_public.data))
        except service.AccountError as error:
            flash(str(error), "error")
        else:
            if form.is_public.data:
                flash("Your contributor page is now public.", "success")
            else:
                flash("Your contributor page is now private. Nobody else can open it.", "success")
        return redirect(url_for("accounts.account") + "#profile-heading")
    form.form_errors.append("The setting was not saved. Please try again.")
    return _account_page(status=400, profile_form=form)


# --- privacy: download my data, delete my account, the privacy page (see accounts/privacy.py) ------

class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        "Your password", validators=[DataRequired("Please enter your password to confirm."), Length(max=200)],
        description="We ask for it so nobody else can delete your account from a device you left signed in.",
    )


@bp.route("/account/data.json")
@login_required
def download_data() -> Response:
    data = privacy.export_data(current_user._get_current_object())
    response = current_app.response_class(json.dumps(data, ensure_ascii=False, indent=2), mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="my-data-{data["downloaded_at"][:10]}.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", methods=["POST"])
def delete_account() -> str | Response:
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            privacy.delete_account(current_user._get_current_object(), password=form.password.data or "")
        except privacy.PrivacyError as error:
            form.form_errors.append(str(error))
        else:
            logout_user()
            flash("Your account is deleted and you are signed out. What you contributed stays, "
                  "shown as “a former contributor”. Thank you for your help.", "success")
            return redirect(url_for("photos.home"))
    counts = privacy.contribution_counts(current_user._get_current_object())
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/privacy_delete.html", form=form, counts=counts), status  # type: ignore[return-value]


@bp.route("/privacy")
def privacy_page() -> str:
    config = current_app.config
    return render_template(
        "privacy.html", retention_days=config["RETENTION_DAYS"],
        lockout_failures=config["LOGIN_LOCKOUT_FAILURES"],
        lockout_max_minutes=config["LOGIN_LOCKOUT_MAX_SECONDS"] // 60,
        unverified_days=config["UNVERIFIED_DAYS"],
    )


# --- emailed proof: a forgotten password, a proven email, a new email (see accounts/recovery.py) --

def _email_key() -> str:
    """Rate-limit key: the email typed in the form (hashed), so one address cannot be flooded."""
    typed = service.normalise_email(request.form.get("email", ""))
    return "email:" + hashlib.sha256(typed.encode()).hexdigest()[:32]


def account_or_user() -> str:
    """Rate-limit key for pages only a signed-in account reaches: the account."""
    return f"user:{current_user.id}"


def _gone(message: str, *, status: int = 410, forgot: bool = False) -> tuple[str, int]:
    return render_template("accounts/link_gone.html", message=message, forgot=forgot), status


@bp.route("/register/sent")
def registered() -> str:
    return render_template("accounts/registered.html", next=request.args.get("next", ""))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per hour;20 per day", methods=["POST"])
@limiter.limit("3 per hour", methods=["POST"], key_func=_email_key)
def forgot_password() -> str | Response:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        recovery.request_password_reset(form.email.data or "")
        # Always this page, whatever the address: it never tells whether an address has an account.
        return render_template("accounts/forgot_sent.html")
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/forgot.html", form=form), status  # type: ignore[return-value]


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def reset_password(token: str) -> str | Response | tuple[str, int]:
    try:
        owner = tokens.read(token, "reset")
    except tokens.LinkGone as gone:
        return _gone(str(gone), forgot=True)
    abuse.clear_failures(owner.email)  # the owner proved the email: a sign-in pause ends
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = recovery.reset_password(token, new=form.new.data or "")
        except tokens.LinkGone as gone:
            return _gone(str(gone), forgot=True)
        except service.AccountError as error:
            form.form_errors.append(str(error))
        else:
            abuse.clear_failures(user.email)
            if current_user.is_authenticated and current_user.id != user.id:
                logout_user()
            login_user(user)
            flash("Your new password is set and you are signed in. Every other device has been signed out.", "success")
            return redirect(url_for("accounts.account"))
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/reset.html", form=form, token=token), status  # type: ignore[return-value]


def _after_email_proof(user: object) -> Response:
    """After a link from an email proved an address: the account page if its owner is signed in here, else sign-in."""
    if current_user.is_authenticated and current_user.id == getattr(user, "id", None):
        return redirect(url_for("accounts.account"))
    return redirect(url_for("accounts.login"))


@bp.route("/email/verify/<token>")
def verify_email(token: str) -> Response | tuple[str, int]:
    try:
        user = recovery.verify_email(token)
    except tokens.LinkGone as gone:
        return _gone(str(gone))
    flash("Thank you: your email address is confirmed.", "success")
    return _after_email_proof(user)


@bp.route("/account/verify", methods=["POST"])
@login_required
@limiter.limit("5 per hour", methods=["POST"], key_func=account_or_user)
def resend_verification() -> Response:
    if ResendVerificationForm().validate_on_submit():
        if recovery.resend_verification(current_user._get_current_object()):
            flash("We have sent a new confirmation link to your email address.", "success")
        else:
            flash("Your email address is already confirmed.", "info")
    else:
        flash("The link was not sent. Please try again.", "error")
    return redirect(url_for("accounts.account") + "#email-heading")


@bp.route("/account/name", methods=["POST"])
@login_required
def change_display_name() -> str | Response | tuple[str, int]:
    form = DisplayNameForm()
    if form.validate_on_submit():
        try:
            changed = service.change_display_name(current_user._get_current_object(), display_name=form.new_display_name.data or "")
        except service.AccountError as error:
            form.form_errors.append(str(error))
        else:
            flash(f"You are now shown as {current_user.display_name}." if changed else "Your display name is unchanged.",
                  "success")
            return redirect(url_for("accounts.account") + "#name-heading")
    return _account_page(status=400, name_form=form)


@bp.route("/account/email", methods=["POST"])
@login_required
@limiter.limit("5 per hour", methods=["POST"], key_func=account_or_user)
def change_email() -> str | Response | tuple[str, int]:
    form = ChangeEmailForm()
    if form.validate_on_submit():
        try:
            recovery.request_email_change(current_user._get_current_object(), new_email=form.new_email.data or "",
                                          password=form.password.data or "")
        except service.AccountError as error:
            form.form_errors.append(str(error))
        else:
            flash("We have sent a link to your new address. Your email changes when you open it; "
                  "until then your account keeps its current address.", "success")
            return redirect(url_for("accounts.account") + "#email-heading")
    return _account_page(status=400, email_form=form)


@bp.route("/email/confirm/<token>")
def confirm_email(token: str) -> Response | tuple[str, int]:
    try:
        user = recovery.confirm_email_change(token)
    except tokens.LinkGone as gone:
        return _gone(str(gone))
    except service.AccountError as error:
        return _gone(str(error), status=409)
    flash("Your new email address is confirmed. Use it to sign in from now on.", "success")
    return _after_email_proof(user)


@bp.route("/account/email-notifications", methods=["POST"])
@login_required
def email_notifications() -> Response:
    form = EmailNotificationsForm()
    if form.validate_on_submit():
        wanted = bool(form.wants_email.data)
        service.set_email_notifications(current_user._get_current_object(), wanted=wanted)
        flash("You will be emailed about decisions on what you send." if wanted
              else "You will no longer be emailed; notifications still appear on the site.", "success")
    else:
        flash("The setting was not saved. Please try again.", "error")
    return redirect(url_for("accounts.account") + "#email-notifications")
