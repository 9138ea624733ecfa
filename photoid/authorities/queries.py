"""Read-side queries for authority pages: the public person/place/event pages and the staff lists."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select, true
from sqlalchemy.orm import selectinload

from photoid.authorities.matching import words_match
from photoid.authorities.models import AuthorityRecord
from photoid.contributions.models import Identification
from photoid.contributions.workflow import OPEN, PUBLIC_FACT_STATE, AuthorityStatus
from photoid.extensions import db
from photoid.moderation.models import ModerationEvent
from photoid.pagination import Page, paginate
from photoid.photos.models import Institution, Photo
from photoid.photos.queries import public_photos

#: Identifications that make a record "used" by their photo's institution: on its record or waiting
#: for its archivists. Declined, withdrawn and replaced ones do not.
USING_STATES = OPEN
#: Each kind's public address, e.g. /people/12.
KIND_PATHS = {"person": "people", "place": "places", "event": "events"}
MAX_CHAIN = 50


def has_public_page(record: AuthorityRecord | None) -> bool:
    """Whether the record has a public page (/people/12): an accepted person, place or event."""
    return record is not None and record.kind in KIND_PATHS and record.status == AuthorityStatus.ACCEPTED


def get_record(record_id: int) -> AuthorityRecord | None:
    return db.session.scalar(
        select(AuthorityRecord).where(AuthorityRecord.id == record_id).options(selectinload(AuthorityRecord.variants))
    )


def holder_of_link(uri: str | None, *, other_than: int | None = None) -> AuthorityRecord | None:
    """The live (not merged) record that already has this authority link, other than ``other_than``;
    links are stored canonical (uris.py), so a record's page link and its entity URI find the same one."""
    if not uri:
        return None
    query = select(AuthorityRecord).where(AuthorityRecord.authority_uri == uri, AuthorityRecord.merged_into_id.is_(None))
    if other_than is not None:
        query = query.where(AuthorityRecord.id != other_than)
    return db.session.scalar(query.order_by(AuthorityRecord.id).limit(1))


def survivor_of(record: AuthorityRecord) -> AuthorityRecord:
    """The record a merged duplicate now stands for (following merges of merges); itself if not merged.

    The one place that follows ``merged_into``: it stops before a record it has already seen, so a
    cycle (A merged into B merged into A, which only a hand-edited database holds) ends on the last
    new record instead of looping, and so does a chain longer than MAX_CHAIN.
    """
    seen = {record.id}
    while record.merged_into is not None and record.merged_into.id not in seen and len(seen) < MAX_CHAIN:
        record = record.merged_into
        seen.add(record.id)
    return record


@dataclass
class Appearance:
    """One published photo showing the record, with the identification whose box makes its thumbnail."""

    photo: Photo
    identification: Identification


def _approved_of(record_id: int) -> Select:  # type: ignore[type-arg]
    return select(Identification.photo_id).where(
        Identification.authority_id == record_id, Identification.state == PUBLIC_FACT_STATE
    )


def appearances(record: AuthorityRecord, *, page: int, per_page: int) -> Page[Appearance]:
    """Published photos with an approved identification of ``record``, by title.

    Three queries whatever the page holds: the count, the photos, and their identifications.
    """
    query = public_photos().where(Photo.id.in_(_approved_of(record.id))).order_by(Photo.title, Photo.id)
    photos: Page[Photo] = paginate(query, page=page, per_page=per_page)
    facts: dict[int, Identification] = {}
    if photos.items:
        for fact in db.session.scalars(
            select(Identification)
            .where(Identification.photo_id.in_([p.id for p in photos.items]), Identification.authority_id == record.id,
                   Identification.state == PUBLIC_FACT_STATE)
            .order_by(Identification.region_x.is_(None), Identification.id)
        ):
            facts.setdefault(fact.photo_id, fact)  # one with a box first, so the thumbnail is a crop
    return Page(items=[Appearance(p, facts[p.id]) for p in photos.items if p.id in facts],
                page=photos.page, per_page=photos.per_page, total=photos.total)


