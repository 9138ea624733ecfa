"""Atom feeds as a feed reader sees them, and the staff queue feed's private address."""
from __future__ import annotations

from datetime import timedelta

import feedparser
import pytest
from sqlalchemy import select

from photoid.accounts.models import User
from photoid.db import utcnow
from photoid.extensions import db
from tests.factories import (
    make_authority, make_collection, make_comment, make_identification, make_institution, make_photo, make_user,
)
from tests.unit.test_atom import NS, assert_valid_atom
from tests.web.pages import parse as _doc, text as _text

ATOM = "application/atom+xml; charset=utf-8"


def read_feed(client, path: str):  # type: ignore[no-untyped-def]
    """Fetch a feed, check it is valid Atom served as Atom, and return what a feed reader gets."""
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.headers["Content-Type"] == ATOM
    assert_valid_atom(response.data)
    return feedparser.parse(response.data)


def titles(feed) -> list[str]:  # type: ignore[no-untyped-def]
    return [entry.title for entry in feed.entries]


# --- newly published photos ----------------------------------------------------------------------

def test_new_photos_feed_lists_published_photos_newest_first_with_the_institution_as_author(client, app) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    collection = make_collection(institution=make_institution(name="Millbrook Library"), title="Streets")
    make_photo(collection=collection, title="Older", created_at=now - timedelta(days=3), date_edtf="1945~")
    make_photo(collection=collection, title="Newer", created_at=now - timedelta(days=1))
    make_photo(collection=collection, title="Draft", is_published=False)
    make_photo(collection=make_collection(is_published=False), title="In a hidden collection")
    db.session.commit()

    feed = read_feed(client, "/feeds/photos.atom")
    assert titles(feed) == ["Newer", "Older"]
    older = feed.entries[1]
    assert older.author == "Millbrook Library"
    assert older.link == older.id and "/photos/" in older.link
    assert "about 1945 · Streets · Millbrook Library" in older.summary
    enclosure = [link for link in older.links if link.rel == "enclosure"][0]
    assert enclosure.type == "image/jpeg" and enclosure.href.endswith("/thumb.jpg")


def test_feeds_hold_at_most_50_entries(client, app) -> None:  # type: ignore[no-untyped-def]
    collection = make_collection()
    for n in range(52):
        make_photo(collection=collection, title=f"Photo {n}")
    db.session.commit()
    assert len(read_feed(client, "/feeds/photos.atom").entries) == 50


def test_a_collection_feed_holds_only_that_collections_photos(client, app) -> None:  # type: ignore[no-untyped-def]
    streets = make_collection(slug="streets", title="Streets")
    make_photo(collection=streets, title="Main Street")
    make_photo(title="Elsewhere")
    make_collection(slug="secret", is_published=False)
    db.session.commit()
    feed = read_feed(client, "/feeds/collections/streets/photos.atom")
    assert titles(feed) == ["Main Street"]
    assert feed.feed.title.startswith("New photos in Streets")
    for path in ("/feeds/collections/nope/photos.atom", "/feeds/collections/secret/identified.atom"):
        response = client.get(path)
        assert response.status_code == 404
        assert "We could not find that collection." in response.get_data(as_text=True)


def test_an_empty_feed_is_still_valid_atom(client, app) -> None:  # type: ignore[no-untyped-def]
    assert read_feed(client, "/feeds/photos.atom").entries == []
    assert read_feed(client, "/feeds/identified.atom").entries == []


def test_hostile_titles_come_out_escaped_and_the_feed_stays_well_formed(client, app) -> None:  # type: ignore[no-untyped-def]
    hostile = "<script>alert('x')</script> ]]> &amp; \x01\x0b\x1b end"
    photo = make_photo(title=hostile, description="<img src=x onerror=alert(1)>")
    make_identification(photo=photo, text_value="<b>Bold</b> ]]>", state="approved")
    db.session.commit()
    for path in ("/feeds/photos.atom", "/feeds/identified.atom"):
        body = client.get(path).data
        assert b"<script>" not in body and b"]]>" not in body and b"<img src=x" not in body
        root = assert_valid_atom(body)
        assert root.findtext("a:entry/a:title", namespaces=NS) == "<script>alert('x')</script> ]]> &amp;  end"
        content = root.findtext("a:entry/a:content", namespaces=NS)
        assert "&lt;script&gt;" in content  # the HTML a reader renders shows the title as text


# --- recently identified -------------------------------------------------------------------------

