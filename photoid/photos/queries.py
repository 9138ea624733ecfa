"""Read-side queries for the public pages: only published photos in published collections."""
from __future__ import annotations

from functools import cache

from sqlalchemy import ColumnElement, ScalarSelect, Select, and_, bindparam, exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload, with_expression

from photoid.authorities.models import AuthorityRecord, fold
from photoid.contributions.models import Confirmation, Identification
from photoid.contributions.visibility import identification_rule, photo_is_visible, rule_parameters, viewer_id
from photoid.contributions.workflow import OPEN, PUBLIC_FACT_STATE, VoteStance, VoteState
from photoid.extensions import db
from photoid.pagination import Page, paginate
from photoid.photos.models import Collection, IiifImport, Photo


def public_photos() -> Select:  # type: ignore[type-arg]
    return (
        select(Photo)
        .join(Collection, Collection.id == Photo.collection_id)
        .where(Photo.is_published.is_(True), Collection.is_published.is_(True))
    )


def listed_collection() -> ColumnElement[bool]:
    """Where a collection appears publicly (home, institution pages, OAI sets, sitemaps): published
    and holding at least one published photo, so a new, empty collection stays out of sight."""
    return and_(
        Collection.is_published.is_(True),
        exists().where(Photo.collection_id == Collection.id, Photo.is_published.is_(True)),
    )


def published_collections(*, institution_id: int | None = None) -> list[Collection]:
    counts = (
        select(Photo.collection_id, func.count(Photo.id).label("n"))
        .where(Photo.is_published.is_(True))
        .group_by(Photo.collection_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Collection, func.coalesce(counts.c.n, 0))
        .join(counts, counts.c.collection_id == Collection.id)
        .where(Collection.is_published.is_(True),
               *([Collection.institution_id == institution_id] if institution_id is not None else []))
        .options(selectinload(Collection.institution), selectinload(Collection.cover_photo))
        .order_by(Collection.position, Collection.title)
    ).all()
    for collection, count in rows:
        collection.photo_count = count  # type: ignore[attr-defined]
    return [collection for collection, _ in rows]


def recent_photos(limit: int = 12) -> list[Photo]:
    return list(db.session.scalars(public_photos().order_by(Photo.created_at.desc(), Photo.id.desc()).limit(limit)))


def collection_is_listed(collection: Collection) -> bool:
    return bool(db.session.scalar(select(listed_collection()).where(Collection.id == collection.id)))


def collection_photos(collection: Collection, *, page: int, per_page: int, staff_view: bool = False) -> Page[Photo]:
    """The collection's public photos; for its staff, every photo not deleted (withdrawn ones too)."""
    if staff_view:
        query = select(Photo).where(Photo.collection_id == collection.id, Photo.deleted_at.is_(None))
    else:
        query = public_photos().where(Photo.collection_id == collection.id)
    return paginate(query.order_by(Photo.identifier, Photo.id), page=page, per_page=per_page)


def search_photos(text: str, *, page: int, per_page: int) -> Page[Photo]:
    """Plain substring search over titles, descriptions, identifiers and approved headings."""
    pattern = f"%{text.strip()}%"
    folded = f"%{fold(text)}%"
    matching_facts = (
        select(Identification.photo_id)
        .outerjoin(AuthorityRecord, AuthorityRecord.id == Identification.authority_id)
        .where(
            Identification.state == PUBLIC_FACT_STATE,
            or_(AuthorityRecord.heading_folded.like(folded), Identification.text_value.ilike(pattern)),
        )
    )
    query = (
        public_photos()
        .where(
            or_(
                Photo.title.ilike(pattern),
                Photo.description.ilike(pattern),
                Photo.identifier.ilike(pattern),
                Photo.id.in_(matching_facts),
            )
        )
        .order_by(Photo.title, Photo.id)
    )
    return paginate(query, page=page, per_page=per_page)


