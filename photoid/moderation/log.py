"""The audit log, read side: who changed what, filtered and scoped to what the reader may see, and as CSV.

Archivists see the events of the institutions they moderate; admins see every event. Nothing
here writes; :func:`photoid.audit.record_event` writes the rows.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import joinedload, selectinload

from photoid.accounts.models import User
from photoid.accounts.service import display_name_key
from photoid.admin.models import Invitation
from photoid.authorities.models import AuthorityRecord
from photoid.campaigns.models import Campaign
from photoid.contributions.models import Comment, Identification
from photoid.extensions import db
from photoid.moderation.models import ModerationEvent, ModerationEventInstitution
from photoid.pagination import Page, paginate
from photoid.photos.models import Collection, Institution, Photo
from photoid.text import neutralise

#: Every action the code records, in words. An unknown action is shown as its name.
ACTION_WORDS = {
    "approve": "Approved an identification",
    "approve_with_changes": "Approved an identification with changes",
    "reject": "Rejected an identification",
    "spam": "Marked an identification as spam",
    "retract": "Retracted an approved fact",
    "approve_comment": "Published a comment",
    "reject_comment": "Rejected a comment",
    "spam_comment": "Marked a comment as spam",
    "resolve_report": "Resolved a report",
    "dismiss_report": "Dismissed a report",
    "create_authority": "Created a record",
    "edit_authority": "Edited a record",
    "accept_authority": "Accepted a proposed record",
    "merge": "Merged two records",
    "unmerge": "Undid a merge",
    "role_change": "Changed a role",
    "trust_change": "Changed whether an account is trusted",
    "suspend": "Suspended an account",
    "unsuspend": "Restored a suspended account",
    "suspend_account": "Suspended an account as a spammer",
    "institution_settings": "Changed institution settings",
    "institution_faces": "Changed face assistance",
    "do_not_match": "Changed whether face matching may suggest a person",
    "purge_faces": "Deleted an institution's face data",
    "confirm_face_match": "Confirmed who a face is, as face matching suggested",
    "create_institution": "Created an institution",
    "edit_institution": "Edited an institution's public page",
    "invite": "Invited a staff member",
    "accept_invitation": "Accepted a staff invitation",
    "revoke_invitation": "Withdrew a staff invitation",
    "ingest": "Added a photo",
    "create_collection": "Created a collection",
    "publish": "Published",
    "withdraw": "Withdrew from publication",
    "create_campaign": "Started a campaign",
    "edit_campaign": "Edited a campaign",
    "refresh_campaign": "Refreshed a campaign's photos from its search",
    "profile_visibility": "Changed whether a contributor page is public",
    "display_name_change": "Changed a display name",
    "email_change": "Changed an account's email",
    "send_password_reset": "Sent a password reset link",
    "purge_unverified": "Removed an account whose email was never confirmed",
}
TARGET_WORDS = {
    "identification": "Identification",
    "comment": "Comment",
    "report": "Report",
    "authority": "Person, place or event",
    "account": "Account",
    "photo": "Photo",
    "collection": "Collection",
    "institution": "Institution",
    "invitation": "Staff invitation",
    "campaign": "Campaign",
}
#: Never shown or exported, whatever an event happened to store.
PRIVATE_KEYS = frozenset({"email", "ip", "ip_address", "remote_addr", "password_hash", "login_id", "feed_token"})
MAX_VALUE = 120
CSV_HEADER = ["When (UTC)", "Who", "Action", "Target type", "Target id", "Target", "Institution", "Change", "Note"]


class LogFilterError(ValueError):
    """A filter that cannot be understood; the message says which."""


@dataclass(frozen=True)
class LogFilters:
    """What the reader asked to see; every field is already checked."""

    actor: str = ""
    action: str | None = None
    target_type: str | None = None
    target_id: int | None = None
    institution_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def parse_date(text: str, label: str) -> date | None:
    """A YYYY-MM-DD date, or None when empty. Raises LogFilterError otherwise."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise LogFilterError(f"The {label} date was not understood. Please write it as year-month-day, for example 2026-03-31.") from None


def visible_institutions(reader: User) -> list[Institution]:
    """The institutions whose events the reader sees (all for admins)."""
    if reader.is_admin:
        return list(db.session.scalars(select(Institution).order_by(Institution.name)))
    return list(reader.institutions) if reader.role == "archivist" else []


