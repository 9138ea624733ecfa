"""Background jobs: work that follows a commit, run in the process that committed or by ``photoid worker``.

``enqueue(name, **kwargs)`` is called after a commit (the listeners in photoid/events.py), never
inside a transaction, so a job never sees data that may still roll back. With ``PHOTOID_JOBS=inline``
(the default, one machine) it runs the job at once, as photoid always did; a failure is logged and
never reaches the visitor. With ``PHOTOID_JOBS=redis`` it puts the job on an RQ queue in
``PHOTOID_REDIS_URL``, and ``photoid worker`` processes run it: a failure is tried again after each of
``PHOTOID_JOB_RETRY_DELAYS`` and then kept in the failed list that admins see, retry or delete at
/admin/jobs. If Redis cannot take the job, it runs in-process instead of being lost.

Every job, in one table (a job is named by what it does, and its function is found only when it runs):

| job | what it does | function |
|---|---|---|
| ``mail.send`` | sends one email a committed transaction queued | ``photoid.notifications.mail.deliver`` |
| ``search.drain`` | indexes the photos in the ``search_queue`` table | ``photoid.search.queue.drain_job`` |
| ``faces.detect`` | finds the faces on a photo whose images were just made (its institution has detection on) | ``photoid.faces.service.detect_job`` |
| ``photos.process`` | makes an uploaded photo's derivatives and tiles, then marks it ready | ``photoid.photos.processing.process_job`` |
| ``exports.write`` | writes a catalog export file into storage for staff to download, counting its records | ``photoid.catalog.export_files.write_job`` |

Why RQ and why one process per worker (SimpleWorker): docs/decisions.md, "Background jobs".
"""
from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

log = logging.getLogger("photoid.jobs")

JOBS: dict[str, str] = {
    "mail.send": "photoid.notifications.mail:deliver",
    "search.drain": "photoid.search.queue:drain_job",
    "faces.detect": "photoid.faces.service:detect_job",
    "photos.process": "photoid.photos.processing:process_job",
    "exports.write": "photoid.catalog.export_files:write_job",
}
#: Seconds a job may run in a worker before it is stopped (and tried again); RQ's 180 for the others.
#: A drain after a large import indexes every queued photo in one job, committing each 500.
#: A large scan's tiles take minutes.
#: A site-wide export of every photo writes for many minutes.
TIMEOUTS: dict[str, int] = {"search.drain": 3600, "photos.process": 3600, "exports.write": 3600}


class JobNotFound(LookupError):
    """The failed job asked for is not in the failed list (retried or deleted meanwhile)."""


class QueueUnavailable(RuntimeError):
    """Redis did not answer, so the queue cannot be read or changed."""


@contextmanager
def _redis_answers() -> Iterator[None]:
    import redis

    try:
        yield
    except redis.RedisError as error:
        raise QueueUnavailable(f"Redis at PHOTOID_REDIS_URL did not answer ({error.__class__.__name__}).") from error


def _function(name: str) -> Callable[..., Any]:
    module, _, attribute = JOBS[name].partition(":")
    return getattr(importlib.import_module(module), attribute)  # type: ignore[no-any-return]


def is_queued() -> bool:
    """Whether jobs go to Redis for ``photoid worker`` (PHOTOID_JOBS=redis) rather than run in-process."""
    return current_app.config["JOBS"] == "redis"


def _queue():  # type: ignore[no-untyped-def]
    import redis
    from rq import Queue

    config = current_app.config
    return Queue(config["JOBS_QUEUE"], connection=redis.Redis.from_url(config["REDIS_URL"]))


