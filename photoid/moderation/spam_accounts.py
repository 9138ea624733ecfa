"""Marking a whole account as spam: everything it sent that is still waiting leaves the queue at once.

One use case, one commit; the per-item moves go through the workflow like any other decision.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from photoid.accounts.models import User, new_login_id
from photoid.audit import record_event
from photoid.contributions.models import Comment, Identification
from photoid.contributions.service import ContributionError
from photoid.contributions.workflow import (
    COMMENT_OPEN,
    CommentState,
    IdentificationState,
    NotAllowed,
    move_comment,
    move_identification,
)
from photoid.db import unit_of_work, utcnow
from photoid.extensions import db
from photoid.moderation.service import AlreadyDecided, ModerationError, _claim, _note, _snapshot


@dataclass
class SpamOutcome:
    """What marking an account as spam did: the items hidden, and how many were left to other institutions."""

    identifications: list[int] = field(default_factory=list)
    comments: list[int] = field(default_factory=list)
    left_to_others: int = 0

    @property
    def hidden(self) -> int:
        return len(self.identifications) + len(self.comments)


@unit_of_work
def mark_account_as_spam(account: User, *, moderator: User, note: str | None = None) -> SpamOutcome:
    """Mark everything an account sent that is still waiting (and its published comments) as spam, and suspend it.

    Moves the account's pending identifications and its pending or published comments in the
    moderator's institutions to ``spam`` (items elsewhere are left to their own archivists), sets
    ``suspended_at`` and a new ``login_id`` (which signs the account out everywhere), and records
    one audit event per item plus one for the account; commits once. Raises NotAllowed for one's
    own account, a staff account, or an account with nothing in the moderator's institutions, and
    ModerationError for an unusable note; nothing is saved then.
    """
    if account.id == moderator.id:
        raise NotAllowed("You cannot mark your own account as spam.")
    if account.is_staff:
        raise NotAllowed("A staff account cannot be marked as spam. Please ask an administrator to change its role first.")
    try:
        text = _note(note)
    except ContributionError as error:
        raise ModerationError(str(error)) from error
    identifications = list(db.session.scalars(
        select(Identification).where(Identification.contributor_id == account.id, Identification.state == IdentificationState.PENDING)
        .options(selectinload(Identification.photo)).order_by(Identification.id)
    ))
    comments = list(db.session.scalars(
        select(Comment).where(Comment.author_id == account.id, Comment.state.in_(COMMENT_OPEN))
        .options(selectinload(Comment.photo)).order_by(Comment.id)
    ))
    outcome = SpamOutcome()
    in_scope = [item for item in (*identifications, *comments) if moderator.moderates(item.photo.institution_id)]
    outcome.left_to_others = len(identifications) + len(comments) - len(in_scope)
    if not in_scope and not moderator.is_admin:
        raise NotAllowed("This account has nothing in your institutions, so only an administrator can mark it as spam.")
    for item in in_scope:
        if isinstance(item, Identification):
            try:
                _claim(Identification, item.id, (IdentificationState.PENDING,))
            except AlreadyDecided:
                continue  # decided by another archivist a moment ago: leave their decision
            db.session.refresh(item)
            before = _snapshot(item)
            move_identification(item, IdentificationState.SPAM, actor=moderator, note=text)
            record_event(actor=moderator, action="spam", target=item, before=before, after=_snapshot(item),
                         institution_id=item.photo.institution_id, note=text or "")
            outcome.identifications.append(item.id)
        else:
            try:
                _claim(Comment, item.id, tuple(COMMENT_OPEN))
            except AlreadyDecided:
                continue
            db.session.refresh(item)
            before = {"state": item.state}
            move_comment(item, CommentState.SPAM, actor=moderator, note=text)
            record_event(actor=moderator, action="spam_comment", target=item, before=before,
                         after={"state": item.state}, institution_id=item.photo.institution_id, note=text or "")
            outcome.comments.append(item.id)
    was_suspended = account.suspended_at is not None
    account.suspended_at = account.suspended_at or utcnow()
    account.login_id = new_login_id()
    record_event(actor=moderator, action="suspend_account", target=account, before={"suspended": was_suspended},
                 after={"suspended": True, "why": "spam", "items_hidden": outcome.hidden}, note=text or "")
    return outcome
