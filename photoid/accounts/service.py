"""Account use cases: register, authenticate, change password, create staff. Each commits once."""
from __future__ import annotations

import unicodedata

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from photoid.accounts.models import ROLES, User, new_login_id
from photoid.audit import record_event
from photoid.db import end_read_transaction, unit_of_work, utcnow
from photoid.extensions import db
from photoid.photos.models import Institution

#: Pinned explicitly so a library upgrade never silently changes how passwords are stored.
PASSWORD_METHOD = "scrypt:32768:8:1"
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
# Checked against the hash even for unknown emails, so response time does not reveal accounts.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method=PASSWORD_METHOD)


class AccountError(ValueError):
    """Bad account input; the message is shown next to the form."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def display_name_key(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


#: Names the site shows for itself or for deleted accounts; nobody may take them.
RESERVED_NAMES = ("a former contributor", "former contributor", "admin", "administrator", "archivist", "photoid")
RESERVED_NAME_KEYS = frozenset(display_name_key(name) for name in RESERVED_NAMES)


def clean_display_name(name: str) -> str:
    name = " ".join(unicodedata.normalize("NFKC", name).split())
    if not name:
        raise AccountError("Please choose a display name.")
    if len(name) > 60:
        raise AccountError("A display name can be at most 60 characters.")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") for ch in name):
        raise AccountError("A display name cannot contain control or invisible characters.")
    if "@" in name:
        raise AccountError("Please do not use an email address as your display name; it is shown publicly.")
    if display_name_key(name) in RESERVED_NAME_KEYS:
        raise AccountError("That name is used by the site itself; please choose another.")
    return name


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"A password can be at most {MAX_PASSWORD_LENGTH} characters.")


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=PASSWORD_METHOD)


def _check_unique(email: str, name_key: str) -> None:
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError("An account with this email already exists. Try signing in instead.")
    if db.session.scalar(select(User.id).where(User.display_name_key == name_key)) is not None:
        raise AccountError("That display name is taken. Please choose another.")


def _new_user(*, email: str, display_name: str, password: str, role: str = "patron") -> User:
    email = normalise_email(email)
    display_name = clean_display_name(display_name)
    check_password(password)
    if role not in ROLES:
        raise AccountError(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.")
    key = display_name_key(display_name)
    password_hash = hash_password(password)  # slow on purpose: before any query holds a lock (see authenticate)
    _check_unique(email, key)
    user = User(
        email=email,
        display_name=display_name,
        display_name_key=key,
        password_hash=password_hash,
        role=role,
    )
    db.session.add(user)
    return user


@unit_of_work
def register(*, email: str, display_name: str, password: str) -> User | None:
    """Create a patron account whose email is not yet proven, and email it a link to prove it.

    When the email already has an account, nothing is created: that address is sent a note with a
    sign-in and a reset link instead, and None is returned; the page shown must be the same, so that
    no page tells whether an address has an account. Both paths hash the password once and send
    one email (after the commit), so they take the same time. Commits once. Raises AccountError for
    a bad or taken display name or a weak password (checked before the email, whatever the email).
    """
    from photoid.accounts import recovery  # a cycle inside accounts: recovery imports this module

    address = normalise_email(email)
    display_name = clean_display_name(display_name)
    check_password(password)
    key = display_name_key(display_name)
    password_hash = hash_password(password)  # slow on purpose, for every address alike
    if db.session.scalar(select(User.id).where(User.display_name_key == key)) is not None:
        raise AccountError("That display name is taken. Please choose another.")
    existing = db.session.scalar(select(User).where(User.email == address))
    if existing is not None:
        recovery.queue_already_registered_note(existing)
        return None
    user = User(email=address, display_name=display_name, display_name_key=key, password_hash=password_hash,
                role="patron")
    db.session.add(user)
    db.session.flush()
    recovery.queue_verification(user)
    return user


@unit_of_work
def authenticate(*, email: str, password: str) -> User | None:
    """The account for these credentials, or None. Records the sign-in time on success."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    stored_hash, deleted = user.password_hash, user.deleted_at is not None
    # scrypt is slow on purpose; end the transaction first, so it holds no lock
    # meanwhile (on SQLite a POST's transaction holds the write lock and other writers would time out).
    end_read_transaction(db.session)
    if not check_password_hash(stored_hash, password) or deleted:
        return None
    user.last_login_at = utcnow()
    return user


