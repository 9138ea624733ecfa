"""Security headers on every response, the refusal of text we could never store, and the check
for safe ``next=`` redirects."""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Request, Response, abort, jsonify, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask.typing import ResponseReturnValue

# No inline script anywhere: every script is a file under /static. The one style hash is the
# small <style> OpenSeadragon 6.1.1 adds for touch screens (it changes when OpenSeadragon does).
OPENSEADRAGON_STYLE = "'sha256-9xTiqzfwFaL2SGb1rmr8gysEwVVjIvqWAgmZgqFqpEE='"
CONTENT_SECURITY_POLICY = (
    f"default-src 'self'; img-src 'self' data: blob:; script-src 'self'; style-src 'self' {OPENSEADRAGON_STYLE}; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
)
#: Embed cards (``/embed/...``) are made to be framed by any site; nothing else may be.
EMBED_PREFIX = "/embed/"
EMBED_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace("frame-ancestors 'self'", "frame-ancestors *")


#: The headers every response carries unless its view set them itself: (lower-case name, name, value).
PAGE_HEADERS = tuple((name.lower(), name, value) for name, value in (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "SAMEORIGIN"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
))
#: An embed card's: framed by any site, so no X-Frame-Options.
EMBED_HEADERS = tuple((lower, name, EMBED_CONTENT_SECURITY_POLICY if lower == "content-security-policy" else value)
                      for lower, name, value in PAGE_HEADERS if lower != "x-frame-options")


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        # The names present are read once: five setdefault calls each searched every header (a tenth
        # of a millisecond on every response).
        present = {name.lower() for name, _ in response.headers.to_wsgi_list()}
        wanted = EMBED_HEADERS if request.path.startswith(EMBED_PREFIX) else PAGE_HEADERS
        response.headers.extend([(name, value) for lower, name, value in wanted if lower not in present])
        return response


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, the signer made only for a request that brings a cookie.

    Flask builds its signer (itsdangerous, about sixty Python calls) before it looks for the cookie;
    most visitors to public pages send none, and get the same empty session without it."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


#: A NUL, which PostgreSQL cannot store or compare, and a lone surrogate (half of a UTF-16 pair,
#: which a JSON body can carry as ``"\ud800"`` or as raw bytes), which cannot be written as UTF-8
#: at all: not to the database, a page, a log or the page cache.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_MESSAGE = ("The text you sent contains a character we cannot store (a NUL or half of a "
                      "character pair). Please retype it.")
#: The only addresses that read JSON bodies (the annotation API, docs/api.md). Elsewhere a JSON
#: body would reach the forms as if typed, numbers and lists included, so it is refused.
JSON_PREFIX = "/api/"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: JSON bodies up to this size are checked here; the annotation API refuses anything over 64 KB.
JSON_CHECK_BYTES = 64 * 1024


def _json_strings(document: Any) -> Iterator[str]:
    """Every key and string value in a JSON document, without recursion (bodies can nest deeply)."""
    stack = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def refuse_nul_characters(app: Flask) -> None:
    """Text we could never store is refused up front with a 400 rather than failing deep inside a
    query or a template: a NUL or a lone surrogate anywhere in the address, the query, the form,
    a file name or a JSON body. A JSON body sent to a form address is refused too (415).
    The refusal is JSON for a JSON request, else the error page; nothing is read or written."""

    @app.before_request
    def _no_unstorable_text() -> ResponseReturnValue | None:
        texts = [value for _, value in [*request.args.items(multi=True), *request.form.items(multi=True)]]
        texts += [upload.filename or "" for _, upload in request.files.items(multi=True)]
        if request.method in WRITE_METHODS and request.path.startswith(JSON_PREFIX):
            if 0 < (request.content_length or 0) <= JSON_CHECK_BYTES:  # larger ones the API refuses itself
                texts += _json_strings(request.get_json(force=True, silent=True))  # as the API reads it
        elif request.method in WRITE_METHODS and request.is_json:
            return _refuse(415, "This address takes a form, not JSON. Please send the form's fields instead.")
        if any(UNSTORABLE.search(text) for text in [*texts, request.path]):
            return _refuse(400, UNSTORABLE_MESSAGE)
        return None


def _refuse(status: int, message: str) -> ResponseReturnValue:
    if request.is_json or request.accept_mimetypes.best == "application/json":
        return jsonify({"error": message, "status": status}), status
    abort(status, message)


def is_safe_next(target: str | None) -> bool:
    """True only for a path on this site: ``/photos/3``, never ``//evil``, ``/\\evil`` or ``https:evil``."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if any(ch in target for ch in "\\\r\n\t") or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc
