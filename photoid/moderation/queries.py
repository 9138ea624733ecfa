"""Read-side queries for the moderation queue: only what the moderator's institutions hold.

Every list is loaded in a fixed number of queries, whatever the number of items.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import g, has_request_context
from sqlalchemy import Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from photoid.accounts.models import User
from photoid.authorities.matching import Resemblance, resembling, words_match
from photoid.authorities.models import AUTHORITY_KINDS, AuthorityRecord
from photoid.contributions.competing import SAME_REGION_OVERLAP, about_the_same
from photoid.contributions.models import AS_SENT, IDENTIFICATION_KINDS, Comment, Confirmation, Identification
from photoid.contributions.workflow import (
    ACCEPTED, DECLINED, OPEN, PENDING_STATE, AuthorityStatus, CommentState, IdentificationState, VoteStance, VoteState,
)
from photoid.db import utcnow
from photoid.extensions import db
from photoid.pagination import Page, paginate
from photoid.photos.models import Collection, Institution, Photo


@dataclass(frozen=True)
class QueueFilters:
    """What the moderator asked to see; every field is already checked."""

    kind: str | None = None
    collection_id: int | None = None
    contributor_id: int | None = None
    has_region: bool = False
    contested: bool = False
    #: Only items waiting longer than this many days.
    older_than_days: int | None = None
    sort: str = "oldest"

    @property
    def wants_identifications(self) -> bool:
        return self.kind != "comment"

    @property
    def wants_comments(self) -> bool:
        return self.kind in (None, "comment") and not self.has_region and not self.contested


@dataclass
class ContributorRecord:
    """The contributor's earlier identifications: accepted (``workflow.ACCEPTED``) and declined.

    A retracted fact counts in neither: its approval was taken back as a mistake (see workflow.ACCEPTED).
    """

    approved: int = 0
    rejected: int = 0


@dataclass
class QueueItem:
    """One pending identification with everything needed to decide on it in one look."""

    identification: Identification
    agree: int = 0
    disagree: int = 0
    votes: list[Confirmation] = field(default_factory=list)
    competing: list[Identification] = field(default_factory=list)
    record: ContributorRecord = field(default_factory=ContributorRecord)
    #: For a free-text name: the records it resembles, each a button that links it (issue 20).
    possibly: list[Resemblance] = field(default_factory=list)

    @property
    def support(self) -> int:
        return self.agree - self.disagree


@dataclass
class Queue:
    identifications: Page[QueueItem]
    comments: list[Comment]
    comment_total: int


def moderated_institution_ids(user: User) -> list[int] | None:
    """The institutions whose queue the user sees; None means every institution (admins)."""
    if user.is_admin:
        return None
    if user.role != "archivist":
        return []
    return [institution.id for institution in user.institutions]


def _from_active_account(author_id):  # type: ignore[no-untyped-def]
    """Leaves out what suspended accounts sent: it waits, unseen, until an admin restores the account."""
    return ~exists().where(User.id == author_id, User.suspended_at.is_not(None))


def _in_scope(query: Select, institution_ids: list[int] | None) -> Select:  # type: ignore[type-arg]
    return query if institution_ids is None else query.where(Photo.institution_id.in_(institution_ids))


def _same_region(a: type[Identification], b: type[Identification]):  # type: ignore[no-untyped-def]
    """SQL for :func:`photoid.contributions.competing.about_the_same` on two boxes: intersection
    over union at least SAME_REGION_OVERLAP, i.e. intersection * (1 + t) >= t * (area a + area b)."""
    width = case((a.region_x + a.region_w < b.region_x + b.region_w, a.region_x + a.region_w),
                 else_=b.region_x + b.region_w) - case((a.region_x > b.region_x, a.region_x), else_=b.region_x)
    height = case((a.region_y + a.region_h < b.region_y + b.region_h, a.region_y + a.region_h),
                  else_=b.region_y + b.region_h) - case((a.region_y > b.region_y, a.region_y), else_=b.region_y)
    t = SAME_REGION_OVERLAP
    return and_(
        a.region_x.is_not(None), b.region_x.is_not(None), width > 0, height > 0,
        width * height * (1 + t) >= t * (a.region_w * a.region_h + b.region_w * b.region_h),
    )


def _support_column():  # type: ignore[no-untyped-def]
    return (
        select(func.coalesce(func.sum(case((Confirmation.stance == VoteStance.AGREE, 1), else_=-1)), 0))
        .where(Confirmation.identification_id == Identification.id, Confirmation.state == VoteState.ACTIVE)
        .correlate(Identification)
        .scalar_subquery()
    )


def pending_identifications_query(institution_ids: list[int] | None, filters: QueueFilters) -> Select:  # type: ignore[type-arg]
    """Pending identifications in scope, filtered and sorted as asked (no paging)."""
    query = _in_scope(
        select(Identification).join(Photo, Photo.id == Identification.photo_id).where(Identification.state == IdentificationState.PENDING)
        .where(_from_active_account(Identification.contributor_id)),
        institution_ids,
    )
    if filters.kind in IDENTIFICATION_KINDS:
        query = query.where(Identification.kind == filters.kind)
    if filters.collection_id is not None:
        query = query.where(Photo.collection_id == filters.collection_id)
    if filters.contributor_id is not None:
        query = query.where(Identification.contributor_id == filters.contributor_id)
    if filters.older_than_days:
        query = query.where(Identification.created_at < utcnow() - timedelta(days=filters.older_than_days))
    if filters.has_region:
        query = query.where(Identification.region_x.is_not(None))
    if filters.contested:
        other = aliased(Identification)
        disagreed = exists().where(
            Confirmation.identification_id == Identification.id, Confirmation.state == VoteState.ACTIVE,
            Confirmation.stance == VoteStance.DISAGREE,
        )
        competing = exists().where(
            other.photo_id == Identification.photo_id, other.id != Identification.id, other.state == IdentificationState.PENDING,
            other.kind == Identification.kind, Identification.kind != "keyword",
            or_(Identification.kind == "date", _same_region(other, Identification)),  # type: ignore[arg-type]
        )
        query = query.where(or_(disagreed, competing))
    if filters.sort == "support":
        return query.order_by(_support_column().desc(), Identification.created_at, Identification.id)
    return query.order_by(Identification.created_at, Identification.id)


def _details(items: list[QueueItem]) -> None:
    """Votes, competing claims, contributors' records and the records a free-text name resembles,
    for a page of items, in at most six queries."""
    if not items:
        return
    by_id = {item.identification.id: item for item in items}
    votes = db.session.scalars(
        select(Confirmation)
        .where(Confirmation.identification_id.in_(by_id), Confirmation.state == VoteState.ACTIVE)
        .options(selectinload(Confirmation.voter))
        .order_by(Confirmation.created_at)
    )
    counter_ids: dict[int, set[int]] = {}
    for vote in votes:
        item = by_id[vote.identification_id]
        item.votes.append(vote)
        if vote.stance == VoteStance.AGREE:
            item.agree += 1
        else:
            item.disagree += 1
            if vote.counter_identification_id:
                counter_ids.setdefault(vote.identification_id, set()).add(vote.counter_identification_id)

    # Only what can compete: a box or a date of a kind on the page, or a patron's counter-proposal.
    # A photo with many approved facts would otherwise load all of them for every page.
    photo_ids = {item.identification.photo_id for item in items}
    kinds = {item.identification.kind for item in items}
    countered = set().union(*counter_ids.values()) if counter_ids else set()
    others_by_photo: dict[int, list[Identification]] = {}
    for other in db.session.scalars(
        select(Identification)
        .where(
            Identification.photo_id.in_(photo_ids), Identification.state.in_(OPEN),
            or_(
                and_(Identification.kind.in_(kinds), or_(Identification.region_x.is_not(None), Identification.kind == "date")),
                Identification.id.in_(countered),
            ),
        )
        .options(selectinload(Identification.authority), selectinload(Identification.contributor))
        .order_by(Identification.created_at)
    ):
        others_by_photo.setdefault(other.photo_id, []).append(other)
    for item in items:
        mine = item.identification
        item.competing = [
            other for other in others_by_photo.get(mine.photo_id, [])
            if other.id != mine.id and (about_the_same(mine, other) or other.id in counter_ids.get(mine.id, ()))
        ]

    contributor_ids = {item.identification.contributor_id for item in items} - {None}
    records: dict[int, ContributorRecord] = {}
    if contributor_ids:
        rows = db.session.execute(
            select(
                Identification.contributor_id,
                func.sum(case((Identification.state.in_(ACCEPTED), 1), else_=0)),
                func.sum(case((Identification.state.in_(DECLINED), 1), else_=0)),
            )
            .where(Identification.contributor_id.in_(contributor_ids), AS_SENT)
            .group_by(Identification.contributor_id)
        )
        records = {cid: ContributorRecord(approved=int(a or 0), rejected=int(r or 0)) for cid, a, r in rows}
    for item in items:
        item.record = records.get(item.identification.contributor_id or 0, ContributorRecord())

    # A name typed freely that the library may know under another form (two more queries at most).
    free_text = {item.identification.id: (item.identification.kind, item.identification.text_value or "") for item in items
                 if item.identification.kind in AUTHORITY_KINDS and item.identification.authority_id is None}
    for item_id, found in resembling(free_text).items():
        by_id[item_id].possibly = found


def pending_comments_query(institution_ids: list[int] | None, filters: QueueFilters) -> Select:  # type: ignore[type-arg]
    query = _in_scope(select(Comment).join(Photo, Photo.id == Comment.photo_id).where(Comment.state == CommentState.PENDING)
                      .where(_from_active_account(Comment.author_id)), institution_ids)
    if filters.collection_id is not None:
        query = query.where(Photo.collection_id == filters.collection_id)
    if filters.contributor_id is not None:
        query = query.where(Comment.author_id == filters.contributor_id)
    if filters.older_than_days:
        query = query.where(Comment.created_at < utcnow() - timedelta(days=filters.older_than_days))
    return query.order_by(Comment.created_at, Comment.id)


def queue(user: User, filters: QueueFilters, *, page: int, per_page: int) -> Queue:
    """The page of the queue the user asked for: identifications with their details, then comments."""
    institution_ids = moderated_institution_ids(user)
    if filters.wants_identifications:
        query = pending_identifications_query(institution_ids, filters).options(
            joinedload(Identification.photo).joinedload(Photo.institution),
            joinedload(Identification.photo).joinedload(Photo.collection),
            joinedload(Identification.authority),
            joinedload(Identification.contributor),
        )
        found = paginate(query, page=page, per_page=per_page)
        items = [QueueItem(identification=i) for i in found.items]
        _details(items)
        identifications = Page(items=items, page=found.page, per_page=per_page, total=found.total)
    else:
        identifications = Page(items=[], page=1, per_page=per_page, total=0)
    comments: list[Comment] = []
    comment_total = 0
    if filters.wants_comments:
        query = pending_comments_query(institution_ids, filters)
        comment_total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
        if comment_total:
            comments = list(db.session.scalars(query.limit(per_page).options(
                joinedload(Comment.photo).joinedload(Photo.institution), joinedload(Comment.author),
            )))
    return Queue(identifications=identifications, comments=comments, comment_total=comment_total)


def waiting_in(model: type[Identification] | type[Comment], institution_ids: list[int] | tuple[int, ...] | None,
               ) -> tuple[int, datetime | None]:
    """How many ``model`` items wait for a decision in these institutions (None: all), whoever sent them,
    and when the oldest was sent. Counted from the indexes alone; kept for the rest of the request,
    as the staff header and the impact dashboard both ask."""
    key = ("waiting_in", model.__name__, None if institution_ids is None else tuple(sorted(institution_ids)))
    memo = g.setdefault("_moderation_memo", {}) if has_request_context() else {}
    if key not in memo:
        query = select(func.count(), func.min(model.created_at)).where(model.state == PENDING_STATE)
        if institution_ids is None:
            query = query.select_from(model)
        else:
            # From the institutions' photos into the (photo, state, created_at) index.
            query = query.select_from(Photo).join(model, model.photo_id == Photo.id).where(
                Photo.institution_id.in_(institution_ids))
        count, oldest = db.session.execute(query).one()
        memo[key] = (int(count or 0), oldest)
    return memo[key]


def summary(user: User) -> tuple[int, datetime | None]:
    """How many items wait in the user's queue, and when the oldest was sent.

    Shown in every staff page's header, so it must stay cheap with tens of thousands waiting: all
    waiting items are counted from the indexes alone, those of suspended accounts (few) are taken
    off, and the oldest is the first active one met walking the (state, created_at) index.
    """
    institution_ids = moderated_institution_ids(user)
    if institution_ids == []:
        return 0, None
    total = 0
    oldest: datetime | None = None
    for model, author in ((Identification, Identification.contributor_id), (Comment, Comment.author_id)):
        # From the few suspended accounts into the contributor index, not from every waiting item.
        suspended = select(func.count()).select_from(model).where(
            model.state == PENDING_STATE, author.in_(select(User.id).where(User.suspended_at.is_not(None))))
        if institution_ids is not None:
            suspended = suspended.join(Photo, Photo.id == model.photo_id).where(Photo.institution_id.in_(institution_ids))
        total += waiting_in(model, institution_ids)[0] - (db.session.scalar(suspended) or 0)
        first_query = _in_scope(
            select(model.created_at).where(model.state == PENDING_STATE, _from_active_account(author))
            .join(Photo, Photo.id == model.photo_id).order_by(model.created_at).limit(1),
            institution_ids,
        )
        first = db.session.scalar(first_query)
        if first is not None and (oldest is None or first < oldest):
            oldest = first
    return total, oldest


def filter_collections(user: User) -> list[Collection]:
    """The collections of the moderator's institutions, for the collection filter."""
    institution_ids = moderated_institution_ids(user)
    query = select(Collection).order_by(Collection.title)
    if institution_ids is not None:
        query = query.where(Collection.institution_id.in_(institution_ids))
    return list(db.session.scalars(query))


