"""A small photoid cluster for the tests: two servers (``photoid serve``, separate processes with separate
local folders) and a ``photoid worker``, sharing one PostgreSQL database, one Redis and one S3 server,
with PostgreSQL search. The settings are the ones docs/operations.md gives for many servers; only the
addresses differ."""
from __future__ import annotations

import html
import http.cookiejar
import io
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, make_url, text
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from config import database_url as normalised_url
from tests.s3_server import CREDENTIALS

ROOT = Path(__file__).resolve().parents[1]
PHOTOID = [sys.executable, "-m", "photoid.cli"]
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
PASSWORD = "two-servers-password"
#: The OAI-PMH repository name both servers give (oai:REPOSITORY:photo/7), whatever address a harvester used.
REPOSITORY = "photos.two-servers.example"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def csrf(page: str) -> str:
    match = CSRF.search(page)
    if match is None:
        raise AssertionError("the page has no form with a CSRF token")
    return html.unescape(match.group(1) or match.group(2))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None  # a form's redirect is its answer: the test reads it, then asks for the next page itself


@dataclass
class Answer:
    status: int
    body: bytes
    headers: Any

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")

    def json(self) -> Any:
        return json.loads(self.body)


class Browser:
    """One person's browser: a cookie jar shared by every server it talks to (cookies ignore the port,
    as a load balancer's one address would make them), no following of redirects."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  _NoRedirect())

    def call(self, url: str, data: dict[str, str] | None = None, *,
             files: list[tuple[str, str, bytes]] | None = None, headers: dict[str, str] | None = None) -> Answer:
        """GET ``url``, or POST ``data``: as a form, or multipart with ``files`` ((field, file name, bytes)
        each: a JPEG, or a CSV by its name)."""
        body, sent = None, dict(headers or {})
        if files:
            fields: MultiDict[str, Any] = MultiDict(data or {})
            for name, filename, content in files:
                kind = "text/csv" if filename.endswith(".csv") else "image/jpeg"
                fields.add(name, FileStorage(io.BytesIO(content), filename=filename, content_type=kind))
            boundary, body = encode_multipart(fields)
            sent["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif data is not None:
            body = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(url, data=body, headers=sent)
        try:
            with self.opener.open(request, timeout=60) as answer:
                return Answer(answer.status, answer.read(), answer.headers)
        except urllib.error.HTTPError as answer:  # 3xx (not followed), 4xx and 5xx
            return Answer(answer.code, answer.read(), answer.headers)

    def sign_in(self, base: str, email: str) -> None:
        form = self.call(f"{base}/login")
        answer = self.call(f"{base}/login", {"csrf_token": csrf(form.text), "email": email, "password": PASSWORD})
        assert answer.status == 302, f"{email} could not sign in on {base}: {answer.status}"


@dataclass
class Cluster:
    env: dict[str, str]
    folder: Path
    bucket: str
    servers: dict[str, str] = field(default_factory=dict)  # name -> base URL
    processes: list[tuple[subprocess.Popen[bytes], Path]] = field(default_factory=list)

    def env_for(self, name: str) -> dict[str, str]:
        """The shared settings, with local folders of the process's own."""
        own = self.folder / name
        return {**self.env, "PHOTOID_INSTANCE_DIR": str(own), "PHOTOID_UPLOAD_DIR": str(own / "uploads"),
                "PHOTOID_INDEX_DIR": str(own / "index")}

    def photoid(self, name: str, *args: str, extra_env: dict[str, str] | None = None) -> str:
        """Run one ``photoid`` command as process ``name`` would; its output (fails the test if it fails)."""
        done = subprocess.run([*PHOTOID, *args], env={**self.env_for(name), **(extra_env or {})}, cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"photoid {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def start(self, name: str, *args: str, extra_env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        log = self.folder / f"{name}.log"
        with log.open("wb") as out:
            process = subprocess.Popen([*PHOTOID, *args], env={**self.env_for(name), **(extra_env or {})}, cwd=ROOT,
                                       stdout=out, stderr=subprocess.STDOUT)
        self.processes.append((process, log))
        return process

    def serve(self, name: str, *, workers: int = 1) -> str:
        """Start server ``name`` (``photoid serve``); its base URL once /healthz answers."""
        port = free_port()
        process = self.start(name, "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers))
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=5) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"server {name} did not answer:\n{self.logs()}")
            time.sleep(0.2)
        self.servers[name] = base
        return base

    def logs(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')}" for _, log in self.processes)

    def stop(self) -> None:
        for process, _log in self.processes:
            process.terminate()
        for process, _log in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def fresh_database(url: str, name: str) -> Iterator[str]:
    """A new PostgreSQL database ``name`` on the server of ``url``; its URL, dropped afterwards."""
    given = make_url(normalised_url(url))
    admin = create_engine(given, isolation_level="AUTOCOMMIT")

    def run(statement: str) -> None:
        with admin.connect() as conn:
            conn.execute(text(statement))
        admin.dispose()

    run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # left over by a run that was killed
    run(f'CREATE DATABASE "{name}"')
    try:
        yield given.set(database=name).render_as_string(hide_password=False)
    finally:
        run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def forget_queue(redis_url: str, name: str) -> None:
    """Delete RQ queue ``name`` from Redis: the queue, its registries, its workers and its jobs."""
    import redis

    connection = redis.Redis.from_url(redis_url)
    keys = list(connection.scan_iter(f"rq:*{name}*"))
    keys += [key for key in connection.scan_iter("rq:worker:*")  # a worker stopped mid-heartbeat
             if connection.type(key) == b"hash" and connection.hget(key, "queues") == name.encode()]
    for key in connection.scan_iter("rq:job:*"):
        if connection.type(key) == b"hash" and connection.hget(key, "origin") == name.encode():
            job_id = key.decode().removeprefix("rq:job:")
            keys += [key, *connection.scan_iter(f"rq:results:{job_id}*"), *connection.scan_iter(f"rq:job:{job_id}:*")]
    if keys:
        connection.delete(*keys)
    connection.srem("rq:queues", f"rq:queue:{name}")
    connection.close()


def shared_env(*, database_url: str, redis_url: str, queue: str, s3_endpoint: str, bucket: str,
               secret_key: str) -> dict[str, str]:
    """What every process of the site shares: this shell's environment without its PHOTOID_ settings,
    then the one database, Redis, bucket, secret key and OAI repository name."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PHOTOID_")}
    return {
        **env, **CREDENTIALS,
        "PHOTOID_DATABASE_URL": database_url,
        "PHOTOID_SEARCH": "postgres",
        "PHOTOID_STORAGE_URL": f"s3://{bucket}/site",
        "PHOTOID_S3_ENDPOINT_URL": s3_endpoint,
        "PHOTOID_REDIS_URL": redis_url,
        "PHOTOID_JOBS": "redis",
        "PHOTOID_JOBS_QUEUE": queue,
        "PHOTOID_JOB_RETRY_DELAYS": "1",
        "PHOTOID_SECRET_KEY": secret_key,  # a session signed in on one server holds on the other
        "PHOTOID_OAI_REPOSITORY_ID": REPOSITORY,
        "PHOTOID_RATELIMIT": "0",
        "PHOTOID_LOG_LEVEL": "WARNING",
    }
