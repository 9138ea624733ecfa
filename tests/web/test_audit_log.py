"""The audit log at /moderation/log and its CSV download: who sees what, filters, paging, safe cells."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest

from photoid.db import utcnow
from photoid.extensions import db
from photoid.moderation import log
from photoid.moderation import service as moderation
from tests.factories import make_event, make_identification, make_institution, make_photo, make_user
from tests.web.pages import alert, parse as _doc, text as _text


def rows(response) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    """The log's table as a list of {column heading: cell text}."""
    doc = _doc(response)
    tables = doc.xpath("//table")
    if not tables:
        return []
    headings = [_text(th) for th in tables[0].xpath(".//thead//th")]
    return [dict(zip(headings, (_text(cell) for cell in tr.xpath("./th|./td")), strict=True))
            for tr in tables[0].xpath(".//tbody/tr")]


def csv_rows(response) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


@pytest.fixture
def two_libraries(db_session):  # type: ignore[no-untyped-def]
    mill = make_institution(slug="millbrook", name="Millbrook Library")
    harbor = make_institution(slug="harbor", name="Harbor Archives")
    kim = make_user(role="archivist", display_name="Keeper Kim", institutions=[mill])
    hal = make_user(role="archivist", display_name="Harbor Hal", institutions=[harbor])
    db.session.commit()
    return {"mill": mill, "harbor": harbor, "kim": kim, "hal": hal}


def test_an_archivist_sees_only_their_institutions_events_and_an_admin_sees_all(client, login_as, two_libraries) -> None:
    kim, hal = two_libraries["kim"], two_libraries["hal"]
    make_event(actor=kim, action="approve", institution=two_libraries["mill"], note="mill decision")
    make_event(actor=hal, action="reject", institution=two_libraries["harbor"], note="harbor decision")
    make_event(actor=None, action="role_change", target=kim, before={"role": "patron"}, after={"role": "archivist"})
    db.session.commit()

    login_as("archivist", institutions=[two_libraries["mill"]])
    assert [r["Note"] for r in rows(client.get("/moderation/log"))] == ["mill decision"]

    login_as("admin")
    shown = rows(client.get("/moderation/log"))
    assert [r["Action"] for r in shown] == ["Changed a role", "Rejected an identification", "Approved an identification"]
    assert shown[0]["Who"] == "The system" and shown[0]["Before → after"] == "role: patron → archivist"


def test_who_may_open_the_log(client, login_as, two_libraries) -> None:
    assert "/login" in client.get("/moderation/log").headers["Location"]
    assert "/login" in client.get("/moderation/log.csv", buffered=True).headers["Location"]
    login_as("patron")
    assert client.get("/moderation/log").status_code == 403
    assert client.get("/moderation/log.csv", buffered=True).status_code == 403


def test_a_real_decision_appears_with_a_link_to_the_photo(client, login_as, two_libraries) -> None:
    photo = make_photo(title="Harbor in fog")
    archivist = make_user(role="archivist", display_name="Dora Decider", institutions=[photo.institution])
    identification = make_identification(photo=photo, text_value="Captain Ames")
    db.session.commit()
    moderation.reject(identification, moderator=archivist, reason="Not this boat")

    login_as("archivist", institutions=[photo.institution])
    response = client.get("/moderation/log")
    [row] = rows(response)
    assert row["Who"] == "Dora Decider" and row["Action"] == "Rejected an identification"
    assert row["Before → after"] == "state: pending → rejected" and row["Note"] == "Not this boat"
    [link] = [a for a in _doc(response).xpath("//table//a") if "Captain Ames" in _text(a)]
    assert link.get("href") == f"/photos/{photo.id}#identification-{identification.id}"


def test_filters_by_actor_action_institution_and_dates(client, login_as, two_libraries) -> None:
    kim, hal = two_libraries["kim"], two_libraries["hal"]
    now = utcnow()
    make_event(actor=kim, action="approve", institution=two_libraries["mill"], note="old", created_at=now - timedelta(days=40))
    make_event(actor=kim, action="reject", institution=two_libraries["mill"], note="recent reject")
    make_event(actor=hal, action="approve", institution=two_libraries["harbor"], note="harbor approve")
    db.session.commit()
    login_as("admin")

    def notes(query: str) -> list[str]:
        response = client.get(f"/moderation/log?{query}")
        assert response.status_code == 200, alert(response)
        return sorted(r["Note"] for r in rows(response))

    assert notes("actor=keeper") == ["old", "recent reject"]
    assert notes("action=approve") == ["harbor approve", "old"]
    assert notes(f"institution={two_libraries['harbor'].id}") == ["harbor approve"]
    since = (now - timedelta(days=1)).date().isoformat()
    assert notes(f"from={since}") == ["harbor approve", "recent reject"]
    until = (now - timedelta(days=30)).date().isoformat()
    assert notes(f"to={until}") == ["old"]
    assert notes("target_type=comment") == []