@unit_of_work
def change_password(user: User, *, current: str, new: str) -> None:
    """Replace the password and end every other session of the account (new login id).

    Raises AccountError when the current password is wrong or the new one too weak.
    """
    stored_hash = user.password_hash
    end_read_transaction(db.session)  # two slow scrypt runs follow: hold no write lock meanwhile (see authenticate)
    if not check_password_hash(stored_hash, current):
        raise AccountError("Your current password is not correct.")
    check_password(new)
    new_hash = hash_password(new)
    if user.password_hash != stored_hash:  # read again: another device changed it in the meantime
        raise AccountError("Your password was changed on another device meanwhile. Please sign in again.")
    user.password_hash = new_hash
    user.login_id = new_login_id()


@unit_of_work
def end_all_sessions(user: User) -> None:
    """Sign the account out everywhere (used at logout)."""
    user.login_id = new_login_id()


@unit_of_work
def create_user(
    *,
    email: str,
    display_name: str,
    password: str,
    role: str = "patron",
    institution_slugs: tuple[str, ...] = (),
    actor: User | None = None,
) -> User:
    """Create an account with a role from the shell or an admin page; staff get their institutions.

    Raises AccountError for unknown institutions, an archivist without one, or bad fields.
    The role given is recorded in the audit log.
    """
    institutions = []
    for slug in institution_slugs:
        institution = db.session.scalar(select(Institution).where(Institution.slug == slug))
        if institution is None:
            raise AccountError(f"No institution with the slug {slug!r}.")
        institutions.append(institution)
    if role == "archivist" and not institutions:
        raise AccountError("An archivist needs at least one institution (--institution SLUG).")
    user = _new_user(email=email, display_name=display_name, password=password, role=role)
    user.email_verified_at = utcnow()  # made by an administrator, who vouches for the address
    user.institutions.extend(institutions)
    db.session.flush()
    record_event(
        actor=actor,
        action="role_change",
        target=user,
        before=None,
        after={"role": role, "institutions": sorted(i.slug for i in user.institutions)},
    )
    return user


@unit_of_work
def set_profile_visibility(user: User, *, is_public: bool) -> bool:
    """Make the account's contributor page (``/contributors/<id>``) public or private again.

    Sets ``is_profile_public`` and, when it changes, records a ``profile_visibility`` audit event
    by the account itself, with the value before and after. Returns whether anything changed.
    Commits once. Raises AccountError for a suspended or deleted account.
    """
    if user.deleted_at is not None or user.suspended_at is not None:
        raise AccountError("This account cannot show a public page.")
    if user.is_profile_public == is_public:
        return False
    before = {"is_profile_public": user.is_profile_public}
    user.is_profile_public = is_public
    record_event(
        actor=user, action="profile_visibility", target=user, before=before, after={"is_profile_public": is_public}
    )
    return True


@unit_of_work
def change_display_name(user: User, *, display_name: str) -> bool:
    """Give the account a new display name, checked as at registration (look-alikes of another
    account's name, reserved names, invisible characters). Records a ``display_name_change`` audit
    event with the names before and after. Returns whether anything changed. Commits once.

    Raises AccountError for a bad or taken name, or a deleted or suspended account.
    """
    if user.deleted_at is not None or user.suspended_at is not None:
        raise AccountError("This account cannot change its name.")
    name = clean_display_name(display_name)
    key = display_name_key(name)
    if name == user.display_name:
        return False
    taken = db.session.scalar(select(User.id).where(User.display_name_key == key, User.id != user.id))
    if taken is not None:
        raise AccountError("That display name is taken. Please choose another.")
    before = {"display_name": user.display_name}
    user.display_name, user.display_name_key = name, key
    record_event(actor=user, action="display_name_change", target=user, before=before, after={"display_name": name})
    return True


@unit_of_work
def set_email_notifications(user: User, *, wanted: bool) -> bool:
    """Turn emails about decisions on the account's contributions on or off (the site's own
    notifications stay). Returns whether anything changed. Commits once. Raises nothing."""
    if user.wants_email_notifications == wanted:
        return False
    user.wants_email_notifications = wanted
    return True
