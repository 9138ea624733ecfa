"""Contribution limits hold per account and per address, and across workers when Redis is configured."""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from photoid.extensions import db
from tests.conftest import _empty_tables, make_test_app
from tests.factories import make_photo, make_user

REDIS_URL = os.environ.get("PHOTOID_TEST_REDIS_URL")


@pytest.fixture(autouse=True)
def _empty_tables_after(_schema: None, database_url: str, tmp_path: Path) -> Iterator[None]:
    """These tests make apps of their own (limits on) rather than use ``app``, which empties the
    tables after a test: without this, their photos and patrons stayed for the worker's next test
    (test_iiif_import.py found three photos it had not imported)."""
    yield
    with make_test_app(tmp_path / "emptying", database_url).app_context():
        _empty_tables()


def _signed_in_client(app, login_id: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = login_id
    return client


def _identify(client, photo_id: int) -> int:  # type: ignore[no-untyped-def]
    return client.post(f"/photos/{photo_id}/identifications", data={"kind": "keyword", "name": "horses"}).status_code


def _photo_and_patrons(app, count: int):  # type: ignore[no-untyped-def]
    with app.app_context():
        photo = make_photo()
        users = [make_user() for _ in range(count)]
        db.session.commit()
        return photo.id, [user.login_id for user in users]


def test_one_account_is_held_back_after_thirty_identifications_an_hour(tmp_path, database_url, _schema) -> None:
    app = make_test_app(tmp_path, database_url, RATELIMIT_ENABLED=True, WTF_CSRF_ENABLED=False)
    photo_id, (patron, neighbour) = _photo_and_patrons(app, 2)
    client = _signed_in_client(app, patron)
    statuses = [_identify(client, photo_id) for _ in range(31)]
    assert statuses[:30] == [302] * 30 and statuses[30] == 429
    limited = client.post(f"/photos/{photo_id}/identifications", data={"kind": "keyword", "name": "x"})
    assert "going a little fast" in limited.get_data(as_text=True)
    assert _identify(_signed_in_client(app, neighbour), photo_id) == 302  # another account is not affected
    with app.app_context():
        db.engine.dispose()


def test_many_accounts_from_one_address_are_held_back_too(tmp_path, database_url, _schema) -> None:
    app = make_test_app(tmp_path, database_url, RATELIMIT_ENABLED=True, WTF_CSRF_ENABLED=False,
                        CONTRIBUTION_ADDRESS_LIMIT="5 per hour")
    photo_id, users = _photo_and_patrons(app, 3)
    statuses = [_identify(_signed_in_client(app, user), photo_id) for user in users for _ in range(2)]
    assert statuses == [302] * 5 + [429]
    with app.app_context():
        db.engine.dispose()


@pytest.mark.skipif(not REDIS_URL, reason="set PHOTOID_TEST_REDIS_URL to test limits shared through Redis")
def test_two_workers_share_one_limit_through_redis(tmp_path, database_url, _schema) -> None:
    # Two app instances stand for two gunicorn workers; a fresh key prefix keeps runs apart.
    settings = dict(RATELIMIT_ENABLED=True, WTF_CSRF_ENABLED=False, RATELIMIT_STORAGE_URI=REDIS_URL,
                    RATELIMIT_KEY_PREFIX=f"photoid-test-{uuid.uuid4().hex}")
    first = make_test_app(tmp_path / "one", database_url, **settings)
    second = make_test_app(tmp_path / "two", database_url, **settings)
    photo_id, (patron,) = _photo_and_patrons(first, 1)
    statuses = [_identify(_signed_in_client(app, patron), photo_id) for app in [first, second] * 15]
    assert statuses == [302] * 30
    assert _identify(_signed_in_client(second, patron), photo_id) == 429
    assert _identify(_signed_in_client(first, patron), photo_id) == 429
    for app in (first, second):
        with app.app_context():
            db.engine.dispose()


def test_the_form_and_the_json_api_share_one_allowance(tmp_path, database_url, _schema) -> None:
    app = make_test_app(tmp_path, database_url, RATELIMIT_ENABLED=True, WTF_CSRF_ENABLED=False)
    photo_id, (patron,) = _photo_and_patrons(app, 1)
    client = _signed_in_client(app, patron)
    annotation = {"type": "Annotation", "body": [{"type": "TextualBody", "purpose": "tagging", "value": "horses"}]}
    statuses = [_identify(client, photo_id) for _ in range(15)]
    statuses += [client.post(f"/api/photos/{photo_id}/annotations", json=annotation).status_code for _ in range(15)]
    assert statuses == [302] * 15 + [201] * 15
    assert client.post(f"/api/photos/{photo_id}/annotations", json=annotation).status_code == 429
    assert _identify(client, photo_id) == 429
    with app.app_context():
        db.engine.dispose()
