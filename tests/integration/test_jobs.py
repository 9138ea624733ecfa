"""Background jobs (photoid/jobs.py): in-process by default; with PHOTOID_JOBS=redis, on an RQ queue
that `photoid worker` runs, with retries and a failed list admins retry or delete at /admin/jobs.

The Redis tests need PHOTOID_TEST_REDIS_URL (CI sets it). They use a Redis database of their own
(not CI's 15, nor the limits test's 14) and a queue name of their own per test, deleted afterwards.
"""
from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from flask import Flask

from photoid import jobs
from photoid.extensions import db
from photoid.notifications.mail import queue_mail
from photoid.search import querying, queue
from photoid.search.queries import reader
from tests.factories import make_photo

REDIS_URL = os.environ.get("PHOTOID_TEST_REDIS_URL")
OWN_DATABASE = 13
ROOT = Path(__file__).resolve().parents[2]
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="set PHOTOID_TEST_REDIS_URL to test jobs queued in Redis")


def found(app: Flask, words: str) -> list[int]:
    return sorted(hit.photo_id for hit in querying.search(reader(app), words, per_page=100).hits)


def _mail(to: str = "ann@example.org", subject: str = "Your identification was approved") -> None:
    queue_mail(to, subject, "Thank you for naming the people in this photo.")


def _unreachable(to: str, subject: str, body: str) -> None:
    raise OSError("mail server unreachable")


# --------------------------------------------------------------------------- without Redis

def test_without_redis_mail_and_the_index_follow_the_commit_in_this_process(app, outbox) -> None:
    queue.reindex(app, procs=1)
    photo = make_photo(title="Ferry landing in the flood")
    _mail()
    assert outbox == [] and found(app, "ferry") == []
    db.session.commit()
    assert [(to, subject) for to, subject, _ in outbox] == [("ann@example.org", "Your identification was approved")]
    assert found(app, "ferry") == [photo.id]


def test_a_job_that_fails_in_process_is_logged_and_the_commit_stands(app, caplog) -> None:
    app.config["MAIL_SENDER"] = _unreachable
    _mail()
    with caplog.at_level(logging.ERROR):
        db.session.commit()
    assert "The job mail.send failed" in caplog.text and "mail server unreachable" in caplog.text


def test_an_unknown_job_is_refused_by_name(app) -> None:
    with pytest.raises(KeyError, match="no job called 'mail.sned'"):
        jobs.enqueue("mail.sned")


def test_the_worker_says_there_is_nothing_to_do_without_redis(app) -> None:
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 1
    assert "PHOTOID_JOBS is not redis" in result.output


def test_the_jobs_page_explains_that_jobs_run_in_process(app, client, login_as) -> None:
    login_as("admin")
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "there is no queue and no failed list here" in page
    assert 'aria-current="page">Background jobs</a>' in page


def test_the_setting_is_checked(tmp_path: Path) -> None:
    from config import Config

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PHOTOID_JOBS", "celery")
        with pytest.raises(ValueError, match="PHOTOID_JOBS must be inline or redis, not 'celery'"):
            Config(instance_dir=tmp_path)
        patch.setenv("PHOTOID_JOBS", "redis")
        patch.delenv("PHOTOID_REDIS_URL", raising=False)
        with pytest.raises(ValueError, match="PHOTOID_JOBS=redis needs PHOTOID_REDIS_URL"):
            Config(instance_dir=tmp_path)


# --------------------------------------------------------------------------- with Redis

def _own_redis_url() -> str:
    return urlunsplit(urlsplit(REDIS_URL or "")._replace(path=f"/{OWN_DATABASE}"))


@pytest.fixture
def queued(app: Flask) -> Iterator[Flask]:
    """The test's app with PHOTOID_JOBS=redis on a queue of its own, tried twice more at once."""
    import redis

    name = f"photoid-test-{uuid.uuid4().hex}"
    app.config.update(JOBS="redis", REDIS_URL=_own_redis_url(), JOBS_QUEUE=name, JOB_RETRY_DELAYS=[0, 0])
    yield app
    connection = redis.Redis.from_url(_own_redis_url())
    keys = list(connection.scan_iter(f"rq:*{name}*"))  # the queue, its registries and workers
    for key in connection.scan_iter("rq:job:*"):  # this queue's jobs, finished or not, and their results
        if connection.type(key) == b"hash" and connection.hget(key, "origin") == name.encode():
            job_id = key.decode().removeprefix("rq:job:")
            keys += [key, *connection.scan_iter(f"rq:results:{job_id}*"), *connection.scan_iter(f"rq:job:{job_id}:*")]
    # Results of jobs deleted from the failed list (only these tests use this Redis database).
    keys += [key for key in connection.scan_iter("rq:results:*")
             if not connection.exists(key.decode().replace("rq:results:", "rq:job:", 1))]
    if keys:
        connection.delete(*keys)
    connection.srem("rq:queues", f"rq:queue:{name}")
    connection.close()


def _work() -> None:
    """What `photoid worker --burst` does, in this process: run every queued job, then stop."""
    from rq import SimpleWorker

    queue_ = jobs._queue()
    SimpleWorker([queue_], connection=queue_.connection).work(burst=True)


