"""The staff impact dashboard (``/admin/impact`` and its CSV) and the public ``/achievements`` page."""
from __future__ import annotations

import csv
import io
import time
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, request

from photoid.accounts.models import User
from photoid.accounts.permissions import require_institution_staff
from photoid.db import utcnow
from photoid.impact import charts, queries, rollup
from photoid.moderation.log import safe_cell
from photoid.params import BadNumber, whole_number

bp = Blueprint("impact", __name__, template_folder="templates")


def _period(default: str) -> queries.Period:
    try:
        return queries.period(request.args.get("weeks", default) or default)
    except queries.ImpactError as error:
        abort(400, str(error))


def _scope(user: User) -> tuple[queries.Scope, str, list[tuple[str, str]]]:
    """The scope asked for, its ``institution=`` value, and the choices the reader has."""
    visible = queries.visible_institutions(user)
    everything = "The whole consortium" if user.is_admin else "All my institutions"
    choices = [("", everything)] + [(str(i.id), i.name) for i in visible]
    raw = request.args.get("institution", "")
    if not raw:
        ids = None if user.is_admin else tuple(i.id for i in visible)
        return queries.Scope(everything, ids), "", choices
    try:
        wanted = whole_number(raw, what="institution number")
    except BadNumber:
        abort(400, "The institution was not understood. Please choose one from the list.")
    chosen = next((i for i in visible if i.id == wanted), None)
    if chosen is None:
        abort(403, "You can see the figures of your own institutions only.")
    return queries.Scope(chosen.name, (chosen.id,)), raw, choices


def _figures(scope: queries.Scope, when: queries.Period) -> tuple[list[queries.Figure], dict[str, Any], float]:
    """The figures, kept for ``IMPACT_CACHE_SECONDS`` (0 turns it off) per scope and range.

    Weekly totals move slowly and every request would otherwise run a dozen aggregates over the
    whole contribution history. Returns the figures, the waiting summary and when they were computed.
    """
    seconds = current_app.config["IMPACT_CACHE_SECONDS"]
    key = (scope.institution_ids, when.key, when.start)
    store: dict[Any, Any] = current_app.extensions.setdefault("impact_cache", {})
    now = time.monotonic()
    found = store.get(key)
    if seconds and found and now - found[0] < seconds:
        return found[1], found[2], found[3]
    figures, waiting = rollup.figures(scope, when)
    computed_at = time.time()
    if seconds:
        for stale in [k for k, v in store.items() if now - v[0] >= seconds]:
            store.pop(stale, None)
        store[key] = (now, figures, waiting, computed_at)
    return figures, waiting, computed_at


def _charts(figures: list[queries.Figure]) -> dict[str, object]:
    return {figure.key: charts.bar_chart(figure, chart_id=f"chart-{figure.key.replace('_', '-')}") for figure in figures}


@bp.get("/admin/impact")
def dashboard() -> str:
    user = require_institution_staff()
    scope, institution, choices = _scope(user)
    when = _period(queries.DEFAULT_PERIOD)
    figures, waiting, computed_at = _figures(scope, when)
    return render_template(
        "impact/dashboard.html", computed_at=datetime.fromtimestamp(computed_at, UTC), figures=figures, charts=_charts(figures), waiting=waiting, scope=scope,
        when=when, periods=queries.PERIODS, institution=institution, choices=choices, now=utcnow(),
        impact=queries,
    )


@bp.get("/admin/impact.csv")
def dashboard_csv() -> Response:
    user = require_institution_staff()
    scope, institution, _choices = _scope(user)
    when = _period(queries.DEFAULT_PERIOD)
    figures, _waiting, _computed_at = _figures(scope, when)
    out = io.StringIO()
    writer = csv.writer(out)
    for row in queries.csv_table(figures):
        writer.writerow([safe_cell(cell) for cell in row])
    slug = f"institution-{institution}" if institution else "all"
    filename = f"impact-{slug}-{when.key}-{utcnow():%Y-%m-%d}.csv"
    return Response(out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store",
    })


@bp.get("/achievements")
def achievements() -> str:
    when = _period("52")
    figures, _waiting, computed_at = _figures(queries.Scope("Everyone"), when)
    public = [figure for figure in figures if figure.is_public]
    return render_template(
        "impact/achievements.html", computed_at=datetime.fromtimestamp(computed_at, UTC), figures=public, charts=_charts(public), when=when, periods=queries.PERIODS,
        impact=queries,
    )
