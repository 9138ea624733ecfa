"""The impact figures: every number is one SQL aggregate, grouped by week where it is a series.

Weeks start on Monday, 00:00 UTC, and are named by that Monday (``2026-11-30``). The database
does the grouping (``date(..., 'weekday 0', '-6 days')`` on SQLite, ``date_trunc('week', ...)``
on PostgreSQL); percentiles are nearest-rank, chosen with ``row_number()`` over the sorted
durations, so no row list is loaded into Python on either database.

What is counted:

* photos published: photos that are published and not withdrawn, by the week they were added;
* photos identified: photos with an approved identification now, by the week of the first approval;
* identifications received: patrons' submissions (not the corrected copies staff make when they
  approve with changes), by week submitted; approved: those accepted (``workflow.ACCEPTED``: as sent or
  with changes; not those retracted later), by week of decision;
* comments received, by week written; approved: those published now;
* contributors: distinct people who sent an identification or a comment that week (a count only);
* catalog records exported: the ``record_count`` of finished catalog exports, by week started;
* time to decision: from submission to the first staff decision on an identification or a held
  comment (median and 90th percentile, in hours), by week of decision;
* waiting: identifications and comments still pending, by week submitted, and the oldest of them.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, union_all

from photoid.catalog.models import ExportRun
from photoid.contributions.models import Comment, Identification
from photoid.contributions.workflow import (
    ACCEPTED, COMMENT_DECIDED, COMMENT_PENDING_STATE, FIRST_DECISION, PENDING_STATE, PUBLIC_COMMENT_STATE, PUBLIC_FACT_STATE,
)
from photoid.db import utcnow
from photoid.extensions import db
from photoid.moderation.queries import waiting_in
from photoid.photos.models import Collection, Institution, Photo


#: The date ranges offered: key -> (label, number of weeks or None for everything).
PERIODS: dict[str, tuple[str, int | None]] = {
    "12": ("Last 12 weeks", 12),
    "52": ("Last 52 weeks", 52),
    "all": ("All time", None),
}
DEFAULT_PERIOD = "12"


class ImpactError(Exception):
    """A range or institution the reader may not ask for; the message is shown to them."""


@dataclass(frozen=True)
class Scope:
    """Whose figures: some institutions, or the whole consortium (``institution_ids`` is None)."""

    label: str
    institution_ids: tuple[int, ...] | None = None


@dataclass(frozen=True)
class Period:
    key: str
    label: str
    #: Monday 00:00 UTC of the first week shown; None for "all time".
    start: datetime | None
    #: Monday 00:00 UTC after the last week counted; None for "up to now".
    end: datetime | None = None


@dataclass
class Figure:
    """One figure: its headline number, and its value for every week of the period."""

    key: str
    title: str
    #: "count" or "hours"
    unit: str
    total: float | None
    #: What the headline number means ("in the last 12 weeks", "median").
    total_note: str
    series: list[tuple[date, float | None]] = field(default_factory=list)
    #: Shown on the public achievements page (no staff-only workload figures there).
    is_public: bool = True


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def period(key: str, *, now: datetime | None = None) -> Period:
    """The period for a ``weeks=`` argument; raises ImpactError for anything else."""
    if key not in PERIODS:
        raise ImpactError("Please choose a date range from the list: the last 12 weeks, the last 52 weeks or all time.")
    label, weeks = PERIODS[key]
    if weeks is None:
        return Period(key, label, None)
    today = (now or utcnow()).astimezone(UTC).date()
    first = monday(today) - timedelta(weeks=weeks - 1)
    return Period(key, label, datetime(first.year, first.month, first.day, tzinfo=UTC))


def visible_institutions(reader: Any) -> list[Institution]:
    """The institutions whose figures the reader may see (every one for admins)."""
    if reader.is_admin:
        return list(db.session.scalars(select(Institution).order_by(Institution.name)))
    return sorted(reader.institutions, key=lambda i: i.name) if reader.role == "archivist" else []


# --- SQL building blocks -------------------------------------------------------------------------
def _dialect() -> str:
    return db.session.get_bind().dialect.name


def week_of(column: Any) -> ColumnElement[Any]:
    """The Monday of the column's week as ``YYYY-MM-DD`` text, computed by the database."""
    if _dialect() == "postgresql":
        return func.to_char(func.date_trunc("week", func.timezone("UTC", column)), "YYYY-MM-DD")
    return func.date(column, "weekday 0", "-6 days")


