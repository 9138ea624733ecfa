"""MARC headings as a cataloguer reads them: where each link comes from ($2 and the second
indicator), the years of events and dates, non-filing articles, and dated name headings.

Each expectation is written out here (not read from marc.py's own tables), so dropping a source,
an article or a meeting word from those tables fails a test.
"""
from __future__ import annotations

import pytest
from lxml import etree

from photoid.catalog.marc import date_range
from photoid.catalog.records import Fact
from tests.unit.test_catalog_formats import MARC, _fields
from tests.unit.test_marc_rda import _marc


@pytest.mark.parametrize(("uri", "ind2", "source"), [
    ("http://id.loc.gov/authorities/names/n79021164", "7", "naf"),
    ("http://id.loc.gov/authorities/subjects/sh85098685", "7", "lcsh"),
    ("http://www.wikidata.org/entity/Q60", "7", "wikidata"),
    ("https://sws.geonames.org/5165418/", "7", "geonames"),
    ("http://viaf.org/viaf/102333412", "7", "viaf"),
    ("https://example.org/places/7", "4", None),  # a link from a source MARC has no code for: not written
])
def test_a_linked_place_names_its_source_in_2_and_the_second_indicator(uri, ind2, source) -> None:
    element = _marc(places=[], fact_places=[Fact(3, "place", "Millbrook (Ohio)", is_controlled=True, authority_uri=uri)])
    expected = {"a": ["Millbrook (Ohio)"], "ind": [" " + ind2]}
    if source:
        expected |= {"2": [source], "0": [uri]}
    assert _fields(element, "651") == [expected]


def test_a_wikidata_event_and_person_keep_their_link_and_years() -> None:
    element = _marc(
        people=[Fact(1, "person", "Hale, Dorothy", dates="1928/2015", is_controlled=True,
                     authority_uri="http://www.wikidata.org/entity/Q42")],
        events=[Fact(4, "event", "Millbrook flood", dates="1935/1938", is_controlled=True,
                     authority_uri="http://www.wikidata.org/entity/Q1")],
    )
    assert _fields(element, "600") == [{"a": ["Hale, Dorothy,"], "d": ["1928-2015."], "2": ["wikidata"],
                                        "0": ["http://www.wikidata.org/entity/Q42"], "ind": ["17"]}]
    assert _fields(element, "647") == [{"a": ["Millbrook flood"], "d": ["1935-1938"], "2": ["wikidata"],
                                        "0": ["http://www.wikidata.org/entity/Q1"], "ind": [" 7"]}]


def test_a_controlled_event_without_a_link_says_source_not_specified() -> None:
    element = _marc(events=[Fact(4, "event", "Victory parade", dates="1945", is_controlled=True)])
    assert _fields(element, "647") == [{"a": ["Victory parade"], "d": ["1945"], "ind": [" 4"]}]


@pytest.mark.parametrize(("edtf", "heading"), [("1935/1938", "1935-1938"), ("194X", "1940-1949"), ("1945-08", "1945")])
def test_a_community_date_becomes_a_648_of_its_years(edtf, heading) -> None:
    element = _marc(dates=[Fact(6, "date", edtf, dates=edtf)])
    assert _fields(element, "648") == [{"a": [heading], "ind": [" 4"]}]


@pytest.mark.parametrize(("title", "nonfiling"), [
    ("The Main Street parade", "4"), ("A parade on Main Street", "2"), ("An outing to the lake", "3"),
    ("Theatre on Main Street", "0"), ("Anniversary parade", "0"), ("Main Street", "0"),
])
def test_245_skips_a_leading_article_when_filing(title, nonfiling) -> None:
    assert _fields(_marc(title=title), "245")[0]["ind"] == ["0" + nonfiling]


