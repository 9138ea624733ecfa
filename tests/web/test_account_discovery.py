"""No answer tells whether an email has an account: registration, sign-in and password reset answer
the same page, status and cookies for a known and an unknown address, and take the same time.

The time is the same by design, not by luck: each path hashes a password once (scrypt, the slow
part) and sends exactly one email after the commit (a link, or a note). The tests measure it over
many interleaved tries and compare medians, which a few slow tries on a busy machine do not move.
"""
from __future__ import annotations

import itertools
import re
import statistics
import time
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from photoid.accounts.service import PASSWORD_METHOD
from photoid.extensions import db
from tests.conftest import CSRF_PATTERN, make_test_app
from tests.factories import make_user

#: The site's own scrypt (tests/conftest.py): the time compared is mostly hashing.
pytestmark = pytest.mark.usefixtures("real_password_hashing")
TRIES = 15
#: A mail server that takes this long per message, so a path that sent no email would be quicker by it.
MAIL_SECONDS = 0.2
_names = itertools.count(1)


@pytest.fixture
def site(tmp_path, database_url, _schema) -> Flask:  # type: ignore[no-untyped-def]
    app = make_test_app(tmp_path, database_url, LOGIN_LOCKOUT_FAILURES=10_000)
    app.config["MAIL_SENDER"] = lambda to, subject, body: time.sleep(MAIL_SECONDS)
    with app.app_context():
        make_user(email="known@example.org", display_name="Known Person")
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        from tests.conftest import _empty_tables

        _empty_tables()


def _csrf(client: FlaskClient, path: str) -> str:
    match = CSRF_PATTERN.search(client.get(path).get_data(as_text=True))
    assert match
    return match.group(1) or match.group(2)


def _scrypt_seconds() -> float:
    """What one password hash costs here: the difference a path that skipped it would show."""
    start = time.perf_counter()
    for _ in range(3):
        generate_password_hash("measure me", method=PASSWORD_METHOD)
    return (time.perf_counter() - start) / 3


def _medians(known: Callable[[], object], unknown: Callable[[], object]) -> tuple[float, float]:
    """Median seconds of each, over TRIES interleaved tries after a warm-up (so drift hits both alike)."""
    known(), unknown()
    times: dict[str, list[float]] = {"known": [], "unknown": []}
    for _ in range(TRIES):
        for name, call in (("known", known), ("unknown", unknown)):
            start = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - start)
    return statistics.median(times["known"]), statistics.median(times["unknown"])


def _same_page(a: str, b: str, *emails: str) -> bool:
    """Pages equal once the CSRF tokens (a new one per form) and the typed addresses are set aside."""
    def plain(page: str) -> str:
        page = re.sub(r'(name="csrf_token"[^>]*value=")[^"]+', r"\1", page)
        page = re.sub(r'(name="form_started"[^>]*value=")[^"]+', r"\1", page)
        for email in emails:
            page = page.replace(email, "EMAIL")
        return page

    return plain(a) == plain(b)


def test_password_reset_answers_alike_for_any_address(site: Flask) -> None:
    """Bound: half of MAIL_SECONDS. Each path sends one email through a sender that takes MAIL_SECONDS,
    so an implementation that emailed only known addresses would differ by the whole MAIL_SECONDS;
    medians of 15 interleaved tries vary by a few milliseconds, even on a busy machine."""
    client = site.test_client()
    token = _csrf(client, "/password/forgot")

    def ask(email: str):  # type: ignore[no-untyped-def]
        return client.post("/password/forgot", data={"email": email, "csrf_token": token})

    known, unknown = ask("known@example.org"), ask("nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    assert known.get_data(as_text=True) == unknown.get_data(as_text=True)
    assert known.headers.getlist("Set-Cookie") == unknown.headers.getlist("Set-Cookie")
    k, u = _medians(lambda: ask("known@example.org"), lambda: ask("nobody@example.org"))
    assert abs(k - u) < MAIL_SECONDS / 2, f"medians {k:.3f} s (account) and {u:.3f} s (none)"


def test_sign_in_answers_alike_for_any_address(site: Flask) -> None:
    """Bound: half of one password hash. A wrong password for a real account and any password for an
    unknown address both run scrypt once; skipping it for unknown addresses would differ by a whole hash."""
    client = site.test_client()
    token = _csrf(client, "/login")

    def sign_in(email: str):  # type: ignore[no-untyped-def]
        return client.post("/login", data={"email": email, "password": "wrong password", "csrf_token": token})

    known, unknown = sign_in("known@example.org"), sign_in("nobody@example.org")
    assert known.status_code == unknown.status_code == 400
    assert _same_page(known.get_data(as_text=True), unknown.get_data(as_text=True), "known@example.org", "nobody@example.org")
    k, u = _medians(lambda: sign_in("known@example.org"), lambda: sign_in("nobody@example.org"))
    assert abs(k - u) < _scrypt_seconds() / 2, f"medians {k:.3f} s (account) and {u:.3f} s (none)"


def test_registration_answers_alike_for_a_taken_address(site: Flask) -> None:
    """Bound: half of the smaller of one password hash and MAIL_SECONDS. Both paths hash the chosen
    password and send one email (a confirmation link, or a note to the owner); a path that skipped either
    would differ by a whole hash or a whole email. Creating the row costs a few milliseconds only."""
    client = site.test_client()
    token = _csrf(client, "/register")

    def register(email: str):  # type: ignore[no-untyped-def]
        n = next(_names)
        return client.post("/register", data={"display_name": f"Newcomer {n}", "email": email,
                                              "password": "a long enough secret", "confirm": "a long enough secret",
                                              "csrf_token": token})

    taken, fresh = register("known@example.org"), register(f"new{next(_names)}@example.org")
    assert taken.status_code == fresh.status_code == 302
    assert taken.headers["Location"] == fresh.headers["Location"]
    assert taken.get_data() == fresh.get_data()
    assert client.get(taken.headers["Location"]).get_data() == client.get(fresh.headers["Location"]).get_data()
    k, u = _medians(lambda: register("known@example.org"), lambda: register(f"new{next(_names)}@example.org"))
    bound = min(_scrypt_seconds(), MAIL_SECONDS) / 2
    assert abs(k - u) < bound, f"medians {k:.3f} s (taken) and {u:.3f} s (new), bound {bound:.3f} s"
