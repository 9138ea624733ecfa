"""A photo's shown date: the catalog date when there is one, otherwise the date the community
identified and an archivist approved (the latest approved, if several were).

The photo page, browse by decade, sorting by date in search, the sitemap's decade pages and the
schema.org JSON-LD all read the shown date. The catalog exports do not: they keep the library's
date and the community's dates apart (see photoid/catalog/records.py).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, func, select

from photoid.contributions.models import Identification
from photoid.contributions.workflow import PUBLIC_FACT_STATE
from photoid.edtf import decades, words
from photoid.extensions import db
from photoid.photos.models import Photo
from photoid.photos.queries import public_photos

COMMUNITY = "identified by the community"


@dataclass(frozen=True)
class ShownDate:
    edtf: str
    #: True when the date comes from an approved identification, not the catalog.
    is_community: bool = False

    @property
    def words(self) -> str:
        """ "summer 1952", or "the 1920s (identified by the community)"."""
        text = words(self.edtf)
        return f"{text} ({COMMUNITY})" if self.is_community else text


def shown_date(photo: Any, approved: Iterable[Any]) -> ShownDate | None:
    """The photo's shown date from its catalog date and its approved facts (any kind; dates are picked)."""
    if photo.date_edtf:
        return ShownDate(photo.date_edtf)
    dates = [f for f in approved if f.kind == "date" and f.date_edtf and f.state == PUBLIC_FACT_STATE]
    if not dates:
        return None
    latest = max(dates, key=lambda f: (f.reviewed_at is not None, f.reviewed_at or 0, f.id))
    return ShownDate(latest.date_edtf, is_community=True)


def community_date() -> ColumnElement[str | None]:
    """The latest approved community date of ``Photo`` as a correlated subquery (NULL when none)."""
    return (
        select(Identification.date_edtf)
        .where(Identification.photo_id == Photo.id, Identification.kind == "date",
               Identification.state == PUBLIC_FACT_STATE, Identification.date_edtf.is_not(None))
        .order_by(Identification.reviewed_at.desc().nulls_last(), Identification.id.desc())
        .limit(1)
        .correlate(Photo)
        .scalar_subquery()
    )


def shown_date_column() -> ColumnElement[str | None]:
    """The shown date in SQL: the catalog date, else the latest approved community date."""
    return func.coalesce(func.nullif(Photo.date_edtf, ""), community_date())


def attach_shown_dates(photos: Iterable[Photo]) -> None:
    """Set ``photo.shown_date`` (a ShownDate or None) on each photo, with one query for those without a
    catalog date; cards read it (``_cards.html``)."""
    photos = list(photos)
    undated = [p.id for p in photos if not p.date_edtf]
    community: dict[int, str] = {}
    if undated:
        rows = db.session.execute(
            select(Identification.photo_id, Identification.date_edtf)
            .where(Identification.photo_id.in_(undated), Identification.kind == "date",
                   Identification.state == PUBLIC_FACT_STATE, Identification.date_edtf.is_not(None))
            .order_by(Identification.reviewed_at.desc().nulls_last(), Identification.id.desc())
        )
        for photo_id, edtf in rows:
            community.setdefault(photo_id, edtf)
    for photo in photos:
        if photo.date_edtf:
            photo.shown_date = ShownDate(photo.date_edtf)  # type: ignore[attr-defined]
        else:
            edtf = community.get(photo.id)
            photo.shown_date = ShownDate(edtf, is_community=True) if edtf else None  # type: ignore[attr-defined]


@dataclass
class DecadeIndex:
    """Photo counts per decade, and which stored date values fall in each (one grouped query)."""

    counts: dict[int, int] = field(default_factory=dict)
    values: dict[int, list[str]] = field(default_factory=dict)
    unknown_count: int = 0
    unknown_values: list[str] = field(default_factory=list)


def decade_index() -> DecadeIndex:
    """Count published photos per decade of their shown date (the catalog's, else the community's
    approved one), in one query over distinct dates.

    A photo counts in every decade its date touches ("1935/1948": the 1930s and the 1940s);
    photos without a date, with an open-ended one ("1950/..") or one we cannot read are "Date unknown".
    """
    index = DecadeIndex()
    dated = public_photos().with_only_columns(shown_date_column().label("shown")).subquery()
    rows = db.session.execute(select(dated.c.shown, func.count()).group_by(dated.c.shown))
    for value, count in rows:
        touched = decades(value) if value else []
        if not touched:
            index.unknown_count += count
            if value:
                index.unknown_values.append(value)
        for decade in touched:
            index.counts[decade] = index.counts.get(decade, 0) + count
            index.values.setdefault(decade, []).append(value)
    return index
