"""Defences against bots and password guessing, with no third-party captcha (no patron data leaves).

* Registration carries a honeypot field that people never see or fill, and a signed time stamp of
  when the form was shown: a form sent back within a few seconds, or days later, is refused. The
  stamp names the browser session it was given to and is taken once: a stamp copied into another
  session, or sent a second time, is refused (the form comes back with what was typed).
* Sign-in failures are counted per email address, from whichever address they come. After
  ``LOGIN_LOCKOUT_FAILURES`` failures in ``LOGIN_FAILURE_WINDOW`` seconds the email is locked for
  ``LOGIN_LOCKOUT_SECONDS``, doubling with each further lock up to ``LOGIN_LOCKOUT_MAX_SECONDS``, so
  an attacker can delay a real patron but never lock them out for good. A successful sign-in after
  the lock ends clears everything, and so does a password reset from the emailed link: the owner,
  proving the email, gets in at once (``clear_failures``). The pause follows the email, not the
  address, so guesses spread over many addresses are slowed too; the per-address limits on /login
  (behind a proxy, per visitor: PHOTOID_PROXIES) slow one address guessing many emails.

The counters and the used stamps live in the rate limiter's storage: Redis when
``PHOTOID_REDIS_URL`` is set, so every worker and every server sees the same counts; otherwise this
worker process's memory, so each worker counts on its own. Keys start with ``RATELIMIT_KEY_PREFIX``.
"""
from __future__ import annotations

import hashlib
import math
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from flask import current_app, session
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from limits.storage import Storage, storage_from_string

MAX_FORM_AGE = 24 * 3600
_SALT = "photoid-register-form"
_EXTENSION = "photoid_abuse_storage"
#: The session's own key, which every stamp given to that session carries.
_SESSION_KEY = "register_form_key"


class RegistrationRefused(ValueError):
    """The registration looked automated; the message is shown to the person (in case they are not a bot)."""


def _now() -> float:
    """The current time in seconds; tests replace it to move the clock."""
    return time.time()


# --- registration --------------------------------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _session_key() -> str:
    key = session.get(_SESSION_KEY)
    if not isinstance(key, str) or not key:
        key = session[_SESSION_KEY] = secrets.token_urlsafe(16)
    return key


def form_started_token() -> str:
    """A signed stamp for the registration form's hidden field: when it was shown, the session it was
    shown in, and a random name by which it is taken once. Sets the session's key if it has none."""
    return _serializer().dumps([int(_now()), _session_key(), secrets.token_urlsafe(12)])


def check_registration(*, honeypot: str | None, started: str | None) -> None:
    """Refuse a registration that a person is unlikely to have sent; changes nothing.

    Raises RegistrationRefused when the honeypot field is filled in, or when the form's signed time
    stamp is missing, forged, older than a day, given to another session, less than
    ``REGISTER_MIN_SECONDS`` old, or already used. A stamp that passes every check is marked used
    (in the limiter storage, for a day). With ``REGISTER_MIN_SECONDS`` set to 0 the time stamp is not
    required (for tests and tools).
    """
    if (honeypot or "").strip():
        raise RegistrationRefused("We could not create your account because a field meant to stay empty was filled in. "
                                  "Please leave the “Leave this empty” field blank and try again.")
    minimum = float(current_app.config["REGISTER_MIN_SECONDS"])
    if minimum <= 0 and not started:
        return
    try:
        shown_at = _serializer().loads(started or "", max_age=MAX_FORM_AGE)
    except SignatureExpired:
        raise RegistrationRefused("This form was opened more than a day ago. Please fill it in again below.") from None
    except BadSignature:
        raise RegistrationRefused("This form could not be checked. Please fill it in again below.") from None
    if not (isinstance(shown_at, list) and len(shown_at) == 3 and all(isinstance(part, (int, str)) for part in shown_at)):
        raise RegistrationRefused("This form could not be checked. Please fill it in again below.")
    shown_at, session_key, name = shown_at
    if session_key != session.get(_SESSION_KEY):
        raise RegistrationRefused("This form was opened in another browser or session, so we could not check it. "
                                  "Please check your details and press “Create account” again.")
    if not isinstance(shown_at, int) or _now() - shown_at < minimum:
        raise RegistrationRefused("That was quicker than we expect from a person. Please check your details "
                                  "and press “Create account” again.")
    if _storage().incr(f"{_prefix()}:stamp:{name}", MAX_FORM_AGE) > 1:
        raise RegistrationRefused("This form was already sent once. Please check your details "
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
                f"(after {at} UTC). If you have forgotten your password, choose “Forgot your password?” below: "
                "the link we email you also ends this pause.")


def _storage() -> Storage:
    """The limiter's storage backend for this app, made once (Redis when configured)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    storage = app.extensions.get(_EXTENSION)
    if storage is None:
        storage = storage_from_string(app.config["RATELIMIT_STORAGE_URI"])
        app.extensions[_EXTENSION] = storage
    return storage


def _prefix() -> str:
    """Where this site's keys start: two sites sharing one Redis keep their counts apart."""
    return f"{current_app.config['RATELIMIT_KEY_PREFIX'] or 'photoid'}:abuse"


def _keys(email: str) -> tuple[str, str, str]:
    # Hashed, so the storage never holds email addresses in clear.
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    prefix = _prefix()
    return f"{prefix}:fail:{digest}", f"{prefix}:lock:{digest}", f"{prefix}:level:{digest}"


def _setting(name: str) -> int:
    return int(current_app.config[name])


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
    failures = storage.incr(fail_key, _setting("LOGIN_FAILURE_WINDOW"))
    if failures < _setting("LOGIN_LOCKOUT_FAILURES"):
        return None
    level = storage.incr(level_key, 24 * 3600)
    seconds = min(_setting("LOGIN_LOCKOUT_SECONDS") * 2 ** (level - 1), _setting("LOGIN_LOCKOUT_MAX_SECONDS"))
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
