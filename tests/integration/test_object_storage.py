"""A site's files in an S3 bucket (PHOTOID_STORAGE_URL), on a real S3 API server (moto in server
mode, tests/s3_server.py): `photoid storage migrate` moves a small site from its local folder into
the bucket, resumably, and the site then serves its pages, images and IIIF tiles from there."""
from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from photoid.extensions import db
from photoid.photos.models import Photo
from photoid.photos.service import add_photo
from photoid.photos.storage import derivative_key, photo_prefix
from tests.conftest import make_test_app
from tests.factories import jpeg_bytes, make_collection
from tests.s3_server import CREDENTIALS, bucket_names, new_bucket, s3_client, s3_endpoint

CDN = "https://media.example.org/site"


@pytest.fixture
def bucket(monkeypatch: pytest.MonkeyPatch) -> tuple[Any, str]:
    """(a client of the S3 server, a new empty bucket); the app's boto3 finds the same credentials."""
    endpoint = s3_endpoint()
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    client = s3_client(endpoint)
    return client, new_bucket(client)


def _migrate(app: Flask, url: str, *extra: str) -> str:
    result = app.test_cli_runner().invoke(args=["storage", "migrate", "--to", url, *extra])
    assert result.exit_code == 0, result.output
    return result.output


def _site(app: Flask) -> dict[str, Photo]:
    """Three photos with real images: two public, one not yet published."""
    collection = make_collection(title="Street scenes")
    db.session.commit()
    return {
        "parade": add_photo(collection=collection, identifier="MPL-1", title="Parade on Main Street",
                            image_data=jpeg_bytes(1200, 800, shade=10)),
        "harbour": add_photo(collection=collection, identifier="MPL-2", title="The harbour",
                             image_data=jpeg_bytes(700, 1100, shade=80)),
        "draft": add_photo(collection=collection, identifier="MPL-3", title="Not yet catalogued",
                           image_data=jpeg_bytes(600, 600, shade=160), is_published=False),
    }


def test_a_site_moved_into_a_bucket_is_served_from_it(app: Flask, client: FlaskClient, bucket: tuple[Any, str],
                                                      login_as: Callable[..., Any]) -> None:
    s3, name = bucket
    photos = _site(app)
    local = sorted(p.relative_to(app.config["UPLOAD_DIR"]).as_posix() for p in Path(app.config["UPLOAD_DIR"]).rglob("*")
                   if p.is_file() and not p.name.startswith("."))
    assert len(local) > 20  # originals, derivatives and tiles
    app.config["S3_ENDPOINT_URL"] = s3_endpoint()
    url = f"s3://{name}/site"

    output = _migrate(app, url, "--every", "10")
    assert f"Copying the stored files from {app.config['UPLOAD_DIR']} to {url}." in output
    progress = re.findall(r"^\[[#.]{30}\] (\d+)/(\d+) files", output, re.MULTILINE)
    assert [int(n) for n, _ in progress] == [*range(10, len(local), 10), len(local)]
    assert f"Done: {len(local)} copied, 0 already there." in output
    assert bucket_names(s3, name) == sorted(f"site/{key}" for key in local)

    # An interrupted run is resumed: only what is missing, or not whole, is copied again.
    parade = photo_prefix(photos["parade"].source_checksum)
    s3.delete_object(Bucket=name, Key=f"site/{parade}/meta.json")
    s3.put_object(Bucket=name, Key=f"site/{parade}/thumb.jpg", Body=b"half")
    assert f"Done: 2 copied, {len(local) - 2} already there." in _migrate(app, url)

    # The site switches to the bucket; its local folder no longer holds any photo.
    shutil.rmtree(Path(app.config["UPLOAD_DIR"]) / "photos")
    app.config["STORAGE_URL"] = url
    page = client.get(f"/photos/{photos['parade'].id}")
    assert page.status_code == 200 and "Parade on Main Street" in page.get_data(as_text=True)
    thumb = client.get(f"/media/photos/{photos['parade'].id}/thumb.jpg")
    stored = s3.get_object(Bucket=name, Key=f"site/{derivative_key(photos['parade'].source_checksum, 'thumb')}")
    assert thumb.status_code == 200 and thumb.data == stored["Body"].read() and thumb.mimetype == "image/jpeg"
    assert stored["ContentType"] == "image/jpeg"  # what the bucket sends when a CDN serves it (PHOTOID_MEDIA_URL)
    assert thumb.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get(f"/media/photos/{photos['parade'].id}/thumb.jpg",
                      headers={"If-None-Match": thumb.headers["ETag"]}).status_code == 304
    size = client.get(f"/iiif/3/{photos['harbour'].id}/info.json").get_json()["sizes"][0]
    tile = client.get(f"/iiif/3/{photos['harbour'].id}/full/{size['width']},{size['height']}/0/default.jpg")
    assert tile.status_code == 200 and tile.data[:2] == b"\xff\xd8"
    assert client.get(f"/media/photos/{photos['draft'].id}/thumb.jpg").status_code == 404  # not public

    # A new upload goes into the bucket, whole.
    added = add_photo(collection=photos["parade"].collection, identifier="MPL-4", title="Snow on the square",
                      image_data=jpeg_bytes(900, 900, shade=200))
    assert f"site/{photo_prefix(added.source_checksum)}/meta.json" in bucket_names(s3, name)
    assert client.get(f"/media/photos/{added.id}/display.jpg").status_code == 200
    head = s3.head_object(Bucket=name, Key=f"site/{derivative_key(added.source_checksum, 'display')}")
    assert head["ContentType"] == "image/jpeg"
    head = s3.head_object(Bucket=name, Key=f"site/{photo_prefix(added.source_checksum)}/meta.json")
    assert head["ContentType"] == "application/json"


