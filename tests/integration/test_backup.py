"""`photoid backup` under write load, and `photoid restore` into a fresh site that then works.

These tests run on SQLite files of their own (the online backup is SQLite's), whichever database
the rest of the suite uses.
"""
from __future__ import annotations

import io
import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from photoid.contributions.models import Identification
from photoid.extensions import db
from photoid.photos.service import add_photo
from tests.conftest import make_test_app
from tests.factories import make_collection, make_user


def _jpeg(width: int = 1200, height: int = 800) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (120, 110, 90)).save(buffer, "JPEG")
    return buffer.getvalue()


def _site(folder: Path) -> Flask:
    folder.mkdir(parents=True, exist_ok=True)
    return make_test_app(folder, f"sqlite:///{folder / 'site.sqlite3'}")


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Flask]:
    """A running site with its schema, two photos with real images, and a patron."""
    app = _site(tmp_path / "live")
    with app.app_context():
        db.create_all()
        collection = make_collection(title="Street scenes")
        make_user(display_name="Writer")
        db.session.commit()
        add_photo(collection=collection, identifier="MPL-1", title="Parade on Main Street", image_data=_jpeg())
        add_photo(collection=collection, identifier="MPL-2", title="The harbour", image_data=_jpeg(900, 1300))
        yield app
        db.session.remove()
        db.engine.dispose()


