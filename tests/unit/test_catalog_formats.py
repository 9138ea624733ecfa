"""Catalog records written as Dublin Core, MARCXML, MODS, CSV and CONTENTdm rows: valid and safe."""
from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import datetime

import pytest
from lxml import etree

from photoid.catalog.export import render
from photoid.catalog.formats import METADATA_FORMATS
from photoid.catalog.records import CatalogRecord, Fact
from photoid.catalog.tabular import CONTENTDM_COLUMNS, CSV_COLUMNS, neutralise
from tests.schemas import XML_SCHEMAS

SCHEMAS = XML_SCHEMAS
MARC = "{http://www.loc.gov/MARC21/slim}"
MODS = "{http://www.loc.gov/mods/v3}"
DC = "{http://purl.org/dc/elements/1.1/}"
HOSTILE = "<script>alert(1)</script> =cmd|' /C calc'!A0"


@pytest.fixture(scope="module")
def schemas() -> dict[str, etree.XMLSchema]:
    return {
        "oai_dc": etree.XMLSchema(etree.parse(str(SCHEMAS / "oai_dc.local.xsd"))),
        "marc21": etree.XMLSchema(etree.parse(str(SCHEMAS / "MARC21slim.xsd"))),
        "mods": etree.XMLSchema(etree.parse(str(SCHEMAS / "mods-3-8.xsd"))),
    }


