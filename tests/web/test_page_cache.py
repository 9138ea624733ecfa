"""Public pages are kept for visitors who are not signed in, and never outlive a change to the data."""
from __future__ import annotations

import gc
import os
import threading
import uuid

import pytest
from sqlalchemy import text, update

from photoid.extensions import db
from photoid.photos.models import Photo
from tests.conftest import CSRF_PATTERN, make_test_app
from tests.factories import DEFAULT_PASSWORD, make_campaign, make_collection, make_identification, make_photo, make_user


@pytest.fixture
def photo(app):  # type: ignore[no-untyped-def]
    found = make_photo(collection=make_collection(), title="Harbour from the mill")
    db.session.commit()
    return found


def _view(client, photo):  # type: ignore[no-untyped-def]
    response = client.get(f"/photos/{photo.id}")
    assert response.status_code == 200
    return response


def test_a_visitor_gets_the_kept_page_and_no_cookie(client, photo) -> None:
    first, second = _view(client, photo), _view(client, photo)
    assert first.headers["X-Page-Cache"] == "miss" and second.headers["X-Page-Cache"] == "hit"
    assert second.get_data() == first.get_data()
    assert "Set-Cookie" not in first.headers and "Set-Cookie" not in second.headers
    # Security headers are added to a kept page as to any other.
    assert "script-src 'self'" in second.headers["Content-Security-Policy"]


def _headers_but_the_cache_note(response) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return sorted((name, value) for name, value in response.headers if name not in ("X-Page-Cache", "X-Request-ID"))


def test_a_kept_page_is_sent_with_the_headers_it_was_first_sent_with(client, photo) -> None:
    # The photo page may only be framed by this site; its embed card by any site, kept or not.
    for path, framing in ((f"/photos/{photo.id}", "frame-ancestors 'self'"), (f"/embed/photos/{photo.id}", "frame-ancestors *")):
        first, second = client.get(path), client.get(path)
        assert second.headers["X-Page-Cache"] == "hit", path
        assert framing in second.headers["Content-Security-Policy"], path
        assert _headers_but_the_cache_note(second) == _headers_but_the_cache_note(first), path


def test_a_patron_signed_in_by_the_remember_me_cookie_gets_their_own_page(app, client, photo) -> None:
    make_user(email="ruth@example.org", display_name="Ruth Lindqvist")
    db.session.commit()
    visitor = _view(app.test_client(), photo)
    assert "Ruth Lindqvist" not in visitor.get_data(as_text=True)
    assert _view(app.test_client(), photo).headers["X-Page-Cache"] == "hit"

    page = client.get("/login").get_data(as_text=True)
    token = next(m.group(1) or m.group(2) for m in [CSRF_PATTERN.search(page)] if m)
    signed_in = client.post("/login", data={"email": "ruth@example.org", "password": DEFAULT_PASSWORD,
                                            "remember": "y", "csrf_token": token})
    assert signed_in.status_code == 302
    _view(app.test_client(), photo)  # signing in wrote to the database: a visitor's copy is kept again
    assert _view(app.test_client(), photo).headers["X-Page-Cache"] == "hit"
    # The browser was closed: the session cookie is gone, the remember-me cookie signs her in again.
    returning = app.test_client()
    returning.set_cookie("remember_token", client.get_cookie("remember_token").value)
    page = _view(returning, photo)
    assert "X-Page-Cache" not in page.headers
    assert "Ruth Lindqvist" in page.get_data(as_text=True) and "Sign out" in page.get_data(as_text=True)


def test_an_approval_shows_to_visitors_at_once(client, login_as, csrf_token, photo) -> None:
    claim = make_identification(photo=photo, text_value="Agnes Moller", contributor=make_user(display_name="Ruth"))
    db.session.commit()
    visitor = client.application.test_client()
    # Until approved, the name is a suggestion, shown as such.
    assert "contributed by Ruth" not in _view(visitor, photo).get_data(as_text=True)
    assert _view(visitor, photo).headers["X-Page-Cache"] == "hit"

    login_as("archivist", institutions=[photo.institution])
    approved = client.post(f"/moderation/identifications/{claim.id}/approve", data={"csrf_token": csrf_token("/moderation")})
    assert approved.status_code == 302

    after = _view(visitor, photo)
    assert after.headers["X-Page-Cache"] == "miss"
    assert "contributed by Ruth" in after.get_data(as_text=True)


def test_a_change_made_by_a_bulk_statement_also_ends_the_kept_page(client, photo) -> None:
    _view(client, photo)
    db.session.execute(update(Photo).where(Photo.id == photo.id).values(title="Harbour in the great frost"))
    db.session.commit()
    assert "Harbour in the great frost" in _view(client, photo).get_data(as_text=True)


