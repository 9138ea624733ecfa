"""Pages for people, places and events: what the public sees, the cropped faces, and the staff pages."""
from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import event, select

from photoid.authorities.models import AuthorityRecord
from photoid.contributions.models import Identification
from photoid.extensions import db
from photoid.moderation.models import ModerationEvent
from photoid.photos import crops
from photoid.photos.service import add_photo
from tests.factories import make_authority, make_collection, make_identification, make_photo
from tests.web.pages import button_form, labelled, link, parse as _doc, submit, text as _text


# --- reading pages as a person would -------------------------------------------------------------

def section(doc, heading_start: str):  # type: ignore[no-untyped-def]
    """The section named by a heading that starts with ``heading_start``."""
    for element in doc.xpath("//section[@aria-labelledby]"):
        if _text(doc.get_element_by_id(element.get("aria-labelledby"))).startswith(heading_start):
            return element
    raise AssertionError(f"no section headed {heading_start!r}")


def definition(doc, term: str) -> str:  # type: ignore[no-untyped-def]
    for dt in doc.xpath("//dt"):
        if _text(dt) == term:
            return _text(dt.getnext())
    raise AssertionError(f"no {term!r} in the page's facts")


def listed(doc, term: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The items of a list given as the answer to ``term``."""
    for dt in doc.xpath("//dt"):
        if _text(dt) == term:
            return [_text(li) for li in dt.getnext().xpath(".//li")]
    raise AssertionError(f"no {term!r} in the page's facts")


def photo_titles(doc) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(_text(h) for h in section(doc, "Photos of").xpath(".//h3"))


def alert(doc) -> str:  # type: ignore[no-untyped-def]
    return " ".join(_text(a) for a in doc.xpath("//*[@role='alert']"))


def _jpeg(size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.linear_gradient("L").resize(size).convert("RGB").save(buffer, "JPEG")
    return buffer.getvalue()


BOX = {"region_x": 0.25, "region_y": 0.25, "region_w": 0.5, "region_h": 0.25}


@pytest.fixture
def person(db_session):  # type: ignore[no-untyped-def]
    """A man photographed often: approved, pending and rejected claims, and photos the public cannot see."""
    record = make_authority(heading="Whitcomb, Harold J., 1881-1954", dates_edtf="1881/1954",
                            variants=("Hal Whitcomb", "H. J. Whitcomb"), authority_uri="http://www.wikidata.org/entity/Q4115189")
    collection = make_collection()
    hidden_collection = make_collection(institution=collection.institution, is_published=False)
    make_identification(photo=make_photo(collection=collection, title="Mill opening"), authority=record, state="approved")
    make_identification(photo=make_photo(collection=collection, title="Parade"), authority=record, state="approved", **BOX)
    make_identification(photo=make_photo(collection=collection, title="Waiting picnic"), authority=record)
    make_identification(photo=make_photo(collection=collection, title="Rejected harbour"), authority=record,
                        state="rejected", review_note="Not him.")
    make_identification(photo=make_photo(collection=collection, title="Unpublished portrait", is_published=False),
                        authority=record, state="approved")
    make_identification(photo=make_photo(collection=hidden_collection, title="Hidden box"), authority=record, state="approved")
    db.session.commit()
    return {"record": record, "collection": collection}


# --- the public page -----------------------------------------------------------------------------

def test_the_page_shows_names_dates_link_and_only_approved_identifications_on_public_photos(client, person) -> None:
    record = person["record"]
    response = client.get(f"/people/{record.id}")
    assert response.status_code == 200
    doc = _doc(response)
    assert _text(doc.xpath("//h1")[0]) == "Whitcomb, Harold J., 1881-1954"
    assert listed(doc, "Also known as") == ["H. J. Whitcomb", "Hal Whitcomb"]
    assert definition(doc, "Dates") == "1881–1954"
    assert link(doc, "Wikidata record for Whitcomb, Harold J., 1881-1954").get("href") == record.authority_uri
    assert photo_titles(doc) == ["Mill opening", "Parade"]
    assert "Photos of Whitcomb, Harold J., 1881-1954 (2)" in _text(doc)
    boxed = section(doc, "Photos of").xpath(".//img[contains(@src, '/regions/')]")
    assert len(boxed) == 1 and boxed[0].get("alt") == "Whitcomb, Harold J., 1881-1954, as marked in “Parade”"


def test_photos_are_paginated(app, client, person) -> None:
    app.config["PER_PAGE"] = 1
    doc = _doc(client.get(f"/people/{person['record'].id}"))
    assert len(photo_titles(doc)) == 1
    second = _doc(client.get(link(doc, "Next page").get("href")))
    assert len(photo_titles(second)) == 1 and photo_titles(second) != photo_titles(doc)
    assert client.get(f"/people/{person['record'].id}?page=zero").status_code == 400


def test_a_place_shows_its_coordinates_and_a_map_link_only_with_a_tile_server(app, client, db_session) -> None:
    place = make_authority(kind="place", heading="Main Street (Millbrook)", latitude=44.0523, longitude=-69.9417,
                           authority_uri="https://sws.geonames.org/4971068/")
    db.session.commit()
    doc = _doc(client.get(f"/places/{place.id}"))
    assert definition(doc, "Coordinates") == "44.0523° N, 69.9417° W"
    assert not [a for a in doc.xpath("//a") if "OpenStreetMap" in _text(a)]
    assert link(doc, "GeoNames record for Main Street (Millbrook)").get("href") == "https://sws.geonames.org/4971068/"
    assert "No published photo" in _text(section(doc, "Photos of"))

    app.config["MAP_TILES"] = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    doc = _doc(client.get(f"/places/{place.id}"))
    assert "openstreetmap.org/?mlat=44.05230&mlon=-69.94170" in link(doc, "See this place on OpenStreetMap").get("href")


def test_merged_wrong_kind_proposed_and_missing_records(client, login_as, person) -> None:
    from photoid.authorities.service import merge

    record = person["record"]
    duplicate = make_authority(heading="Whitcomb, Hal")
    proposed = make_authority(heading="Pratt, Ezra", status="proposed")
    editor = login_as("archivist", institutions=[person["collection"].institution])
    merge(duplicate, record, editor=editor)
    with client.session_transaction() as session:
        session.clear()

    moved = client.get(f"/people/{duplicate.id}")
    assert moved.status_code == 301 and moved.headers["Location"].endswith(f"/people/{record.id}")
    wrong_kind = client.get(f"/places/{record.id}?page=1")
    assert wrong_kind.status_code == 301 and wrong_kind.headers["Location"].endswith(f"/people/{record.id}")
    assert client.get(f"/events/{duplicate.id}").headers["Location"].endswith(f"/people/{record.id}")
    assert client.get("/people/999999").status_code == 404
    assert client.get(f"/people/{proposed.id}").status_code == 404
    login_as("archivist")
    assert "not yet accepted" in _text(_doc(client.get(f"/people/{proposed.id}")))


def test_the_photo_page_links_each_approved_name_to_its_page(client, person) -> None:
    photo = db.session.scalar(select(Identification).where(Identification.state == "approved")).photo
    doc = _doc(client.get(f"/photos/{photo.id}"))
    assert link(section(doc, "What we know"), "Whitcomb, Harold J., 1881-1954").get("href") == f"/people/{person['record'].id}"


def test_the_public_page_makes_the_same_number_of_queries_however_many_photos(client, person) -> None:
    def count() -> int:
        statements: list[str] = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get(f"/people/{person['record'].id}").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    few = count()
    for n in range(15):
        make_identification(photo=make_photo(collection=person["collection"], title=f"More {n}"),
                            authority=person["record"], state="approved", **BOX)
    db.session.commit()
    assert count() == few


# --- the cropped face ----------------------------------------------------------------------------

def test_the_crop_is_served_only_for_approved_boxes_on_public_photos(client, monkeypatch, person) -> None:
    collection, record = person["collection"], person["record"]
    photo = add_photo(collection=collection, image_data=_jpeg((800, 400)), identifier="MPL-9", title="Wide street")
    hidden = add_photo(collection=collection, image_data=_jpeg((400, 400)), identifier="MPL-10", title="Draft",
                       is_published=False)
    approved = make_identification(photo=photo, authority=record, state="approved", **BOX)
    pending = make_identification(photo=photo, authority=record, **BOX)
    rejected = make_identification(photo=photo, authority=record, state="rejected", review_note="No.", **BOX)
    unboxed = make_identification(photo=photo, authority=record, state="approved")
    unpublished = make_identification(photo=hidden, authority=record, state="approved", **BOX)
    db.session.commit()

    with client.get(f"/media/photos/{photo.id}/regions/{approved.id}.jpg") as response:
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
        first = response.data
    with Image.open(io.BytesIO(first)) as image:
        assert image.format == "JPEG"
        assert abs(image.width / image.height - (0.5 * 800) / (0.25 * 400)) < 0.05

    def no_decoding(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the crop was decoded again")

    monkeypatch.setattr(crops.Image, "open", no_decoding)
    with client.get(f"/media/photos/{photo.id}/regions/{approved.id}.jpg") as again:
        assert again.status_code == 200 and again.data == first
        etag = again.headers["ETag"]
    assert client.get(f"/media/photos/{photo.id}/regions/{approved.id}.jpg", headers={"If-None-Match": etag}).status_code == 304

    for refused in (pending, rejected, unboxed):
        assert client.get(f"/media/photos/{photo.id}/regions/{refused.id}.jpg").status_code == 404
    assert client.get(f"/media/photos/{hidden.id}/regions/{unpublished.id}.jpg").status_code == 404
    assert client.get(f"/media/photos/{hidden.id}/regions/{approved.id}.jpg").status_code == 404  # not that photo's


# --- staff pages ---------------------------------------------------------------------------------

def test_who_may_open_and_use_the_staff_pages(client, login_as, csrf_token, person) -> None:
    record = person["record"]
    other = make_authority(heading="Whitcomb, H.")
    proposed = make_authority(heading="Pratt, Ezra", status="proposed")
    db.session.commit()
    pages = ["/authorities", "/authorities?q=whitcomb&kind=person&status=accepted", f"/authorities/{record.id}/edit",
             f"/authorities/{other.id}/merge", f"/authorities/{other.id}/merge?into={record.id}"]
    posts = [f"/authorities/{record.id}/edit", f"/authorities/{proposed.id}/accept", f"/authorities/{other.id}/merge",
             "/authorities/merges/1/undo"]

    token = csrf_token("/login")
    for path in pages:
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    for path in posts:
        response = client.post(path, data={"csrf_token": token, "heading": "Changed", "into": str(record.id)})
        assert response.status_code == 302 and "/login" in response.headers["Location"], path

    login_as("patron")
    token = csrf_token("/me/contributions")
    for path in pages:
        assert client.get(path).status_code == 403, path
    for path in posts:
        assert client.post(path, data={"csrf_token": token, "heading": "Changed", "into": str(record.id)}).status_code == 403, path
    assert db.session.scalar(select(ModerationEvent.id)) is None
    assert not _doc(client.get("/")).xpath("//a[normalize-space()='People, places and events']")

    for role in ("archivist", "admin"):
        login_as(role, institutions=[person["collection"].institution] if role == "archivist" else [])
        for path in pages:
            assert client.get(path).status_code == 200, (role, path)
        assert _doc(client.get("/")).xpath("//a[normalize-space()='People, places and events']")


def test_browse_finds_records_ignoring_accents_case_and_word_order(client, login_as, person) -> None:
    make_authority(heading="Müller, Anna, 1902-1988", variants=("Miss Mueller",))
    make_authority(kind="place", heading="Muller Street")
    make_authority(heading="Pratt, Ezra", status="proposed")
    db.session.commit()
    login_as("archivist")

    def headings(query: str) -> list[str]:
        return [_text(th) for th in _doc(client.get(f"/authorities?{query}")).xpath("//tbody//th")]

    assert headings("q=anna+MULLER") == ["Müller, Anna, 1902-1988"]
    assert headings("q=mueller") == ["Müller, Anna, 1902-1988"]
    assert headings("q=muller&kind=place") == ["Muller Street"]
    assert headings("status=proposed") == ["Pratt, Ezra"]
    assert headings("q=whitcomb") == ["Whitcomb, Harold J., 1881-1954"]
    bad = client.get("/authorities?kind=dragons")
    assert bad.status_code == 400 and "not understood" in alert(_doc(bad))


def test_editing_a_record_from_its_page(client, login_as, person) -> None:
    record = person["record"]
    login_as("archivist", institutions=[person["collection"].institution])
    doc = _doc(client.get(f"/authorities/{record.id}/edit"))
    form = button_form(doc, "Save changes")
    assert labelled(form, "Preferred heading").get("value") == record.heading
    assert labelled(form, "Authority link (optional)").get("value") == record.authority_uri

    refused = submit(client, form, heading=record.heading, dates="1881/1954", authority_uri="https://example.com/hal")
    assert refused.status_code == 400 and "“example.com” is not one of them" in alert(_doc(refused))
    assert labelled(_doc(refused), "Authority link (optional)").get("value") == "https://example.com/hal"

    hal = next(v for v in record.variants if v.name == "Hal Whitcomb")
    saved = submit(client, form, heading="Whitcomb, Harold James, 1881-1954", dates="1881 to 1954",
                   authority_uri="https://id.loc.gov/authorities/names/n00000001", new_variant="Harry Whitcomb",
                   remove_variant=str(hal.id))
    assert saved.status_code == 302
    public = _doc(client.get(f"/people/{record.id}"))
    assert _text(public.xpath("//h1")[0]) == "Whitcomb, Harold James, 1881-1954"
    assert listed(public, "Also known as") == ["H. J. Whitcomb", "Harry Whitcomb"]
    assert link(public, "Library of Congress record for Whitcomb, Harold James, 1881-1954").get("href") == (
        "http://id.loc.gov/authorities/names/n00000001")  # stored as the canonical URI the catalog writes


def test_accepting_merging_and_undoing_from_the_pages(client, login_as, person) -> None:
    record = person["record"]
    duplicate = make_authority(heading="Whitcomb, Hal", status="proposed", variants=("Mr. Whitcomb",))
    claim = make_identification(photo=make_photo(collection=person["collection"], title="Bandstand"),
                                authority=duplicate, state="approved")
    db.session.commit()
    login_as("archivist", institutions=[person["collection"].institution])

    doc = _doc(client.get(f"/authorities/{duplicate.id}/edit"))
    assert submit(client, button_form(doc, "Accept this record")).status_code == 302
    assert client.get(f"/people/{duplicate.id}").status_code == 200

    choose = _doc(client.get(f"/authorities/{duplicate.id}/merge?q=harold+whitcomb"))
    confirm = _doc(client.get(link(choose, f"Merge into {record.heading}").get("href")))
    checklist = _text(confirm)
    assert "1 identification of “Whitcomb, Hal” will name “Whitcomb, Harold J., 1881-1954” instead (1 approved)" in checklist
    assert "1 published photo will show" in checklist and "Mr. Whitcomb" in checklist
    merged = submit(client, button_form(confirm, f"Merge into “{record.heading}”"))
    assert merged.status_code == 302 and merged.headers["Location"].endswith(f"/authorities/{record.id}/edit")
    assert "Bandstand" in photo_titles(_doc(client.get(f"/people/{record.id}")))

    survivor_page = _doc(client.get(f"/authorities/{record.id}/edit"))
    undone = submit(client, button_form(survivor_page, "Undo the merge of “Whitcomb, Hal”"))
    assert undone.status_code == 302
    db.session.expire_all()
    assert db.session.get(Identification, claim.id).authority_id == duplicate.id
    assert db.session.get(AuthorityRecord, duplicate.id).merged_into_id is None
    assert client.get(f"/people/{duplicate.id}").status_code == 200

    again = submit(client, button_form(survivor_page, "Undo the merge of “Whitcomb, Hal”"))
    assert again.status_code == 409 and "already been undone" in alert(_doc(again))


def test_merging_into_itself_or_another_kind_is_refused_on_the_page(client, login_as, person) -> None:
    record = person["record"]
    place = make_authority(kind="place", heading="Whitcomb Mill")
    db.session.commit()
    login_as("admin")
    itself = client.get(f"/authorities/{record.id}/merge?into={record.id}")
    assert itself.status_code == 400 and "cannot be merged into itself" in alert(_doc(itself))
    token = button_form(_doc(client.get(f"/authorities/{record.id}/edit")), "Save changes").xpath(
        ".//input[@name='csrf_token']/@value")[0]
    kind = client.post(f"/authorities/{record.id}/merge", data={"csrf_token": token, "into": str(place.id)})
    assert kind.status_code == 400 and "only be merged into another person" in alert(_doc(kind))
    assert client.get(f"/authorities/{record.id}/merge?into=abc").status_code == 404
    assert db.session.scalar(select(ModerationEvent.id)) is None


def test_approve_with_changes_offers_a_link_and_coordinates_for_a_new_place(client, login_as, db_session) -> None:
    claim = make_identification(kind="place", text_value="the old mill")
    db.session.commit()
    login_as("archivist", institutions=[claim.photo.institution])
    doc = _doc(client.get(f"/moderation/identifications/{claim.id}/changes"))
    form = button_form(doc, "Approve with these changes")
    for label in ("Authority link for the new record (optional)", "Latitude of the new place (optional)",
                  "Longitude of the new place (optional)"):
        assert labelled(form, label) is not None
    refused = submit(client, form, new_heading="Millbrook Mill", authority_uri="https://example.com/mill")
    assert refused.status_code == 400 and "not one of them" in alert(_doc(refused))
    done = submit(client, form, new_heading="Millbrook Mill", authority_uri="https://sws.geonames.org/1/",
                  latitude="44.05", longitude="-69.94")
    assert done.status_code == 302
    record = db.session.scalar(select(AuthorityRecord).where(AuthorityRecord.heading == "Millbrook Mill"))
    assert (record.authority_uri, record.latitude, record.longitude) == ("https://sws.geonames.org/1/", 44.05, -69.94)
