"""The discussion under a photo: post a comment or a reply, withdraw one's own, read the thread.

Comments are for stories and questions that are not identifications. They follow the
institution's policy: published at once ('post') or held for an archivist ('pre'); trusted
patrons and the institution's own staff skip the queue. Nothing is deleted: withdrawn is a state.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload, selectinload

from photoid.accounts.models import User
from photoid.contributions.models import Comment
from photoid.contributions.service import ContributionError, clean_text
from photoid.contributions.visibility import comment_rule, photo_is_visible, rule_parameters, viewer_id
from photoid.contributions.workflow import (
    COMMENT_OPEN,
    COMMENT_PENDING_STATE,
    PUBLIC_COMMENT_STATE,
    CommentState,
    move_comment,
)
from photoid.db import unit_of_work
from photoid.extensions import db
from photoid.photos.models import Photo

MAX_COMMENT = 5000
_LARGEST_ID = 2**63 - 1  # ids beyond this cannot exist, and some databases refuse to look them up


@dataclass
class ThreadEntry:
    """One comment as a visitor sees it, with its replies (top-level comments only have replies)."""

    comment: Comment
    #: The viewer's own comment that an archivist has not reviewed yet; nobody else sees it.
    is_waiting: bool = False
    #: Withdrawn or removed, kept in the thread only as a placeholder because replies answer it.
    is_hidden: bool = False
    replies: list[ThreadEntry] = field(default_factory=list)


def state_on_arrival(photo: Photo, author: User) -> str:
    """'published' under the 'post' policy, for trusted patrons and for the institution's staff; else 'pending'.

    An account whose email is not proven yet always waits for review, whatever the policy.
    """
    if author.moderates(photo.institution_id):
        return PUBLIC_COMMENT_STATE
    if author.email_verified_at is None:
        return COMMENT_PENDING_STATE
    if photo.institution.comment_policy == "post" or author.is_trusted:
        return PUBLIC_COMMENT_STATE
    return COMMENT_PENDING_STATE


def _reply_target(photo: Photo, parent_id: int | None) -> Comment | None:
    """The top-level comment a reply attaches to; a reply to a reply joins its thread (one level deep)."""
    if parent_id is None:
        return None
    parent = db.session.get(Comment, parent_id) if 0 < parent_id <= _LARGEST_ID else None
    if parent is not None and parent.parent is not None:
        parent = parent.parent
    if parent is None or parent.photo_id != photo.id or parent.state != PUBLIC_COMMENT_STATE:
        raise ContributionError(
            "The comment you are replying to is not available any more. You can write a new comment instead."
        )
    return parent


@unit_of_work
def post_comment(*, photo: Photo, author: User, body: str | None, parent_id: int | None = None) -> Comment:
    """Add a comment (or a reply) under a photo, published or pending as the institution's policy says.

    Raises ContributionError when the text is empty, longer than 5000 characters, contains markup
    or invisible characters, when the account cannot contribute, or when the comment replied to is
    not a visible comment on the same photo. Nothing is saved then.
    """
    if not author.is_active:
        raise ContributionError("Your account cannot contribute at the moment.")
    lines = (body or "").replace("\r\n", "\n").replace("\r", "\n")  # browsers send CRLF; count a line break once
    text = clean_text(lines, label="your comment", limit=MAX_COMMENT, required=True)
    parent = _reply_target(photo, parent_id)
    comment = Comment(photo=photo, author=author, parent=parent, body=text, state=state_on_arrival(photo, author))
    db.session.add(comment)
    return comment


@unit_of_work
def withdraw_comment(*, comment: Comment, actor: User) -> None:
    """The author takes back their comment; it disappears from the photo page and stays on record as withdrawn.

    Raises NotAllowed when it is not the actor's comment and InvalidTransition when it is
    already withdrawn or was removed by an archivist.
    """
    move_comment(comment, CommentState.WITHDRAWN, actor=actor)


@cache
def _thread_statement(*, signed_in: bool) -> Select:  # type: ignore[type-arg]
    # Composed once (it is on every photo page): what the viewer may see (contributions/visibility.py)
    # of the comments still in the discussion; their own waiting comments join in when signed in.
    return (
        select(Comment)
        .options(joinedload(Comment.author))
        .where(Comment.photo_id == bindparam("photo_id"), Comment.state.in_(COMMENT_OPEN),
               comment_rule(signed_in=signed_in))
        .order_by(Comment.created_at, Comment.id)
    )


def photo_thread(photo: Photo, viewer: User | None) -> list[ThreadEntry]:
    """The discussion under a photo, oldest first: top-level comments, each with its replies.

    Everyone sees published comments; a signed-in viewer also sees their own comments waiting
    for review (the rule of contributions/visibility.py). A top-level comment that was withdrawn
    or removed appears as a placeholder, without its text or author, only when replies the viewer
    sees hang under it. Nothing for a photo the viewer may not see.
    """
    if not photo_is_visible(viewer, photo):
        return []
    signed_in = viewer_id(viewer) is not None
    comments = db.session.scalars(_thread_statement(signed_in=signed_in), rule_parameters(photo, viewer)).all()

    def entry(comment: Comment, *, is_hidden: bool = False) -> ThreadEntry:
        waiting = comment.state == COMMENT_PENDING_STATE and not is_hidden
        return ThreadEntry(comment=comment, is_waiting=waiting, is_hidden=is_hidden)

    top = {c.id: entry(c) for c in comments if c.parent_id is None}
    replies = [c for c in comments if c.parent_id is not None]
    missing = {c.parent_id for c in replies} - top.keys()
    if missing:
        for parent in db.session.scalars(select(Comment).where(Comment.id.in_(missing))):
            top[parent.id] = entry(parent, is_hidden=True)
    for reply in replies:
        top[reply.parent_id].replies.append(entry(reply))  # type: ignore[index]
    return sorted(top.values(), key=lambda e: (e.comment.created_at, e.comment.id))


def comments_by(author: User) -> list[Comment]:
    """Every comment the author wrote, in any state, newest first (for "My contributions")."""
    return list(db.session.scalars(
        select(Comment)
        .options(selectinload(Comment.photo))
        .where(Comment.author_id == author.id)
        .order_by(Comment.created_at.desc(), Comment.id.desc())
    ))