def test_a_change_rolled_back_keeps_the_page(client, photo) -> None:
    _view(client, photo)
    db.session.execute(update(Photo).where(Photo.id == photo.id).values(title="Never saved"))
    db.session.rollback()
    page = _view(client, photo)
    assert page.headers["X-Page-Cache"] == "hit" and "Never saved" not in page.get_data(as_text=True)


def test_signed_in_patrons_always_get_their_own_page(client, login_as, photo) -> None:
    _view(client.application.test_client(), photo)  # a visitor's copy is kept
    patron = login_as("patron")
    mine = make_identification(photo=photo, text_value="My grandfather", contributor=patron)
    db.session.commit()
    for _ in range(2):
        page = _view(client, photo)
        assert "X-Page-Cache" not in page.headers
        assert "My grandfather" in page.get_data(as_text=True)
    assert mine.state == "pending"


def test_a_flash_message_is_never_lost_to_a_kept_page(client, login_as, csrf_token) -> None:
    client.application.test_client().get("/")  # a visitor's copy of the home page is kept
    login_as("patron")
    token = csrf_token("/account")
    signed_out = client.post("/logout", data={"csrf_token": token}, follow_redirects=True)
    assert "You are signed out." in signed_out.get_data(as_text=True)


def test_visitors_still_get_pages_when_the_database_cuts_its_connections(client, photo, database_url) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("a PostgreSQL restart, or an administrator ending sessions")
    path = f"/photos/{photo.id}"
    client.get(path)
    assert client.get(path).headers["X-Page-Cache"] == "hit"
    db.session.remove()  # the test's own session lets go of its connection first
    with db.engine.connect() as connection:  # every other connection to this database ends
        connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    answer = client.get(path)
    assert answer.status_code == 200 and "Harbour from the mill" in answer.get_data(as_text=True)
    assert client.get(path).headers["X-Page-Cache"] == "hit"


def test_a_thread_that_ends_takes_its_connection_with_it(app, client, photo, database_url) -> None:
    # The development server answers each request on a thread of its own; connections must not pile up.
    if not database_url.startswith("postgresql"):
        pytest.skip("counts PostgreSQL's sessions")
    path = f"/photos/{photo.id}"
    client.get(path)
    db.session.remove()

    def sessions() -> int:
        with db.engine.connect() as connection:
            return connection.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"))

    before = sessions()
    answers: list[str | None] = []
    for _ in range(5):
        visitor = threading.Thread(target=lambda: answers.append(app.test_client().get(path).headers.get("X-Page-Cache")))
        visitor.start()
        visitor.join()
    gc.collect()  # a connection left open to the collector warns, and warnings fail the tests
    assert answers == ["hit"] * 5
    assert sessions() <= before


def test_the_cache_can_be_switched_off(client, photo) -> None:
    client.application.config["PAGE_CACHE_ENTRIES"] = 0
    assert "X-Page-Cache" not in _view(client, photo).headers
    assert "X-Page-Cache" not in _view(client, photo).headers


def test_every_page_a_link_from_outside_lands_on_is_kept(client, photo) -> None:
    campaign = make_campaign(photos=[photo], title="Main Street in the 1950s")
    db.session.commit()
    pages = ["/", f"/collections/{photo.collection.slug}", f"/photos/{photo.id}", f"/campaigns/{campaign.id}",
             f"/embed/campaigns/{campaign.id}", f"/embed/photos/{photo.id}"]
    for path in pages:
        first, second = client.get(path), client.get(path)
        assert (first.status_code, second.status_code) == (200, 200), path
        assert (first.headers.get("X-Page-Cache"), second.headers.get("X-Page-Cache")) == ("miss", "hit"), path
        assert "Set-Cookie" not in first.headers, path


REDIS_URL = os.environ.get("PHOTOID_TEST_REDIS_URL")


def _worker(tmp_path, database_url, name: str, secret: str, redis_url: str | None):  # type: ignore[no-untyped-def]
    return make_test_app(tmp_path / name, database_url, SECRET_KEY=secret, REDIS_URL=redis_url)