@pytest.mark.parametrize(("heading", "name", "dates"), [
    ("Hale, Dorothy, 1928-2015", "Hale, Dorothy,", "1928-2015."),
    ("Hale, Dorothy, 1928-", "Hale, Dorothy,", "1928-"),  # still living: the open date takes no full stop
    ("Hale, Dorothy, born 1928", "Hale, Dorothy,", "born 1928."),
    ("Hale, Dorothy, died 1950", "Hale, Dorothy,", "died 1950."),
    ("Hale, Dorothy, approximately 1890-1950", "Hale, Dorothy,", "approximately 1890-1950."),
    ("Hale, Dorothy, 1928?", "Hale, Dorothy,", "1928?"),
])
def test_a_dated_name_heading_puts_its_dates_in_d(heading, name, dates) -> None:
    element = _marc(people=[Fact(1, "person", heading, is_controlled=True,
                                 authority_uri="http://id.loc.gov/authorities/names/n1")])
    person = _fields(element, "600")[0]
    assert (person["a"], person["d"], person["ind"]) == ([name], [dates], ["17"])


def test_a_name_in_direct_order_has_first_indicator_0_and_a_closing_full_stop() -> None:
    element = _marc(people=[Fact(1, "person", "Dorothy Hale", is_controlled=True)])
    assert _fields(element, "600") == [{"a": ["Dorothy Hale."], "ind": ["04"]}]


@pytest.mark.parametrize("event", [
    "Town council meeting", "Library conference", "Eucharistic Congress", "Lions Club convention",
    "Peace symposium", "Youth assembly", "Synod of Ohio", "Economic summit", "County Council", "Rotary meetings",
])
def test_an_event_named_as_a_meeting_is_a_meeting_name(event) -> None:
    element = _marc(events=[Fact(5, "event", event)])
    assert (" 3", event) in {(f["ind"][0], f["a"][0]) for f in _fields(element, "653")}


@pytest.mark.parametrize("event", ["Church picnic", "Councillor's parade", "Summitville fair"])
def test_other_events_are_topical_terms(event) -> None:
    element = _marc(events=[Fact(5, "event", event)])
    assert (" 0", event) in {(f["ind"][0], f["a"][0]) for f in _fields(element, "653")}


def test_uncontrolled_names_places_and_keywords_have_their_own_second_indicator() -> None:
    element = _marc(people=[Fact(2, "person", "Aunt Mary")], fact_places=[Fact(3, "place", "the old mill")],
                    events=[], keywords=[Fact(7, "keyword", "brass band")])
    assert sorted((f["ind"][0], f["a"][0]) for f in _fields(element, "653")) == [
        (" 0", "brass band"), (" 1", "Aunt Mary"), (" 5", "the old mill")]


@pytest.mark.parametrize("stored", ["someday", "1945-13", "summer 1945", "1930/194X"])
def test_no_046_for_a_stored_date_that_is_not_valid_edtf(stored) -> None:
    element = _marc(date_edtf=stored)
    assert _fields(element, "046") == []
    assert _fields(element, "264")[0]["c"] == ["[date of production not identified]"]


def test_a_valid_date_is_given_in_046_as_edtf() -> None:
    assert _fields(_marc(date_edtf="1935/1938"), "046") == [{"k": ["1935/1938"], "2": ["edtf"], "ind": ["  "]}]


@pytest.mark.parametrize(("description", "written"), [
    ("Crowds on Main Street", "Crowds on Main Street."), ("Who is the drummer?", "Who is the drummer?"),
    ("What a crowd!", "What a crowd!"), ("Taken 1950-", "Taken 1950-"), ("Main Street (Millbrook)", "Main Street (Millbrook)"),
    ("Hill Studio [stamp]", "Hill Studio [stamp]"), ("Crowds.", "Crowds."), ("Studio X", "Studio X."),
])
def test_a_note_ends_with_a_full_stop_unless_it_ends_in_punctuation(description, written) -> None:
    assert _fields(_marc(description=description), "520")[0]["a"] == [written]


def test_the_record_is_identified_and_dated_in_its_control_fields() -> None:
    element = _marc(agency="OMiPL")
    control = {c.get("tag"): c.text for c in element.iter(f"{MARC}controlfield")}
    assert control["001"] == "MPL-0007" and control["005"] == "20261120093000.0" and control["007"] == "kh uuu"
    assert control["008"] == "261120s1945    xx nnn            inzxx d"
    assert [f.get("tag") for f in element.iter(f"{MARC}datafield")] == sorted(f.get("tag") for f in element.iter(f"{MARC}datafield"))


