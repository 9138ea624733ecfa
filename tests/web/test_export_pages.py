"""The staff export page: a labelled form that downloads a file and lists previous runs."""
from __future__ import annotations

import csv
import io

from sqlalchemy import select

from photoid.catalog.models import ExportRun
from photoid.extensions import db
from tests.factories import make_collection, make_identification, make_photo
from tests.web.pages import labelled as _control, parse as _page

PATH = "/admin/exports"


def _archive():  # type: ignore[no-untyped-def]
    collection = make_collection(slug="streets", title="Street life")
    photo = make_photo(collection=collection, identifier="MPL-1", title="=SUM(A1) parade")
    make_identification(photo=photo, text_value="Aunt Mary", state="approved")
    make_identification(photo=photo, text_value="Pending Pete", state="pending")
    make_photo(identifier="OTHER-1", title="Elsewhere")
    db.session.commit()
    return collection


def test_patrons_and_visitors_cannot_export(client, login_as) -> None:
    assert client.get(PATH).status_code in (302, 401)
    login_as("patron")
    assert client.get(PATH).status_code == 403


def test_staff_see_a_labelled_form(client, login_as) -> None:
    _archive()
    login_as("admin")
    doc = _page(client.get(PATH))
    assert doc.xpath("//h1")[0].text_content() == "Catalog exports"
    formats = [o.text_content() for o in _control(doc, "File format").iter("option")]
    assert formats == ["MARCXML (MARC 21)", "MODS 3.8", "Dublin Core XML", "CSV spreadsheet", "CONTENTdm tab-delimited"]
    collections = [o.text_content() for o in _control(doc, "Collection").iter("option")]
    assert "All collections" in collections and "Street life" in collections
    assert _control(doc, "Only photos changed since the last export in this format").get("type") == "radio"
    assert _control(doc, "Changed since").get("type") == "date"
    assert doc.xpath("//button[normalize-space()='Download']")
    assert "No exports yet." in doc.text_content()


def test_a_download_streams_approved_facts_and_records_the_run(client, login_as, csrf_token) -> None:
    _archive()
    admin = login_as("admin", display_name="Ada Archivist")
    token = csrf_token(PATH)
    # buffered: the test client reads the streamed body before the request ends, as a server would
    response = client.post(PATH, data={"csrf_token": token, "format": "csv", "collection": "streets", "changed": "all"},
                           buffered=True)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="photoid-streets-csv-')
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert [(r["identifier"], r["title"], r["people"]) for r in rows] == [("MPL-1", "'=SUM(A1) parade", "Aunt Mary")]

    run = db.session.scalar(select(ExportRun))
    assert (run.format, run.record_count, run.actor_id) == ("csv", 1, admin.id)
    table = _page(client.get(PATH)).xpath("//table[caption[contains(., 'Previous exports')]]")[0]
    cells = [c.text_content() for c in table.xpath(".//tbody/tr[1]/*")]
    assert cells[1:] == ["CSV spreadsheet", "Street life", "Everything", "1", "Ada Archivist"]

    response = client.post(PATH, data={"csrf_token": token, "format": "csv", "collection": "streets", "changed": "since_last"},
                           buffered=True)
    assert response.status_code == 200
    assert list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig")))) == []  # nothing changed since


def test_bad_choices_get_a_message_and_no_download(client, login_as, csrf_token) -> None:
    _archive()
    login_as("archivist", institutions=[make_collection().institution])
    db.session.commit()
    token = csrf_token(PATH)
    response = client.post(PATH, data={"csrf_token": token, "format": "csv", "changed": "since_date", "since": ""})
    assert response.status_code == 400
    assert "Please enter the date" in _page(response).text_content()
    response = client.post(PATH, data={"csrf_token": token, "format": "pdf", "changed": "all"})
    assert response.status_code == 400 and "Please check the choices" in response.get_data(as_text=True)
    response = client.post(PATH, data={"csrf_token": token, "format": "csv", "changed": "since_date", "since": "yesterday"})
    assert response.status_code == 400 and "Not a valid date value" in response.get_data(as_text=True)
    response = client.post(PATH, data={"format": "csv", "changed": "all"})  # no CSRF token
    assert response.status_code == 400
    assert db.session.scalar(select(ExportRun)) is None