@needs_redis
def test_with_redis_mail_and_index_updates_wait_for_a_worker(queued, outbox) -> None:
    queue.reindex(queued, procs=1)
    photo = make_photo(title="Ferry landing in the flood")
    _mail()
    db.session.commit()
    assert outbox == [] and found(queued, "ferry") == []  # nothing ran in the web process
    assert jobs.state().waiting == 2  # type: ignore[union-attr]
    # A drain after a large import may take long; an email that takes minutes is stuck.
    assert sorted((job.description, job.timeout) for job in jobs._queue().jobs) == [
        ("Email to ann@example.org: Your identification was approved", 180), ("search.drain", 3600)]

    _work()
    assert [(to, subject) for to, subject, _ in outbox] == [("ann@example.org", "Your identification was approved")]
    assert found(queued, "ferry") == [photo.id]
    assert jobs.state() == jobs.QueueState(waiting=0, retrying=0, failed=[])


@needs_redis
def test_a_rolled_back_change_queues_nothing(queued, outbox) -> None:
    _mail()
    db.session.rollback()
    assert jobs.state().waiting == 0  # type: ignore[union-attr]


@needs_redis
def test_a_failing_job_is_retried_then_shown_to_admins_who_retry_it(queued, client, login_as, csrf_token) -> None:
    tries: list[str] = []

    def broken(to: str, subject: str, body: str) -> None:
        tries.append(to)
        raise OSError("mail server unreachable")

    queued.config["MAIL_SENDER"] = broken
    login_as("admin")
    _mail(to="bob@example.org", subject="A reply to your comment")
    db.session.commit()
    _work()
    assert tries == ["bob@example.org"] * 3  # the first try and the two retries
    state = jobs.state()
    assert state is not None and [job.description for job in state.failed] == [
        "Email to bob@example.org: A reply to your comment"]
    assert state.failed[0].error == "OSError: mail server unreachable"

    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "Email to bob@example.org: A reply to your comment" in page
    assert "OSError: mail server unreachable" in page
    assert re.search(r"Failed after every try</dt><dd>1</dd>", page)

    sent: list[str] = []
    queued.config["MAIL_SENDER"] = lambda to, subject, body: sent.append(to)
    response = client.post("/admin/jobs", data={"csrf_token": csrf_token("/admin/jobs"), "job_id": state.failed[0].id,
                                                "job_action": "retry"}, follow_redirects=True)
    assert "The job is back on the queue for another try." in response.get_data(as_text=True)
    assert jobs.state().waiting == 1  # type: ignore[union-attr]
    _work()
    assert sent == ["bob@example.org"]
    assert "No job has failed." in client.get("/admin/jobs").get_data(as_text=True)


@needs_redis
def test_admins_delete_a_failed_job_and_a_second_click_is_told_it_is_gone(queued, client, login_as, csrf_token) -> None:
    queued.config["MAIL_SENDER"] = _unreachable
    login_as("admin")
    _mail()
    db.session.commit()
    _work()
    [failed] = jobs.state().failed  # type: ignore[union-attr]
    form = {"csrf_token": csrf_token("/admin/jobs"), "job_id": failed.id, "job_action": "delete"}
    assert "The failed job was deleted." in client.post("/admin/jobs", data=form, follow_redirects=True).get_data(as_text=True)
    assert jobs.state().failed == []  # type: ignore[union-attr]
    again = client.post("/admin/jobs", data=form, follow_redirects=True).get_data(as_text=True)
    assert "That job is no longer in the failed list" in again
    unknown = client.post("/admin/jobs", data={**form, "job_action": "shred"})
    assert unknown.status_code == 400


@needs_redis
def test_a_redis_that_does_not_answer_runs_the_job_here_and_the_page_says_so(queued, outbox, client, login_as) -> None:
    queued.config["REDIS_URL"] = "redis://127.0.0.1:9/0"  # nothing listens on port 9
    login_as("admin")
    _mail()
    db.session.commit()
    assert [to for to, _, _ in outbox] == ["ann@example.org"]  # sent, not lost
    response = client.get("/admin/jobs")
    assert response.status_code == 503
    assert "Redis at PHOTOID_REDIS_URL did not answer" in response.get_data(as_text=True)
    queued.config["REDIS_URL"] = _own_redis_url()


@needs_redis
def test_photoid_worker_processes_the_queue_in_a_process_of_its_own(queued, database_url, tmp_path) -> None:
    from tests.mailbox import Mailbox

    queue.reindex(queued, procs=1)
    photo = make_photo(title="Ferry landing in the flood")
    _mail()
    db.session.commit()
    assert found(queued, "ferry") == []

    mailbox = Mailbox().start()
    try:
        env = {
            **os.environ, "PHOTOID_DATABASE_URL": database_url, "PHOTOID_INSTANCE_DIR": str(tmp_path / "worker"),
            "PHOTOID_INDEX_DIR": str(queued.config["INDEX_DIR"]), "PHOTOID_JOBS": "redis",
            "PHOTOID_REDIS_URL": _own_redis_url(), "PHOTOID_JOBS_QUEUE": queued.config["JOBS_QUEUE"],
            "PHOTOID_SMTP_HOST": "127.0.0.1", "PHOTOID_SMTP_PORT": str(mailbox.port), "PHOTOID_SMTP_STARTTLS": "0",
        }
        result = subprocess.run([sys.executable, "-m", "photoid.cli", "worker", "--burst"], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        assert [message["To"] for message in mailbox.messages] == ["ann@example.org"]
    finally:
        mailbox.stop()
    assert found(queued, "ferry") == [photo.id]
    assert jobs.state() == jobs.QueueState(waiting=0, retrying=0, failed=[])
