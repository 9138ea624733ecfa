"""A forgotten password: ask for a link, follow it from the email, choose a new password."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from photoid.accounts import abuse, tokens
from photoid.accounts.models import User
from photoid.extensions import db
from photoid.moderation.models import ModerationEvent
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.web.pages import csrf_token_on as _token

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def margaret(app) -> User:  # type: ignore[no-untyped-def]
    user = make_user(email="margaret@example.org", display_name="Margaret H.")
    db.session.commit()
    return user


def _forgot(client: FlaskClient, email: str):  # type: ignore[no-untyped-def]
    return client.post("/password/forgot", data={"email": email, "csrf_token": _token(client, "/password/forgot")})


def _reset_path(outbox: list[tuple[str, str, str]], to: str = "margaret@example.org") -> str:
    body = [mail for mail in outbox if mail[0] == to][-1][2]
    match = re.search(r"https?://\S+/password/reset/\S+", body)
    assert match, body
    return urlsplit(match.group(0)).path


def _set_password(client: FlaskClient, path: str, password: str = NEW_PASSWORD, confirm: str | None = None):  # type: ignore[no-untyped-def]
    return client.post(path, data={"new": password, "confirm": confirm or password, "csrf_token": _token(client, path)})


def _sign_in(client: FlaskClient, password: str):  # type: ignore[no-untyped-def]
    return client.post("/login", data={"email": "margaret@example.org", "password": password,
                                       "csrf_token": _token(client, "/login")})


def test_the_sign_in_page_offers_a_way_back_from_a_forgotten_password(client) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/password/forgot"' in page and "Forgot your password?" in page


def test_a_patron_resets_a_forgotten_password_and_is_signed_in_everywhere_else_out(app, client, outbox, margaret) -> None:
    other_device = app.test_client()
    assert _sign_in(other_device, DEFAULT_PASSWORD).status_code == 302

    response = _forgot(client, "Margaret@Example.org")
    assert response.status_code == 200
    assert "if an account uses the address you entered" in response.get_data(as_text=True).lower()
    [(to, subject, body)] = outbox
    assert to == "margaret@example.org" and "photoid" in subject and "within 1 hour" in body

    path = _reset_path(outbox)
    assert "Choose a new password" in client.get(path).get_data(as_text=True)
    done = _set_password(client, path)
    assert done.status_code == 302
    assert "Your new password is set" in client.get(done.headers["Location"]).get_data(as_text=True)
    assert client.get("/account").status_code == 200  # signed in here
    assert other_device.get("/account").status_code == 302  # and out on the other device

    again = client.get(path)  # the link worked once
    assert again.status_code == 410
    assert "Ask for a new link" in again.get_data(as_text=True)
    fresh = app.test_client()
    assert _sign_in(fresh, DEFAULT_PASSWORD).status_code == 400
    assert _sign_in(fresh, NEW_PASSWORD).status_code == 302


def test_an_unknown_address_gets_the_same_page_and_a_note_instead_of_a_link(client, outbox, margaret) -> None:
    known = _forgot(client, "margaret@example.org").get_data(as_text=True)
    unknown = _forgot(client, "nobody@example.org").get_data(as_text=True)
    assert known == unknown
    assert [mail[0] for mail in outbox] == ["margaret@example.org", "nobody@example.org"]
    assert "/password/reset/" not in outbox[1][2] and "no account uses this address" in outbox[1][2]


def test_only_the_newest_link_works_and_it_expires_after_an_hour(app, client, outbox, margaret, monkeypatch) -> None:
    _forgot(client, "margaret@example.org")
    first = _reset_path(outbox)
    _forgot(client, "margaret@example.org")
    second = _reset_path(outbox)
    assert client.get(first).status_code == 410  # replaced by the newer link
    assert client.get(second).status_code == 200

    import time
    later = time.time() + app.config["RESET_TOKEN_SECONDS"] + 5
    monkeypatch.setattr(tokens, "_now", lambda: later)
    expired = client.get(second)
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)


def test_changing_the_password_another_way_ends_the_link(app, client, outbox, margaret) -> None:
    _forgot(client, "margaret@example.org")
    path = _reset_path(outbox)
    signed_in = app.test_client()
    _sign_in(signed_in, DEFAULT_PASSWORD)
    signed_in.post("/account", data={"current": DEFAULT_PASSWORD, "new": "changed on my phone", "confirm": "changed on my phone",
                                     "csrf_token": _token(signed_in, "/account")})
    assert client.get(path).status_code == 410


def test_made_up_and_cut_short_links_say_what_to_do(client, outbox, margaret) -> None:
    _forgot(client, "margaret@example.org")
    path = _reset_path(outbox)
    for bad in ("/password/reset/not-a-token", path[:-3], path + "x"):
        response = client.get(bad)
        assert response.status_code == 410
        assert "Please ask for a new link" in response.get_data(as_text=True)


def test_a_weak_new_password_is_explained_and_the_link_still_works(client, outbox, margaret) -> None:
    _forgot(client, "margaret@example.org")
    path = _reset_path(outbox)
    response = _set_password(client, path, "short")
    assert response.status_code == 400 and "Use 10 to 200 characters." in response.get_data(as_text=True)
    mismatch = _set_password(client, path, NEW_PASSWORD, "something else entirely")
    assert mismatch.status_code == 400 and "do not match" in mismatch.get_data(as_text=True)
    assert _set_password(client, path).status_code == 302


def test_a_valid_link_ends_a_sign_in_pause(app, client, outbox, margaret) -> None:
    for _ in range(app.config["LOGIN_LOCKOUT_FAILURES"]):
        abuse.record_failure("margaret@example.org")
    assert abuse.current_lockout("margaret@example.org") is not None
    paused = _sign_in(client, DEFAULT_PASSWORD).get_data(as_text=True)
    assert "choose “Forgot your password?” below" in paused and 'href="/password/forgot"' in paused
    _forgot(client, "margaret@example.org")
    assert client.get(_reset_path(outbox)).status_code == 200
    assert abuse.current_lockout("margaret@example.org") is None
    assert _sign_in(app.test_client(), DEFAULT_PASSWORD).status_code == 302  # the owner gets in at once


def test_following_a_reset_link_proves_the_email(client, outbox) -> None:
    make_user(email="margaret@example.org", email_verified_at=None)
    db.session.commit()
    _forgot(client, "margaret@example.org")
    _set_password(client, _reset_path(outbox))
    db.session.expire_all()
    assert db.session.scalar(select(User.email_verified_at).where(User.email == "margaret@example.org")) is not None


def test_an_admin_sends_a_reset_link_without_seeing_the_password(client, login_as, outbox, margaret) -> None:
    admin = login_as("admin")
    page = client.get(f"/admin/users/{margaret.id}").get_data(as_text=True)
    assert "Send Margaret H. a password reset link" in page
    response = client.post(f"/admin/users/{margaret.id}/password-reset",
                           data={"csrf_token": _token(client, f"/admin/users/{margaret.id}")})
    assert response.status_code == 302
    [(to, _subject, body)] = outbox
    assert to == "margaret@example.org" and "An administrator" in body and "/password/reset/" in body
    [event] = db.session.scalars(select(ModerationEvent).where(ModerationEvent.action == "send_password_reset"))
    assert event.actor_id == admin.id and event.target_id == margaret.id
    assert "margaret@example.org" not in str(event.after)
    audit = client.get(f"/moderation/log?target_type=account&target_id={margaret.id}")
    assert "Sent a password reset link" in audit.get_data(as_text=True)


@pytest.mark.parametrize("role", ["patron", "archivist"])
def test_nobody_but_an_admin_can_send_someone_a_reset_link(client, login_as, outbox, margaret, role) -> None:
    login_as(role)
    token = _token(client, "/account")
    response = client.post(f"/admin/users/{margaret.id}/password-reset", data={"csrf_token": token})
    assert response.status_code == 403 and outbox == []


def test_a_reset_link_for_a_suspended_account_does_not_work(client, outbox, margaret) -> None:
    _forgot(client, "margaret@example.org")
    path = _reset_path(outbox)
    margaret.suspended_at = margaret.created_at
    db.session.commit()
    assert client.get(path).status_code == 410


def test_reset_requests_are_limited_per_email_whatever_the_address(tmp_path, database_url, _schema) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import make_test_app

    app = make_test_app(tmp_path, database_url, RATELIMIT_ENABLED=True, WTF_CSRF_ENABLED=False)
    app.config["MAIL_SENDER"] = lambda to, subject, body: None
    client = app.test_client()

    def ask(email: str, address: str):  # type: ignore[no-untyped-def]
        return client.post("/password/forgot", data={"email": email}, environ_base={"REMOTE_ADDR": address})

    assert [ask("margaret@example.org", f"10.0.0.{n}").status_code for n in range(3)] == [200] * 3
    assert ask("margaret@example.org", "10.0.0.9").status_code == 429  # a fourth link within the hour
    assert ask("someone@example.org", "10.0.0.9").status_code == 200  # other addresses carry on


def test_a_suspended_account_is_told_instead_of_sent_a_link(client, outbox, margaret) -> None:
    margaret.suspended_at = margaret.created_at
    db.session.commit()
    assert _forgot(client, "margaret@example.org").status_code == 200
    [(to, _subject, body)] = outbox
    assert to == "margaret@example.org" and "suspended" in body and "/password/reset/" not in body