def enqueue(name: str, *, description: str | None = None, **kwargs: Any) -> None:
    """Run job ``name`` with ``kwargs``: now in this process, or on the queue for a worker.

    Call it after a commit. Never raises for a job's failure (in-process it is logged); raises
    KeyError for a name that is not in :data:`JOBS`.
    """
    if name not in JOBS:
        raise KeyError(f"no job called {name!r}; the jobs are {', '.join(JOBS)}")
    if is_queued():
        from rq import Retry

        delays = list(current_app.config["JOB_RETRY_DELAYS"])
        try:
            _queue().enqueue(run, name, kwargs, description=description or name, job_timeout=TIMEOUTS.get(name),
                             retry=Retry(max=len(delays), interval=delays) if delays else None)
            return
        except Exception:  # noqa: BLE001 - Redis away: do the work here rather than lose it
            log.exception("Could not queue the job %s; running it in this process instead", name)
    try:
        _function(name)(**kwargs)
    except Exception:  # noqa: BLE001 - the change is committed; a job's failure never reaches the visitor
        log.exception("The job %s failed", name)


def tries_left() -> int:
    """How many more times the queue will try the job now running if it fails: 0 in-process (a
    failure there is final) and on a worker's last try."""
    from rq import get_current_job

    job = get_current_job() if is_queued() else None
    return (job.retries_left or 0) if job is not None else 0


def run(name: str, kwargs: dict[str, Any]) -> None:
    """What the worker calls for each job: the job's function in an app context of its own (so its
    database session ends with it). Raises what the job raises, for RQ to try again."""
    with current_app._get_current_object().app_context():  # type: ignore[attr-defined]
        _function(name)(**kwargs)


# --------------------------------------------------------------------------- the failed list

@dataclass(frozen=True)
class FailedJob:
    id: str
    description: str
    failed_at: datetime | None
    #: The last line of the traceback: the exception and its message.
    error: str


@dataclass(frozen=True)
class QueueState:
    waiting: int
    #: Failed once and waiting for their next try.
    retrying: int
    failed: list[FailedJob]


def state() -> QueueState | None:
    """What the queue holds, for the staff page; None when jobs run in-process (there is no queue)."""
    if not is_queued():
        return None
    with _redis_answers():
        return _read_state()


def _read_state() -> QueueState:
    from rq.job import Job
    from rq.registry import FailedJobRegistry, ScheduledJobRegistry

    queue = _queue()
    registry = FailedJobRegistry(queue=queue)
    failed = []
    for job in Job.fetch_many(registry.get_job_ids(), connection=queue.connection):
        if job is None:
            continue
        result = job.latest_result()
        lines = ((result.exc_string if result else None) or "").strip().splitlines()
        failed.append(FailedJob(id=job.id, description=job.description or "", failed_at=job.ended_at,
                                error=lines[-1] if lines else "(no error recorded)"))
    return QueueState(waiting=queue.count, retrying=ScheduledJobRegistry(queue=queue).count, failed=failed)


def _failed(job_id: str):  # type: ignore[no-untyped-def]
    from rq.registry import FailedJobRegistry

    if not is_queued():
        raise JobNotFound(job_id)
    registry = FailedJobRegistry(queue=_queue())
    if job_id not in registry.get_job_ids():
        raise JobNotFound(job_id)
    return registry


def retry_failed(job_id: str) -> None:
    """Put a failed job back on the queue for one more try. Raises JobNotFound, QueueUnavailable."""
    with _redis_answers():
        _failed(job_id).requeue(job_id)


def delete_failed(job_id: str) -> None:
    """Remove a failed job for good. Raises JobNotFound, QueueUnavailable."""
    with _redis_answers():
        _failed(job_id).remove(job_id, delete_job=True)


# --------------------------------------------------------------------------- the worker

@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty instead of waiting for more.")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Run queued jobs (PHOTOID_JOBS=redis): mail, index updates, uploads' images, export files; with retries."""
    if not is_queued():
        raise click.ClickException("PHOTOID_JOBS is not redis: jobs run in the process that commits, "
                                   "so there is nothing for a worker to do.")
    from rq import SimpleWorker

    queue = _queue()
    # SimpleWorker runs each job in this process (no fork per job): the app, its database pool and
    # the index stay open between jobs. with_scheduler moves retries whose delay is over back to the queue.
    SimpleWorker([queue], connection=queue.connection).work(burst=burst, with_scheduler=True)
