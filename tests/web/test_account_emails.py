"""Account emails through a real SMTP server: plain text and HTML, the site's name, and links that work."""
from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from photoid.accounts.models import User
from photoid.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_identification, make_user
from tests.mailbox import Mailbox
from tests.web.pages import csrf_token_on as _token


@pytest.fixture
def mailbox(app) -> Iterator[Mailbox]:  # type: ignore[no-untyped-def]
    box = Mailbox().start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=box.port, SMTP_STARTTLS=False, MAIL_SENDER=None,
                      SITE_NAME="Millbrook Memories", SMTP_FROM="photos@millbrook.example")
    try:
        yield box
    finally:
        box.stop()


def _path(link: str) -> str:
    return urlsplit(link).path


def test_registration_then_verification_from_the_received_email(client, mailbox) -> None:
    client.post("/register", data={"display_name": "Rose", "email": "rose@example.org", "password": "a long enough secret",
                                   "confirm": "a long enough secret", "csrf_token": _token(client, "/register")})
    message = mailbox.wait_for("rose@example.org")
    assert "Millbrook Memories" in str(message["Subject"])
    html = message.get_body(preferencelist=("html",))
    assert html is not None and "<a href=" in str(html.get_content())  # an HTML alternative with the link
    assert "Millbrook Memories" in mailbox.text(message)  # signed with the site's name
    link = mailbox.link_to("rose@example.org", "/email/verify/")
    assert client.get(_path(link)).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(User.email_verified_at).where(User.email == "rose@example.org")) is not None


def test_a_forgotten_password_from_the_received_email(client, mailbox) -> None:
    make_user(email="rose@example.org")
    db.session.commit()
    client.post("/password/forgot", data={"email": "rose@example.org", "csrf_token": _token(client, "/password/forgot")})
    path = _path(mailbox.link_to("rose@example.org", "/password/reset/"))
    response = client.post(path, data={"new": "my new passphrase", "confirm": "my new passphrase",
                                       "csrf_token": _token(client, path)})
    assert response.status_code == 302 and client.get("/account").status_code == 200


def test_a_new_email_confirmed_from_the_received_email(client, login_as, mailbox) -> None:
    me = login_as("patron", email="old@example.org")
    client.post("/account/email", data={"new_email": "new@example.org", "password": DEFAULT_PASSWORD,
                                        "csrf_token": _token(client, "/account")})
    assert "new@example.org" in mailbox.text(mailbox.wait_for("old@example.org"))  # the old address is told
    assert client.get(_path(mailbox.link_to("new@example.org", "/email/confirm/"))).status_code == 302
    db.session.expire_all()
    assert me.email == "new@example.org"


def test_notification_emails_carry_a_list_unsubscribe_header(app, mailbox) -> None:
    from photoid.contributions.workflow import move_identification
    from photoid.notifications.service import notify_identification_decided

    patron = make_user(email="rose@example.org", display_name="Rose")
    identification = make_identification(contributor=patron, state="pending", text_value="Ada Lovelace")
    archivist = make_user(role="admin")
    db.session.commit()
    with app.test_request_context("/"):
        move_identification(identification, "approved", actor=archivist)
        notify_identification_decided(identification)
        db.session.commit()
    message = mailbox.wait_for("rose@example.org")
    assert "Millbrook Memories" in str(message["Subject"])
    unsubscribe = str(message["List-Unsubscribe"])
    assert unsubscribe.startswith("<http") and "/account#email-notifications" in unsubscribe
    assert message.get_body(preferencelist=("html",)) is not None


def test_links_in_emails_made_outside_a_request_use_the_site_address(app) -> None:
    from photoid.notifications import mail

    app.config["SITE_URL"] = "https://photos.millbrook.example/archive"
    assert mail.link("accounts.account", _anchor="email-notifications") == \
        "https://photos.millbrook.example/archive/account#email-notifications"
    assert mail.link("accounts.reset_password", token="abc") == "https://photos.millbrook.example/archive/password/reset/abc"