def test_public_images_come_from_the_media_url_and_the_rest_through_photoid(
        app: Flask, client: FlaskClient, bucket: tuple[Any, str], login_as: Callable[..., Any]) -> None:
    s3, name = bucket
    app.config.update(S3_ENDPOINT_URL=s3_endpoint(), STORAGE_URL=f"s3://{name}/site", MEDIA_URL=CDN)
    photos = _site(app)
    parade, draft = photos["parade"], photos["draft"]

    thumb = client.get(f"/media/photos/{parade.id}/thumb.jpg")
    assert thumb.status_code == 302
    assert thumb.headers["Location"] == f"{CDN}/{derivative_key(parade.source_checksum, 'thumb')}"
    info = client.get(f"/iiif/3/{parade.id}/info.json").get_json()
    assert info["id"] == f"{CDN}/{photo_prefix(parade.source_checksum)}/iiif"  # viewers fetch tiles there
    size = info["sizes"][0]
    tile_key = f"{photo_prefix(parade.source_checksum)}/iiif/full/{size['width']},{size['height']}/0/default.jpg"
    assert f"site/{tile_key}" in bucket_names(s3, name)  # what info.json advertises is in the bucket

    # A photo that is not public: no address outside photoid, and only its staff see it.
    assert client.get(f"/media/photos/{draft.id}/thumb.jpg").status_code == 404
    assert client.get(f"/iiif/3/{draft.id}/info.json").status_code == 404
    login_as("archivist", institutions=[draft.collection.institution])
    streamed = client.get(f"/media/photos/{draft.id}/thumb.jpg")
    assert streamed.status_code == 200 and streamed.data[:2] == b"\xff\xd8"
    assert client.get(f"/iiif/3/{draft.id}/info.json").get_json()["id"].endswith(f"/iiif/3/{draft.id}")


