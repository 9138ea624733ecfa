"""Signed links emailed to an account's owner: reset the password, prove the email, confirm a new one.

A link carries a token signed with the site's secret (itsdangerous), holding the account id and
what must still be true when it is opened; nothing is stored for it. So:

* a **reset** link holds the account's ``reset_count`` and a fingerprint of its password hash:
  sending a newer link (the count goes up) or changing the password (by this link or any other
  way) ends it, which also makes it single-use; it expires after ``RESET_TOKEN_SECONDS`` (1 hour);
* a **verify** link holds the address it was sent to, and works while the account still has that
  address, for ``UNVERIFIED_DAYS``;
* an **email change** link holds the new address, and works while that is the account's
  ``pending_email``, for a day.

:func:`read` answers the account, or raises :class:`LinkGone` with what the person should do.
"""
from __future__ import annotations

import hashlib
import time
from typing import Literal

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from photoid.accounts.models import User
from photoid.extensions import db

Purpose = Literal["reset", "verify", "email"]
_SALTS = {"reset": "photoid-password-reset", "verify": "photoid-verify-email", "email": "photoid-change-email"}
EMAIL_CHANGE_SECONDS = 24 * 3600


class LinkGone(ValueError):
    """The link cannot be used (unknown, expired, used or replaced); the message says what to do."""


def _now() -> float:
    """The current time in seconds; tests replace it to move the clock."""
    return time.time()


def max_age(purpose: Purpose) -> int:
    """How many seconds a link of this kind works."""
    config = current_app.config
    if purpose == "reset":
        return int(config["RESET_TOKEN_SECONDS"])
    if purpose == "verify":
        return int(config["UNVERIFIED_DAYS"]) * 24 * 3600
    return EMAIL_CHANGE_SECONDS


def _serializer(purpose: Purpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALTS[purpose])


def _fingerprint(value: str) -> str:
    # The token is readable (only signed) and links end up in logs, so it holds a short digest,
    # never an address or a password hash itself.
    return hashlib.sha256(value.encode()).hexdigest()[:20]


def _binding(user: User, purpose: Purpose) -> list[object]:
    if purpose == "reset":
        return [user.reset_count, _fingerprint(user.password_hash)]
    if purpose == "verify":
        return [_fingerprint(user.email)]
    return [_fingerprint(user.pending_email or "")]


def make(user: User, purpose: Purpose) -> str:
    """A signed token for the account (the caller puts it in a link). Changes nothing."""
    return str(_serializer(purpose).dumps([user.id, *_binding(user, purpose)]))


GONE = {
    "reset": "This password reset link has expired or has already been used. Links work once, for an hour, "
             "and only the newest link works. Please ask for a new link below.",
    "verify": "This confirmation link has expired or no longer matches your account's email. "
              "Sign in and send yourself a new link from your account page.",
    "email": "This link to confirm a new email address has expired or was replaced by a newer one. "
             "Your account still uses its previous address. You can ask again from your account page.",
}


def read(token: str, purpose: Purpose) -> User:
    """The account a token names, if the token is genuine, fresh and still matches the account.

    Reads only. Raises LinkGone otherwise (forged or cut-short token, too old, a newer link sent,
    the password or address changed since, or the account deleted or suspended).
    """
    try:
        payload, signed_at = _serializer(purpose).loads(token, return_timestamp=True)
    except BadSignature:
        raise LinkGone(GONE[purpose]) from None
    if not isinstance(payload, list) or not payload or not isinstance(payload[0], int):
        raise LinkGone(GONE[purpose])
    if _now() - signed_at.timestamp() > max_age(purpose):
        raise LinkGone(GONE[purpose])
    user = db.session.get(User, payload[0]) if 0 < payload[0] < 2**63 else None
    if user is None or not user.is_active or payload[1:] != _binding(user, purpose):
        raise LinkGone(GONE[purpose])
    return user
