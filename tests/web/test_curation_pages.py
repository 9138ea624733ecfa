"""Staff curate from the browser's pages: new and edited collections, catalog records, withdrawing,
publishing again and deleting, each with a clear answer for bad input and nothing lost."""
from __future__ import annotations

import io
from typing import Any

import lxml.html
import pytest
from sqlalchemy import select

from photoid.extensions import db
from photoid.moderation.models import ModerationEvent
from photoid.photos.models import Collection, Photo
from photoid.photos.service import add_photo
from tests.factories import jpeg_bytes, make_collection, make_identification, make_institution, make_photo
from tests.web.pages import labelled, parse as page


def words(response) -> str:  # type: ignore[no-untyped-def]
    return " ".join(page(response).text_content().split())


def shown_value(control: lxml.html.HtmlElement) -> str:
    """What the browser shows in a text box or text area (it drops a text area's first newline)."""
    if control.tag == "textarea":
        return (control.text or "").removeprefix("\n")
    return control.get("value") or ""


def form_values(client, path: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Every field of the page's main form as the browser would send it untouched."""
    doc = page(client.get(path))
    form = doc.xpath("//main//form[@method='post']")[0]
    return {k: v for k, v in form.form_values()}


@pytest.fixture
def mill(app) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    library = make_institution(slug="millbrook", name="Millbrook Library")
    streets = make_collection(institution=library, slug="streets", title="Street life")
    photo = make_photo(collection=streets, identifier="scan_1", title="scan 1")
    db.session.commit()
    return {"library": library, "streets": streets, "photo": photo}


def test_staff_create_a_collection_that_waits_off_the_site_until_it_holds_a_photo(client, login_as, mill) -> None:
    login_as("archivist", institutions=[mill["library"]])
    doc = page(client.get("/collections/new"))
    for label in ("Library or archive it belongs to", "Title", "Web address name", "Description", "Position in lists"):
        assert labelled(doc, label) is not None
    data = {**form_values(client, "/collections/new"), "title": "Local history", "slug": "local-history",
            "description": "Town life, 1900-1960"}
    response = client.post("/collections/new", data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith("/collections/local-history")
    staff_view = client.get("/collections/local-history")
    assert "Not on the public site yet: it appears once it holds a published photo." in words(staff_view)


def test_a_bad_collection_form_says_which_field_and_keeps_what_was_typed(client, login_as, mill) -> None:
    login_as("archivist", institutions=[mill["library"]])
    data = {**form_values(client, "/collections/new"), "title": "Local history", "slug": "Local History!",
            "description": "Kept as typed"}
    response = client.post("/collections/new", data=data)
    assert response.status_code == 400
    doc = page(response)
    slug = labelled(doc, "Web address name")
    assert slug.get("aria-invalid") == "true" and slug.get("value") == "Local History!"
    assert "lowercase letters, digits or hyphens" in words(response)
    assert labelled(doc, "Title").get("value") == "Local history"
    assert shown_value(labelled(doc, "Description")) == "Kept as typed"
    assert db.session.scalar(select(Collection).where(Collection.title == "Local history")) is None


def test_an_archivist_cannot_create_a_collection_for_another_institution(client, login_as, mill) -> None:
    harbor = make_institution(slug="harbor")
    db.session.commit()
    login_as("archivist", institutions=[harbor])
    data = {**form_values(client, "/collections/new"), "institution": "millbrook", "title": "Sneaky", "slug": "sneaky"}
    response = client.post("/collections/new", data=data)
    assert response.status_code == 400
    assert "Please choose one of the institutions you look after." in words(response)
    assert db.session.scalar(select(Collection).where(Collection.slug == "sneaky")) is None


def test_staff_correct_a_catalog_record_and_the_public_sees_it_at_once(client, login_as, mill) -> None:
    photo = mill["photo"]
    assert "scan 1" in words(client.get(f"/photos/{photo.id}"))  # a visitor's page is now kept
    archivist = login_as("archivist", institutions=[mill["library"]])
    doc = page(client.get(f"/photos/{photo.id}/edit"))
    assert labelled(doc, "Title").get("value") == "scan 1"
    data = {**form_values(client, f"/photos/{photo.id}/edit"), "title": "Carnival on Quayside",
            "date": "summer 1952", "subjects": "Carnivals\nHarbours", "rights": "In Copyright"}
    response = client.post(f"/photos/{photo.id}/edit", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Photo, photo.id)
    assert (saved.title, saved.date_edtf, saved.subjects) == ("Carnival on Quayside", "1952-22", ["Carnivals", "Harbours"])
    assert saved.rights_uri == "http://rightsstatements.org/vocab/InC/1.0/"
    event = db.session.scalar(select(ModerationEvent).where(ModerationEvent.action == "edit_record"))
    assert event.actor_id == archivist.id and event.before["title"] == "scan 1"

    visitor = client.application.test_client()
    shown = words(visitor.get(f"/photos/{photo.id}"))
    assert "Carnival on Quayside" in shown and "scan 1" not in shown


def test_a_bad_record_says_what_is_wrong_in_each_field_and_changes_nothing(client, login_as, mill) -> None:
    photo = mill["photo"]
    login_as("archivist", institutions=[mill["library"]])
    data = {**form_values(client, f"/photos/{photo.id}/edit"), "title": "", "date": "the day the war ended",
            "rights": "do what you like", "description": "Typed carefully, not lost"}
    response = client.post(f"/photos/{photo.id}/edit", data=data)
    assert response.status_code == 400
    doc = page(response)
    for label in ("Title", "Date", "Rights"):
        assert labelled(doc, label).get("aria-invalid") == "true", label
    assert "The title is empty." in words(response)
    assert "neither a rights statement URI nor a known label" in words(response)
    assert labelled(doc, "Date").get("value") == "the day the war ended"
    assert shown_value(labelled(doc, "Description")) == "Typed carefully, not lost"
    db.session.expire_all()
    assert db.session.get(Photo, photo.id).title == "scan 1"


def test_withdrawing_a_photo_hides_it_from_everyone_but_staff_and_oai_reports_it_deleted(client, login_as, mill) -> None:
    other = make_photo(collection=mill["streets"], identifier="keep", title="Still here")
    db.session.commit()
    photo = mill["photo"]
    login_as("archivist", institutions=[mill["library"]])
    doc = page(client.get(f"/photos/{photo.id}"))
    [button] = doc.xpath("//button[normalize-space()='Withdraw this photo from the site']")
    token = button.getparent().xpath(".//input[@name='csrf_token']/@value")[0]
    assert client.post(f"/photos/{photo.id}/unpublish", data={"csrf_token": token}).status_code == 302
    assert "Not on the public site" in words(client.get(f"/photos/{photo.id}"))

    visitor = client.application.test_client()
    assert visitor.get(f"/photos/{photo.id}").status_code == 404
    assert f"/photos/{photo.id}" not in visitor.get("/sitemaps/1.xml").get_data(as_text=True)
    assert f"/photos/{other.id}" in visitor.get("/sitemaps/1.xml").get_data(as_text=True)
    record = visitor.get(f"/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:localhost:photo/{photo.id}")
    assert 'status="deleted"' in record.get_data(as_text=True)

    assert client.post(f"/photos/{photo.id}/publish", data={"csrf_token": token}).status_code == 302
    assert visitor.get(f"/photos/{photo.id}").status_code == 200


def test_withdrawing_a_collection_hides_it_and_publishing_brings_it_back(client, login_as, mill) -> None:
    login_as("archivist", institutions=[mill["library"]])
    values = form_values(client, "/collections/streets/edit")
    assert client.post("/collections/streets/unpublish", data={"csrf_token": values["csrf_token"]}).status_code == 302
    visitor = client.application.test_client()
    assert visitor.get("/collections/streets").status_code == 404
    assert visitor.get(f"/photos/{mill['photo'].id}").status_code == 404
    assert "Withdrawn: visitors do not see this collection." in words(client.get("/collections/streets"))
    assert client.post("/collections/streets/publish", data={"csrf_token": values["csrf_token"]}).status_code == 302
    assert visitor.get("/collections/streets").status_code == 200


def test_deleting_asks_first_naming_the_photo_and_refuses_when_patrons_contributed(client, login_as, mill) -> None:
    library, streets = mill["library"], mill["streets"]
    login_as("archivist", institutions=[library])
    photo = add_photo(collection=streets, image_data=jpeg_bytes(), identifier="MPL-9", title="Wrong scan")
    confirm = client.get(f"/photos/{photo.id}/delete")
    assert "Delete MPL-9, “Wrong scan”?" in words(confirm)
    token = page(confirm).xpath("//main//form//input[@name='csrf_token']/@value")[0]
    response = client.post(f"/photos/{photo.id}/delete", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/collections/streets")
    assert client.get(f"/photos/{photo.id}").status_code == 404  # staff too
    assert client.get(f"/media/photos/{photo.id}/display.jpg").status_code == 404

    make_identification(photo=mill["photo"])
    db.session.commit()
    refused = client.post(f"/photos/{mill['photo'].id}/delete", data={"csrf_token": token})
    assert refused.status_code == 409
    assert "Withdraw the photo instead" in words(refused)
    assert db.session.get(Photo, mill["photo"].id).deleted_at is None


def test_an_empty_collection_can_be_deleted_and_a_full_one_says_why_not(client, login_as, mill) -> None:
    make_collection(institution=mill["library"], slug="empty-box", title="Empty box")
    db.session.commit()
    login_as("archivist", institutions=[mill["library"]])
    token = form_values(client, "/collections/streets/edit")["csrf_token"]
    refused = client.post("/collections/streets/delete", data={"csrf_token": token})
    assert refused.status_code == 409 and "still holds 1 photo" in words(refused)
    assert "Delete the collection “Empty box”?" in words(client.get("/collections/empty-box/delete"))
    assert client.post("/collections/empty-box/delete", data={"csrf_token": token}).status_code == 302
    assert db.session.scalar(select(Collection).where(Collection.slug == "empty-box")) is None


def test_an_upload_with_a_csv_takes_titles_and_dates_from_it(client, login_as, mill) -> None:
    login_as("archivist", institutions=[mill["library"]])
    token = form_values(client, "/collections/streets/upload")["csrf_token"]
    catalog = ("identifier,title,date,file\n"
               "MPL-1,Carnival on Quayside,summer 1952,first.jpg\n"
               "MPL-2,The mill in winter,not a date,second.jpg\n")
    response = client.post("/collections/streets/upload", data={
        "csrf_token": token, "publish": "yes",
        "catalog": (io.BytesIO(catalog.encode()), "box.csv"),
        "files": [(io.BytesIO(jpeg_bytes(shade=1)), "first.jpg"), (io.BytesIO(jpeg_bytes(shade=2)), "second.jpg"),
                  (io.BytesIO(jpeg_bytes(shade=3)), "third.jpg")],
    }, content_type="multipart/form-data")
    assert response.status_code == 200
    shown = words(response)
    assert "first.jpg: added as MPL-1" in shown
    assert "second.jpg: not added. Row 3 of the CSV:" in shown
    assert "third.jpg: not added. The CSV has no row whose file column is third.jpg." in shown
    photo = db.session.scalar(select(Photo).where(Photo.identifier == "MPL-1"))
    assert (photo.title, photo.date_edtf) == ("Carnival on Quayside", "1952-22")


def test_an_unreadable_csv_is_refused_whole_with_a_message(client, login_as, mill) -> None:
    login_as("archivist", institutions=[mill["library"]])
    token = form_values(client, "/collections/streets/upload")["csrf_token"]
    response = client.post("/collections/streets/upload", data={
        "csrf_token": token, "catalog": (io.BytesIO(b"name,when\nx,y\n"), "box.csv"),
        "files": [(io.BytesIO(jpeg_bytes()), "first.jpg")],
    }, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "The catalog CSV could not be read: The manifest has no identifier, title, file column" in words(response)
    assert db.session.scalar(select(Photo).where(Photo.identifier == "first")) is None


def test_the_cover_chosen_on_the_edit_page_shows_on_the_home_page(client, login_as, mill) -> None:
    photo = mill["photo"]
    login_as("archivist", institutions=[mill["library"]])
    doc = page(client.get("/collections/streets/edit"))
    assert [o.text for o in labelled(doc, "Cover photo").xpath("option")] == ["No cover photo", "scan_1: scan 1"]
    data = {**form_values(client, "/collections/streets/edit"), "cover_photo_id": str(photo.id), "position": "abc"}
    refused = client.post("/collections/streets/edit", data=data)
    assert refused.status_code == 400 and "The position must be a whole number" in words(refused)
    assert client.post("/collections/streets/edit", data={**data, "position": "2"}).status_code == 302
    home = page(client.application.test_client().get("/"))
    assert home.xpath("//section[@aria-labelledby='collections-heading']//img[@alt='scan 1']")
