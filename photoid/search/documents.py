"""What the index should say about each photo, read from the database (the source of truth)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from photoid.authorities.models import AuthorityRecord
from photoid.contributions.models import Identification
from photoid.contributions.workflow import PENDING_STATE, PUBLIC_FACT_STATE
from photoid.edtf import decades, sort_key, year_bounds
from photoid.photos.dating import shown_date
from photoid.photos.models import Collection, Photo
from photoid.search.index import PhotoDocument

BATCH = 500


def documents_for(session: Session, photo_ids: Iterable[int]) -> dict[int, PhotoDocument]:
    """Documents for those of ``photo_ids`` that are public; a missing id must leave the index.

    Only approved identifications are used. Reads only.
    """
    ids = sorted(set(photo_ids))
    if not ids:
        return {}
    photos = session.scalars(
        select(Photo).join(Collection, Collection.id == Photo.collection_id)
        .where(Photo.id.in_(ids), Photo.is_published.is_(True), Collection.is_published.is_(True))
    ).all()
    if not photos:
        return {}
    public_ids = [photo.id for photo in photos]
    facts: dict[int, list[Identification]] = defaultdict(list)
    for fact in session.scalars(
        select(Identification)
        .where(Identification.photo_id.in_(public_ids), Identification.state == PUBLIC_FACT_STATE)
        .options(selectinload(Identification.authority).selectinload(AuthorityRecord.variants))
        .order_by(Identification.id)
    ):
        facts[fact.photo_id].append(fact)
    open_boxes = set(session.scalars(
        select(Identification.photo_id).where(
            Identification.photo_id.in_(public_ids), Identification.state == PENDING_STATE,
            Identification.region_x.is_not(None),
        )
    ))
    return {photo.id: _document(photo, facts[photo.id], photo.id in open_boxes) for photo in photos}


def _document(photo: Photo, facts: list[Identification], has_open_boxes: bool) -> PhotoDocument:
    names: list[str] = []
    ids: dict[str, set[int]] = {"person": set(), "place": set(), "event": set()}
    dates = [photo.date_edtf] if photo.date_edtf else []
    for fact in facts:
        if fact.kind == "date":
            if fact.date_edtf:
                dates.append(fact.date_edtf)
        elif fact.authority is not None:
            names.append(fact.authority.heading)
            names.extend(variant.name for variant in fact.authority.variants)
            if fact.kind in ids:
                ids[fact.kind].add(fact.authority.id)
        elif fact.text_value:
            names.append(fact.text_value)
    names.extend(list(photo.subjects or []) + list(photo.places or []))
    reviewed = [fact.reviewed_at for fact in facts if fact.reviewed_at is not None]
    community = [span for fact in facts if fact.kind == "date" and (span := year_bounds(fact.date_edtf))]
    shown = shown_date(photo, facts)
    return PhotoDocument(
        photo_id=photo.id,
        title=photo.title,
        description=photo.description or "",
        identifier=photo.identifier,
        names=list(dict.fromkeys(names)),
        collection=photo.collection_id,
        institution=photo.institution_id,
        person=sorted(ids["person"]),
        place=sorted(ids["place"]),
        event=sorted(ids["event"]),
        decade=sorted({decade for edtf in dates for decade in decades(edtf)}),
        unidentified=has_open_boxes,
        date_sort=sort_key(shown.edtf) if shown else "9999-12-31",
        catalog_years=year_bounds(photo.date_edtf),
        community_years=(min(a for a, _ in community), max(b for _, b in community)) if community else None,
        identified_at=max(reviewed).strftime("%Y-%m-%dT%H:%M:%S") if reviewed else "",
    )


def all_documents(session: Session) -> Iterator[PhotoDocument]:
    """Every public photo's document, read in batches (for a full rebuild). Reads only."""
    last = 0
    while True:
        ids = list(session.scalars(select(Photo.id).where(Photo.id > last).order_by(Photo.id).limit(BATCH)))
        if not ids:
            return
        docs = documents_for(session, ids)
        yield from (docs[photo_id] for photo_id in ids if photo_id in docs)
        last = ids[-1]
        session.expunge_all()
