"""Browse pages: photos by decade, recently identified, most discussed.

Only published photos in published collections, read with plain SQL (not the search index).
The "recently identified" queries and the fact wording are in identified.py (the feeds use them too).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Blueprint, abort, current_app, render_template, request
from sqlalchemy import and_, func, literal, or_, select, union_all

from photoid.contributions.models import Comment, Confirmation, Identification
from photoid.contributions.workflow import PENDING_STATE, PUBLIC_COMMENT_STATE, PUBLIC_FACT_STATE, VoteState
from photoid.db import utcnow
from photoid.edtf import MIN_YEAR
from photoid.extensions import db
from photoid.pagination import Page, paginate
from photoid.params import page_arg
from photoid.photos.dating import attach_shown_dates, decade_index, shown_date_column
from photoid.photos.identified import recently_identified
from photoid.photos.models import Institution, Photo
from photoid.photos.queries import public_photos, published_collections

bp = Blueprint("browse", __name__, template_folder="templates")

#: ``?period=`` on the most discussed page: (label, days back or None for all time).
PERIODS = {"recent": ("Last 90 days", 90), "all": ("All time", None)}
UNKNOWN = "unknown"


# --- decades -------------------------------------------------------------------------------------

def decade_photos(decade: int | None, *, page: int, per_page: int) -> Page[Photo]:
    """Published photos dated in ``decade`` (None: date unknown), in date order."""
    index = decade_index()
    shown = shown_date_column()
    if decade is None:
        condition = or_(shown.is_(None), shown.in_(index.unknown_values))
    else:
        condition = shown.in_(index.values.get(decade, []))
    query = public_photos().where(condition).order_by(shown, Photo.title, Photo.id)
    found = paginate(query, page=page, per_page=per_page)
    attach_shown_dates(found.items)
    return found


# --- most discussed ------------------------------------------------------------------------------

@dataclass
class DiscussedPhoto:
    photo: Photo
    comments: int = 0
    identifications: int = 0
    votes: int = 0

    @property
    def total(self) -> int:
        return self.comments + self.identifications + self.votes


def _activity(since: datetime | None):  # type: ignore[no-untyped-def]
    """One row per public contribution (photo_id, kind): published comments, identifications the
    public can see (approved, or pending where the institution shows them) and active votes on those."""
    shown = or_(
        Identification.state == PUBLIC_FACT_STATE,
        and_(Identification.state == PENDING_STATE, Institution.show_pending_publicly.is_(True)),
    )
    comments = select(Comment.photo_id.label("photo_id"), literal("comments").label("kind")).where(Comment.state == PUBLIC_COMMENT_STATE)
    facts = (
        select(Identification.photo_id.label("photo_id"), literal("identifications").label("kind"))
        .join(Photo, Photo.id == Identification.photo_id)
        .join(Institution, Institution.id == Photo.institution_id)
        .where(shown)
    )
    votes = (
        select(Identification.photo_id.label("photo_id"), literal("votes").label("kind"))
        .select_from(Confirmation)
        .join(Identification, Identification.id == Confirmation.identification_id)
        .join(Photo, Photo.id == Identification.photo_id)
        .join(Institution, Institution.id == Photo.institution_id)
        .where(Confirmation.state == VoteState.ACTIVE, shown)
    )
    if since is not None:
        comments = comments.where(Comment.created_at >= since)
        facts = facts.where(Identification.created_at >= since)
        votes = votes.where(Confirmation.created_at >= since)
    return union_all(comments, facts, votes).subquery("activity")


def most_discussed(period: str, *, page: int, per_page: int) -> Page[DiscussedPhoto]:
    """Published photos by how many public comments, identifications and votes they drew in the period."""
    days = PERIODS[period][1]
    activity = _activity(utcnow() - timedelta(days=days) if days else None)
    totals = select(activity.c.photo_id, func.count().label("n")).group_by(activity.c.photo_id).subquery()
    query = public_photos().join(totals, totals.c.photo_id == Photo.id).order_by(totals.c.n.desc(), Photo.id.desc())
    found = paginate(query, page=page, per_page=per_page)
    items = {photo.id: DiscussedPhoto(photo=photo) for photo in found.items}
    if items:
        rows = db.session.execute(
            select(activity.c.photo_id, activity.c.kind, func.count())
            .where(activity.c.photo_id.in_(items))
            .group_by(activity.c.photo_id, activity.c.kind)
        )
        for photo_id, kind, count in rows:
            setattr(items[photo_id], kind, count)
    return Page(items=list(items.values()), page=found.page, per_page=per_page, total=found.total)


# --- pages ---------------------------------------------------------------------------------------

@bp.route("/browse")
def index() -> str:
    return render_template("browse/index.html", collections=published_collections())


@bp.route("/browse/decades")
def decade_list() -> str:
    index = decade_index()
    return render_template("browse/decades.html", counts=sorted(index.counts.items()), unknown_count=index.unknown_count)


@bp.route("/browse/decades/<decade>")
def decade(decade: str) -> str:
    if decade == UNKNOWN:
        number = None
    else:
        if not (decade.isascii() and decade.isdecimal()) or len(decade) != 4:
            abort(404, "We could not find that decade. Decades are written as a year ending in 0, like 1940.")
        number = int(decade)
        if number % 10 or number < MIN_YEAR or number > utcnow().year:
            abort(404, "We could not find that decade. Decades are written as a year ending in 0, like 1940.")
    page = decade_photos(number, page=page_arg(), per_page=current_app.config["PER_PAGE"])
    heading = "Date unknown" if number is None else f"The {number}s"
    return render_template("browse/decade.html", page=page, decade=decade, heading=heading)


@bp.route("/browse/recent")
def recent() -> str:
    page = recently_identified(page=page_arg(), per_page=current_app.config["PER_PAGE"])
    return render_template("browse/recent.html", page=page)


@bp.route("/browse/discussed")
def discussed() -> tuple[str, int] | str:
    period = request.args.get("period", "recent")
    if period not in PERIODS:
        abort(400, "Please choose “Last 90 days” or “All time”.")
    page = most_discussed(period, page=page_arg(), per_page=current_app.config["PER_PAGE"])
    return render_template("browse/discussed.html", page=page, period=period, periods=PERIODS)
