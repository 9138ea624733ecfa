"""``photoid demo`` gives a fresh install something real to show, through the real pipeline."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import func, select

from photoid.accounts.models import User
from photoid.contributions.models import Identification
from photoid.extensions import db
from photoid.photos.models import Collection, Institution, Photo
from tests.conftest import _apps_made, _empty_tables, make_test_app

#: The module's tests share one load (tests/conftest.py sends a group to one worker).
pytestmark = pytest.mark.xdist_group("demo")


@pytest.fixture(scope="module")
def demo(_schema: None, database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, Result]]:
    """An empty site, then ``photoid demo --if-empty`` run once for the module, with what it answered.

    Loading the demo (drawing, tiling and scanning 34 photos) was most of each test's time. The tests
    only read the site: the reindex writes the index the search reads, and the second ``photoid demo``
    adds nothing, as the first test asserts."""
    app = make_test_app(tmp_path_factory.mktemp("demo"), database_url)
    # Closed here at the module's end: the per-test fixture that closes apps' connections would dispose of
    # its engine after the first test while this context's session still holds a connection, which then
    # leaked (a ResourceWarning on PostgreSQL during a later test).
    _apps_made.remove(app)
    with app.app_context():
        try:
            yield app, app.test_cli_runner().invoke(args=["demo", "--if-empty"])
        finally:
            db.session.remove()
            _empty_tables()
            db.engine.dispose()


def test_demo_loads_a_consortium_with_photos_and_identifications_once(demo: tuple[Flask, Result]) -> None:
    app, result = demo
    client, runner = app.test_client(), app.test_cli_runner()
    assert result.exit_code == 0, result.output
    assert "Demo collection loaded: 34 photos." in result.output  # 30 drawn, 4 real portraits (faces)
    assert "archivist@example.org" in result.output and "photoid-demo" in result.output

    assert db.session.scalar(select(func.count(Photo.id))) == 34
    consortium = db.session.scalar(select(Institution).where(Institution.is_consortium.is_(True)))
    assert consortium is not None and {m.slug for m in consortium.members} == {"millbrook", "ashford"}
    assert db.session.scalar(select(func.count(Collection.id))) == 4
    approved = db.session.scalars(select(Identification).where(Identification.state == "approved")).all()
    pending = db.session.scalars(select(Identification).where(Identification.state == "pending")).all()
    assert len(approved) >= 10 and len(pending) >= 3
    assert all(i.reviewer is not None and i.reviewer.role == "archivist" for i in approved)
    assert any(i.has_region for i in approved)
    sizes = {(p.width, p.height) for p in db.session.scalars(select(Photo))}
    assert any(w > h for w, h in sizes) and any(h > w for w, h in sizes) and any(w == h for w, h in sizes)

    photo = db.session.scalar(select(Photo).where(Photo.identifier == "MPL-1923-004"))
    assert photo is not None
    page = client.get(f"/photos/{photo.id}").get_data(as_text=True)
    assert "Main Street looking north" in page and "Main Street (Millbrook)" in page
    with client.get(f"/iiif/3/{photo.id}/info.json") as response:
        assert response.status_code == 200 and response.json["width"] == photo.width

    again = runner.invoke(args=["demo", "--if-empty"])
    assert "already has photos" in again.output
    assert runner.invoke(args=["demo"]).exit_code == 0  # fills in only what is missing
    assert db.session.scalar(select(func.count(Photo.id))) == 34
    assert db.session.scalar(select(func.count(User.id))) == 4


def test_the_demo_shows_a_dispute_and_a_conversation(demo: tuple[Flask, Result]) -> None:
    from photoid.contributions.models import Comment, Confirmation

    dispute = db.session.scalar(select(Confirmation).where(Confirmation.stance == "disagree"))
    assert dispute is not None and dispute.counter_identification is not None
    assert dispute.identification.photo_id == dispute.counter_identification.photo_id
    replies = db.session.scalars(select(Comment).where(Comment.parent_id.is_not(None))).all()
    assert replies and all(r.state == "published" for r in replies)


def test_searching_the_demo_by_year_finds_the_photos_dated_then(demo: tuple[Flask, Result]) -> None:
    """Issue #20: q=1925 found only the photos with 1925 in their text, q=1952 missed "summer 1952"
    and q=1920s found nothing."""
    from photoid.search import queue

    app = demo[0]
    client = app.test_client()
    queue.reindex(app, procs=1)

    def identifiers(q: str) -> set[str]:
        html = client.get(f"/search?q={q}").get_data(as_text=True)
        return {identifier for identifier in db.session.scalars(select(Photo.identifier)) if f"· {identifier}<" in html}

    catalogued_1925 = {"MPL-1923-004", "AHS-1978-001", "AHS-1985-010"}
    parade = {"MPL-1925-001", "MPL-1925-002"}
    assert identifiers("1925") == catalogued_1925 | parade
    assert identifiers("1952") == {"MPL-1952-014", "MPL-1958-012", "AHS-1981-009"}
    assert identifiers("1920s") == catalogued_1925 | parade | {"MPL-1929-006", "MPL-1927-005"}
    assert identifiers("between+1920+and+1925") == identifiers("1920-1925") == catalogued_1925 | parade
