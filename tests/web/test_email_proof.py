"""Proving an email: the link sent at registration, what waits until then, changing the name and the email."""
from __future__ import annotations

import json
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from photoid.accounts.models import User
from photoid.contributions.models import Comment
from photoid.db import utcnow
from photoid.extensions import db
from photoid.moderation.models import ModerationEvent
from tests.factories import (
    DEFAULT_PASSWORD,
    make_collection,
    make_identification,
    make_institution,
    make_photo,
    make_user,
    make_vote,
)
from tests.web.pages import csrf_token_on as _token


def _register(client: FlaskClient, **overrides: str):  # type: ignore[no-untyped-def]
    data = {"display_name": "Margaret H.", "email": "margaret@example.org", "password": "a long enough secret",
            "confirm": "a long enough secret", "csrf_token": _token(client, "/register")}
    data.update(overrides)
    return client.post("/register", data=data)


def _path(outbox: list[tuple[str, str, str]], to: str, start: str) -> str:
    body = [mail for mail in outbox if mail[0] == to][-1][2]
    match = re.search(r"https?://\S+" + re.escape(start) + r"\S+", body)
    assert match, body
    return urlsplit(match.group(0)).path


def _me() -> User:
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.display_name_key == "margaret h."))
    assert user is not None
    return user


def test_registration_emails_a_link_that_proves_the_address(client, outbox) -> None:
    _register(client)
    [(to, subject, body)] = outbox
    assert to == "margaret@example.org" and subject == "Confirm your email for photoid"
    assert "margaret@example.org" not in _path(outbox, to, "/email/verify/")  # no address in the link itself
    assert _me().email_verified_at is None
    response = client.get(_path(outbox, to, "/email/verify/"))
    assert response.status_code == 302
    assert _me().email_verified_at is not None
    assert "your email address is confirmed" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_taken_email_gets_the_same_page_and_its_owner_a_note(client, outbox) -> None:
    make_user(email="margaret@example.org", display_name="The Owner")
    db.session.commit()
    taken = _register(client)
    fresh = _register(client, email="new@example.org", display_name="Someone New")
    assert taken.status_code == fresh.status_code == 302
    assert taken.headers["Location"] == fresh.headers["Location"]
    assert client.get(taken.headers["Location"]).get_data(as_text=True) == \
        client.get(fresh.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(User.id).where(User.display_name == "Margaret H.")) is None
    note = [mail for mail in outbox if mail[0] == "margaret@example.org"][0]
    assert "already has an account" in note[2]
    assert "/login" in note[2] and "/password/reset/" in note[2]


def test_a_taken_display_name_is_refused_whatever_the_email(client, outbox) -> None:
    make_user(email="margaret@example.org", display_name="Margaret H.")
    db.session.commit()
    for email in ("margaret@example.org", "someone.else@example.org"):
        response = _register(client, email=email, display_name="margaret  h.")
        assert response.status_code == 400 and "That display name is taken" in response.get_data(as_text=True)
    assert outbox == []


@pytest.fixture
def photo(app):  # type: ignore[no-untyped-def]
    institution = make_institution(comment_policy="post", show_pending_publicly=True)
    found = make_photo(collection=make_collection(institution=institution))
    db.session.commit()
    return found


def test_an_unverified_account_contributes_but_everything_waits_marked_in_the_queue(client, login_as, outbox, photo) -> None:
    patron = login_as("patron", email_verified_at=None, display_name="New Patron")
    response = client.post(f"/photos/{photo.id}/comments", data={"body": "That is my grandmother.",
                                                                 "csrf_token": _token(client, f"/photos/{photo.id}")})
    assert response.status_code in (200, 302, 303)
    comment = db.session.scalar(select(Comment).where(Comment.author_id == patron.id))
    assert comment is not None and comment.state == "pending"  # even where comments appear at once
    make_identification(photo=photo, contributor=patron, state="pending", text_value="Ada Lovelace")
    other = make_identification(photo=photo, state="pending", text_value="Charles Babbage")
    make_vote(identification=other, voter=patron)
    db.session.commit()
    anonymous = client.application.test_client()
    public = anonymous.get(f"/photos/{photo.id}").get_data(as_text=True)
    assert "grandmother" not in public and "Ada Lovelace" not in public  # not even as a public suggestion

    archivist = make_user(role="archivist", institutions=[photo.institution])
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = archivist.login_id
    queue = client.get("/moderation").get_data(as_text=True)
    assert queue.count("mail not verified") == 3  # the suggestion, the vote on another one and the comment

    patron.email_verified_at = utcnow()
    db.session.commit()
    assert "mail not verified" not in client.get("/moderation").get_data(as_text=True)


