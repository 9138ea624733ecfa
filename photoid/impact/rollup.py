"""The weeks that have ended, worked out once per institution and kept, so the dashboard reads them.

Working every figure out afresh means a dozen aggregates over the whole contribution history
(half a second for 12 weeks over 500,000 contributions, two for 52). But a week that has ended
changes only when something in it changes: an old suggestion approved, a photo withdrawn, a
comment published. So each institution's ended weeks are kept in ``impact_week`` and only the
current week is worked out on every view. Whenever the ORM writes an identification, comment or
photo, the kept weeks it touches (by when it was sent, decided or added, for its photo's
institution) are deleted in the same transaction and worked out again on the next view. Bulk
statements that bypass the ORM are covered by a maximum age (``MAX_AGE``, a day), and
``photoid impact-refresh`` drops every kept week at once.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, Text, delete, func, inspect, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from photoid.contributions.models import Comment, Identification
from photoid.contributions.workflow import PUBLIC_FACT_STATE
from photoid.db import Base, utcnow
from photoid.extensions import db
from photoid.impact import queries
from photoid.photos.models import Institution, Photo

MAX_AGE = timedelta(days=1)


class ImpactWeek(Base):
    """One institution's figures for one week that has ended (JSON of ``queries.Week``)."""

    __tablename__ = "impact_week"

    institution_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    week: Mapped[date] = mapped_column(Date, primary_key=True)
    data: Mapped[str] = mapped_column(Text)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


def _to_week(value: datetime) -> date:
    return queries.monday(value.astimezone(UTC).date())


def _history(obj: Any, name: str) -> list[Any]:
    """An attribute's values, as it is now and as it was before this flush (None left out)."""
    history = inspect(obj).attrs[name].load_history()  # loads a value expired by an earlier commit
    return [v for v in [*history.added, *history.unchanged, *history.deleted] if v is not None]


def _weeks(obj: Any, *names: str) -> set[date]:
    """The Mondays of the object's times, as they are now and as they were before this flush."""
    return {_to_week(value) for name in names for value in _history(obj, name)}


def forget_touched_weeks(session: Session, _context: Any) -> None:
    """after_flush (registered in photoid/events.py): delete the kept weeks this flush's rows touch."""
    touched: set[tuple[int, date]] = set()
    by_photo: dict[int, set[date]] = {}
    decided_on: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Identification | Comment):
            for photo_id in set(_history(obj, "photo_id")):
                by_photo.setdefault(photo_id, set()).update(_weeks(obj, "created_at", "reviewed_at"))
                if isinstance(obj, Identification):
                    decided_on.add(photo_id)
        elif isinstance(obj, Photo):
            touched |= {(institution, week) for institution in set(_history(obj, "institution_id"))
                        for week in _weeks(obj, "created_at")}
    if not by_photo and not touched:
        return
    connection = session.connection()
    if decided_on:  # a photo's first approval can move to the week of any other approval of it
        for photo_id, reviewed_at in connection.execute(
            select(Identification.photo_id, Identification.reviewed_at).where(
                Identification.photo_id.in_(decided_on), Identification.state == PUBLIC_FACT_STATE)
        ):
            if reviewed_at is not None:
                by_photo[photo_id].add(_to_week(reviewed_at))
    if by_photo:
        owners = connection.execute(select(Photo.id, Photo.institution_id).where(Photo.id.in_(by_photo)))
        touched |= {(institution, week) for photo_id, institution in owners for week in by_photo[photo_id]}
    touched_list = sorted(touched)
    for start in range(0, len(touched_list), 500):
        connection.execute(delete(ImpactWeek).where(
            tuple_(ImpactWeek.institution_id, ImpactWeek.week).in_(touched_list[start:start + 500])))


