from __future__ import annotations

import json

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_limiter import RequestLimit
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length

from photoid.accounts import abuse, privacy, service
from photoid.accounts.forms import ChangePasswordForm, LoginForm, LogoutForm, ProfileVisibilityForm, RegisterForm
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
            user = service.register(
                email=form.email.data or "", display_name=form.display_name.data or "", password=form.password.data or ""
            )
        except (abuse.RegistrationRefused, service.AccountError) as error:
            form.form_errors.append(str(error))
        else:
            login_user(user)
            flash(f"Welcome, {user.display_name}! You can now help identify photos.", "success")
            return redirect(_next_url())
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
    status = 400 if form.is_submitted() else 200
    profile_form = ProfileVisibilityForm(formdata=None, is_public=current_user.is_profile_public)
    return render_template("accounts/account.html", form=form, profile_form=profile_form), status  # type: ignore[return-value]


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
    profile_form = form
    profile_form.form_errors.append("The setting was not saved. Please try again.")
    return render_template("accounts/account.html", form=ChangePasswordForm(formdata=None), profile_form=profile_form), 400  # type: ignore[return-value]


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
        "privacy.html", retention_days=config.get("RETENTION_DAYS", 30),
        lockout_failures=config.get("LOGIN_LOCKOUT_FAILURES", 10),
        lockout_max_minutes=config.get("LOGIN_LOCKOUT_MAX_SECONDS", 3600) // 60,
    )