def test_the_confirmation_link_can_be_sent_again_from_the_account_page(client, login_as, outbox) -> None:
    login_as("patron", email_verified_at=None, email="new@example.org")
    page = client.get("/account").get_data(as_text=True)
    assert "not confirmed yet" in page and "Send the confirmation link again" in page
    client.post("/account/verify", data={"csrf_token": _token(client, "/account")})
    path = _path(outbox, "new@example.org", "/email/verify/")
    assert client.get(path).status_code == 302
    assert "Send the confirmation link again" not in client.get("/account").get_data(as_text=True)


def test_purge_deletes_accounts_never_confirmed_with_what_they_sent_that_waits(app, photo) -> None:
    long_ago = utcnow() - timedelta(days=app.config["UNVERIFIED_DAYS"] + 1)
    stale = make_user(email="stale@example.org", email_verified_at=None, created_at=long_ago)
    recent = make_user(email="recent@example.org", email_verified_at=None)
    proven = make_user(email="proven@example.org", created_at=long_ago)
    waiting = make_identification(photo=photo, contributor=stale, state="pending", text_value="Bot text")
    kept = make_identification(photo=photo, contributor=proven, state="pending", text_value="Real text")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert stale.deleted_at is not None and stale.email.endswith("@invalid") and waiting.state == "withdrawn"
    assert recent.deleted_at is None and proven.deleted_at is None and kept.state == "pending"
    assert "did not confirm their email within 7 days" in result.output and "(1 account, 1 contribution withdrawn)" in result.output
    assert "PHOTOID_UNVERIFIED_DAYS" in app.test_cli_runner().invoke(args=["purge", "--help"]).output
    assert db.session.scalar(select(ModerationEvent.id).where(ModerationEvent.action == "purge_unverified",
                                                             ModerationEvent.target_id == stale.id))


def test_the_privacy_page_says_unconfirmed_accounts_are_deleted(app, client) -> None:
    app.config["UNVERIFIED_DAYS"] = 5
    page = client.get("/privacy").get_data(as_text=True)
    assert "not confirmed within 5 days is deleted" in " ".join(page.split())


