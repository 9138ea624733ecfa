"""Registration refuses what bots send (a filled honeypot, a form sent back too fast or too late) and creates nothing."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from photoid.accounts import abuse
from photoid.accounts.models import User
from photoid.extensions import db
from tests.web.pages import alert as _alert, labelled, parse as _doc


def hidden_value(doc, name: str) -> str:  # type: ignore[no-untyped-def]
    return doc.xpath(f"//form//input[@name='{name}']/@value")[0]


def _send(client, doc, **overrides):  # type: ignore[no-untyped-def]
    data = {"display_name": "Margaret H.", "email": "margaret@example.org", "password": "a long enough secret",
            "confirm": "a long enough secret", "website": "",
            "csrf_token": hidden_value(doc, "csrf_token"), "form_started": hidden_value(doc, "form_started")}
    data.update(overrides)
    return client.post("/register", data=data)


def _accounts() -> int:
    return db.session.scalar(select(func.count(User.id))) or 0


@pytest.fixture
def slow_form(app, monkeypatch):  # type: ignore[no-untyped-def]
    """Registration with the production minimum fill time, and a clock the test moves."""
    app.config["REGISTER_MIN_SECONDS"] = 3
    clock = {"now": time.time()}
    monkeypatch.setattr(abuse, "_now", lambda: clock["now"])
    return clock


def test_the_honeypot_is_labelled_for_screen_readers_and_out_of_the_tab_order(client) -> None:
    field = labelled(_doc(client.get("/register")), "Leave this empty")
    assert field.get("tabindex") == "-1"
    assert field.get("autocomplete") == "off"
    assert field.get("value", "") == ""


def test_a_filled_honeypot_is_refused_kindly_and_creates_nothing(client) -> None:
    response = _send(client, _doc(client.get("/register")), website="http://cheap-watches.example")
    assert response.status_code == 400
    assert "Leave this empty" in _alert(response)
    assert _accounts() == 0
    assert labelled(_doc(response), "Leave this empty").get("value", "") == ""  # a person can simply send it again


def test_a_form_sent_back_within_three_seconds_is_refused_then_accepted_later(client, slow_form) -> None:
    page = _doc(client.get("/register"))
    too_fast = _send(client, page)
    assert too_fast.status_code == 400
    assert "quicker than we expect from a person" in _alert(too_fast)
    assert _accounts() == 0

    slow_form["now"] += 4  # a person reading the form
    accepted = _send(client, page)
    assert accepted.status_code == 302
    assert _accounts() == 1


@pytest.mark.parametrize(("stamp", "message"), [
    ("", "could not be checked"),
    ("not-a-real-stamp", "could not be checked"),
])
def test_a_missing_or_forged_time_stamp_is_refused(client, slow_form, stamp, message) -> None:  # type: ignore[no-untyped-def]
    page = _doc(client.get("/register"))
    slow_form["now"] += 10
    response = _send(client, page, form_started=stamp)
    assert response.status_code == 400 and message in _alert(response)
    assert _accounts() == 0


def test_a_form_opened_more_than_a_day_ago_is_refused(app, client, slow_form, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    page = _doc(client.get("/register"))
    two_days_ago = time.time() - 2 * 24 * 3600
    with app.test_request_context(), monkeypatch.context() as patch:
        patch.setattr(time, "time", lambda: two_days_ago)
        slow_form["now"] = two_days_ago
        old_stamp = abuse.form_started_token()
    slow_form["now"] = time.time()
    response = _send(client, page, form_started=old_stamp)
    assert response.status_code == 400
    assert "opened more than a day ago" in _alert(response)
    assert _accounts() == 0


def test_the_fill_time_check_is_off_where_rate_limits_are_off_as_the_readme_says(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """README: PHOTOID_REGISTER_MIN_SECONDS defaults to 3, or 0 when PHOTOID_RATELIMIT=0 (a development
    server, where a person filling the form in a second is a developer testing it)."""
    from config import Config

    monkeypatch.delenv("PHOTOID_REGISTER_MIN_SECONDS", raising=False)
    monkeypatch.setenv("PHOTOID_RATELIMIT", "0")
    assert Config(instance_dir=tmp_path).REGISTER_MIN_SECONDS == 0
    monkeypatch.setenv("PHOTOID_RATELIMIT", "1")
    assert Config(instance_dir=tmp_path).REGISTER_MIN_SECONDS == 3
    monkeypatch.setenv("PHOTOID_RATELIMIT", "0")
    monkeypatch.setenv("PHOTOID_REGISTER_MIN_SECONDS", "5")  # a value set on purpose still counts
    assert Config(instance_dir=tmp_path).REGISTER_MIN_SECONDS == 5