def seconds_between(later: Any, earlier: Any) -> ColumnElement[Any]:
    if _dialect() == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def _in_scope(query: Select[Any], scope: Scope, photo_id: Any) -> Select[Any]:
    """Limit a query on a photo's contributions to the scope's institutions.

    On SQLite the join is on ``photo_id + 0``: that keeps its planner from walking every photo of
    the institution and all their contributions, and makes it read the time range by its index
    first (a few weeks out of years), looking each photo up by its key.
    """
    if scope.institution_ids is None:
        return query
    key = photo_id + 0 if _dialect() == "sqlite" else photo_id
    return query.join(Photo, Photo.id == key).where(Photo.institution_id.in_(scope.institution_ids))


def _since(query: Select[Any], column: Any, when: Period) -> Select[Any]:
    if when.start is not None:
        query = query.where(column >= when.start)
    return query if when.end is None else query.where(column < when.end)


def _weekly(query: Select[Any]) -> dict[date, float]:
    """Run a ``(week text, value)`` query into a dict keyed by the week's Monday."""
    return {date.fromisoformat(str(week)[:10]): float(value or 0) for week, value in db.session.execute(query)}


def _grouped(week: ColumnElement[Any], value: ColumnElement[Any], base: Select[Any]) -> Select[Any]:
    return base.with_only_columns(week.label("week"), value.label("value")).group_by(week)


# --- the series ------------------------------------------------------------------------------------
def photos_published(scope: Scope, when: Period) -> dict[date, float]:
    week = week_of(Photo.created_at)
    query = select(Photo.id).where(Photo.is_published.is_(True), Photo.withdrawn_at.is_(None))
    if scope.institution_ids is not None:
        query = query.where(Photo.institution_id.in_(scope.institution_ids))
    return _weekly(_grouped(week, func.count(), _since(query, Photo.created_at, when)))


def photos_identified(scope: Scope, when: Period) -> dict[date, float]:
    """Photos by the week of their first approval: approvals in the period with no earlier one on their photo."""
    approved = Identification.__table__.alias("approved")
    earlier = Identification.__table__.alias("earlier")
    before = select(earlier.c.id).where(
        earlier.c.photo_id == approved.c.photo_id, earlier.c.state == PUBLIC_FACT_STATE,
        or_(earlier.c.reviewed_at < approved.c.reviewed_at,
            and_(earlier.c.reviewed_at == approved.c.reviewed_at, earlier.c.id < approved.c.id)),
    )
    # ``state || ''`` keeps SQLite reading the period's approvals by their time (the reviewed_at
    # index), not every approval ever made through the (state, created_at) index.
    query = select(approved.c.id).where(approved.c.state.concat("") == PUBLIC_FACT_STATE, ~before.exists())
    query = _since(_in_scope(query, scope, approved.c.photo_id), approved.c.reviewed_at, when)
    return _weekly(_grouped(week_of(approved.c.reviewed_at), func.count(), query))


def _submissions() -> Select[Any]:
    return select(Identification.id).where(Identification.supersedes_id.is_(None))


def identifications_received(scope: Scope, when: Period) -> dict[date, float]:
    query = _since(_in_scope(_submissions(), scope, Identification.photo_id), Identification.created_at, when)
    return _weekly(_grouped(week_of(Identification.created_at), func.count(), query))