def _active_votes(stance: VoteStance) -> ScalarSelect[int]:
    return (select(func.count(Confirmation.id))
            .where(Confirmation.identification_id == Identification.id, Confirmation.stance == stance,
                   Confirmation.state == VoteState.ACTIVE)
            .correlate(Identification).scalar_subquery())


@cache
def _facts_statement(*, shows_pending: bool, signed_in: bool, with_votes: bool = False) -> Select:  # type: ignore[type-arg]
    # Built once per combination: composing this select costs more than running it (about 0.7 ms),
    # and the photo page, the embed card and the annotation list ask for it on every request.
    statement = (
        select(Identification)
        .where(
            Identification.photo_id == bindparam("photo_id"), Identification.state.in_(OPEN),
            identification_rule(shows_pending=shows_pending, signed_in=signed_in),
        )
        # Each fact has at most one of each: joined in the same query rather than two more. (No page
        # names the reviewer, only the institution that verified: loading them cost every fact.)
        .options(joinedload(Identification.authority), joinedload(Identification.contributor))
        .order_by(Identification.kind, Identification.created_at, Identification.id)
    )
    if with_votes:  # the photo page's vote counts, in the same query rather than one more
        statement = statement.options(with_expression(Identification.agree_votes, _active_votes(VoteStance.AGREE)),
                                      with_expression(Identification.disagree_votes, _active_votes(VoteStance.DISAGREE)))
    return statement


def photo_facts(photo: Photo, *, include_pending: bool) -> list[Identification]:
    """What an anonymous visitor sees of the photo's identifications: the approved ones, plus pending
    ones when ``include_pending`` (except a suspended account's, which have left the queue too)."""
    return list(db.session.scalars(_facts_statement(shows_pending=include_pending, signed_in=False), {"photo_id": photo.id}))


def visible_facts(photo: Photo, viewer: object, *, with_votes: bool = False) -> list[Identification]:
    """The photo's identifications still open on its page that this visitor may see (contributions/visibility.py):
    approved ones, pending ones when the institution shows them, and the visitor's own pending ones.
    ``with_votes`` fills each one's ``agree_votes`` and ``disagree_votes``."""
    if not photo_is_visible(viewer, photo):
        return []
    statement = _facts_statement(shows_pending=bool(photo.institution.show_pending_publicly),
                                 signed_in=viewer_id(viewer) is not None, with_votes=with_votes)
    return list(db.session.scalars(statement, rule_parameters(photo, viewer)))


@cache
def _vote_count_statement() -> Select:  # type: ignore[type-arg]
    return (
        select(Confirmation.identification_id, Confirmation.stance, func.count(Confirmation.id))
        .where(Confirmation.identification_id.in_(bindparam("ids", expanding=True)), Confirmation.state == VoteState.ACTIVE)
        .group_by(Confirmation.identification_id, Confirmation.stance)
    )


def vote_counts(identification_ids: list[int]) -> dict[int, dict[str, int]]:
    """Active agree and disagree votes per identification, from distinct patrons."""
    counts: dict[int, dict[str, int]] = {i: dict.fromkeys(VoteStance, 0) for i in identification_ids}
    if not identification_ids:
        return counts
    for identification_id, stance, count in db.session.execute(_vote_count_statement(), {"ids": identification_ids}):
        counts[identification_id][stance] = count
    return counts


def votes_by(user_id: int, identification_ids: list[int]) -> dict[int, str]:
    """The user's counting votes (a vote taken back is not one), by identification."""
    if not identification_ids:
        return {}
    rows = db.session.execute(
        select(Confirmation.identification_id, Confirmation.stance)
        .where(Confirmation.voter_id == user_id, Confirmation.identification_id.in_(identification_ids),
               Confirmation.state == VoteState.ACTIVE)
    )
    return {identification_id: stance for identification_id, stance in rows}


def recent_imports(collection: Collection, *, limit: int = 10) -> list[IiifImport]:
    """The collection's latest IIIF import requests, newest first, with their progress. Changes nothing."""
    return list(db.session.scalars(
        select(IiifImport).where(IiifImport.collection_id == collection.id).order_by(IiifImport.id.desc()).limit(limit)
    ))
