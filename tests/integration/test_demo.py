"""``photoid demo`` gives a fresh install something real to show, through the real pipeline."""
from __future__ import annotations

from sqlalchemy import func, select

from photoid.accounts.models import User
from photoid.contributions.models import Identification
from photoid.extensions import db
from photoid.photos.models import Collection, Institution, Photo


def test_demo_loads_a_consortium_with_photos_and_identifications_once(app, client) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "--if-empty"])
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


def test_the_demo_shows_a_dispute_and_a_conversation(app) -> None:
    from photoid.contributions.models import Comment, Confirmation
    from photoid.demo.loader import load_demo

    load_demo(progress=lambda _: None)
    dispute = db.session.scalar(select(Confirmation).where(Confirmation.stance == "disagree"))
    assert dispute is not None and dispute.counter_identification is not None
    assert dispute.identification.photo_id == dispute.counter_identification.photo_id
    replies = db.session.scalars(select(Comment).where(Comment.parent_id.is_not(None))).all()
    assert replies and all(r.state == "published" for r in replies)


def test_searching_the_demo_by_year_finds_the_photos_dated_then(app, client) -> None:
    """Issue #20: q=1925 found only the photos with 1925 in their text, q=1952 missed "summer 1952"
    and q=1920s found nothing."""
    from photoid.demo.loader import load_demo
    from photoid.search import queue

    load_demo(progress=lambda _: None)
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
