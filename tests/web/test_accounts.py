"""Registering, signing in and out, changing the password: what a patron sees."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from photoid.accounts.models import User
from photoid.extensions import db
from tests.conftest import make_test_app
from tests.factories import DEFAULT_PASSWORD, make_user


def _register(client, token, **overrides):
    data = {"display_name": "Margaret H.", "email": "Margaret@Example.org", "password": "a long enough secret",
            "confirm": "a long enough secret", "csrf_token": token}
    data.update(overrides)
    return client.post("/register", data=data)


@pytest.mark.usefixtures("real_password_hashing")  # the site's own method (tests/conftest.py)
def test_a_patron_registers_is_asked_to_check_their_email_and_can_sign_in_at_once(client, csrf_token) -> None:
    response = _register(client, csrf_token("/register"))
    assert response.status_code == 302 and response.headers["Location"].startswith("/register/sent")
    assert "Check your email" in client.get(response.headers["Location"]).get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.email == "margaret@example.org"))
    assert user is not None and user.role == "patron" and user.email_verified_at is None
    assert user.password_hash.startswith("scrypt:32768:8:1$")
    client.post("/login", data={"email": "margaret@example.org", "password": "a long enough secret",
                                "csrf_token": csrf_token("/login")})
    page = client.get("/").get_data(as_text=True)
    assert "Margaret H." in page
    assert "margaret@example.org" not in page.lower()  # the email is never shown


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"display_name": ""}, "Please choose a display name."),
        ({"email": "not-an-email"}, "Please enter a valid email address."),
        ({"password": "short", "confirm": "short"}, "Use 10 to 200 characters."),
        ({"confirm": "something else entirely"}, "The two passwords do not match."),
        ({"display_name": "x" * 61}, "Field cannot be longer than 60 characters."),
        ({"display_name": "Jane\u200bDoe"}, "cannot contain control or invisible characters"),
        ({"display_name": "me@example.org"}, "do not use an email address as your display name"),
    ],
)
def test_bad_registration_input_gets_a_clear_message_and_no_account(client, csrf_token, overrides, message) -> None:
    response = _register(client, csrf_token("/register"), **overrides)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(User.id)) is None


def test_email_and_display_name_cannot_be_taken_twice(client, csrf_token) -> None:
    make_user(email="margaret@example.org", display_name="Someone")
    make_user(display_name="Margaret H.")
    db.session.commit()
    # A taken email gets the same "check your email" page as a new one (see test_account_discovery.py).
    response = _register(client, csrf_token("/register"), display_name="Someone New")
    assert response.status_code == 302 and response.headers["Location"].startswith("/register/sent")
    assert db.session.scalar(select(User.id).where(User.display_name == "Someone New")) is None
    response = _register(client, csrf_token("/register"), email="other@example.org", display_name="margaret  h.")
    assert "That display name is taken" in response.get_data(as_text=True)


def test_a_form_without_its_csrf_token_is_refused(client) -> None:
    response = client.post("/register", data={"display_name": "A", "email": "a@example.org",
                                              "password": "a long enough secret", "confirm": "a long enough secret"})
    assert response.status_code == 400
    assert "Please reload the page" in response.get_data(as_text=True)


def test_sign_in_with_the_right_password_and_not_with_a_wrong_one(client, csrf_token) -> None:
    make_user(email="reader@example.org", display_name="Reader")
    db.session.commit()
    token = csrf_token("/login")
    wrong = client.post("/login", data={"email": "reader@example.org", "password": "wrong password!", "csrf_token": token})
    assert wrong.status_code == 400
    assert "do not match an account" in wrong.get_data(as_text=True)
    right = client.post("/login", data={"email": "READER@example.org", "password": DEFAULT_PASSWORD, "csrf_token": token})
    assert right.status_code == 302
    assert "Reader" in client.get("/").get_data(as_text=True)


def test_a_suspended_account_cannot_sign_in(client, csrf_token) -> None:
    from photoid.db import utcnow

    make_user(email="gone@example.org", suspended_at=utcnow())
    db.session.commit()
    response = client.post("/login", data={"email": "gone@example.org", "password": DEFAULT_PASSWORD, "csrf_token": csrf_token()})
    assert "suspended" in response.get_data(as_text=True)


@pytest.mark.parametrize("target", ["//evil.example", "/\\evil.example", "https:evil.example", "https://evil.example/", "javascript:alert(1)", "/%0d%0aLocation:x"])
def test_sign_in_never_redirects_off_the_site(client, csrf_token, target) -> None:
    make_user(email="reader@example.org")
    db.session.commit()
    response = client.post(f"/login?next={target}", data={"email": "reader@example.org", "password": DEFAULT_PASSWORD, "csrf_token": csrf_token()})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_sign_in_returns_to_the_page_the_patron_came_from(client, csrf_token) -> None:
    make_user(email="reader@example.org")
    db.session.commit()
    response = client.post("/login?next=/collections/x", data={"email": "reader@example.org", "password": DEFAULT_PASSWORD, "csrf_token": csrf_token()})
    assert response.headers["Location"] == "/collections/x"


def test_sign_out_ends_the_session(client, login_as, csrf_token) -> None:
    user = login_as("patron")
    old_login_id = user.login_id
    client.post("/logout", data={"csrf_token": csrf_token("/account")})
    assert client.get("/account").status_code == 302  # back to sign-in
    db.session.refresh(user)
    assert user.login_id != old_login_id  # a copied cookie no longer works either


def test_changing_the_password_signs_out_other_devices(app, client, login_as, csrf_token) -> None:
    user = login_as("patron")
    other_device = app.test_client()
    with other_device.session_transaction() as session:
        session["_user_id"] = user.login_id
    assert other_device.get("/account").status_code == 200

    response = client.post("/account", data={"current": DEFAULT_PASSWORD, "new": "a brand new passphrase",
                                              "confirm": "a brand new passphrase", "csrf_token": csrf_token("/account")})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert client.get("/account").status_code == 200  # this device stays signed in
    assert other_device.get("/account").status_code == 302


def test_changing_the_password_needs_the_current_one(client, login_as, csrf_token) -> None:
    login_as("patron")
    response = client.post("/account", data={"current": "not my password", "new": "a brand new passphrase",
                                              "confirm": "a brand new passphrase", "csrf_token": csrf_token("/account")})
    assert response.status_code == 400
    assert "current password is not correct" in response.get_data(as_text=True)


def test_repeated_failed_sign_ins_are_rate_limited(tmp_path, database_url, _schema) -> None:
    app = make_test_app(tmp_path, database_url, RATELIMIT_ENABLED=True, WTF_CSRF_ENABLED=False)
    client = app.test_client()
    statuses = [client.post("/login", data={"email": "x@example.org", "password": "guess number"}).status_code for _ in range(11)]
    assert statuses[:10] == [400] * 10
    assert statuses[10] == 429
    assert "Please try again in " in client.post("/login", data={"email": "x@example.org", "password": "again"}).get_data(as_text=True)
    with app.app_context():
        db.engine.dispose()


def test_nobody_can_take_the_name_shown_for_deleted_accounts(client, csrf_token) -> None:
    response = client.post("/register", data={
        "csrf_token": csrf_token("/register"), "display_name": "A Former  Contributor", "email": "x@example.org",
        "password": "a long enough passphrase", "confirm": "a long enough passphrase"})
    assert response.status_code == 400 and "used by the site itself" in response.get_data(as_text=True)
