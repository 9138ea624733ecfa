"""Long work never holds SQLite's write lock: while an export downloads or an upload's image is
processed, another writer (a patron's comment) gets in at once instead of waiting and failing.

SQLite only: PostgreSQL has no database-wide write lock.
"""
from __future__ import annotations

import io
import sqlite3
import threading

import pytest
from PIL import Image
from sqlalchemy import select

from photoid.catalog import export
from photoid.catalog.models import ExportRun
from photoid.extensions import db
from photoid.photos import ingest
from photoid.photos.models import Photo
from tests.conftest import PG_URL
from tests.factories import make_collection, make_photo

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="SQLite's database-wide write lock")


def another_writer_gets_in(app) -> bool:  # type: ignore[no-untyped-def]
    """Whether a second connection (another worker) can take the write lock within 0.3 s."""
    other = sqlite3.connect(db.engine.url.database, timeout=0.3, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as error:
        assert "locked" in str(error)
        return False
    finally:
        other.close()


def _token(client, path: str) -> str:  # type: ignore[no-untyped-def]
    from tests.conftest import CSRF_PATTERN

    match = CSRF_PATTERN.search(client.get(path).get_data(as_text=True))
    assert match
    return match.group(1) or match.group(2)


def test_an_export_being_downloaded_lets_others_write(app, client, login_as, monkeypatch) -> None:
    collection = make_collection(slug="streets", title="Street life")
    for number in range(5):
        make_photo(collection=collection, identifier=f"MPL-{number}", title=f"Street {number}")
    db.session.commit()
    login_as("admin")
    token = _token(client, "/admin/exports")
    started, checked = threading.Event(), threading.Event()
    real_render = export.render

    def slow_download(*args, **kwargs):  # type: ignore[no-untyped-def]
        """The archive's own connection is slow: the file is half sent when the next writer comes."""
        pieces = real_render(*args, **kwargs)
        yield next(pieces)
        started.set()
        checked.wait(10)
        yield from pieces

    monkeypatch.setattr(export, "render", slow_download)
    answers = []
    download = threading.Thread(target=lambda: answers.append(client.post(
        "/admin/exports", data={"csrf_token": token, "format": "csv", "collection": "", "changed": "all"}, buffered=True,
    )))
    download.start()
    try:
        assert started.wait(10)
        writer_got_in = another_writer_gets_in(app)
    finally:
        checked.set()
        download.join(20)
    assert writer_got_in, "the download holds the write lock"
    assert answers[0].status_code == 200 and answers[0].get_data().count(b"MPL-") == 5
    run = db.session.scalar(select(ExportRun))
    assert run is not None and run.record_count == 5  # the run is still recorded, once the file is complete


def test_an_uploaded_image_is_processed_while_others_may_write(app, client, login_as, monkeypatch) -> None:
    collection = make_collection(slug="main-street", title="Main Street")
    db.session.commit()
    login_as("archivist", institutions=[collection.institution])
    token = _token(client, "/collections/main-street/upload")
    seen: list[bool] = []
    real_process = ingest.process_image

    def watched_process(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(another_writer_gets_in(app))
        return real_process(*args, **kwargs)

    monkeypatch.setattr(ingest, "process_image", watched_process)
    image = io.BytesIO()
    Image.radial_gradient("L").resize((800, 600)).convert("RGB").save(image, "JPEG")
    image.seek(0)
    response = client.post("/collections/main-street/upload", content_type="multipart/form-data",
                           data={"csrf_token": token, "publish": "yes", "files": (image, "MPL-100.jpg")})
    assert response.status_code == 200
    assert seen == [True], "the image was processed while holding the write lock"
    assert db.session.scalar(select(Photo.identifier)) == "MPL-100"
