"""With Redis, "5 per hour" means five for the whole site: two gunicorn worker processes count together.

A real gunicorn with two sync workers serves a fresh SQLite site; six registrations from one address
go over new connections, and each is made to land on the other worker than the one before (the idle
worker is held by a half-sent request), so a limit kept in each worker's memory would let ten through.
Needs gunicorn and PHOTOID_TEST_REDIS_URL (CI sets it); it uses a Redis database of its own and
deletes only keys with its own prefix.
"""
from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

REDIS_URL = os.environ.get("PHOTOID_TEST_REDIS_URL")
#: Not CI's database (15): this test's keys never mix with the rest of the suite's.
OWN_DATABASE = 14
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')

pytestmark = [
    pytest.mark.skipif(not REDIS_URL, reason="set PHOTOID_TEST_REDIS_URL to test limits shared by workers through Redis"),
    pytest.mark.skipif(subprocess.run([sys.executable, "-c", "import gunicorn"], capture_output=True).returncode != 0,
                       reason="gunicorn is not installed"),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _own_redis_url() -> str:
    parts = urlsplit(REDIS_URL or "")
    return urlunsplit(parts._replace(path=f"/{OWN_DATABASE}"))


@pytest.fixture
def site(tmp_path: Path) -> Iterator[dict[str, object]]:
    import redis

    from config import TestConfig
    from photoid import create_app
    from photoid.extensions import db

    database = f"sqlite:///{tmp_path / 'site.sqlite3'}"
    app = create_app(TestConfig(tmp_path=tmp_path, database_url_=database))
    with app.app_context():
        db.create_all()
        db.engine.dispose()

    prefix, port, redis_url = f"photoid-workers-test-{uuid.uuid4().hex}", _free_port(), _own_redis_url()
    env = {**os.environ, "PHOTOID_DATABASE_URL": database, "PHOTOID_INSTANCE_DIR": str(tmp_path / "instance"),
           "PHOTOID_UPLOAD_DIR": str(tmp_path / "uploads"), "PHOTOID_INDEX_DIR": str(tmp_path / "index"),
           "PHOTOID_SECRET_KEY": uuid.uuid4().hex, "PHOTOID_REDIS_URL": redis_url, "PHOTOID_RATELIMIT": "1",
           "PHOTOID_RATELIMIT_KEY_PREFIX": prefix, "PHOTOID_REGISTER_MIN_SECONDS": "0",
           "PHOTOID_PAGE_CACHE_ENTRIES": "0", "PHOTOID_SMTP_HOST": ""}
    for name in ("PHOTOID_SITE_URL", "PHOTOID_TRUSTED_HOSTS", "PHOTOID_PROXIES"):
        env.pop(name, None)
    log = tmp_path / "access.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "30",
         "--access-logfile", str(log), "--access-logformat", "%(p)s %(m)s %(U)s %(s)s", "photoid.wsgi:app"],
        env=env, cwd=Path(__file__).resolve().parents[2], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("gunicorn did not start: " + (server.stderr.read().decode() if server.stderr else ""))
                time.sleep(0.1)
        yield {"port": port, "log": log}
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if server.stderr:
            server.stderr.close()
        keys = redis.Redis.from_url(redis_url)
        for key in keys.scan_iter(match=f"*{prefix}*"):
            keys.delete(key)
        keys.close()


def _request(port: int, method: str, path: str, *, body: str = "", headers: dict[str, str] | None = None) -> tuple[int, str, dict[str, str]]:
    """One request over a new connection (as six visitors' browsers would open)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        connection.request(method, path, body=body or None, headers={"Connection": "close", **(headers or {})})
        response = connection.getresponse()
        return response.status, response.read().decode(), {k.lower(): v for k, v in response.getheaders()}
    finally:
        connection.close()


def _register(port: int, number: int) -> int:
    from urllib.parse import urlencode

    status, page, headers = _request(port, "GET", "/register")
    assert status == 200
    match = CSRF.search(page)
    assert match, "no CSRF token on /register"
    cookie = headers["set-cookie"].split(";", 1)[0]
    form = urlencode({"csrf_token": match.group(1) or match.group(2), "display_name": f"Worker test {number}",
                      "email": f"worker{number}@example.org", "password": "a long enough secret",
                      "confirm": "a long enough secret", "website": ""})
    status, _page, _headers = _request(port, "POST", "/register", body=form, headers={
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    return status


def _hold_a_worker(port: int) -> socket.socket:
    """A request whose headers never end: the worker that takes it waits on it until it is closed."""
    held = socket.create_connection(("127.0.0.1", port))
    held.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    time.sleep(0.3)  # until a worker has accepted it
    return held


def test_five_registrations_an_hour_means_five_across_two_workers(site) -> None:  # type: ignore[no-untyped-def]
    port = int(site["port"])  # type: ignore[call-overload]
    statuses = []
    held = _hold_a_worker(port)
    for number in range(1, 7):
        # The idle worker answers; then it is held and the other one freed for the next registration.
        statuses.append(_register(port, number))
        next_held = _hold_a_worker(port)
        held.close()
        held = next_held
    held.close()
    assert statuses == [302, 302, 302, 302, 302, 429]

    time.sleep(0.3)  # gunicorn writes its access log after each answer
    posts = [line.split() for line in Path(site["log"]).read_text().splitlines() if " POST /register " in line]  # type: ignore[arg-type]
    assert len(posts) == 6
    pids = [pid for pid, *_rest in posts]
    assert len(set(pids[0::2])) == len(set(pids[1::2])) == 1 and pids[0] != pids[1], posts  # turn and turn about
