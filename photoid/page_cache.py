"""Finished HTML of the public pages for visitors who are not signed in, kept until the data changes.

When a local newspaper links to a photo, thousands of visitors who are not signed in ask for
the same page, and rendering it (four queries and a large template) is most of what the server
does. Each worker keeps the pages it rendered for them, keyed by address and by the versions of
what the page shows (photoid/page_versions.py): a photo's page by its photo's version and the
site's, a list page by the lists' version and the site's. Every transaction that changes what a
public page renders raises those versions in the same commit, so a page is never served older
than the last committed change (an approval, a new comment or a renamed contributor shows at
once), while a sign-in, a vote on another photo or a notification read ends no page. Only visitors with no session or
remember-me cookie get kept pages (signed-in patrons and anyone with a flash message waiting
always get their own), and a response that sets a cookie is never kept.
``PAGE_CACHE_ENTRIES`` (0 turns it off) bounds each worker's store and ``PAGE_CACHE_SECONDS`` how
long a page may be kept at most, for the few words that depend on the clock alone.

Kept pages are answered in front of Flask (``KeptPages`` wraps the WSGI app): a visitor's request
costs a route match, one read of its versions and a dictionary lookup, not a request context,
session and hooks. The headers are kept with the body, exactly as they were first sent.

With Redis configured (``PHOTOID_REDIS_URL``) the workers also share what they rendered: a crawler
or a burst spread over many photos costs one render per page rather than one per worker. Redis
being away only costs the sharing (pages are rendered, a warning is logged), never an answer.
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from typing import Any, Callable, Iterable, NamedTuple

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, SecurityError

from photoid import page_versions
from photoid.extensions import db

#: The pages a burst of visitors from outside lands on: one photo's, and those listing photos.
_PHOTO_PAGES = frozenset({"photos.photo", "sharing.embed_photo"})
_LIST_PAGES = frozenset({"photos.home", "photos.collection", "campaigns.show", "campaigns.embed"})
CACHED_ENDPOINTS = _PHOTO_PAGES | _LIST_PAGES


def scopes_for(endpoint: str, values: dict[str, Any]) -> tuple[str, ...]:
    """The versions a kept page of ``endpoint`` is keyed by: what every page shows, and its photo or the lists."""
    if endpoint in _PHOTO_PAGES:
        return (page_versions.SITE, page_versions.photo_scope(values["photo_id"]))
    return (page_versions.SITE, page_versions.LISTS)


class Kept(NamedTuple):
    body: bytes
    #: The headers first sent with it, but its length (given again with every answer).
    headers: tuple[tuple[str, str], ...]
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
        # Sites sharing one Redis (a staging copy beside production) count data versions of their own;
        # "v2": pages kept with their headers (a v1 entry, kept by an older release, is not read).
        self._prefix = "photoid:page:v2:" + hashlib.sha256(site.encode()).hexdigest()[:16] + ":"

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
            rendered_at, headers, body = raw.split(b"\n", 2)
            return Kept(body, tuple((str(name), str(value)) for name, value in json.loads(headers)), float(rendered_at))
        except (ValueError, TypeError):  # not a page of ours
            return None

    def put(self, key: tuple[Any, ...], page: Kept, max_age: float) -> None:
        head = f"{page.rendered_at!r}\n{json.dumps(page.headers)}\n".encode()
        self._call("set", self._name(key), head + page.body, px=max(1, int(max_age * 1000)))


_NOT_REPEATED = frozenset({"content-length", "x-page-cache"})
StartResponse = Callable[..., Any]


class KeptPages:
    """The WSGI app in front of Flask's: answers a visitor with no session or remember-me cookie from
    a kept page, and keeps the pages Flask renders for such visitors."""

    def __init__(self, app: Flask, engine: Engine, shared: SharedPages | None) -> None:
        self.app, self.flask_wsgi, self.versions = app, app.wsgi_app, VersionReader(engine)
        self.local, self.shared = LocalPages(), shared
        self._private_cookies = (app.config["SESSION_COOKIE_NAME"], app.config["REMEMBER_COOKIE_NAME"])

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        key = self._key(environ)
        if key is None:
            return self.flask_wsgi(environ, start_response)
        config = self.app.config
        found = self.local.get(key, config["PAGE_CACHE_SECONDS"])
        if found is None and self.shared is not None:
            found = self.shared.get(key)
            if found is not None:
                self.local.put(key, found, config["PAGE_CACHE_ENTRIES"])
        if found is None:
            return self._render_and_keep(key, environ, start_response)
        start_response("200 OK", [*found.headers, ("Content-Length", str(len(found.body))), ("X-Page-Cache", "hit")])
        return [found.body]

    def _key(self, environ: dict[str, Any]) -> tuple[Any, ...] | None:
        """The kept page's key when this request may get one: a GET of a kept endpoint by a visitor
        carrying no session or remember-me cookie (their session is empty and they are not signed in)."""
        if environ.get("REQUEST_METHOD") != "GET" or not self.app.config["PAGE_CACHE_ENTRIES"]:
            return None
        request = self.app.request_class(environ)
        if any(name in request.cookies for name in self._private_cookies):
            return None
        try:
            adapter = self.app.create_url_adapter(request)
            endpoint, values = adapter.match() if adapter is not None else (None, {})
        except (HTTPException, SecurityError):  # not found, a redirect, an untrusted host: Flask answers
            return None
        environ["photoid.endpoint"] = endpoint  # for the access line and metrics of a kept page (photoid/observability.py)
        if endpoint not in CACHED_ENDPOINTS:
            return None
        versions = self.versions.read(scopes_for(endpoint, values))
        return None if versions is None else (request.root_url, request.full_path, versions)

    def _render_and_keep(self, key: tuple[Any, ...], environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        sent: list[tuple[str, str]] = []

        def keep_headers(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if status.startswith("200 ") and exc_info is None and not any(n.lower() == "set-cookie" for n, _ in headers):
                sent.extend((name, value) for name, value in headers if name.lower() not in _NOT_REPEATED)
                headers = [*headers, ("X-Page-Cache", "miss")]
            return start_response(status, headers, exc_info)

        answer = self.flask_wsgi(environ, keep_headers)
        if not sent:
            return answer
        try:
            body = b"".join(answer)
        finally:
            if hasattr(answer, "close"):
                answer.close()
        page = Kept(body, tuple(sent), time.time())
        self.local.put(key, page, self.app.config["PAGE_CACHE_ENTRIES"])
        if self.shared is not None:
            self.shared.put(key, page, self.app.config["PAGE_CACHE_SECONDS"])
        return [body]


class VersionReader:
    """Reads the versions of a kept page's scopes for every kept page asked for, as cheaply as the
    database allows: on a connection of its own per thread (outside the pool), in autocommit mode, so
    each read is one statement that sees the last commit. A kept page, in process, cost 520 µs on
    SQLite and 1,090 µs on PostgreSQL with the read on a pooled SQLAlchemy connection set to
    autocommit; 140 and 400 µs with this."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._held = threading.local()
        event.listen(engine, "engine_disposed", lambda _engine: self.forget())

    def read(self, scopes: tuple[str, ...]) -> tuple[int, ...] | None:
        """The scopes' versions, or None when the database cannot tell (away, or not migrated yet)."""
        try:
            held = getattr(self._held, "connection", None)
            if held is None:
                held = self._held.connection = _Held(self._open())
            return page_versions.read(held.connection, scopes, paramstyle=self._engine.dialect.paramstyle)
        except (SQLAlchemyError, self._engine.dialect.loaded_dbapi.Error):
            self.forget()  # a broken connection is opened again for the next visitor
            return None

    def _open(self) -> Any:
        pooled = self._engine.raw_connection()
        pooled.detach()  # its own from now on: the pool opens another for requests
        self._engine.dialect.set_isolation_level(pooled.dbapi_connection, "AUTOCOMMIT")
        return pooled

    def forget(self) -> None:
        """Close this thread's connection (when the engine is disposed; other threads' close as they end)."""
        held = self._held.__dict__.pop("connection", None)
        if held is not None:
            held.close()


class _Held:
    """A thread's version connection, closed when the thread ends and its ``threading.local`` goes:
    a development server answers each request on a new thread, and a psycopg connection left to the
    garbage collector still open warns."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    def close(self) -> None:
        connection, self.connection = self.connection, None
        try:
            if connection is not None:
                connection.close()
        except Exception:  # already broken, or SQLite refusing another thread: nothing more to do
            pass

    __del__ = close


def init_app(app: Flask) -> None:
    """Put ``KeptPages`` in front of the app (called in an app context; photoid/events.py raises the versions)."""
    site = f'{app.config["SQLALCHEMY_DATABASE_URI"]} {app.config["SECRET_KEY"]}'
    shared = SharedPages(app.config["REDIS_URL"], site=site) if app.config["REDIS_URL"] else None
    app.wsgi_app = KeptPages(app, db.engine, shared)  # type: ignore[method-assign]
