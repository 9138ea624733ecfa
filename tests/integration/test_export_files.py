"""Export files written by a worker (PHOTOID_JOBS=redis): the export page queues the run, `photoid
worker` writes the file into storage counting its records, staff of the run's institution download
it, a failure shows on the run and in /admin/jobs, and `photoid purge` removes old files.

The queued tests need PHOTOID_TEST_REDIS_URL (they use test_jobs.py's own queue per test); the
in-process ones run everywhere.
"""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from photoid import jobs
from photoid.catalog import export, export_files
from photoid.catalog.models import ExportRun
from photoid.contributions.workflow import ExportRunState
from photoid.db import utcnow
from photoid.extensions import db
from tests.factories import make_collection, make_identification, make_institution, make_photo, make_user
from tests.integration.test_jobs import _work, needs_redis, queued  # noqa: F401 - queued is a fixture
from tests.integration.test_object_storage import bucket  # noqa: F401 - a fixture: a new bucket on the S3 server
from tests.s3_server import s3_endpoint
from tests.web.pages import parse

PATH = "/admin/exports"


def _archive():  # type: ignore[no-untyped-def]
    mill = make_institution(slug="millbrook", name="Millbrook Library")
    collection = make_collection(institution=mill, slug="streets", title="Street life")
    for number in range(3):
        photo = make_photo(collection=collection, identifier=f"MPL-{number}", title=f"Parade {number}")
        make_identification(photo=photo, text_value=f"Aunt Mary {number}", state="approved")
    make_identification(photo=photo, text_value="Pending Pete", state="pending")
    make_photo(identifier="OTHER-1", title="Elsewhere")
    db.session.commit()
    return mill


def _status(client, run_id: int) -> str:  # type: ignore[no-untyped-def]
    doc = parse(client.get(PATH))
    [cell] = doc.xpath(f"//tr[@id='export-{run_id}']//*[@role='status']")
    return " ".join(cell.text_content().split())


def _refreshes(client) -> bool:  # type: ignore[no-untyped-def]
    return bool(parse(client.get(PATH)).xpath("//meta[@http-equiv='refresh']"))


def _ask(client, csrf_token, **form: str):  # type: ignore[no-untyped-def]
    # buffered: a streamed export is read before the request ends, as a server would
    return client.post(PATH, data={"csrf_token": csrf_token(PATH), "format": "marcxml", "collection": "streets",
                                   "changed": "all", **form}, buffered=True)


@needs_redis
def test_a_queued_export_is_written_by_a_worker_with_progress_and_downloaded(
        queued: Flask, client, login_as, csrf_token, monkeypatch) -> None:
    mill = _archive()
    login_as("archivist", institutions=[mill])
    response = _ask(client, csrf_token)
    assert response.status_code == 303
    assert "is being written" in client.get(response.location).get_data(as_text=True)
    run = db.session.scalar(select(ExportRun))
    assert run is not None and run.state == ExportRunState.QUEUED and run.finished_at is None
    assert _status(client, run.id) == "Waiting for a worker"
    assert _refreshes(client)  # the page follows the run without JavaScript
    assert export.last_run("marcxml", run.collection_id, mill.id) is None  # no "since last" mark yet
    assert f"Export {run.id}: {export_files.filename(run)}" in [job.description for job in jobs._queue().jobs]

    seen: list[str] = []
    note = export_files._note

    def note_and_look(run_id: int, **values: object) -> None:
        note(run_id, **values)
        seen.append(_status(client, run_id))  # what staff see while the worker writes

    monkeypatch.setattr(export_files, "PROGRESS_EVERY", 1)
    monkeypatch.setattr(export_files, "_note", note_and_look)
    _work()
    assert seen == [f"Writing: {n} of 3 records" for n in (1, 2, 3)]

    db.session.expire_all()
    run = db.session.get(ExportRun, run.id)
    assert (run.state, run.record_count, run.record_total) == (ExportRunState.DONE, 3, 3)
    assert export.last_run("marcxml", run.collection_id, mill.id) == run  # the mark, now the file exists
    assert _status(client, run.id) == "Ready: Download the MARCXML (MARC 21) file"
    assert not _refreshes(client)
    [link] = parse(client.get(PATH)).xpath(f"//tr[@id='export-{run.id}']//a")
    download = client.get(link.get("href"), buffered=True)
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == f'attachment; filename="{export_files.filename(run)}"'
    assert download.headers["Cache-Control"] == "no-store"
    assert download.mimetype == "application/marcxml+xml"
    written = download.get_data()
    assert written.count(b"<marc:record") == 3 and b"Pending Pete" not in written

    # The same scope streamed in the request (no Redis) gives the same bytes.
    queued.config["JOBS"] = "inline"
    streamed = _ask(client, csrf_token, changed="all")
    assert streamed.status_code == 200 and streamed.get_data() == written

    # Another institution's archivist cannot fetch it, nor a patron; nobody signed in is sent to sign in.
    harbor = make_institution(slug="harbor", name="Harbor Archives")
    login_as("archivist", institutions=[harbor])
    assert client.get(link.get("href")).status_code == 404
    assert not parse(client.get(PATH)).xpath(f"//tr[@id='export-{run.id}']")
    login_as("patron")
    assert client.get(link.get("href")).status_code == 403


