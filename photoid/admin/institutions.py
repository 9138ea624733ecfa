"""Institution use cases: create one (a library, a consortium, or a member of one) and edit who it
is on its public page: name, short name, description, website, contact address and logo.

Each public function checks every field, records one audit event with the before and after and
commits once. Bad values raise :class:`InstitutionError` with a message per field and save nothing.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from photoid.accounts.models import User
from photoid.admin.logo import LogoRejected, logo_key, make_logo
from photoid.audit import record_event
from photoid.db import unit_of_work
from photoid.extensions import db
from photoid.photos.models import Institution, Photo
from photoid.photos.service import storage

SLUG_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,62}[a-z0-9]")
#: Words the site's own addresses use after /institutions/ and /admin/institutions/.
RESERVED_SLUGS = frozenset({"new", "edit", "admin", "logo", "invitations", "institutions", "consortia"})
MAX_NAME = 200
MAX_DESCRIPTION = 5000
MAX_WEBSITE = 300
MAX_EMAIL = 254
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: The fields of the public page, in the order the audit log shows them.
PROFILE_FIELDS = ("slug", "name", "description", "website", "contact_email")


class InstitutionError(ValueError):
    """Values the rules refuse: ``errors`` maps each bad field to a message for the admin."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = errors


# --- checking each field -------------------------------------------------------------------------

def clean_slug(value: str | None) -> str:
    """The short name used in addresses. Raises ValueError with the reason."""
    slug = (value or "").strip()
    if not slug:
        raise ValueError("Please choose a short name for addresses, for example “millbrook”.")
    if not SLUG_PATTERN.fullmatch(slug):
        raise ValueError("The short name can use lowercase letters, digits and hyphens, 2 to 64 characters, "
                         "starting and ending with a letter or digit.")
    if slug in RESERVED_SLUGS:
        raise ValueError(f"“{slug}” is a word the site uses in its own addresses; please choose another short name.")
    return slug


def clean_name(value: str | None) -> str:
    name = " ".join((value or "").split())
    if not name:
        raise ValueError("Please give the institution's name.")
    if len(name) > MAX_NAME:
        raise ValueError(f"The name can be at most {MAX_NAME} characters (it has {len(name)}).")
    if _CONTROL.search(name):
        raise ValueError("The name cannot contain control characters.")
    return name


def clean_description(value: str | None) -> str:
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(text) > MAX_DESCRIPTION:
        raise ValueError(f"The description can be at most {MAX_DESCRIPTION:,} characters (it has {len(text):,}).")
    if _CONTROL.search(text):
        raise ValueError("The description cannot contain control characters.")
    return text


def clean_website(value: str | None) -> str:
    url = (value or "").strip()
    if not url:
        return ""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    if parts is None or parts.scheme not in ("http", "https") or not host or any(ch.isspace() for ch in url) \
            or _CONTROL.search(url):
        raise ValueError("The website must be a full address starting with https:// or http://, "
                         "for example https://library.example.org/.")
    if len(url) > MAX_WEBSITE:
        raise ValueError(f"The website address can be at most {MAX_WEBSITE} characters.")
    return url


def clean_contact_email(value: str | None) -> str:
    email = (value or "").strip()
    if not email:
        return ""
    if len(email) > MAX_EMAIL:
        raise ValueError(f"The contact address can be at most {MAX_EMAIL} characters.")
    try:
        checked = validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        raise ValueError("The contact address is not a valid email address, for example "
                         "“history@library.example.org”.") from error
    return checked.normalized


def _check(errors: dict[str, str], field: str, cleaner: Any, value: Any) -> Any:
    try:
        return cleaner(value)
    except ValueError as error:
        errors[field] = str(error)
        return None


def _slug_taken(slug: str, *, other_than: int | None = None) -> bool:
    query = select(Institution.id).where(Institution.slug == slug)
    if other_than is not None:
        query = query.where(Institution.id != other_than)
    return db.session.scalar(query) is not None


def _require_admin(actor: User | None) -> None:
    """``None`` is the command line, run by whoever runs the site."""
    if actor is not None and not (actor.is_admin and actor.is_active):
        raise InstitutionError({"form": "Only an administrator can do that."})


def has_photos(institution: Institution) -> bool:
    return bool(db.session.scalar(select(func.count(Photo.id)).where(Photo.institution_id == institution.id)))


def _snapshot(institution: Institution) -> dict[str, Any]:
    return {key: getattr(institution, key) for key in PROFILE_FIELDS} | {"logo": institution.logo_key}


@contextmanager
def _saving() -> Iterator[None]:
    """One unit of work, whose commit refused by the unique short name (taken a moment ago) is told
    as an InstitutionError."""
    try:
        with unit_of_work():
            yield
    except IntegrityError as error:
        raise InstitutionError({"slug": "That short name was taken a moment ago; please choose another."}) from error


# --- use cases -----------------------------------------------------------------------------------

