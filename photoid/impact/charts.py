"""Small weekly bar charts as accessible SVG: no script, a title and a description a screen reader reads.

The chart is a picture of the data table printed under the figures; the description says in words
what the picture shows (range, total, highest week), so nothing is only visible. The axis is topped
at a round number at or above the highest week (at least 1), so a week of zero draws no bar and a
tiny value a tiny one.
"""
from __future__ import annotations

import math
from datetime import date

from markupsafe import Markup, escape

from photoid.impact.queries import Figure, format_value, headline

WIDTH = 320
HEIGHT = 96
LEFT = 40  # room for the axis numbers
BOTTOM = 18  # room for the first and last week
TOP = 8


def _day(week: date) -> str:
    return f"{week.day} {week:%b %Y}"


def describe(figure: Figure) -> str:
    """The chart in words: what it plots, over which weeks, and its busiest week."""
    values = [(week, value) for week, value in figure.series if value is not None]
    if not figure.series:
        return f"{figure.title}: no weeks to show."
    span = f"from the week of {_day(figure.series[0][0])} to the week of {_day(figure.series[-1][0])}"
    what = "by week of decision" if figure.unit == "hours" else "per week"
    if not values or not any(value for _, value in values):
        return f"{figure.title} {what}, {span}: none in any week."
    high_week, high = max(values, key=lambda item: item[1] or 0)
    return (f"{figure.title} {what}, {span}. Highest: {headline(high, figure.unit)} in the week of "
            f"{_day(high_week)}. {len(values)} of {len(figure.series)} weeks have a value.")


def axis_top(highest: float) -> float:
    """The smallest of 1, 2 or 5 times a power of ten at or above ``highest``, and never below 1."""
    if highest <= 1:
        return 1.0
    power = 10 ** math.floor(math.log10(highest))
    return next(step * power for step in (1, 2, 5, 10) if highest <= step * power)


def _axis_label(value: float, unit: str) -> str:
    return f"{format_value(value, unit)} h" if unit == "hours" else format_value(value, unit)


def bar_chart(figure: Figure, *, chart_id: str) -> Markup:
    """An SVG bar chart of the figure's weeks, labelled by ``chart_id``-title and -desc."""
    series = figure.series
    values = [value for _, value in series if value is not None]
    top = axis_top(max(values, default=0.0))
    plot_w, plot_h = WIDTH - LEFT - 4, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(series), 1)
    gap = min(2.0, slot * 0.2)
    parts = [
        f'<svg class="impact-chart" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" preserveAspectRatio="xMinYMin meet" '
        'xmlns="http://www.w3.org/2000/svg" focusable="false">',
        f'<title id="{chart_id}-title">{escape(figure.title)}, by week</title>',
        f'<desc id="{chart_id}-desc">{escape(describe(figure))}</desc>',
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - 4}" y2="{TOP + plot_h}" stroke="currentColor" stroke-width="1"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="currentColor" stroke-width="1"/>',
        f'<text x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end" font-size="12" fill="currentColor">'
        f'{escape(_axis_label(top, figure.unit))}</text>',
        f'<text x="{LEFT - 6}" y="{TOP + plot_h}" text-anchor="end" font-size="12" fill="currentColor">0</text>',
    ]
    for i, (week, value) in enumerate(series):
        if not value:
            continue
        height = max(plot_h * value / top, 1.0)
        x = LEFT + i * slot + gap / 2
        parts.append(
            f'<rect x="{x:.1f}" y="{TOP + plot_h - height:.1f}" width="{max(slot - gap, 0.5):.1f}" height="{height:.1f}" '
            f'fill="#1f5f8b"><title>{escape(_day(week))}: {escape(headline(value, figure.unit))}</title></rect>'
        )
    if series:
        parts.append(f'<text x="{LEFT}" y="{HEIGHT - 6}" font-size="12" fill="currentColor">{escape(_day(series[0][0]))}</text>')
        if len(series) > 1:
            parts.append(f'<text x="{WIDTH - 4}" y="{HEIGHT - 6}" text-anchor="end" font-size="12" fill="currentColor">'
                         f'{escape(_day(series[-1][0]))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
