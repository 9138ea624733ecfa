"""Several photoid servers for ``bench/load.py --nodes N``, set up as docs/operations.md's "Many servers"
says: each server a gunicorn of its own with folders of its own (instance, staging, index), all sharing one
PostgreSQL database (``PHOTOID_SEARCH=postgres``: the search index is in it), one Redis (kept pages shared
between every worker of every server; jobs on a queue of this run's own, run by a ``photoid worker``) and
one S3 bucket (``moto`` in server mode on a free port, started here, unless ``--s3`` names an endpoint).

Every server and the worker run on this machine and share its cores: the run shows that every invariant
holds across servers and what the second server costs, not how far two machines would scale.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from load_support import site

#: moto accepts any credentials; boto3 needs some, and a region. Used only with the S3 server started here.
MOTO_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "photoid-load", "AWS_SECRET_ACCESS_KEY": "photoid-load",
                    "AWS_DEFAULT_REGION": "us-east-1"}


@dataclass
class Nodes:
    """The shared services' settings and every process started for them."""

    folder: Path
    database_url: str
    redis_url: str
    queue: str = field(default_factory=lambda: f"photoid-load-{uuid.uuid4().hex[:12]}")
    s3_endpoint: str = ""
    bucket: str = ""
    secret_key: str = field(default_factory=lambda: uuid.uuid4().hex)
    #: For boto3 in every process: moto's when it is started here, else the environment's own.
    credentials: dict[str, str] = field(default_factory=dict)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)
    bases: list[str] = field(default_factory=list)

    def env(self, name: str) -> dict[str, str]:
        """The settings of process ``name``: the shared services, and local folders of its own."""
        own = site.site_env(self.folder / name, self.database_url)
        return {
            **own, **self.credentials,
            "PHOTOID_SECRET_KEY": self.secret_key,  # a session signed in on one server holds on the others
            "PHOTOID_SEARCH": "postgres",
            "PHOTOID_REDIS_URL": self.redis_url,  # kept pages shared by every server (the "photoid" page is /shared's)
            "PHOTOID_JOBS": "redis",
            "PHOTOID_JOBS_QUEUE": self.queue,
            "PHOTOID_STORAGE_URL": f"s3://{self.bucket}/load",
            "PHOTOID_S3_ENDPOINT_URL": self.s3_endpoint,
        }

    def start_s3(self, endpoint: str | None) -> None:
        """Use the S3 API at ``endpoint``, or start moto on a free port; then make this run's bucket."""
        if endpoint:
            self.s3_endpoint = endpoint
        else:
            try:
                import moto.server  # noqa: F401
            except ImportError:
                raise SystemExit("--nodes needs an S3 server: pass --s3 URL, or install moto "
                                 "(pip install -e '.[test]') to start one here") from None
            port = site.free_port()
            log = self.folder / "moto.log"
            self._start([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], log, env={})
            self.s3_endpoint, self.credentials = f"http://127.0.0.1:{port}", dict(MOTO_CREDENTIALS)
            deadline = time.monotonic() + 60
            while not _answers(port):
                if time.monotonic() > deadline or self.processes[-1].poll() is not None:
                    raise SystemExit(f"the moto S3 server did not start; see {log}")
                time.sleep(0.1)
        import boto3

        self.bucket = f"photoid-load-{uuid.uuid4().hex[:12]}"
        given = {name.lower(): self.credentials[name] for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
                 if name in self.credentials}
        client = boto3.client("s3", endpoint_url=self.s3_endpoint, region_name=self.credentials.get("AWS_DEFAULT_REGION"),
                              **given)
        client.create_bucket(Bucket=self.bucket)

    def start_servers(self, count: int, *, workers: int) -> list[str]:
        """``count`` gunicorns (``workers`` sync workers each), then the ``photoid worker``; their base URLs."""
        for n in range(count):
            log = self.folder / f"gunicorn-{n + 1}.log"
            server, base = site.start_gunicorn(self.env(f"node{n + 1}"), log, workers=workers)
            self.processes.append(server)
            self.logs.append(log)
            self.bases.append(base)
        self._start([sys.executable, "-m", "photoid.cli", "worker"], self.folder / "worker.log", env=self.env("worker"))
        return self.bases

    def _start(self, command: list[str], log: Path, *, env: dict[str, str]) -> None:
        with log.open("wb") as out:
            self.processes.append(subprocess.Popen(command, env={**os.environ, **env}, cwd=site.ROOT,
                                                   stdout=out, stderr=subprocess.STDOUT))
        self.logs.append(log)

    def stop(self) -> None:
        for process in reversed(self.processes):
            site.stop(process)
        self.processes.clear()
        _forget_queue(self.redis_url, self.queue)


def _answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
    except OSError:
        return False
    return True


def _forget_queue(redis_url: str, name: str) -> None:
    """Delete this run's RQ queue from Redis: the queue, its registries and its jobs."""
    import redis

    connection = redis.Redis.from_url(redis_url)
    keys = list(connection.scan_iter(f"rq:*{name}*"))
    keys += [key for key in connection.scan_iter("rq:worker:*")  # a worker stopped between heartbeats
             if connection.type(key) == b"hash" and connection.hget(key, "queues") == name.encode()]
    for key in connection.scan_iter("rq:job:*"):
        if connection.type(key) == b"hash" and connection.hget(key, "origin") == name.encode():
            keys += [key, *connection.scan_iter(f"rq:results:{key.decode().removeprefix('rq:job:')}*")]
    if keys:
        connection.delete(*keys)
    connection.srem("rq:queues", f"rq:queue:{name}")
    connection.close()


def search_differences(app: Any) -> list[str]:
    """How the PostgreSQL search rows differ from the database: photos missing, out of date (another
    fingerprint) or there though not public. Empty when they match."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from photoid.extensions import db
    from photoid.search.documents import all_documents
    from photoid.search.models import SearchDocument

    with app.app_context(), Session(db.engine) as session:
        indexed = dict(session.execute(select(SearchDocument.photo_id, SearchDocument.fingerprint)).tuples().all())
        expected = {doc.photo_id: doc.fingerprint() for doc in all_documents(session)}
    missing = expected.keys() - indexed.keys()
    stale = {photo for photo in expected.keys() & indexed.keys() if expected[photo] != indexed[photo]}
    extra = indexed.keys() - expected.keys()
    return [f"search rows differ from the database: {len(missing)} missing, {len(stale)} stale, {len(extra)} extra"
            ] if missing or stale or extra else []


def job_problems(app: Any, *, wait: float = 30) -> list[str]:
    """Jobs still waiting ``wait`` seconds after the load stopped, or failed after every try; prints how
    many the worker finished."""
    from rq.registry import FinishedJobRegistry

    from photoid import jobs

    with app.app_context():
        deadline = time.monotonic() + wait
        state = jobs.state()
        while state is not None and (state.waiting or state.retrying) and time.monotonic() < deadline:
            time.sleep(0.5)
            state = jobs.state()
        if state is None:
            return ["jobs ran in the web processes, not on the queue"]
        finished = FinishedJobRegistry(queue=jobs._queue()).count
    print(f"the worker finished {finished} jobs (mail, search)", flush=True)
    problems = []
    if state.waiting or state.retrying:
        problems.append(f"{state.waiting} jobs waiting and {state.retrying} retrying {wait:g} s after the load stopped")
    if state.failed:
        problems.append(f"{len(state.failed)} jobs failed, e.g. {state.failed[0].description}: {state.failed[0].error}")
    return problems
