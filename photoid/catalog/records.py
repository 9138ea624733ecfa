"""Photos as catalog records: the cataloged fields plus the community's APPROVED facts.

Every catalog output (OAI-PMH, file exports, IIIF manifests) starts here, so this is the one
place that decides what leaves the site: only identifications in the ``approved`` state, and
contributors by display name only (never an email). Building a batch costs two queries.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from datetime import datetime

from flask import current_app
from sqlalchemy import Row, Select, bindparam, func, select
from sqlalchemy.orm import aliased

from photoid.accounts.models import User
from photoid.authorities.models import AuthorityRecord
from photoid.contributions.models import Identification
from photoid.contributions.workflow import PUBLIC_FACT_STATE
from photoid.edtf import year_range
from photoid.extensions import db
from photoid.photos.models import Collection, Institution, Photo, PhotoSource
from photoid.text import one_line

#: The original file's format name (as Pillow reports it) as a media type.
MEDIA_TYPES = {
    "JPEG": "image/jpeg", "TIFF": "image/tiff", "PNG": "image/png", "WEBP": "image/webp",
    "GIF": "image/gif", "JPEG2000": "image/jp2", "BMP": "image/bmp",
}


@dataclass(frozen=True, slots=True)
class Fact:
    """One approved community identification, ready to print."""

    identification_id: int
    kind: str  #: person, place, event, date or keyword
    heading: str  #: the authority heading, the free text, or the EDTF date for a date fact
    dates: str | None = None  #: life or event dates (EDTF) of the authority; the date itself for a date fact
    authority_uri: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    contributor: str | None = None  #: display name, None when unknown
    reviewed_at: datetime | None = None
    is_controlled: bool = False  #: True when the fact points at an authority record
    #: (x, y, w, h) as fractions of the full image, when the fact marks a region.
    region: tuple[float, float, float, float] | None = None
    created_at: datetime | None = None
    #: Face matching suggested who this is and a person confirmed it (the words of the note say so).
    is_face_matching_suggestion: bool = False


@dataclass(slots=True)
class CatalogRecord:
    """Everything the exports need about one photo, with no database objects attached."""

    photo_id: int
    identifier: str
    title: str
    description: str
    creator: str
    date_edtf: str | None
    rights_uri: str
    format: str  #: media type of the original, e.g. image/tiff
    width: int
    height: int
    collection_slug: str
    collection_title: str
    institution_slug: str
    institution_name: str
    verified_by: str  #: the name shown as "verified by"
    page_url: str
    image_url: str
    modified_at: datetime
    subjects: list[str] = field(default_factory=list)  #: cataloged subject headings
    places: list[str] = field(default_factory=list)  #: cataloged place names
    people: list[Fact] = field(default_factory=list)
    fact_places: list[Fact] = field(default_factory=list)
    events: list[Fact] = field(default_factory=list)
    dates: list[Fact] = field(default_factory=list)
    keywords: list[Fact] = field(default_factory=list)
    #: The MARC organization code of the cataloging agency (MARC 003 and 040).
    agency: str = ""
    #: The library's own catalog page for the photo, when it was imported from IIIF (photos/iiif_import.py).
    catalog_url: str = ""

    @property
    def facts(self) -> list[Fact]:
        return [*self.people, *self.fact_places, *self.events, *self.dates, *self.keywords]

    @property
    def verified_at(self) -> datetime | None:
        """When the most recent approved fact was verified."""
        times = [f.reviewed_at for f in self.facts if f.reviewed_at is not None]
        return max(times) if times else None


def verification_note(record: CatalogRecord) -> str:
    """Who identified the photo and who verified it, in the same words in MODS, MARC (500) and CSV:
    "Identifications contributed by the community and verified by Millbrook Library on May 3, 2026.",
    saying too how many face matching suggested and a person confirmed (photos/identified.py words
    a single fact's provenance the same way)."""
    verified = record.verified_at
    when = f" on {verified:%B} {verified.day}, {verified.year}" if verified else ""
    by_machine = [f for f in record.facts if f.is_face_matching_suggestion]
    if by_machine and len(by_machine) == len(record.facts) and all(f.contributor is None for f in by_machine):
        return f"Identifications suggested by face matching and confirmed by {record.verified_by}{when}."
    note = f"Identifications contributed by the community and verified by {record.verified_by}{when}."
    if by_machine:
        some = "1 of them" if len(by_machine) == 1 else f"{len(by_machine)} of them"
        note = f"{note[:-1]}; {some} suggested by face matching and confirmed by {record.verified_by}."
    return note


_BUCKETS = {"person": "people", "place": "fact_places", "event": "events", "date": "dates", "keyword": "keywords"}


_PHOTO_COLUMNS = (
    Photo.id, Photo.identifier, Photo.title, Photo.description, Photo.creator, Photo.date_edtf, Photo.rights_uri,
    Photo.source_format, Photo.width, Photo.height, Photo.modified_at, Photo.subjects, Photo.places,
    Collection.slug.label("collection_slug"), Collection.title.label("collection_title"),
    Institution.slug.label("institution_slug"), Institution.name.label("institution_name"),
    func.coalesce(Institution.verified_by_name, Institution.name).label("verified_by"),
    func.coalesce(PhotoSource.catalog_url, "").label("catalog_url"),
)


def _record(row: Row, base: str) -> CatalogRecord:  # type: ignore[type-arg]
    return CatalogRecord(
        photo_id=row.id, identifier=row.identifier, title=row.title, description=row.description or "",
        creator=row.creator or "", date_edtf=row.date_edtf or None, rights_uri=row.rights_uri or "",
        format=MEDIA_TYPES.get((row.source_format or "").upper(), "image/jpeg"),
        width=row.width, height=row.height,
        collection_slug=row.collection_slug, collection_title=row.collection_title,
        institution_slug=row.institution_slug, institution_name=row.institution_name,
        verified_by=row.verified_by or row.institution_name,
        page_url=f"{base}/photos/{row.id}", image_url=f"{base}/media/photos/{row.id}/display.jpg",
        modified_at=row.modified_at, subjects=list(row.subjects or []), places=list(row.places or []),
        agency=current_app.config.get("MARC_ORG_CODE") or row.institution_slug, catalog_url=row.catalog_url,
    )


@cache
def _statements() -> tuple[Select, Select]:  # type: ignore[type-arg]
    """The two queries, built once: building them per batch leaves cyclic garbage behind."""
    # Plain columns, not ORM objects, so the session's identity map does not grow with an export.
    photo_query = (
        select(*_PHOTO_COLUMNS)
        .join(Collection, Collection.id == Photo.collection_id)
        .join(Institution, Institution.id == Photo.institution_id)
        .outerjoin(PhotoSource, PhotoSource.photo_id == Photo.id)
        .where(Photo.id.in_(bindparam("ids", expanding=True)))
    )
    authority = aliased(AuthorityRecord)
    survivor = aliased(AuthorityRecord)
    fact_query = (
        select(
            Identification.id, Identification.photo_id, Identification.kind, Identification.text_value,
            Identification.date_edtf, Identification.region_x, Identification.region_y, Identification.region_w,
            Identification.region_h, Identification.reviewed_at, Identification.created_at, Identification.authority_id,
            Identification.is_face_matching_suggestion,
            func.coalesce(survivor.heading, authority.heading).label("heading"),
            func.coalesce(survivor.dates_edtf, authority.dates_edtf).label("dates"),
            func.coalesce(survivor.authority_uri, authority.authority_uri).label("uri"),
            func.coalesce(survivor.latitude, authority.latitude).label("lat"),
            func.coalesce(survivor.longitude, authority.longitude).label("long"),
            User.display_name, User.deleted_at,
        )
        .outerjoin(authority, authority.id == Identification.authority_id)
        .outerjoin(survivor, survivor.id == authority.merged_into_id)
        .outerjoin(User, User.id == Identification.contributor_id)
        .where(Identification.photo_id.in_(bindparam("ids", expanding=True)), Identification.state == PUBLIC_FACT_STATE)
        .order_by(Identification.photo_id, Identification.kind, Identification.id)
    )
    return photo_query, fact_query


def catalog_records(photo_ids: Sequence[int], *, base_url: str) -> list[CatalogRecord]:
    """Catalog records for these photos, in the order of ``photo_ids`` (unknown ids are skipped).

    Changes nothing; two queries per call whatever the number of photos. The caller decides
    which photos may be shown (published ones); this function decides which facts may: only
    ``approved`` identifications, with a merged authority read as its survivor.
    """
    ids = list(dict.fromkeys(photo_ids))
    if not ids:
        return []
    base = base_url.rstrip("/")
    photo_query, fact_query = _statements()
    rows = db.session.execute(photo_query, {"ids": ids}).all()
    records = {row.id: _record(row, base) for row in rows}
    facts = db.session.execute(fact_query, {"ids": list(records)}).all() if records else []
    for row in facts:
        record = records[row.photo_id]
        is_date = row.kind == "date"
        text = row.date_edtf if is_date else (row.heading or row.text_value or "")
        if not text:
            continue
        contributor = None
        if row.display_name is not None:
            contributor = "a former contributor" if row.deleted_at else row.display_name
        region = None
        if row.region_x is not None:
            region = (row.region_x, row.region_y, row.region_w, row.region_h)
        getattr(record, _BUCKETS[row.kind]).append(Fact(
            identification_id=row.id, kind=row.kind, heading=text,
            dates=row.date_edtf if is_date else row.dates, authority_uri=row.uri or None,
            latitude=row.lat, longitude=row.long, contributor=contributor, reviewed_at=row.reviewed_at,
            is_controlled=row.authority_id is not None, region=region, created_at=row.created_at,
            is_face_matching_suggestion=bool(row.is_face_matching_suggestion),
        ))
    return [records[i] for i in ids if i in records]


def iter_catalog_records(query: Select, *, base_url: str, batch_size: int = 500) -> Iterator[CatalogRecord]:  # type: ignore[type-arg]
    """Every photo ``query`` selects (a ``select(Photo)...``), as records in photo id order.

    Changes nothing. Walks the ids by keyset (``id > last``) ``batch_size`` at a time, so memory
    holds one batch however many photos there are.
    """
    ids_query = (
        query.with_only_columns(Photo.id).order_by(None).order_by(Photo.id)
        .where(Photo.id > bindparam("last")).limit(batch_size)
    )
    last = 0
    while True:
        batch = list(db.session.scalars(ids_query, {"last": last}))
        if not batch:
            return
        yield from catalog_records(batch, base_url=base_url)
        last = batch[-1]
        if len(batch) < batch_size:
            return


#: A heading that ends in its dates, as name authorities write them: "Smith, John, 1890-1962".
_DATED_HEADING = re.compile(r"^(?P<name>.+?),\s*(?P<dates>(?:approximately |born |died )?\d{3,4}-?(?:\d{3,4})?\??)\.?$")


def years(edtf: str | None) -> str:
    """The years an EDTF date covers, as headings give them: "1945", "1890-1962"; "" when unknown."""
    span = year_range(edtf) if edtf else None
    if span is None:
        return ""
    return str(span[0]) if span[0] == span[1] else f"{span[0]}-{span[1]}"


def name_and_dates(fact: Fact) -> tuple[str, str]:
    """A person's name and dates apart, each once: ("Smith, John", "1890-1962") from the heading
    "Smith, John, 1890-1962", or from the record's dates when the heading has none."""
    heading = one_line(fact.heading)
    match = _DATED_HEADING.match(heading)
    if match:
        return match["name"], match["dates"]
    return heading, years(fact.dates) if fact.is_controlled else ""


def distinct(facts: Iterable[Fact]) -> list[Fact]:
    """Facts once each: the same heading (case and spacing aside) with the same link, approved twice
    (on two boxes, or by two patrons), is one subject of the record."""
    seen: set[tuple[str, str, str]] = set()
    kept = []
    for fact in facts:
        key = (fact.kind, one_line(fact.heading).casefold(), fact.authority_uri or "")
        if key not in seen:
            seen.add(key)
            kept.append(fact)
    return kept


def distinct_text(values: Iterable[str]) -> list[str]:
    """Cataloged subjects or places once each (case and spacing aside), empty ones left out."""
    seen: set[str] = set()
    kept = []
    for value in values:
        key = one_line(value).casefold()
        if key and key not in seen:
            seen.add(key)
            kept.append(value)
    return kept


_XML_ILLEGAL = dict.fromkeys([*range(0, 9), 11, 12, *range(14, 32), 0xFFFE, 0xFFFF])


def xml_safe(text: object) -> str:
    """``text`` without the control characters XML 1.0 cannot hold (lxml escapes the rest)."""
    return str(text or "").translate(_XML_ILLEGAL)
