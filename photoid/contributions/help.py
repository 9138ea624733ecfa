"""The "Help identify" page: published photos that still need the community, most promising first.

Order: (1) contested photos, where someone disagrees with a pending identification or two
pending identifications of different values mark overlapping boxes; (2) photos with boxes drawn
but not confirmed; (3) photos with faces nobody has named (found by face detection, photoid/faces,
where the institution has it on); (4) photos with nothing approved at all. Within a group: fewest approved
facts, then oldest first. One query computes every photo's group and the numbers behind the
reason shown on its card.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import (
    Blueprint, abort, current_app, flash, has_request_context, redirect, render_template, request, url_for,
)
from flask_login import current_user
from sqlalchemy import Select, String, and_, case, cast, distinct, func, literal, or_, select, tuple_
from sqlalchemy.orm import Bundle, aliased
from werkzeug.wrappers import Response

from photoid.campaigns.models import CampaignPhoto
from photoid.campaigns.queries import viewable
from photoid.contributions.models import Confirmation, Identification
from photoid.contributions.workflow import PENDING_STATE, PUBLIC_FACT_STATE, VoteStance, VoteState
from photoid.extensions import db
from photoid.faces.models import Face
from photoid.pagination import Page, paginate
from photoid.params import BadNumber, id_arg, page_arg, whole_number
from photoid.photos.models import Collection, Institution, Photo

bp = Blueprint("help", __name__, template_folder="templates")

CONTESTED, BOXES_OPEN, UNNAMED_FACES, NOTHING_APPROVED, NO_HELP_NEEDED = 1, 2, 3, 4, 5


@dataclass(frozen=True)
class PhotoNeedingHelp:
    """What a card on the Help identify page shows; duck-types the photo fields the cards use."""

    id: int
    title: str
    width: int
    height: int
    date_edtf: str | None
    created_at: datetime
    group: int
    approved: int
    disagreeing: int
    rival_suggestions: int
    open_boxes: int
    pending: int
    #: Faces found on the photo that no pending or approved identification's box covers.
    unnamed_faces: int
    #: The institution shows pending suggestions to the public; if not, the reason must not reveal them.
    shows_pending: bool

    @property
    def reason(self) -> str:
        """Why this photo needs help, in plain words."""
        unnamed = "1 unnamed face" if self.unnamed_faces == 1 else f"{self.unnamed_faces} unnamed faces"
        if not self.shows_pending:
            if self.unnamed_faces:
                return unnamed
            return "Nothing identified yet" if not self.approved else "Not everything is identified yet"
        if self.disagreeing:
            if self.disagreeing == 1:
                return "1 person disagrees about who this is"
            return f"{self.disagreeing} people disagree about who this is"
        if self.rival_suggestions:
            return f"{self.rival_suggestions} different suggestions for the same face"
        if self.open_boxes:
            faces = "1 face" if self.open_boxes == 1 else f"{self.open_boxes} faces"
            return f"{faces} marked, none confirmed yet" if not self.approved else f"{faces} marked, waiting to be confirmed"
        if self.unnamed_faces:
            return unnamed
        if self.pending:
            return "Suggestions are waiting, nothing confirmed yet"
        return "Nothing identified yet"


class _HelpCard(Bundle):
    """Turns a row of the ranking query into a PhotoNeedingHelp."""

    def create_row_processor(self, query: Any, procs: Any, labels: Any) -> Any:
        def make(row: Any) -> PhotoNeedingHelp:
            return PhotoNeedingHelp(*(proc(row) for proc in procs))

        return make


def _value_key(identification: Any) -> Any:
    """One comparable string for an identification's value: authority, free text or date."""
    return func.coalesce(
        literal("a:") + cast(identification.authority_id, String),
        literal("t:") + func.lower(identification.text_value),
        literal("d:") + identification.date_edtf,
    )


def _in_campaign(campaign_id: int | None) -> list[Any]:
    """The condition that keeps only a campaign's photos, or none when no campaign is chosen."""
    if campaign_id is None:
        return []
    return [Photo.id.in_(select(CampaignPhoto.photo_id).where(CampaignPhoto.campaign_id == campaign_id))]