def test_a_note_without_a_review_time_says_who_verified_and_no_date() -> None:
    element = _marc(people=[Fact(2, "person", "Aunt Mary")], fact_places=[], events=[], dates=[], keywords=[])
    assert _fields(element, "500")[0]["a"] == [
        "Identifications contributed by the community and verified by Millbrook Public Library."]


@pytest.mark.parametrize(("edtf", "coded"), [
    ("1950-06/..", ("q", "1950", "uuuu")), ("../1950-06-03", ("q", "uuuu", "1950")),
    ("1950-99/..", ("n", "uuuu", "uuuu")),  # not a date: an open end does not make it one
])
def test_an_open_range_is_coded_by_its_known_year(edtf, coded) -> None:
    assert date_range(edtf) == coded


def test_the_exported_record_uses_the_marc_prefix_cataloguers_expect() -> None:
    written = etree.tostring(_marc()).decode()
    assert written.startswith('<marc:record xmlns:marc="http://www.loc.gov/MARC21/slim" '
                              'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ')


def test_the_physical_description_and_content_type_are_rdas_words() -> None:
    element = _marc()
    assert _fields(element, "300") == [{"a": ["1 photograph."], "ind": ["  "]}]
    assert _fields(element, "336") == [{"a": ["still image"], "b": ["sti"], "2": ["rdacontent"], "ind": ["  "]}]
    assert _fields(element, "655") == [{"a": ["Photographs."], "2": ["gmgpc"], "ind": [" 7"]}]


def test_rights_creator_subjects_and_links_are_written_in_full() -> None:
    catalog = "https://cdm.example.org/digital/id/412"
    element = _marc(catalog_url=catalog)
    assert _fields(element, "540") == [{"a": ["No Copyright - United States"],
                                        "u": ["http://rightsstatements.org/vocab/NoC-US/1.0/"], "ind": ["  "]}]
    assert _fields(element, "720") == [{"a": ["Hill Studio"], "e": ["creator."], "ind": ["  "]}]
    assert _fields(element, "650") == [{"a": ["Parades."], "ind": [" 4"]}]
    assert _fields(element, "856") == [
        {"u": ["https://photos.example.org/photos/7"], "z": ["View the photo and its identifications"], "ind": ["40"]},
        {"u": [catalog], "z": ["View in Millbrook Public Library's catalog"], "ind": ["41"]},
    ]


def test_a_rights_statement_without_a_label_keeps_its_link() -> None:
    element = _marc(rights_uri="https://example.org/rights/7")
    assert _fields(element, "540") == [{"u": ["https://example.org/rights/7"], "ind": ["  "]}]


def test_a_cataloged_place_and_the_same_place_linked_by_the_community_are_one_heading_with_the_link() -> None:
    geonames = "https://sws.geonames.org/5165418/"
    element = _marc(places=["Millbrook,", "Main Street"], fact_places=[
        Fact(3, "place", "Millbrook", is_controlled=True, authority_uri=geonames),  # longer: carries its link
        Fact(9, "place", "MAIN STREET", is_controlled=True),  # as long: the first copy stays
    ])
    assert _fields(element, "651") == [{"a": ["Millbrook."], "2": ["geonames"], "0": [geonames], "ind": [" 7"]},
                                       {"a": ["Main Street."], "ind": [" 4"]}]


def test_a_subject_and_a_place_with_the_same_words_are_both_kept() -> None:
    element = _marc(subjects=["Millbrook"], places=["Millbrook"], fact_places=[])
    assert (_fields(element, "650"), _fields(element, "651")) == (
        [{"a": ["Millbrook."], "ind": [" 4"]}], [{"a": ["Millbrook."], "ind": [" 4"]}])


def test_headings_that_differ_by_a_closing_letter_x_are_both_kept() -> None:
    element = _marc(subjects=["Hangar 7X", "Hangar 7"])
    assert [f["a"] for f in _fields(element, "650")] == [["Hangar 7X."], ["Hangar 7."]]
