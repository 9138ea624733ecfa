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

# Written out by hand, not read from workflow.py: a test built from the module's own tables passes
# whatever those tables say (deleting pending->spam from IDENTIFICATION_MOVES would pass it).
STATES = ("pending", "approved", "approved_with_changes", "rejected", "spam", "withdrawn", "retracted")
#: (from, to) -> who makes the move
ALLOWED = {
    ("pending", "approved"): "moderator",
    ("pending", "approved_with_changes"): "moderator",
    ("pending", "rejected"): "moderator",
    ("pending", "spam"): "moderator",
    ("pending", "withdrawn"): "contributor",
    ("approved", "retracted"): "moderator",
}
#: A decision in these states records its reviewer, time and note (the CHECK constraint requires the first two).
REVIEWED = {"approved", "approved_with_changes", "rejected", "spam", "retracted"}
FORBIDDEN = [(s, t) for s in STATES for t in STATES if (s, t) not in ALLOWED]
COMMENT_ALLOWED = {
    ("pending", "published"): "moderator",
    ("pending", "rejected"): "moderator",
    ("pending", "spam"): "moderator",
    ("published", "rejected"): "moderator",
    ("published", "spam"): "moderator",
    ("pending", "withdrawn"): "contributor",
    ("published", "withdrawn"): "contributor",
}
COMMENT_STATES = ("published", "pending", "rejected", "spam", "withdrawn")


def _actor_for(move_by: str, identification, archivist):
    return identification.contributor if move_by == "contributor" else archivist


def test_the_workflow_lists_exactly_these_states_and_moves() -> None:
    assert tuple(IDENTIFICATION_STATES) == STATES
    assert {(m.source, m.target): m.by for m in IDENTIFICATION_MOVES} == ALLOWED
    assert set(workflow.REVIEWED_STATES) == REVIEWED
    assert {(m.source, m.target): m.by for m in workflow.COMMENT_MOVES} == COMMENT_ALLOWED
    assert tuple(workflow.COMMENT_STATES) == COMMENT_STATES
    assert set(workflow.COMMENT_REVIEWED_STATES) == {"rejected", "spam"}


def test_each_named_group_holds_exactly_these_states() -> None:
    """Pages, exports and counts ask for these groups by name; each is spelled out here once."""
    assert workflow.PUBLIC == {"approved"} and workflow.PUBLIC_FACT_STATE == "approved"
    assert workflow.PENDING_STATE == "pending"
    assert workflow.OPEN == {"approved", "pending"}  # on the photo page, taking votes
    assert workflow.ACCEPTED == {"approved", "approved_with_changes"}  # a retraction is not accepted
    assert workflow.DECLINED == {"rejected", "spam"}
    assert workflow.FIRST_DECISION == {"approved", "approved_with_changes", "rejected", "spam"}
    assert workflow.REVIEWED == REVIEWED
    assert workflow.PUBLIC_COMMENT_STATE == "published" and workflow.COMMENT_PENDING_STATE == "pending"
    assert workflow.COMMENT_OPEN == {"published", "pending"}
    assert workflow.COMMENT_REVIEWED == {"rejected", "spam"}
    assert workflow.COMMENT_DECIDED == {"rejected", "spam", "published"}
    assert workflow.CAMPAIGN_STARTED == {"current", "finished"}
    assert tuple(workflow.VOTE_STANCES) == ("agree", "disagree") and tuple(workflow.VOTE_STATES) == ("active", "withdrawn")
    assert tuple(workflow.REPORT_STATES) == ("open", "resolved", "dismissed")
    assert tuple(workflow.AUTHORITY_STATUSES) == ("accepted", "proposed")
    assert [s.value for s in workflow.CampaignStatus] == ["draft", "upcoming", "current", "finished"]
    assert [s.value for s in workflow.InvitationStatus] == ["open", "accepted", "revoked", "expired"]


