"""``/oai``: the OAI-PMH 2.0 endpoint harvesters call (GET or form-encoded POST, no sign-in)."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, request, url_for

from photoid import links
from photoid.catalog.oai import Settings, respond
from photoid.extensions import csrf

bp = Blueprint("oai", __name__)

XML = "text/xml; charset=utf-8"
HOST_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-]*")


def _repository_id() -> str:
    """PHOTOID_OAI_REPOSITORY_ID, else the site's host name (PHOTOID_SITE_URL's, or the one the
    harvester used), when it looks like one."""
    configured = current_app.config["OAI_REPOSITORY_ID"]
    if configured:
        return str(configured)
    netloc = urlsplit(links.root()).netloc
    host = netloc.rsplit(":", 1)[0] if not netloc.startswith("[") else ""
    return host if HOST_NAME.fullmatch(host) else "localhost"


def _settings() -> Settings:
    config = current_app.config
    return Settings(
        base_url=url_for("oai.endpoint", _external=True),
        site_url=links.root() + "/",
        repository_id=_repository_id(),
        repository_name=config["SITE_NAME"],
        admin_email=config["ADMIN_EMAIL"],
        page_size=max(1, int(config["OAI_PAGE_SIZE"])),
        token_lifetime=int(config["OAI_TOKEN_LIFETIME"]),
        secret_key=config["SECRET_KEY"],
    )


@bp.route("/oai", methods=["GET", "POST"])
@csrf.exempt
def endpoint() -> Response:
    # Harvesters POST without a session, so there is no CSRF token; nothing here changes data.
    pairs = list(request.form.items(multi=True) if request.method == "POST" else request.args.items(multi=True))
    return Response(respond(pairs, _settings()), content_type=XML)
