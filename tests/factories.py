"""Keyword-only builders that create whatever parents they need. They flush, never commit."""
from __future__ import annotations

import hashlib
import itertools
from typing import Any

from photoid.accounts import service
from photoid.accounts.models import User
from photoid.accounts.service import display_name_key, hash_password
from photoid.authorities.models import AUTHORITY_CLASSES, AuthorityRecord
from photoid.contributions.models import Identification
from photoid.contributions.workflow import REVIEWED_STATES
from photoid.db import utcnow
from photoid.extensions import db
from photoid.photos.models import Collection, Institution, Photo

_seq = itertools.count(1)
DEFAULT_PASSWORD = "correct horse battery staple"
_password_hash_cache: dict[tuple[str, str], str] = {}


def _hash(password: str) -> str:
    # scrypt is deliberately slow; tests reuse one hash per password and method (tests/conftest.py
    # sets a quicker one, so a user made for a test checks the password at the cost the test signs in with).
    key = (service.PASSWORD_METHOD, password)
    if key not in _password_hash_cache:
        _password_hash_cache[key] = hash_password(password)
    return _password_hash_cache[key]


def make_institution(*, slug: str | None = None, name: str | None = None, parent: Institution | None = None, **kw: Any) -> Institution:
    n = next(_seq)
    institution = Institution(slug=slug or f"library-{n}", name=name or f"Library {n}", parent=parent, **kw)
    db.session.add(institution)
    db.session.flush()
    return institution


def make_collection(*, institution: Institution | None = None, slug: str | None = None, title: str | None = None, **kw: Any) -> Collection:
    n = next(_seq)
    collection = Collection(
        institution=institution or make_institution(), slug=slug or f"collection-{n}", title=title or f"Collection {n}", **kw
    )
    db.session.add(collection)
    db.session.flush()
    return collection


def make_photo(*, collection: Collection | None = None, identifier: str | None = None, title: str | None = None, **kw: Any) -> Photo:
    """A catalogued photo row (no files; use photos.service.add_photo for a real image)."""
    n = next(_seq)
    collection = collection or make_collection()
    values: dict[str, Any] = {
        "width": 1600, "height": 1200, "source_format": "JPEG", "source_size": 1000,
        "source_checksum": hashlib.sha256(f"photo-{n}".encode()).hexdigest(),
    }
    values.update(kw)
    photo = Photo(
        collection_id=collection.id,
        institution_id=collection.institution_id,
        identifier=identifier or f"ID-{n:05d}",
        title=title or f"Photo {n}",
        **values,
    )
    db.session.add(photo)
    db.session.flush()
    return photo


def make_user(
    *, role: str = "patron", email: str | None = None, display_name: str | None = None,
    password: str = DEFAULT_PASSWORD, institutions: tuple[Institution, ...] | list[Institution] = (), **kw: Any,
) -> User:
    n = next(_seq)
    name = display_name or f"{role.title()} {n}"
    kw.setdefault("email_verified_at", utcnow())  # a proven email, unless a test asks for email_verified_at=None
    user = User(
        email=email or f"{role}{n}@example.org", display_name=name, display_name_key=display_name_key(name),
        password_hash=_hash(password), role=role, **kw,
    )
    user.institutions.extend(institutions)
    db.session.add(user)
    db.session.flush()
    return user


def make_authority(*, kind: str = "person", heading: str | None = None, variants: tuple[str, ...] = (), **kw: Any) -> AuthorityRecord:
    n = next(_seq)
    record = AUTHORITY_CLASSES[kind](**kw)
    record.set_heading(heading or f"Heading {n}")
    for variant in variants:
        record.add_variant(variant)
    db.session.add(record)
    db.session.flush()
    return record


def make_identification(
    *, photo: Photo | None = None, kind: str = "person", contributor: User | None = None, state: str = "pending",
    reviewer: User | None = None, **kw: Any,
) -> Identification:
    """An identification in any state; reviewed states get a reviewer (an archivist) and a time."""
    photo = photo or make_photo()
    values: dict[str, Any] = dict(kw)
    if kind == "date":
        values.setdefault("date_edtf", "1945~")
    elif "authority" not in values and "authority_id" not in values:
        values.setdefault("text_value", f"Name {next(_seq)}")
    if state in REVIEWED_STATES:
        reviewer = reviewer or make_user(role="archivist", institutions=[photo.institution])
        values.setdefault("reviewed_at", utcnow())
    identification = Identification(
        photo=photo, kind=kind, contributor=contributor or make_user(), state=state, reviewer=reviewer, **values
    )
    db.session.add(identification)
    db.session.flush()
    return identification