def make_record(**changes: object) -> CatalogRecord:
    record = CatalogRecord(
        photo_id=7, identifier="MPL-0007", title="The Main Street parade", description="Crowds on Main Street.",
        creator="Hill Studio", date_edtf="1945~", rights_uri="http://rightsstatements.org/vocab/NoC-US/1.0/",
        format="image/tiff", width=1600, height=1200, collection_slug="streets", collection_title="Street life",
        institution_slug="millbrook", institution_name="Millbrook Public Library", verified_by="Millbrook Public Library",
        page_url="https://photos.example.org/photos/7", image_url="https://photos.example.org/media/photos/7/display.jpg",
        modified_at=datetime(2026, 11, 20, 9, 30), subjects=["Parades"], places=["Main Street (Millbrook)"],
        people=[
            Fact(1, "person", "Smith, John, 1890-1962", dates="1890/1962", is_controlled=True,
                 authority_uri="http://id.loc.gov/authorities/names/n79021164", reviewed_at=datetime(2026, 11, 19, 15, 0)),
            Fact(2, "person", "Aunt Mary Kowalski", reviewed_at=datetime(2026, 11, 18)),
        ],
        fact_places=[Fact(3, "place", "Millbrook (Ohio)", is_controlled=True, authority_uri="https://sws.geonames.org/5165418/",
                          latitude=40.1, longitude=-82.9)],
        events=[Fact(4, "event", "Victory parade", dates="1945", is_controlled=True,
                     authority_uri="http://www.wikidata.org/entity/Q1"), Fact(5, "event", "Church picnic")],
        dates=[Fact(6, "date", "1945-08", dates="1945-08")],
        keywords=[Fact(7, "keyword", "brass band")],
    )
    return replace(record, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize("prefix", ["oai_dc", "marc21", "mods"])
def test_every_format_is_valid_against_its_schema(schemas, prefix) -> None:
    for record in (make_record(), make_record(title=HOSTILE, description=HOSTILE, creator="", date_edtf=None, rights_uri="",
                                              people=[], fact_places=[], events=[], dates=[], keywords=[], subjects=[], places=[])):
        element = METADATA_FORMATS[prefix].to_element(record)
        assert schemas[prefix].validate(element), schemas[prefix].error_log


def test_dublin_core_carries_people_and_events_as_subjects_and_places_as_coverage() -> None:
    element = METADATA_FORMATS["oai_dc"].to_element(make_record())
    values = lambda name: [e.text for e in element.iter(f"{DC}{name}")]  # noqa: E731
    assert values("title") == ["The Main Street parade"]
    assert {"Smith, John, 1890-1962", "Aunt Mary Kowalski", "Victory parade", "Parades"} <= set(values("subject"))
    assert values("coverage") == ["Main Street (Millbrook)", "Millbrook (Ohio)"]
    assert values("type") == ["StillImage"] and values("date")[0] == "1945~"
    assert values("identifier") == ["MPL-0007", "https://photos.example.org/photos/7"]
    assert values("rights") == ["http://rightsstatements.org/vocab/NoC-US/1.0/"]


def _fields(element: etree._Element, tag: str) -> list[dict[str, list[str]]]:
    found = []
    for field in element.iter(f"{MARC}datafield"):
        if field.get("tag") == tag:
            subfields: dict[str, list[str]] = {}
            for sub in field:
                subfields.setdefault(sub.get("code"), []).append(sub.text)
            subfields["ind"] = [field.get("ind1") + field.get("ind2")]
            found.append(subfields)
    return found


def test_marc_maps_a_photograph_with_controlled_and_uncontrolled_headings() -> None:
    element = METADATA_FORMATS["marc21"].to_element(make_record())
    leader = element.find(f"{MARC}leader").text
    assert leader[6] == "k" and len(leader) == 24
    fixed = next(c.text for c in element.iter(f"{MARC}controlfield") if c.get("tag") == "008")
    assert len(fixed) == 40 and fixed[6:15] == "s1945    " and fixed[33] == "i"  # s: a probable year
    assert _fields(element, "245")[0] == {"a": ["The Main Street parade."], "ind": ["04"]}  # no $h [graphic] in RDA
    assert _fields(element, "264")[0] == {"c": ["[approximately 1945]"], "ind": [" 0"]}
    assert _fields(element, "046")[0]["k"] == ["1945~"]
    person = _fields(element, "600")[0]
    assert person["a"] == ["Smith, John,"] and person["d"] == ["1890-1962."]
    assert person["0"] == ["http://id.loc.gov/authorities/names/n79021164"] and person["ind"] == ["17"]
    assert person["2"] == ["naf"]
    assert _fields(element, "651")[-1] == {"a": ["Millbrook (Ohio)"], "2": ["geonames"],
                                           "0": ["https://sws.geonames.org/5165418/"], "ind": [" 7"]}
    assert _fields(element, "647")[0]["a"] == ["Victory parade"]
    assert _fields(element, "648")[0]["a"] == ["1945"]
    uncontrolled = {(f["ind"][0], f["a"][0]) for f in _fields(element, "653")}
    assert uncontrolled == {(" 1", "Aunt Mary Kowalski"), (" 0", "Church picnic"), (" 0", "brass band")}
    assert _fields(element, "655")[0] == {"a": ["Photographs."], "2": ["gmgpc"], "ind": [" 7"]}
    assert _fields(element, "856")[0]["u"] == ["https://photos.example.org/photos/7"]
    assert _fields(element, "500")[0]["a"] == [
        "Identifications contributed by the community and verified by Millbrook Public Library on November 19, 2026."
    ]
    tags = [f.get("tag") for f in element.iter(f"{MARC}datafield")]
    assert tags == sorted(tags)


def test_marc_says_so_when_a_date_is_unknown_or_exact() -> None:
    unknown = METADATA_FORMATS["marc21"].to_element(make_record(date_edtf=None))
    fixed = next(c.text for c in unknown.iter(f"{MARC}controlfield") if c.get("tag") == "008")
    assert fixed[6:15] == "nuuuuuuuu"
    assert _fields(unknown, "046") == []
    exact = METADATA_FORMATS["marc21"].to_element(make_record(date_edtf="1952-06-03"))
    fixed = next(c.text for c in exact.iter(f"{MARC}controlfield") if c.get("tag") == "008")
    assert fixed[6:15] == "s1952    " and _fields(exact, "264")[0]["c"] == ["1952"]


def test_mods_keeps_edtf_and_authority_uris() -> None:
    element = METADATA_FORMATS["mods"].to_element(make_record())
    assert element.find(f"{MODS}typeOfResource").text == "still image"
    created = element.find(f"{MODS}originInfo/{MODS}dateCreated")
    assert created.text == "1945~" and created.get("encoding") == "edtf"
    name = element.find(f"{MODS}subject/{MODS}name")
    assert name.get("valueURI") == "http://id.loc.gov/authorities/names/n79021164"
    assert name.get("authorityURI") == "http://id.loc.gov/authorities/names"
    places = [g for g in element.iter(f"{MODS}geographic") if g.get("valueURI")]
    assert [p.text for p in places] == ["Millbrook (Ohio)"]
    temporal = element.find(f"{MODS}subject/{MODS}temporal")
    assert temporal.text == "1945-08" and temporal.get("encoding") == "edtf"
    assert element.find(f"{MODS}location/{MODS}url").text == "https://photos.example.org/photos/7"


@pytest.mark.parametrize("prefix", ["oai_dc", "marc21", "mods"])
def test_a_hostile_title_stays_text_in_xml(prefix) -> None:
    element = METADATA_FORMATS[prefix].to_element(make_record(title=HOSTILE + "\x07"))
    written = etree.tostring(element, encoding="unicode")
    assert "<script>" not in written and "&lt;script&gt;" in written
    assert HOSTILE in "".join(element.itertext())


@pytest.mark.parametrize("cell", ["=cmd|' /C calc'!A0", "+1+1", "-2", "@SUM(A1)"])
def test_spreadsheet_formulas_are_neutralised(cell) -> None:
    assert neutralise(cell) == "'" + cell
    assert neutralise("Main Street") == "Main Street"


def test_csv_has_a_header_one_row_per_photo_and_pipes_between_values() -> None:
    formula = "=cmd|' /C calc'!A0"
    data = b"".join(render("csv", [make_record(title=formula, creator="@SUM(A1)"), make_record(photo_id=8, identifier="MPL-0008")]))
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 2 and list(rows[0]) == list(CSV_COLUMNS)
    assert rows[0]["title"] == "'" + formula and rows[0]["creator"] == "'@SUM(A1)"
    assert rows[0]["people"] == "Smith, John, 1890-1962|Aunt Mary Kowalski"
    # The n-th URI is the n-th person's: Aunt Mary has none, so her slot is empty.
    assert rows[0]["people_uris"] == "http://id.loc.gov/authorities/names/n79021164|"
    assert rows[1]["identifier"] == "MPL-0008"


def test_contentdm_rows_are_tab_delimited_with_semicolons_between_values() -> None:
    record = make_record(description="Line one\tstill\nline two", keywords=[Fact(9, "keyword", "bands; brass")])
    lines = b"".join(render("contentdm", [record])).decode("utf-8").split("\r\n")
    assert lines[0].split("\t") == list(CONTENTDM_COLUMNS) and lines[0].split("\t")[-1] == "File Name"
    row = dict(zip(CONTENTDM_COLUMNS, lines[1].split("\t"), strict=True))
    assert row["Personal Names"] == "Smith, John, 1890-1962; Aunt Mary Kowalski"
    assert row["Subject"] == "Parades; bands/ brass"
    assert row["Description"] == "Line one still line two"
    assert row["Type"] == "Still Image" and row["File Name"] == "7.jpg"
    assert row["Date"] == "1945" and row["Date (EDTF)"] == "1945~"
    assert lines[2:] == []  # no line break after the last record: CONTENTdm reads one as an empty record
