"""Patrons hear about every decision on their contributions: in the site and by email after commit."""
from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import select

from photoid.contributions.models import Comment, Identification
from photoid.contributions.workflow import move_comment, move_identification
from photoid.extensions import db
from photoid.notifications import mail, service
from photoid.notifications.models import Notification
from tests.factories import make_identification, make_photo, make_user


def _archivist_for(photo) -> Any:
    return make_user(role="archivist", institutions=[photo.institution])


def _decided(state: str, *, note: str | None = None, **kw: Any) -> Identification:
    photo = kw.pop("photo", None) or make_photo(title="Main Street, 1948")
    identification = make_identification(photo=photo, **kw)
    move_identification(identification, state, actor=_archivist_for(photo), note=note)
    return identification


def test_an_approval_tells_the_contributor_and_emails_them_after_commit(outbox) -> None:
    patron = make_user(email="margaret@example.org", display_name="Margaret H.")
    identification = _decided("approved", contributor=patron, text_value="John Smith")

    notification = service.notify_identification_decided(identification)
    assert notification is not None
    assert notification.message == "Your identification of John Smith in 'Main Street, 1948' was approved."
    assert notification.link == f"/photos/{identification.photo_id}"
    assert outbox == []  # nothing leaves before the decision is saved

    db.session.commit()
    assert service.unread_count(patron) == 1
    assert [n.message for n in service.recent(patron, 10)] == [notification.message]
    [(to, subject, body)] = outbox
    assert to == "margaret@example.org" and "approved" in subject
    assert "Hello Margaret H." in body and "John Smith" in body and f"/photos/{identification.photo_id}" in body


def test_a_rolled_back_decision_sends_no_mail_and_keeps_no_notification(outbox) -> None:
    identification = _decided("approved")
    db.session.commit()
    service.notify_identification_decided(identification)
    db.session.rollback()
    db.session.commit()
    assert outbox == []
    assert db.session.scalar(select(Notification.id)) is None


def test_a_rejection_includes_the_archivists_note(outbox) -> None:
    identification = _decided("rejected", note="The album caption names someone else.", text_value="John Smith")
    notification = service.notify_identification_decided(identification)
    assert notification is not None
    assert "was not accepted" in notification.message
    assert "The album caption names someone else." in notification.message


def test_an_approval_with_changes_says_so_and_gives_the_corrected_value(outbox) -> None:
    photo = make_photo(title="Harbour")
    identification = _decided("approved_with_changes", photo=photo, text_value="Jon Smith")
    corrected = make_identification(photo=photo, state="approved", text_value="John Smith", supersedes=identification)
    assert corrected.supersedes_id == identification.id

    notification = service.notify_identification_decided(identification)
    assert notification is not None
    assert "approved with a correction" in notification.message and "John Smith" in notification.message


def test_a_retraction_is_reported_with_its_reason(outbox) -> None:
    photo = make_photo(title="Fair")
    identification = make_identification(photo=photo, text_value="The county fair")
    archivist = _archivist_for(photo)
    move_identification(identification, "approved", actor=archivist)
    move_identification(identification, "retracted", actor=archivist, note="It was the town fête.")
    notification = service.notify_identification_decided(identification)
    assert notification is not None
    assert "withdrawn by an archivist" in notification.message and "It was the town fête." in notification.message


def test_dates_and_keywords_read_naturally(outbox) -> None:
    date = service.notify_identification_decided(_decided("approved", kind="date", date_edtf="1948~"))
    keyword = service.notify_identification_decided(_decided("approved", kind="keyword", text_value="harbour"))
    assert date is not None and date.message.lower().startswith("your date “about 1948” in")
    assert keyword is not None and keyword.message.startswith("Your keyword “harbour” in")


@pytest.mark.parametrize("state", ["spam", "withdrawn", "pending"])
def test_no_notification_for_spam_withdrawal_or_undecided(outbox, state: str) -> None:
    patron = make_user()
    identification = make_identification(contributor=patron)
    if state != "pending":
        actor = patron if state == "withdrawn" else _archivist_for(identification.photo)
        move_identification(identification, state, actor=actor)
    assert service.notify_identification_decided(identification) is None
    db.session.commit()
    assert outbox == [] and service.unread_count(patron) == 0


