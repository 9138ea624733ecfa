"""The impact dashboard and the public achievements page, as staff, patrons and visitors see them."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from typing import Any

import lxml.html
import pytest

from photoid.db import utcnow
from photoid.extensions import db
from tests.factories import make_collection, make_comment, make_identification, make_institution, make_photo, make_user


@pytest.fixture
def world(app) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Mill has two identifications (one approved) and a comment; Harbor has three identifications."""
    mill, harbor = make_institution(slug="mill", name="Mill Library"), make_institution(slug="harbor", name="Harbor Archives")
    now = utcnow()
    mill_photo = make_photo(collection=make_collection(institution=mill), created_at=now - timedelta(days=3))
    harbor_photo = make_photo(collection=make_collection(institution=harbor), created_at=now - timedelta(days=3))
    carla = make_user(display_name="Contributing Carla", email="carla@example.org")
    make_identification(photo=mill_photo, contributor=carla, state="approved", created_at=now - timedelta(days=2),
                        reviewed_at=now - timedelta(days=1))
    make_identification(photo=mill_photo, contributor=carla, created_at=now - timedelta(days=2))
    make_comment(photo=mill_photo, author=carla, body="=HYPERLINK(\"http://evil\")", created_at=now - timedelta(days=1))
    for _ in range(3):
        make_identification(photo=harbor_photo, contributor=carla, created_at=now - timedelta(days=1))
    db.session.commit()
    return {"mill": mill, "harbor": harbor}


def _figure(html: str, key: str) -> str:
    match = re.search(rf'<h2 id="figure-{key}">.*?<strong>([^<]+)</strong>', html, re.S)
    assert match, key
    return match.group(1).strip()


def test_visitors_are_sent_to_sign_in_and_patrons_are_refused(client, login_as, world) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/admin/impact")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login_as("patron")
    assert client.get("/admin/impact").status_code == 403
    assert client.get("/admin/impact.csv").status_code == 403


def test_an_archivist_sees_their_own_institution_only(client, login_as, world) -> None:  # type: ignore[no-untyped-def]
    login_as("archivist", institutions=[world["mill"]])
    response = client.get("/admin/impact")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _figure(html, "identifications_received") == "2"
    assert _figure(html, "identifications_approved") == "1"
    assert _figure(html, "comments_received") == "1"
    assert "Harbor Archives" not in html
    assert client.get(f"/admin/impact?institution={world['harbor'].id}").status_code == 403
    assert client.get(f"/admin/impact?institution={world['mill'].id}").status_code == 200


def test_an_admin_sees_the_consortium_and_can_choose_an_institution(client, login_as, world) -> None:  # type: ignore[no-untyped-def]
    login_as("admin")
    html = client.get("/admin/impact").get_data(as_text=True)
    assert _figure(html, "identifications_received") == "5"
    assert '<option value="{}">Harbor Archives</option>'.format(world["harbor"].id) in html
    one = client.get(f"/admin/impact?institution={world['harbor'].id}&weeks=52").get_data(as_text=True)
    assert _figure(one, "identifications_received") == "3"
    assert '<option value="52" selected>' in one


@pytest.mark.parametrize("query", ["weeks=7", "weeks=%3Cscript%3E", "institution=abc", "institution=99999999999999999999999"])
def test_bad_filters_get_a_message_not_an_error(client, login_as, world, query) -> None:  # type: ignore[no-untyped-def]
    login_as("admin")
    response = client.get(f"/admin/impact?{query}")
    assert response.status_code == 400
    assert "<script>" not in response.get_data(as_text=True)


def test_every_chart_has_an_accessible_name_and_a_table_of_its_numbers(client, login_as, world) -> None:  # type: ignore[no-untyped-def]
    login_as("archivist", institutions=[world["mill"]])
    html = client.get("/admin/impact").get_data(as_text=True)
    charts = re.findall(r'<svg class="impact-chart" role="img" aria-labelledby="([^"]+) ([^"]+)"', html)
    assert len(charts) == 11
    for title_id, desc_id in charts:
        assert f'<title id="{title_id}">' in html
        assert re.search(rf'<desc id="{desc_id}">[^<]+</desc>', html)
    assert 'id="chart-identifications-received-title">Identifications received, by week</title>' in html
    # Each figure once: one table of the weekly numbers, a column for every chart.
    [table] = lxml.html.fromstring(html).xpath("//details[summary='The numbers by week']//table")
    columns = [" ".join(th.text_content().split()) for th in table.xpath(".//thead//th")]
    assert len(columns) == 12 and "Median time to decision (hours)" in columns
    assert "<script" not in html.split("<main", 1)[1].split("</main>", 1)[0]


