"""File exports from the database: approved facts only, valid files, incremental runs, flat memory."""
from __future__ import annotations

import csv
import gc
import hashlib
import io
import tracemalloc
from datetime import timedelta

import pytest
from lxml import etree
from sqlalchemy import event, func, insert, select

from photoid.catalog.export import render, start_export, stream_export
from photoid.catalog.models import ExportRun
from photoid.catalog.records import catalog_records, iter_catalog_records
from photoid.db import utcnow
from photoid.extensions import db
from photoid.moderation.service import approve
from photoid.photos.models import Photo
from photoid.photos.queries import public_photos
from tests.factories import (
    make_authority,
    make_collection,
    make_identification,
    make_photo,
    make_user,
)
from tests.schemas import XML_SCHEMAS

SCHEMAS = XML_SCHEMAS
BASE = "https://photos.example.org/"
HOSTILE = "<script>alert(1)</script> =cmd|' /C calc'!A0"
SECRET_EMAIL = "grandma.secret@example.net"


@pytest.fixture
def archive(app):
    """Two published photos with facts in every state, plus photos the public cannot see."""
    collection = make_collection(slug="streets", title="Street life")
    contributor = make_user(email=SECRET_EMAIL, display_name="Rose Tyler")
    smith = make_authority(kind="person", heading="Smith, John, 1890-1962", dates_edtf="1890/1962",
                           authority_uri="http://id.loc.gov/authorities/names/n79021164")
    parade = make_photo(collection=collection, identifier="MPL-1", title=HOSTILE, date_edtf="1945~",
                        modified_at=utcnow() - timedelta(days=3))
    band = make_photo(collection=collection, identifier="MPL-2", title="Brass band", modified_at=utcnow() - timedelta(days=3))
    make_identification(photo=parade, authority=smith, state="approved", contributor=contributor)
    make_identification(photo=parade, kind="place", text_value="Main Street", state="approved", contributor=contributor)
    make_identification(photo=parade, text_value="Pending Person", state="pending", contributor=contributor)
    make_identification(photo=parade, text_value="Rejected Person", state="rejected", contributor=contributor)
    make_identification(photo=parade, text_value="Retracted Person", state="retracted", contributor=contributor)
    waiting = make_identification(photo=band, text_value="Waiting Walter", state="pending", contributor=contributor)
    make_photo(collection=collection, identifier="MPL-HIDDEN", title="Unpublished photo", is_published=False)
    make_photo(collection=make_collection(is_published=False), identifier="MPL-DRAFT", title="In a draft collection")
    db.session.commit()
    return {"parade": parade, "band": band, "waiting": waiting, "collection": collection}


def _export(format_name: str, **kw) -> bytes:
    plan = start_export(format_name, **kw)
    return b"".join(stream_export(plan, base_url=BASE))


def test_records_hold_only_approved_facts_and_display_names(archive) -> None:
    record = catalog_records([archive["parade"].id], base_url=BASE)[0]
    assert [f.heading for f in record.people] == ["Smith, John, 1890-1962"]
    assert record.people[0].authority_uri == "http://id.loc.gov/authorities/names/n79021164"
    assert record.people[0].contributor == "Rose Tyler"
    assert [f.heading for f in record.fact_places] == ["Main Street"]
    assert record.page_url == f"https://photos.example.org/photos/{archive['parade'].id}"


@pytest.mark.parametrize("format_name", ["marcxml", "mods", "dc", "csv", "contentdm"])
def test_exports_leave_out_unapproved_facts_emails_and_hidden_photos(archive, format_name) -> None:
    text = _export(format_name).decode("utf-8")
    assert "Smith, John" in text and "Brass band" in text
    for absent in ("Pending Person", "Rejected Person", "Retracted Person", "Waiting Walter", SECRET_EMAIL,
                   "Unpublished photo", "In a draft collection"):
        assert absent not in text, absent
    if format_name in ("marcxml", "mods", "dc"):  # markup stays text: escaped, never a tag
        assert "<script>" not in text and "&lt;script&gt;" in text


