"""A browser upload's images are made by the ``photos.process`` job (photos/processing.py): in the
request with jobs in-process (the default), by ``photoid worker`` with PHOTOID_JOBS=redis, the
uploader watching the photo's page meanwhile and nobody else seeing the photo until it is ready.

The Redis tests need PHOTOID_TEST_REDIS_URL; they share test_jobs.py's queue fixture and worker run.
"""
from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import lxml.html
import pytest
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from photoid import jobs
from photoid.contributions.workflow import PhotoProcessing
from photoid.db import utcnow
from photoid.extensions import db
from photoid.photos import processing
from photoid.photos.models import Photo, PhotoUpload
from photoid.photos.service import storage
from photoid.search import queue
from tests.factories import make_collection
from tests.integration.test_jobs import _work, found, needs_redis, queued  # noqa: F401 - queued is a fixture

UPLOAD = "/collections/main-street/upload"


def _jpeg(size: tuple[int, int] = (1200, 900)) -> bytes:
    buffer = io.BytesIO()
    Image.radial_gradient("L").resize(size).convert("RGB").save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def archivist(app, client, login_as):  # type: ignore[no-untyped-def]
    collection = make_collection(slug="main-street", title="Main Street")
    db.session.commit()
    return login_as("archivist", institutions=[collection.institution])


def _upload(client: FlaskClient, csrf_token, data: bytes, name: str = "MPL-7.jpg"):  # type: ignore[no-untyped-def]
    return client.post(UPLOAD, content_type="multipart/form-data",
                       data={"csrf_token": csrf_token(UPLOAD), "publish": "yes", "files": (io.BytesIO(data), name)})


def _photo() -> Photo:
    db.session.expire_all()
    photo = db.session.scalar(select(Photo))
    assert photo is not None
    return photo


def _incoming() -> list[str]:
    return storage().keys(processing.INCOMING)


def _status(html: str) -> str:
    regions = lxml.html.fromstring(html).xpath('//*[@role="status" or @role="alert"][not(contains(@class, "flashes"))]')
    return " ".join(" ".join(r.text_content().split()) for r in regions)


