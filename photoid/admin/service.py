"""Admin use cases: roles, trust, suspension and institution settings. Each commits once and is audited.

Every public function takes the acting admin, checks the rules, records one ModerationEvent with
the before and after, and commits. A refused change raises :class:`AdminError` and saves nothing.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, func, or_, select

from photoid.accounts.models import ROLES, User, new_login_id
from photoid.accounts.service import display_name_key
from photoid.audit import record_event
from photoid.contributions.models import Comment, Identification
from photoid.contributions.workflow import PENDING_STATE
from photoid.db import unit_of_work, utcnow
from photoid.extensions import db
from photoid.pagination import Page, paginate
from photoid.photos.models import COMMENT_POLICIES, Institution

MAX_NOTE = 1000
MAX_REJECT_REASONS = 20
MAX_REJECT_REASON_LENGTH = 200
MAX_VERIFIED_BY = 200
MAX_SEARCH = 100


class AdminError(ValueError):
    """A change the rules refuse; the message is shown to the admin as it is."""


# --- reading -------------------------------------------------------------------------------------

def find_users(*, text: str = "", role: str | None = None, page: int = 1, per_page: int = 50) -> Page[User]:
    """Accounts whose display name or email holds ``text`` (case ignored), of ``role`` when given."""
    query: Select = select(User).where(User.deleted_at.is_(None))  # type: ignore[type-arg]
    text = text.strip()[:MAX_SEARCH]
    if text:
        name = display_name_key(text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        email = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(or_(
            User.display_name_key.like(f"%{name}%", escape="\\"), User.email.like(f"%{email}%", escape="\\"),
        ))
    if role in ROLES:
        query = query.where(User.role == role)
    return paginate(query.order_by(User.display_name_key, User.id), page=page, per_page=per_page)


def all_institutions() -> list[Institution]:
    return list(db.session.scalars(select(Institution).order_by(Institution.name)))


def institution_by_slug(slug: str) -> Institution | None:
    return db.session.scalar(select(Institution).where(Institution.slug == slug))


def _active_admin_count(*, lock: bool) -> int:
    """Counted row by row so PostgreSQL can lock them: two admins demoting each other at once
    then wait for one another instead of both succeeding and leaving the site without an admin."""
    query = select(User.id).where(User.role == "admin", User.suspended_at.is_(None), User.deleted_at.is_(None))
    if lock:
        query = query.with_for_update()
    return len(db.session.scalars(query).all())


# --- checks --------------------------------------------------------------------------------------

def _require_admin(actor: User) -> None:
    if not actor.is_admin or not actor.is_active:
        raise AdminError("Only an administrator can do that.")


def _clean_note(note: str | None, *, required: bool) -> str:
    text = " ".join((note or "").split())
    if required and not text:
        raise AdminError("Please write a short note saying why; it is kept in the audit log.")
    if len(text) > MAX_NOTE:
        raise AdminError(f"The note can be at most {MAX_NOTE} characters.")
    return text


def _keeps_an_admin(account: User, *, what: str) -> None:
    """Refuse when ``account`` is the last admin who can still sign in."""
    if account.is_admin and account.is_active and _active_admin_count(lock=True) <= 1:
        raise AdminError(
            f"{account.display_name} is the only active administrator, so you cannot {what}. "
            "Please make another account an administrator first."
        )


# --- accounts ------------------------------------------------------------------------------------

@unit_of_work
def change_role(
    account: User, *, role: str, institution_ids: Iterable[int], actor: User, note: str | None = None,
) -> bool:
    """Set the account's role and the institutions it moderates (kept only for archivists).

    Records a ``role_change`` event with the role and institution slugs before and after, and
    commits; returns False (and saves nothing) when nothing changed. Raises AdminError when the
    actor is not an admin, for an unknown role or institution, an archivist without an
    institution, an admin removing their own admin role, or demoting the last active admin.
    """
    _require_admin(actor)
    if role not in ROLES:
        raise AdminError("Please choose patron, archivist or admin.")
    wanted = sorted(set(institution_ids))
    institutions = list(db.session.scalars(select(Institution).where(Institution.id.in_(wanted)))) if wanted else []
    if len(institutions) != len(wanted):
        raise AdminError("One of the chosen institutions does not exist any more. Please reload the page and try again.")
    if role == "archivist" and not institutions:
        raise AdminError("An archivist needs at least one institution to moderate. Please tick one or more.")
    if role != "archivist":
        institutions = []
    text = _clean_note(note, required=False)
    before = _role_snapshot(account)
    if account.is_admin and role != "admin":
        if account.id == actor.id:
            raise AdminError(
                "You cannot remove your own administrator role. Another administrator can do it for you, "
                "once you have made your successor an administrator."
            )
        _keeps_an_admin(account, what="remove their administrator role")
    account.role = role
    account.institutions = sorted(institutions, key=lambda i: i.name)
    after = _role_snapshot(account)
    if after == before:  # nothing to save (the unit of work commits no change)
        return False
    db.session.flush()
    record_event(actor=actor, action="role_change", target=account, before=before, after=after, note=text)
    return True


def _role_snapshot(account: User) -> dict[str, Any]:
    return {"role": account.role, "institutions": sorted(i.slug for i in account.institutions)}


@unit_of_work
def set_trusted(account: User, *, is_trusted: bool, actor: User) -> bool:
    """Mark the account as trusted (its comments skip the review) or not.

    Records a ``trust_change`` event and commits; returns False when it already was. Raises
    AdminError when the actor is not an admin.
    """
    _require_admin(actor)
    if account.is_trusted == is_trusted:
        return False
    record_event(actor=actor, action="trust_change", target=account,
                 before={"trusted": account.is_trusted}, after={"trusted": is_trusted})
    account.is_trusted = is_trusted
    return True


@unit_of_work
def suspend(account: User, *, note: str | None, actor: User) -> None:
    """Suspend the account: it cannot sign in, every session ends at once (new ``login_id``), and
    its pending identifications and comments leave the moderation queue (nothing is deleted).

    Records a ``suspend`` event with the note and commits. Raises AdminError when the actor is not
    an admin, without a note, for one's own account, an account already suspended or deleted, or
    the last active admin.
    """
    _require_admin(actor)
    text = _clean_note(note, required=True)
    if account.id == actor.id:
        raise AdminError("You cannot suspend your own account.")
    if account.deleted_at is not None:
        raise AdminError("This account was deleted by its owner, so there is nothing to suspend.")
    if account.suspended_at is not None:
        raise AdminError(f"{account.display_name} is already suspended.")
    _keeps_an_admin(account, what="suspend them")
    account.suspended_at = utcnow()
    account.login_id = new_login_id()
    record_event(actor=actor, action="suspend", target=account, before={"suspended": False},
                 after={"suspended": True}, note=text)


@unit_of_work
def unsuspend(account: User, *, note: str | None, actor: User) -> None:
    """Let a suspended account sign in again; its pending items come back to the moderation queue.

    Records an ``unsuspend`` event with the note and commits. Raises AdminError when the actor is
    not an admin, without a note, or for an account that is not suspended.
    """
    _require_admin(actor)
    text = _clean_note(note, required=True)
    if account.suspended_at is None:
        raise AdminError(f"{account.display_name} is not suspended.")
    account.suspended_at = None
    record_event(actor=actor, action="unsuspend", target=account, before={"suspended": True},
                 after={"suspended": False}, note=text)


# --- institutions --------------------------------------------------------------------------------

def parse_reject_reasons(text: str) -> list[str]:
    """One reason a line, blank lines and repeats dropped. Raises AdminError for too many or too long."""
    reasons: list[str] = []
    for line in (text or "").splitlines():
        reason = " ".join(line.split())
        if reason and reason not in reasons:
            reasons.append(reason)
    if len(reasons) > MAX_REJECT_REASONS:
        raise AdminError(f"Please keep to at most {MAX_REJECT_REASONS} reject reasons (you have {len(reasons)}).")
    for number, reason in enumerate(reasons, start=1):
        if len(reason) > MAX_REJECT_REASON_LENGTH:
            raise AdminError(f"Reject reason {number} is too long: at most {MAX_REJECT_REASON_LENGTH} characters, please.")
    return reasons


@unit_of_work
def update_institution(
    institution: Institution, *, comment_policy: str, show_pending_publicly: bool, reject_reasons: str,
    verified_by_name: str | None, actor: User,
) -> bool:
    """Change the institution's comment policy, public pending, reject reasons and "verified by" name.

    Records an ``institution_settings`` event with only the changed settings before and after, and
    commits; returns False when nothing changed. Raises AdminError when the actor is not an admin
    or a value is not allowed (unknown policy, more than 20 reasons, a reason or name too long).
    """
    _require_admin(actor)
    if comment_policy not in COMMENT_POLICIES:
        raise AdminError("Please choose whether comments are reviewed before or after they appear.")
    reasons = parse_reject_reasons(reject_reasons)
    verifier = " ".join((verified_by_name or "").split()) or None
    if verifier and len(verifier) > MAX_VERIFIED_BY:
        raise AdminError(f"The “verified by” name can be at most {MAX_VERIFIED_BY} characters.")
    wanted = {
        "comment_policy": comment_policy, "show_pending_publicly": bool(show_pending_publicly),
        "reject_reasons": reasons, "verified_by_name": verifier,
    }
    before = {key: getattr(institution, key) for key in wanted}
    changed = [key for key, value in wanted.items() if before[key] != value]
    if not changed:
        return False
    for key in changed:
        setattr(institution, key, wanted[key])
    record_event(
        actor=actor, action="institution_settings", target=institution, institution_id=institution.id,
        before={key: before[key] for key in changed}, after={key: wanted[key] for key in changed},
    )
    return True


def pending_counts(account: User) -> tuple[int, int]:
    """How many identifications and comments of the account wait for review (shown before suspending)."""
    identifications = db.session.scalar(select(func.count(Identification.id)).where(
        Identification.contributor_id == account.id, Identification.state == PENDING_STATE)) or 0
    comments = db.session.scalar(select(func.count(Comment.id)).where(
        Comment.author_id == account.id, Comment.state == PENDING_STATE)) or 0
    return identifications, comments