@pytest.mark.parametrize(("format_name", "schema", "child"), [
    ("marcxml", "MARC21slim.xsd", None),
    ("mods", "mods-3-8.xsd", None),
    ("dc", "oai_dc.local.xsd", "{http://www.openarchives.org/OAI/2.0/oai_dc/}dc"),
])
def test_xml_export_files_are_valid(archive, format_name, schema, child) -> None:
    document = etree.fromstring(_export(format_name))
    validator = etree.XMLSchema(etree.parse(str(SCHEMAS / schema)))
    if child is None:  # the whole <collection> / <modsCollection> is defined by the schema
        assert validator.validate(document), validator.error_log
        assert len(document) == 2
    else:
        assert document.tag == "collection" and [r.tag for r in document] == [child, child]
        for record in document:
            assert validator.validate(record), validator.error_log


def test_a_hostile_title_is_neutralised_in_csv(archive) -> None:
    rows = list(csv.DictReader(io.StringIO(_export("csv").decode("utf-8-sig"))))
    assert rows[0]["title"] == HOSTILE  # starts with "<", harmless in a spreadsheet
    photo = make_photo(collection=archive["collection"], title="=HYPERLINK(\"http://evil\")")
    db.session.commit()
    rows = list(csv.DictReader(io.StringIO(_export("csv").decode("utf-8-sig"))))
    assert [r["title"] for r in rows if r["identifier"] == photo.identifier] == ["'=HYPERLINK(\"http://evil\")"]


def test_a_collection_export_has_only_that_collection(archive) -> None:
    make_photo(title="Elsewhere")
    db.session.commit()
    assert "Elsewhere" in _export("csv").decode()
    assert "Elsewhere" not in _export("csv", collection_slug="streets").decode()


def test_cli_since_last_exports_only_the_photo_changed_by_an_approval(app, archive, tmp_path) -> None:
    runner = app.test_cli_runner()
    first = tmp_path / "first.csv"
    result = runner.invoke(args=["export", "csv", "--since-last", "-o", str(first)])
    assert result.exit_code == 0, result.output
    assert "Wrote 2 photos" in result.output
    assert len(list(csv.DictReader(io.StringIO(first.read_text("utf-8-sig"))))) == 2

    archivist = make_user(role="archivist", institutions=[archive["band"].institution])
    approve(archive["waiting"], moderator=archivist)

    second = tmp_path / "second.csv"
    result = runner.invoke(args=["export", "csv", "--since-last", "-o", str(second)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(second.read_text("utf-8-sig"))))
    assert [r["identifier"] for r in rows] == ["MPL-2"] and rows[0]["people"] == "Waiting Walter"

    runs = db.session.scalars(select(ExportRun).order_by(ExportRun.id)).all()
    assert [(r.format, r.record_count, r.actor_id) for r in runs] == [("csv", 2, None), ("csv", 1, None)]
    assert runs[0].since_at is None and runs[1].since_at == runs[0].started_at and runs[1].finished_at is not None

    third = tmp_path / "third.xml"
    result = runner.invoke(args=["export", "marcxml", "--since-last", "-o", str(third)])
    assert "Wrote 2 photos" in result.output  # the first MARCXML run: every photo