def _visitor_sees(app, photo_id: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    visitor = app.test_client()
    statuses = {}
    for path in (f"/photos/{photo_id}", f"/iiif/3/{photo_id}/info.json", f"/media/photos/{photo_id}/thumb.jpg"):
        with visitor.get(path) as response:
            statuses[path] = response.status_code
    return statuses


# --------------------------------------------------------------------------- in-process (no Redis)

def test_without_redis_the_upload_is_ready_when_the_page_answers_and_its_original_is_tidied(
        app, client, archivist, csrf_token) -> None:
    response = _upload(client, csrf_token, _jpeg())
    assert response.status_code == 200 and "added as" in response.get_data(as_text=True)
    photo = _photo()
    assert photo.processing_state == PhotoProcessing.READY and photo.is_published
    assert (photo.width, photo.height) == (1200, 900)
    assert db.session.scalars(select(PhotoUpload)).all() == [] and _incoming() == []
    assert _visitor_sees(app, photo.id) == {f"/photos/{photo.id}": 200, f"/iiif/3/{photo.id}/info.json": 200,
                                            f"/media/photos/{photo.id}/thumb.jpg": 200}


def test_damage_found_while_decoding_fails_the_photo_for_staff_who_keep_the_file(app, client, archivist,
                                                                                 csrf_token) -> None:
    whole = _jpeg((2400, 1800))
    response = _upload(client, csrf_token, whole[: len(whole) // 2])  # the header is fine; the pixels stop halfway
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "added as" in text and "its images could not be made" in text
    photo = _photo()
    assert photo.processing_state == PhotoProcessing.FAILED and not photo.is_published
    assert len(_incoming()) == 1  # nothing the archivist sent is lost
    page = client.get(f"/photos/{photo.id}").get_data(as_text=True)
    assert "Processing failed" in _status(page) and "could not be made into images" in _status(page)
    assert lxml.html.fromstring(page).xpath('//form[contains(@action, "/processing/retry")]//button')[0].text == "Try again"
    assert _visitor_sees(app, photo.id) == {f"/photos/{photo.id}": 404, f"/iiif/3/{photo.id}/info.json": 404,
                                            f"/media/photos/{photo.id}/thumb.jpg": 404}

    # Deleting the failed photo removes the kept original too.
    token = csrf_token(f"/photos/{photo.id}/delete")
    assert client.post(f"/photos/{photo.id}/delete", data={"csrf_token": token}).status_code == 302
    assert _incoming() == []


def test_a_header_that_is_not_an_image_is_refused_before_anything_is_stored(app, client, archivist,
                                                                            csrf_token) -> None:
    response = _upload(client, csrf_token, b"GIF89a" + b"\0" * 100, name="scan.gif")
    assert response.status_code == 400 and "not added" in response.get_data(as_text=True)
    assert db.session.scalar(select(Photo)) is None and _incoming() == []


def test_a_photo_still_processing_cannot_be_published_by_hand(app, client, archivist, csrf_token, monkeypatch) -> None:
    monkeypatch.setattr(jobs, "enqueue", lambda name, **kwargs: None)  # a worker that never comes
    _upload(client, csrf_token, _jpeg())
    photo = _photo()
    assert photo.processing_state == PhotoProcessing.PROCESSING
    token = csrf_token(f"/photos/{photo.id}")
    page = client.post(f"/photos/{photo.id}/publish", data={"csrf_token": token}, follow_redirects=True)
    assert "it can be published once it is ready" in page.get_data(as_text=True)
    assert not _photo().is_published
    # Nor retried while a try may be under way.
    page = client.post(f"/photos/{photo.id}/processing/retry", data={"csrf_token": token}, follow_redirects=True)
    assert "there is nothing to try again" in page.get_data(as_text=True)
    # The collection's staff view lists it without a thumbnail (there is none yet), marked as processing.
    card = lxml.html.fromstring(client.get("/collections/main-street").get_data(as_text=True)).xpath(
        '//li[@class="photo-card"]')
    assert [(c.xpath("string(.//p[@class='badge'])"), c.xpath(".//img")) for c in card] == [("Processing", [])]
    # A try that has not moved for longer than a job may run (its worker was killed) may be started again.
    db.session.get(PhotoUpload, photo.id).updated_at = utcnow() - timedelta(hours=2)  # type: ignore[union-attr]
    db.session.commit()
    page = client.get(f"/photos/{photo.id}").get_data(as_text=True)
    assert "Processing stopped: nothing has moved since" in _status(page)
    assert not lxml.html.fromstring(page).xpath('//meta[@http-equiv="refresh"]')
    page = client.post(f"/photos/{photo.id}/processing/retry", data={"csrf_token": token}, follow_redirects=True)
    assert "Its images are being made again." in page.get_data(as_text=True)
    assert "Processing: waiting for a worker" in _status(page.get_data(as_text=True))
    # Withdrawn before it is ready (it was uploaded with "publish"), it stays unpublished once ready.
    client.post(f"/photos/{photo.id}/unpublish", data={"csrf_token": token})
    processing.process_job(photo.id)
    photo = _photo()
    assert photo.processing_state == PhotoProcessing.READY and not photo.is_published


# --------------------------------------------------------------------------- with Redis

@needs_redis
def test_with_redis_the_uploader_watches_the_worker_make_the_images(queued, client, archivist, csrf_token,
                                                                   monkeypatch) -> None:
    queue.reindex(queued, procs=1)
    response = _upload(client, csrf_token, _jpeg(), name="Harbour_fog.jpg")
    assert response.status_code == 200
    assert "Processing: its zoomable image is being made" in response.get_data(as_text=True)
    photo = _photo()
    assert photo.processing_state == PhotoProcessing.PROCESSING and not photo.is_published
    assert f"Images of photo {photo.id} (Harbour_fog)" in [job.description for job in jobs._queue().jobs]

    page = client.get(f"/photos/{photo.id}").get_data(as_text=True)
    assert "Processing: waiting for a worker" in _status(page)
    assert lxml.html.fromstring(page).xpath('//meta[@http-equiv="refresh"]/@content') == ["5"]
    assert _visitor_sees(queued, photo.id) == {f"/photos/{photo.id}": 404, f"/iiif/3/{photo.id}/info.json": 404,
                                               f"/media/photos/{photo.id}/thumb.jpg": 404}
    queue.reindex(queued, procs=1)  # even an index rebuilt now leaves it out
    assert found(queued, "harbour") == []
    assert "Harbour fog" not in client.get("/oai", query_string={"verb": "ListRecords", "metadataPrefix": "oai_dc"}
                                           ).get_data(as_text=True)

    seen: list[str] = []
    real_stage = processing.stage_file

    def watched(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(_status(client.get(f"/photos/{photo.id}").get_data(as_text=True)))
        return real_stage(*args, **kwargs)

    monkeypatch.setattr(processing, "stage_file", watched)
    _work()
    assert seen == ["Processing: making the zoomable image… step 2 of 3."]
    photo = _photo()
    assert photo.processing_state == PhotoProcessing.READY and photo.is_published
    assert db.session.scalars(select(PhotoUpload)).all() == [] and _incoming() == []
    assert _visitor_sees(queued, photo.id) == {f"/photos/{photo.id}": 200, f"/iiif/3/{photo.id}/info.json": 200,
                                               f"/media/photos/{photo.id}/thumb.jpg": 200}
    assert found(queued, "harbour") == [photo.id]
    assert "Harbour fog" in client.get("/oai", query_string={"verb": "ListRecords", "metadataPrefix": "oai_dc"}
                                       ).get_data(as_text=True)
    assert jobs.state() == jobs.QueueState(waiting=0, retrying=0, failed=[])


@needs_redis
def test_a_failing_worker_is_retried_then_staff_see_the_failure_and_try_again(queued, client, login_as, archivist,
                                                                             csrf_token, monkeypatch) -> None:
    tries: list[int] = []

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        tries.append(1)
        raise OSError("No space left on device")

    monkeypatch.setattr(processing, "stage_file", broken)
    _upload(client, csrf_token, _jpeg())
    photo = _photo()
    _work()
    assert len(tries) == 3  # the first try and the two retries
    photo = _photo()
    assert photo.processing_state == PhotoProcessing.FAILED and not photo.is_published
    assert len(_incoming()) == 1  # the upload waits for another try
    [failed] = jobs.state().failed  # type: ignore[union-attr]
    assert failed.description == f"Images of photo {photo.id} (MPL-7)"
    assert failed.error == "OSError: No space left on device"

    page = client.get(f"/photos/{photo.id}").get_data(as_text=True)
    assert re.search(r"Processing failed: .* after 3 tries\. OSError: No space left on device", _status(page))
    assert not lxml.html.fromstring(page).xpath('//meta[@http-equiv="refresh"]')
    assert _visitor_sees(queued, photo.id)[f"/photos/{photo.id}"] == 404

    monkeypatch.undo()
    token = csrf_token(f"/photos/{photo.id}")
    answer = client.post(f"/photos/{photo.id}/processing/retry", data={"csrf_token": token}, follow_redirects=True)
    assert "Its images are being made again." in answer.get_data(as_text=True)
    assert "Processing:" in _status(answer.get_data(as_text=True))
    _work()
    photo = _photo()
    assert photo.processing_state == PhotoProcessing.READY and photo.is_published and _incoming() == []
    assert _visitor_sees(queued, photo.id)[f"/photos/{photo.id}"] == 200

    # The dead-letter entry is still on /admin/jobs; retried from there it finds the photo ready and does nothing.
    login_as("admin")
    assert f"Images of photo {photo.id} (MPL-7)" in client.get("/admin/jobs").get_data(as_text=True)
    jobs.retry_failed(failed.id)
    _work()
    assert jobs.state() == jobs.QueueState(waiting=0, retrying=0, failed=[])
    assert _photo().processing_state == PhotoProcessing.READY


# --------------------------------------------------------------------------- with the files in a bucket

def test_a_worker_on_another_machine_reads_the_upload_from_the_bucket(app, client, archivist, csrf_token, monkeypatch,
                                                                      tmp_path) -> None:
    from tests.s3_server import CREDENTIALS, bucket_names, new_bucket, s3_client, s3_endpoint

    for variable, value in CREDENTIALS.items():
        monkeypatch.setenv(variable, value)
    s3 = s3_client(s3_endpoint())
    name = new_bucket(s3)
    app.config.update(S3_ENDPOINT_URL=s3_endpoint(), STORAGE_URL=f"s3://{name}/site")
    started: list[dict[str, int]] = []
    monkeypatch.setattr(jobs, "enqueue", lambda job, **kwargs: job == processing.JOB and started.append(kwargs))

    web_disk = Path(app.config["UPLOAD_DIR"])
    assert _upload(client, csrf_token, _jpeg()).status_code == 200
    photo = _photo()
    assert [key for key in bucket_names(s3, name) if not key.startswith("site/incoming/")] == []
    assert len(bucket_names(s3, name)) == 1  # the original, waiting in the bucket
    assert [p for p in web_disk.rglob("*") if p.is_file()] == []  # and not on the web server's disk

    worker_disk = tmp_path / "worker"  # another machine: its own local folder, the same bucket
    worker_disk.mkdir()
    app.config["UPLOAD_DIR"] = worker_disk
    processing.process_job(photo_id=started[0]["photo_id"])  # what the worker runs
    photo = _photo()
    assert photo.processing_state == PhotoProcessing.READY and photo.is_published
    stored = bucket_names(s3, name)
    assert f"site/photos/{photo.source_checksum[:2]}/{photo.source_checksum}/meta.json" in stored
    assert not [key for key in stored if key.startswith("site/incoming/")]
    with app.test_client().get(f"/media/photos/{photo.id}/thumb.jpg") as thumb:
        assert thumb.status_code == 200 and thumb.data[:2] == b"\xff\xd8"