def test_each_refusal_has_the_status_a_page_answers_with() -> None:
    assert (workflow.WorkflowError.http_status, InvalidTransition.http_status) == (400, 409)
    assert (NotAllowed.http_status, SelfReviewForbidden.http_status) == (403, 403)


@pytest.mark.parametrize(("source", "target"), sorted(ALLOWED), ids=lambda v: v)
def test_each_allowed_move_records_who_and_when(db_session, source, target) -> None:
    identification = make_identification(state=source)
    archivist = make_user(role="archivist", institutions=[identification.photo.institution])
    actor = _actor_for(ALLOWED[(source, target)], identification, archivist)
    before = identification.modified_at

    move_identification(identification, target, actor=actor, note="checked the 1948 directory")

    assert identification.state == target
    assert identification.modified_at is not None and identification.modified_at != before
    if target in REVIEWED:  # a decision: who, when and why
        assert identification.reviewer_id == archivist.id
        assert identification.reviewed_at == identification.modified_at
        assert identification.review_note == "checked the 1948 directory"
    else:  # withdrawn by its contributor: nobody reviewed it
        assert identification.reviewer_id is None and identification.reviewed_at is None
        assert identification.review_note is None
    db_session.flush()  # the database agrees with the workflow


def test_a_spam_decision_records_the_reviewer_and_time(db_session) -> None:
    identification = make_identification()
    archivist = make_user(role="archivist", institutions=[identification.photo.institution])
    move_identification(identification, "spam", actor=archivist)
    assert (identification.state, identification.reviewer_id) == ("spam", archivist.id)
    assert identification.reviewed_at is not None and identification.review_note is None


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


@pytest.mark.parametrize("given_by", ["relationship", "id"])
def test_nobody_reviews_their_own_identification_before_it_is_saved(db_session, given_by) -> None:
    """Before a flush only what was set is there: the relationship (contributor_id still empty), or
    only contributor_id (as an import might build it, the relationship still None)."""
    from photoid.contributions.models import Identification

    archivist = make_user(role="archivist")
    photo = make_identification().photo
    archivist.institutions.append(photo.institution)
    author = {"contributor": archivist} if given_by == "relationship" else {"contributor_id": archivist.id}
    identification = Identification(photo=photo, kind="person", text_value="Ada Byrne", state="pending", **author)
    assert identification.contributor_id is None or identification.contributor is None
    with pytest.raises(SelfReviewForbidden, match="your own identification"):
        move_identification(identification, "approved", actor=archivist)
    assert identification.state == "pending"


def test_a_contributor_withdraws_before_the_record_is_saved(db_session) -> None:
    from photoid.contributions.models import Identification

    contributor = make_user()
    identification = Identification(photo=make_identification().photo, kind="person", text_value="Ada Byrne", contributor=contributor, state="pending")
    move_identification(identification, "withdrawn", actor=contributor)
    assert identification.state == "withdrawn"


def test_a_refused_move_says_what_the_item_is_and_cannot_become(db_session) -> None:
    identification = make_identification(state="approved_with_changes")
    with pytest.raises(InvalidTransition) as refused:
        move_identification(identification, "approved", actor=make_user(role="admin"))
    assert str(refused.value) == "This identification is approved with changes and cannot become approved."
    assert refused.value.http_status == 409
    with pytest.raises(InvalidTransition) as refused:
        move_identification(make_identification(state="rejected"), "approved_with_changes", actor=make_user(role="admin"))
    assert str(refused.value) == "This identification is rejected and cannot become approved with changes."


