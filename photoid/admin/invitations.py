"""Invitation use cases: staff bring in the next archivist or admin by email.

An invitation link carries a random token; only its SHA-256 is stored. The link works once,
until it expires (``INVITATION_DAYS``) or is revoked. Admins invite archivists and admins;
archivists invite archivists for the institutions they moderate. Following the link creates the
account, or, for an address that already has one (signed in as it), gives that account the
role and institutions. Creating, accepting and revoking are each one audited commit.
"""
from __future__ import annotations

import functools
import hashlib
import secrets
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import ParamSpec, TypeVar

from email_validator import EmailNotValidError, validate_email
from flask import current_app, has_request_context, url_for
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from photoid.accounts.models import User
from photoid.accounts.service import (
    AccountError,
    check_password,
    clean_display_name,
    display_name_key,
    hash_password,
    normalise_email,
)
from photoid.admin.models import INVITED_ROLES, Invitation
from photoid.audit import record_event
from photoid.contributions.workflow import InvitationStatus
from photoid.db import unit_of_work, utcnow
from photoid.extensions import db
from photoid.notifications.mail import queue_mail
from photoid.photos.models import Institution

MAX_EMAIL = 254
MAX_LISTED = 500


class InvitationError(ValueError):
    """A refused invitation or acceptance; the message is shown as it is. ``field`` names the
    form field at fault, when there is one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InvitationGone(InvitationError):
    """The link cannot be used: ``reason`` is "unknown", "expired", "revoked" or "accepted"."""

    def __init__(self, reason: str) -> None:
        super().__init__(GONE_MESSAGES[reason])
        self.reason = reason


GONE_MESSAGES = {
    "unknown": "This invitation link is not valid. Please check that you copied the whole address from the email.",
    InvitationStatus.EXPIRED: "This invitation has expired.",
    InvitationStatus.REVOKED: "This invitation was withdrawn by the person who sent it, or by an administrator.",
    InvitationStatus.ACCEPTED: "This invitation has already been used.",
}


P = ParamSpec("P")
R = TypeVar("R")


def _all_or_nothing(function: Callable[P, R]) -> Callable[P, R]:
    """One unit of work (a refused use case leaves nothing behind), whose commit refused by a unique
    constraint (a name or address taken meanwhile) is told as an InvitationError."""
    in_unit = unit_of_work(function)

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return in_unit(*args, **kwargs)
        except IntegrityError as error:
            raise InvitationError("That display name or email address was taken a moment ago. Please try again.",
                                  field="display_name") from error

    return wrapper


# --- reading -------------------------------------------------------------------------------------

def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def status(invitation: Invitation, now: datetime | None = None) -> str:
    """``open``, ``accepted``, ``revoked`` or ``expired``."""
    if invitation.accepted_at is not None:
        return InvitationStatus.ACCEPTED
    if invitation.revoked_at is not None:
        return InvitationStatus.REVOKED
    if invitation.expires_at <= (now or utcnow()):
        return InvitationStatus.EXPIRED
    return InvitationStatus.OPEN


def find(token: str) -> Invitation | None:
    """The invitation of a link's token, whatever its status; None for a token nobody issued."""
    if not token or len(token) > 200:
        return None
    return db.session.scalar(select(Invitation).where(Invitation.token_hash == token_hash(token)))


def institutions_of(invitation: Invitation) -> list[Institution]:
    ids = [i for i in invitation.institution_ids or [] if isinstance(i, int)]
    if not ids:
        return []
    return list(db.session.scalars(select(Institution).where(Institution.id.in_(ids)).order_by(Institution.name)))


def has_account(invitation: Invitation) -> bool:
    """Whether the invited address already has an account (which then accepts by signing in)."""
    return db.session.scalar(select(User.id).where(func.lower(User.email) == invitation.email)) is not None


def may_manage(viewer: User, invitation: Invitation) -> bool:
    """Admins manage every invitation; an archivist those for archivists of institutions they all moderate."""
    if viewer.is_admin:
        return True
    ids = set(invitation.institution_ids or [])
    return viewer.role == "archivist" and invitation.role == "archivist" and bool(ids) \
        and ids <= {i.id for i in viewer.institutions}


def visible_to(viewer: User) -> list[Invitation]:
    """The newest invitations the viewer may see: every one for admins; for an archivist, the
    archivist invitations touching an institution they moderate, and those they sent."""
    query = select(Invitation).order_by(Invitation.created_at.desc(), Invitation.id.desc()).limit(MAX_LISTED)
    found = list(db.session.scalars(query))
    if viewer.is_admin:
        return found
    mine = {i.id for i in viewer.institutions}
    return [invitation for invitation in found if invitation.invited_by_id == viewer.id
            or (invitation.role == "archivist" and mine & set(invitation.institution_ids or []))]