def identifications_approved(scope: Scope, when: Period) -> dict[date, float]:
    query = _in_scope(_submissions().where(Identification.state.in_(ACCEPTED)), scope, Identification.photo_id)
    query = _since(query, Identification.reviewed_at, when)
    return _weekly(_grouped(week_of(Identification.reviewed_at), func.count(), query))


def comments_received(scope: Scope, when: Period, *, published_only: bool = False) -> dict[date, float]:
    query = select(Comment.id)
    if published_only:
        query = query.where(Comment.state == PUBLIC_COMMENT_STATE)
    query = _since(_in_scope(query, scope, Comment.photo_id), Comment.created_at, when)
    return _weekly(_grouped(week_of(Comment.created_at), func.count(), query))


def _contributions(scope: Scope, when: Period) -> Any:
    """Who contributed when: ``(person, at)`` rows of identifications and comments, as a subquery."""
    ids = _in_scope(
        select(Identification.contributor_id.label("person"), Identification.created_at.label("at"))
        .where(Identification.supersedes_id.is_(None), Identification.contributor_id.is_not(None)),
        scope, Identification.photo_id,
    )
    comments = _in_scope(
        select(Comment.author_id.label("person"), Comment.created_at.label("at")).where(Comment.author_id.is_not(None)),
        scope, Comment.photo_id,
    )
    return union_all(_since(ids, Identification.created_at, when), _since(comments, Comment.created_at, when)).subquery()


def contributors(scope: Scope, when: Period) -> dict[date, set[int]]:
    """Who contributed in each week, as account ids (only ever counted, never shown)."""
    rows = _contributions(scope, when)
    week = week_of(rows.c.at)
    pairs = db.session.execute(select(week, rows.c.person).distinct())
    found: dict[date, set[int]] = {}
    for week_text, person in pairs:
        found.setdefault(date.fromisoformat(str(week_text)[:10]), set()).add(int(person))
    return found


def records_exported(scope: Scope, when: Period) -> dict[date, float]:
    query = select(ExportRun.id).where(ExportRun.finished_at.is_not(None))
    if scope.institution_ids is not None:
        # an institution's own exports, and (runs recorded without an institution) its collections'
        query = query.where(or_(ExportRun.institution_id.in_(scope.institution_ids), ExportRun.collection_id.in_(
            select(Collection.id).where(Collection.institution_id.in_(scope.institution_ids)))))
    query = _since(query, ExportRun.started_at, when)
    return _weekly(_grouped(week_of(ExportRun.started_at), func.sum(ExportRun.record_count), query))


def _decisions(scope: Scope, when: Period) -> Any:
    """``(decided_at, seconds)`` of first decisions on identifications and held comments."""
    ids = _in_scope(
        select(Identification.reviewed_at.label("decided_at"),
               seconds_between(Identification.reviewed_at, Identification.created_at).label("seconds"))
        .where(Identification.supersedes_id.is_(None), Identification.state.in_(FIRST_DECISION),
               Identification.reviewed_at.is_not(None)),
        scope, Identification.photo_id,
    )
    comments = _in_scope(
        select(Comment.reviewed_at.label("decided_at"),
               seconds_between(Comment.reviewed_at, Comment.created_at).label("seconds"))
        .where(Comment.state.in_(COMMENT_DECIDED), Comment.reviewed_at.is_not(None)),
        scope, Comment.photo_id,
    )
    return union_all(_since(ids, Identification.reviewed_at, when), _since(comments, Comment.reviewed_at, when)).subquery()


def decision_seconds(scope: Scope, when: Period) -> dict[date, list[float]]:
    """Seconds from submission to first decision, sorted, for each week of decision."""
    decided = _decisions(scope, when)
    week = week_of(decided.c.decided_at)
    found: dict[date, list[float]] = {}
    for week_text, seconds in db.session.execute(select(week, decided.c.seconds)):
        found.setdefault(date.fromisoformat(str(week_text)[:10]), []).append(float(seconds))
    for values in found.values():
        values.sort()
    return found


