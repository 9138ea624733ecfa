"""Role checks on the server for every staff action."""
from __future__ import annotations

from flask import abort
from flask_login import current_user

from photoid.accounts.models import User
from photoid.extensions import login_manager


def require_moderator(institution_id: int) -> User:
    """The signed-in account if it moderates the institution; otherwise sign-in (401 flow) or 403."""
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    if not current_user.moderates(institution_id):
        abort(403)
    return current_user._get_current_object()  # type: ignore[no-any-return]
