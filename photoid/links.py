"""Absolute links: on the site's configured address, never on whatever Host a request names.

Feeds, canonical and Open Graph tags, oEmbed, sitemaps, OAI-PMH, IIIF and emails hold absolute
links that others keep (a feed reader, a harvester, a preview cached by a social site) and that
pages send with ``Cache-Control: public``. Built from the request, a request with
``Host: evil.example`` would hand out links to evil.example. So when ``PHOTOID_SITE_URL`` is set
(``USE_SITE_URL``), every absolute link is built on it: ``url_for(..., _external=True)`` (the app's
``url_for``, see ``SiteUrlFlask``) and ``root()`` for the few links made by hand. Without it (a
development server, the tests) links follow the request, as before; outside a request they use
``SITE_URL`` (default ``http://localhost:5000``). ``PHOTOID_TRUSTED_HOSTS`` additionally refuses
other Host headers with a 400 (Flask's ``TRUSTED_HOSTS``).
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, has_request_context, request
from werkzeug.exceptions import SecurityError
from werkzeug.routing import MapAdapter
from werkzeug.wrappers import Request, Response


def uses_site_url() -> bool:
    """Whether absolute links use ``SITE_URL`` whatever the request's Host (PHOTOID_SITE_URL is set)."""
    return bool(current_app.config["USE_SITE_URL"])


def root() -> str:
    """The address (no trailing slash) that the paths ``url_for`` gives are appended to: ``SITE_URL``
    when it is set or outside a request, else the request's scheme and host."""
    if has_request_context() and not uses_site_url():
        return request.host_url.rstrip("/")
    site = str(current_app.config["SITE_URL"]).rstrip("/")
    # In a request, url_for's paths already start with the script root (a site mounted at /photos):
    # a SITE_URL naming the same path must not double it.
    if has_request_context() and request.script_root and site.endswith(request.script_root):
        return site[: -len(request.script_root)]
    return site


def base_url() -> str:
    """The address of the site's home page, ending in ``/`` (exports and manifests build on it)."""
    return root() + (request.script_root if has_request_context() else "") + "/"


def host_names() -> set[str]:
    """Host names (with port) that count as this site: the configured one, and the request's unless
    ``SITE_URL`` is set."""
    hosts = {urlsplit(str(current_app.config["SITE_URL"])).netloc.lower()}
    if has_request_context() and not uses_site_url():
        hosts.add(request.host.lower())
    return hosts


class SiteUrlFlask(Flask):
    """Flask, building external addresses on ``SITE_URL`` when it is set (and outside requests)."""

    def url_for(self, endpoint: str, *, _anchor: str | None = None, _method: str | None = None,
                _scheme: str | None = None, _external: bool | None = None, **values: Any) -> str:
        if _external and _scheme is None and has_request_context() and self.config["USE_SITE_URL"]:
            path = super().url_for(endpoint, _anchor=_anchor, _method=_method, _external=False, **values)
            return root() + path
        return super().url_for(endpoint, _anchor=_anchor, _method=_method, _scheme=_scheme,
                               _external=_external, **values)

    def create_url_adapter(self, request: Request | None) -> MapAdapter | None:
        adapter = super().create_url_adapter(request)
        if adapter is None and request is None:
            # Outside a request (a command, a mail sent by a job): links on SITE_URL instead of an error.
            parts = urlsplit(str(self.config["SITE_URL"]))
            adapter = self.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "http")
        return adapter


def refuse_untrusted_hosts(app: Flask) -> None:
    """Answer a Host header outside ``TRUSTED_HOSTS`` with a plain 400: the error page cannot be
    rendered, since every link on it would need the host being refused."""

    @app.errorhandler(SecurityError)
    def _untrusted(_error: SecurityError) -> Response:
        return Response("400 Bad Request: this site does not answer to that host name.\n", status=400,
                        mimetype="text/plain")
