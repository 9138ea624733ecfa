"""The database itself refuses states the workflow forbids, on SQLite and PostgreSQL alike."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from photoid.contributions.models import Identification
from photoid.extensions import db
from photoid.photos.models import Photo
from tests.factories import make_collection, make_identification, make_institution, make_photo, make_user


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(app) -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 10000


def _refused(**values: object) -> None:
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            db.session.add(Identification(**values))
            db.session.flush()


def test_an_approved_identification_needs_a_reviewer_and_a_time(db_session) -> None:
    photo = make_photo()
    patron = make_user()
    _refused(photo_id=photo.id, kind="keyword", text_value="tram", contributor_id=patron.id, state="approved")


def test_regions_must_lie_inside_the_image_and_have_a_size(db_session) -> None:
    photo = make_photo()
    base = dict(photo_id=photo.id, kind="person", text_value="A", state="pending")
    _refused(**base, region_x=0.8, region_y=0.1, region_w=0.3, region_h=0.1)  # runs off the right edge
    _refused(**base, region_x=0.1, region_y=0.1, region_w=0.0, region_h=0.1)  # no width
    _refused(**base, region_x=-0.1, region_y=0.1, region_w=0.2, region_h=0.1)  # starts outside
    _refused(**base, region_x=0.1, region_y=None, region_w=0.2, region_h=0.1)  # half a region


def test_a_state_outside_the_workflow_is_refused(db_session) -> None:
    photo = make_photo()
    _refused(photo_id=photo.id, kind="keyword", text_value="tram", state="deleted")


def test_a_person_identification_needs_a_name(db_session) -> None:
    photo = make_photo()
    _refused(photo_id=photo.id, kind="person", state="pending")


def test_catalog_identifiers_are_unique_within_an_institution_only(db_session) -> None:
    first = make_collection()
    make_photo(collection=first, identifier="MPL-1")
    make_photo(collection=make_collection(), identifier="MPL-1")  # another institution: fine
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            make_photo(collection=make_collection(institution=first.institution), identifier="MPL-1")


def test_a_photo_cannot_claim_another_institution_than_its_collection(db_session) -> None:
    collection = make_collection()
    other = make_institution()
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            db.session.add(
                Photo(collection_id=collection.id, institution_id=other.id, identifier="X", title="X",
                      source_checksum="0" * 64, source_size=1, source_format="JPEG", width=1, height=1)
            )
            db.session.flush()


def test_timestamps_come_back_timezone_aware_in_utc(db_session) -> None:
    identification = make_identification(state="approved")
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Identification, identification.id)
    assert stored is not None and stored.reviewed_at is not None
    assert stored.reviewed_at.utcoffset() is not None and stored.reviewed_at.utcoffset().total_seconds() == 0


def test_concurrent_sqlite_writers_wait_for_each_other_instead_of_failing(tmp_path) -> None:
    """Two form submissions that each read, then write: both succeed and neither loses the
    other's update. pysqlite's own transactions begin only at the first write, so both read 0 and
    the counter ends at 1; a deferred BEGIN makes the second fail with "database is locked"."""
    import threading

    from flask import Flask
    from sqlalchemy import create_engine

    from photoid import _configure_sqlite

    engine = create_engine(f"sqlite:///{tmp_path / 'writers.sqlite3'}")
    _configure_sqlite(engine)
    site = Flask("writers")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
        conn.execute(text("INSERT INTO counter (n) VALUES (0)"))
    errors: list[BaseException] = []

    def add_one() -> None:
        try:
            with site.test_request_context("/form", method="POST"), engine.begin() as conn:
                n = conn.execute(text("SELECT n FROM counter")).scalar_one()
                time.sleep(0.3)  # the other writer reads meanwhile
                conn.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})
        except BaseException as error:  # noqa: BLE001  (reported below)
            errors.append(error)

    writers = [threading.Thread(target=add_one) for _ in range(2)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=20)
    try:
        assert errors == []
        with engine.connect() as conn:
            assert conn.execute(text("SELECT n FROM counter")).scalar_one() == 2
    finally:
        engine.dispose()


def test_sqlite_page_views_read_while_a_writer_holds_the_lock(app, client) -> None:
    """Page views take no write lock, so a long write elsewhere never holds up a page."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite locking")
    import sqlite3

    writer = sqlite3.connect(db.engine.url.database, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        started = time.monotonic()
        assert client.get("/").status_code == 200
        assert time.monotonic() - started < 5
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_signing_in_holds_no_database_lock_while_checking_the_password(app, monkeypatch) -> None:
    """The password hash is slow on purpose; on SQLite a sign-in (a POST, so an immediate
    transaction) that checked it inside its transaction kept every other writer waiting, and
    fifty patrons signing in at once timed out with 500s in the load test."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite locking")
    import sqlite3

    from photoid.accounts import service

    make_user(email="signer@example.org", password="a long enough password")
    db.session.commit()
    real_check = service.check_password_hash
    other_writer_waited: list[str] = []

    def check_while_someone_writes(stored: str, password: str) -> bool:
        other = sqlite3.connect(db.engine.url.database, timeout=0.2, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
        except sqlite3.OperationalError as error:
            other_writer_waited.append(str(error))
        finally:
            other.close()
        return real_check(stored, password)

    monkeypatch.setattr(service, "check_password_hash", check_while_someone_writes)
    with app.test_request_context("/login", method="POST"):
        user = service.authenticate(email="signer@example.org", password="a long enough password")
        assert user is not None and user.last_login_at is not None
    assert other_writer_waited == []
