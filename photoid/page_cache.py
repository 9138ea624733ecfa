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

With Redis configured (``PHOTOID_REDIS_URL``) the workers also share what they rendered: a crawler
or a burst spread over many photos costs one render per page rather than one per worker. Redis
being away only costs the sharing (pages are rendered, a warning is logged), never an answer.
"""
from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from typing import Any, NamedTuple

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


_VERSION = select(DataVersion.version).where(DataVersion.id == 1)


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


class Kept(NamedTuple):
    body: bytes
    mimetype: str
    #: When it was rendered (the wall clock: the one clock every worker, on any machine, shares).
    rendered_at: float


class LocalPages:
    """The pages this worker rendered, the least recently served dropped first."""

    def __init__(self) -> None:
        self._pages: OrderedDict[tuple[Any, ...], Kept] = OrderedDict()
        self._lock = threading.Lock()  # the development server answers on threads

    def get(self, key: tuple[Any, ...], max_age: float) -> Kept | None:
        with self._lock:
            found = self._pages.get(key)
            if found is None or time.time() - found.rendered_at >= max_age:
                return None
            self._pages.move_to_end(key)
            return found

    def put(self, key: tuple[Any, ...], page: Kept, entries: int) -> None:
        with self._lock:
            self._pages[key] = page
            while len(self._pages) > entries:
                self._pages.popitem(last=False)


class SharedPages:
    """Pages every worker rendered, in Redis, each expiring after ``PAGE_CACHE_SECONDS``."""

    #: After a failure, how long to render without asking Redis, so an outage costs one timeout, not one per request.
    PAUSE_SECONDS = 30.0

    def __init__(self, url: str, *, site: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=0.25, socket_connect_timeout=0.25)
        self._paused_until = 0.0
        # Sites sharing one Redis (a staging copy beside production) count data versions of their own.
        self._prefix = "photoid:page:" + hashlib.sha256(site.encode()).hexdigest()[:16] + ":"

    def _name(self, key: tuple[Any, ...]) -> str:
        return self._prefix + hashlib.sha256(repr(key).encode()).hexdigest()

    def _call(self, action: str, *args: Any, **kwargs: Any) -> Any:
        if time.monotonic() < self._paused_until:
            return None
        try:
            return getattr(self._redis, action)(*args, **kwargs)
        except Exception as error:  # any Redis or network failure: render instead
            self._paused_until = time.monotonic() + self.PAUSE_SECONDS
            logging.getLogger(__name__).warning("Pages are not shared between workers for %d s: Redis failed (%s)",
                                                self.PAUSE_SECONDS, error)
            return None

    def get(self, key: tuple[Any, ...]) -> Kept | None:
        raw = self._call("get", self._name(key))
        if raw is None:
            return None
        try:
            rendered_at, mimetype, body = raw.split(b"\n", 2)
            return Kept(body, mimetype.decode(), float(rendered_at))
        except ValueError:  # not a page of ours
            return None

    def put(self, key: tuple[Any, ...], page: Kept, max_age: float) -> None:
        head = f"{page.rendered_at!r}\n{page.mimetype}\n".encode()
        self._call("set", self._name(key), head + page.body, px=max(1, int(max_age * 1000)))


def _current_version() -> int | None:
    # On its own autocommit connection, not the request's session: a kept page is then one
    # statement away (no BEGIN and ROLLBACK around it, half the round trips on PostgreSQL).
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        return connection.scalar(_VERSION)


def init_app(app: Flask) -> None:
    track_changes(db.engine)
    local = LocalPages()
    site = f'{app.config["SQLALCHEMY_DATABASE_URI"]} {app.config["SECRET_KEY"]}'
    shared = SharedPages(app.config["REDIS_URL"], site=site) if app.config.get("REDIS_URL") else None

    @app.before_request
    def _serve_from_cache() -> Response | None:
        entries = current_app.config.get("PAGE_CACHE_ENTRIES", 1000)
        if (not entries or request.method != "GET" or request.endpoint not in CACHED_ENDPOINTS
                or session or current_user.is_authenticated):
            return None
        version = _current_version()
        if version is None:
            return None
        key = (request.root_url, request.full_path, version)
        found = local.get(key, current_app.config.get("PAGE_CACHE_SECONDS", 60))
        if found is None and shared is not None:
            found = shared.get(key)
            if found is not None:
                local.put(key, found, entries)
        if found is not None:
            return Response(found.body, mimetype=found.mimetype, headers={"X-Page-Cache": "hit"})
        g.page_cache_key = key
        return None

    @app.after_request
    def _keep(response: Response) -> Response:
        key = g.pop("page_cache_key", None)
        if (key is None or response.status_code != 200 or response.direct_passthrough or session.modified
                or "Set-Cookie" in response.headers):
            return response
        page = Kept(response.get_data(), response.mimetype or "text/html", time.time())
        local.put(key, page, current_app.config.get("PAGE_CACHE_ENTRIES", 1000))
        if shared is not None:
            shared.put(key, page, current_app.config.get("PAGE_CACHE_SECONDS", 60))
        response.headers["X-Page-Cache"] = "miss"
        return response