def _unnamed_faces() -> Any:
    """A subquery: each photo's count of detected faces whose middle no pending or approved
    identification's box contains (the faces the photo page asks "Who is this?" about)."""
    covering = (
        select(Identification.id)
        .where(
            Identification.photo_id == Face.photo_id, Identification.state.in_((PENDING_STATE, PUBLIC_FACT_STATE)),
            Identification.region_x.is_not(None),
            Identification.region_x <= Face.x + Face.w / 2, Face.x + Face.w / 2 <= Identification.region_x + Identification.region_w,
            Identification.region_y <= Face.y + Face.h / 2, Face.y + Face.h / 2 <= Identification.region_y + Identification.region_h,
        )
        .exists()
    )
    return (
        select(Face.photo_id, func.count(Face.id).label("unnamed_faces"))
        .where(~covering)
        .group_by(Face.photo_id)
        .subquery()
    )


def _ranking(campaign_id: int | None = None) -> Any:
    """A subquery: every public photo (of the campaign, if given) with its help group and the counts behind it."""
    pending = Identification.state == PENDING_STATE
    facts = (
        select(
            Identification.photo_id,
            func.sum(case((Identification.state == PUBLIC_FACT_STATE, 1), else_=0)).label("approved"),
            func.sum(case((and_(pending, Identification.region_x.is_not(None)), 1), else_=0)).label("open_boxes"),
            func.sum(case((pending, 1), else_=0)).label("pending"),
        )
        .group_by(Identification.photo_id)
        .subquery()
    )
    disagreements = (
        select(Identification.photo_id, func.count(distinct(Confirmation.voter_id)).label("disagreeing"))
        .join(Confirmation, Confirmation.identification_id == Identification.id)
        .where(pending, Confirmation.stance == VoteStance.DISAGREE, Confirmation.state == VoteState.ACTIVE)
        .group_by(Identification.photo_id)
        .subquery()
    )
    one, other = aliased(Identification), aliased(Identification)
    rivals = (
        select(one.photo_id, func.count(distinct(one.id)).label("rival_suggestions"))
        .join(other, and_(
            other.photo_id == one.photo_id, other.id != one.id, other.state == PENDING_STATE, other.kind == one.kind,
            other.region_x < one.region_x + one.region_w, one.region_x < other.region_x + other.region_w,
            other.region_y < one.region_y + one.region_h, one.region_y < other.region_y + other.region_h,
            _value_key(other) != _value_key(one),
        ))
        .where(one.state == PENDING_STATE, one.region_x.is_not(None))
        .group_by(one.photo_id)
        .subquery()
    )
    unnamed = _unnamed_faces()
    approved = func.coalesce(facts.c.approved, 0)
    disagreeing = func.coalesce(disagreements.c.disagreeing, 0)
    rival_suggestions = func.coalesce(rivals.c.rival_suggestions, 0)
    open_boxes = func.coalesce(facts.c.open_boxes, 0)
    unnamed_faces = case((Institution.faces_detection_enabled.is_(True), func.coalesce(unnamed.c.unnamed_faces, 0)), else_=0)
    group = case(
        (or_(disagreeing > 0, rival_suggestions > 0), CONTESTED),
        (open_boxes > 0, BOXES_OPEN),
        (unnamed_faces > 0, UNNAMED_FACES),
        (approved == 0, NOTHING_APPROVED),
        else_=NO_HELP_NEEDED,
    )
    return (
        select(
            Photo.id, Photo.title, Photo.width, Photo.height, Photo.date_edtf, Photo.created_at,
            group.label("help_group"), approved.label("approved"), disagreeing.label("disagreeing"),
            rival_suggestions.label("rival_suggestions"), open_boxes.label("open_boxes"),
            func.coalesce(facts.c.pending, 0).label("pending"), unnamed_faces.label("unnamed_faces"),
            Institution.show_pending_publicly.label("shows_pending"),
        )
        .join(Collection, Collection.id == Photo.collection_id)
        .join(Institution, Institution.id == Photo.institution_id)
        .outerjoin(facts, facts.c.photo_id == Photo.id)
        .outerjoin(disagreements, disagreements.c.photo_id == Photo.id)
        .outerjoin(rivals, rivals.c.photo_id == Photo.id)
        .outerjoin(unnamed, unnamed.c.photo_id == Photo.id)
        .where(Photo.is_published.is_(True), Collection.is_published.is_(True), *_in_campaign(campaign_id))
        .subquery("ranking")
    )


