"""Staff ask for a IIIF import on the collection's page; `photoid import-iiif --pending` runs it later,
and the page shows its state and counts as it goes. Nothing is fetched while the request waits."""
from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from photoid.extensions import db
from photoid.photos.models import IiifImport, Photo
from tests.factories import make_collection, make_institution
from tests.iiif_server import sample_site, serving
from tests.web.pages import alert, button_form, labelled, link, parse, submit, text

LABEL = "IIIF manifest or collection address"


@pytest.fixture
def archivist(app: Flask, login_as: Any) -> Any:
    library = make_institution(slug="millbrook", name="Millbrook Public Library")
    make_collection(institution=library, slug="local-history", title="Local history")
    db.session.commit()
    return login_as("archivist", institutions=[library])


def _send(client: FlaskClient, url: str):  # type: ignore[no-untyped-def]
    page = parse(client.get("/collections/local-history/import-iiif"))
    assert labelled(page, LABEL).get("type") == "url"
    return submit(client, button_form(page, "Import"), url=url)


def test_staff_record_an_import_and_see_it_run(app: Flask, client: FlaskClient, archivist: Any) -> None:
    collection_page = parse(client.get("/collections/local-history"))
    assert link(collection_page, "Import from IIIF").get("href") == "/collections/local-history/import-iiif"

    with serving(sample_site()) as site:
        response = _send(client, site.url("/collection.json"))
        assert response.status_code == 302
        assert site.requests == []  # recorded only: nothing fetched while the request waited
        page = parse(client.get(response.headers["Location"]))
        assert "The import is recorded" in text(page)
        rows = page.xpath("//table[contains(@class, 'iiif-imports')]/tbody/tr")
        assert [text(cell) for cell in rows[0].xpath("td")][2:] == ["Waiting to start", "0", "0", "0", "0"]

        result = app.test_cli_runner().invoke(args=["import-iiif", "--pending"])
        assert result.exit_code == 0, result.output
        assert "Ran 1 import request." in result.output

    assert db.session.scalar(select(func.count()).select_from(Photo)) == 3
    page = parse(client.get("/collections/local-history"))
    rows = page.xpath("//table[contains(@class, 'iiif-imports')]/tbody/tr")
    assert [text(cell) for cell in rows[0].xpath("td")][2:] == ["Finished", "3", "0", "0", "1"]
    assert "Not found (404)" in text(rows[1])  # the canvas whose image is missing, and why
    request = db.session.scalar(select(IiifImport))
    assert request.requested_by_id == archivist.id and request.finished_at is not None


def test_an_address_that_is_not_http_is_refused_with_a_message(client: FlaskClient, archivist: Any) -> None:
    response = _send(client, "file:///etc/passwd")
    assert response.status_code == 400
    assert "Please correct the address below." in alert(response)
    assert "Only http and https addresses can be imported" in text(parse(response))
    assert _send(client, "   ").status_code == 400
    assert db.session.scalar(select(func.count()).select_from(IiifImport)) == 0


def test_an_address_that_cannot_be_read_fails_with_the_reason(app: Flask, client: FlaskClient, archivist: Any) -> None:
    with serving(sample_site()) as site:
        _send(client, site.url("/no-such-manifest.json"))
        app.test_cli_runner().invoke(args=["import-iiif", "--pending"])
    rows = parse(client.get("/collections/local-history/import-iiif")).xpath("//table/tbody/tr")
    assert [text(cell) for cell in rows[0].xpath("td")][2] == "Failed"
    assert "Not found (404)" in text(rows[1])


def test_without_csrf_nothing_is_recorded(client: FlaskClient, archivist: Any) -> None:
    response = client.post("/collections/local-history/import-iiif", data={"url": "https://example.org/manifest"})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(IiifImport)) == 0