def _count_identifications(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT count(*) FROM identification").fetchone()[0]


def _write_identifications(app: Flask, stop: threading.Event, written: list[int]) -> None:
    """Insert identifications one transaction at a time until told to stop (at most 20 s)."""
    from photoid.accounts.models import User
    from photoid.photos.models import Photo

    deadline = time.monotonic() + 20
    with app.app_context():
        photo_id = db.session.scalar(select(Photo.id).order_by(Photo.id).limit(1))
        user_id = db.session.scalar(select(User.id).limit(1))
        while not stop.is_set() and time.monotonic() < deadline:
            db.session.add(Identification(photo_id=photo_id, kind="keyword", text_value=f"word {len(written)}",
                                          contributor_id=user_id))
            db.session.commit()
            written.append(1)
        db.session.remove()


def test_a_backup_taken_while_patrons_write_restores_into_a_working_site(live: Flask, tmp_path: Path) -> None:
    stop, written = threading.Event(), []  # type: ignore[var-annotated]
    writer = threading.Thread(target=_write_identifications, args=(live, stop, written))
    writer.start()
    try:
        while len(written) < 30 and writer.is_alive():
            time.sleep(0.01)
        before = len(written)
        result = live.test_cli_runner().invoke(args=["backup", str(tmp_path / "backup")])
        after_backup = len(written)
        while len(written) < after_backup + 30 and writer.is_alive():  # the writer was never blocked
            time.sleep(0.01)
    finally:
        stop.set()
        writer.join()
    assert result.exit_code == 0, result.output
    assert "Backup written" in result.output and "2 photos" in result.output
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["photos"] == 2 and manifest["database"]["kind"] == "sqlite" and len(manifest["photo_checksums"]) == 2
    assert len(written) >= after_backup + 30

    restored = _site(tmp_path / "restored")
    with restored.app_context():
        result = restored.test_cli_runner().invoke(args=["restore", str(tmp_path / "backup")])
        assert result.exit_code == 0, result.output
        database = Path(make_url(restored.config["SQLALCHEMY_DATABASE_URI"]).database)  # type: ignore[arg-type]
        with sqlite3.connect(database) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        # A snapshot from one moment during the writes: everything before the backup, nothing after it finished.
        assert before <= _count_identifications(database) <= after_backup
        with sqlite3.connect(database) as connection:
            words = {row[0] for row in connection.execute("SELECT text_value FROM identification")}
        assert words == {f"word {n}" for n in range(len(words))}  # every write up to one moment, none missing
        client = restored.test_client()
        from photoid.photos.models import Photo

        photo_id = db.session.scalar(select(Photo.id).where(Photo.title == "Parade on Main Street"))
        page = client.get(f"/photos/{photo_id}")
        assert page.status_code == 200 and "Parade on Main Street" in page.get_data(as_text=True)
        with client.get(f"/media/photos/{photo_id}/display.jpg") as image:
            assert image.status_code == 200 and Image.open(io.BytesIO(image.data)).size == (1200, 800)
        assert "Parade" in client.get("/search?q=parade").get_data(as_text=True)
        db.session.remove()
        db.engine.dispose()


def test_restore_refuses_a_database_with_data_unless_forced(live: Flask, tmp_path: Path) -> None:
    runner = live.test_cli_runner()
    assert runner.invoke(args=["backup", str(tmp_path / "backup")]).exit_code == 0
    live_count = db.session.scalar(select(func.count()).select_from(Identification))
    make_user(display_name="Added after the backup")
    db.session.commit()

    refused = runner.invoke(args=["restore", str(tmp_path / "backup")])
    assert refused.exit_code != 0 and "already holds data" in refused.output and "--force" in refused.output
    from photoid.accounts.models import User

    assert db.session.scalar(select(User.id).where(User.display_name == "Added after the backup")) is not None

    forced = runner.invoke(args=["restore", "--force", str(tmp_path / "backup")])
    assert forced.exit_code == 0, forced.output
    db.session.remove()
    assert db.session.scalar(select(User.id).where(User.display_name == "Added after the backup")) is None
    assert db.session.scalar(select(func.count()).select_from(Identification)) == live_count


def test_backup_needs_an_empty_folder_and_restore_a_whole_undamaged_backup(live: Flask, tmp_path: Path) -> None:
    runner = live.test_cli_runner()
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "old.txt").write_text("an older backup")
    result = runner.invoke(args=["backup", str(busy)])
    assert result.exit_code != 0 and "is not empty" in result.output

    assert runner.invoke(args=["backup", str(tmp_path / "good")]).exit_code == 0
    fresh = _site(tmp_path / "fresh")
    with fresh.app_context():
        no_manifest = tmp_path / "incomplete"
        no_manifest.mkdir()
        result = fresh.test_cli_runner().invoke(args=["restore", str(no_manifest)])
        assert result.exit_code != 0 and "not a complete photoid backup" in result.output
        with (tmp_path / "good" / "photoid.sqlite3").open("r+b") as handle:
            handle.seek(200)
            handle.write(b"damage")
        result = fresh.test_cli_runner().invoke(args=["restore", str(tmp_path / "good")])
        assert result.exit_code != 0 and "damaged" in result.output and "Nothing was restored" in result.output
        db.engine.dispose()


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_the_database_and_its_copies_are_readable_by_their_owner_only(live: Flask, tmp_path: Path) -> None:
    """Emails, password hashes and feed tokens: the backup's copy, the restored file and a new
    live file are 0600, not the 0644 a default umask gives."""
    new = _site(tmp_path / "new")  # its SQLite file does not exist yet
    with new.app_context():
        db.create_all()  # the first connection creates the file, as `photoid db upgrade` does
        db.engine.dispose()
    assert _mode(tmp_path / "new" / "site.sqlite3") == 0o600
    assert all(_mode(extra) == 0o600 for extra in (tmp_path / "new").glob("site.sqlite3-*"))

    assert live.test_cli_runner().invoke(args=["backup", str(tmp_path / "backup")]).exit_code == 0
    assert _mode(tmp_path / "backup" / "photoid.sqlite3") == 0o600

    fresh = _site(tmp_path / "fresh")
    with fresh.app_context():
        result = fresh.test_cli_runner().invoke(args=["restore", str(tmp_path / "backup")])
        assert result.exit_code == 0, result.output
        db.engine.dispose()
    assert _mode(tmp_path / "fresh" / "site.sqlite3") == 0o600


def test_pg_dump_is_given_the_database_but_the_password_only_in_its_environment() -> None:
    """The command line of pg_dump and pg_restore is visible to every user of the machine (ps)."""
    from psycopg.conninfo import conninfo_to_dict
    from sqlalchemy import create_engine

    from photoid.backup_postgres import connection

    engine = create_engine("postgresql+psycopg://photoid:s3cret@db.example.org:5433/photo%3Did?sslmode=require")
    conninfo, env = connection(engine)
    assert "s3cret" not in conninfo and env["PGPASSWORD"] == "s3cret"
    assert conninfo_to_dict(conninfo) == {"host": "db.example.org", "port": "5433", "user": "photoid",
                                          "dbname": "photo=id", "sslmode": "require"}
