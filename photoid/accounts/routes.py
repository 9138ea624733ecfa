from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from photoid.accounts import service
from photoid.accounts.forms import ChangePasswordForm, LoginForm, LogoutForm, RegisterForm
from photoid.accounts.models import User
from photoid.extensions import db, limiter, login_manager
from photoid.security import is_safe_next

bp = Blueprint("accounts", __name__, template_folder="templates")


@login_manager.user_loader
def load_user(login_id: str) -> User | None:
    return db.session.scalar(select(User).where(User.login_id == login_id))


def _next_url() -> str:
    target = request.args.get("next") or request.form.get("next")
    return target if is_safe_next(target) else url_for("photos.home")


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("5 per hour;20 per day", methods=["POST"])
def register() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("photos.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = service.register(
                email=form.email.data or "", display_name=form.display_name.data or "", password=form.password.data or ""
            )
        except service.AccountError as error:
            form.form_errors.append(str(error))
        else:
            login_user(user)
            flash(f"Welcome, {user.display_name}! You can now help identify photos.", "success")
            return redirect(_next_url())
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/register.html", form=form, next=request.args.get("next", "")), status  # type: ignore[return-value]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute;50 per hour", methods=["POST"])
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(_next_url())
    form = LoginForm()
    if form.validate_on_submit():
        user = service.authenticate(email=form.email.data or "", password=form.password.data or "")
        if user is None:
            form.form_errors.append("That email and password do not match an account.")
        elif not user.is_active:
            form.form_errors.append("This account is suspended. Please contact the library.")
        else:
            login_user(user, remember=bool(form.remember.data))
            flash(f"Signed in as {user.display_name}.", "success")
            return redirect(_next_url())
    status = 400 if form.is_submitted() else 200
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
    return render_template("accounts/account.html", form=form), status  # type: ignore[return-value]
