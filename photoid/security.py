"""Security headers on every response, and the check for safe ``next=`` redirects."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, abort, request

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


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        embeddable = request.path.startswith(EMBED_PREFIX)
        response.headers.setdefault(
            "Content-Security-Policy", EMBED_CONTENT_SECURITY_POLICY if embeddable else CONTENT_SECURITY_POLICY
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if not embeddable:
            response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


def refuse_nul_characters(app: Flask) -> None:
    """A NUL character has no place in any text we accept, and PostgreSQL cannot store or compare
    it: refuse it up front with a 400 rather than fail deep inside a query."""

    @app.before_request
    def _no_nul() -> None:
        texts = [value for _, value in [*request.args.items(multi=True), *request.form.items(multi=True)]]
        texts += [upload.filename or "" for _, upload in request.files.items(multi=True)]
        if any("\x00" in text for text in [*texts, request.path]):
            abort(400, "The text you sent contains a character we cannot store (a NUL). Please retype it.")


def is_safe_next(target: str | None) -> bool:
    """True only for a path on this site: ``/photos/3``, never ``//evil``, ``/\\evil`` or ``https:evil``."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if any(ch in target for ch in "\\\r\n\t") or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc
