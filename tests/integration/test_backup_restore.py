"""`photoid backup` under write load and `photoid restore` into a fresh database, on SQLite and PostgreSQL.

The PostgreSQL variants make databases of their own next to PHOTOID_TEST_DATABASE_URL (as
test_migrations.py does) and skip without it or without pg_dump and pg_restore on PATH.
"""
from __future__ import annotations

import io
import json
import os
import re
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url

from config import database_url as normalised_url
from photoid.extensions import db
from photoid.photos.service import add_photo
from photoid.search import index
from tests.conftest import make_test_app
from tests.factories import make_collection, make_user

PG_URL = os.environ.get("PHOTOID_TEST_DATABASE_URL")
NewDatabase = Callable[[], str]


def _jpeg(width: int = 640, height: int = 480, shade: int = 100) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (shade, 110, 90)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture(params=["sqlite", "postgresql"])
def new_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[NewDatabase]:
    """Makes empty databases of the kind the test is run for; PostgreSQL ones are dropped at the end."""
    if request.param == "sqlite":
        names = iter(range(100))
        yield lambda: f"sqlite:///{tmp_path / f'site{next(names)}.sqlite3'}"
        return
    if not PG_URL:
        pytest.skip("PHOTOID_TEST_DATABASE_URL is not set")
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump and pg_restore (PostgreSQL's client tools) are not installed")
    url = make_url(normalised_url(PG_URL))
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    made: list[str] = []

    def make() -> str:
        name = f"photoid_backup_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        made.append(name)
        return url.set(database=name).render_as_string(hide_password=False)

    try:
        yield make
    finally:
        with admin.connect() as conn:
            for name in made:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _site(folder: Path, url: str) -> Flask:
    folder.mkdir(parents=True, exist_ok=True)
    return make_test_app(folder, url)


@pytest.fixture
def live(new_database: NewDatabase, tmp_path: Path) -> Iterator[Flask]:
    """A running site with its schema, two published photos with real images, and a patron."""
    app = _site(tmp_path / "live", new_database())
    with app.app_context():
        db.create_all()
        collection = make_collection(title="Street scenes")
        make_user(display_name="Writer")
        db.session.commit()
        add_photo(collection=collection, identifier="MPL-1", title="Parade quetzal", image_data=_jpeg(1200, 800))
        add_photo(collection=collection, identifier="MPL-2", title="Harbour ocelot", image_data=_jpeg(900, 1300))
        yield app
        db.session.remove()
        db.engine.dispose()


#: Made-up words the search finds one photo by: "tapir" then a number spelled in letters.
def _word(n: int) -> str:
    return "tapir" + "".join(chr(ord("a") + int(d)) for d in str(n))


def _write(app: Flask, stop: threading.Event, photos: list[str], identifications: list[int]) -> None:
    """Commit identifications, and a new photo every fifth one, until told to stop (at most 60 s)."""
    from photoid.accounts.models import User
    from photoid.contributions.models import Identification
    from photoid.photos.models import Collection, Photo

    deadline = time.monotonic() + 60
    with app.app_context():
        photo_id = db.session.scalar(select(Photo.id).order_by(Photo.id).limit(1))
        user_id = db.session.scalar(select(User.id).limit(1))
        collection = db.session.scalars(select(Collection)).one()
        while not stop.is_set() and time.monotonic() < deadline:
            if len(identifications) % 5 == 0:
                word = _word(len(photos))
                add_photo(collection=collection, identifier=f"W-{len(photos)}", title=f"Lighthouse {word}",
                          image_data=_jpeg(600 + len(photos), 450))
                photos.append(word)
            db.session.add(Identification(photo_id=photo_id, kind="keyword", text_value=f"word {len(identifications)}",
                                          contributor_id=user_id))
            db.session.commit()
            identifications.append(1)
        db.session.remove()


def _wait_for(condition: Callable[[], bool], writer: threading.Thread) -> None:
    while not condition() and writer.is_alive():
        time.sleep(0.01)


def test_a_backup_under_write_load_restores_into_a_fresh_site_where_search_finds_every_photo(
        live: Flask, new_database: NewDatabase, tmp_path: Path) -> None:
    stop, photos, identifications = threading.Event(), [], []  # type: ignore[var-annotated]
    writer = threading.Thread(target=_write, args=(live, stop, photos, identifications))
    writer.start()
    try:
        _wait_for(lambda: len(photos) >= 2 and len(identifications) >= 10, writer)
        photos_before, identifications_before = len(photos), len(identifications)
        result = live.test_cli_runner().invoke(args=["backup", str(tmp_path / "backup")])
        photos_after, identifications_after = len(photos), len(identifications)
        _wait_for(lambda: len(identifications) >= identifications_after + 10, writer)  # never blocked by the backup
    finally:
        stop.set()
        writer.join()
    assert result.exit_code == 0, result.output
    assert len(identifications) >= identifications_after + 10
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    counted = manifest["photos"]
    assert 2 + photos_before <= counted <= 2 + photos_after + 1  # + 1: a photo committed as the copy began
    assert f"{counted} photos" in result.output and len(manifest["photo_folders"]) == counted
    database = manifest["database"]
    assert database["file"] in {"photoid.sqlite3", "photoid.dump"} and database["bytes"] > 0
    assert (tmp_path / "backup" / database["file"]).stat().st_mode & 0o777 == 0o600
    if database["kind"] == "postgresql":  # pg_dump refuses a newer server; here both are 15
        assert database["client_major"] == database["server_major"]

    restored = _site(tmp_path / "restored", new_database())
    with restored.app_context():
        result = restored.test_cli_runner().invoke(args=["restore", str(tmp_path / "backup")])
        assert result.exit_code == 0, result.output
        out = result.output
        steps = [out.index("1. Database restored"), out.index("2. Photo files restored"),
                 out.index("3. Search index rebuilt"), out.index(f"Restored {counted} photos")]
        assert steps == sorted(steps), out
        assert "Kept public pages end with the page version" in out

        from photoid.contributions.models import Identification
        from photoid.photos.models import Photo

        # One moment during the writes: everything up to it, nothing missing, nothing after the backup ended.
        words = set(db.session.scalars(select(Identification.text_value)))
        assert words == {f"word {n}" for n in range(len(words))}
        assert identifications_before <= len(words) <= identifications_after + 1
        titles = {title: photo_id for title, photo_id in db.session.execute(select(Photo.title, Photo.id))}
        assert len(titles) == counted
        assert set(titles) == {"Parade quetzal", "Harbour ocelot"} | {f"Lighthouse {_word(n)}" for n in range(counted - 2)}
        assert index.exists(restored.config["INDEX_DIR"])

        client = restored.test_client()
        for title, photo_id in titles.items():
            word = title.split()[1]
            found = client.get(f"/search?q={word}").get_data(as_text=True)
            assert "1 photo found" in found and f'href="/photos/{photo_id}"' in found, title
            page = client.get(f"/photos/{photo_id}")
            assert page.status_code == 200 and title in page.get_data(as_text=True)
        with client.get(f"/media/photos/{titles['Parade quetzal']}/display.jpg") as image:
            assert image.status_code == 200 and Image.open(io.BytesIO(image.data)).size == (1200, 800)


def test_after_a_restore_no_visitor_is_shown_a_page_kept_from_before_it(live: Flask, tmp_path: Path) -> None:
    from photoid import page_versions
    from photoid.photos.models import Photo

    runner, client = live.test_cli_runner(), live.test_client()
    assert runner.invoke(args=["backup", str(tmp_path / "backup")]).exit_code == 0
    photo = db.session.scalars(select(Photo).where(Photo.title == "Parade quetzal")).one()
    photo_id, photo.title = photo.id, "Renamed after the backup"
    db.session.commit()
    assert "Renamed after the backup" in client.get(f"/photos/{photo_id}").get_data(as_text=True)
    seen = page_versions.latest(db.session.connection())
    db.session.remove()

    result = runner.invoke(args=["restore", "--force", str(tmp_path / "backup")])
    assert result.exit_code == 0, result.output
    assert page_versions.latest(db.session.connection()) > seen
    for _change in range(2):  # as restored, then after any change: never on a version a page was kept under
        page = client.get(f"/photos/{photo_id}").get_data(as_text=True)
        assert "Parade quetzal" in page and "Renamed after the backup" not in page
        make_user()
        db.session.commit()


def _target_untouched(site: Flask) -> None:
    """The restore target still has no tables and its upload folder no photos."""
    with db.engine.connect() as conn:
        assert not inspect(conn).get_table_names()
    db.engine.dispose()
    assert not list((Path(site.config["UPLOAD_DIR"]) / "photos").glob("*/*"))


def test_restore_refuses_a_tampered_backup_and_changes_nothing(live: Flask, new_database: NewDatabase, tmp_path: Path) -> None:
    good = tmp_path / "good"
    assert live.test_cli_runner().invoke(args=["backup", str(good)]).exit_code == 0
    database_file = json.loads((good / "manifest.json").read_text())["database"]["file"]
    fresh = _site(tmp_path / "fresh", new_database())
    for tamper, expected in [("derived image", "do not match the manifest"), ("database", "is missing or damaged"),
                             ("manifest removed", "not a complete photoid backup")]:
        backup = tmp_path / tamper.replace(" ", "-")
        shutil.copytree(good, backup)
        if tamper == "derived image":
            next(backup.glob("uploads/photos/*/*/display.jpg")).write_bytes(_jpeg(shade=250))
        elif tamper == "database":
            with (backup / database_file).open("r+b") as handle:
                handle.seek(300)
                handle.write(b"tampered")
        else:
            (backup / "manifest.json").unlink()
        with fresh.app_context():
            result = fresh.test_cli_runner().invoke(args=["restore", str(backup)])
            assert result.exit_code != 0 and "Nothing was restored" in result.output, (tamper, result.output)
            assert expected in result.output and "Restored" not in result.output, (tamper, result.output)
            _target_untouched(fresh)


def test_a_postgresql_backup_without_pg_dump_fails_and_writes_no_manifest(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs in every suite: on the test PostgreSQL database when there is one, else on an address
    nothing answers at (the missing tool is found before the database is needed)."""
    url = PG_URL or "postgresql://photoid@127.0.0.1:9/photoid"
    site = _site(tmp_path / "site", normalised_url(url))
    empty_path = tmp_path / "bin"
    empty_path.mkdir()
    monkeypatch.setenv("PATH", str(empty_path))
    with site.app_context():
        result = site.test_cli_runner().invoke(args=["backup", str(tmp_path / "backup")])
    assert result.exit_code != 0
    assert "pg_dump was not found" in result.output and "apt install postgresql-client" in result.output
    assert "No backup was written" in result.output
    assert not (tmp_path / "backup" / "manifest.json").exists()


@pytest.mark.skipif(not PG_URL, reason="PHOTOID_TEST_DATABASE_URL is not set")
def test_a_pg_dump_older_than_the_server_is_refused_with_the_package_to_install(tmp_path: Path,
                                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    site = _site(tmp_path / "site", normalised_url(PG_URL or ""))
    with site.app_context():
        with db.engine.connect() as conn:
            server = int(conn.scalar(text("SHOW server_version_num"))) // 10000
        db.engine.dispose()
    fake = tmp_path / "bin" / "pg_dump"
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/sh\necho 'pg_dump (PostgreSQL) {server - 1}.3'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(fake.parent))
    with site.app_context():
        result = site.test_cli_runner().invoke(args=["backup", str(tmp_path / "backup")])
    assert result.exit_code != 0, result.output
    assert re.search(rf"version {server - 1}, older than the {server}", result.output)
    assert f"apt install postgresql-client-{server}" in result.output
    assert not (tmp_path / "backup").exists()


def test_a_restore_counts_the_photos_in_the_restored_database(live: Flask, new_database: NewDatabase, tmp_path: Path) -> None:
    """The count printed is read from the restored database, not taken from the manifest."""
    assert live.test_cli_runner().invoke(args=["backup", str(tmp_path / "backup")]).exit_code == 0
    manifest_path = tmp_path / "backup" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["photos"] = 99
    manifest_path.write_text(json.dumps(manifest))
    fresh = _site(tmp_path / "fresh", new_database())
    with fresh.app_context():
        result = fresh.test_cli_runner().invoke(args=["restore", str(tmp_path / "backup")])
        assert result.exit_code == 0, result.output
        assert "Restored 2 photos" in result.output
        from photoid.photos.models import Photo

        assert db.session.scalar(select(func.count()).select_from(Photo)) == 2