__all__ = ["DEFAULT_PASSWORD", "make_authority", "make_collection", "make_identification", "make_institution", "make_photo", "make_user"]


def make_comment(
    *, photo: Photo | None = None, author: User | None = None, body: str | None = None, state: str = "published",
    parent: Any = None, reviewer: User | None = None, **kw: Any,
) -> Any:
    """A comment stored as is (no text checks, so tests can store what older data might hold); reviewed states get a reviewer."""
    from photoid.contributions.models import Comment
    from photoid.contributions.workflow import COMMENT_REVIEWED_STATES

    photo = photo or (parent.photo if parent is not None else make_photo())
    if state in COMMENT_REVIEWED_STATES:
        reviewer = reviewer or make_user(role="archivist", institutions=[photo.institution])
        kw.setdefault("reviewed_at", utcnow())
    comment = Comment(
        photo=photo, author=author or make_user(), body=body or f"Comment {next(_seq)}", state=state,
        parent=parent, reviewer_id=reviewer.id if reviewer is not None else None, **kw,
    )
    db.session.add(comment)
    db.session.flush()
    return comment


def make_vote(
    *, identification: Identification | None = None, voter: User | None = None, stance: str = "agree", note: str = "", **kw: Any,
) -> Any:
    """An active agree or disagree vote by another patron on an identification."""
    from photoid.contributions.models import Confirmation

    vote = Confirmation(
        identification=identification or make_identification(), voter=voter or make_user(), stance=stance, note=note,
        state="active", **kw,
    )
    db.session.add(vote)
    db.session.flush()
    return vote


def make_event(
    *, actor: User | None = None, action: str = "approve", target: Any = None, institution: Institution | None = None,
    before: dict[str, Any] | None = None, after: dict[str, Any] | None = None, note: str = "", **kw: Any,
) -> Any:
    """An audit-log row; by default an approval of a new identification in its photo's institution."""
    from photoid.moderation.models import ModerationEvent

    if target is None:
        target = make_identification()
        institution = institution or target.photo.institution
    event = ModerationEvent(
        actor_id=actor.id if actor is not None else None, institution_id=institution.id if institution else None,
        action=action, target_type=target.__tablename__, target_id=target.id, before=before, after=after, note=note, **kw,
    )
    db.session.add(event)
    db.session.flush()
    return event


def make_campaign(
    *, photos: list[Photo] | None = None, institution: Institution | None = None, created_by: User | None = None,
    title: str | None = None, starts_on: Any = None, ends_on: Any = None, is_published: bool = True, **kw: Any,
) -> Any:
    """A campaign over ``photos`` (one new photo by default), published and running from yesterday for 30 days."""
    from datetime import timedelta

    from photoid.campaigns.models import Campaign, CampaignPhoto

    photos = photos if photos is not None else [make_photo(collection=make_collection(institution=institution))]
    institution = institution or (photos[0].institution if photos else make_institution())
    today = utcnow().date()
    campaign = Campaign(
        institution_id=institution.id, title=title or f"Campaign {next(_seq)}", summary=kw.pop("summary", ""),
        source=kw.pop("source", "photos"), starts_on=starts_on or today - timedelta(days=1),
        ends_on=ends_on or today + timedelta(days=30), is_published=is_published,
        cover_photo_id=photos[0].id if photos else None,
        created_by_id=(created_by or make_user(role="archivist", institutions=[institution])).id, **kw,
    )
    db.session.add(campaign)
    db.session.flush()
    db.session.add_all(CampaignPhoto(campaign_id=campaign.id, photo_id=p.id, position=n) for n, p in enumerate(photos))
    db.session.flush()
    return campaign


def jpeg_bytes(width: int = 800, height: int = 600, *, shade: int = 0) -> bytes:
    """A real JPEG image (a gradient; ``shade`` makes a different image of the same size)."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    image = Image.linear_gradient("L").resize((width, height)).point(lambda v: (v + shade) % 256)
    image.convert("RGB").save(buffer, "JPEG", quality=80)
    return buffer.getvalue()
