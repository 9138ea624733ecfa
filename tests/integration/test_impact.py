"""Impact figures against a small world counted by hand (fixed timestamps, three weeks of activity).

"Now" is Wednesday 17 June 2026, 12:00 UTC, so the current week starts on Monday 15 June,
the one before on 8 June and the one before that on 1 June.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from photoid.catalog.models import ExportRun
from photoid.extensions import db
from photoid.contributions.models import Identification
from photoid.impact import queries, rollup
from photoid.photos.models import Photo
from tests.factories import make_collection, make_comment, make_identification, make_institution, make_photo, make_user

NOW = datetime(2026, 6, 17, 12, 0, tzinfo=UTC)
W0, W1, W2 = date(2026, 6, 15), date(2026, 6, 8), date(2026, 6, 1)


def at(month: int, day: int, hour: int = 12, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=UTC)


@pytest.fixture
def world(app) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    mill, harbor = make_institution(slug="mill", name="Mill"), make_institution(slug="harbor", name="Harbor")
    mill_photos, harbor_photos = make_collection(institution=mill), make_collection(institution=harbor)
    archivist = make_user(role="archivist", institutions=[mill, harbor])
    alice, bob, carol, dave, erin = (make_user(display_name=name) for name in ("Alice", "Bob", "Carol", "Dave", "Erin"))

    p0 = make_photo(collection=mill_photos, created_at=at(1, 6, year=2025))  # long before the last 12 weeks
    p1 = make_photo(collection=mill_photos, created_at=at(6, 2))
    p2 = make_photo(collection=mill_photos, created_at=at(6, 9))
    p3 = make_photo(collection=mill_photos, created_at=at(6, 16))
    make_photo(collection=mill_photos, created_at=at(6, 16), is_published=False)
    q1 = make_photo(collection=harbor_photos, created_at=at(6, 10))

    def ident(photo, who, state, created, reviewed=None, **kw):  # type: ignore[no-untyped-def]
        return make_identification(photo=photo, contributor=who, state=state, created_at=created,
                                   reviewer=archivist if reviewed else None, reviewed_at=reviewed, **kw)

    ident(p1, alice, "approved", at(6, 2, 10), at(6, 3, 10))  # 24 h
    ident(p1, alice, "rejected", at(6, 9, 9), at(6, 9, 11))  # 2 h
    original = ident(p2, bob, "approved_with_changes", at(6, 9, 12), at(6, 11, 12))  # 48 h
    ident(p2, bob, "approved", at(6, 11, 12), at(6, 11, 12), supersedes=original)  # staff's corrected copy
    ident(p3, carol, "pending", at(6, 16, 8))
    ident(p0, erin, "pending", at(1, 5))  # the oldest item waiting, before the period
    ident(q1, dave, "approved", at(6, 10, 10), at(6, 10, 11))  # 1 h, at Harbor

    make_comment(photo=p1, author=alice, created_at=at(6, 2))  # published on posting: no decision
    make_comment(photo=p2, author=bob, created_at=at(6, 9, 14), reviewer=archivist, reviewed_at=at(6, 10, 14))  # 24 h
    make_comment(photo=p3, author=carol, state="pending", created_at=at(6, 15, 0))
    make_comment(photo=p1, author=carol, state="rejected", created_at=at(6, 8, 10), reviewer=archivist,
                 reviewed_at=at(6, 8, 16))  # 6 h

    db.session.add_all([
        ExportRun(format="csv", collection_id=mill_photos.id, started_at=at(6, 12), finished_at=at(6, 12), record_count=7),
        ExportRun(format="csv", collection_id=mill_photos.id, started_at=at(6, 12), finished_at=None, record_count=100),
        ExportRun(format="dc", collection_id=harbor_photos.id, started_at=at(6, 16), finished_at=at(6, 16), record_count=5),
        ExportRun(format="marcxml", collection_id=None, started_at=at(6, 16), finished_at=at(6, 16), record_count=11),
    ])
    db.session.commit()
    return {"mill": mill, "harbor": harbor}


def _figures(scope: queries.Scope, key: str = "12") -> dict[str, queries.Figure]:
    figures, _waiting = queries.figures(scope, queries.period(key, now=NOW), now=NOW)
    return {figure.key: figure for figure in figures}


def _weeks(figure: queries.Figure) -> dict[date, float | None]:
    return {week: value for week, value in figure.series if week >= W2}


def test_one_institution_over_twelve_weeks_matches_the_hand_count(world) -> None:  # type: ignore[no-untyped-def]
    found = _figures(queries.Scope("Mill", (world["mill"].id,)))
    totals = {key: figure.total for key, figure in found.items()}
    assert totals == {
        "photos_published": 3, "photos_identified": 2, "identifications_received": 4, "identifications_approved": 2,
        "comments_received": 4, "comments_approved": 2, "contributors": 3, "records_exported": 7,
        "median_hours": pytest.approx(24), "p90_hours": pytest.approx(48), "waiting": 3,
    }
    assert len(found["photos_published"].series) == 12
    assert found["photos_published"].series[0][0] == date(2026, 3, 30)
    assert _weeks(found["photos_published"]) == {W2: 1, W1: 1, W0: 1}
    assert _weeks(found["identifications_received"]) == {W2: 1, W1: 2, W0: 1}
    assert _weeks(found["identifications_approved"]) == {W2: 1, W1: 1, W0: 0}
    assert _weeks(found["photos_identified"]) == {W2: 1, W1: 1, W0: 0}
    assert _weeks(found["comments_received"]) == {W2: 1, W1: 2, W0: 1}
    assert _weeks(found["comments_approved"]) == {W2: 1, W1: 1, W0: 0}
    assert _weeks(found["contributors"]) == {W2: 1, W1: 3, W0: 1}
    assert _weeks(found["records_exported"]) == {W2: 0, W1: 7, W0: 0}
    # Decisions in the week of 8 June took 2, 6, 24 and 48 hours: nearest-rank median 6, 90th percentile 48.
    assert _weeks(found["median_hours"]) == {W2: pytest.approx(24), W1: pytest.approx(6), W0: None}
    assert _weeks(found["p90_hours"]) == {W2: pytest.approx(24), W1: pytest.approx(48), W0: None}
    assert _weeks(found["waiting"]) == {W2: 0, W1: 0, W0: 2}


def test_the_consortium_adds_the_other_institution_and_exports_of_no_collection(world) -> None:  # type: ignore[no-untyped-def]
    found = _figures(queries.Scope("Everyone"))
    assert found["photos_published"].total == 4
    assert found["identifications_received"].total == 5
    assert found["identifications_approved"].total == 3
    assert found["contributors"].total == 4
    assert found["records_exported"].total == 7 + 5 + 11
    # The week of 8 June now also holds Harbor's 1-hour decision: 1, 2, 6, 24, 48.
    assert _weeks(found["median_hours"])[W1] == pytest.approx(6)
    assert found["median_hours"].total == pytest.approx(6)  # 1, 2, 6, 24, 24, 48: the 3rd of 6 (nearest rank)
    assert found["p90_hours"].total == pytest.approx(48)


def test_all_time_starts_at_the_first_week_with_data_and_reports_the_oldest_waiting(world) -> None:  # type: ignore[no-untyped-def]
    scope = queries.Scope("Mill", (world["mill"].id,))
    figures, waiting = queries.figures(scope, queries.period("all", now=NOW), now=NOW)
    found = {figure.key: figure for figure in figures}
    assert found["photos_published"].series[0] == (date(2025, 1, 6), 1)
    assert found["photos_published"].series[-1][0] == W0
    assert found["photos_published"].total == 4
    assert found["identifications_received"].total == 5
    assert found["waiting"].total == 3
    assert waiting == {"count": 3, "oldest": at(1, 5)}


def test_an_unknown_range_is_refused_with_a_message() -> None:
    with pytest.raises(queries.ImpactError, match="12 weeks"):
        queries.period("7")


def test_csv_rows_have_a_header_and_a_row_per_week(world) -> None:  # type: ignore[no-untyped-def]
    figures, _ = queries.figures(queries.Scope("Mill", (world["mill"].id,)), queries.period("12", now=NOW), now=NOW)
    rows = queries.csv_table(figures)
    assert rows[0][:3] == ["Week starting (Monday, UTC)", "Photos published", "Photos newly identified"]
    assert len(rows) == 13
    last = dict(zip(rows[0], rows[-1], strict=True))
    assert last["Week starting (Monday, UTC)"] == "2026-06-15"
    assert last["Identifications received"] == "1"
    assert last["Median time to decision (hours)"] == ""


# --- ended weeks kept in impact_week -------------------------------------------------------------
def _kept_figures(scope: queries.Scope, key: str = "12", *, now: datetime = NOW) -> dict[str, queries.Figure]:
    figures, _waiting = rollup.figures(scope, queries.period(key, now=now), now=now)
    return {figure.key: figure for figure in figures}


def _as_values(found: dict[str, queries.Figure]) -> dict[str, Any]:
    return {key: (figure.total, figure.series) for key, figure in found.items()}


@pytest.mark.parametrize("key", ["12", "52", "all"])
def test_kept_weeks_give_the_same_figures_as_working_them_out_afresh(world, key) -> None:  # type: ignore[no-untyped-def]
    for scope in (queries.Scope("Mill", (world["mill"].id,)), queries.Scope("Everyone")):
        fresh = _as_values(_figures(scope, key))
        assert _as_values(_kept_figures(scope, key)) == fresh  # the first view works the ended weeks out
        assert db.session.scalar(select(func.count()).select_from(rollup.ImpactWeek)) > 0
        assert _as_values(_kept_figures(scope, key)) == fresh  # the next reads them


def test_only_ended_weeks_are_kept_and_each_once(world) -> None:  # type: ignore[no-untyped-def]
    _kept_figures(queries.Scope("Everyone"))
    weeks = db.session.execute(select(rollup.ImpactWeek.institution_id, rollup.ImpactWeek.week)).all()
    assert len(weeks) == len(set(weeks)) == 2 * 11  # two institutions, the 11 weeks before this one
    assert max(week for _, week in weeks) == W1


def test_a_late_change_to_an_ended_week_shows_on_the_next_view(world) -> None:  # type: ignore[no-untyped-def]
    mill = queries.Scope("Mill", (world["mill"].id,))
    before = _kept_figures(mill)
    assert _weeks(before["identifications_approved"])[W1] == 1

    # The rejection of 9 June is reconsidered and approved; a photo added on 2 June is withdrawn;
    # a comment written on 10 June arrives late (an import).
    rejected = db.session.scalar(select(Identification).where(Identification.state == "rejected"))
    rejected.state = "approved"
    old_photo = db.session.scalar(select(Photo).where(Photo.created_at == at(6, 2)))
    old_photo.withdrawn_at = NOW
    make_comment(photo=old_photo, created_at=at(6, 10))
    db.session.commit()

    after = _kept_figures(mill)
    assert _as_values(after) == _as_values(_figures(mill))
    assert _weeks(after["identifications_approved"])[W1] == 2
    assert _weeks(after["photos_published"])[W2] == 0
    assert _weeks(after["comments_received"])[W1] == 3


def test_a_bulk_statement_shows_after_a_day_or_a_refresh(app, world) -> None:  # type: ignore[no-untyped-def]
    mill = queries.Scope("Mill", (world["mill"].id,))
    _kept_figures(mill)
    # A statement outside the ORM (no flush to notice it): the kept week stands for at most a day.
    db.session.execute(update(Photo).where(Photo.created_at == at(6, 9)).values(is_published=False))
    db.session.commit()
    assert _weeks(_kept_figures(mill)["photos_published"])[W1] == 1
    assert _weeks(_kept_figures(mill, now=NOW + timedelta(hours=25))["photos_published"])[W1] == 0

    db.session.execute(update(Photo).where(Photo.created_at == at(6, 9)).values(is_published=True))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["impact-refresh"])
    assert result.exit_code == 0 and "Dropped 11 kept weeks" in result.output, result.output
    assert _weeks(_kept_figures(mill)["photos_published"])[W1] == 1
