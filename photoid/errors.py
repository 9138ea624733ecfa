"""Friendly error pages: a clear message and the right status, never a stack trace.

A database that cannot answer now (busy: "database is locked"; disk full; connection refused) is
answered with a 503 and ``Retry-After``, never a 500, and nothing the visitor typed is lost: a form
that was being sent comes back on a page of its own, ready to be sent again (photoid/busy.py).
"""
from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError, TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from photoid import busy
from photoid.extensions import retry_message

log = logging.getLogger(__name__)

MESSAGES = {
    400: "The request could not be understood. Please check what you entered and try again.",
    403: "You do not have permission to do that.",
    404: "We could not find that page. It may have moved, or the address may be mistyped.",
    405: "That action is not available here.",
    413: "That upload is too large.",
    429: "You are going a little fast. Please wait a moment and try again.",
}


def status_for(error: Exception, default: int = 400) -> int:
    """The HTTP status a page answers for a domain error: the ``http_status`` its class declares
    (403 for NotAllowed, 409 for InvalidTransition...), else ``default``. The one mapping; routes
    never test an error's class to pick a status."""
    status = getattr(error, "http_status", default)
    return status if isinstance(status, int) else default


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):  # type: ignore[no-untyped-def]
        message = "Your form expired or was sent from another site. Please reload the page and try again."
        return _render(400, message)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):  # type: ignore[no-untyped-def]
        code = error.code or 500
        if code >= 500:
            return _render(code, "Something went wrong on our side. Please try again later.")
        if code == 429:
            if error.response is not None:
                return error.response  # a page of its own (the registration form, with what was typed)
            return _render(429, retry_message())
        if error.description and error.description != type(error).description:
            return _render(code, error.description)  # a message written for this case: abort(400, "...")
        return _render(code, MESSAGES.get(code, error.description or "That did not work."))


    database_errors: list[type[BaseException]] = [OperationalError, PoolTimeout]
    try:
        import psycopg
    except ImportError:  # pragma: no cover  (psycopg ships with photoid)
        pass
    else:
        database_errors.append(psycopg.OperationalError)  # raised as is by code using a raw connection

    for error_class in database_errors:
        app.register_error_handler(error_class, _database_unavailable)


def _database_unavailable(error: Exception):  # type: ignore[no-untyped-def]
    """503 for a database that cannot answer now; any other OperationalError (SQLite calls a missing
    table one) stays the bug it is: re-raised, so it is logged with its traceback and answered 500."""
    cause = busy.database_trouble(error)
    if cause is None:
        raise error
    log.warning("database %s: %s %s answered 503 (%s)", cause, request.method, request.path, busy.first_line(error))
    return busy.busy_response()


def _render(code: int, message: str):  # type: ignore[no-untyped-def]
    if request.accept_mimetypes.best == "application/json" or request.is_json:
        return {"error": message, "status": code}, code
    return render_template("error.html", code=code, message=message), code