def test_no_notification_without_a_contributor_or_for_a_deleted_account(outbox) -> None:
    orphan = _decided("approved")
    orphan.contributor = None
    gone = _decided("approved", contributor=make_user(deleted_at=orphan.reviewed_at))
    assert service.notify_identification_decided(orphan) is None
    assert service.notify_identification_decided(gone) is None


def test_a_mail_failure_never_fails_the_decision(app, caplog) -> None:
    def broken(to: str, subject: str, body: str) -> None:
        raise OSError("mail server unreachable")

    app.config["MAIL_SENDER"] = broken
    patron = make_user()
    identification = _decided("approved", contributor=patron)
    service.notify_identification_decided(identification)
    with caplog.at_level(logging.ERROR, logger="photoid.mail"):
        db.session.commit()
    assert service.unread_count(patron) == 1
    assert db.session.get(Identification, identification.id).state == "approved"
    assert "Could not send mail" in caplog.text


def _comment(state: str, *, note: str | None = None) -> Comment:
    photo = make_photo(title="School picnic")
    comment = Comment(photo=photo, author=make_user(), body="My aunt is on the left.", state="pending")
    db.session.add(comment)
    db.session.flush()
    move_comment(comment, state, actor=_archivist_for(photo), note=note)
    return comment


def test_comment_decisions_are_reported(outbox) -> None:
    published = service.notify_comment_decided(_comment("published"))
    rejected = service.notify_comment_decided(_comment("rejected", note="Please keep names of living people private."))
    assert published is not None and "is now published" in published.message and "School picnic" in published.message
    assert rejected is not None and "not accepted" in rejected.message and "living people private" in rejected.message
    assert service.notify_comment_decided(_comment("spam")) is None
    db.session.commit()
    assert len(outbox) == 2


def test_marking_read_one_or_all_and_never_someone_elses(outbox) -> None:
    patron, other = make_user(), make_user()
    first = service.notify_identification_decided(_decided("approved", contributor=patron))
    second = service.notify_identification_decided(_decided("approved", contributor=patron))
    theirs = service.notify_identification_decided(_decided("approved", contributor=other))
    db.session.commit()
    assert first and second and theirs

    service.mark_read(patron, first.id)
    assert service.unread_count(patron) == 1
    with pytest.raises(service.NotificationNotFound):
        service.mark_read(patron, theirs.id)
    service.mark_read(patron)
    assert service.unread_count(patron) == 0
    assert service.unread_count(other) == 1


def test_without_smtp_mail_goes_to_the_log(app, caplog) -> None:
    with caplog.at_level(logging.INFO, logger="photoid.mail"):
        assert mail.send_mail("ann@example.org", "Hello", "The body text")
    assert "ann@example.org" in caplog.text and "The body text" in caplog.text


def test_with_smtp_configured_mail_goes_to_the_server(app, monkeypatch) -> None:
    calls: list[tuple[str, Any]] = []

    class FakeSMTP:
        def __init__(self, host: str, port: int, timeout: int) -> None:
            calls.append(("connect", (host, port)))

        def __enter__(self) -> FakeSMTP:
            return self

        def __exit__(self, *exc: object) -> None:
            calls.append(("quit", None))

        def starttls(self) -> None:
            calls.append(("starttls", None))

        def login(self, user: str, password: str) -> None:
            calls.append(("login", (user, password)))

        def send_message(self, message: Any) -> None:
            calls.append(("send", (message["From"], message["To"], message["Subject"], message.get_content())))

    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    app.config.update(SMTP_HOST="mail.library.org", SMTP_PORT=2525, SMTP_USER="photoid", SMTP_PASSWORD="s3cret",
                      SMTP_FROM="photoid@library.org", SMTP_STARTTLS=True)
    assert mail.send_mail("ann@example.org", "Your identification was approved", "Thank you")
    assert calls[0] == ("connect", ("mail.library.org", 2525))
    assert ("starttls", None) in calls and ("login", ("photoid", "s3cret")) in calls
    sent = dict(calls)["send"]
    assert sent[:3] == ("photoid@library.org", "ann@example.org", "Your identification was approved")
    assert sent[3].strip() == "Thank you"