def test_identified_feed_says_what_was_identified_and_who_said_so(client, app) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    library = make_institution(name="Millbrook Library")
    collection = make_collection(institution=library, slug="streets")
    smith = make_authority(kind="person", heading="John Smith", dates_edtf="1890/1962")
    alice = make_user(display_name="Alice Reader", email="alice.private@example.org")
    photo = make_photo(collection=collection, title="Mill workers")
    make_identification(photo=photo, authority=smith, contributor=alice, state="approved",
                        reviewed_at=now - timedelta(days=2))
    later = make_photo(collection=collection, title="Main Street")
    make_identification(photo=later, kind="place", text_value="Main Street", state="approved", reviewed_at=now)
    make_identification(photo=make_photo(collection=collection, title="Waiting"), state="pending")
    other = make_photo(title="Another library's photo")
    make_identification(photo=other, state="approved", reviewed_at=now - timedelta(days=1))
    db.session.commit()

    feed = read_feed(client, "/feeds/identified.atom")
    assert titles(feed) == ["Main Street", "Another library's photo", "Mill workers"]
    entry = feed.entries[2]
    assert entry.summary == "People identified: John Smith (1890–1962)"
    assert "contributed by Alice Reader, verified by Millbrook Library on" in entry.content[0].value
    assert entry.author == "Millbrook Library"
    assert b"alice.private@example.org" not in client.get("/feeds/identified.atom").data

    mine = read_feed(client, "/feeds/collections/streets/identified.atom")
    assert titles(mine) == ["Main Street", "Mill workers"]


# --- conditional GET -----------------------------------------------------------------------------

