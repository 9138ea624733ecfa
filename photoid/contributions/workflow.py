"""Every state a contribution can be in, every named group of states, and every allowed move.

This is the only place that changes ``state`` on an identification, a comment or a vote, and the
only place that spells a state: other modules use the ``StrEnum`` members and the named groups
below (a ``StrEnum`` member compares equal to its word, so ``Identification.state ==
IdentificationState.APPROVED`` and ``.in_(ACCEPTED)`` work in SQL too).
The database backs it: CHECK constraints on the tables mirror the states listed here,
and a reviewed state without a reviewer and a time cannot be stored.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Literal

from photoid.db import utcnow

if TYPE_CHECKING:
    from photoid.accounts.models import User
    from photoid.contributions.models import Comment, Confirmation, Identification


# --- identifications -----------------------------------------------------------------------------
class IdentificationState(StrEnum):
    PENDING = "pending"  # submitted, waiting for an archivist
    APPROVED = "approved"  # accepted: part of the photo's published record
    APPROVED_WITH_CHANGES = "approved_with_changes"  # accepted after an archivist's edit; the edited fact supersedes it
    REJECTED = "rejected"  # declined, with a note the patron sees
    SPAM = "spam"  # declined as abuse
    WITHDRAWN = "withdrawn"  # taken back by its contributor while pending
    RETRACTED = "retracted"  # an approved fact later withdrawn by an archivist: it was a mistake


IDENTIFICATION_STATES = tuple(IdentificationState)
#: States that record a decision: reviewer and reviewed_at are required in them.
REVIEWED = frozenset({
    IdentificationState.APPROVED, IdentificationState.APPROVED_WITH_CHANGES, IdentificationState.REJECTED,
    IdentificationState.SPAM, IdentificationState.RETRACTED,
})
REVIEWED_STATES = tuple(s for s in IdentificationState if s in REVIEWED)  # ordered, for CHECK constraints
#: What the public record and the catalog exports are made of.
PUBLIC_FACT_STATE = IdentificationState.APPROVED
PUBLIC = frozenset({PUBLIC_FACT_STATE})
#: Submitted and waiting for an archivist's decision.
PENDING_STATE = IdentificationState.PENDING
#: Still open on the photo page: the record and the suggestions waiting for review. Only these
#: take votes and disputes; the rest are seen by their contributor alone (see visibility.py).
OPEN = frozenset({IdentificationState.APPROVED, IdentificationState.PENDING})
#: Staff accepted the patron's claim (as sent or with changes). A retracted fact is not accepted:
#: the archivist took the approval back as a mistake, so neither the contributor's record in the
#: moderation queue nor the impact figures count it. The one group both use.
ACCEPTED = frozenset({IdentificationState.APPROVED, IdentificationState.APPROVED_WITH_CHANGES})
#: Staff declined the claim.
DECLINED = frozenset({IdentificationState.REJECTED, IdentificationState.SPAM})
#: States whose ``reviewed_at`` is the first decision (a retraction moves it later).
FIRST_DECISION = ACCEPTED | DECLINED

Actor = Literal["contributor", "moderator"]


@dataclass(frozen=True)
class Move:
    source: str
    target: str
    by: Actor


IDENTIFICATION_MOVES = (
    Move(IdentificationState.PENDING, IdentificationState.APPROVED, "moderator"),
    Move(IdentificationState.PENDING, IdentificationState.APPROVED_WITH_CHANGES, "moderator"),
    Move(IdentificationState.PENDING, IdentificationState.REJECTED, "moderator"),
    Move(IdentificationState.PENDING, IdentificationState.SPAM, "moderator"),
    Move(IdentificationState.PENDING, IdentificationState.WITHDRAWN, "contributor"),
    Move(IdentificationState.APPROVED, IdentificationState.RETRACTED, "moderator"),
)


# --- comments ------------------------------------------------------------------------------------
class CommentState(StrEnum):
    PUBLISHED = "published"  # in the discussion everyone who may see the photo reads
    PENDING = "pending"  # held for an archivist (the institution reviews comments first)
    REJECTED = "rejected"
    SPAM = "spam"
    WITHDRAWN = "withdrawn"  # taken back by its author


COMMENT_STATES = tuple(CommentState)
#: What everyone who may see the photo reads in its discussion.
PUBLIC_COMMENT_STATE = CommentState.PUBLISHED
#: Held for an archivist (the institution reviews comments first); only its author sees it.
COMMENT_PENDING_STATE = CommentState.PENDING
#: In the discussion under the photo; the rest are seen by their author alone (see visibility.py).
COMMENT_OPEN = frozenset({CommentState.PUBLISHED, CommentState.PENDING})
#: Removed by an archivist: reviewer and reviewed_at are required in them.
COMMENT_REVIEWED = frozenset({CommentState.REJECTED, CommentState.SPAM})
COMMENT_REVIEWED_STATES = tuple(s for s in CommentState if s in COMMENT_REVIEWED)
#: States a staff decision on a held comment leads to.
COMMENT_DECIDED = COMMENT_REVIEWED | {CommentState.PUBLISHED}
COMMENT_MOVES = (
    Move(CommentState.PENDING, CommentState.PUBLISHED, "moderator"),
    Move(CommentState.PENDING, CommentState.REJECTED, "moderator"),
    Move(CommentState.PENDING, CommentState.SPAM, "moderator"),
    Move(CommentState.PUBLISHED, CommentState.REJECTED, "moderator"),
    Move(CommentState.PUBLISHED, CommentState.SPAM, "moderator"),
    Move(CommentState.PENDING, CommentState.WITHDRAWN, "contributor"),
    Move(CommentState.PUBLISHED, CommentState.WITHDRAWN, "contributor"),
)


# --- confirmations (votes) -----------------------------------------------------------------------
class VoteStance(StrEnum):
    AGREE = "agree"
    DISAGREE = "disagree"


class VoteState(StrEnum):
    ACTIVE = "active"  # counted
    WITHDRAWN = "withdrawn"  # taken back by its voter (``withdrawn_at`` says when); no longer counted


VOTE_STANCES = tuple(VoteStance)
VOTE_STATES = tuple(VoteState)


# --- reports -------------------------------------------------------------------------------------
class ReportState(StrEnum):
    OPEN = "open"  # waiting for an archivist
    RESOLVED = "resolved"  # an archivist acted on the reported item
    DISMISSED = "dismissed"  # an archivist left the item as it is


REPORT_STATES = tuple(ReportState)


# --- authority records (authorities/models.py) ------------------------------------------------------
class AuthorityStatus(StrEnum):
    ACCEPTED = "accepted"  # public, offered to everyone who identifies
    PROPOSED = "proposed"  # suggested by a patron, seen by staff only until an archivist accepts it


AUTHORITY_STATUSES = tuple(AuthorityStatus)


# --- campaigns (campaigns/models.py; worked out from is_published and the dates, not stored) -----------
class CampaignStatus(StrEnum):
    DRAFT = "draft"  # not published: staff only
    UPCOMING = "upcoming"  # published, not started yet
    CURRENT = "current"  # running today
    FINISHED = "finished"  # ended; what was found stays visible


#: Published and under way or over: the public sees its progress and finds.
CAMPAIGN_STARTED = frozenset({CampaignStatus.CURRENT, CampaignStatus.FINISHED})


# --- staff invitations (admin/invitations.py; worked out from the invitation's times, not stored) ----
class InvitationStatus(StrEnum):
    OPEN = "open"  # waiting for the invitee, until it expires
    ACCEPTED = "accepted"
    REVOKED = "revoked"  # withdrawn by an administrator
    EXPIRED = "expired"


# --- IIIF import requests (photos/iiif_import.py) ---------------------------------------------------
class ImportState(StrEnum):
    WAITING = "waiting"  # recorded from the collection page; `photoid import-iiif --pending` takes it
    RUNNING = "running"
    DONE = "done"  # every canvas was tried; the counts say how each went
    FAILED = "failed"  # the address could not be read at all; the message says why


IMPORT_STATES = tuple(ImportState)


# --- a photo's images (photos/processing.py) -------------------------------------------------------
class PhotoProcessing(StrEnum):
    PROCESSING = "processing"  # uploaded and catalogued; its derivatives and tiles are being made
    READY = "ready"  # every image is stored: the photo may be public
    FAILED = "failed"  # the images could not be made after every try; the upload is kept for a retry


PROCESSING_STATES = tuple(PhotoProcessing)


# --- an export file written by a worker (catalog/export_files.py) -----------------------------------
class ExportRunState(StrEnum):
    QUEUED = "queued"  # asked for on the export page; waiting for `photoid worker` (or its next try)
    RUNNING = "running"  # a worker is writing the file; the run counts the records written
    DONE = "done"  # the file is stored (or, streamed in the request, was sent whole): it sets "since last export"
    FAILED = "failed"  # every try failed; the error says why, and the job waits in /admin/jobs


EXPORT_RUN_STATES = tuple(ExportRunState)
#: A run whose file is still coming: its page refreshes itself.
EXPORT_RUN_WAITING = frozenset({ExportRunState.QUEUED, ExportRunState.RUNNING})


# --- predicates ----------------------------------------------------------------------------------
def is_pending(item: Identification | Comment) -> bool:
    """Waiting for an archivist's decision."""
    return item.state == IdentificationState.PENDING


def is_public_fact(identification: Identification) -> bool:
    """Part of the photo's published record."""
    return identification.state in PUBLIC


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


def withdraw_vote(vote: Confirmation, *, now=None) -> bool:
    """Take back an active vote: state becomes withdrawn and ``withdrawn_at`` is set; it no longer counts.

    Returns False (and changes nothing) when the vote was already withdrawn. Raises nothing; the
    caller checks that the actor is the voter. Only changes the object: the calling service commits.
    """
    if vote.state != VoteState.ACTIVE:
        return False
    vote.state = VoteState.WITHDRAWN
    vote.withdrawn_at = now or utcnow()
    return True


def cast_again(vote: Confirmation, *, stance: VoteStance, note: str) -> None:
    """A withdrawn vote counts again, with the voter's new stance and note (one row per voter and
    identification: the table allows no second). Raises InvalidTransition when it is still active."""
    if vote.state != VoteState.WITHDRAWN:
        raise InvalidTransition("You have already voted on this identification.")
    vote.state, vote.withdrawn_at = VoteState.ACTIVE, None
    vote.stance, vote.note, vote.counter_identification = stance, note, None


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