@pytest.mark.skipif(not REDIS_URL, reason="set PHOTOID_TEST_REDIS_URL to test pages shared through Redis")
def test_workers_share_the_pages_they_rendered_through_redis(tmp_path, database_url, app, photo) -> None:
    # Two apps stand for two gunicorn workers of one site (one database, one secret key); a fresh
    # secret keeps this run's pages apart from any other's in the same Redis.
    secret = uuid.uuid4().hex
    first, second = (_worker(tmp_path, database_url, name, secret, REDIS_URL) for name in ("one", "two"))
    rendered = _view(first.test_client(), photo)
    shared = _view(second.test_client(), photo)
    assert (rendered.headers["X-Page-Cache"], shared.headers["X-Page-Cache"]) == ("miss", "hit")
    assert shared.get_data() == rendered.get_data() and shared.mimetype == "text/html"

    # Another site on the same Redis (its own secret) never gets this site's pages.
    other_site = _worker(tmp_path, database_url, "other", uuid.uuid4().hex, REDIS_URL)
    assert _view(other_site.test_client(), photo).headers["X-Page-Cache"] == "miss"

    # A change ends the shared page for every worker at once.
    db.session.execute(update(Photo).where(Photo.id == photo.id).values(title="Harbour in the great frost"))
    db.session.commit()
    after = _view(second.test_client(), photo)
    assert after.headers["X-Page-Cache"] == "miss" and "Harbour in the great frost" in after.get_data(as_text=True)
    assert _view(first.test_client(), photo).headers["X-Page-Cache"] == "hit"


def test_a_site_whose_redis_is_away_still_answers(tmp_path, database_url, app, photo, caplog) -> None:
    # Nothing listens on port 9: every Redis call fails, the page is rendered and kept in the worker.
    worker = _worker(tmp_path, database_url, "one", uuid.uuid4().hex, "redis://127.0.0.1:9/0")
    client = worker.test_client()
    first, second = _view(client, photo), _view(client, photo)
    assert (first.headers["X-Page-Cache"], second.headers["X-Page-Cache"]) == ("miss", "hit")
    assert "Harbour from the mill" in first.get_data(as_text=True)
    assert "Pages are not shared between workers" in caplog.text


def test_a_sign_in_a_vote_and_a_notification_read_leave_another_photos_page_kept(client, login_as, csrf_token, photo) -> None:
    # Issue 22: any write used to end every kept page, so under real traffic there were almost none.
    other = make_photo(collection=photo.collection, title="The mill from the harbour")
    patron = make_user(email="ruth@example.org", display_name="Ruth Lindqvist")
    claim = make_identification(photo=other, text_value="Agnes Moller", state="approved")
    mine = make_identification(photo=other, text_value="Nils Moller", contributor=patron)
    db.session.commit()
    visitor = client.application.test_client()
    _view(visitor, photo)

    def still_kept() -> bool:
        return _view(visitor, photo).headers["X-Page-Cache"] == "hit"

    signed_in = client.post("/login", data={"email": "ruth@example.org", "password": DEFAULT_PASSWORD,
                                            "csrf_token": csrf_token("/login")})
    assert signed_in.status_code == 302 and still_kept()  # the sign-in wrote last_login_at
    voted = client.post(f"/identifications/{claim.id}/votes", data={"stance": "agree", "csrf_token": csrf_token(f"/photos/{other.id}")})
    assert voted.status_code == 302 and still_kept()
    _view(visitor, other)

    archivist = client.application.test_client()
    with archivist.session_transaction() as session:
        reviewer = make_user(role="archivist", institutions=[photo.institution])
        db.session.commit()
        session["_user_id"], session["_fresh"] = reviewer.login_id, True
    page = archivist.get("/moderation").get_data(as_text=True)
    token = next(m.group(1) or m.group(2) for m in [CSRF_PATTERN.search(page)] if m)
    assert archivist.post(f"/moderation/identifications/{mine.id}/approve", data={"csrf_token": token}).status_code == 302
    # The approval ends the page of its photo and the pages listing photos, and no other photo's page.
    assert still_kept()
    approved_page = _view(visitor, other)
    assert approved_page.headers["X-Page-Cache"] == "miss" and "Nils Moller" in approved_page.get_data(as_text=True)
    assert visitor.get(f"/collections/{photo.collection.slug}").headers["X-Page-Cache"] == "miss"

    notifications = client.get("/me/notifications")  # viewing them marks them read
    assert "Nils Moller" in notifications.get_data(as_text=True)
    read = client.post("/me/notifications/read", data={"csrf_token": csrf_token("/me/notifications")})
    assert read.status_code == 302 and still_kept()
    assert _view(visitor, other).headers["X-Page-Cache"] == "hit"


def test_a_new_display_name_ends_every_page_it_may_show_on(client, photo) -> None:
    patron = make_user(display_name="Ruth")
    make_identification(photo=photo, text_value="Agnes Moller", contributor=patron, state="approved")
    db.session.commit()
    assert "Ruth" in _view(client, photo).get_data(as_text=True)
    patron.display_name = "Ruth Lindqvist"
    db.session.commit()
    renamed = _view(client, photo)
    assert renamed.headers["X-Page-Cache"] == "miss" and "Ruth Lindqvist" in renamed.get_data(as_text=True)