def test_feed_readers_are_told_when_nothing_changed(client, app) -> None:  # type: ignore[no-untyped-def]
    collection = make_collection()
    make_photo(collection=collection, title="First")
    db.session.commit()
    first = client.get("/feeds/photos.atom")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert client.get("/feeds/photos.atom", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/feeds/photos.atom", headers={"If-Modified-Since": modified}).status_code == 304

    make_photo(collection=collection, title="Second", created_at=utcnow() + timedelta(seconds=2))
    db.session.commit()
    again = client.get("/feeds/photos.atom", headers={"If-None-Match": etag})
    assert again.status_code == 200
    assert again.headers["ETag"] != etag
    assert titles(feedparser.parse(again.data))[0] == "Second"


# --- the staff queue feed ------------------------------------------------------------------------

@pytest.fixture
def queue_setup(app):  # type: ignore[no-untyped-def]
    mine = make_institution(name="Millbrook Library")
    theirs = make_institution(name="Other Library")
    archivist = make_user(role="archivist", institutions=[mine], feed_token="archivist-token")
    patron = make_user(display_name="Bob Patron", email="bob.secret@example.org")
    photo = make_photo(collection=make_collection(institution=mine), title="Mill workers")
    make_identification(photo=photo, text_value="Mary Jones", contributor=patron, evidence="My <grandmother>'s album")
    make_comment(photo=photo, author=patron, body="I think that is my uncle.", state="pending")
    make_identification(photo=make_photo(collection=make_collection(institution=theirs)), text_value="Not mine")
    make_identification(photo=photo, text_value="Already decided", state="approved")
    db.session.commit()
    return archivist


def test_the_queue_feed_shows_what_waits_in_my_institutions_without_signing_in(app, queue_setup) -> None:  # type: ignore[no-untyped-def]
    fresh = app.test_client()  # a feed reader: no session cookie
    response = fresh.get("/feeds/queue.atom?token=archivist-token")
    assert response.headers["Content-Type"] == ATOM
    assert "private" in response.headers["Cache-Control"]
    assert_valid_atom(response.data)
    feed = feedparser.parse(response.data)
    assert sorted(titles(feed)) == ["Comment waiting — on “Mill workers”", "Person suggested: Mary Jones — on “Mill workers”"]
    assert all(entry.author == "Millbrook Library" for entry in feed.entries)
    suggestion = [e for e in feed.entries if e.title.startswith("Person")][0]
    assert "Suggested by Bob Patron" in suggestion.summary
    assert "My &lt;grandmother&gt;'s album" in suggestion.content[0].value
    assert b"bob.secret@example.org" not in response.data


@pytest.mark.parametrize(("query", "status"), [("", 404), ("?token=", 404), ("?token=wrong", 404), ("?token=" + "x" * 500, 404)])
def test_a_missing_or_unknown_token_finds_no_feed(client, queue_setup, query: str, status: int) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/feeds/queue.atom" + query)
    assert response.status_code == status
    assert "That feed address is not valid" in response.get_data(as_text=True)


def test_patrons_and_suspended_staff_get_no_queue_feed(client, app) -> None:  # type: ignore[no-untyped-def]
    make_user(role="patron", feed_token="patron-token")
    make_user(role="archivist", feed_token="suspended-token", suspended_at=utcnow())
    db.session.commit()
    patron = client.get("/feeds/queue.atom?token=patron-token")
    assert patron.status_code == 403
    assert "Only archivists and administrators" in patron.get_data(as_text=True)
    suspended = client.get("/feeds/queue.atom?token=suspended-token")
    assert suspended.status_code == 403
    assert "This account is suspended" in suspended.get_data(as_text=True)


def _queue_section(client):  # type: ignore[no-untyped-def]
    doc = _doc(client.get("/account"))
    for section in doc.xpath("//section[@aria-labelledby]"):
        if _text(doc.get_element_by_id(section.get("aria-labelledby"))) == "Your moderation queue feed":
            return section
    return None


def _button_form(section, name: str):  # type: ignore[no-untyped-def]
    for button in section.xpath(".//button"):
        if _text(button) == name:
            return button.xpath("ancestor::form[1]")[0]
    raise AssertionError(f"no button named {name!r}")


def _feed_address(section) -> str:  # type: ignore[no-untyped-def]
    label = [label for label in section.xpath(".//label") if _text(label) == "Your queue feed address"][0]
    return section.xpath(f".//input[@id='{label.get('for')}']")[0].get("value")


def test_staff_create_and_replace_their_queue_feed_address_on_the_account_page(app, client, login_as) -> None:  # type: ignore[no-untyped-def]
    archivist = login_as("archivist", institutions=[make_institution()])
    section = _queue_section(client)
    assert "You have no queue feed address yet." in _text(section)
    form = _button_form(section, "Create my feed address")
    response = client.post(form.get("action"), data={"csrf_token": form.xpath(".//input[@name='csrf_token']")[0].get("value")})
    assert response.status_code == 302

    section = _queue_section(client)
    first_address = _feed_address(section)
    reader = app.test_client()
    assert reader.get(first_address).status_code == 200

    form = _button_form(section, "Make a new feed address")
    client.post(form.get("action"), data={"csrf_token": form.xpath(".//input[@name='csrf_token']")[0].get("value")})
    second_address = _feed_address(_queue_section(client))
    assert second_address != first_address
    assert reader.get(first_address).status_code == 404
    assert reader.get(second_address).status_code == 200
    stored = db.session.scalar(select(User.feed_token).where(User.id == archivist.id))
    assert second_address.endswith(stored) and len(stored) >= 40


def test_replacing_the_address_needs_the_form_token(client, login_as) -> None:  # type: ignore[no-untyped-def]
    login_as("archivist")
    response = client.post("/feeds/queue-address")
    assert response.status_code == 400
    assert "Your form expired" in response.get_data(as_text=True)


def test_patrons_have_no_queue_feed_section_and_cannot_make_one(client, login_as, csrf_token) -> None:  # type: ignore[no-untyped-def]
    patron = login_as("patron")
    assert _queue_section(client) is None
    response = client.post("/feeds/queue-address", data={"csrf_token": csrf_token("/account")})
    assert response.status_code == 403
    assert db.session.scalar(select(User.feed_token).where(User.id == patron.id)) is None


# --- discovery -----------------------------------------------------------------------------------

def test_pages_announce_their_feeds_to_browsers_and_readers(client, app) -> None:  # type: ignore[no-untyped-def]
    make_photo(collection=make_collection(slug="streets", title="Streets"))  # an empty collection is not public
    db.session.commit()
    home = _doc(client.get("/"))
    site_feeds = [link.get("href") for link in home.xpath("//head/link[@rel='alternate'][@type='application/atom+xml']")]
    assert site_feeds == ["/feeds/photos.atom", "/feeds/identified.atom"]
    collection = _doc(client.get("/collections/streets"))
    announced = [link.get("href") for link in collection.xpath("//head/link[@rel='alternate']")]
    assert "/feeds/collections/streets/photos.atom" in announced
    assert "/feeds/collections/streets/identified.atom" in announced
    visible = {_text(a): a.get("href") for a in collection.xpath("//main//a")}
    assert visible["recently identified"] == "/feeds/collections/streets/identified.atom"
    for path in set(site_feeds) | {visible["new photos"]}:
        read_feed(client, path)