def invitable_institutions(actor: User) -> list[Institution]:
    """The institutions the actor may invite archivists for."""
    if actor.is_admin:
        return list(db.session.scalars(select(Institution).order_by(Institution.name)))
    return list(actor.institutions) if actor.role == "archivist" else []


# --- inviting ------------------------------------------------------------------------------------

def clean_email(value: str | None) -> str:
    email = normalise_email(value or "")
    if not email:
        raise InvitationError("Please enter the email address of the person you are inviting.", field="email")
    if len(email) > MAX_EMAIL:
        raise InvitationError(f"An email address can be at most {MAX_EMAIL} characters.", field="email")
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        raise InvitationError("Please enter a valid email address, for example “name@library.example.org”.",
                              field="email") from error
    return email


def _link(token: str) -> str:
    if has_request_context():
        return url_for("invitations.accept", token=token, _external=True)
    return f"{current_app.config['SITE_URL']}/invitations/{token}"


@_all_or_nothing
def create_invitation(*, email: str, role: str, institution_ids: Iterable[int], actor: User) -> tuple[Invitation, str]:
    """Invite ``email`` to become an archivist of ``institution_ids`` or an admin, and email the link.

    Returns the invitation and its link (an absolute URL; only the hash of its token is stored).
    Records an ``invite`` event, queues the email to leave after the commit, and commits. Raises
    InvitationError, saving nothing, for a bad address or role, an archivist invitation without
    institutions or with unknown ones, an archivist inviting an admin or for an institution they
    do not moderate, or an actor who is not active staff.
    """
    if not actor.is_active or not actor.is_staff:
        raise InvitationError("Only archivists and administrators can invite staff.")
    address = clean_email(email)
    if role not in INVITED_ROLES:
        raise InvitationError("Please choose whether you are inviting an archivist or an administrator.", field="role")
    if role == "admin" and not actor.is_admin:
        raise InvitationError("Only an administrator can invite another administrator.", field="role")
    wanted = sorted(set(institution_ids)) if role == "archivist" else []
    institutions = list(db.session.scalars(select(Institution).where(Institution.id.in_(wanted)))) if wanted else []
    if len(institutions) != len(wanted):
        raise InvitationError("One of the chosen institutions does not exist any more. Please reload the page.",
                              field="institutions")
    if role == "archivist" and not institutions:
        raise InvitationError("Please tick at least one institution the new archivist will moderate.",
                              field="institutions")
    if not actor.is_admin and not all(actor.moderates(i.id) for i in institutions):
        raise InvitationError("You can only invite archivists for the institutions you moderate.", field="institutions")
    token = secrets.token_urlsafe(32)
    now = utcnow()
    invitation = Invitation(
        email=address, role=role, institution_ids=[i.id for i in institutions], token_hash=token_hash(token),
        invited_by_id=actor.id, created_at=now, expires_at=now + timedelta(days=current_app.config["INVITATION_DAYS"]),
    )
    db.session.add(invitation)
    db.session.flush()
    slugs = sorted(i.slug for i in institutions)
    record_event(actor=actor, action="invite", target=invitation, before=None,
                 after={"role": role, "institutions": slugs, "expires_at": invitation.expires_at.isoformat()},
                 institution_id=institutions[0].id if len(institutions) == 1 else None)
    link = _link(token)
    queue_mail(address, *_message(invitation, institutions, actor, link))
    return invitation, link


def _message(invitation: Invitation, institutions: list[Institution], actor: User, link: str) -> tuple[str, str]:
    site = current_app.config["SITE_NAME"]
    what = ("an administrator of " + site) if invitation.role == "admin" else \
        ("an archivist for " + ", ".join(i.name for i in institutions) + " on " + site)
    days = current_app.config["INVITATION_DAYS"]
    subject = f"You are invited to join {site} as {'an administrator' if invitation.role == 'admin' else 'an archivist'}"
    body = (
        f"Hello,\n\n{actor.display_name} invites you to become {what}.\n\n"
        f"To accept, open this link within {days} day{'' if days == 1 else 's'} and choose your display name "
        f"and password (or sign in, if you already have an account with this address):\n\n{link}\n\n"
        "The link works once. If you did not expect this email, you can ignore it; nothing happens "
        "unless the link is opened.\n"
    )
    return subject, body


@_all_or_nothing
def revoke_invitation(invitation: Invitation, *, actor: User) -> None:
    """Withdraw an open invitation: its link stops working at once.

    Records a ``revoke_invitation`` event and commits. Raises InvitationError when the actor may
    not manage it, or it is no longer open (accepted, revoked or expired).
    """
    if not actor.is_active or not may_manage(actor, invitation):
        raise InvitationError("You can only withdraw invitations for the institutions you moderate.")
    current = status(invitation)
    if current != InvitationStatus.OPEN:
        raise InvitationError(f"This invitation is {current} already, so there is nothing to withdraw.")
    invitation.revoked_at = utcnow()
    invitation.revoked_by_id = actor.id
    record_event(actor=actor, action="revoke_invitation", target=invitation, before={"status": InvitationStatus.OPEN},
                 after={"status": InvitationStatus.REVOKED}, institution_id=_one_institution(invitation))


