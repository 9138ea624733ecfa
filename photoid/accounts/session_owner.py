"""Which account a browser's session belonged to, once that account's sessions have been ended.

Suspending an account gives it a new ``login_id``, which signs it out of every browser at once, so
Flask-Login then sees a visitor who is not signed in. The JSON API still owes that browser a 403
("your account cannot contribute", docs/api.md) rather than a 401 ("please sign in"), so the
account id is kept in the session at sign-in. The session cookie is signed: it cannot be edited
to name another account.
"""
from __future__ import annotations

from typing import Any

from flask import Flask, session
from flask_login import user_logged_in

from photoid.accounts.models import User
from photoid.extensions import db

KEY = "account_id"


def remember_account_at_sign_in(app: Flask) -> None:
    """From now on, every sign-in on ``app`` notes the account's id in the session."""
    user_logged_in.connect(_remember, app)


def _remember(_app: Flask, user: Any = None, **_extra: Any) -> None:
    if isinstance(user, User):
        session[KEY] = user.id


def suspended_owner() -> User | None:
    """The suspended account this browser last signed in as, if that is why it is signed out. Reads only."""
    account_id = session.get(KEY)
    if not isinstance(account_id, int):
        return None
    account = db.session.get(User, account_id)
    return account if account is not None and account.suspended_at is not None else None
