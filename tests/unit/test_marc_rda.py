"""MARC as a cataloguer expects it under RDA: types in 336-338, supplied dates in RDA's words, headings once."""
from __future__ import annotations

import pytest

from photoid.catalog.formats import METADATA_FORMATS
from photoid.catalog.marc import date_range, date_statement
from photoid.catalog.records import Fact
from tests.unit.test_catalog_formats import MARC, _fields, make_record


def _marc(**changes: object):  # type: ignore[no-untyped-def]
    return METADATA_FORMATS["marc21"].to_element(make_record(**changes))


def _control(element, tag: str) -> str:  # type: ignore[no-untyped-def]
    return next(c.text for c in element.iter(f"{MARC}controlfield") if c.get("tag") == tag)


@pytest.mark.parametrize(("edtf", "fixed", "statement"), [
    ("1925", "s1925    ", "1925"),
    ("1925-07-04", "s1925    ", "1925"),
    ("1920~", "s1920    ", "[approximately 1920]"),
    ("1950?", "s1950    ", "[1950?]"),
    ("1950%", "s1950    ", "[approximately 1950?]"),
    ("1952-22", "s1952    ", "1952"),
    ("194X", "q19401949", "[between 1940 and 1949]"),
    ("1940?/1949?", "q19401949", "[between 1940 and 1949?]"),
    ("1935/1938", "q19351938", "[between 1935 and 1938]"),
    ("1950/..", "q1950uuuu", "[not before 1950]"),
    ("../1950", "quuuu1950", "[not after 1950]"),
    (None, "nuuuuuuuu", "[date of production not identified]"),
])
def test_dates_are_coded_s_for_a_probable_year_q_for_ranges_and_worded_as_rda_supplies_them(edtf, fixed, statement) -> None:
    assert "".join(date_range(edtf)) == fixed
    assert date_statement(edtf) == statement


def test_the_record_names_its_agency_and_rda_types_and_no_general_material_designation() -> None:
    element = _marc(agency="OMiPL")
    assert _control(element, "003") == "OMiPL"
    assert _fields(element, "040") == [{"a": ["OMiPL"], "b": ["eng"], "e": ["rda"], "c": ["OMiPL"], "ind": ["  "]}]
    assert _fields(element, "336")[0]["2"] == ["rdacontent"]
    assert _fields(element, "337") == [{"a": ["unmediated"], "b": ["n"], "2": ["rdamedia"], "ind": ["  "]}]
    assert _fields(element, "338") == [{"a": ["sheet"], "b": ["nb"], "2": ["rdacarrier"], "ind": ["  "]}]
    assert "h" not in _fields(element, "245")[0]


def test_linked_headings_say_their_source_and_events_are_meetings_only_when_they_are() -> None:
    element = _marc(events=[Fact(5, "event", "Church picnic"), Fact(8, "event", "Town council meeting")],
                    fact_places=[Fact(3, "place", "Millbrook (Ohio)", is_controlled=True,
                                      authority_uri="https://sws.geonames.org/5165418/")])
    assert {(f["ind"][0], f["a"][0]) for f in _fields(element, "653")} >= {(" 0", "Church picnic"), (" 3", "Town council meeting")}
    linked = [f for f in _fields(element, "600") + _fields(element, "651") if "0" in f]
    assert linked and all(f["ind"][0][1] == "7" and f["2"] for f in linked)


def test_the_same_fact_approved_twice_is_written_once() -> None:
    # MPL-1923-004: the cataloged place, and the same place approved twice under a heading without a link.
    twice = [Fact(3, "place", "Main Street (Millbrook)", is_controlled=True),
             Fact(9, "place", "Main  Street (Millbrook)", is_controlled=True)]
    element = _marc(places=["Main Street (Millbrook)"], fact_places=twice, keywords=[Fact(7, "keyword", "brass band")] * 2,
                    people=[Fact(1, "person", "Aunt Mary"), Fact(2, "person", "Aunt Mary")])
    assert [f["a"] for f in _fields(element, "651")] == [["Main Street (Millbrook)"]]
    assert sorted(f["a"][0] for f in _fields(element, "653")) == ["Aunt Mary", "Church picnic", "brass band"]


def test_tabs_and_line_breaks_never_reach_a_subfield() -> None:
    element = _marc(title="Main\tStreet\nparade", description="Crowds\r\non\tMain Street.\x07",
                    keywords=[Fact(7, "keyword", "brass\tband\n")])
    texts = [sub.text for sub in element.iter(f"{MARC}subfield")] + [c.text for c in element.iter(f"{MARC}controlfield")]
    assert not any(ch in text for text in texts for ch in "\t\n\r\x07")
    assert _fields(element, "245")[0]["a"] == ["Main Street parade."]
    assert _fields(element, "520")[0]["a"] == ["Crowds on Main Street."]