def test_accounts_made_before_this_change_count_as_verified(tmp_path) -> None:
    """The migration sets email_verified_at on every existing account, so nobody is purged for a new rule."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from config import TestConfig
    from photoid import create_app

    app = create_app(TestConfig(tmp_path=tmp_path, database_url_=f"sqlite:///{tmp_path / 'old.sqlite3'}"))
    with app.app_context():
        upgrade(revision="2d71c20f99df")
        db.session.execute(text(
            "INSERT INTO account (email, display_name, display_name_key, password_hash, role, is_trusted, "
            "is_profile_public, login_id, created_at) VALUES ('old@example.org', 'Old', 'old', 'x', 'patron', 0, 0, "
            "'login-1', '2026-01-02 03:04:05.000000')"))
        db.session.commit()
        upgrade()
        verified = db.session.execute(text("SELECT email_verified_at, reset_count FROM account")).one()
        assert verified[0] is not None and str(verified[0]).startswith("2026-01-02") and verified[1] == 0
        db.session.remove()
        db.engine.dispose()


# --- the display name ------------------------------------------------------------------------------

def test_a_patron_changes_their_display_name_audited_and_in_their_data(client, login_as) -> None:
    me = login_as("patron", display_name="Margaret H.")
    make_user(display_name="Jane Doe")
    db.session.commit()
    refused = client.post("/account/name", data={"new_display_name": "jane  DOE", "csrf_token": _token(client, "/account")})
    assert refused.status_code == 400 and "That display name is taken" in refused.get_data(as_text=True)
    reserved = client.post("/account/name", data={"new_display_name": "Admin", "csrf_token": _token(client, "/account")})
    assert reserved.status_code == 400 and "used by the site itself" in reserved.get_data(as_text=True)
    done = client.post("/account/name", data={"new_display_name": "Maggie", "csrf_token": _token(client, "/account")})
    assert done.status_code == 302
    assert "You are now shown as Maggie" in client.get("/account").get_data(as_text=True)
    [event] = db.session.scalars(select(ModerationEvent).where(ModerationEvent.action == "display_name_change"))
    assert event.actor_id == me.id and event.before == {"display_name": "Margaret H."}
    data = json.loads(client.get("/account/data.json").get_data(as_text=True))
    assert data["profile"]["display_name"] == "Maggie"
    assert data["profile"]["changes"][0]["before"] == {"display_name": "Margaret H."}


# --- the email -------------------------------------------------------------------------------------

def _change_email(client: FlaskClient, new: str, password: str = DEFAULT_PASSWORD):  # type: ignore[no-untyped-def]
    return client.post("/account/email", data={"new_email": new, "password": password, "csrf_token": _token(client, "/account")})


def test_a_new_email_is_confirmed_from_a_link_sent_there_and_the_old_address_is_told(client, login_as, outbox) -> None:
    me = login_as("patron", email="old@example.org")
    wrong = _change_email(client, "new@example.org", "not my password")
    assert wrong.status_code == 400 and "password is not correct" in wrong.get_data(as_text=True)
    assert _change_email(client, "New@Example.org").status_code == 302
    told = [mail for mail in outbox if mail[0] == "old@example.org"]
    assert told and "new@example.org" in told[0][2]
    db.session.expire_all()
    assert me.email == "old@example.org" and me.pending_email == "new@example.org"  # until confirmed
    assert "Waiting for you to open the link" in client.get("/account").get_data(as_text=True)

    assert client.get(_path(outbox, "new@example.org", "/email/confirm/")).status_code == 302
    db.session.expire_all()
    assert me.email == "new@example.org" and me.pending_email is None
    data = json.loads(client.get("/account/data.json").get_data(as_text=True))
    assert data["profile"]["email"] == "new@example.org"
    assert [c["change"] for c in data["profile"]["changes"]] == ["email_change"]
    assert client.get(_path(outbox, "new@example.org", "/email/confirm/")).status_code == 410  # used


def test_an_address_of_another_account_gets_the_same_answer_and_a_note(client, login_as, outbox) -> None:
    me = login_as("patron", email="old@example.org")
    make_user(email="taken@example.org")
    db.session.commit()
    response = _change_email(client, "taken@example.org")
    assert response.status_code == 302
    note = [mail for mail in outbox if mail[0] == "taken@example.org"]
    assert note and "/email/confirm/" not in note[0][2] and "already belongs to another account" in note[0][2]
    db.session.expire_all()
    assert me.email == "old@example.org"


def test_email_notifications_can_be_turned_off(client, login_as) -> None:
    me = login_as("patron")
    page = client.get("/account").get_data(as_text=True)
    assert 'id="email-notifications"' in page
    client.post("/account/email-notifications", data={"csrf_token": _token(client, "/account")})
    db.session.expire_all()
    assert me.wants_email_notifications is False
    client.post("/account/email-notifications", data={"wants_email": "y", "csrf_token": _token(client, "/account")})
    db.session.expire_all()
    assert me.wants_email_notifications is True


def test_with_emails_turned_off_a_decision_is_a_site_notification_only(app, outbox) -> None:
    from photoid.contributions.workflow import move_identification
    from photoid.notifications.models import Notification
    from photoid.notifications.service import notify_identification_decided

    quiet = make_user(email="quiet@example.org", wants_email_notifications=False)
    identification = make_identification(contributor=quiet, state="pending", text_value="Ada Lovelace")
    admin = make_user(role="admin")
    db.session.commit()
    with app.test_request_context("/"):
        move_identification(identification, "approved", actor=admin)
        notify_identification_decided(identification)
        db.session.commit()
    assert db.session.scalar(select(Notification.id).where(Notification.user_id == quiet.id)) is not None
    assert outbox == []
