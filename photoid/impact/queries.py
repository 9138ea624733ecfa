"""The impact figures: every number is one SQL aggregate, grouped by week where it is a series.

Weeks start on Monday, 00:00 UTC, and are named by that Monday (``2026-11-30``). The database
does the grouping (``date(..., 'weekday 0', '-6 days')`` on SQLite, ``date_trunc('week', ...)``
on PostgreSQL); percentiles are nearest-rank, chosen with ``row_number()`` over the sorted
durations, so no row list is loaded into Python on either database.

What is counted:

* photos published: photos that are published and not withdrawn, by the week they were added;
* photos identified: photos with an approved identification now, by the week of the first approval;
* identifications received: patrons' submissions (not the corrected copies staff make when they
  approve with changes), by week submitted; approved: those approved (also with changes, or
  later superseded by a correction), by week of decision;
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
from photoid.db import utcnow
from photoid.extensions import db
from photoid.photos.models import Collection, Institution, Photo

#: Identification states that mean staff accepted the patron's claim.
ACCEPTED_STATES = ("approved", "approved_with_changes", "superseded")
#: States whose ``reviewed_at`` is the first decision (a retraction or supersession moves it later).
FIRST_DECISION_STATES = ("approved", "approved_with_changes", "rejected", "spam")
#: Comment states a staff decision leads to (a comment published on posting has no ``reviewed_at``).
COMMENT_DECISION_STATES = ("published", "rejected", "spam")

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
    return query if when.start is None else query.where(column >= when.start)


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
        earlier.c.photo_id == approved.c.photo_id, earlier.c.state == "approved",
        or_(earlier.c.reviewed_at < approved.c.reviewed_at,
            and_(earlier.c.reviewed_at == approved.c.reviewed_at, earlier.c.id < approved.c.id)),
    )
    # ``state || ''`` keeps SQLite reading the period's approvals by their time (the reviewed_at
    # index), not every approval ever made through the (state, created_at) index.
    query = select(approved.c.id).where(approved.c.state.concat("") == "approved", ~before.exists())
    query = _since(_in_scope(query, scope, approved.c.photo_id), approved.c.reviewed_at, when)
    return _weekly(_grouped(week_of(approved.c.reviewed_at), func.count(), query))


def _submissions() -> Select[Any]:
    return select(Identification.id).where(Identification.supersedes_id.is_(None))


def identifications_received(scope: Scope, when: Period) -> dict[date, float]:
    query = _since(_in_scope(_submissions(), scope, Identification.photo_id), Identification.created_at, when)
    return _weekly(_grouped(week_of(Identification.created_at), func.count(), query))


def identifications_approved(scope: Scope, when: Period) -> dict[date, float]:
    query = _in_scope(_submissions().where(Identification.state.in_(ACCEPTED_STATES)), scope, Identification.photo_id)
    query = _since(query, Identification.reviewed_at, when)
    return _weekly(_grouped(week_of(Identification.reviewed_at), func.count(), query))


def comments_received(scope: Scope, when: Period, *, published_only: bool = False) -> dict[date, float]:
    query = select(Comment.id)
    if published_only:
        query = query.where(Comment.state == "published")
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


def contributors(scope: Scope, when: Period) -> tuple[dict[date, float], int]:
    """Distinct contributors per week, and over the whole period (a count; nobody is named)."""
    rows = _contributions(scope, when)
    week = week_of(rows.c.at)
    series = _weekly(select(week.label("week"), func.count(rows.c.person.distinct())).group_by(week))
    total = db.session.scalar(select(func.count(rows.c.person.distinct()))) or 0
    return series, int(total)


def records_exported(scope: Scope, when: Period) -> dict[date, float]:
    query = select(ExportRun.id).where(ExportRun.finished_at.is_not(None))
    if scope.institution_ids is not None:
        query = query.join(Collection, Collection.id == ExportRun.collection_id).where(
            Collection.institution_id.in_(scope.institution_ids))
    query = _since(query, ExportRun.started_at, when)
    return _weekly(_grouped(week_of(ExportRun.started_at), func.sum(ExportRun.record_count), query))


def _decisions(scope: Scope, when: Period) -> Any:
    """``(decided_at, seconds)`` of first decisions on identifications and held comments."""
    ids = _in_scope(
        select(Identification.reviewed_at.label("decided_at"),
               seconds_between(Identification.reviewed_at, Identification.created_at).label("seconds"))
        .where(Identification.supersedes_id.is_(None), Identification.state.in_(FIRST_DECISION_STATES),
               Identification.reviewed_at.is_not(None)),
        scope, Identification.photo_id,
    )
    comments = _in_scope(
        select(Comment.reviewed_at.label("decided_at"),
               seconds_between(Comment.reviewed_at, Comment.created_at).label("seconds"))
        .where(Comment.state.in_(COMMENT_DECISION_STATES), Comment.reviewed_at.is_not(None)),
        scope, Comment.photo_id,
    )
    return union_all(_since(ids, Identification.reviewed_at, when), _since(comments, Comment.reviewed_at, when)).subquery()


def _rank_conditions(rank: Any, count: Any) -> ColumnElement[bool]:
    # Nearest rank: the ceil(p * n)-th smallest, written with integer division on both databases.
    return or_(rank == (5 * count + 9) // 10, rank == (9 * count + 9) // 10)


def decision_times(scope: Scope, when: Period) -> tuple[dict[date, tuple[float, float]], tuple[float, float] | None]:
    """Median and 90th-percentile hours from submission to decision, per week and over the period.

    One pass: each decision is ranked within its week and within the whole period, and only the
    rows at the wanted ranks come back.
    """
    decided = _decisions(scope, when)
    week = week_of(decided.c.decided_at).label("week")
    ranked = select(
        week, decided.c.seconds.label("seconds"),
        func.row_number().over(partition_by=week, order_by=decided.c.seconds).label("rank"),
        func.count().over(partition_by=week).label("n"),
        func.row_number().over(order_by=decided.c.seconds).label("overall_rank"),
        func.count().over().label("overall_n"),
    ).subquery()
    rows = db.session.execute(
        select(ranked.c.week, ranked.c.seconds, ranked.c.rank, ranked.c.n, ranked.c.overall_rank, ranked.c.overall_n)
        .where(or_(_rank_conditions(ranked.c.rank, ranked.c.n), _rank_conditions(ranked.c.overall_rank, ranked.c.overall_n)))
    )
    per_week: dict[date, dict[str, float]] = {}
    totals: dict[str, float] = {}
    for week_text, seconds, rank, n, overall_rank, overall_n in rows:
        _place(per_week.setdefault(date.fromisoformat(str(week_text)[:10]), {}), float(seconds), int(rank), int(n))
        _place(totals, float(seconds), int(overall_rank), int(overall_n))
    series = {week: (v["median"] / 3600, v["p90"] / 3600) for week, v in per_week.items() if "median" in v}
    return series, ((totals["median"] / 3600, totals["p90"] / 3600) if totals else None)


def _place(values: dict[str, float], seconds: float, rank: int, n: int) -> None:
    if rank == (5 * n + 9) // 10:
        values["median"] = seconds
    if rank == (9 * n + 9) // 10:
        values["p90"] = seconds


def waiting(scope: Scope, when: Period) -> tuple[dict[date, float], datetime | None, int]:
    """Items still pending by week submitted (within the period), the oldest one's time, and how many wait."""
    ids = _in_scope(select(Identification.created_at.label("at")).where(Identification.state == "pending"),
                    scope, Identification.photo_id)
    comments = _in_scope(select(Comment.created_at.label("at")).where(Comment.state == "pending"), scope, Comment.photo_id)
    pending = union_all(ids, comments).subquery()
    oldest, count = db.session.execute(select(func.min(pending.c.at), func.count())).one()
    if isinstance(oldest, str):  # SQLite hands back text from a union of timestamps
        oldest = datetime.fromisoformat(oldest)
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    query = _since(select(pending.c.at), pending.c.at, when)
    week = week_of(pending.c.at)
    return _weekly(_grouped(week, func.count(), query)), oldest, int(count or 0)


