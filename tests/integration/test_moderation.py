"""Moderation decisions: each one goes through the workflow, is audited, moves the record and tells the patron."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import create_engine, select, update

from photoid.contributions.models import Comment, Identification
from photoid.contributions.service import Region
from photoid.contributions.workflow import InvalidTransition, NotAllowed, SelfReviewForbidden
from photoid.db import utcnow
from photoid.extensions import db
from photoid.moderation import queries, service
from photoid.moderation.models import ModerationEvent
from photoid.notifications.models import Notification
from tests.factories import (
    make_authority,
    make_comment,
    make_identification,
    make_institution,
    make_photo,
    make_user,
)


@pytest.fixture
def setting(db_session):
    """A photo of one library, its archivist, a patron's pending identification, and a long-ago modified_at."""
    photo = make_photo(title="Parade on Main Street")
    photo.modified_at = utcnow() - timedelta(days=30)
    archivist = make_user(role="archivist", display_name="Ann Archivist", institutions=[photo.institution])
    patron = make_user(display_name="Margaret H.")
    identification = make_identification(photo=photo, contributor=patron, text_value="John Smith")
    db.session.commit()
    return photo, archivist, patron, identification


def _events(identification: Identification) -> list[ModerationEvent]:
    return list(db.session.scalars(select(ModerationEvent).where(
        ModerationEvent.target_type == "identification", ModerationEvent.target_id == identification.id)))


def _notifications(user) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)))


def test_approving_publishes_the_fact_audits_it_moves_the_photo_and_tells_the_patron(setting) -> None:
    photo, archivist, patron, identification = setting
    before = photo.modified_at
    service.approve(identification, moderator=archivist)
    db.session.expire_all()
    stored = db.session.get(Identification, identification.id)
    assert stored.state == "approved" and stored.reviewer_id == archivist.id and stored.reviewed_at is not None
    assert stored.photo.modified_at > before
    [event] = _events(identification)
    assert (event.action, event.actor_id, event.institution_id) == ("approve", archivist.id, photo.institution_id)
    assert event.before["state"] == "pending" and event.after["state"] == "approved"
    [note] = _notifications(patron)
    assert "approved" in note.message and note.link == f"/photos/{photo.id}"


def test_rejecting_needs_a_reason_keeps_the_row_and_does_not_touch_the_public_record(setting) -> None:
    photo, archivist, patron, identification = setting
    before = photo.modified_at
    with pytest.raises(service.ModerationError, match="reason"):
        service.reject(identification, moderator=archivist, reason="   ")
    assert db.session.get(Identification, identification.id).state == "pending"

    service.reject(identification, moderator=archivist, reason="We could not verify this identification.")
    db.session.expire_all()
    stored = db.session.get(Identification, identification.id)
    assert stored is not None and stored.state == "rejected"
    assert stored.review_note == "We could not verify this identification."
    assert stored.photo.modified_at == before
    [event] = _events(identification)
    assert event.action == "reject" and event.after["state"] == "rejected" and event.note == stored.review_note
    [note] = _notifications(patron)
    assert "We could not verify this identification." in note.message


def test_spam_leaves_the_queue_and_is_audited(setting) -> None:
    _photo, archivist, _patron, identification = setting
    service.mark_spam(identification, moderator=archivist)
    db.session.expire_all()
    assert db.session.get(Identification, identification.id).state == "spam"
    assert [e.action for e in _events(identification)] == ["spam"]
    assert queries.summary(archivist)[0] == 0


def test_nobody_decides_on_their_own_contribution_nor_on_another_institution(setting) -> None:
    photo, archivist, _patron, _identification = setting
    own = make_identification(photo=photo, contributor=archivist, text_value="Main Street", kind="place")
    stranger = make_user(role="archivist", institutions=[make_institution()])
    other = make_identification(photo=photo, text_value="Jane Doe")
    db.session.commit()
    with pytest.raises(SelfReviewForbidden, match="your own"):
        service.approve(own, moderator=archivist)
    with pytest.raises(NotAllowed):
        service.reject(other, moderator=stranger, reason="No.")
    db.session.expire_all()
    assert db.session.get(Identification, own.id).state == "pending"
    assert db.session.get(Identification, other.id).state == "pending"
    assert db.session.scalar(select(ModerationEvent.id)) is None


def test_a_decided_item_cannot_be_decided_again_even_by_a_concurrent_archivist(setting, database_url) -> None:
    photo, archivist, _patron, identification = setting
    colleague = make_user(role="archivist", institutions=[photo.institution])
    db.session.commit()
    loaded = db.session.get(Identification, identification.id)
    assert loaded.state == "pending"  # this archivist's page showed it pending...
    engine = create_engine(database_url)
    with engine.begin() as other_connection:  # ...while a colleague's decision commits elsewhere
        other_connection.execute(update(Identification).where(Identification.id == identification.id).values(
            state="rejected", reviewer_id=colleague.id, reviewed_at=utcnow(), review_note="Not him."))
    engine.dispose()
    with pytest.raises(InvalidTransition, match="already been decided"):
        service.approve(loaded, moderator=archivist)
    db.session.expire_all()
    assert db.session.get(Identification, identification.id).state == "rejected"
    assert _events(identification) == []


