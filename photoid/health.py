"""``GET /healthz`` for load balancers and monitoring: can this worker reach its database and its
search index? 200 with a small JSON body when it can, 503 (with ``Retry-After``) when it cannot.

Never rate limited, never kept by the page cache (it is not one of its pages), and it uses a
connection of its own rather than the request's session, so it changes nothing and takes no lock.
"""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import text
from whoosh import index as whoosh_index

from photoid.busy import first_line
from photoid.extensions import db, limiter
from photoid.search import index

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)

#: Seconds a load balancer is asked to wait before asking again after a 503.
RETRY_AFTER = 5


def database_state() -> str:
    """"ok", or "unreachable" (logged in one line with the cause)."""
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            if connection.dialect.name == "sqlite":
                connection.exec_driver_sql("PRAGMA schema_version")  # reads the file itself, not only the driver
    except Exception as error:  # noqa: BLE001  (a health check reports every failure, it does not fail itself)
        log.warning("healthz: database unreachable: %s", first_line(error))
        return "unreachable"
    return "ok"


def search_state() -> str:
    """"ok"; "not built" on a new site before ``photoid reindex`` (search says so, the rest works);
    or "unreachable" when an index is there but cannot be opened (logged in one line). With
    ``PHOTOID_SEARCH=postgres`` the index is in the database, whose check covers it."""
    if current_app.config.get("SEARCH") == "postgres":
        return "ok"
    root = Path(current_app.config["INDEX_DIR"])
    link = index.current_path(root)
    try:
        if not link.is_symlink() and not link.exists():
            return "not built"
        opened = whoosh_index.open_dir(str(link.resolve(strict=True)))
        try:
            opened.doc_count()
        finally:
            opened.close()
    except Exception as error:  # noqa: BLE001  (as above: a missing folder, a damaged index, a permission)
        log.warning("healthz: search index unreachable: %s", first_line(error))
        return "unreachable"
    return "ok"


@bp.route("/healthz")
@limiter.exempt
def healthz() -> tuple[Response, int]:
    checks = {"database": database_state(), "search": search_state()}
    healthy = "unreachable" not in checks.values()
    response = jsonify({"status": "ok" if healthy else "unavailable", **checks})
    response.headers["Cache-Control"] = "no-store"
    if not healthy:
        response.headers["Retry-After"] = str(RETRY_AFTER)
    return response, 200 if healthy else 503