def reject_reasons(user: User) -> list[str]:
    """The reject reasons of the moderator's institutions, without repeats, for the bulk bar."""
    institution_ids = moderated_institution_ids(user)
    query = select(Institution.reject_reasons).order_by(Institution.name)
    if institution_ids is not None:
        query = query.where(Institution.id.in_(institution_ids))
    reasons: dict[str, None] = {}
    for row in db.session.scalars(query):
        reasons.update(dict.fromkeys(row or []))
    return list(reasons)


def authority_candidates(text: str, kind: str, *, limit: int = 10) -> list:  # type: ignore[type-arg]
    """Accepted records of ``kind`` whose heading or a variant holds every word of ``text``, in any
    order and ignoring accents and case, so "John Smith" finds "Smith, John, 1890-1962"; then those the
    text resembles, so "Dot Benson (née Hale)" finds the record known as "Dot Hale"."""
    match = words_match(text)
    found = list(db.session.scalars(
        select(AuthorityRecord)
        .where(AuthorityRecord.kind == kind, AuthorityRecord.status == AuthorityStatus.ACCEPTED, AuthorityRecord.merged_into_id.is_(None),
               match)
        .order_by(AuthorityRecord.heading_folded)
        .limit(limit)
    )) if match is not None else []
    found += [r.record for r in resembling({0: (kind, text)}).get(0, []) if r.record not in found]
    return found[:limit]
