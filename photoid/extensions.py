"""Flask extensions, created unbound here and bound to the app in create_app()."""
from __future__ import annotations

import math
import time

from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from photoid.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = "Please sign in to continue."
login_manager.login_message_category = "info"


# Addresses: ``get_remote_address`` is the request's remote address, which is the visitor's own once
# ProxyFix has read the X-Forwarded-For of the PHOTOID_PROXIES trusted proxies (photoid/__init__.py);
# without it, behind nginx, every visitor would be nginx and share one allowance.

def account_or_address() -> str:
    """Rate-limit key: the signed-in account, else the client address."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"addr:{get_remote_address()}"


limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)


def wait_in_words(seconds: float) -> str:
    """How long to wait, as a person would say it: "in about 50 minutes", "in less than a minute"."""
    if seconds < 60:
        return "in less than a minute"
    minutes = math.ceil(seconds / 60)
    if minutes == 1:
        return "in about a minute"
    if minutes <= 90:
        return f"in about {minutes} minutes"
    hours = round(minutes / 60)
    return f"in about {hours} hours"


def retry_message(limit: RequestLimit | None = None) -> str:
    """What a 429 says: that the visitor is going fast, and in words when they can try again (the
    breached limit's window, or ``limit``'s)."""
    limit = limit or limiter.current_limit
    if limit is None or not limit.breached:  # a 429 of our own making (abort), not the limiter's
        return "You are going a little fast. Please wait a moment and try again."
    return f"You are going a little fast. Please try again {wait_in_words(limit.reset_at - time.time())}."
