"""Finished HTML of the public pages for visitors who are not signed in, kept until the data changes.

When a local newspaper links to a photo, thousands of visitors who are not signed in ask for
the same page, and rendering it (six queries and a large template) is most of what the server
does. Each worker keeps the pages it rendered for them, keyed by address and by the database's
*data version*: one counter row that every transaction changing any table raises in the same
commit. A page is therefore never served older than the last committed change: an approval,
a new comment or a renamed contributor shows at once. Signed-in visitors, anyone with something
in their session (a flash message) and any response that sets a cookie are never cached.
``PAGE_CACHE_ENTRIES`` (0 turns it off) bounds each worker's store and ``PAGE_CACHE_SECONDS`` how
long a page may be kept at most, for the few words that depend on the clock alone.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any

from flask import Flask, Response, current_app, g, request, session
from flask_login import current_user
from sqlalchemy import event, inspect, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Mapped, mapped_column

from photoid.db import Base
from photoid.extensions import db

#: The pages a burst of visitors from outside lands on.
CACHED_ENDPOINTS = frozenset({
    "photos.home", "photos.collection", "photos.photo", "campaigns.show", "campaigns.embed", "sharing.embed_photo",
})
_WRITES = ("INSERT", "UPDATE", "DELETE")
_WROTE = "photoid_wrote"


class DataVersion(Base):
    """One row whose ``version`` rises with every committed change to the database."""

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=0)


@event.listens_for(DataVersion.__table__, "after_create")
def _first_row(target: Any, connection: Connection, **_kw: Any) -> None:
    connection.execute(target.insert().values(id=1, version=0))


def track_changes(engine: Engine) -> None:
    """Raise the data version inside every transaction that inserted, updated or deleted a row."""
    table_found = False

    @event.listens_for(engine, "before_cursor_execute")
    def _note_write(conn: Connection, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool) -> None:
        nonlocal table_found
        verb = statement.lstrip()[:6].upper()
        if verb.startswith(("CREATE", "DROP", "ALTER")):
            table_found = False  # the schema changed (a migration): look for the table again
            return
        compiled_write = context is not None and (context.isinsert or context.isupdate or context.isdelete)
        if (compiled_write or verb in _WRITES) and DataVersion.__tablename__ not in statement:
            conn.info[_WROTE] = True

    @event.listens_for(engine, "commit")
    def _raise_version(conn: Connection) -> None:
        nonlocal table_found
        if not conn.info.pop(_WROTE, False):
            return
        # Until the table exists (an old database being migrated) there is nothing to raise.
        if not table_found and not inspect(conn).has_table(DataVersion.__tablename__):
            return
        table_found = True
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute("UPDATE data_version SET version = version + 1 WHERE id = 1")
        finally:
            cursor.close()

    @event.listens_for(engine, "rollback")
    def _forget(conn: Connection) -> None:
        conn.info.pop(_WROTE, None)


def _store() -> OrderedDict[tuple[Any, ...], tuple[float, bytes, str]]:
    return current_app.extensions.setdefault("page_cache", OrderedDict())


_lock = threading.Lock()  # the development server answers on threads


def init_app(app: Flask) -> None:
    track_changes(db.engine)

    @app.before_request
    def _serve_from_cache() -> Response | None:
        entries = current_app.config.get("PAGE_CACHE_ENTRIES", 1000)
        if (not entries or request.method != "GET" or request.endpoint not in CACHED_ENDPOINTS
                or session or current_user.is_authenticated):
            return None
        version = db.session.scalar(select(DataVersion.version).where(DataVersion.id == 1))
        if version is None:
            return None
        key = (request.root_url, request.full_path, version)
        store = _store()
        with _lock:
            found = store.get(key)
            if found:
                store.move_to_end(key)
        if found and time.monotonic() - found[0] < current_app.config.get("PAGE_CACHE_SECONDS", 60):
            return Response(found[1], mimetype=found[2], headers={"X-Page-Cache": "hit"})
        g.page_cache_key = key
        return None

    @app.after_request
    def _keep(response: Response) -> Response:
        key = g.pop("page_cache_key", None)
        if (key is None or response.status_code != 200 or response.direct_passthrough or session.modified
                or "Set-Cookie" in response.headers):
            return response
        store = _store()
        with _lock:
            store[key] = (time.monotonic(), response.get_data(), response.mimetype or "text/html")
            while len(store) > current_app.config.get("PAGE_CACHE_ENTRIES", 1000):
                store.popitem(last=False)
        response.headers["X-Page-Cache"] = "miss"
        return response
