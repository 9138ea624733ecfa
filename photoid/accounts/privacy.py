"""Privacy use cases: a patron downloads everything we hold about them, deletes their account,
and the site purges technical data kept only for abuse handling once it is no longer needed.

* :func:`export_data` reads only.
* :func:`delete_account` scrubs the account's personal data and commits once; what the patron
  contributed stays, shown as "a former contributor".
* :func:`purge` removes technical data older than the retention and commits once.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app, has_request_context, url_for
from sqlalchemy import delete, select
from werkzeug.security import check_password_hash

from photoid.accounts import abuse
from photoid.accounts.models import User, new_login_id
from photoid.audit import record_event
from photoid.contributions.models import AS_SENT, Comment, Confirmation, Identification
from photoid.contributions.workflow import (
    COMMENT_OPEN,
    PENDING_STATE,
    CommentState,
    IdentificationState,
    VoteState,
    move_comment,
    move_identification,
    withdraw_vote,
)
from photoid.db import utcnow
from photoid.extensions import db
from photoid.moderation.models import ModerationEvent, Report
from photoid.notifications.models import Notification

FORMER_CONTRIBUTOR = "a former contributor"
#: Column names that would hold a network address or browser details. The database has none today;
#: :func:`stored_addresses` finds any added later so ``photoid purge`` can clear it.
_ADDRESS_COLUMN = re.compile(r"(^|_)(ip|ip_address|remote_addr|remote_address|user_agent|client_address)$")
#: The longest any rate-limit counter or sign-in pause lives in the limiter storage (the lock level, a day).
LIMITER_MAX_SECONDS = 24 * 3600


class PrivacyError(ValueError):
    """A request the rules refuse; the message is shown to the person as it is."""


# --- download my data ------------------------------------------------------------------------------

def _when(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _photo_url(photo_id: int) -> str:
    if has_request_context():
        return url_for("photos.photo", photo_id=photo_id, _external=True)
    return f"/photos/{photo_id}"


def export_data(user: User) -> dict[str, Any]:
    """Everything stored about ``user``, as plain JSON-ready data. Reads only; raises nothing.

    Holds the profile and every identification, vote, comment, report and notification of the
    account. Other people appear by their public name at most, never by email.
    """
    identifications = db.session.scalars(
        select(Identification).where(Identification.contributor_id == user.id).order_by(Identification.id)
    )
    votes = db.session.scalars(select(Confirmation).where(Confirmation.voter_id == user.id).order_by(Confirmation.id))
    comments = db.session.scalars(select(Comment).where(Comment.author_id == user.id).order_by(Comment.id))
    reports = db.session.scalars(select(Report).where(Report.reporter_id == user.id).order_by(Report.id))
    notifications = db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    )
    return {
        "about": "Everything this site stores about your account, downloaded at your request.",
        "downloaded_at": _when(utcnow()),
        "profile": {
            "display_name": user.display_name,
            "email": user.email,
            "role": user.role,
            "institutions": [i.name for i in user.institutions],
            "is_trusted": user.is_trusted,
            "is_profile_public": user.is_profile_public,
            "profile_url": _profile_url(user.id) if user.is_profile_public else None,
            "created_at": _when(user.created_at),
            "last_login_at": _when(user.last_login_at),
            "suspended_at": _when(user.suspended_at),
            "email_verified_at": _when(user.email_verified_at),
            "pending_email": user.pending_email,
            "wants_email_notifications": user.wants_email_notifications,
            "changes": _profile_changes(user),
        },
        "identifications": [_identification(i) for i in identifications],
        "votes": [
            {
                "id": v.id, "identification_id": v.identification_id, "on": v.identification.label,
                "photo": _photo(v.identification.photo), "stance": v.stance, "note": v.note, "state": v.state,
                "counter_identification_id": v.counter_identification_id,
                "created_at": _when(v.created_at), "withdrawn_at": _when(v.withdrawn_at),
            }
            for v in votes
        ],
        "comments": [
            {
                "id": c.id, "photo": _photo(c.photo), "reply_to": c.parent_id, "text": c.body, "state": c.state,
                "review_note": c.review_note, "created_at": _when(c.created_at),
                "reviewed_at": _when(c.reviewed_at), "modified_at": _when(c.modified_at),
            }
            for c in comments
        ],
        "reports": [
            {
                "id": r.id, "identification_id": r.identification_id, "comment_id": r.comment_id,
                "reason": r.reason, "state": r.state, "created_at": _when(r.created_at),
                "resolved_at": _when(r.resolved_at),
            }
            for r in reports
        ],
        "notifications": [
            {"id": n.id, "message": n.message, "link": n.link, "created_at": _when(n.created_at), "read_at": _when(n.read_at)}
            for n in notifications
        ],
    }


def _profile_url(user_id: int) -> str:
    if has_request_context():
        return url_for("profiles.profile", user_id=user_id, _external=True)
    return f"/contributors/{user_id}"


def _photo(photo: Any) -> dict[str, Any]:
    return {"id": photo.id, "title": photo.title, "url": _photo_url(photo.id)}


def _identification(item: Any) -> dict[str, Any]:
    region = None
    if item.has_region:
        region = {"x": item.region_x, "y": item.region_y, "width": item.region_w, "height": item.region_h}
    return {
        "id": item.id, "photo": _photo(item.photo), "kind": item.kind, "value": item.label,
        "date_edtf": item.date_edtf, "region": region, "evidence": item.evidence, "state": item.state,
        "review_note": item.review_note, "supersedes_id": item.supersedes_id,
        "created_at": _when(item.created_at), "reviewed_at": _when(item.reviewed_at), "modified_at": _when(item.modified_at),
    }


# --- delete my account -----------------------------------------------------------------------------

def _other_active_admins(user: User) -> int:
    """Active admins other than ``user``, rows locked on PostgreSQL so two admins cannot both leave at once."""
    query = select(User.id).where(
        User.role == "admin", User.suspended_at.is_(None), User.deleted_at.is_(None), User.id != user.id
    ).with_for_update()
    return len(db.session.scalars(query).all())


def _profile_changes(user: User) -> list[dict[str, Any]]:
    """The account's own display name and email changes, from the audit trail, oldest first."""
    events = db.session.scalars(
        select(ModerationEvent)
        .where(ModerationEvent.target_type == "account", ModerationEvent.target_id == user.id,
               ModerationEvent.action.in_(("display_name_change", "email_change")))
        .order_by(ModerationEvent.id)
    )
    return [{"change": e.action, "before": e.before, "after": e.after, "at": _when(e.created_at)} for e in events]


