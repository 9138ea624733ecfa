"""Archivists add photos from the browser; nobody else can."""
from __future__ import annotations

import io

import lxml.html
import pytest
from PIL import Image
from sqlalchemy import select

from photoid.extensions import db
from photoid.photos.models import Photo
from tests.factories import make_collection, make_institution


def _jpeg(size=(800, 600)) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.radial_gradient("L").resize(size).convert("RGB").save(buffer, "JPEG")
    buffer.seek(0)
    return buffer


@pytest.fixture
def collection(app):
    found = make_collection(slug="main-street", title="Main Street")
    db.session.commit()
    return found


def test_an_archivist_uploads_several_files_with_the_plain_form(client, login_as, csrf_token, collection) -> None:
    login_as("archivist", institutions=[collection.institution])
    page = client.get("/collections/main-street").get_data(as_text=True)
    assert "Add photos" in page
    response = client.post(
        "/collections/main-street/upload",
        data={"csrf_token": csrf_token("/collections/main-street/upload"), "publish": "yes",
              "files": [(_jpeg(), "MPL-100.jpg"), (io.BytesIO(b"not an image"), "letter.jpg")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "added as" in text and "MPL-100" in text
    assert "letter.jpg" in text and "not an image" in text
    alert = lxml.html.fromstring(text).xpath('//*[@role="alert"]')
    assert [a.text_content().strip() for a in alert] == ["1 of 2 files were not added. The reasons are listed under Results."]
    photo = db.session.scalar(select(Photo).where(Photo.identifier == "MPL-100"))
    assert photo is not None and photo.is_published and photo.title == "MPL-100"


def test_the_javascript_uploader_gets_one_json_outcome_per_file(client, login_as, csrf_token, collection) -> None:
    login_as("archivist", institutions=[collection.institution])
    token = csrf_token("/collections/main-street/upload")
    ok = client.post("/collections/main-street/upload", headers={"Accept": "application/json"},
                     data={"csrf_token": token, "files": (_jpeg(), "harbour_1936.jpg")}, content_type="multipart/form-data")
    assert ok.status_code == 200 and ok.json["status"] == "ingested" and ok.json["url"].startswith("/photos/")
    again = client.post("/collections/main-street/upload", headers={"Accept": "application/json"},
                        data={"csrf_token": token, "files": (_jpeg(), "harbour_1936.jpg")}, content_type="multipart/form-data")
    assert again.status_code == 400 and "already ingested" in again.json["reason"].lower()
    empty = client.post("/collections/main-street/upload", headers={"Accept": "application/json"}, data={"csrf_token": token})
    assert empty.status_code == 400 and "choose at least one" in empty.json["reason"]


@pytest.mark.parametrize(("who", "status"), [("anonymous", 302), ("patron", 403), ("other-archivist", 403), ("admin", 200)])
def test_only_staff_of_the_institution_may_upload(client, login_as, collection, who, status) -> None:
    if who == "patron":
        login_as("patron")
    elif who == "other-archivist":
        login_as("archivist", institutions=[make_institution()])
    elif who == "admin":
        login_as("admin")
    assert client.get("/collections/main-street/upload").status_code == status
    if who != "admin":
        assert "Add photos" not in client.get("/collections/main-street").get_data(as_text=True)
