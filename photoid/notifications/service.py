"""Tell patrons when their contributions are decided: in-site notifications and an email.

``notify_identification_decided`` and ``notify_comment_decided`` are helpers for the moderation
services: they add a notification to the session and queue an email, but never commit; the
calling service commits once, and the email goes out only after that commit succeeds.
``mark_read`` is a use case of its own and commits.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask import has_request_context
from sqlalchemy import func, select, update

from photoid import links
from photoid.contributions.workflow import CommentState, IdentificationState
from photoid.db import unit_of_work, utcnow
from photoid.edtf import words as describe_date
from photoid.extensions import db
from photoid.notifications.mail import link as mail_link
from photoid.notifications.mail import queue_mail, site_name
from photoid.notifications.models import Notification

if TYPE_CHECKING:
    from photoid.accounts.models import User
    from photoid.contributions.models import Comment, Identification
    from photoid.photos.models import Photo

MAX_MESSAGE = 500


class NotificationNotFound(LookupError):
    """The notification does not exist or belongs to someone else."""


def photo_path(photo: Photo) -> str:
    """The site path of a photo's public page (stored in ``Notification.link``)."""
    return f"/photos/{photo.id}"


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _what(identification: Identification) -> str:
    """'your identification of John Smith', 'your date 1948', 'your keyword "harbour"'."""
    label = _shorten(identification.label, 120)
    if identification.kind == "date":
        return f"Your date “{describe_date(identification.date_edtf) or label}”"
    if identification.kind == "keyword":
        return f"Your keyword “{label}”"
    return f"Your identification of {label}"


def _note_sentence(note: str | None) -> str:
    note = (note or "").strip()
    return f" The archivist's note: “{note}”" if note else ""


def _correction(identification: Identification) -> str:
    """The corrected value, when the archivist's edited fact is already in the session."""
    from photoid.contributions.models import Identification as IdentificationModel

    if identification.id is None:
        return ""
    corrected = db.session.scalar(
        select(IdentificationModel).where(IdentificationModel.supersedes_id == identification.id).limit(1)
    )
    if corrected is None or not corrected.label:
        return ""
    return f" It now reads “{_shorten(corrected.label, 120)}”."


def _deliverable(user: User | None) -> bool:
    return user is not None and user.deleted_at is None


def _notify(
    user: User, *, message: str, link: str, subject: str, identification: Identification | None = None,
    comment: Comment | None = None,
) -> Notification:
    notification = Notification(
        user_id=user.id,
        message=_shorten(message, MAX_MESSAGE),
        link=link,
        identification_id=identification.id if identification is not None else None,
        comment_id=comment.id if comment is not None else None,
    )
    db.session.add(notification)
    if user.email and user.wants_email_notifications:
        address = links.root() + link if has_request_context() or links.uses_site_url() else link
        settings = mail_link("accounts.account", _anchor="email-notifications")
        body = (
            f"Hello {user.display_name},\n\n{message}\n\n"
            f"See the photo: {address}\n\n"
            "Thank you for helping us identify our photographs.\n\n"
            f"To stop these emails (notifications still appear on the site): {settings}\n"
        )
        queue_mail(user.email, f"{subject} · {site_name()}", body, unsubscribe=settings)
    return notification


def notify_identification_decided(identification: Identification) -> Notification | None:
    """Add (without committing) a notification for the contributor about the identification's current state.

    Covers approved, approved_with_changes, rejected (with the archivist's note) and retracted;
    returns None for every other state (spam, withdrawn, pending...) and when the contributor is
    missing or has deleted their account. Also queues an email to the contributor, sent after the
    caller commits; a mail failure is logged and never raised. Raises nothing itself.
    """
    user = identification.contributor
    if not _deliverable(user):
        return None
    assert user is not None
    title = _shorten(identification.photo.title, 150)
    what = _what(identification)
    state = identification.state
    if state == IdentificationState.APPROVED:
        message = f"{what} in '{title}' was approved."
        subject = "Your identification was approved"
    elif state == IdentificationState.APPROVED_WITH_CHANGES:
        message = f"{what} in '{title}' was approved with a correction by an archivist.{_correction(identification)}"
        subject = "Your identification was approved with a correction"
    elif state == IdentificationState.REJECTED:
        message = f"{what} in '{title}' was not accepted.{_note_sentence(identification.review_note)}"
        subject = "Your identification was not accepted"
    elif state == IdentificationState.RETRACTED:
        message = f"{what} in '{title}' was approved earlier but has now been withdrawn by an archivist.{_note_sentence(identification.review_note)}"
        subject = "Your identification was withdrawn by an archivist"
    else:
        return None
    return _notify(user, message=message, link=photo_path(identification.photo), subject=subject, identification=identification)