def browse(*, text: str = "", kind: str | None = None, status: str | None = None, page: int, per_page: int) -> Page:  # type: ignore[type-arg]
    """Records that are not merged away, filtered by words, kind and status, by heading.

    Each item is ``(record, approved_count)``; two queries (count and page).
    """
    approved = (
        select(Identification.authority_id, func.count(Identification.id).label("n"))
        .where(Identification.state == PUBLIC_FACT_STATE).group_by(Identification.authority_id).subquery()
    )
    query = (
        select(AuthorityRecord, func.coalesce(approved.c.n, 0))
        .outerjoin(approved, approved.c.authority_id == AuthorityRecord.id)
        .where(AuthorityRecord.merged_into_id.is_(None))
        .order_by(AuthorityRecord.heading_folded, AuthorityRecord.id)
    )
    if kind:
        query = query.where(AuthorityRecord.kind == kind)
    if status:
        query = query.where(AuthorityRecord.status == status)
    match = words_match(text)
    if match is not None:
        query = query.where(match)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = db.session.execute(query.limit(per_page).offset((max(1, page) - 1) * per_page)).all()
    return Page(items=[(record, count) for record, count in rows], page=max(1, page), per_page=per_page, total=total)


def institutions_using(*records: AuthorityRecord) -> list[Institution]:
    """The institutions whose photos use any of the records (an identification in ``USING_STATES``), by name."""
    photo_institutions = (
        select(Photo.institution_id).join(Identification, Identification.photo_id == Photo.id)
        .where(Identification.authority_id.in_([r.id for r in records]), Identification.state.in_(USING_STATES))
    )
    return list(db.session.scalars(
        select(Institution).where(Institution.id.in_(photo_institutions)).order_by(Institution.name, Institution.id)
    ))


def editable_by(institution_ids: list[int]):  # type: ignore[no-untyped-def]
    """A condition on AuthorityRecord: no photo uses it, or a photo of one of these institutions does."""
    def using(*where):  # type: ignore[no-untyped-def]
        return select(Identification.id).join(Photo, Photo.id == Identification.photo_id).where(
            Identification.authority_id == AuthorityRecord.id, Identification.state.in_(USING_STATES), *where
        ).exists()
    return or_(~using(), using(Photo.institution_id.in_(institution_ids)))


def merge_candidates(record: AuthorityRecord, text: str, *, limit: int = 20,
                     institution_ids: list[int] | None = None) -> list[AuthorityRecord]:
    """Records the duplicate could be merged into: same kind, not merged, not itself, matching ``text``,
    and, when ``institution_ids`` are given (an archivist's), only records :func:`editable_by` them."""
    match = words_match(text)
    if match is None:
        return []
    allowed = editable_by(institution_ids) if institution_ids is not None else true()
    return list(db.session.scalars(
        select(AuthorityRecord)
        .where(AuthorityRecord.kind == record.kind, AuthorityRecord.merged_into_id.is_(None),
               AuthorityRecord.id != record.id, match, allowed)
        .options(selectinload(AuthorityRecord.variants))
        .order_by(AuthorityRecord.heading_folded).limit(limit)
    ))


def identification_counts(record: AuthorityRecord) -> dict[str, int]:
    """How many identifications name the record, by state ({"approved": 3, "pending": 1})."""
    rows = db.session.execute(
        select(Identification.state, func.count(Identification.id))
        .where(Identification.authority_id == record.id).group_by(Identification.state)
    )
    return {state: count for state, count in rows}


def published_photo_count(record: AuthorityRecord) -> int:
    """Photos whose published record names ``record`` (their ``modified_at`` moves on a change)."""
    return db.session.scalar(
        select(func.count(func.distinct(Identification.photo_id))).where(
            Identification.authority_id == record.id, Identification.state == PUBLIC_FACT_STATE)
    ) or 0


def merge_events_into(record: AuthorityRecord) -> list[tuple[AuthorityRecord, ModerationEvent]]:
    """The duplicates merged into ``record``, each with the event of its (latest) merge."""
    losers = list(db.session.scalars(
        select(AuthorityRecord).where(AuthorityRecord.merged_into_id == record.id).order_by(AuthorityRecord.heading_folded)
    ))
    return [(loser, event) for loser in losers if (event := latest_merge(loser)) is not None]


def latest_merge(record: AuthorityRecord) -> ModerationEvent | None:
    return db.session.scalar(
        select(ModerationEvent).where(
            ModerationEvent.target_type == "authority", ModerationEvent.target_id == record.id,
            ModerationEvent.action == "merge",
        ).order_by(ModerationEvent.id.desc()).limit(1)
    )
