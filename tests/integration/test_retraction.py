"""Retracting an approved fact: it leaves the public record, the history and the trail stay."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from photoid.contributions.models import Identification
from photoid.contributions.workflow import InvalidTransition, NotAllowed, SelfReviewForbidden
from photoid.db import utcnow
from photoid.extensions import db
from photoid.moderation import service
from photoid.moderation.models import ModerationEvent
from photoid.notifications.models import Notification
from photoid.photos.models import Photo
from photoid.photos.queries import visible_facts
from tests.factories import make_collection, make_identification, make_institution, make_photo, make_user


@pytest.fixture
def fact(app):  # type: ignore[no-untyped-def]
    institution = make_institution()
    photo = make_photo(collection=make_collection(institution=institution), modified_at=utcnow() - timedelta(days=3))
    archivist = make_user(role="archivist", institutions=[institution])
    identification = make_identification(photo=photo, state="approved", text_value="Harold Whitcomb")
    db.session.commit()
    return identification, archivist


def test_a_retracted_fact_leaves_the_record_and_stays_in_the_history(fact) -> None:  # type: ignore[no-untyped-def]
    identification, archivist = fact
    photo_id, before_modified = identification.photo_id, identification.photo.modified_at
    service.retract(identification, moderator=archivist, reason="The donor corrected the caption.")
    db.session.expire_all()
    stored = db.session.get(Identification, identification.id)
    assert (stored.state, stored.reviewer_id, stored.review_note) == ("retracted", archivist.id, "The donor corrected the caption.")
    photo = db.session.get(Photo, photo_id)
    assert photo.modified_at > before_modified
    assert visible_facts(photo, None) == []
    event = db.session.scalar(select(ModerationEvent).where(ModerationEvent.action == "retract"))
    assert event.before["state"] == "approved" and event.after["state"] == "retracted"
    assert event.note == "The donor corrected the caption."
    message = db.session.scalar(select(Notification.message).where(Notification.user_id == stored.contributor_id))
    assert "withdrawn by an archivist" in message and "donor corrected" in message


def test_retraction_needs_a_reason_and_changes_nothing_without_one(fact) -> None:  # type: ignore[no-untyped-def]
    identification, archivist = fact
    with pytest.raises(service.ModerationError, match="write why"):
        service.retract(identification, moderator=archivist, reason="   ")
    db.session.expire_all()
    assert db.session.get(Identification, identification.id).state == "approved"
    assert db.session.scalar(select(ModerationEvent.id)) is None


def test_only_approved_facts_of_ones_institutions_and_not_ones_own_can_be_retracted(fact) -> None:  # type: ignore[no-untyped-def]
    identification, archivist = fact
    with pytest.raises(NotAllowed):
        service.retract(identification, moderator=make_user(role="archivist", institutions=[make_institution()]), reason="x")
    pending = make_identification(photo=identification.photo)
    own = make_identification(photo=identification.photo, contributor=archivist, state="approved")
    db.session.commit()
    with pytest.raises(InvalidTransition, match="already been decided"):
        service.retract(pending, moderator=archivist, reason="x")
    with pytest.raises(SelfReviewForbidden):
        service.retract(own, moderator=archivist, reason="x")
    service.retract(identification, moderator=archivist, reason="wrong")
    with pytest.raises(InvalidTransition):  # twice: the second archivist is told it is done
        service.retract(db.session.get(Identification, identification.id), moderator=archivist, reason="again")


def test_a_retracted_fact_counts_neither_in_the_queue_record_nor_in_the_impact_figures(fact) -> None:  # type: ignore[no-untyped-def]
    """One group (workflow.ACCEPTED) for both: a retracted approval was taken back as a mistake."""
    from photoid.impact import queries as impact
    from photoid.moderation import queries

    identification, archivist = fact
    patron, institution_id = identification.contributor, identification.photo.institution_id
    make_identification(photo=identification.photo, contributor=patron, text_value="Mabel Whitcomb")  # waiting
    db.session.commit()

    def record_and_figure() -> tuple[tuple[int, int], int]:
        item = queries.queue(archivist, queries.QueueFilters(), page=1, per_page=10).identifications.items[0]
        figures, _ = impact.figures(impact.Scope("Mill", (institution_id,)), impact.period("12"))
        approved = next(f for f in figures if f.key == "identifications_approved")
        return (item.record.approved, item.record.rejected), approved.total

    assert record_and_figure() == ((1, 0), 1)
    service.retract(identification, moderator=archivist, reason="The donor corrected the caption.")
    db.session.expire_all()
    assert record_and_figure() == ((0, 0), 0)
