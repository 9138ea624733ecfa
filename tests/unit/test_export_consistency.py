"""Every export writes each fact once, on one line, lined up, in the forms the receiving tools accept."""
from __future__ import annotations

import csv
import io

import pytest

from photoid.catalog.export import render
from photoid.catalog.formats import METADATA_FORMATS
from photoid.catalog.records import Fact
from photoid.catalog.tabular import CONTENTDM_COLUMNS, contentdm_date
from tests.unit.test_catalog_formats import DC, MODS, make_record

SMITH = Fact(1, "person", "Smith, John, 1890-1962", dates="1890/1962", is_controlled=True,
             authority_uri="http://id.loc.gov/authorities/names/n79021164")
#: The same facts approved twice, with a tab and a line break typed into them.
TWICE = dict(
    people=[SMITH, Fact(2, "person", "Aunt\tMary"), Fact(9, "person", "Aunt Mary"),
            Fact(10, "person", "Uncle Bob"), Fact(11, "person", "Ruth Hale", is_controlled=True,
                                                  authority_uri="http://www.wikidata.org/entity/Q42")],
    keywords=[Fact(7, "keyword", "brass band\n"), Fact(8, "keyword", "brass band")],
    title="Main\tStreet\nparade",
)


@pytest.mark.parametrize("prefix", ["oai_dc", "mods"])
def test_xml_formats_write_each_fact_once_without_tabs_or_line_breaks(prefix) -> None:
    element = METADATA_FORMATS[prefix].to_element(make_record(**TWICE))
    texts = [e.text for e in element.iter() if e.text and e.text.strip()]
    assert not any(ch in text for text in texts for ch in "\t\r") and not any("\n" in t for t in texts)
    assert texts.count("brass band") == 1 and texts.count("Aunt Mary") == 1
    assert "Main Street parade" in texts


def test_mods_names_carry_their_dates_once_and_links_on_one_scheme() -> None:
    element = METADATA_FORMATS["mods"].to_element(make_record())
    name = element.find(f"{MODS}subject/{MODS}name")
    assert [(part.get("type"), part.text) for part in name] == [(None, "Smith, John"), ("date", "1890-1962")]
    place = next(g for g in element.iter(f"{MODS}geographic") if g.get("valueURI"))
    assert place.get("valueURI") == "https://sws.geonames.org/5165418/"
    assert place.get("authorityURI") == "https://sws.geonames.org/"
    urls = element.findall(f"{MODS}location/{MODS}url")
    assert urls[0].get("usage") == "primary" and urls[0].text == "https://photos.example.org/photos/7"


def test_dublin_core_subjects_once() -> None:
    element = METADATA_FORMATS["oai_dc"].to_element(make_record(**TWICE))
    subjects = [e.text for e in element.iter(f"{DC}subject")]
    assert len(subjects) == len(set(subjects)) and "Aunt Mary" in subjects


def test_csv_uris_line_up_with_their_names() -> None:
    data = b"".join(render("csv", [make_record(**TWICE)]))
    row = next(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    people, uris = row["people"].split("|"), row["people_uris"].split("|")
    assert people == ["Smith, John, 1890-1962", "Aunt Mary", "Uncle Bob", "Ruth Hale"]
    assert dict(zip(people, uris, strict=True)) == {
        "Smith, John, 1890-1962": "http://id.loc.gov/authorities/names/n79021164", "Aunt Mary": "", "Uncle Bob": "",
        "Ruth Hale": "http://www.wikidata.org/entity/Q42"}
    assert row["keywords"] == "brass band" and row["title"] == "Main Street parade"


@pytest.mark.parametrize(("edtf", "date"), [
    ("1925", "1925"), ("1925-07", "1925-07"), ("1925-07-04", "1925-07-04"), ("1945~", "1945"), ("1950?", "1950"),
    ("194X", "1940-1949"), ("1935/1938", "1935-1938"), ("1935-06/1938", "1935-1938"), ("1952-22", "1952"),
    ("../1950", ""), (None, ""),
])
def test_contentdm_dates_are_in_a_form_contentdm_accepts(edtf, date) -> None:
    assert contentdm_date(edtf) == date


def test_contentdm_has_the_edtf_in_its_own_column_and_no_line_after_the_last_record() -> None:
    data = b"".join(render("contentdm", [make_record(date_edtf="194X"), make_record(photo_id=8, date_edtf="1952-22")]))
    lines = data.decode("utf-8").split("\r\n")
    assert len(lines) == 3 and lines[-1] and not data.endswith(b"\n")
    rows = [dict(zip(CONTENTDM_COLUMNS, line.split("\t"), strict=True)) for line in lines[1:]]
    assert [(r["Date"], r["Date (EDTF)"]) for r in rows] == [("1940-1949", "194X"), ("1952", "1952-22")]