def test_an_archivist_cannot_filter_on_another_institution(client, login_as, two_libraries) -> None:
    make_event(actor=two_libraries["hal"], action="approve", institution=two_libraries["harbor"], note="secret")
    db.session.commit()
    login_as("archivist", institutions=[two_libraries["mill"]])
    response = client.get(f"/moderation/log?institution={two_libraries['harbor'].id}")
    assert response.status_code == 400
    assert "secret" not in response.get_data(as_text=True)


@pytest.mark.parametrize("query", ["from=31/12/2025", "to=yesterday", "from=2026-02-30", "page=0", "action=explode",
                                   "from=2026-05-01&to=2026-04-01", "to=9999-12-31&from=0001-01-01x"])
def test_bad_filters_are_explained_with_a_4xx(client, login_as, two_libraries, query: str) -> None:
    login_as("admin")
    response = client.get(f"/moderation/log?{query}")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "not understood" in text or "after the" in text or "page number" in text
    if not query.startswith("page"):  # the download has no pages
        assert client.get(f"/moderation/log.csv?{query}", buffered=True).status_code == 400


def test_the_latest_day_is_a_valid_filter(client, login_as, two_libraries) -> None:
    login_as("admin")
    assert client.get("/moderation/log?to=9999-12-31").status_code == 200


def test_the_log_is_newest_first_and_paged(client, login_as, two_libraries) -> None:
    start = utcnow() - timedelta(hours=2)
    for n in range(55):
        make_event(actor=two_libraries["kim"], institution=two_libraries["mill"], note=f"event {n}",
                   created_at=start + timedelta(minutes=n))
    db.session.commit()
    login_as("admin")
    first = client.get("/moderation/log")
    assert [r["Note"] for r in rows(first)][:2] == ["event 54", "event 53"] and len(rows(first)) == 50
    [next_link] = _doc(first).xpath("//nav//a[@rel='next']")
    second = client.get(next_link.get("href"))
    assert [r["Note"] for r in rows(second)] == [f"event {n}" for n in range(4, -1, -1)]


def test_the_csv_has_the_filtered_rows_with_formulas_defused_and_no_emails(client, login_as, two_libraries) -> None:
    kim = two_libraries["kim"]
    mill = two_libraries["mill"]
    make_event(actor=kim, action="reject", institution=mill, note="=HYPERLINK(\"http://evil\")")
    make_event(actor=kim, action="approve", institution=mill, note="+1 agreed", after={"email": kim.email, "state": "approved"},
               before={"state": "pending", "ip": "10.0.0.1"})
    make_event(actor=two_libraries["hal"], action="approve", institution=two_libraries["harbor"], note="@harbor")
    db.session.commit()
    login_as("admin")

    response = client.get("/moderation/log.csv?actor=Keeper", buffered=True)

    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    assert kim.email not in body and "10.0.0.1" not in body
    found = csv_rows(response)
    assert [r["Note"] for r in found] == ["'+1 agreed", "'=HYPERLINK(\"http://evil\")"]
    assert found[0]["Who"] == "Keeper Kim" and found[0]["Institution"] == "Millbrook Library"
    assert found[0]["Change"] == "state: pending → approved"


def test_the_csv_streams_every_row_across_batches(app, two_libraries) -> None:
    start = utcnow() - timedelta(days=1)
    target = make_identification()
    for n in range(23):
        make_event(actor=two_libraries["kim"], institution=two_libraries["mill"], target=target, note=f"n{n}",
                   created_at=start + timedelta(seconds=n // 2))  # pairs share a time: paging must not skip them
    admin = make_user(role="admin")
    db.session.commit()
    chunks = list(log.csv_rows(admin, log.LogFilters(), batch_size=4))
    assert len(chunks) == 1 + 6  # the heading, then six batches of at most four rows
    found = list(csv.DictReader(io.StringIO("".join(chunks))))
    assert sorted(r["Note"] for r in found) == sorted(f"n{n}" for n in range(23))
    assert [r["Note"] for r in found][:2] == ["n22", "n21"]
    assert datetime.fromisoformat(found[0]["When (UTC)"]) >= datetime.fromisoformat(found[-1]["When (UTC)"])
