"""The notifications list, marking notifications read, and the unread count in the header."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from photoid.notifications import service

bp = Blueprint("notifications", __name__, template_folder="templates")

LIST_LIMIT = 100


@bp.app_context_processor
def _unread_notifications() -> dict[str, object]:
    """``unread_notifications`` for the header; queried lazily and only for signed-in users."""
    cache: dict[str, int] = {}

    def count() -> int:
        if not current_user.is_authenticated:
            return 0
        if "n" not in cache:
            cache["n"] = service.unread_count(current_user._get_current_object())
        return cache["n"]

    return {"unread_notifications": count}


@bp.route("/me/notifications")
@login_required
def index() -> str:
    user = current_user._get_current_object()
    new_ids = service.mark_shown_read(user, LIST_LIMIT)  # seen is read; they still say "New" this once
    return render_template("notifications/index.html", notifications=service.recent(user, LIST_LIMIT), new_ids=new_ids)


@bp.route("/me/notifications/read", methods=["POST"])
@login_required
def read_all() -> Response:
    service.mark_read(current_user._get_current_object())
    flash("All your notifications are marked as read.", "success")
    return redirect(url_for("notifications.index"))


@bp.route("/me/notifications/<int:notification_id>/read", methods=["POST"])
@login_required
def read_one(notification_id: int) -> Response:
    try:
        notification = service.mark_read(current_user._get_current_object(), notification_id)
    except service.NotificationNotFound:
        abort(404)
    assert notification is not None
    link = notification.link
    # Links are site paths we wrote ourselves; anything else goes back to the list.
    if not link.startswith("/") or link.startswith("//") or "\\" in link:
        return redirect(url_for("notifications.index"))
    return redirect(link)
