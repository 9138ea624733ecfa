"""Every allowed and forbidden move of the contribution workflow, and who may make it."""
from __future__ import annotations

import pytest

from photoid.contributions import workflow
from photoid.contributions.workflow import (
    IDENTIFICATION_MOVES,
    IDENTIFICATION_STATES,
    InvalidTransition,
    NotAllowed,
    SelfReviewForbidden,
    move_comment,
    move_identification,
)
from tests.factories import make_identification, make_user

ALLOWED = {(m.source, m.target) for m in IDENTIFICATION_MOVES}
FORBIDDEN = [(s, t) for s in IDENTIFICATION_STATES for t in IDENTIFICATION_STATES if (s, t) not in ALLOWED]


def _actor_for(move_by: str, identification, archivist):
    return identification.contributor if move_by == "contributor" else archivist


@pytest.mark.parametrize("move", IDENTIFICATION_MOVES, ids=lambda m: f"{m.source}->{m.target}")
def test_each_allowed_move_records_who_and_when(db_session, move) -> None:
    identification = make_identification(state=move.source)
    archivist = make_user(role="archivist", institutions=[identification.photo.institution])
    actor = _actor_for(move.by, identification, archivist)

    move_identification(identification, move.target, actor=actor, note="checked the 1948 directory")

    assert identification.state == move.target
    if move.target in workflow.REVIEWED_STATES:
        assert identification.reviewer_id == archivist.id
        assert identification.reviewed_at is not None
        assert identification.review_note == "checked the 1948 directory"
    db_session.flush()  # the database agrees with the workflow


@pytest.mark.parametrize(("source", "target"), FORBIDDEN, ids=lambda v: v)
def test_each_forbidden_move_is_refused_and_changes_nothing(db_session, source, target) -> None:
    identification = make_identification(state=source)
    admin = make_user(role="admin")
    with pytest.raises(InvalidTransition):
        move_identification(identification, target, actor=admin)
    assert identification.state == source


def test_nobody_reviews_their_own_identification(db_session) -> None:
    archivist = make_user(role="archivist")
    identification = make_identification(contributor=archivist)
    archivist.institutions.append(identification.photo.institution)
    with pytest.raises(SelfReviewForbidden):
        move_identification(identification, "approved", actor=archivist)
    assert identification.state == "pending"


def test_a_patron_cannot_approve(db_session) -> None:
    identification = make_identification()
    with pytest.raises(NotAllowed):
        move_identification(identification, "approved", actor=make_user())


def test_an_archivist_of_another_institution_cannot_decide(db_session) -> None:
    identification = make_identification()
    outsider = make_user(role="archivist", institutions=[make_identification().photo.institution])
    with pytest.raises(NotAllowed):
        move_identification(identification, "rejected", actor=outsider)


def test_only_the_contributor_withdraws(db_session) -> None:
    identification = make_identification()
    with pytest.raises(NotAllowed):
        move_identification(identification, "withdrawn", actor=make_user())
    move_identification(identification, "withdrawn", actor=identification.contributor)
    assert identification.state == "withdrawn"


def test_comment_moves_follow_the_same_rules(db_session) -> None:
    from photoid.contributions.models import Comment

    identification = make_identification()
    author = identification.contributor
    comment = Comment(photo=identification.photo, author=author, body="My uncle ran this shop.", state="pending")
    db_session.add(comment)
    archivist = make_user(role="archivist", institutions=[identification.photo.institution])
    with pytest.raises(InvalidTransition):
        move_comment(comment, "superseded", actor=archivist)
    move_comment(comment, "published", actor=archivist)
    assert comment.state == "published" and comment.reviewer_id == archivist.id
    move_comment(comment, "withdrawn", actor=author)
    assert comment.state == "withdrawn"
    db_session.flush()
