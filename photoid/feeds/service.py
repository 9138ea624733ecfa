"""Writes for the feeds: the per-user token that opens a staff member's queue feed."""
from __future__ import annotations

import secrets

from photoid.accounts.models import User
from photoid.audit import record_event
from photoid.db import unit_of_work


class FeedTokenRefused(Exception):
    """Only staff have a queue feed; the message is shown to the user."""


@unit_of_work
def reset_feed_token(user: User) -> str:
    """Give ``user`` a new random queue-feed token, so any earlier feed address stops working.

    Changes ``User.feed_token`` and adds an audit row (without the token itself); commits once.
    Raises FeedTokenRefused when the account is not staff or is suspended.
    """
    if not user.is_staff or not user.is_active:
        raise FeedTokenRefused("Only archivists and administrators have a moderation queue feed.")
    had_token = user.feed_token is not None
    user.feed_token = secrets.token_urlsafe(32)
    record_event(actor=user, action="feed_token_reset", target=user, before={"had_token": had_token}, after={"had_token": True})
    return user.feed_token