def test_who_may_not_decide_is_told_why(db_session) -> None:
    identification = make_identification()
    with pytest.raises(NotAllowed) as patron:
        move_identification(identification, "approved", actor=make_user())
    assert str(patron.value) == "Only an archivist of this photo's institution can decide on it."
    assert patron.value.http_status == 403
    with pytest.raises(NotAllowed) as stranger:
        move_identification(identification, "withdrawn", actor=make_user())
    assert str(stranger.value) == "Only the person who wrote this identification can withdraw it."
    archivist = make_user(role="archivist", institutions=[identification.photo.institution])
    own = make_identification(photo=identification.photo, contributor=archivist)
    with pytest.raises(SelfReviewForbidden) as self_review:
        move_identification(own, "rejected", actor=archivist)
    assert str(self_review.value) == "You cannot decide on your own identification; another archivist must review it."
    assert self_review.value.http_status == 403


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


@pytest.mark.parametrize(("source", "target"), sorted(COMMENT_ALLOWED), ids=lambda v: v)
def test_each_allowed_comment_move_records_who_and_when(db_session, source, target) -> None:
    from tests.factories import make_comment

    comment = make_comment(state=source)
    archivist = make_user(role="archivist", institutions=[comment.photo.institution])
    actor = comment.author if COMMENT_ALLOWED[(source, target)] == "contributor" else archivist

    move_comment(comment, target, actor=actor, note="off topic")

    assert comment.state == target and comment.modified_at is not None
    if actor is archivist:  # every staff move is a decision, publishing included
        assert (comment.reviewer_id, comment.review_note) == (archivist.id, "off topic")
        assert comment.reviewed_at == comment.modified_at
    else:
        assert comment.reviewer_id is None and comment.reviewed_at is None
    db_session.flush()


@pytest.mark.parametrize(("source", "target"), [(s, t) for s in COMMENT_STATES for t in COMMENT_STATES if (s, t) not in COMMENT_ALLOWED])
def test_each_forbidden_comment_move_is_refused(db_session, source, target) -> None:
    from tests.factories import make_comment

    comment = make_comment(state=source)
    with pytest.raises(InvalidTransition) as refused:
        move_comment(comment, target, actor=make_user(role="admin"))
    assert str(refused.value) == f"This comment is {source} and cannot become {target}."
    assert comment.state == source


def test_nobody_decides_on_their_own_comment_before_it_is_saved(db_session) -> None:
    from photoid.contributions.models import Comment

    archivist = make_user(role="archivist")
    photo = make_identification().photo
    archivist.institutions.append(photo.institution)
    comment = Comment(photo=photo, author=archivist, body="My uncle ran this shop.", state="pending")
    with pytest.raises(SelfReviewForbidden) as refused:
        move_comment(comment, "published", actor=archivist)
    assert str(refused.value) == "You cannot decide on your own comment; another archivist must review it."


def test_a_withdrawn_vote_stops_counting_and_can_be_cast_again(db_session) -> None:
    from datetime import UTC, datetime

    from photoid.contributions.workflow import cast_again, withdraw_vote
    from tests.factories import make_vote

    vote = make_vote(stance="agree", note="I knew her")
    with pytest.raises(InvalidTransition) as still_active:
        cast_again(vote, stance="disagree", note="no")
    assert str(still_active.value) == "You have already voted on this identification."
    when = datetime(2026, 3, 1, tzinfo=UTC)
    assert withdraw_vote(vote, now=when) is True
    assert (vote.state, vote.withdrawn_at) == ("withdrawn", when)
    assert withdraw_vote(vote, now=datetime(2026, 4, 1, tzinfo=UTC)) is False
    assert vote.withdrawn_at == when  # a second withdrawal changes nothing
    cast_again(vote, stance="disagree", note="That is her sister")
    assert (vote.state, vote.withdrawn_at, vote.stance, vote.note) == ("active", None, "disagree", "That is her sister")
    assert vote.counter_identification is None
    assert withdraw_vote(vote) is True and vote.withdrawn_at is not None
    db_session.flush()


def test_the_predicates_name_the_states(db_session) -> None:
    assert workflow.is_pending(make_identification())
    assert not workflow.is_pending(make_identification(state="approved"))
    assert workflow.is_public_fact(make_identification(state="approved"))
    assert not workflow.is_public_fact(make_identification(state="approved_with_changes"))
