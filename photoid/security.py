"""Security headers on every response, and the check for safe ``next=`` redirects."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response

# No inline script anywhere: every script is a file under /static. The one style hash is the
# small <style> OpenSeadragon 6.1.1 adds for touch screens (it changes when OpenSeadragon does).
OPENSEADRAGON_STYLE = "'sha256-9xTiqzfwFaL2SGb1rmr8gysEwVVjIvqWAgmZgqFqpEE='"
CONTENT_SECURITY_POLICY = (
    f"default-src 'self'; img-src 'self' data: blob:; script-src 'self'; style-src 'self' {OPENSEADRAGON_STYLE}; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
)


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


def is_safe_next(target: str | None) -> bool:
    """True only for a path on this site: ``/photos/3``, never ``//evil``, ``/\\evil`` or ``https:evil``."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if any(ch in target for ch in "\\\r\n\t") or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc
