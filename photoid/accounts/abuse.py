"""Defences against bots and password guessing, with no third-party captcha (no patron data leaves).

* Registration carries a honeypot field that people never see or fill, and a signed time stamp of
  when the form was shown: a form sent back within a few seconds, or days later, is refused.
* Sign-in failures are counted per email address, from whichever address they come. After
  ``LOGIN_LOCKOUT_FAILURES`` failures in ``LOGIN_FAILURE_WINDOW`` seconds the email is locked for
  ``LOGIN_LOCKOUT_SECONDS``, doubling with each further lock up to ``LOGIN_LOCKOUT_MAX_SECONDS``, so
  an attacker can delay a real patron but never lock them out for good. A successful sign-in after
  the lock ends clears everything.

The counters live in the rate limiter's storage (Redis when ``PHOTOID_REDIS_URL`` is set, so every
worker sees the same counts; otherwise this process's memory).
"""
from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from limits.storage import Storage, storage_from_string

#: The honeypot's field name: a plausible one, which form-filling bots like to complete.
HONEYPOT_FIELD = "website"
#: The hidden field with the signed time the registration form was shown.
STARTED_FIELD = "form_started"
MAX_FORM_AGE = 24 * 3600
_SALT = "photoid-register-form"
_EXTENSION = "photoid_abuse_storage"
_PREFIX = "photoid-login"


class RegistrationRefused(ValueError):
    """The registration looked automated; the message is shown to the person (in case they are not a bot)."""


def _now() -> float:
    """The current time in seconds; tests replace it to move the clock."""
    return time.time()


# --- registration --------------------------------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def form_started_token() -> str:
    """A signed stamp of the time the registration form is shown, to put in a hidden field."""
    return _serializer().dumps(int(_now()))


def check_registration(*, honeypot: str | None, started: str | None) -> None:
    """Refuse a registration that a person is unlikely to have sent; changes nothing.

    Raises RegistrationRefused when the honeypot field is filled in, or when the form's signed time
    stamp is missing, forged, older than a day, or less than ``REGISTER_MIN_SECONDS`` old. With
    ``REGISTER_MIN_SECONDS`` set to 0 the time stamp is not required (for tests and tools).
    """
    if (honeypot or "").strip():
        raise RegistrationRefused("We could not create your account because a field meant to stay empty was filled in. "
                                  "Please leave the “Leave this empty” field blank and try again.")
    minimum = float(current_app.config.get("REGISTER_MIN_SECONDS", 3))
    if minimum <= 0 and not started:
        return
    try:
        shown_at = _serializer().loads(started or "", max_age=MAX_FORM_AGE)
    except SignatureExpired:
        raise RegistrationRefused("This form was opened more than a day ago. Please fill it in again below.") from None
    except BadSignature:
        raise RegistrationRefused("This form could not be checked. Please fill it in again below.") from None
    if not isinstance(shown_at, int) or _now() - shown_at < minimum:
        raise RegistrationRefused("That was quicker than we expect from a person. Please check your details "
                                  "and press “Create account” again.")


# --- sign-in lockout ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Lockout:
    """An email locked for failed sign-ins, until ``until`` (seconds since the epoch, UTC)."""

    until: float

    @property
    def minutes_left(self) -> int:
        return max(1, math.ceil((self.until - _now()) / 60))

    @property
    def message(self) -> str:
        at = datetime.fromtimestamp(self.until, tz=timezone.utc).strftime("%H:%M")
        minutes = self.minutes_left
        return (f"There have been too many unsuccessful attempts to sign in to this account, so it is paused for a "
                f"while to keep it safe. Please try again in {minutes} minute{'s' if minutes != 1 else ''} "
                f"(after {at} UTC). If you have forgotten your password, please contact the library.")


def _storage() -> Storage:
    """The limiter's storage backend for this app, made once (Redis when configured)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    storage = app.extensions.get(_EXTENSION)
    if storage is None:
        storage = storage_from_string(app.config.get("RATELIMIT_STORAGE_URI") or "memory://")
        app.extensions[_EXTENSION] = storage
    return storage


def _keys(email: str) -> tuple[str, str, str]:
    # Hashed, so the storage never holds email addresses in clear.
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return f"{_PREFIX}:fail:{digest}", f"{_PREFIX}:lock:{digest}", f"{_PREFIX}:level:{digest}"


def _setting(name: str, default: int) -> int:
    return int(current_app.config.get(name, default))


def current_lockout(email: str) -> Lockout | None:
    """The lock on this email, if one is running now. Reads only."""
    _fail, lock_key, _level = _keys(email)
    until = _storage().get(lock_key)
    return Lockout(until=float(until)) if until and until > _now() else None


def record_failure(email: str) -> Lockout | None:
    """Count a failed sign-in for the email; returns the new lock when this failure starts one.

    Changes the counters in the limiter storage: the failure count (kept for the failure window),
    and on reaching the threshold the lock (5 minutes by default, doubling per lock within a day,
    at most an hour) while the failure count starts again. Raises nothing.
    """
    fail_key, lock_key, level_key = _keys(email)
    storage = _storage()
    failures = storage.incr(fail_key, _setting("LOGIN_FAILURE_WINDOW", 900))
    if failures < _setting("LOGIN_LOCKOUT_FAILURES", 10):
        return None
    level = storage.incr(level_key, 24 * 3600)
    seconds = min(_setting("LOGIN_LOCKOUT_SECONDS", 300) * 2 ** (level - 1), _setting("LOGIN_LOCKOUT_MAX_SECONDS", 3600))
    until = int(_now() + seconds)
    storage.clear(fail_key)
    storage.clear(lock_key)
    storage.incr(lock_key, int(seconds) + 60, amount=until)  # the value is the end of the lock
    return Lockout(until=until)


def clear_failures(email: str) -> None:
    """Forget the email's failures, lock and lock level after a successful sign-in. Raises nothing."""
    storage = _storage()
    for key in _keys(email):
        storage.clear(key)