def _concerning(ids: list[int]):  # type: ignore[no-untyped-def]
    """Events of these institutions: their own, and those they share with others (``concerns``)."""
    return or_(ModerationEvent.institution_id.in_(ids), ModerationEvent.id.in_(
        select(ModerationEventInstitution.event_id).where(ModerationEventInstitution.institution_id.in_(ids))
    ))


def events_query(reader: User, filters: LogFilters) -> Select:  # type: ignore[type-arg]
    """Events the reader may see, filtered, newest first (no paging)."""
    query = select(ModerationEvent)
    if not reader.is_admin:
        query = query.where(_concerning([i.id for i in visible_institutions(reader)]))
    if filters.actor:
        key = display_name_key(filters.actor).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(ModerationEvent.actor_id.in_(
            select(User.id).where(User.display_name_key.like(f"%{key}%", escape="\\"))
        ))
    if filters.action:
        query = query.where(ModerationEvent.action == filters.action)
    if filters.target_type:
        query = query.where(ModerationEvent.target_type == filters.target_type)
    if filters.target_id is not None:
        query = query.where(ModerationEvent.target_id == filters.target_id)
    if filters.institution_id is not None:
        query = query.where(_concerning([filters.institution_id]))
    if filters.date_from:
        query = query.where(ModerationEvent.created_at >= datetime.combine(filters.date_from, time.min, tzinfo=UTC))
    if filters.date_to and filters.date_to < date.max:
        query = query.where(ModerationEvent.created_at < datetime.combine(filters.date_to + timedelta(days=1), time.min, tzinfo=UTC))
    return query.order_by(ModerationEvent.created_at.desc(), ModerationEvent.id.desc())


def events_page(reader: User, filters: LogFilters, *, page: int, per_page: int = 50) -> Page[ModerationEvent]:
    """One page of the reader's events, with each actor loaded."""
    return paginate(events_query(reader, filters).options(joinedload(ModerationEvent.actor)), page=page, per_page=per_page)


# --- words ---------------------------------------------------------------------------------------

def action_words(action: str) -> str:
    return ACTION_WORDS.get(action, action.replace("_", " ").capitalize())


def actor_name(event: ModerationEvent) -> str:
    return event.actor.display_name if event.actor is not None else "The system"


def _value_words(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        shown = ", ".join(_value_words(v) for v in list(value)[:10])
        return shown + (f" and {len(value) - 10} more" if len(value) > 10 else "")
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_value_words(v)}" for k, v in value.items() if k not in PRIVATE_KEYS)
    text = " ".join(str(value).split())
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def changes(event: ModerationEvent) -> list[str]:
    """What changed, one line a setting: "role: patron → archivist"; new values alone when nothing was before."""
    before, after = event.before or {}, event.after or {}
    lines: list[str] = []
    for key in dict.fromkeys([*before, *after]):
        if key in PRIVATE_KEYS:
            continue
        label = key.replace("_", " ")
        if key not in before or event.before is None:
            lines.append(f"{label}: {_value_words(after.get(key))}")
        elif key not in after:
            lines.append(f"{label}: {_value_words(before[key])} (before)")
        elif before[key] != after[key]:
            lines.append(f"{label}: {_value_words(before[key])} → {_value_words(after[key])}")
    return lines


@dataclass
class Target:
    label: str
    endpoint: str | None = None
    values: dict[str, Any] | None = None