@needs_redis
def test_an_export_that_cannot_be_written_fails_on_the_run_and_in_the_failed_list(
        queued: Flask, client, login_as, csrf_token) -> None:
    mill = _archive()
    # A file where the exports folder should be: every try fails to store the file, as a full or
    # read-only disk would.
    Path(queued.config["UPLOAD_DIR"]).mkdir(parents=True, exist_ok=True)
    (Path(queued.config["UPLOAD_DIR"]) / export_files.FOLDER).write_text("not a folder")
    login_as("archivist", institutions=[mill])
    assert _ask(client, csrf_token, format="csv").status_code == 303
    _work()  # the first try and the two retries
    run = db.session.scalar(select(ExportRun))
    db.session.refresh(run)
    assert run.state == ExportRunState.FAILED and run.finished_at is None and run.file_key is None
    assert _status(client, run.id).startswith("Failed: ")
    assert not _refreshes(client)
    assert export.last_run("csv", run.collection_id, mill.id) is None  # the next "since last" still covers everything
    [failed] = jobs.state().failed  # type: ignore[union-attr]
    assert failed.description == f"Export {run.id}: {export_files.filename(run)}"
    login_as("admin")
    assert failed.description in client.get("/admin/jobs").get_data(as_text=True)


def test_without_redis_the_page_still_streams_and_shows_no_status(app: Flask, client, login_as, csrf_token) -> None:
    mill = _archive()
    login_as("archivist", institutions=[mill])
    response = _ask(client, csrf_token)
    assert response.status_code == 200 and response.headers["Content-Disposition"].startswith("attachment;")
    assert not parse(client.get(PATH)).xpath("//*[@role='status' and ancestor::table]")


def test_purge_removes_export_files_older_than_the_setting(app: Flask, client, login_as) -> None:
    mill = _archive()
    archivist = make_user(role="archivist", institutions=[mill])
    db.session.commit()
    plan = export.start_export("csv", collection_slug="streets", actor_id=archivist.id,
                               allowed_institution_ids=[mill.id])
    old = export_files.queue_export(plan, base_url="http://localhost/")  # in-process: written at once
    new = export_files.queue_export(export.start_export("dc", institution_slug="millbrook"), base_url="http://localhost/")
    db.session.expire_all()
    assert db.session.get(ExportRun, old.id).state == ExportRunState.DONE
    db.session.get(ExportRun, old.id).finished_at = utcnow() - timedelta(days=app.config["EXPORT_FILE_DAYS"] + 1)
    db.session.commit()
    login_as("archivist", institutions=[mill])
    assert client.get(f"{PATH}/{old.id}/file", buffered=True).status_code == 200

    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "export files: 1 older than 7 days removed" in result.output
    assert client.get(f"{PATH}/{old.id}/file").status_code == 404
    assert client.get(f"{PATH}/{new.id}/file", buffered=True).status_code == 200
    assert db.session.get(ExportRun, old.id).finished_at is not None  # the run and its mark stay


def test_an_export_file_in_a_bucket_is_served_by_photoid_and_purged_from_it(app: Flask, client, login_as,
                                                                             bucket, monkeypatch) -> None:  # noqa: F811
    s3, name = bucket
    monkeypatch.setattr(export_files, "SPOOL_BYTES", 1024)  # the file outgrows memory and is uploaded from disk
    app.config.update(STORAGE_URL=f"s3://{name}/site", S3_ENDPOINT_URL=s3_endpoint(),
                      MEDIA_URL="https://media.example.org/site")
    mill = _archive()
    run = export_files.queue_export(export.start_export("mods", institution_slug="millbrook"),
                                    base_url="http://localhost/")  # in-process: written at once
    db.session.expire_all()
    run = db.session.get(ExportRun, run.id)
    stored = [item["Key"] for item in s3.list_objects_v2(Bucket=name, Prefix="site/exports/").get("Contents", [])]
    assert stored == [f"site/{run.file_key}"]
    login_as("archivist", institutions=[mill])
    download = client.get(f"{PATH}/{run.id}/file", buffered=True)
    assert download.status_code == 200  # from photoid, not a redirect to the public media host
    assert download.get_data().count(b"<mods:recordIdentifier>") == 3

    run.finished_at = utcnow() - timedelta(days=app.config["EXPORT_FILE_DAYS"] + 1)
    db.session.commit()
    assert export_files.purge_files() == 1
    assert s3.list_objects_v2(Bucket=name, Prefix="site/exports/").get("KeyCount") == 0
    assert client.get(f"{PATH}/{run.id}/file").status_code == 404
