"""Privacy use cases: download my data, delete my account, purge technical data."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from photoid.accounts import privacy
from photoid.accounts.models import User
from photoid.accounts.service import authenticate
from photoid.contributions.models import Identification
from photoid.db import utcnow
from photoid.extensions import db
from photoid.moderation import service as moderation
from photoid.moderation.models import ModerationEvent, Report
from photoid.notifications.models import Notification
from tests.factories import DEFAULT_PASSWORD, make_comment, make_identification, make_photo, make_user, make_vote


def _patron_with_history() -> tuple[User, dict[str, object]]:
    """A patron who identified, voted, commented, reported and was notified, among other people."""
    patron = make_user(email="margaret@example.org", display_name="Margaret H.")
    photo = make_photo(title="Main Street, 1948")
    archivist = make_user(role="archivist", email="ann.archivist@library.org", institutions=[photo.institution])
    other = make_user(email="someone.else@example.org", display_name="Someone Else")
    mine = make_identification(photo=photo, contributor=patron, text_value="John Smith", evidence="My uncle",
                               state="rejected", reviewer=archivist, review_note="Please add a source.")
    theirs = make_identification(photo=photo, contributor=other, text_value="Mary Jones")
    vote = make_vote(identification=theirs, voter=patron, stance="disagree", note="Not her")
    make_vote(identification=mine, voter=other)
    comment = make_comment(photo=photo, author=patron, body="My father built that porch.")
    make_comment(photo=photo, author=other, body="So did mine.", parent=comment)
    report = Report(reporter_id=patron.id, identification_id=theirs.id, reason="Looks wrong to me")
    db.session.add(report)
    db.session.add(Notification(user_id=patron.id, message="Your identification was not accepted.", link=f"/photos/{photo.id}"))
    db.session.add(Notification(user_id=other.id, message="Someone else's news", link="/"))
    db.session.commit()
    return patron, {"photo": photo, "mine": mine, "theirs": theirs, "vote": vote, "comment": comment, "report": report}


def test_the_download_holds_everything_about_the_patron_and_no_one_elses_email(app) -> None:
    patron, made = _patron_with_history()
    data = privacy.export_data(patron)
    text = json.dumps(data)

    assert data["profile"]["email"] == "margaret@example.org"
    assert data["profile"]["display_name"] == "Margaret H." and data["profile"]["role"] == "patron"
    [identification] = data["identifications"]
    assert identification["value"] == "John Smith" and identification["state"] == "rejected"
    assert identification["evidence"] == "My uncle" and identification["review_note"] == "Please add a source."
    assert identification["photo"]["title"] == "Main Street, 1948"
    assert identification["photo"]["url"].endswith(f"/photos/{made['photo'].id}")  # type: ignore[attr-defined]
    assert [(v["stance"], v["note"], v["on"]) for v in data["votes"]] == [("disagree", "Not her", "Mary Jones")]
    assert [c["text"] for c in data["comments"]] == ["My father built that porch."]
    assert [r["reason"] for r in data["reports"]] == ["Looks wrong to me"]
    assert [n["message"] for n in data["notifications"]] == ["Your identification was not accepted."]
    assert "ann.archivist@library.org" not in text and "someone.else@example.org" not in text
    assert "Someone else's news" not in text and "So did mine." not in text


def test_deleting_scrubs_personal_data_and_keeps_contributions_as_a_former_contributor(app) -> None:
    patron, made = _patron_with_history()
    patron.feed_token = "secret-feed-token"
    db.session.commit()
    old_login_id, patron_id = patron.login_id, patron.id

    privacy.delete_account(patron, password=DEFAULT_PASSWORD)
    db.session.expire_all()

    user = db.session.get(User, patron_id)
    assert user is not None and user.deleted_at is not None
    assert user.email == f"deleted-{patron_id}@invalid"
    assert user.public_name == "a former contributor" and user.display_name == "a former contributor"
    assert user.feed_token is None and user.login_id != old_login_id and not user.is_active
    assert authenticate(email="margaret@example.org", password=DEFAULT_PASSWORD) is None
    assert authenticate(email=user.email, password=DEFAULT_PASSWORD) is None
    assert db.session.scalar(select(func.count()).where(Notification.user_id == patron_id)) == 0
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 1  # someone else's stays
    # What they contributed stays, attributed to the (scrubbed) account.
    assert db.session.get(Identification, made["mine"].id).contributor_id == patron_id  # type: ignore[union-attr, attr-defined]
    assert privacy.contribution_counts(user) == {"identifications": 1, "votes": 1, "comments": 1}
    assert db.session.get(Report, made["report"].id) is not None  # type: ignore[attr-defined]
    event = db.session.scalar(select(ModerationEvent).where(ModerationEvent.action == "account_delete"))
    assert event is not None and event.target_id == patron_id
    assert "margaret" not in json.dumps([event.before, event.after, event.note]).lower()


def test_two_deleted_accounts_do_not_collide(app) -> None:
    first, second = make_user(), make_user()
    db.session.commit()
    privacy.delete_account(first, password=DEFAULT_PASSWORD)
    privacy.delete_account(second, password=DEFAULT_PASSWORD)
    names = db.session.scalars(select(User.display_name).where(User.deleted_at.is_not(None))).all()
    assert names == ["a former contributor", "a former contributor"]


def test_a_pending_suggestion_stays_in_the_queue_and_its_decision_notifies_nobody(app, outbox) -> None:
    patron = make_user(email="leaving@example.org")
    pending = make_identification(contributor=patron, text_value="Harbour Street")
    archivist = make_user(role="archivist", institutions=[pending.photo.institution])
    db.session.commit()
    privacy.delete_account(patron, password=DEFAULT_PASSWORD)
    assert db.session.get(Identification, pending.id).state == "pending"  # type: ignore[union-attr]

    moderation.approve(db.session.get(Identification, pending.id), moderator=archivist)  # type: ignore[arg-type]

    assert db.session.get(Identification, pending.id).state == "approved"  # type: ignore[union-attr]
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0
    assert outbox == []


def test_a_wrong_password_deletes_nothing(app) -> None:
    patron = make_user(email="stay@example.org")
    db.session.commit()
    with pytest.raises(privacy.PrivacyError, match="password is not correct"):
        privacy.delete_account(patron, password="not my password")
    db.session.expire_all()
    assert db.session.get(User, patron.id).email == "stay@example.org"  # type: ignore[union-attr]


def test_the_last_administrator_cannot_delete_themselves(app) -> None:
    admin = make_user(role="admin")
    make_user(role="admin", deleted_at=utcnow())  # a deleted admin does not count
    db.session.commit()
    with pytest.raises(privacy.PrivacyError, match="only administrator"):
        privacy.delete_account(admin, password=DEFAULT_PASSWORD)
    assert db.session.get(User, admin.id).deleted_at is None  # type: ignore[union-attr]

    make_user(role="admin")
    db.session.commit()
    privacy.delete_account(admin, password=DEFAULT_PASSWORD)
    assert db.session.get(User, admin.id).deleted_at is not None  # type: ignore[union-attr]


def test_the_database_stores_no_addresses_or_user_agents() -> None:
    # A column added for abuse handling must be one photoid purge clears: name it like these.
    from photoid import models  # noqa: F401

    assert privacy.stored_addresses() == []


def test_purge_says_what_it_removed_and_keeps_contributions(app) -> None:
    make_identification()
    make_comment()
    db.session.commit()
    app.config["RETENTION_DAYS"] = 14
    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "older than 14 days" in result.output
    assert "stores no IP addresses" in result.output and "expires on its own" in result.output
    assert db.session.scalar(select(func.count()).select_from(Identification)) == 1


def test_purge_refuses_a_retention_below_one_day(app) -> None:
    app.config["RETENTION_DAYS"] = 0
    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code != 0 and "PHOTOID_RETENTION_DAYS must be at least 1" in result.output
