"""Exports by institution: each institution's own "since the last export" mark, and only its own photos."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from photoid.catalog.models import ExportRun
from photoid.db import utcnow
from photoid.extensions import db
from tests.factories import make_collection, make_institution, make_photo, make_user
from tests.web.pages import parse as _doc, sign_in

PATH = "/admin/exports"


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return " ".join(_doc(response).text_content().split())


def _options(response, label: str) -> list[str]:  # type: ignore[no-untyped-def]
    doc = _doc(response)
    for element in doc.iter("label"):
        if element.text_content().strip() == label:
            return [o.text_content() for o in doc.get_element_by_id(element.get("for")).iter("option")]
    raise AssertionError(f"no control labelled {label!r}")


def identifiers(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, _text(response)
    return sorted(r["identifier"] for r in csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def post(client, **data):  # type: ignore[no-untyped-def]
    page = _doc(client.get(PATH))
    token = page.xpath("//input[@name='csrf_token']/@value")[0]
    return client.post(PATH, data={"csrf_token": token, "format": "csv", "changed": "since_last", **data}, buffered=True)


@pytest.fixture
def libraries(db_session):  # type: ignore[no-untyped-def]
    mill = make_institution(slug="millbrook", name="Millbrook Library")
    harbor = make_institution(slug="harbor", name="Harbor Archives")
    long_ago = utcnow() - timedelta(days=30)
    mill_streets = make_collection(institution=mill, slug="mill-streets", title="Mill streets")
    harbor_boats = make_collection(institution=harbor, slug="harbor-boats", title="Harbor boats")
    make_photo(collection=mill_streets, identifier="MILL-1", modified_at=long_ago)
    boat = make_photo(collection=harbor_boats, identifier="HARBOR-1", modified_at=long_ago)
    ann = make_user(role="archivist", display_name="Ann Mill", institutions=[mill])
    bob = make_user(role="archivist", display_name="Bob Harbor", institutions=[harbor])
    admin = make_user(role="admin", display_name="Ada Admin")
    db.session.commit()
    return {"mill": mill, "harbor": harbor, "boat": boat, "ann": ann, "bob": bob, "admin": admin}


def test_one_institutions_since_last_export_leaves_anothers_mark_alone(client, libraries) -> None:
    sign_in(client, libraries["bob"])
    assert identifiers(post(client)) == ["HARBOR-1"]  # Harbor's first export: all of Harbor's photos, none of Millbrook's
    harbor_run = db.session.scalar(select(ExportRun))
    harbor_run.started_at = utcnow() - timedelta(hours=2)
    libraries["boat"].modified_at = utcnow() - timedelta(hours=1)  # changed after Harbor's export
    db.session.commit()

    sign_in(client, libraries["ann"])
    assert identifiers(post(client)) == ["MILL-1"]  # Millbrook's own first export, only its photos

    sign_in(client, libraries["bob"])
    assert identifiers(post(client)) == ["HARBOR-1"]  # still there: Millbrook's export did not move Harbor's mark
    assert identifiers(post(client)) == []
    runs = db.session.scalars(select(ExportRun).order_by(ExportRun.id)).all()
    assert [r.institution_id for r in runs] == [libraries["harbor"].id, libraries["mill"].id,
                                                libraries["harbor"].id, libraries["harbor"].id]


def test_an_archivist_cannot_export_another_institutions_photos(client, libraries) -> None:
    sign_in(client, libraries["ann"])
    page = client.get(PATH)
    assert _options(page, "Institution") == ["Millbrook Library"]
    assert _options(page, "Collection") == ["All collections", "Mill streets"]

    refused = post(client, collection="harbor-boats")
    assert refused.status_code == 403
    assert "You can export only your own institutions' photos" in _text(refused)
    refused = post(client, institution="harbor")
    assert refused.status_code == 403 and "Harbor Archives" in _text(refused)
    mismatch = post(client, institution="millbrook", collection="harbor-boats")
    assert mismatch.status_code in (400, 403)
    assert db.session.scalar(select(func.count(ExportRun.id))) == 0
    # the previous exports of other institutions are not listed either
    sign_in(client, libraries["bob"])
    assert identifiers(post(client)) == ["HARBOR-1"]
    sign_in(client, libraries["ann"])
    assert "No exports yet." in _text(client.get(PATH))


def test_an_admin_exports_one_institution_or_all_with_separate_marks(client, libraries) -> None:
    sign_in(client, libraries["admin"])
    assert _options(client.get(PATH), "Institution") == ["All institutions", "Harbor Archives", "Millbrook Library"]
    assert identifiers(post(client, institution="harbor")) == ["HARBOR-1"]
    assert identifiers(post(client)) == ["HARBOR-1", "MILL-1"]  # the site-wide mark is its own
    assert identifiers(post(client, institution="millbrook")) == ["MILL-1"]
    assert identifiers(post(client, collection="harbor-boats")) == ["HARBOR-1"]  # a collection has its own mark too
    assert identifiers(post(client, collection="harbor-boats")) == []
    assert identifiers(post(client)) == []
    table = _doc(client.get(PATH)).xpath("//table[caption[contains(., 'Previous exports')]]")[0]
    scopes = [cell.text_content() for cell in table.xpath(".//tbody/tr/td[2]")]
    assert scopes == ["All collections", "Harbor boats", "Harbor boats", "All of Millbrook Library",
                      "All collections", "All of Harbor Archives"]


def test_the_shell_exports_one_institution_with_its_mark_or_the_whole_site(app, libraries, tmp_path) -> None:
    runner = app.test_cli_runner()
    harbor = tmp_path / "harbor.csv"
    result = runner.invoke(args=["export", "csv", "--institution", "harbor", "--since-last", "-o", str(harbor)])
    assert result.exit_code == 0, result.output
    assert "Wrote 1 photo " in result.output
    site = tmp_path / "site.csv"
    result = runner.invoke(args=["export", "csv", "--since-last", "-o", str(site)])
    assert "Wrote 2 photos" in result.output  # Harbor's run is not the site-wide mark
    result = runner.invoke(args=["export", "csv", "--institution", "harbor", "--since-last", "-o", str(harbor)])
    assert "Wrote 0 photos" in result.output
    result = runner.invoke(args=["export", "csv", "--institution", "nowhere", "-o", str(harbor)])
    assert result.exit_code != 0 and "There is no institution called “nowhere”" in result.output
    runs = db.session.scalars(select(ExportRun).order_by(ExportRun.id)).all()
    assert [(r.institution_id, r.actor_id) for r in runs] == [(libraries["harbor"].id, None), (None, None),
                                                              (libraries["harbor"].id, None)]


def test_an_institutions_own_exports_count_in_its_impact_figures(client, libraries) -> None:
    from photoid.impact.queries import Period, Scope, records_exported

    sign_in(client, libraries["bob"])
    assert identifiers(post(client, changed="all")) == ["HARBOR-1"]  # Harbor's whole institution, no collection chosen
    harbor = Scope("Harbor Archives", (libraries["harbor"].id,))
    mill = Scope("Millbrook Library", (libraries["mill"].id,))
    assert sum(records_exported(harbor, Period("all", "All time", None)).values()) == 1
    assert sum(records_exported(mill, Period("all", "All time", None)).values()) == 0