def create_institution(
    *, slug: str, name: str, is_consortium: bool = False, member_of: str | None = None, description: str = "",
    website: str = "", contact_email: str = "", actor: User | None = None,
) -> Institution:
    """Add an institution: a library on its own, a consortium, or a member of the consortium
    whose slug is ``member_of``.

    Records a ``create_institution`` event (``actor`` None for the command line) and commits.
    Raises InstitutionError, saving nothing, when the actor is not an admin, a field is not
    allowed, the slug is taken or reserved, ``member_of`` is not a consortium, or a consortium
    is asked to be a member of another.
    """
    _require_admin(actor)
    errors: dict[str, str] = {}
    slug = _check(errors, "slug", clean_slug, slug)
    name = _check(errors, "name", clean_name, name)
    description = _check(errors, "description", clean_description, description)
    website = _check(errors, "website", clean_website, website)
    contact_email = _check(errors, "contact_email", clean_contact_email, contact_email)
    if slug and _slug_taken(slug):
        errors["slug"] = f"The short name “{slug}” is already used by another institution."
    parent = None
    if member_of:
        parent = db.session.scalar(select(Institution).where(Institution.slug == member_of.strip()))
        if parent is None or not parent.is_consortium:
            errors["member_of"] = f"There is no consortium with the short name “{member_of.strip()}”."
        elif is_consortium:
            errors["member_of"] = "A consortium cannot itself be a member of another consortium."
    if errors:
        raise InstitutionError(errors)
    with _saving():
        institution = Institution(slug=slug, name=name, is_consortium=bool(is_consortium), parent=parent,
                                  description=description, website=website, contact_email=contact_email)
        db.session.add(institution)
        db.session.flush()
        record_event(actor=actor, action="create_institution", target=institution, institution_id=institution.id,
                     before=None, after=_snapshot(institution) | {"is_consortium": institution.is_consortium,
                                                                  "member_of": parent.slug if parent else None})
    return institution


def update_profile(
    institution: Institution, *, name: str, description: str, website: str, contact_email: str,
    slug: str | None = None, logo: bytes | None = None, remove_logo: bool = False, actor: User,
) -> bool:
    """Change what the institution's public page says, and its logo (``logo``: the uploaded file's
    bytes; ``remove_logo`` drops the current one). ``slug`` None keeps the short name; it can change
    only while the institution has no photos.

    Records an ``edit_institution`` event with only the changed fields before and after and
    commits; returns False (saving nothing) when nothing changed. The new logo is written before
    the commit and the old file removed after it. Raises InstitutionError, saving nothing, when
    the actor is not an admin or a field is not allowed.
    """
    _require_admin(actor)
    errors: dict[str, str] = {}
    wanted: dict[str, Any] = {
        "name": _check(errors, "name", clean_name, name),
        "description": _check(errors, "description", clean_description, description),
        "website": _check(errors, "website", clean_website, website),
        "contact_email": _check(errors, "contact_email", clean_contact_email, contact_email),
    }
    if slug is not None and slug.strip() != institution.slug:
        wanted["slug"] = _check(errors, "slug", clean_slug, slug)
        if "slug" not in errors:
            if has_photos(institution):
                errors["slug"] = ("The short name cannot change once the institution has photos: "
                                  "links to them and to their records would break.")
            elif _slug_taken(wanted["slug"], other_than=institution.id):
                errors["slug"] = f"The short name “{wanted['slug']}” is already used by another institution."
    png = None
    if logo is not None and not remove_logo:
        try:
            png = make_logo(logo)
        except LogoRejected as error:
            errors["logo"] = str(error)
    if errors:
        raise InstitutionError(errors)
    if png is not None:
        wanted["logo_key"] = logo_key(institution.id, png)
    elif remove_logo:
        wanted["logo_key"] = None
    before = _snapshot(institution)
    old_logo = institution.logo_key
    changed = [key for key, value in wanted.items() if getattr(institution, key) != value]
    if not changed:
        return False
    written = _write_logo(wanted["logo_key"], png) if png is not None and "logo_key" in changed else None
    try:
        with _saving():
            for key in changed:
                setattr(institution, key, wanted[key])
            after = _snapshot(institution)
            record_event(actor=actor, action="edit_institution", target=institution, institution_id=institution.id,
                         before={k: v for k, v in before.items() if after[k] != v},
                         after={k: v for k, v in after.items() if before[k] != v})
    except BaseException:
        if written is not None:
            _remove_file(written)
        raise
    if "logo_key" in changed and old_logo:
        _remove_file(old_logo)
    return True


# --- logo files ----------------------------------------------------------------------------------

def stored_logo(institution: Institution) -> str | None:
    """The stored logo's key, or None when there is none (or its file went missing)."""
    key = institution.logo_key
    return key if key and storage().exists(key) else None


def _write_logo(key: str, png: bytes) -> str:
    """Store the file under its key in one step (a reader never sees half a logo); returns the key."""
    storage().put(key, png)
    return key


def _remove_file(key: str) -> None:
    try:
        storage().delete_prefix(key)
    except OSError:  # pragma: no cover - a file we cannot remove is only wasted space
        pass