def delete_account(user: User, *, password: str) -> None:
    """Delete the account: scrub its personal data and keep what it contributed, as "a former contributor".

    Replaces the email with ``deleted-<id>@invalid`` and the display name, makes the password
    unusable, removes the feed token and staff institutions, rotates the login id (every session
    ends), deletes the account's notifications, sets ``deleted_at`` and records an
    ``account_delete`` audit event without the email. Identifications, votes, comments and reports
    stay; pending ones stay in the moderation queue. Commits once.

    Raises PrivacyError when the password is wrong, the account is already deleted, or it is the
    last active administrator.
    """
    if user.deleted_at is not None:
        raise PrivacyError("This account has already been deleted.")
    if not password or not check_password_hash(user.password_hash, password):
        raise PrivacyError("That password is not correct, so your account was not deleted. Please try again.")
    if user.is_admin and user.is_active and _other_active_admins(user) == 0:
        raise PrivacyError(
            "You are the only administrator, so your account cannot be deleted yet. "
            "Please make another account an administrator first."
        )
    before = {"role": user.role, "institutions": sorted(i.slug for i in user.institutions)}
    old_email = user.email
    now = utcnow()
    _scrub(user, now)
    record_event(actor=user, action="account_delete", target=user, before=before, after={"deleted_at": _when(now)})
    db.session.commit()
    _forget_sign_in_failures(old_email)


def _scrub(user: User, now: datetime) -> None:
    """Replace the account's personal data, end its sessions and mark it deleted (flushes nothing)."""
    user.email = f"deleted-{user.id}@invalid"
    user.pending_email = None
    user.display_name = FORMER_CONTRIBUTOR
    user.display_name_key = f"deleted account {user.id}"
    user.password_hash = "!deleted$" + secrets.token_hex(16)  # no hash method matches, so no password works
    user.feed_token = None
    user.login_id = new_login_id()
    user.is_profile_public = False
    user.is_trusted = False
    user.last_login_at = None
    user.institutions.clear()
    user.deleted_at = now
    db.session.execute(delete(Notification).where(Notification.user_id == user.id))


def _forget_sign_in_failures(email: str) -> None:
    try:
        abuse.clear_failures(email)
    except Exception:  # noqa: BLE001 - the account is deleted either way; counters expire on their own
        current_app.logger.warning("Could not clear sign-in counters of a deleted account.")


# --- purge -----------------------------------------------------------------------------------------

@dataclass
class PurgeReport:
    """What ``photoid purge`` removed and what it checked, in sentences for the administrator."""

    retention_days: int
    removed: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.removed.values())


def retention_days() -> int:
    """The configured retention (``PHOTOID_RETENTION_DAYS``). Raises PrivacyError when it is below one day."""
    days = int(current_app.config["RETENTION_DAYS"])
    if days < 1:
        raise PrivacyError("PHOTOID_RETENTION_DAYS must be at least 1 (day).")
    return days