def test_migrating_to_a_missing_bucket_or_a_bad_url_says_what_is_wrong(app: Flask, bucket: tuple[Any, str]) -> None:
    app.config["S3_ENDPOINT_URL"] = s3_endpoint()
    add_photo(collection=make_collection(), identifier="MPL-1", image_data=jpeg_bytes(300, 200))
    runner = app.test_cli_runner()
    missing = runner.invoke(args=["storage", "migrate", "--to", "s3://no-such-bucket-here/site"])
    assert missing.exit_code == 1 and "NoSuchBucket" in missing.output and "run the command again" in missing.output
    bad = runner.invoke(args=["storage", "migrate", "--to", "s3://"])
    assert bad.exit_code == 1 and "s3://bucket/prefix" in bad.output
    same = runner.invoke(args=["storage", "migrate", "--to", str(app.config["UPLOAD_DIR"])])
    assert same.exit_code == 1 and "already stored in" in same.output


def test_a_backup_of_a_site_in_a_bucket_restores_into_another_bucket(tmp_path: Path, bucket: tuple[Any, str]) -> None:
    s3, first = bucket
    second = new_bucket(s3)

    def site(name: str, bucket_name: str) -> Flask:  # a SQLite site of its own (backup copies SQLite online)
        (tmp_path / name).mkdir()
        return make_test_app(tmp_path / name, f"sqlite:///{tmp_path / name / 'site.sqlite3'}",
                             STORAGE_URL=f"s3://{bucket_name}/site", S3_ENDPOINT_URL=s3_endpoint())

    live = site("live", first)
    with live.app_context():
        db.create_all()
        photo = add_photo(collection=make_collection(), identifier="MPL-1", title="Parade on Main Street",
                          image_data=jpeg_bytes(900, 600, shade=30))
        photo_id = photo.id
        backup = live.test_cli_runner().invoke(args=["backup", str(tmp_path / "backup")])
        assert backup.exit_code == 0, backup.output
    assert (tmp_path / "backup" / "uploads" / photo_prefix(photo.source_checksum) / "meta.json").is_file()

    restored = site("restored", second)
    with restored.app_context():
        result = restored.test_cli_runner().invoke(args=["restore", str(tmp_path / "backup")])
        assert result.exit_code == 0, result.output
        assert f"into s3://{second}/site" in result.output
        assert bucket_names(s3, second) == bucket_names(s3, first)
        thumb = restored.test_client().get(f"/media/photos/{photo_id}/thumb.jpg")
        assert thumb.status_code == 200 and thumb.data[:2] == b"\xff\xd8"


def test_photoid_import_with_several_workers_stores_into_the_bucket(app: Flask, client: FlaskClient, bucket: tuple[Any, str],
                                                                    tmp_path: Path) -> None:
    """The import's worker processes each get the storage; a boto3 client cannot be pickled, so they make their own."""
    s3, name = bucket
    app.config.update(S3_ENDPOINT_URL=s3_endpoint(), STORAGE_URL=f"s3://{name}/site")
    make_collection(slug="harbour")
    db.session.commit()
    for n, shade in enumerate((20, 90, 160)):
        (tmp_path / f"ferry-{n}.jpg").write_bytes(jpeg_bytes(800, 500, shade=shade))
    (tmp_path / "manifest.csv").write_text("identifier,title,file\n" + "".join(
        f"MPL-{n},The ferry landing {n},ferry-{n}.jpg\n" for n in range(3)))
    result = app.test_cli_runner().invoke(args=["import", str(tmp_path / "manifest.csv"), "--images", str(tmp_path),
                                                "--collection", "harbour", "--workers", "2"])
    assert result.exit_code == 0, result.output
    photos = db.session.scalars(db.select(Photo).order_by(Photo.identifier)).all()
    assert [p.title for p in photos] == ["The ferry landing 0", "The ferry landing 1", "The ferry landing 2"]
    for photo in photos:
        assert derivative_key(photo.source_checksum, "display") in {k.removeprefix("site/") for k in bucket_names(s3, name)}
        display = client.get(f"/media/photos/{photo.id}/display.jpg")
        assert display.status_code == 200 and display.data[:2] == b"\xff\xd8"
    assert not list(Path(app.config["UPLOAD_DIR"]).rglob("*.jpg"))  # nothing landed on the local disk
