"""Every state a contribution can be in, and every allowed move between them.

This is the only place that changes ``state`` on an identification, a comment or a vote.
The database backs it: CHECK constraints on the tables mirror the states listed here,
and a reviewed state without a reviewer and a time cannot be stored.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from photoid.db import utcnow

if TYPE_CHECKING:
    from photoid.accounts.models import User
    from photoid.contributions.models import Comment, Identification

# --- identifications -----------------------------------------------------------------------------
IDENTIFICATION_STATES = (
    "pending",  # submitted, waiting for an archivist
    "approved",  # accepted: part of the photo's published record
    "approved_with_changes",  # accepted after an archivist's edit; the edited fact supersedes it
    "rejected",  # declined, with a note the patron sees
    "spam",  # declined as abuse
    "withdrawn",  # taken back by its contributor while pending
    "superseded",  # an approved fact replaced by a later correction
    "retracted",  # an approved fact later withdrawn by an archivist
)
#: States that record a decision: reviewer and reviewed_at are required in them.
REVIEWED_STATES = ("approved", "approved_with_changes", "rejected", "spam", "retracted", "superseded")
#: What the public record and the catalog exports are made of.
PUBLIC_FACT_STATE = "approved"
#: Submitted and waiting for an archivist's decision.
PENDING_STATE = "pending"
#: Still open on the photo page: the record and the suggestions waiting for review. Only these
#: take votes and disputes; the rest are seen by their contributor alone (see visibility.py).
OPEN_STATES = (PUBLIC_FACT_STATE, PENDING_STATE)

Actor = Literal["contributor", "moderator"]


@dataclass(frozen=True)
class Move:
    source: str
    target: str
    by: Actor


IDENTIFICATION_MOVES = (
    Move("pending", "approved", "moderator"),
    Move("pending", "approved_with_changes", "moderator"),
    Move("pending", "rejected", "moderator"),
    Move("pending", "spam", "moderator"),
    Move("pending", "withdrawn", "contributor"),
    Move("approved", "retracted", "moderator"),
    Move("approved", "superseded", "moderator"),
)

# --- comments ------------------------------------------------------------------------------------
COMMENT_STATES = ("published", "pending", "rejected", "spam", "withdrawn")
#: What everyone who may see the photo reads in its discussion.
PUBLIC_COMMENT_STATE = "published"
#: Held for an archivist (the institution reviews comments first); only its author sees it.
COMMENT_PENDING_STATE = "pending"
#: In the discussion under the photo; the rest are seen by their author alone (see visibility.py).
COMMENT_OPEN_STATES = (PUBLIC_COMMENT_STATE, COMMENT_PENDING_STATE)
COMMENT_REVIEWED_STATES = ("rejected", "spam")
COMMENT_MOVES = (
    Move("pending", "published", "moderator"),
    Move("pending", "rejected", "moderator"),
    Move("pending", "spam", "moderator"),
    Move("published", "rejected", "moderator"),
    Move("published", "spam", "moderator"),
    Move("pending", "withdrawn", "contributor"),
    Move("published", "withdrawn", "contributor"),
)

# --- confirmations (votes) -----------------------------------------------------------------------
VOTE_STANCES = ("agree", "disagree")
VOTE_STATES = ("active", "withdrawn")


class WorkflowError(Exception):
    """A state change that the workflow does not allow; the message is shown to the user.

    ``http_status`` is the answer a page gives for it (read by ``photoid.errors.status_for``):
    400 for a request that is not valid as sent, unless a subclass says otherwise."""

    http_status = 400


class InvalidTransition(WorkflowError):
    http_status = 409  # the item is no longer in a state that allows the move (often decided meanwhile)


class SelfReviewForbidden(WorkflowError):
    http_status = 403


class NotAllowed(WorkflowError):
    http_status = 403


def _find_move(moves: tuple[Move, ...], source: str, target: str, what: str) -> Move:
    for move in moves:
        if move.source == source and move.target == target:
            return move
    raise InvalidTransition(f"This {what} is {source.replace('_', ' ')} and cannot become {target.replace('_', ' ')}.")


def _check_actor(move: Move, *, actor: User, author_id: int | None, institution_id: int, what: str) -> None:
    if move.by == "contributor":
        if author_id is None or actor.id != author_id:
            raise NotAllowed(f"Only the person who wrote this {what} can withdraw it.")
        return
    if not actor.moderates(institution_id):
        raise NotAllowed("Only an archivist of this photo's institution can decide on it.")
    if author_id is not None and actor.id == author_id:
        raise SelfReviewForbidden(f"You cannot decide on your own {what}; another archivist must review it.")


def _author_id(record: object, relation: str) -> int | None:
    """The author's id, also before the record is flushed (when only the relationship is set)."""
    author = getattr(record, relation)
    return author.id if author is not None else getattr(record, f"{relation}_id")


def move_identification(
    identification: Identification, target: str, *, actor: User, note: str | None = None
) -> None:
    """Move an identification to ``target``, recording reviewer, time and note for decisions.

    Raises InvalidTransition for a move the workflow forbids, NotAllowed when the actor's role
    does not permit it, and SelfReviewForbidden when a moderator decides on their own contribution.
    Only flushes nothing: the calling service commits.
    """
    move = _find_move(IDENTIFICATION_MOVES, identification.state, target, "identification")
    _check_actor(
        move,
        actor=actor,
        author_id=_author_id(identification, "contributor"),
        institution_id=identification.photo.institution_id,
        what="identification",
    )
    now = utcnow()
    identification.state = target
    identification.modified_at = now
    if target in REVIEWED_STATES:
        identification.reviewer_id = actor.id
        identification.reviewed_at = now
        identification.review_note = note


def move_comment(comment: Comment, target: str, *, actor: User, note: str | None = None) -> None:
    """Move a comment to ``target``; same rules and errors as :func:`move_identification`."""
    move = _find_move(COMMENT_MOVES, comment.state, target, "comment")
    _check_actor(
        move, actor=actor, author_id=_author_id(comment, "author"), institution_id=comment.photo.institution_id, what="comment"
    )
    now = utcnow()
    comment.state = target
    comment.modified_at = now
    if move.by == "moderator":
        comment.reviewer_id = actor.id
        comment.reviewed_at = now
        comment.review_note = note
