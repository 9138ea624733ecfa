"""Read-side queries of the campaign pages: who may see which campaign, progress, and what was found."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import joinedload

from photoid.authorities.models import AuthorityRecord
from photoid.campaigns.models import Campaign, CampaignPhoto
from photoid.contributions.models import Identification
from photoid.contributions.workflow import PUBLIC_FACT_STATE
from photoid.db import utcnow
from photoid.extensions import db
from photoid.pagination import Page, paginate
from photoid.photos.models import Collection, Photo
from photoid.photos.queries import public_photos

#: How many identified things the list of finished campaigns names for each.
FOUND_ON_LIST = 6


def today() -> date:
    """The current day in UTC, which decides whether a campaign has started or finished."""
    return utcnow().date()


def manages(viewer: Any, campaign: Campaign) -> bool:
    """Whether the viewer is staff of the campaign's institution (or an admin)."""
    return bool(getattr(viewer, "is_authenticated", False) and viewer.moderates(campaign.institution_id))


def viewable(campaign_id: int, viewer: Any) -> Campaign | None:
    """The campaign if the viewer may see it: published and started, or staff of its institution; else None."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        return None
    if campaign.is_public_on(today()) or manages(viewer, campaign):
        return campaign
    return None


def public_campaign(campaign_id: int) -> Campaign | None:
    """The campaign if anybody may see it (published and started); the embed card uses it."""
    campaign = db.session.get(Campaign, campaign_id)
    return campaign if campaign is not None and campaign.is_public_on(today()) else None


def _approved() -> Any:
    """``state = 'approved'`` written so SQLite's planner starts from the campaign's photos (and their
    ``photo_id, state`` index) instead of walking every approved identification of the site."""
    return (Identification.state + "") == PUBLIC_FACT_STATE


def _published() -> Any:
    """Photo and collection published, written (``coalesce``) so SQLite starts from the campaign's photos
    rather than from every published photo of the site."""
    return and_(func.coalesce(Photo.is_published, False).is_(True), func.coalesce(Collection.is_published, False).is_(True))


@dataclass(frozen=True)
class Progress:
    """Photos with at least one approved identification, out of the campaign's published photos."""

    identified: int
    total: int

    @property
    def percent(self) -> int:
        return (100 * self.identified // self.total) if self.total else 0


def progress(campaign_ids: Iterable[int]) -> dict[int, Progress]:
    """Progress of each campaign, in one query; photos withdrawn from publication count for neither number."""
    ids = list(campaign_ids)
    if not ids:
        return {}
    identified = exists().where(Identification.photo_id == CampaignPhoto.photo_id, _approved())
    rows = db.session.execute(
        select(CampaignPhoto.campaign_id, func.count(), func.sum(case((identified, 1), else_=0)))
        .join(Photo, Photo.id == CampaignPhoto.photo_id)
        .join(Collection, Collection.id == Photo.collection_id)
        .where(CampaignPhoto.campaign_id.in_(ids), _published())
        .group_by(CampaignPhoto.campaign_id)
    ).all()
    found = {campaign_id: Progress(identified=int(identified or 0), total=total) for campaign_id, total, identified in rows}
    return {campaign_id: found.get(campaign_id, Progress(0, 0)) for campaign_id in ids}


def _with_cover():  # type: ignore[no-untyped-def]
    return joinedload(Campaign.cover_photo).joinedload(Photo.collection)


def public_cover(campaign: Campaign) -> Photo | None:
    """The cover photo when the public may see it."""
    photo = campaign.cover_photo
    if photo is None or not (photo.is_published and photo.collection.is_published):
        return None
    return photo


def current_campaigns(day: date) -> list[Campaign]:
    """Published campaigns running on ``day``, the ones ending soonest first."""
    return list(db.session.scalars(
        select(Campaign).options(_with_cover())
        .where(Campaign.is_published.is_(True), Campaign.starts_on <= day, Campaign.ends_on >= day)
        .order_by(Campaign.ends_on, Campaign.id)
    ).unique())


def finished_campaigns(day: date, *, page: int, per_page: int) -> Page[Campaign]:
    """Published campaigns that ended before ``day``, the most recent first."""
    query = (
        select(Campaign).options(_with_cover())
        .where(Campaign.is_published.is_(True), Campaign.ends_on < day)
        .order_by(Campaign.ends_on.desc(), Campaign.id.desc())
    )
    return paginate(query, page=page, per_page=per_page)


def staff_campaigns(viewer: Any, day: date) -> list[Campaign]:
    """Drafts and campaigns not yet started of the institutions the viewer looks after (every one for admins)."""
    if not getattr(viewer, "is_authenticated", False) or not viewer.is_staff:
        return []
    query = select(Campaign).options(_with_cover()).where(
        (Campaign.is_published.is_(False)) | (Campaign.starts_on > day)
    )
    if not viewer.is_admin:
        query = query.where(Campaign.institution_id.in_([i.id for i in viewer.institutions] or [-1]))
    return list(db.session.scalars(query.order_by(Campaign.starts_on, Campaign.id)).unique())


def member_photos(campaign: Campaign, *, page: int, per_page: int) -> Page[Photo]:
    """One page of the campaign's published photos, in the campaign's order."""
    query = (
        public_photos().join(CampaignPhoto, CampaignPhoto.photo_id == Photo.id)
        .where(CampaignPhoto.campaign_id == campaign.id).order_by(CampaignPhoto.position)
    )
    return paginate(query, page=page, per_page=per_page)


def member_choices(campaign: Campaign) -> list[tuple[int, str]]:
    """Every photo of the campaign as (id, title), for choosing the cover."""
    return [tuple(row) for row in db.session.execute(  # type: ignore[misc]
        select(Photo.id, Photo.title).join(CampaignPhoto, CampaignPhoto.photo_id == Photo.id)
        .where(CampaignPhoto.campaign_id == campaign.id).order_by(CampaignPhoto.position)
    )]


@dataclass(frozen=True)
class FoundFact:
    """One approved identification on a campaign photo, as the pages show it."""

    photo_id: int
    photo_title: str
    kind: str
    label: str


def _approved_on_members(campaign_ids: list[int]):  # type: ignore[no-untyped-def]
    """Rows (campaign id, photo id, photo title, kind, heading, text, date) of approved facts on published members."""
    return (
        select(CampaignPhoto.campaign_id, Photo.id, Photo.title, Identification.kind, AuthorityRecord.heading,
               Identification.text_value, Identification.date_edtf)
        .join(Photo, Photo.id == CampaignPhoto.photo_id)
        .join(Collection, Collection.id == Photo.collection_id)
        .join(Identification, and_(Identification.photo_id == CampaignPhoto.photo_id, _approved()))
        .outerjoin(AuthorityRecord, AuthorityRecord.id == Identification.authority_id)
        .where(CampaignPhoto.campaign_id.in_(campaign_ids or [-1]), _published())
    )


def _fact(row: Any) -> FoundFact:
    _, photo_id, title, kind, heading, text_value, date_edtf = row
    label = heading or (date_edtf if kind == "date" and date_edtf else None) or text_value or ""
    return FoundFact(photo_id=photo_id, photo_title=title, kind=kind, label=label)


def found(campaign: Campaign, *, limit: int = 500) -> list[tuple[FoundFact, list[FoundFact]]]:
    """What was identified: each published photo of the campaign (as its first fact) with its approved
    identifications, in campaign order; at most ``limit`` identifications."""
    rows = db.session.execute(
        _approved_on_members([campaign.id]).order_by(CampaignPhoto.position, Identification.id).limit(limit)
    ).all()
    grouped: dict[int, list[FoundFact]] = {}
    for row in rows:
        fact = _fact(row)
        grouped.setdefault(fact.photo_id, []).append(fact)
    return [(facts[0], facts) for facts in grouped.values()]


def found_labels(campaign_ids: list[int], *, per_campaign: int = FOUND_ON_LIST) -> dict[int, tuple[list[str], bool]]:
    """For each campaign: the first few things identified (distinct labels), and whether there are more.

    One small query a campaign (reading at most a few dozen rows each), so a list of campaigns with
    hundreds of photos stays quick."""
    result: dict[int, tuple[list[str], bool]] = {}
    for campaign_id in campaign_ids:
        rows = db.session.execute(
            _approved_on_members([campaign_id]).order_by(CampaignPhoto.position, Identification.id)
            .limit(per_campaign * 4)
        ).all()
        labels = list(dict.fromkeys(label for label in (_fact(row).label for row in rows) if label))
        if labels:
            result[campaign_id] = (labels[:per_campaign], len(labels) > per_campaign or len(rows) == per_campaign * 4)
    return result
