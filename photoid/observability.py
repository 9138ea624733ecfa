"""Logs a system administrator can read and search: photoid's own loggers, a request id, an access line.

``configure_logging`` gives the ``photoid`` logger (and so ``photoid.mail``, ``photoid.errors``, …) a
level (``PHOTOID_LOG_LEVEL``, default INFO) and a handler of its own writing to standard error, in
create_app: under gunicorn nobody configures the root logger, so without it everything below WARNING
(mail written to the log when SMTP is unset) vanished. ``PHOTOID_LOG_FORMAT=json`` writes one JSON
object a line (time, level, logger, message, request_id, method, path, and for access lines status,
duration_ms and user_id); otherwise a readable line.

``RequestLog`` wraps the whole WSGI app, outside the kept public pages (photoid/page_cache.py), so
every request, kept page or not, gets a request id (the client's ``X-Request-ID`` when it is sane:
at most 64 characters of ``A-Za-z0-9._-``; else a new one), sent back in ``X-Request-ID``, and one
access line at INFO on ``photoid.access`` once its last byte is sent. Log lines written while a
request is answered carry its id, so a warning and its access line are found together.
"""
from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Iterator

from flask import Flask, g, has_request_context, request

from photoid import metrics

#: Where the request id, the endpoint and the signed-in account are kept in the WSGI environ.
REQUEST_ID_KEY = "photoid.request_id"
ENDPOINT_KEY = "photoid.endpoint"
USER_ID_KEY = "photoid.user_id"
LOGGED_PATH_KEY = "photoid.logged_path"
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
FORMATS = ("text", "json")
access_log = logging.getLogger("photoid.access")

#: The attributes a JSON line carries besides time, level, logger and message, when known.
REQUEST_FIELDS = ("request_id", "method", "path", "status", "duration_ms", "user_id")


def request_id_from(environ: dict[str, Any]) -> str:
    """The client's (or the proxy's) ``X-Request-ID`` when sane, else a new random one."""
    sent = environ.get("HTTP_X_REQUEST_ID", "")
    return sent if SANE_REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex


class _StandardError(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is now (a test runner swaps it between tests)."""

    _photoid = True

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


class RequestFields(logging.Filter):
    """Adds the request's id, method and path to a line written while it is answered."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context() and getattr(record, "request_id", None) is None:
            record.request_id = request.environ.get(REQUEST_ID_KEY)
            record.method = request.method
            record.path = request.path
            user = g.get("_login_user")
            if user is not None and getattr(user, "is_authenticated", False):
                record.user_id = user.id
        return True


class TextFormatter(logging.Formatter):
    """``2026-12-07 13:30:00,123 INFO photoid.access [5f0c…] GET /photos/7 200 12.3 ms user 4``"""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if getattr(record, "request_id", None) is None:
            record.request_id = "-"
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """One JSON object a line; a traceback, when there is one, goes in ``exception`` on the same line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in REQUEST_FIELDS:
            value = getattr(record, field, None)
            if value is not None and value != "-":
                line[field] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure_logging(app: Flask) -> None:
    """Give the ``photoid`` logger its level and one handler (replacing the one an earlier app added)."""
    logger = logging.getLogger("photoid")
    logger.setLevel(app.config["LOG_LEVEL"])
    for handler in list(logger.handlers):
        if getattr(handler, "_photoid", False):
            logger.removeHandler(handler)
    handler = _StandardError()
    handler.setFormatter(JsonFormatter() if app.config["LOG_FORMAT"] == "json" else TextFormatter())
    handler.addFilter(RequestFields())
    logger.addHandler(handler)


StartResponse = Callable[..., Any]


class RequestLog:
    """The outermost WSGI app: the request id, the access line and the request metrics."""

    def __init__(self, app: Flask, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
        self.app, self.wsgi_app = app, wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        request_id = environ[REQUEST_ID_KEY] = request_id_from(environ)
        status: list[str] = []

        def with_request_id(status_line: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            status[:] = [status_line]
            headers = [(name, value) for name, value in headers if name.lower() != "x-request-id"]
            return start_response(status_line, [*headers, ("X-Request-ID", request_id)], exc_info)

        try:
            answer = self.wsgi_app(environ, with_request_id)
        except BaseException:
            self._finished(environ, "500", started)
            raise
        def done() -> None:
            self._finished(environ, (status or ["500"])[0].split(" ", 1)[0], started)

        file_wrapper = environ.get("wsgi.file_wrapper")
        if isinstance(file_wrapper, type) and isinstance(answer, file_wrapper):
            # A file the server sends itself (gunicorn: sendfile) stays that file: only its close is wrapped.
            original_close = getattr(answer, "close", None)

            def close() -> None:
                try:
                    if original_close is not None:
                        original_close()
                finally:
                    done()

            try:
                answer.close = close  # type: ignore[attr-defined]
                return answer
            except AttributeError:
                pass
        return _Finishing(answer, done)

    def _finished(self, environ: dict[str, Any], status: str, started: float) -> None:
        seconds = time.perf_counter() - started
        method = environ.get("REQUEST_METHOD", "-")
        path = environ.get(LOGGED_PATH_KEY) or (environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""))
        user_id = environ.get(USER_ID_KEY)
        if self.app.config["METRICS"]:
            metrics.observe(environ.get(ENDPOINT_KEY), method, status, seconds)
        if access_log.isEnabledFor(logging.INFO):
            text = f"{method} {path} {status} {seconds * 1000:.1f} ms" + (f" user {user_id}" if user_id is not None else "")
            access_log.info(text, extra={
                "request_id": environ.get(REQUEST_ID_KEY), "method": method, "path": path, "status": int(status),
                "duration_ms": round(seconds * 1000, 1), "user_id": user_id,
            })


class _Finishing:
    """The answer's body, calling ``done`` once when the server closes it (after the last byte)."""

    def __init__(self, answer: Iterable[bytes], done: Callable[[], None]) -> None:
        self._answer, self._done = answer, done

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._answer)

    def close(self) -> None:
        try:
            if hasattr(self._answer, "close"):
                self._answer.close()
        finally:
            self._done()


def init_app(app: Flask) -> None:
    """Note what the access line needs as each request ends, and put ``RequestLog`` in front of
    everything (call it last in create_app)."""

    @app.teardown_request
    def _note_for_the_access_line(_error: BaseException | None) -> None:
        # Flask's context ends before the last byte is sent: keep what the access line needs.
        environ = request.environ
        environ[ENDPOINT_KEY] = request.endpoint
        user = g.get("_login_user")  # only when the request looked: never a query of its own
        if user is not None and getattr(user, "is_authenticated", False):
            environ[USER_ID_KEY] = user.id
        secrets = [value for name, value in (request.view_args or {}).items() if "token" in name and isinstance(value, str)]
        if secrets:  # an invitation link is a password: never in a log
            path = request.path
            for secret in secrets:
                path = path.replace(secret, "…")
            environ[LOGGED_PATH_KEY] = path

    app.wsgi_app = RequestLog(app, app.wsgi_app)  # type: ignore[method-assign]
