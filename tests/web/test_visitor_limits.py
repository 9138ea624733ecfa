"""Limits that know the visitor: behind a reverse proxy (PHOTOID_PROXIES) each visitor has an
allowance of their own, registration counts only accounts made, a held-back form keeps what was
typed and says when to try again, and a registration stamp serves one session once."""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select

from photoid.accounts.models import User
from photoid.extensions import db
from tests.conftest import _empty_tables, make_test_app
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.web.pages import alert as _alert, parse as _doc


def _field(response, name: str) -> str:  # type: ignore[no-untyped-def]
    found = _doc(response).xpath(f"//form//input[@name='{name}']/@value")
    return found[0] if found else ""


def _accounts() -> int:
    return db.session.scalar(select(func.count(User.id))) or 0


@pytest.fixture
def limited(tmp_path, database_url, _schema) -> Iterator[Flask]:  # type: ignore[no-untyped-def]
    """A site with rate limits on and CSRF off (the limits are what is tested)."""

    def build(**settings: object) -> Flask:
        app = make_test_app(tmp_path / f"site{len(made)}", database_url, RATELIMIT_ENABLED=True, WTF_CSRF_ENABLED=False, **settings)
        made.append(app)
        return app

    made: list[Flask] = []
    yield build  # type: ignore[misc]
    if made:
        with made[0].app_context():
            db.session.remove()
            _empty_tables()


def _sign_in(client, email: str, password: str, forwarded_for: str):  # type: ignore[no-untyped-def]
    return client.post("/login", data={"email": email, "password": password},
                       headers={"X-Forwarded-For": forwarded_for}, environ_base={"REMOTE_ADDR": "10.0.0.2"})


def _people(app: Flask) -> None:
    with app.app_context():
        make_user(email="margaret@example.org")
        make_user(email="olive@example.org")
        db.session.commit()


# --- behind a reverse proxy ----------------------------------------------------------------------

def test_behind_a_proxy_ten_bad_sign_ins_from_one_visitor_do_not_stop_another(limited) -> None:  # type: ignore[no-untyped-def]
    app = limited(PROXIES=1)
    _people(app)
    attacker, neighbour = app.test_client(), app.test_client()  # both reach the site through nginx at 10.0.0.2
    for _ in range(10):
        assert _sign_in(attacker, "margaret@example.org", "wrong guess", "203.0.113.9").status_code == 400
    held_back = _sign_in(attacker, "olive@example.org", DEFAULT_PASSWORD, "203.0.113.9")
    assert held_back.status_code == 429 and "going a little fast" in held_back.get_data(as_text=True)

    signed_in = _sign_in(neighbour, "olive@example.org", DEFAULT_PASSWORD, "198.51.100.7")
    assert signed_in.status_code == 302
    assert neighbour.get("/account").status_code == 200


def test_without_trusted_proxies_the_forwarded_address_is_ignored(limited) -> None:  # type: ignore[no-untyped-def]
    app = limited()  # PHOTOID_PROXIES unset: anyone could write X-Forwarded-For
    _people(app)
    attacker, neighbour = app.test_client(), app.test_client()
    for number in range(10):  # a new made-up address each time does not buy more tries
        assert _sign_in(attacker, "margaret@example.org", "wrong guess", f"203.0.113.{number}").status_code == 400
    assert _sign_in(attacker, "olive@example.org", DEFAULT_PASSWORD, "203.0.113.99").status_code == 429
    # Everyone comes from the one address the connection came from, so the neighbour waits too.
    assert _sign_in(neighbour, "olive@example.org", DEFAULT_PASSWORD, "198.51.100.7").status_code == 429


