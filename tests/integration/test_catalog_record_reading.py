"""Photos read from the database as catalog records (photoid/catalog/records.py): every field a record
carries, with literal expected values; only approved facts, each in its kind's list; a merged
authority read as its survivor; photos in the order asked for, in batches."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import event

from photoid.catalog.records import catalog_records, iter_catalog_records
from photoid.extensions import db
from photoid.photos.models import PhotoSource
from photoid.photos.queries import public_photos
from tests.factories import (
    make_authority,
    make_collection,
    make_identification,
    make_institution,
    make_photo,
    make_user,
)

BASE = "https://photos.example.org/"
REVIEWED = datetime(2026, 11, 19, 15, 0, tzinfo=UTC)
CREATED = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)


@pytest.fixture
def photo(app):
    institution = make_institution(slug="millbrook", name="Millbrook Public Library")
    collection = make_collection(institution=institution, slug="streets", title="Street life")
    return make_photo(collection=collection, identifier="MPL-0007", title="The Main Street parade",
                      description="Crowds on Main Street.", creator="Hill Studio", date_edtf="1945~",
                      rights_uri="http://rightsstatements.org/vocab/NoC-US/1.0/", source_format="TIFF",
                      width=3000, height=2000, subjects=["Parades"], places=["Main Street (Millbrook)"])


def _one(photo_id: int):
    (record,) = catalog_records([photo_id], base_url=BASE)
    return record


def test_a_photo_becomes_a_record_with_its_cataloged_fields(photo) -> None:
    db.session.commit()
    record = _one(photo.id)
    assert (record.photo_id, record.identifier, record.title) == (photo.id, "MPL-0007", "The Main Street parade")
    assert (record.description, record.creator, record.date_edtf) == ("Crowds on Main Street.", "Hill Studio", "1945~")
    assert record.rights_uri == "http://rightsstatements.org/vocab/NoC-US/1.0/"
    assert (record.format, record.width, record.height) == ("image/tiff", 3000, 2000)
    assert (record.collection_slug, record.collection_title) == ("streets", "Street life")
    assert (record.institution_slug, record.institution_name) == ("millbrook", "Millbrook Public Library")
    assert record.verified_by == "Millbrook Public Library" and record.agency == "millbrook"
    assert record.page_url == f"https://photos.example.org/photos/{photo.id}"
    assert record.image_url == f"https://photos.example.org/media/photos/{photo.id}/display.jpg"
    assert (record.subjects, record.places) == (["Parades"], ["Main Street (Millbrook)"])
    assert record.modified_at == photo.modified_at and record.catalog_url == ""
    assert record.facts == []


def test_empty_cataloged_fields_are_empty_strings_and_no_date_is_none(app) -> None:
    bare = make_photo(description=None, creator=None, date_edtf="", rights_uri=None, subjects=None, places=None)
    db.session.commit()
    record = _one(bare.id)
    assert (record.description, record.creator, record.date_edtf, record.rights_uri) == ("", "", None, "")
    assert (record.subjects, record.places) == ([], [])


@pytest.mark.parametrize(("source_format", "media_type"), [
    ("JPEG", "image/jpeg"), ("TIFF", "image/tiff"), ("tiff", "image/tiff"), ("PNG", "image/png"), ("WEBP", "image/webp"),
    ("GIF", "image/gif"), ("JPEG2000", "image/jp2"), ("BMP", "image/bmp"), ("XCF", "image/jpeg"), ("", "image/jpeg"),
])
def test_the_originals_format_is_named_by_its_media_type(app, source_format: str, media_type: str) -> None:
    original = make_photo(source_format=source_format)
    db.session.commit()
    assert _one(original.id).format == media_type


def test_the_verifier_name_the_marc_code_and_the_librarys_catalog_page_when_set(app, photo) -> None:
    photo.institution.verified_by_name = "Millbrook Historical Society"
    db.session.add(PhotoSource(photo_id=photo.id, source_key="k" * 64, manifest_url="https://library.example/iiif/7",
                               canvas_id="https://library.example/iiif/7/c1", catalog_url="https://library.example/record/7"))
    db.session.commit()
    app.config["MARC_ORG_CODE"] = "OMiB"
    record = _one(photo.id)
    assert (record.verified_by, record.agency) == ("Millbrook Historical Society", "OMiB")
    assert record.catalog_url == "https://library.example/record/7"


def test_only_approved_facts_each_in_its_kinds_list_with_everything_the_exports_print(photo) -> None:
    rose = make_user(display_name="Rose Tyler", email="rose.secret@example.net")
    gone = make_user(display_name="Left Long Ago")
    survivor = make_authority(kind="person", heading="Smith, John, 1890-1962", dates_edtf="1890/1962",
                              authority_uri="http://id.loc.gov/authorities/names/n79021164")
    merged = make_authority(kind="person", heading="Smith, J.", dates_edtf="1890", authority_uri="http://viaf.org/viaf/1")
    merged.merged_into_id = survivor.id
    millbrook = make_authority(kind="place", heading="Millbrook (Ohio)", authority_uri="https://sws.geonames.org/5165418/",
                               latitude=40.1, longitude=-82.9)
    approved = dict(state="approved", reviewed_at=REVIEWED, created_at=CREATED)
    person = make_identification(photo=photo, authority=merged, contributor=rose, region_x=0.1, region_y=0.2,
                                 region_w=0.3, region_h=0.4, **approved)
    place = make_identification(photo=photo, kind="place", authority=millbrook, contributor=gone, **approved)
    event = make_identification(photo=photo, kind="event", text_value="Victory parade", contributor=rose, **approved)
    date = make_identification(photo=photo, kind="date", date_edtf="1945-08", contributor=rose, **approved)
    keyword = make_identification(photo=photo, kind="keyword", text_value="brass band", contributor=rose, **approved)
    for state in ("pending", "rejected", "retracted"):
        make_identification(photo=photo, text_value=f"A {state} person", state=state)
    gone.deleted_at = REVIEWED
    db.session.commit()

    record = _one(photo.id)
    assert [(f.identification_id, f.kind, f.heading) for f in record.facts] == [
        (person.id, "person", "Smith, John, 1890-1962"), (place.id, "place", "Millbrook (Ohio)"),
        (event.id, "event", "Victory parade"), (date.id, "date", "1945-08"), (keyword.id, "keyword", "brass band")]
    smith, = record.people
    assert (smith.dates, smith.authority_uri, smith.contributor) == (
        "1890/1962", "http://id.loc.gov/authorities/names/n79021164", "Rose Tyler")
    assert smith.region == (0.1, 0.2, 0.3, 0.4) and smith.is_controlled
    assert (smith.reviewed_at, smith.created_at) == (REVIEWED, CREATED)
    town, = record.fact_places
    assert (town.latitude, town.longitude, town.contributor, town.region) == (40.1, -82.9, "a former contributor", None)
    assert town.authority_uri == "https://sws.geonames.org/5165418/"
    parade, = record.events
    assert (parade.dates, parade.authority_uri, parade.is_controlled, parade.latitude) == (None, None, False, None)
    day, = record.dates
    assert (day.dates, day.is_controlled) == ("1945-08", False)
    assert record.verified_at == REVIEWED


def test_photos_come_in_the_order_asked_once_each_and_unknown_ones_are_skipped(app) -> None:
    first, second = make_photo(identifier="A"), make_photo(identifier="B")
    db.session.commit()
    asked = [second.id, first.id, second.id, 999_999]
    assert [r.identifier for r in catalog_records(asked, base_url="https://photos.example.org")] == ["B", "A"]
    (record,) = catalog_records([first.id], base_url="https://library.example.org/LUX/")  # only the slash goes
    assert record.page_url == f"https://library.example.org/LUX/photos/{first.id}"
    assert catalog_records([], base_url=BASE) == [] and catalog_records([999_999], base_url=BASE) == []


@pytest.mark.parametrize("batch_size", [2, 3, 5])
def test_iterating_gives_every_public_photo_once_in_id_order(app, batch_size: int) -> None:
    collection = make_collection()
    ids = [make_photo(collection=collection).id for _ in range(4)]
    make_photo(collection=collection, is_published=False)
    db.session.commit()
    walked = [r.photo_id for r in iter_catalog_records(public_photos(), base_url=BASE, batch_size=batch_size)]
    assert walked == sorted(ids)


def test_an_approved_fact_with_nothing_to_print_is_left_out_and_the_rest_still_read(photo) -> None:
    approved = dict(state="approved", reviewed_at=REVIEWED)
    make_identification(photo=photo, kind="date", date_edtf="", **approved)  # dates sort first
    make_identification(photo=photo, kind="keyword", text_value="", **approved)
    make_identification(photo=photo, kind="keyword", text_value="brass band", **approved)
    unknown = make_identification(photo=photo, kind="person", text_value="Aunt Mary", **approved)
    unknown.contributor_id = None
    db.session.commit()
    record = _one(photo.id)
    assert [(f.kind, f.heading) for f in record.facts] == [("person", "Aunt Mary"), ("keyword", "brass band")]
    assert record.people[0].contributor is None  # unknown, not an empty name


def test_two_statements_for_photos_found_and_one_when_none_is(photo) -> None:
    statements: list[str] = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731  (conn, cursor, statement, ...)
    db.session.commit()
    photo_id = photo.id
    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        catalog_records([photo_id], base_url=BASE)
        found = len(statements)
        catalog_records([999_999], base_url=BASE)
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    assert (found, len(statements) - found) == (2, 1)


def test_iterating_reads_batch_size_photos_at_a_time(app) -> None:
    collection = make_collection()
    for _ in range(5):
        make_photo(collection=collection)
    db.session.commit()
    statements: list[str] = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        walked = list(iter_catalog_records(public_photos(), base_url=BASE, batch_size=2))
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    assert len(walked) == 5
    assert len(statements) == 3 * 3  # batches of 2, 2 and 1: each its ids, its photos and its facts


def test_photo_ids_come_in_id_order_whatever_order_the_database_keeps_them(app) -> None:
    later, earlier = make_collection(), make_collection()
    for photo_id, collection in ((40, earlier), (30, later), (20, earlier), (10, later)):
        make_photo(collection=collection, id=photo_id)
    db.session.commit()
    walked = [r.photo_id for r in iter_catalog_records(public_photos(), base_url=BASE, batch_size=2)]
    assert walked == [10, 20, 30, 40]


def test_a_fact_face_matching_suggested_says_so_and_the_others_do_not(photo) -> None:
    approved = dict(state="approved", reviewed_at=REVIEWED)
    matched = make_identification(photo=photo, text_value="John Smith", is_face_matching_suggestion=True, **approved)
    matched.contributor_id = None
    make_identification(photo=photo, text_value="Aunt Mary", **approved)
    db.session.commit()
    assert [(f.heading, f.is_face_matching_suggestion) for f in _one(photo.id).people] == [
        ("John Smith", True), ("Aunt Mary", False)]
