"""The database itself refuses states the workflow forbids, on SQLite and PostgreSQL alike."""
from __future__ import annotations

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
