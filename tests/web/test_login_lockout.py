"""Guessing one account's password pauses that account for a while, never for good."""
from __future__ import annotations

import itertools
import time

import pytest

from photoid.accounts import abuse
from photoid.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.web.pages import alert as _alert

_addresses = itertools.count(1)


def _sign_in(client, csrf_token, email: str, password: str):  # type: ignore[no-untyped-def]
    """A sign-in from a new address each time, as a botnet would try."""
    address = f"10.0.{next(_addresses) % 250}.{next(_addresses) % 250}"
    return client.post("/login", data={"email": email, "password": password, "csrf_token": csrf_token("/login")},
                       environ_base={"REMOTE_ADDR": address})


@pytest.fixture
def clock(monkeypatch):  # type: ignore[no-untyped-def]
    now = {"t": time.time()}
    monkeypatch.setattr(abuse, "_now", lambda: now["t"])
    return now


@pytest.fixture
def margaret(app):  # type: ignore[no-untyped-def]
    user = make_user(email="margaret@example.org")
    db.session.commit()
    return user


def test_ten_failures_from_anywhere_pause_the_email_even_for_the_right_password(client, csrf_token, clock, margaret) -> None:  # type: ignore[no-untyped-def]
    for _ in range(9):
        response = _sign_in(client, csrf_token, "margaret@example.org", "wrong guess")
        assert "do not match an account" in _alert(response)
    tenth = _sign_in(client, csrf_token, "Margaret@Example.org", "wrong guess")  # any spelling of the address
    assert "Please try again in 5 minutes" in _alert(tenth)

    right = _sign_in(client, csrf_token, "margaret@example.org", DEFAULT_PASSWORD)
    assert right.status_code == 429
    assert "too many unsuccessful attempts" in _alert(right) and "try again in 5 minutes" in _alert(right)
    assert client.get("/account").status_code == 302  # not signed in

    other = make_user(email="someone@example.org")
    db.session.commit()
    assert _sign_in(client, csrf_token, other.email, DEFAULT_PASSWORD).status_code == 302  # other accounts carry on


def test_after_the_pause_the_right_password_works_and_clears_the_count(client, csrf_token, clock, margaret) -> None:  # type: ignore[no-untyped-def]
    for _ in range(10):
        _sign_in(client, csrf_token, "margaret@example.org", "wrong guess")
    clock["t"] += 4 * 60
    assert "try again in 1 minute " in _alert(_sign_in(client, csrf_token, "margaret@example.org", DEFAULT_PASSWORD))
    clock["t"] += 61
    assert _sign_in(client, csrf_token, "margaret@example.org", DEFAULT_PASSWORD).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token("/")})
    # The count started again from nothing: nine more failures do not pause the account.
    for _ in range(9):
        assert "do not match an account" in _alert(_sign_in(client, csrf_token, "margaret@example.org", "wrong guess"))


def test_each_further_pause_is_twice_as_long_up_to_an_hour(app, client, csrf_token, clock, margaret) -> None:  # type: ignore[no-untyped-def]
    app.config["LOGIN_LOCKOUT_FAILURES"] = 2
    seen = []
    for _ in range(6):
        _sign_in(client, csrf_token, "margaret@example.org", "wrong guess")
        seen.append(_alert(_sign_in(client, csrf_token, "margaret@example.org", "wrong guess")))
        clock["t"] += 3601  # wait out the pause, whatever its length
    minutes = [int(text.split("try again in ")[1].split(" minute")[0]) for text in seen]
    assert minutes == [5, 10, 20, 40, 60, 60]
    assert _sign_in(client, csrf_token, "margaret@example.org", DEFAULT_PASSWORD).status_code == 302  # never locked for good
