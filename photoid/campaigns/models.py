"""Campaigns: a themed call for help over a set of photos, with a landing page and a time frame."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from photoid.accounts.models import User
from photoid.contributions.workflow import CampaignStatus
from photoid.db import one_of, utcnow
from photoid.extensions import db
from photoid.photos.models import Collection, Institution, Photo

#: Where a campaign's photos come from: chosen by number, one collection, or a saved search.
SOURCES = ("photos", "collection", "search")


class Campaign(db.Model):
    """"Who are the 1923 graduates?": a call for help run by one institution from one date to another.

    The member photos are stored in ``campaign_photo``; for a collection or a saved search they are
    resolved when the campaign is saved or refreshed (the search index is not the source of truth).
    """

    __tablename__ = "campaign"
    __table_args__ = (
        one_of("source", SOURCES, name="source"),
        CheckConstraint("length(title) > 0", name="title_not_empty"),
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        CheckConstraint("source <> 'search' OR search_query IS NOT NULL", name="search_has_query"),
        CheckConstraint("source <> 'collection' OR collection_id IS NOT NULL", name="collection_has_collection"),
        Index("ix_campaign_published_dates", "is_published", "starts_on", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    #: The short text of the landing page, plain text (paragraphs separated by blank lines).
    summary: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(16), default="photos")
    collection_id: Mapped[int | None] = mapped_column(ForeignKey("collection.id"))
    #: The saved search as the search page's query string (``q=main+street&decade=1950``).
    search_query: Mapped[str | None] = mapped_column(String(600))
    #: One of the member photos, shown on the landing page, the list and the embed card.
    cover_photo_id: Mapped[int | None] = mapped_column(ForeignKey("photo.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    #: The last day of the campaign (inclusive).
    ends_on: Mapped[date] = mapped_column(Date)
    #: False while a draft: only staff of the institution see it.
    is_published: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    updated_at: Mapped[datetime | None]
    #: When the member photos were last worked out from the collection or the saved search.
    photos_resolved_at: Mapped[datetime] = mapped_column(default=utcnow)

    institution: Mapped[Institution] = relationship()
    collection: Mapped[Collection | None] = relationship()
    cover_photo: Mapped[Photo | None] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])

    def status_on(self, today: date) -> str:
        """``draft``, ``upcoming``, ``current`` or ``finished`` on the given day (a ``CampaignStatus``)."""
        if not self.is_published:
            return CampaignStatus.DRAFT
        if today < self.starts_on:
            return CampaignStatus.UPCOMING
        return CampaignStatus.FINISHED if today > self.ends_on else CampaignStatus.CURRENT

    def is_public_on(self, today: date) -> bool:
        """Whether visitors who are not staff may see it: published and started."""
        return self.is_published and self.starts_on <= today


class CampaignPhoto(db.Model):
    """One photo of a campaign, in the order the campaign lists them."""

    __tablename__ = "campaign_photo"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True)
    photo_id: Mapped[int] = mapped_column(ForeignKey("photo.id"), primary_key=True, index=True)
    position: Mapped[int]
