"""Role checks on the server for every staff action."""
from __future__ import annotations

from typing import Any, Protocol, TypeVar

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


class OnPhoto(Protocol):
    """Anything shown on a photo (an identification, a comment): its photo's institution moderates it."""

    photo: Any


Item = TypeVar("Item", bound=OnPhoto)


def require_moderator_of(item: Item | None) -> tuple[Item, User]:
    """The item and the signed-in account if it moderates the item's photo's institution.

    Visitors are sent to sign in first, even for an item that does not exist, so that nobody learns
    which numbers exist; a missing item is then 404 for everyone, and another institution's is 403.
    """
    if item is None:
        if not current_user.is_authenticated:
            abort(login_manager.unauthorized())
        abort(404)
    return item, require_moderator(item.photo.institution_id)


def require_staff() -> User:
    """The signed-in archivist or admin; the sign-in page for visitors, 403 for patrons."""
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    if not current_user.is_staff:
        abort(403)
    return current_user._get_current_object()  # type: ignore[no-any-return]


def require_institution_staff() -> User:
    """The signed-in admin, or an archivist of at least one institution; sign-in or 403 otherwise."""
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    user: User = current_user._get_current_object()
    if not (user.is_admin or (user.role == "archivist" and user.institutions)):
        abort(403)
    return user