def test_approve_with_changes_links_an_authority_and_supersedes_the_original(setting) -> None:
    photo, archivist, patron, identification = setting
    smith = make_authority(kind="person", heading="Smith, John, 1890-1962", authority_uri="http://id.loc.gov/authorities/names/n00000001")
    db.session.commit()
    corrected = service.approve_with_changes(identification, moderator=archivist, authority_id=smith.id,
                                             region=Region(0.1, 0.1, 0.2, 0.3), note="Linked to our record.")
    db.session.expire_all()
    original = db.session.get(Identification, identification.id)
    corrected = db.session.get(Identification, corrected.id)
    assert original.state == "approved_with_changes" and original.text_value == "John Smith"  # never edited
    assert corrected.state == "approved" and corrected.supersedes_id == original.id
    assert corrected.authority_id == smith.id and corrected.contributor_id == patron.id
    assert corrected.reviewer_id == archivist.id and (corrected.region_w, corrected.region_h) == (0.2, 0.3)
    assert photo.modified_at > utcnow() - timedelta(minutes=1)
    [event] = _events(original)
    assert event.action == "approve_with_changes" and event.after["superseded_by"] == corrected.id
    assert "Smith, John, 1890-1962" in _notifications(patron)[0].message


def test_approve_with_changes_can_create_a_heading_or_fix_a_date_and_refuses_no_change(setting) -> None:
    photo, archivist, _patron, identification = setting
    with pytest.raises(service.ModerationError, match="Nothing was changed"):
        service.approve_with_changes(identification, moderator=archivist)
    corrected = service.approve_with_changes(identification, moderator=archivist, new_heading="Smith, John, 1890-1962")
    assert corrected.authority is not None and corrected.authority.heading == "Smith, John, 1890-1962"
    assert corrected.authority.created_by_id == archivist.id

    date = make_identification(photo=photo, kind="date", date_edtf="1950")
    db.session.commit()
    with pytest.raises(service.ModerationError, match="Try forms like"):
        service.approve_with_changes(date, moderator=archivist, date_text="when grandad came home")
    assert db.session.get(Identification, date.id).state == "pending"
    fixed = service.approve_with_changes(date, moderator=archivist, date_text="about 1945")
    assert fixed.date_edtf == "1945~"


def test_bulk_decides_what_it_may_and_refuses_the_rest_with_reasons(setting) -> None:
    photo, archivist, _patron, identification = setting
    second = make_identification(photo=photo, text_value="Jane Doe")
    own = make_identification(photo=photo, contributor=archivist, text_value="Ann")
    elsewhere = make_identification(photo=make_photo(), text_value="Far away")
    done = make_identification(photo=photo, state="rejected", text_value="Old")
    db.session.commit()
    with pytest.raises(service.ModerationError, match="reason"):
        service.bulk_decide([identification.id], "reject", moderator=archivist)
    outcome = service.bulk_decide([identification.id, second.id, own.id, elsewhere.id, done.id, 999_999], "approve",
                                  moderator=archivist)
    assert outcome.done == [identification.id, second.id]
    refused = dict(outcome.refused)
    assert set(refused) == {own.id, elsewhere.id, done.id, 999_999}
    assert "your own" in refused[own.id] and "institution" in refused[elsewhere.id]
    assert "already been decided" in refused[done.id] and "no longer exists" in refused[999_999]
    db.session.expire_all()
    states = {i.id: i.state for i in db.session.scalars(select(Identification))}
    assert states[identification.id] == states[second.id] == "approved"
    assert states[own.id] == states[elsewhere.id] == "pending" and states[done.id] == "rejected"
    assert db.session.scalar(select(ModerationEvent.id).where(ModerationEvent.target_id == own.id)) is None


def test_comments_held_for_review_are_published_or_rejected_with_a_reason(setting) -> None:
    photo, archivist, patron, _identification = setting
    held = make_comment(photo=photo, author=patron, body="That is my uncle on the left.", state="pending")
    rude = make_comment(photo=photo, body="Buy cheap watches", state="pending")
    db.session.commit()
    service.approve_comment(held, moderator=archivist)
    with pytest.raises(service.ModerationError, match="reason"):
        service.reject_comment(rude, moderator=archivist, reason="")
    service.reject_comment(rude, moderator=archivist, reason="Not related to this photo.")
    db.session.expire_all()
    assert db.session.get(Comment, held.id).state == "published"
    assert db.session.get(Comment, rude.id).state == "rejected"
    assert [n.comment_id for n in _notifications(patron)] == [held.id]
    assert {e.action for e in db.session.scalars(select(ModerationEvent))} == {"approve_comment", "reject_comment"}