# --- putting them together -------------------------------------------------------------------------
def weeks_of(when: Period, series: Iterable[dict[date, Any]], *, now: datetime | None = None) -> list[date]:
    """Every Monday of the period, oldest first (for "all time", from the first week with data)."""
    last = monday((now or utcnow()).astimezone(UTC).date())
    if when.start is not None:
        first = when.start.date()
    else:
        found = [week for values in series for week in values]
        first = min(found) if found else last
    count = (last - first).days // 7 + 1
    return [first + timedelta(weeks=i) for i in range(max(count, 1))]


def figures(scope: Scope, when: Period, *, now: datetime | None = None) -> tuple[list[Figure], dict[str, Any]]:
    """Every figure for the scope and period, and the waiting summary (count, oldest time)."""
    counts = {
        "photos_published": photos_published(scope, when),
        "photos_identified": photos_identified(scope, when),
        "identifications_received": identifications_received(scope, when),
        "identifications_approved": identifications_approved(scope, when),
        "comments_received": comments_received(scope, when),
        "comments_approved": comments_received(scope, when, published_only=True),
        "records_exported": records_exported(scope, when),
    }
    people, people_total = contributors(scope, when)
    times, time_totals = decision_times(scope, when)
    pending, oldest, pending_count = waiting(scope, when)
    weeks = weeks_of(when, [*counts.values(), people, times, pending], now=now)
    note = f"in the {when.label.lower()}" if when.start is not None else "in all"
    titles = {
        "photos_published": "Photos published",
        "photos_identified": "Photos newly identified",
        "identifications_received": "Identifications received",
        "identifications_approved": "Identifications approved",
        "comments_received": "Comments received",
        "comments_approved": "Comments published",
        "records_exported": "Catalog records updated by exports",
    }
    result = [
        Figure(key, titles[key], "count", sum(values.values()), note, [(w, values.get(w, 0.0)) for w in weeks])
        for key, values in counts.items()
    ]
    result.insert(6, Figure("contributors", "Contributors", "count", people_total, f"different people {note}",
                            [(w, people.get(w, 0.0)) for w in weeks]))
    result += [
        Figure("median_hours", "Median time to decision (hours)", "hours", time_totals[0] if time_totals else None,
               f"decisions {note}", [(w, times[w][0] if w in times else None) for w in weeks], is_public=False),
        Figure("p90_hours", "90th-percentile time to decision (hours)", "hours", time_totals[1] if time_totals else None,
               f"decisions {note}", [(w, times[w][1] if w in times else None) for w in weeks], is_public=False),
        Figure("waiting", "Still waiting for a decision", "count", pending_count, "now, whenever sent",
               [(w, pending.get(w, 0.0)) for w in weeks], is_public=False),
    ]
    return result, {"count": pending_count, "oldest": oldest}


def csv_table(figs: list[Figure]) -> list[list[str]]:
    """The weekly numbers as rows: a header, then one row per week (empty where there is no value)."""
    header = ["Week starting (Monday, UTC)"] + [f.title for f in figs]
    rows = [header]
    for i, (week, _) in enumerate(figs[0].series if figs else []):
        rows.append([week.isoformat()] + [format_value(f.series[i][1], f.unit) for f in figs])
    return rows


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    if unit == "hours":
        return f"{value:.1f}"
    return f"{int(round(value))}"