def nearest_rank(ordered: list[float], share: float) -> float:
    """The nearest-rank percentile of sorted values: the ceil(share * n)-th smallest."""
    rank = max(1, -(-int(round(share * 10)) * len(ordered) // 10))
    return ordered[rank - 1]


def _pending(scope: Scope) -> Any:
    ids = _in_scope(select(Identification.created_at.label("at")).where(Identification.state == PENDING_STATE),
                    scope, Identification.photo_id)
    comments = _in_scope(select(Comment.created_at.label("at")).where(Comment.state == COMMENT_PENDING_STATE), scope, Comment.photo_id)
    return union_all(ids, comments).subquery()


def waiting(scope: Scope, when: Period) -> dict[date, float]:
    """Items still pending, by the week they were sent (within the period)."""
    pending = _pending(scope)
    query = _since(select(pending.c.at), pending.c.at, when)
    return _weekly(_grouped(week_of(pending.c.at), func.count(), query))


def waiting_summary(scope: Scope) -> dict[str, Any]:
    """How many items wait for a decision, whenever sent, and when the oldest was sent."""
    # Counted as the staff header counts them, so once per request.
    found = [waiting_in(model, scope.institution_ids) for model in (Identification, Comment)]
    oldest = min((first for _count, first in found if first is not None), default=None)
    return {"count": sum(count for count, _first in found), "oldest": oldest}


# --- putting them together -------------------------------------------------------------------------
#: The figures that are weekly counts, in the order shown, with their titles.
COUNTS = {
    "photos_published": "Photos published",
    "photos_identified": "Photos newly identified",
    "identifications_received": "Identifications received",
    "identifications_approved": "Identifications approved",
    "comments_received": "Comments received",
    "comments_approved": "Comments published",
}


@dataclass
class Week:
    """Everything one week adds to the figures: counts, who contributed, how long decisions took.

    Counts add up across weeks and institutions; people and durations do not (someone who
    helped in two weeks is one contributor; a median is not a sum), so they are kept whole.
    """

    counts: dict[str, float] = field(default_factory=dict)
    people: set[int] = field(default_factory=set)
    seconds: list[float] = field(default_factory=list)

    def add(self, other: Week) -> None:
        for key, value in other.counts.items():
            self.counts[key] = self.counts.get(key, 0.0) + value
        self.people |= other.people
        self.seconds = sorted(self.seconds + other.seconds) if self.seconds else list(other.seconds)

    def to_json(self) -> dict[str, Any]:
        return {"counts": self.counts, "people": sorted(self.people), "seconds": self.seconds}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Week:
        return cls(dict(data["counts"]), set(data["people"]), list(data["seconds"]))


def weeks_data(scope: Scope, when: Period) -> dict[date, Week]:
    """Every week of the period with anything in it, worked out by the database."""
    series = {
        "photos_published": photos_published(scope, when),
        "photos_identified": photos_identified(scope, when),
        "identifications_received": identifications_received(scope, when),
        "identifications_approved": identifications_approved(scope, when),
        "comments_received": comments_received(scope, when),
        "comments_approved": comments_received(scope, when, published_only=True),
        "waiting": waiting(scope, when),
    }
    found: dict[date, Week] = {}
    for key, values in series.items():
        for week, value in values.items():
            found.setdefault(week, Week()).counts[key] = value
    for week, people in contributors(scope, when).items():
        found.setdefault(week, Week()).people = people
    for week, seconds in decision_seconds(scope, when).items():
        found.setdefault(week, Week()).seconds = seconds
    return found


def weeks_of(when: Period, found: Iterable[date], *, now: datetime | None = None) -> list[date]:
    """Every Monday of the period, oldest first (for "all time", from the first week with data)."""
    last = monday((now or utcnow()).astimezone(UTC).date())
    if when.start is not None:
        first = when.start.date()
    else:
        found = list(found)
        first = min(found) if found else last
    count = (last - first).days // 7 + 1
    return [first + timedelta(weeks=i) for i in range(max(count, 1))]


def figures(scope: Scope, when: Period, *, now: datetime | None = None) -> tuple[list[Figure], dict[str, Any]]:
    """Every figure for the scope and period worked out afresh, and the waiting summary (count, oldest time)."""
    data = weeks_data(scope, when)
    summary = waiting_summary(scope)
    return assemble(data, records_exported(scope, when), when, summary["count"], now=now), summary


def assemble(data: dict[date, Week], exported: dict[date, float], when: Period, waiting_count: int, *,
             now: datetime | None = None) -> list[Figure]:
    """The figures from the weeks' data: totals over the period and a value for every week."""
    noteworthy = [week for week, found in data.items() if any(found.counts.values()) or found.people or found.seconds]
    weeks = weeks_of(when, [*noteworthy, *exported], now=now)
    empty = Week()
    note = f"in the {when.label.lower()}" if when.start is not None else "in all"
    result = [
        Figure(key, title, "count", sum(data.get(w, empty).counts.get(key, 0.0) for w in weeks), note,
               [(w, data.get(w, empty).counts.get(key, 0.0)) for w in weeks])
        for key, title in COUNTS.items()
    ]
    people: set[int] = set()
    seconds: list[float] = []
    for w in weeks:
        people |= data.get(w, empty).people
        seconds += data.get(w, empty).seconds
    seconds.sort()
    result.append(Figure("contributors", "Contributors", "count", len(people), f"different people {note}",
                         [(w, float(len(data.get(w, empty).people))) for w in weeks]))
    result.append(Figure("records_exported", "Catalog records updated by exports", "count",
                         sum(exported.get(w, 0.0) for w in weeks), note, [(w, exported.get(w, 0.0)) for w in weeks]))

    def hours(values: list[float], share: float) -> float | None:
        return nearest_rank(values, share) / 3600 if values else None

    decisions = f"{len(seconds)} decision{'' if len(seconds) == 1 else 's'} {note}"
    result += [
        Figure("median_hours", "Median time to decision", "hours", hours(seconds, 0.5),
               f"median of {decisions}", [(w, hours(data.get(w, empty).seconds, 0.5)) for w in weeks], is_public=False),
        Figure("p90_hours", "90th-percentile time to decision", "hours", hours(seconds, 0.9),
               f"90th percentile of {decisions}", [(w, hours(data.get(w, empty).seconds, 0.9)) for w in weeks], is_public=False),
        Figure("waiting", "Still waiting for a decision", "count", waiting_count, "now, whenever sent",
               [(w, data.get(w, empty).counts.get("waiting", 0.0)) for w in weeks], is_public=False),
    ]
    return result


def csv_table(figs: list[Figure]) -> list[list[str]]:
    """The weekly numbers as rows: a header, then one row per week (empty where there is no value)."""
    header = ["Week starting (Monday, UTC)"] + [column_title(f) for f in figs]
    rows = [header]
    for i, (week, _) in enumerate(figs[0].series if figs else []):
        rows.append([week.isoformat()] + [format_value(f.series[i][1], f.unit) for f in figs])
    return rows


def column_title(figure: Figure) -> str:
    """The figure's title with its unit, for a column of numbers: "Median time to decision (hours)"."""
    return f"{figure.title} (hours)" if figure.unit == "hours" else figure.title


def headline(value: float | None, unit: str) -> str:
    """A figure's headline in words: "12", "under a minute", "45 minutes", "1 hour", "26.5 hours"."""
    if value is None or unit != "hours":
        return format_value(value, unit)
    if value * 60 < 0.5:
        return "under a minute"
    if value < 1:
        minutes = round(value * 60)
        return f"{minutes} minute{'' if minutes == 1 else 's'}"
    return "1 hour" if round(value, 1) == 1 else f"{value:.1f} hours"


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    if unit == "hours":
        return f"{value:.1f}"
    return f"{int(round(value))}"