def test_times_to_decision_read_as_durations_with_their_number_of_decisions(client, login_as, world) -> None:  # type: ignore[no-untyped-def]
    login_as("archivist", institutions=[world["mill"]])
    doc = lxml.html.fromstring(client.get("/admin/impact").get_data(as_text=True))
    [median] = doc.xpath("//section[@aria-labelledby='figure-median_hours']")
    words = " ".join(median.xpath(".//p[@class='impact-total']")[0].text_content().split())
    assert words == "24.0 hours median of 1 decision in the last 12 weeks"


def test_a_chart_draws_no_bar_for_zero_and_tops_its_axis_at_a_round_number() -> None:
    from datetime import date

    from photoid.impact.charts import bar_chart
    from photoid.impact.queries import Figure

    weeks = [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)]
    quick = Figure("median_hours", "Median time to decision", "hours", 0.01, "", list(zip(weeks, [0.0, None, 0.01])))
    svg = lxml.html.fromstring(str(bar_chart(quick, chart_id="quick")))
    [bar] = svg.xpath("//rect")  # the zero week draws nothing, the week without decisions nothing
    assert float(bar.get("height")) <= 2  # 36 seconds on an axis topped at one hour
    assert "1.0 h" in [t.text for t in svg.xpath("//text")]
    counts = Figure("identifications_received", "Identifications received", "count", 7, "", list(zip(weeks, [0.0, 3.0, 7.0])))
    assert "10" in [t.text for t in lxml.html.fromstring(str(bar_chart(counts, chart_id="c"))).xpath("//text")]


def test_the_csv_download_has_a_row_per_week_and_no_formulas(client, login_as, world) -> None:  # type: ignore[no-untyped-def]
    login_as("archivist", institutions=[world["mill"]])
    response = client.get(f"/admin/impact.csv?institution={world['mill'].id}&weeks=12")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][0] == "Week starting (Monday, UTC)" and len(rows) == 13
    received = rows[0].index("Identifications received")
    assert sum(int(row[received]) for row in rows[1:]) == 2
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert client.get(f"/admin/impact.csv?institution={world['harbor'].id}").status_code == 403


def test_achievements_show_totals_for_everyone_without_names_or_emails(client, world) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/achievements")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _figure(html, "identifications_received") == "5"
    assert _figure(html, "contributors") == "1"
    assert "Contributing Carla" not in html and "carla@example.org" not in html and "@example.org" not in html
    assert "figure-median_hours" not in html and "figure-waiting" not in html
    assert 'role="img"' in html
    assert client.get("/achievements?weeks=all").status_code == 200
    assert client.get("/achievements?weeks=nope").status_code == 400


def test_the_footer_links_to_the_achievements(client, world) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/").get_data(as_text=True)
    assert 'href="/achievements"' in html
    assert 'href="/admin/impact"' not in html


def test_figures_are_kept_for_a_few_minutes_and_worked_out_afresh_when_the_cache_is_off(app, client, login_as, world) -> None:  # type: ignore[no-untyped-def]
    login_as("archivist", institutions=[world["mill"]])
    assert _figure(client.get("/admin/impact").get_data(as_text=True), "comments_received") == "1"
    make_comment(photo=make_photo(collection=make_collection(institution=world["mill"])), created_at=utcnow())
    db.session.commit()
    html = client.get("/admin/impact").get_data(as_text=True)
    assert _figure(html, "comments_received") == "1"
    assert "Figures as of" in html
    app.config["IMPACT_CACHE_SECONDS"] = 0
    assert _figure(client.get("/admin/impact").get_data(as_text=True), "comments_received") == "2"