def stored_addresses() -> list[tuple[str, str]]:
    """(table, column) pairs in the schema that would hold an address or a user agent. Reads only."""
    return [
        (table.name, column.name)
        for table in db.metadata.sorted_tables
        for column in table.columns
        if _ADDRESS_COLUMN.search(column.name)
    ]


def purge(*, now: datetime | None = None) -> PurgeReport:
    """Remove technical data kept only for abuse handling that is older than the retention.

    Clears any address or user-agent column (see :func:`stored_addresses`) on rows created before
    the cut-off, and reports on the rate-limit counters and sign-in pauses, which live in the rate
    limiter's storage and expire on their own within a day. Contributions, comments, reports and
    the audit trail are kept. Commits once. Raises PrivacyError for a retention below one day.
    """
    days = retention_days()
    cutoff = (now or utcnow()) - timedelta(days=days)
    report = PurgeReport(retention_days=days)
    columns = stored_addresses()
    for table_name, column_name in columns:
        table = db.metadata.tables[table_name]
        if "created_at" not in table.c:
            report.notes.append(f"{table_name}.{column_name} has no created_at column, so it was not purged.")
            continue
        result = db.session.execute(
            table.update()
            .where(table.c.created_at < cutoff, table.c[column_name].is_not(None))
            .values({column_name: None})
        )
        report.removed[f"{table_name}.{column_name}"] = result.rowcount or 0
    _purge_unverified(report, now=now or utcnow())
    db.session.commit()
    if not columns:
        report.notes.append("The database stores no IP addresses or browser details (user agents), so there was nothing to remove there.")
    storage = current_app.config["RATELIMIT_STORAGE_URI"]
    where = "Redis" if storage.startswith(("redis", "rediss")) else "each server process's memory"
    report.notes.append(
        f"Rate-limit counters and sign-in pauses are kept in {where}, keyed by address or by a one-way "
        f"hash of the email; each expires on its own within {LIMITER_MAX_SECONDS // 3600} hours, "
        f"well inside the {days}-day retention."
    )
    return report


def _purge_unverified(report: PurgeReport, *, now: datetime) -> None:
    """Delete the accounts that did not prove their email within ``UNVERIFIED_DAYS`` of joining, as
    :func:`delete_account` does, and withdraw what they sent that is still waiting (suggestions,
    comments) and their votes: nobody ever vouched for them. What an archivist already accepted
    stays, as "a former contributor". Records a ``purge_unverified`` audit event each. Flushes only.
    """
    days = int(current_app.config["UNVERIFIED_DAYS"])
    cutoff = now - timedelta(days=max(days, 1))
    stale = list(db.session.scalars(select(User).where(
        User.email_verified_at.is_(None), User.deleted_at.is_(None), User.created_at < cutoff)))
    withdrawn = 0
    for user in stale:
        waiting = db.session.scalars(select(Identification).where(
            Identification.contributor_id == user.id, Identification.state == PENDING_STATE))
        for identification in waiting:
            move_identification(identification, IdentificationState.WITHDRAWN, actor=user)
            withdrawn += 1
        comments = db.session.scalars(select(Comment).where(
            Comment.author_id == user.id, Comment.state.in_(COMMENT_OPEN), Comment.reviewed_at.is_(None)))
        for comment in comments:
            move_comment(comment, CommentState.WITHDRAWN, actor=user)
            withdrawn += 1
        for vote in db.session.scalars(select(Confirmation).where(
                Confirmation.voter_id == user.id, Confirmation.state == VoteState.ACTIVE)):
            withdraw_vote(vote, now=now)
            withdrawn += 1
        old_email = user.email
        _scrub(user, now)
        record_event(actor=None, action="purge_unverified", target=user, before=None,
                     after={"deleted_at": _when(now), "unconfirmed_days": days})
        _forget_sign_in_failures(old_email)
    report.notes.append(
        f"Accounts that did not confirm their email within {days} day{'s' if days != 1 else ''} are deleted with "
        f"what they sent that was still waiting ({len(stale)} account{'s' if len(stale) != 1 else ''}, "
        f"{withdrawn} contribution{'s' if withdrawn != 1 else ''} withdrawn)."
    )


def contribution_counts(user: User) -> dict[str, int]:
    """How many identifications, votes and comments the account has sent (they stay after deletion). Reads only."""
    from sqlalchemy import func

    def count(column: Any, *also: Any) -> int:
        return db.session.scalar(select(func.count()).where(column == user.id, *also)) or 0

    return {
        "identifications": count(Identification.contributor_id, AS_SENT),  # an archivist's correction is not a second one
        "votes": count(Confirmation.voter_id),
        "comments": count(Comment.author_id),
    }