def targets(events: Iterable[ModerationEvent], reader: User) -> dict[tuple[str, int], Target]:
    """A label (and where to link) for each event's target, in one query per kind of target."""
    wanted: dict[str, set[int]] = {}
    for event in events:
        wanted.setdefault(event.target_type, set()).add(event.target_id)
    found: dict[tuple[str, int], Target] = {}
    for kind, ids in wanted.items():
        if kind == "identification":
            for item in db.session.scalars(select(Identification).where(Identification.id.in_(ids))
                                           .options(joinedload(Identification.photo))):
                found[kind, item.id] = Target(f"“{item.label}” on “{item.photo.title}”", "photos.photo",
                                              {"photo_id": item.photo_id, "_anchor": f"identification-{item.id}"})
        elif kind == "comment":
            for item in db.session.scalars(select(Comment).where(Comment.id.in_(ids)).options(joinedload(Comment.photo))):
                found[kind, item.id] = Target(f"Comment on “{item.photo.title}”", "photos.photo",
                                              {"photo_id": item.photo_id, "_anchor": f"comment-{item.id}"})
        elif kind == "authority":
            for item in db.session.scalars(select(AuthorityRecord).where(AuthorityRecord.id.in_(ids))):
                found[kind, item.id] = Target(item.heading, "authorities.edit", {"record_id": item.id})
        elif kind == "account":
            for item in db.session.scalars(select(User).where(User.id.in_(ids))):
                linked = reader.is_admin and item.deleted_at is None
                found[kind, item.id] = Target(item.display_name, "admin.user" if linked else None, {"user_id": item.id})
        elif kind == "photo":
            for item in db.session.scalars(select(Photo).where(Photo.id.in_(ids))):
                found[kind, item.id] = Target(f"“{item.title}”", "photos.photo", {"photo_id": item.id})
        elif kind == "collection":
            for item in db.session.scalars(select(Collection).where(Collection.id.in_(ids))):
                found[kind, item.id] = Target(item.title, "photos.collection", {"slug": item.slug})
        elif kind == "institution":
            for item in db.session.scalars(select(Institution).where(Institution.id.in_(ids))):
                linked = reader.is_admin
                found[kind, item.id] = Target(item.name, "admin.institution" if linked else None, {"slug": item.slug})
        elif kind == "campaign":
            for item in db.session.scalars(select(Campaign).where(Campaign.id.in_(ids))):
                found[kind, item.id] = Target(item.title, "campaigns.show", {"campaign_id": item.id})
        elif kind == "invitation":  # named by its role, never by the invited address
            for item in db.session.scalars(select(Invitation).where(Invitation.id.in_(ids))):
                found[kind, item.id] = Target(f"to become {'an administrator' if item.role == 'admin' else 'an archivist'}",
                                              "invitations.index" if reader.is_staff else None, {})
    return found


def target_label(event: ModerationEvent, found: dict[tuple[str, int], Target]) -> str:
    target = found.get((event.target_type, event.target_id))
    kind = TARGET_WORDS.get(event.target_type, event.target_type)
    return f"{kind} {event.target_id}" + (f": {target.label}" if target else " (no longer exists)")


def institution_words(event: ModerationEvent, names: dict[int, str]) -> str:
    """The institution (or institutions, by name) the event concerns; empty for site-wide changes."""
    ids = [link.institution_id for link in event.concerns] or [event.institution_id or 0]
    return "; ".join(sorted(names[i] for i in ids if i in names))


# --- CSV -----------------------------------------------------------------------------------------

def safe_cell(value: object) -> str:
    """The cell as one line of text, with a leading apostrophe when a spreadsheet would run it as a formula."""
    return neutralise(" ".join(str(value if value is not None else "").split()))


def csv_rows(reader: User, filters: LogFilters, *, batch_size: int = 500) -> Iterator[str]:
    """The filtered events as CSV text, a batch of rows at a time (no emails, no addresses)."""
    institution_names = {i.id: i.name for i in db.session.scalars(select(Institution))}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    yield out.getvalue()
    query = events_query(reader, filters).options(joinedload(ModerationEvent.actor), selectinload(ModerationEvent.concerns))
    last: ModerationEvent | None = None
    while True:
        # Keyset paging, so events recorded during the download neither repeat nor shift rows.
        page = query if last is None else query.where(or_(
            ModerationEvent.created_at < last.created_at,
            and_(ModerationEvent.created_at == last.created_at, ModerationEvent.id < last.id),
        ))
        batch = list(db.session.scalars(page.limit(batch_size)))
        if not batch:
            return
        found = targets(batch, reader)
        out.seek(0)
        out.truncate()
        for event in batch:
            writer.writerow([safe_cell(cell) for cell in (
                event.created_at.strftime("%Y-%m-%d %H:%M:%S"), actor_name(event), action_words(event.action),
                event.target_type, event.target_id, target_label(event, found),
                institution_words(event, institution_names), "; ".join(changes(event)), event.note,
            )])
        yield out.getvalue()
        last = batch[-1]
