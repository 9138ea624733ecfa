"""Browse pages as a visitor sees them: by decade, recently identified, most discussed."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from photoid.db import utcnow
from photoid.extensions import db
from tests.factories import (
    make_authority, make_collection, make_comment, make_identification, make_institution, make_photo, make_vote,
)
from tests.web.pages import parse as _doc, text as _text


def photo_titles(doc) -> list[str]:  # type: ignore[no-untyped-def]
    """The titles of the photos listed, in order: the headings a visitor follows to each photo."""
    return [_text(h) for h in doc.xpath("//a//h2")]


def card(doc, title: str):  # type: ignore[no-untyped-def]
    """Everything shown with one photo: the list item holding the heading ``title``."""
    for heading in doc.xpath("//li//h2"):
        if _text(heading) == title:
            return heading.xpath("ancestor::li[1]")[0]
    raise AssertionError(f"no photo titled {title!r}")


def link(scope, name: str):  # type: ignore[no-untyped-def]
    for a in scope.xpath(".//a"):
        if _text(a) == name:
            return a
    raise AssertionError(f"no link named {name!r}")


def list_entry(doc, name: str) -> str:  # type: ignore[no-untyped-def]
    """The text of the list item whose link is named ``name`` ("The 1940s 3 photos")."""
    return _text(link(doc, name).getparent())


def message(response) -> str:  # type: ignore[no-untyped-def]
    return _text(_doc(response).xpath("//main")[0])


# --- by decade -----------------------------------------------------------------------------------

@pytest.fixture
def dated(app):  # type: ignore[no-untyped-def]
    collection = make_collection(title="Millbrook streets")
    make_photo(collection=collection, title="Victory parade", date_edtf="1945")
    make_photo(collection=collection, title="Some time in the forties", date_edtf="194X")
    make_photo(collection=collection, title="Mill fire to mill opening", date_edtf="1935/1948")
    make_photo(collection=collection, title="Nobody knows", date_edtf=None)
    make_photo(collection=collection, title="From 1950 on", date_edtf="1950/..")
    make_photo(collection=collection, title="Draft photo", date_edtf="1945", is_published=False)
    hidden = make_collection(title="Not yet public", is_published=False)
    make_photo(collection=hidden, title="Hidden collection photo", date_edtf="1942")
    db.session.commit()


def test_decades_list_counts_each_photo_in_every_decade_its_date_touches(client, dated) -> None:  # type: ignore[no-untyped-def]
    doc = _doc(client.get("/browse/decades"))
    assert list_entry(doc, "The 1930s") == "The 1930s 1 photo"
    assert list_entry(doc, "The 1940s") == "The 1940s 3 photos"
    assert list_entry(doc, "Date unknown") == "Date unknown 2 photos"
    assert [_text(a) for a in doc.xpath("//main//ul[.//a[contains(., 'The 1930s')]]//a")] == [
        "The 1930s", "The 1940s", "Date unknown",
    ]


def test_a_decade_page_lists_only_its_published_photos(client, dated) -> None:  # type: ignore[no-untyped-def]
    doc = _doc(client.get(link(_doc(client.get("/browse/decades")), "The 1940s").get("href")))
    assert _text(doc.xpath("//h1")[0]) == "The 1940s"
    assert sorted(photo_titles(doc)) == ["Mill fire to mill opening", "Some time in the forties", "Victory parade"]
    assert photo_titles(_doc(client.get("/browse/decades/1930"))) == ["Mill fire to mill opening"]


def test_undated_and_open_ended_photos_are_under_date_unknown(client, dated) -> None:  # type: ignore[no-untyped-def]
    doc = _doc(client.get("/browse/decades/unknown"))
    assert _text(doc.xpath("//h1")[0]) == "Date unknown"
    assert sorted(photo_titles(doc)) == ["From 1950 on", "Nobody knows"]


def test_an_empty_decade_says_so(client, dated) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/browse/decades/1880")
    assert response.status_code == 200
    assert "We have no published photos from the 1880s yet." in message(response)


@pytest.mark.parametrize(
    "path", ["/browse/decades/1945", "/browse/decades/abcd", "/browse/decades/19400", "/browse/decades/3000", "/browse/decades/194²"],
)
def test_a_decade_that_cannot_exist_is_a_friendly_404(client, app, path: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert response.status_code == 404
    assert "Decades are written as a year ending in 0, like 1940." in message(response)


@pytest.mark.parametrize("page", ["two", "0", "²", "9" * 30])
def test_a_bad_page_number_is_a_400_with_a_message(client, app, page: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"/browse/decades/1940?page={page}")
    assert response.status_code == 400
    assert "The page number must be a whole number" in message(response)


def test_decade_pages_are_paginated(client, app) -> None:  # type: ignore[no-untyped-def]
    app.config["PER_PAGE"] = 2
    collection = make_collection()
    for year in (1941, 1942, 1943):
        make_photo(collection=collection, title=f"Photo of {year}", date_edtf=str(year))
    db.session.commit()
    first = _doc(client.get("/browse/decades/1940"))
    assert photo_titles(first) == ["Photo of 1941", "Photo of 1942"]
    second = _doc(client.get(link(first, "Next page").get("href")))
    assert photo_titles(second) == ["Photo of 1943"]


def test_decade_counts_take_the_same_number_of_queries_however_many_decades(client, app) -> None:  # type: ignore[no-untyped-def]
    collection = make_collection()
    make_photo(collection=collection, date_edtf="1945")
    db.session.commit()
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        client.get("/browse/decades")
        few = len(statements)
        for year in range(1850, 2000, 3):
            make_photo(collection=collection, date_edtf=f"{year}/{year + 12}")
        db.session.commit()
        statements.clear()
        doc = _doc(client.get("/browse/decades"))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == few
    assert list_entry(doc, "The 1850s") == "The 1850s 4 photos"  # 1850/1862, 1853/1865, 1856/1868, 1859/1871


# --- recently identified -------------------------------------------------------------------------

def test_recently_identified_lists_photos_by_their_latest_verified_fact_with_what_and_when(client, app) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    collection = make_collection()
    smith = make_authority(kind="person", heading="John Smith", dates_edtf="1890/1962")
    older = make_photo(collection=collection, title="Mill workers")
    newer = make_photo(collection=collection, title="Main Street")
    make_identification(photo=older, authority=smith, state="approved", reviewed_at=now - timedelta(days=10))
    make_identification(photo=newer, kind="place", text_value="Main Street, Millbrook", state="approved",
                        reviewed_at=now - timedelta(days=2))
    make_identification(photo=older, kind="date", date_edtf="1945~", state="approved", reviewed_at=now - timedelta(days=1))
    make_photo(collection=collection, title="Only a suggestion")
    make_identification(photo=make_photo(collection=collection, title="Only pending"), state="pending")
    make_identification(photo=make_photo(collection=collection, title="Was retracted"), state="retracted")
    draft = make_photo(collection=collection, title="Draft", is_published=False)
    make_identification(photo=draft, state="approved")
    db.session.commit()

    doc = _doc(client.get("/browse/recent"))
    assert photo_titles(doc) == ["Mill workers", "Main Street"]
    mill = _text(card(doc, "Mill workers"))
    assert "People identified: John Smith (1890–1962)" in mill
    assert "Date identified: about 1945" in mill
    assert f"Identified {(now - timedelta(days=1)).day} " in mill
    assert "Places identified: Main Street, Millbrook" in _text(card(doc, "Main Street"))


def test_recently_identified_says_when_nothing_is_identified_yet(client, app) -> None:  # type: ignore[no-untyped-def]
    make_photo()
    db.session.commit()
    assert "Nothing has been identified yet." in message(client.get("/browse/recent"))


# --- most discussed ------------------------------------------------------------------------------

@pytest.fixture
def discussion(app):  # type: ignore[no-untyped-def]
    long_ago = utcnow() - timedelta(days=200)
    collection = make_collection()
    lively = make_photo(collection=collection, title="Lively")
    for _ in range(4):
        make_comment(photo=lively)
    debated = make_photo(collection=collection, title="Debated")
    claim = make_identification(photo=debated, state="approved")
    make_vote(identification=claim)
    make_vote(identification=claim, stance="disagree")
    old_favourite = make_photo(collection=collection, title="Old favourite")
    for _ in range(6):
        make_comment(photo=old_favourite, created_at=long_ago)
    quiet = make_photo(collection=collection, title="Quiet")
    make_comment(photo=quiet, state="pending")
    make_comment(photo=quiet, state="rejected")
    private = make_collection(institution=make_institution(show_pending_publicly=False))
    secret = make_photo(collection=private, title="Private suggestions")
    make_vote(identification=make_identification(photo=secret, state="pending"))
    db.session.commit()


def test_most_discussed_counts_public_comments_suggestions_and_votes_of_the_last_90_days(client, discussion) -> None:  # type: ignore[no-untyped-def]
    doc = _doc(client.get("/browse/discussed"))
    assert photo_titles(doc) == ["Lively", "Debated"]
    assert "4 comments · 0 suggestions · 0 votes" in _text(card(doc, "Lively"))
    assert "0 comments · 1 suggestion · 2 votes" in _text(card(doc, "Debated"))
    assert link(doc, "Last 90 days").get("aria-current") == "page"


def test_most_discussed_of_all_time_includes_older_conversations(client, discussion) -> None:  # type: ignore[no-untyped-def]
    doc = _doc(client.get(link(_doc(client.get("/browse/discussed")), "All time").get("href")))
    assert photo_titles(doc) == ["Old favourite", "Lively", "Debated"]
    assert "6 comments" in _text(card(doc, "Old favourite"))


def test_an_unknown_period_is_a_400_with_the_choices(client, app) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/browse/discussed?period=forever")
    assert response.status_code == 400
    assert "Please choose “Last 90 days” or “All time”." in message(response)


# --- finding the browse pages ---------------------------------------------------------------------

def test_every_page_header_and_the_home_page_lead_to_the_browse_pages(client, app) -> None:  # type: ignore[no-untyped-def]
    make_photo(collection=make_collection(title="Millbrook streets"))  # an empty collection is not listed
    db.session.commit()
    home = _doc(client.get("/"))
    header = home.xpath("//header")[0]
    browse = _doc(client.get(link(header, "Browse").get("href")))
    assert _text(browse.xpath("//h1")[0]) == "Browse the photos"
    assert link(browse, "Millbrook streets").get("href").startswith("/collections/")
    for name, heading in [("by decade", "Photos by decade"), ("recently identified", "Recently identified"),
                          ("most discussed", "Most discussed")]:
        page = client.get(link(home, name).get("href"))
        assert page.status_code == 200
        assert _text(_doc(page).xpath("//h1")[0]) == heading