def test_the_proxy_tells_the_scheme_and_host_for_links(limited) -> None:  # type: ignore[no-untyped-def]
    app = limited(PROXIES=1)
    page = app.test_client().get("/robots.txt", headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "photos.example.org"})
    assert "Sitemap: https://photos.example.org/sitemap.xml" in page.get_data(as_text=True)
    ignored = limited().test_client().get("/robots.txt", headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"})
    assert "evil.example" not in ignored.get_data(as_text=True) and "Sitemap: http://localhost/" in ignored.get_data(as_text=True)


# --- registration: only accounts made count ----------------------------------------------------

def _register(client, number: int, **overrides: str):  # type: ignore[no-untyped-def]
    data = {"display_name": f"Patron {number}", "email": f"patron{number}@example.org",
            "password": "a long enough secret", "confirm": "a long enough secret", "website": ""}
    data.update(overrides)
    return client.post("/register", data=data)


def test_refused_forms_use_up_nothing_and_the_sixth_account_waits_with_its_details_kept(limited) -> None:  # type: ignore[no-untyped-def]
    app = limited()
    client = app.test_client()
    assert _register(client, 0, email="").status_code == 400  # an empty email
    assert _register(client, 0, confirm="something else").status_code == 400
    assert _register(client, 0, website="http://spam.example").status_code == 400
    made = []
    for number in range(1, 6):
        made.append(_register(app.test_client(), number).status_code)
    assert made == [302] * 5

    sixth = _register(app.test_client(), 6)
    assert sixth.status_code == 429
    words = _alert(sixth)
    assert re.search(r"try again in about \d+ minutes", words), words
    assert int(sixth.headers["Retry-After"]) > 0
    assert _field(sixth, "email") == "patron6@example.org" and _field(sixth, "display_name") == "Patron 6"
    assert _field(sixth, "password") == "" and _field(sixth, "confirm") == ""
    with app.app_context():
        assert _accounts() == 5


# --- the registration stamp ---------------------------------------------------------------------

@pytest.fixture
def stamped(app):  # type: ignore[no-untyped-def]
    app.config["REGISTER_MIN_SECONDS"] = 0.001
    return app


def _form(client) -> dict[str, str]:  # type: ignore[no-untyped-def]
    page = client.get("/register")
    return {"csrf_token": _field(page, "csrf_token"), "form_started": _field(page, "form_started")}


def _send(client, form: dict[str, str], number: int):  # type: ignore[no-untyped-def]
    return client.post("/register", data={
        **form, "display_name": f"Patron {number}", "email": f"patron{number}@example.org",
        "password": "a long enough secret", "confirm": "a long enough secret", "website": ""})


def test_a_stamp_from_another_session_is_refused_with_what_was_typed_kept(stamped) -> None:  # type: ignore[no-untyped-def]
    theirs, ours = stamped.test_client(), stamped.test_client()
    borrowed = _form(theirs)["form_started"]
    refused = _send(ours, {**_form(ours), "form_started": borrowed}, 1)
    assert refused.status_code == 400
    assert "opened in another browser or session" in _alert(refused)
    assert _field(refused, "email") == "patron1@example.org" and _field(refused, "display_name") == "Patron 1"
    assert _field(refused, "password") == ""
    assert _accounts() == 0
    assert _send(ours, {"csrf_token": _field(refused, "csrf_token"), "form_started": _field(refused, "form_started")}, 1).status_code == 302


def test_a_stamp_is_used_once(stamped) -> None:  # type: ignore[no-untyped-def]
    client = stamped.test_client()
    form = _form(client)
    assert _send(client, form, 1).status_code == 302
    with client.session_transaction() as session:  # signed out, if registering signed in: the same browser session
        session.pop("_user_id", None)
    again = _send(client, {**form, "csrf_token": _form(client)["csrf_token"]}, 2)
    assert again.status_code == 400 and "already sent once" in _alert(again)
    assert _field(again, "email") == "patron2@example.org"
    assert _accounts() == 1


def test_too_quick_keeps_everything_but_the_passwords(app) -> None:  # type: ignore[no-untyped-def]
    app.config["REGISTER_MIN_SECONDS"] = 60
    client = app.test_client()
    refused = _send(client, _form(client), 1)
    assert refused.status_code == 400 and "quicker than we expect" in _alert(refused)
    assert _field(refused, "email") == "patron1@example.org" and _field(refused, "display_name") == "Patron 1"


@pytest.mark.parametrize(("seconds", "words"), [
    (5, "in less than a minute"), (61, "in about 2 minutes"), (60, "in about a minute"),
    (2977, "in about 50 minutes"), (5399, "in about 90 minutes"), (7 * 3600, "in about 7 hours"),
])
def test_waits_are_said_in_words(seconds: float, words: str) -> None:
    from photoid.extensions import wait_in_words

    assert wait_in_words(seconds) == words