def notify_comment_decided(comment: Comment) -> Notification | None:
    """Add (without committing) a notification for the author about the comment's review.

    Covers a comment published after review and a rejected one (with the archivist's note);
    returns None for spam, withdrawn, pending, and a missing or deleted author. Queues an email
    like :func:`notify_identification_decided`. Raises nothing itself.
    """
    user = comment.author
    if not _deliverable(user):
        return None
    assert user is not None
    title = _shorten(comment.photo.title, 150)
    if comment.state == CommentState.PUBLISHED:
        message = f"Your comment on '{title}' was reviewed and is now published."
        subject = "Your comment is published"
    elif comment.state == CommentState.REJECTED:
        message = f"Your comment on '{title}' was not accepted.{_note_sentence(comment.review_note)}"
        subject = "Your comment was not accepted"
    else:
        return None
    return _notify(user, message=message, link=photo_path(comment.photo), subject=subject, comment=comment)


def unread_count(user: User) -> int:
    """How many of the user's notifications are unread. Reads only."""
    return db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    ) or 0


def recent(user: User, limit: int = 50) -> list[Notification]:
    """The user's newest notifications, newest first. Reads only."""
    return list(db.session.scalars(
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    ))


@unit_of_work
def mark_shown_read(user: User, limit: int) -> set[int]:
    """Mark read the user's newest ``limit`` notifications (what the notifications page shows: seen
    is read) and return the ids of those that were unread, so the page can mark them new this once.

    Commits once. Raises nothing.
    """
    shown = db.session.execute(
        select(Notification.id, Notification.read_at).where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)
    ).all()
    new = {notification_id for notification_id, read_at in shown if read_at is None}
    if new:
        db.session.execute(
            update(Notification).where(Notification.id.in_(new), Notification.read_at.is_(None)).values(read_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    return new


@unit_of_work
def mark_read(user: User, notification_id: int | None = None) -> Notification | None:
    """Mark one of the user's notifications read (and return it), or all of them when no id is given.

    Commits once. Raises NotificationNotFound when the id is not one of this user's notifications.
    """
    now = utcnow()
    if notification_id is None:
        db.session.execute(
            update(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
            .values(read_at=now)
            .execution_options(synchronize_session=False)
        )
        return None
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        raise NotificationNotFound("We could not find that notification.")
    if notification.read_at is None:
        notification.read_at = now
    return notification


def notify_report_handled(report: object, *, action_taken: bool) -> Notification | None:
    """Add (without committing) a notification for the patron who sent a report that staff have handled.

    ``report`` is a moderation Report whose item is an identification or a comment; ``action_taken``
    says whether the archivist changed the item (retracted, rejected, hid it) or left it as it was.
    Returns None when the reporter is missing or has deleted their account. Queues an email like
    :func:`notify_identification_decided`. Raises nothing itself.
    """
    from photoid.accounts.models import User as UserModel
    from photoid.contributions.models import Comment as CommentModel
    from photoid.contributions.models import Identification as IdentificationModel

    reporter = db.session.get(UserModel, report.reporter_id) if report.reporter_id else None  # type: ignore[attr-defined]
    if not _deliverable(reporter):
        return None
    assert reporter is not None
    identification = db.session.get(IdentificationModel, report.identification_id) if report.identification_id else None  # type: ignore[attr-defined]
    comment = db.session.get(CommentModel, report.comment_id) if report.comment_id else None  # type: ignore[attr-defined]
    item = identification or comment
    if item is None:
        return None
    title = _shorten(item.photo.title, 150)
    what = (f"the identification of {_shorten(identification.label, 120)}" if identification is not None
            else "a comment")
    outcome = ("An archivist has looked at it and acted on it." if action_taken
               else "An archivist has looked at it and decided to leave it as it is.")
    message = f"Thank you for reporting {what} on '{title}'. {outcome}"
    return _notify(reporter, message=message, link=photo_path(item.photo), subject="Your report has been handled",
                   identification=identification, comment=comment)