def _first_week() -> date | None:
    """The Monday of the earliest thing any figure counts."""
    firsts = [db.session.scalar(select(func.min(column))) for column in (
        Photo.created_at, Identification.created_at, Comment.created_at)]
    return min((_to_week(first) for first in firsts if first is not None), default=None)


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _kept(institutions: list[int], weeks: list[date], *, now: datetime) -> dict[tuple[int, date], queries.Week]:
    if not weeks:
        return {}
    rows = db.session.execute(select(ImpactWeek.institution_id, ImpactWeek.week, ImpactWeek.data).where(
        ImpactWeek.institution_id.in_(institutions), ImpactWeek.week >= weeks[0], ImpactWeek.week <= weeks[-1],
        ImpactWeek.computed_at > now - MAX_AGE,
    ))
    return {(institution, week): queries.Week.from_json(json.loads(data)) for institution, week, data in rows}


def _work_out(institution: int, weeks: list[date], *, now: datetime) -> dict[date, queries.Week]:
    """Work out one institution's consecutive missing weeks and keep them."""
    start, end = weeks[0], weeks[-1] + timedelta(weeks=1)
    span = queries.Period("span", "span", _midnight(start), _midnight(end))
    found = queries.weeks_data(queries.Scope("one", (institution,)), span)
    wanted = set(weeks)
    db.session.execute(delete(ImpactWeek).where(
        ImpactWeek.institution_id == institution, ImpactWeek.week.in_(wanted)))
    db.session.add_all(
        ImpactWeek(institution_id=institution, week=week, computed_at=now,
                   data=json.dumps(found.get(week, queries.Week()).to_json(), separators=(",", ":")))
        for week in sorted(wanted)
    )
    return {week: found.get(week, queries.Week()) for week in wanted}


def figures(scope: queries.Scope, when: queries.Period, *, now: datetime | None = None,
            ) -> tuple[list[queries.Figure], dict[str, Any]]:
    """The same figures as ``queries.figures``, reading kept weeks and working out only the rest."""
    now = now or utcnow()
    current = queries.monday(now.astimezone(UTC).date())
    institutions = (list(scope.institution_ids) if scope.institution_ids is not None
                    else list(db.session.scalars(select(Institution.id).order_by(Institution.id))))
    first = when.start.date() if when.start is not None else _first_week()
    ended = _span(first, current)
    kept = _kept(institutions, ended, now=now)
    data: dict[date, queries.Week] = {}
    wrote = False
    for institution in institutions:
        missing = [week for week in ended if (institution, week) not in kept]
        for run in _runs(missing):  # a late change touches a week or two: work out only those
            kept.update({(institution, week): found for week, found in _work_out(institution, run, now=now).items()})
            wrote = True
        for week in ended:
            data.setdefault(week, queries.Week()).add(kept[(institution, week)])
    if wrote:
        try:
            db.session.commit()
        except IntegrityError:  # another worker kept the same weeks a moment earlier: theirs stand
            db.session.rollback()
    this_week = queries.Period(when.key, when.label, _midnight(current))
    for week, found in queries.weeks_data(scope, this_week).items():
        data.setdefault(week, queries.Week()).add(found)
    summary = queries.waiting_summary(scope)
    exported = queries.records_exported(scope, when)
    return queries.assemble(data, exported, when, summary["count"], now=now), summary


def _runs(weeks: list[date]) -> list[list[date]]:
    """Sorted weeks split into runs of consecutive ones."""
    runs: list[list[date]] = []
    for week in weeks:
        if runs and week - runs[-1][-1] == timedelta(weeks=1):
            runs[-1].append(week)
        else:
            runs.append([week])
    return runs


def _span(first: date | None, current: date) -> list[date]:
    if first is None or first >= current:
        return []
    return [first + timedelta(weeks=i) for i in range((current - first).days // 7)]


def forget_all(weeks: Iterable[date] | None = None) -> int:
    """Drop kept weeks (all, or the ones given) so they are worked out again; returns how many went."""
    query = delete(ImpactWeek)
    if weeks is not None:
        query = query.where(ImpactWeek.week.in_(list(weeks)))
    removed = db.session.execute(query).rowcount or 0
    db.session.commit()
    return int(removed)