# --- accepting -----------------------------------------------------------------------------------

def _open_invitation(token: str) -> Invitation:
    """The invitation of ``token``, locked until the commit, if it can still be used; else InvitationGone."""
    if not token or len(token) > 200:
        raise InvitationGone("unknown")
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == token_hash(token)).with_for_update()
    )
    if invitation is None:
        raise InvitationGone("unknown")
    current = status(invitation)
    if current != InvitationStatus.OPEN:
        raise InvitationGone(current)
    return invitation


@_all_or_nothing
def accept_as_new_account(token: str, *, display_name: str, password: str) -> User:
    """Create the invited account with the chosen display name and password, with the invitation's
    role and institutions, and use up the invitation.

    The password is hashed before any query, so no write lock is held meanwhile. Records
    ``accept_invitation`` (on the invitation) and ``role_change`` (on the new account) and
    commits. Raises InvitationGone for a link that cannot be used, and InvitationError (field
    ``display_name`` or ``password``) for a bad or taken display name or a weak password, or when
    the address already has an account (then sign in and accept with :func:`accept_as_account`).
    """
    try:
        name = clean_display_name(display_name or "")
    except AccountError as error:
        raise InvitationError(str(error), field="display_name") from error
    try:
        check_password(password or "")
    except AccountError as error:
        raise InvitationError(str(error), field="password") from error
    password_hash = hash_password(password)  # slow on purpose: before any query takes a lock
    invitation = _open_invitation(token)
    key = display_name_key(name)
    if has_account(invitation):
        raise InvitationError("An account with this email address already exists. Please sign in with it, "
                              "then open the invitation link again to accept.")
    if db.session.scalar(select(User.id).where(User.display_name_key == key)) is not None:
        raise InvitationError("That display name is taken. Please choose another.", field="display_name")
    user = User(email=invitation.email, display_name=name, display_name_key=key, password_hash=password_hash,
                role=invitation.role, email_verified_at=utcnow())  # the emailed link proved the address
    db.session.add(user)
    user.institutions.extend(institutions_of(invitation) if invitation.role == "archivist" else [])
    db.session.flush()
    _use(invitation, user, before=None)
    return user


@_all_or_nothing
def accept_as_account(token: str, *, account: User) -> User:
    """Give the signed-in ``account`` the invitation's role and institutions, and use up the invitation.

    An archivist invitation adds its institutions to an archivist's and makes a patron an
    archivist; an administrator stays one. Records ``accept_invitation`` and ``role_change`` and
    commits. Raises InvitationGone for a link that cannot be used, and InvitationError when the
    account's email is not the invited one or the account cannot sign in.
    """
    invitation = _open_invitation(token)
    if normalise_email(account.email) != invitation.email:
        raise InvitationError("This invitation was sent to another email address. Please sign out, then open "
                              "the link again and sign in with the invited address.")
    if not account.is_active:
        raise InvitationError("This account cannot sign in, so it cannot accept the invitation.")
    before = _role_snapshot(account)
    if invitation.role == "admin" or account.is_admin:
        account.role = "admin"
        account.institutions = []
    else:
        account.role = "archivist"
        kept = {i.id: i for i in account.institutions}
        kept.update({i.id: i for i in institutions_of(invitation)})
        account.institutions = sorted(kept.values(), key=lambda i: i.name)
    db.session.flush()
    _use(invitation, account, before=before)
    return account


def _use(invitation: Invitation, account: User, *, before: dict[str, object] | None) -> None:
    invitation.accepted_at = utcnow()
    invitation.accepted_by_id = account.id
    after = _role_snapshot(account)
    where = _one_institution(invitation)
    record_event(actor=account, action="accept_invitation", target=invitation, before={"status": InvitationStatus.OPEN},
                 after={"status": InvitationStatus.ACCEPTED}, institution_id=where)
    inviter = invitation.invited_by.display_name if invitation.invited_by else "a former staff member"
    record_event(actor=account, action="role_change", target=account, before=before, after=after,
                 institution_id=where, note=f"Accepted invitation {invitation.id} from {inviter}")


def _role_snapshot(account: User) -> dict[str, object]:
    return {"role": account.role, "institutions": sorted(i.slug for i in account.institutions)}


def _one_institution(invitation: Invitation) -> int | None:
    ids = invitation.institution_ids or []
    return ids[0] if len(ids) == 1 else None
