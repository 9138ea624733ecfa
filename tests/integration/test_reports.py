"""Reports (flags) and spam accounts at the service level: what is stored, audited and told."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from photoid.accounts.models import User
from photoid.contributions.models import Comment, Identification
from photoid.contributions.workflow import InvalidTransition, NotAllowed, SelfReviewForbidden
from photoid.extensions import db
from photoid.moderation import reports, service, spam_accounts
from photoid.moderation.models import ModerationEvent, Report
from photoid.notifications.models import Notification
from tests.factories import make_comment, make_identification, make_institution, make_collection, make_photo, make_user


@pytest.fixture
def scene(app):  # type: ignore[no-untyped-def]
    institution = make_institution()
    photo = make_photo(collection=make_collection(institution=institution))
    archivist = make_user(role="archivist", institutions=[institution])
    author = make_user(display_name="Careless Carl")
    reporter = make_user(display_name="Watchful Wendy")
    approved = make_identification(photo=photo, contributor=author, state="approved", text_value="Wrong Name")
    pending = make_identification(photo=photo, contributor=author, text_value="Rude words")
    comment = make_comment(photo=photo, author=author, body="Buy cheap watches")
    db.session.commit()
    return {"photo": photo, "archivist": archivist, "author": author, "reporter": reporter,
            "approved": approved, "pending": pending, "comment": comment}


def _events(action: str) -> list[ModerationEvent]:
    return list(db.session.scalars(select(ModerationEvent).where(ModerationEvent.action == action)))


def _messages(user: User) -> list[str]:
    return list(db.session.scalars(select(Notification.message).where(Notification.user_id == user.id)))


def test_a_report_is_stored_open_with_the_reason_and_the_explanation(scene) -> None:  # type: ignore[no-untyped-def]
    report = reports.create_report(reporter=scene["reporter"], item=scene["approved"], reason="This is wrong",
                                   details="That is my uncle Bert, not Carl.")
    db.session.expire_all()
    stored = db.session.get(Report, report.id)
    assert (stored.state, stored.identification_id, stored.comment_id) == ("open", scene["approved"].id, None)
    assert stored.reason == "This is wrong: That is my uncle Bert, not Carl."


@pytest.mark.parametrize(("reason", "details", "message"), [
    ("", None, "choose what the problem is"),
    ("Because", None, "choose what the problem is"),
    ("Something else", "  ", "Please enter your explanation"),
    ("This is wrong", "<script>alert(1)</script>", "plain text"),
    ("This is wrong", "x" * 1001, "at most 1000 characters"),
])
def test_a_report_needs_a_listed_reason_and_a_usable_explanation(scene, reason, details, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(reports.ReportError, match=message):
        reports.create_report(reporter=scene["reporter"], item=scene["comment"], reason=reason, details=details)
    assert db.session.scalar(select(Report.id)) is None


def test_one_open_report_per_person_and_item_and_never_on_ones_own(scene) -> None:  # type: ignore[no-untyped-def]
    reports.create_report(reporter=scene["reporter"], item=scene["comment"], reason="This is spam")
    with pytest.raises(reports.ReportError, match="already reported"):
        reports.create_report(reporter=scene["reporter"], item=scene["comment"], reason="This is spam")
    with pytest.raises(reports.ReportError, match="what you sent yourself"):
        reports.create_report(reporter=scene["author"], item=scene["comment"], reason="This is spam")
    reports.create_report(reporter=make_user(), item=scene["comment"], reason="This is spam")  # someone else may
    assert len(db.session.scalars(select(Report)).all()) == 2


def test_decided_items_cannot_be_reported(scene) -> None:  # type: ignore[no-untyped-def]
    rejected = make_identification(photo=scene["photo"], state="rejected")
    db.session.commit()
    with pytest.raises(reports.ReportError, match="already dealt with"):
        reports.create_report(reporter=scene["reporter"], item=rejected, reason="This is wrong")


def test_resolving_with_retraction_retracts_closes_every_report_and_tells_each_reporter(scene) -> None:  # type: ignore[no-untyped-def]
    other = make_user(display_name="Second Sam")
    db.session.commit()
    first = reports.create_report(reporter=scene["reporter"], item=scene["approved"], reason="This is wrong")
    reports.create_report(reporter=other, item=scene["approved"], reason="Something else", details="Not him")
    closed = reports.resolve_report(first, moderator=scene["archivist"], action="retract", reason="Misidentified")
    db.session.expire_all()
    assert len(closed) == 2
    assert {r.state for r in db.session.scalars(select(Report))} == {"resolved"}
    assert db.session.get(Identification, scene["approved"].id).state == "retracted"
    assert len(_events("resolve_report")) == 2 and len(_events("retract")) == 1
    for reporter in (scene["reporter"], other):
        assert any("acted on it" in m for m in _messages(reporter))
    assert any("withdrawn by an archivist" in m and "Misidentified" in m for m in _messages(scene["author"]))


def test_resolving_a_comment_report_can_mark_the_comment_as_spam(scene) -> None:  # type: ignore[no-untyped-def]
    report = reports.create_report(reporter=scene["reporter"], item=scene["comment"], reason="This is spam")
    reports.resolve_report(report, moderator=scene["archivist"], action="spam")
    db.session.expire_all()
    assert db.session.get(Comment, scene["comment"].id).state == "spam"
    assert db.session.get(Report, report.id).resolved_by_id == scene["archivist"].id


def test_dismissing_leaves_the_item_and_says_so_to_the_reporter(scene) -> None:  # type: ignore[no-untyped-def]
    report = reports.create_report(reporter=scene["reporter"], item=scene["pending"], reason="This is offensive or abusive")
    reports.dismiss_report(report, moderator=scene["archivist"])
    db.session.expire_all()
    assert db.session.get(Report, report.id).state == "dismissed"
    assert db.session.get(Identification, scene["pending"].id).state == "pending"
    assert [e.after for e in _events("dismiss_report")] == [{"state": "dismissed", "action": "none"}]
    assert any("leave it as it is" in m for m in _messages(scene["reporter"]))
    with pytest.raises(InvalidTransition, match="already been handled"):
        reports.dismiss_report(db.session.get(Report, report.id), moderator=scene["archivist"])


def test_only_the_institutions_archivists_handle_reports_and_not_on_their_own_items(scene) -> None:  # type: ignore[no-untyped-def]
    outsider = make_user(role="archivist", institutions=[make_institution()])
    own = make_identification(photo=scene["photo"], contributor=scene["archivist"], state="approved")
    db.session.commit()
    report = reports.create_report(reporter=scene["reporter"], item=scene["comment"], reason="This is spam")
    with pytest.raises(NotAllowed):
        reports.dismiss_report(report, moderator=outsider)
    on_own = reports.create_report(reporter=scene["reporter"], item=own, reason="This is wrong")
    with pytest.raises(SelfReviewForbidden):
        reports.resolve_report(on_own, moderator=scene["archivist"], action="none")
    with pytest.raises(service.ModerationError, match="does not fit"):
        reports.resolve_report(report, moderator=scene["archivist"], action="retract", reason="x")
    db.session.expire_all()
    assert {r.state for r in db.session.scalars(select(Report))} == {"open"}


def test_the_queue_groups_open_reports_by_item_within_the_archivists_institutions(scene) -> None:  # type: ignore[no-untyped-def]
    elsewhere = make_comment(photo=make_photo())
    db.session.commit()
    reports.create_report(reporter=scene["reporter"], item=scene["comment"], reason="This is spam")
    reports.create_report(reporter=make_user(), item=scene["comment"], reason="This is spam")
    reports.create_report(reporter=scene["reporter"], item=scene["approved"], reason="This is wrong")
    reports.create_report(reporter=scene["reporter"], item=elsewhere, reason="This is spam")
    groups = reports.open_report_groups(scene["archivist"])
    assert [(type(g.item).__name__, len(g.reports)) for g in groups] == [("Comment", 2), ("Identification", 1)]
    assert reports.open_report_count(scene["archivist"]) == 2


def test_marking_an_account_as_spam_hides_all_it_sent_suspends_it_and_audits_each_item(scene) -> None:  # type: ignore[no-untyped-def]
    author = scene["author"]
    held = make_comment(photo=scene["photo"], author=author, state="pending")
    elsewhere = make_identification(photo=make_photo(), contributor=author)
    db.session.commit()
    old_login_id = author.login_id
    outcome = spam_accounts.mark_account_as_spam(author, moderator=scene["archivist"])
    db.session.expire_all()
    assert sorted(outcome.identifications) == [scene["pending"].id]
    assert sorted(outcome.comments) == sorted([scene["comment"].id, held.id])
    assert outcome.left_to_others == 1
    assert db.session.get(Identification, scene["pending"].id).state == "spam"
    assert db.session.get(Identification, scene["approved"].id).state == "approved"  # decided facts stay
    assert db.session.get(Identification, elsewhere.id).state == "pending"  # another institution's archivists decide
    account = db.session.get(User, author.id)
    assert account.suspended_at is not None and account.login_id != old_login_id and not account.is_active
    assert len(_events("spam")) == 1 and len(_events("spam_comment")) == 2 and len(_events("suspend_account")) == 1


def test_staff_and_ones_own_account_cannot_be_marked_as_spam(scene) -> None:  # type: ignore[no-untyped-def]
    colleague = make_user(role="archivist", institutions=[scene["photo"].institution])
    make_identification(photo=scene["photo"], contributor=colleague)
    db.session.commit()
    with pytest.raises(NotAllowed, match="staff account"):
        spam_accounts.mark_account_as_spam(colleague, moderator=scene["archivist"])
    with pytest.raises(NotAllowed, match="your own account"):
        spam_accounts.mark_account_as_spam(scene["archivist"], moderator=scene["archivist"])
    db.session.expire_all()
    assert db.session.get(User, colleague.id).suspended_at is None
    assert _events("suspend_account") == []