@pytest.mark.parametrize(("args", "message"), [
    (["export", "csv", "--collection", "nowhere", "-o", "x.csv"], "There is no collection called “nowhere”"),
    (["export", "csv", "--since", "last tuesday", "-o", "x.csv"], "is not a date we can read"),
    (["export", "csv", "--since", "2026-01-01", "--since-last", "-o", "x.csv"], "not both"),
    (["export", "pdf", "-o", "x.csv"], "Invalid value"),
])
def test_cli_explains_bad_requests_and_records_nothing(app, args, message, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code != 0 and message in result.output
    assert not (tmp_path / "x.csv").exists()
    assert db.session.scalar(select(func.count(ExportRun.id))) == 0


def test_since_a_date_uses_modified_at(archive) -> None:
    archive["band"].modified_at = utcnow()
    db.session.commit()
    rows = list(csv.DictReader(io.StringIO(_export("csv", since=utcnow() - timedelta(days=1)).decode("utf-8-sig"))))
    assert [r["identifier"] for r in rows] == ["MPL-2"]


def _count_queries():
    statements: list[str] = []

    def before(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    return statements, before


def _bulk_photos(collection, count: int, *, start: int = 0) -> None:
    rows = [{
        "collection_id": collection.id, "institution_id": collection.institution_id, "identifier": f"B-{start + i:06d}",
        "title": f"Bulk photo {start + i}", "description": "A street scene. " * 10, "width": 800, "height": 600,
        "source_format": "JPEG", "source_size": 1, "source_checksum": hashlib.sha256(str(start + i).encode()).hexdigest(),
        "subjects": ["Streets"], "places": ["Millbrook"], "creator": "Hill Studio", "rights_uri": "",
    } for i in range(count)]
    db.session.execute(insert(Photo), rows)
    db.session.commit()


def test_a_batch_costs_the_same_few_queries_however_many_photos(app) -> None:
    collection = make_collection()
    _bulk_photos(collection, 60)
    ids = list(db.session.scalars(select(Photo.id).order_by(Photo.id)))
    for photo_id in ids[:30]:
        make_identification(photo=db.session.get(Photo, photo_id), state="approved")
    db.session.commit()
    counts = []
    for size in (3, 60):
        statements, before = _count_queries()
        event.listen(db.engine, "before_cursor_execute", before)
        try:
            records = catalog_records(ids[:size], base_url=BASE)
        finally:
            event.remove(db.engine, "before_cursor_execute", before)
        assert len(records) == size
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 2


def test_iterating_walks_every_photo_once_in_batches(app) -> None:
    _bulk_photos(make_collection(), 25)
    ids = [r.photo_id for r in iter_catalog_records(public_photos(), base_url=BASE, batch_size=7)]
    assert ids == sorted(ids) and len(set(ids)) == 25


def _peak(work) -> int:  # type: ignore[no-untyped-def]
    """Peak Python memory while ``work()`` runs (the database's and lxml's C buffers aside)."""
    gc.collect()
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_reading_records_keeps_memory_flat_as_the_catalog_grows(app) -> None:
    collection = make_collection()

    def read_all() -> None:
        for _ in iter_catalog_records(public_photos(), base_url=BASE, batch_size=100):
            pass

    # Python's caches settle within the first thousand rows (ten batches); after that, four times
    # the photos must cost about the same memory, because one batch of records is held at a time.
    # (Holding every record instead measures 3.8 times as much.)
    _bulk_photos(collection, 1000)
    _peak(read_all)
    small = _peak(read_all)
    _bulk_photos(collection, 3000, start=1000)
    large = _peak(read_all)
    assert large < small * 1.2, (small, large)


@pytest.mark.parametrize("format_name", ["marcxml", "mods", "dc", "csv", "contentdm"])
def test_writing_a_file_keeps_memory_flat_as_the_export_grows(format_name) -> None:
    from tests.unit.test_catalog_formats import make_record

    def write(count: int):  # type: ignore[no-untyped-def]
        def work() -> None:
            records = (make_record(photo_id=i, identifier=f"B-{i}") for i in range(count))
            for _ in render(format_name, records):
                pass
        return work

    # Four times the records cost the same memory (rendering them all at once measures 2.9 to 3.9 times as much).
    _peak(write(100))
    small = _peak(write(100))
    large = _peak(write(400))
    assert large < small * 1.2, (small, large)


def test_render_streams_one_piece_per_record(archive) -> None:
    records = catalog_records([archive["parade"].id, archive["band"].id], base_url=BASE)
    pieces = list(render("marcxml", records))
    assert len(pieces) >= 3 and pieces[0].startswith(b"<?xml")


def test_marc_names_the_cataloging_agency_by_its_marc_code(app, archive) -> None:
    """003 and 040 carry PHOTOID_MARC_ORG_CODE, or the institution's web address name until it is set."""
    ns = {"marc": "http://www.loc.gov/MARC21/slim"}
    parade = archive["parade"]
    unset = etree.fromstring(_export("marcxml"))
    assert unset.xpath("//marc:controlfield[@tag='003']/text()", namespaces=ns)[0] == parade.institution.slug
    app.config["MARC_ORG_CODE"] = "OMiPL"
    written = etree.fromstring(_export("marcxml"))
    assert set(written.xpath("//marc:controlfield[@tag='003']/text()", namespaces=ns)) == {"OMiPL"}
    assert set(written.xpath("//marc:datafield[@tag='040']/marc:subfield[@code='a']/text()", namespaces=ns)) == {"OMiPL"}
