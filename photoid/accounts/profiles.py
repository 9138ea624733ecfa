"""Opt-in contributor profiles: a public page for a patron who asks for one, and the list of them.

A profile is private by default (``User.is_profile_public``). A page exists only for an active
account (not suspended, not deleted) that made it public; any other id answers "not found", the
same as an id nobody has. The page shows the display name, the month the account was made, and
counts of what the library approved: never an email, an address or anything still waiting.

Only facts and comments on published photos in published collections count, so a profile never
hints at what the library has not made public. The account setting that switches a page on or
off is :func:`photoid.accounts.service.set_profile_visibility`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import Blueprint, abort, current_app, render_template
from sqlalchemy import Select, func, select

from photoid.accounts.models import User
from photoid.contributions.models import Comment, Identification
from photoid.contributions.workflow import PUBLIC_COMMENT_STATE, PUBLIC_FACT_STATE
from photoid.extensions import db
from photoid.pagination import Page
from photoid.params import page_arg
from photoid.photos.models import Collection, Photo

bp = Blueprint("profiles", __name__, template_folder="templates")

#: The kinds a profile counts, in the order shown, with their words (singular, plural).
KIND_WORDS = {
    "person": ("person", "people"),
    "place": ("place", "places"),
    "event": ("event", "events"),
    "date": ("date", "dates"),
    "keyword": ("keyword", "keywords"),
}
RECENT_PHOTOS = 6


@dataclass
class ProfileCounts:
    """What the library approved from one contributor, on public photos."""

    by_kind: dict[str, int] = field(default_factory=dict)
    comments: int = 0

    @property
    def identifications(self) -> int:
        return sum(self.by_kind.values())


@dataclass
class ProfileSummary:
    """One row of the contributors list."""

    user: User
    identifications: int


# --- queries -------------------------------------------------------------------------------------

def _public_photo_ids() -> Select:  # type: ignore[type-arg]
    return (
        select(Photo.id)
        .join(Collection, Collection.id == Photo.collection_id)
        .where(Photo.is_published.is_(True), Collection.is_published.is_(True))
    )


def _public_profiles() -> Select:  # type: ignore[type-arg]
    return select(User).where(
        User.is_profile_public.is_(True), User.suspended_at.is_(None), User.deleted_at.is_(None)
    )


def public_profile(user_id: int) -> User | None:
    """The account whose public page this is, or None when it is private, suspended, deleted or unknown."""
    return db.session.scalar(_public_profiles().where(User.id == user_id))


def profile_counts(user: User) -> ProfileCounts:
    """Approved identifications of each kind and published comments, on public photos only. Reads only."""
    public = _public_photo_ids()
    rows = db.session.execute(
        select(Identification.kind, func.count(Identification.id))
        .where(
            Identification.contributor_id == user.id,
            Identification.state == PUBLIC_FACT_STATE,
            Identification.photo_id.in_(public),
        )
        .group_by(Identification.kind)
    ).all()
    found = {kind: count for kind, count in rows}
    comments = db.session.scalar(
        select(func.count(Comment.id)).where(
            Comment.author_id == user.id, Comment.state == PUBLIC_COMMENT_STATE, Comment.photo_id.in_(public)
        )
    ) or 0
    return ProfileCounts(by_kind={kind: found.get(kind, 0) for kind in KIND_WORDS}, comments=comments)


def recent_photos(user: User, *, limit: int = RECENT_PHOTOS) -> list[Photo]:
    """The public photos the contributor most recently helped identify (an approved fact), newest first."""
    latest = (
        select(Identification.photo_id, func.max(Identification.reviewed_at).label("approved_at"))
        .where(Identification.contributor_id == user.id, Identification.state == PUBLIC_FACT_STATE)
        .group_by(Identification.photo_id)
        .subquery()
    )
    query = (
        select(Photo)
        .join(latest, latest.c.photo_id == Photo.id)
        .where(Photo.id.in_(_public_photo_ids()))
        .order_by(latest.c.approved_at.desc(), Photo.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def public_profiles(*, page: int, per_page: int) -> Page[ProfileSummary]:
    """Public profiles, most approved identifications first, then by name. Reads only."""
    counts = (
        select(Identification.contributor_id, func.count(Identification.id).label("n"))
        .where(
            Identification.state == PUBLIC_FACT_STATE,
            Identification.photo_id.in_(_public_photo_ids()),
            Identification.contributor_id.in_(_public_profiles().with_only_columns(User.id)),
        )
        .group_by(Identification.contributor_id)
        .subquery()
    )
    number = func.coalesce(counts.c.n, 0)
    total = db.session.scalar(select(func.count()).select_from(_public_profiles().subquery())) or 0
    page = max(1, page)
    rows = db.session.execute(
        _public_profiles()
        .add_columns(number)
        .outerjoin(counts, counts.c.contributor_id == User.id)
        .order_by(number.desc(), User.display_name_key, User.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    items = [ProfileSummary(user=user, identifications=count) for user, count in rows]
    return Page(items=items, page=page, per_page=per_page, total=total)


# --- pages ---------------------------------------------------------------------------------------

@bp.route("/contributors")
def index() -> str:
    page = public_profiles(page=page_arg(), per_page=current_app.config["PROFILES_PER_PAGE"])
    return render_template("accounts/contributors.html", page=page)


@bp.route("/contributors/<int:user_id>")
def profile(user_id: int) -> str:
    user = public_profile(user_id)
    if user is None:
        abort(404)
    return render_template(
        "accounts/profile.html", profile=user, counts=profile_counts(user), photos=recent_photos(user),
        kind_words=KIND_WORDS,
    )
