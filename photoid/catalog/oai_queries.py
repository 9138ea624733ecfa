"""What OAI-PMH can see: published photos as records, withdrawn ones as deleted headers, sets.

A photo is a live record while it and its collection are published. Once either has been
public and stops being so (``withdrawn_at`` is set), the photo stays visible as a deleted
record for good. Its datestamp is always ``Photo.modified_at``, which publishing and
withdrawing move (photos/service.py, photos/collections.py), so incremental harvests see both.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, func, or_, select

from photoid.catalog.oai_tokens import ListQuery
from photoid.extensions import db
from photoid.photos.models import Collection, Institution, Photo
from photoid.photos.queries import listed_collection


@dataclass(frozen=True)
class OaiHeader:
    photo_id: int
    datestamp: datetime
    is_deleted: bool
    #: The institution's set and the collection's set, outermost first.
    set_specs: tuple[str, ...]


@dataclass(frozen=True)
class OaiSet:
    spec: str
    name: str
    description: str = ""


def is_live() -> ColumnElement[bool]:
    return and_(Photo.is_published.is_(True), Collection.is_published.is_(True))


def is_visible() -> ColumnElement[bool]:
    """Live, or withdrawn after having been public (a persistent deletion)."""
    return or_(
        is_live(),
        Photo.withdrawn_at.is_not(None),
        and_(Collection.withdrawn_at.is_not(None), Photo.is_published.is_(True)),
    )


def _headers_select() -> Select:  # type: ignore[type-arg]
    return (
        select(Photo.id, Photo.modified_at, Photo.is_published, Collection.is_published, Institution.slug, Collection.slug)
        .join(Collection, Collection.id == Photo.collection_id)
        .join(Institution, Institution.id == Photo.institution_id)
        .where(is_visible())
    )


def _header(row: tuple) -> OaiHeader:  # type: ignore[type-arg]
    photo_id, modified_at, photo_published, collection_published, institution_slug, collection_slug = row
    return OaiHeader(
        photo_id=photo_id, datestamp=modified_at, is_deleted=not (photo_published and collection_published),
        set_specs=(institution_slug, f"{institution_slug}:{collection_slug}"),
    )


def _filtered(query: Select, list_query: ListQuery) -> Select:  # type: ignore[type-arg]
    if list_query.start is not None:
        query = query.where(Photo.modified_at >= list_query.start)
    if list_query.end is not None:
        query = query.where(Photo.modified_at < list_query.end)
    if list_query.set_spec:
        institution_slug, _, collection_slug = list_query.set_spec.partition(":")
        query = query.where(Institution.slug == institution_slug)
        if collection_slug:
            query = query.where(Collection.slug == collection_slug)
    return query


def list_size(list_query: ListQuery) -> int:
    """How many records (live and deleted) the whole list holds right now."""
    query = _filtered(
        select(func.count(Photo.id))
        .join(Collection, Collection.id == Photo.collection_id)
        .join(Institution, Institution.id == Photo.institution_id)
        .where(is_visible()),
        list_query,
    )
    return db.session.scalar(query) or 0


def list_page(list_query: ListQuery, *, size: int) -> list[OaiHeader]:
    """Up to ``size`` headers after the token's position, oldest datestamp first (then by id)."""
    query = _filtered(_headers_select(), list_query)
    if list_query.after is not None:
        stamp, photo_id = list_query.after
        query = query.where(
            or_(Photo.modified_at > stamp, and_(Photo.modified_at == stamp, Photo.id > photo_id))
        )
    rows = db.session.execute(query.order_by(Photo.modified_at, Photo.id).limit(size))
    return [_header(row) for row in rows]


def header_for(photo_id: int) -> OaiHeader | None:
    """The header of one photo, or None when OAI-PMH has never been allowed to show it."""
    row = db.session.execute(_headers_select().where(Photo.id == photo_id)).first()
    return _header(row) if row is not None else None


def earliest_datestamp() -> datetime | None:
    """The oldest datestamp of any record OAI-PMH shows, live or deleted."""
    return db.session.scalar(
        select(func.min(Photo.modified_at)).join(Collection, Collection.id == Photo.collection_id).where(is_visible())
    )


def first_live_id() -> int | None:
    """The lowest photo id with a live record, for Identify's sampleIdentifier; None when there is none."""
    return db.session.scalar(
        select(func.min(Photo.id)).join(Collection, Collection.id == Photo.collection_id).where(is_live())
    )


def all_sets() -> list[OaiSet]:
    """One set per institution with a published collection, and one per published collection
    (``institution:collection``), each institution followed by its collections."""
    rows = db.session.execute(
        select(Institution.slug, Institution.name, Collection.slug, Collection.title, Collection.description)
        .join(Collection, Collection.institution_id == Institution.id)
        .where(listed_collection())
        .order_by(Institution.slug, Collection.slug)
    )
    sets: list[OaiSet] = []
    previous_institution = None
    for institution_slug, institution_name, collection_slug, title, description in rows:
        if institution_slug != previous_institution:
            sets.append(OaiSet(spec=institution_slug, name=institution_name))
            previous_institution = institution_slug
        sets.append(OaiSet(spec=f"{institution_slug}:{collection_slug}", name=title, description=description or ""))
    return sets