def _sort_key(ranked: Any) -> tuple[Any, ...]:
    return (ranked.c.help_group, ranked.c.approved, ranked.c.created_at, ranked.c.id)


def photos_needing_help(campaign_id: int | None = None) -> Select:  # type: ignore[type-arg]
    """A select of PhotoNeedingHelp for published photos (of a campaign) that need identification, best first. Reads only."""
    ranked = _ranking(campaign_id)
    card = _HelpCard(
        "card", ranked.c.id, ranked.c.title, ranked.c.width, ranked.c.height, ranked.c.date_edtf, ranked.c.created_at,
        ranked.c.help_group, ranked.c.approved, ranked.c.disagreeing, ranked.c.rival_suggestions,
        ranked.c.open_boxes, ranked.c.pending, ranked.c.unnamed_faces, ranked.c.shows_pending,
    )
    return select(card).where(ranked.c.help_group < NO_HELP_NEEDED).order_by(*_sort_key(ranked))


def help_page(*, page: int, per_page: int, campaign_id: int | None = None) -> Page[PhotoNeedingHelp]:
    """One page of photos needing help (a count query and one query for the page). Reads only."""
    return paginate(photos_needing_help(campaign_id), page=page, per_page=per_page)


def next_photo_id(after: int | None, campaign_id: int | None = None) -> int | None:
    """The photo that follows ``after`` on the Help identify list, or the first one when ``after``
    is not on it (any more); None when no other photo needs help. With ``campaign_id``, only that
    campaign's photos. Reads only."""
    ranked = _ranking(campaign_id)
    needing = select(ranked.c.id).where(ranked.c.help_group < NO_HELP_NEEDED).order_by(*_sort_key(ranked)).limit(1)
    if after is None:
        return db.session.scalar(needing)
    current = db.session.execute(
        select(*_sort_key(ranked)).where(ranked.c.id == after, ranked.c.help_group < NO_HELP_NEEDED)
    ).first()
    if current is None:
        return db.session.scalar(needing.where(ranked.c.id != after))
    return db.session.scalar(needing.where(tuple_(*_sort_key(ranked)) > tuple_(*current)))


def _campaign() -> Any:
    """The campaign named by ``?campaign=``, when the visitor may see it; 404 when not; None when not given."""
    campaign_id = id_arg("campaign", what="campaign number")
    if campaign_id is None:
        return None
    campaign = viewable(campaign_id, current_user)
    if campaign is None:
        abort(404)
    return campaign


@bp.url_defaults
def _stay_in_campaign(endpoint: str, values: dict[str, Any]) -> None:
    """A "next photo" link on a page opened from a campaign (``/photos/3?campaign=2``) stays in the campaign."""
    if endpoint == "help.next_photo" and "campaign" not in values and has_request_context():
        try:
            campaign_id = whole_number(request.args.get("campaign"), what="campaign number")
        except BadNumber:
            campaign_id = None
        if campaign_id is not None:
            values["campaign"] = campaign_id


@bp.route("/help")
def index() -> str:
    campaign = _campaign()
    page = help_page(page=page_arg(), per_page=current_app.config["PER_PAGE"],
                     campaign_id=campaign.id if campaign else None)
    return render_template("help/index.html", page=page, campaign=campaign)


@bp.route("/help/next")
def next_photo() -> Response:
    campaign = _campaign()
    found = next_photo_id(id_arg("after", what="photo number", high=2**31 - 1), campaign.id if campaign else None)
    if found is None and campaign is not None:
        flash(f"Every photo of “{campaign.title}” that needed help has been looked at. Thank you!", "success")
        return redirect(url_for("campaigns.show", campaign_id=campaign.id))
    if found is None:
        flash("There are no more photos waiting for help right now. Thank you for looking!", "success")
        return redirect(url_for("help.index"))
    return redirect(url_for("photos.photo", photo_id=found, campaign=campaign.id if campaign else None))
