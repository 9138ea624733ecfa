"""The pieces every export shares (photoid/catalog/records.py): a person's name and dates apart, the years
a date covers as headings write them, each subject once, and text XML can hold. Expected values are
literals: a heading and the name and dates it must give."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from photoid.catalog.records import Fact, distinct, distinct_text, name_and_dates, verification_note, xml_safe, years
from tests.unit.test_catalog_formats import make_record


@pytest.mark.parametrize(("edtf", "written"), [
    ("1890/1962", "1890-1962"), ("1945", "1945"), ("1945~", "1945"), ("194X", "1940-1949"),
    ("1890-05/1890-09", "1890"), ("../1950", ""), ("not a date", ""), ("", ""), (None, ""),
])
def test_years_are_written_as_headings_give_them(edtf: str | None, written: str) -> None:
    assert years(edtf) == written


@pytest.mark.parametrize(("heading", "name", "dates"), [
    ("Smith, John, 1890-1962", "Smith, John", "1890-1962"),
    ("Smith, John, 1890-1962.", "Smith, John", "1890-1962"),
    ("Smith, John,1890-", "Smith, John", "1890-"),
    ("Smith, John,  1890?", "Smith, John", "1890?"),
    ("Smith, John, approximately 1890-", "Smith, John", "approximately 1890-"),
    ("Smith, John, born 1890", "Smith, John", "born 1890"),
    ("Smith, John, died 1962", "Smith, John", "died 1962"),
    ("Aethelred, King of England, 968-1016", "Aethelred, King of England", "968-1016"),
    ("Smith, John, Jr., 1890-1962", "Smith, John, Jr.", "1890-1962"),
    ("Smith,\tJohn,\n1890-1962", "Smith, John", "1890-1962"),
])
def test_a_heading_that_ends_in_dates_gives_name_and_dates_apart(heading: str, name: str, dates: str) -> None:
    controlled = Fact(1, "person", heading, dates="1850/1900", is_controlled=True)
    assert name_and_dates(controlled) == (name, dates)  # the heading's own dates win over the record's


@pytest.mark.parametrize("heading", ["Smith, John, 18901-1962", "Smith, John, c. 1890", "Smith, John, 1890 to 1962",
                                     "Smith, John, 89-962", "Smith John 1890-1962", ", 1890-1962"])
def test_a_heading_without_dates_in_that_form_keeps_them_in_the_name(heading: str) -> None:
    assert name_and_dates(Fact(1, "person", heading, dates="1850/1900", is_controlled=True)) == (heading, "1850-1900")
    assert name_and_dates(Fact(1, "person", heading, dates="1850/1900")) == (heading, "")  # no authority, no dates


def test_an_authority_without_dates_gives_none() -> None:
    assert name_and_dates(Fact(1, "person", "Hale,  Ruth", dates=None, is_controlled=True)) == ("Hale, Ruth", "")


def test_the_same_fact_approved_twice_is_one_but_a_different_link_or_kind_is_another() -> None:
    smith = Fact(1, "person", "Smith, John", authority_uri="http://id.loc.gov/authorities/names/n1")
    facts = [
        smith,
        Fact(2, "person", "smith,  JOHN", authority_uri="http://id.loc.gov/authorities/names/n1"),
        Fact(3, "person", "Smith, John", authority_uri="http://id.loc.gov/authorities/names/n2"),
        Fact(4, "person", "Smith, John"),
        Fact(5, "person", "Smith, John", authority_uri=""),
        Fact(6, "keyword", "Smith, John"),
    ]
    assert [f.identification_id for f in distinct(facts)] == [1, 3, 4, 6]


def test_cataloged_values_once_each_as_first_written_and_empty_ones_left_out() -> None:
    assert distinct_text(["Parades", "", " ", "parades", "Main  Street", "main street\n", "Bands"]) == [
        "Parades", "Main  Street", "Bands"]


def test_xml_safe_drops_the_control_characters_xml_cannot_hold_and_keeps_tabs_and_line_breaks() -> None:
    kept = "a\tb\nc\rd é \u2603 \U0001F4F7"
    assert xml_safe(kept) == kept
    dropped = "".join(map(chr, [*range(0, 9), 11, 12, *range(14, 32)])) + "\ufffe\uffff"
    assert xml_safe("x" + dropped + "y") == "xy"
    assert xml_safe(None) == "" and xml_safe(1945) == "1945" and xml_safe("") == ""


def test_a_record_was_verified_when_its_latest_fact_was_and_lists_facts_kind_by_kind() -> None:
    record = make_record()
    assert record.verified_at == datetime(2026, 11, 19, 15, 0)
    assert [f.identification_id for f in record.facts] == [1, 2, 3, 4, 5, 6, 7]
    assert make_record(people=[Fact(2, "person", "Aunt Mary")]).verified_at is None


def _matched(fact: Fact, contributor: str | None = None) -> Fact:
    return replace(fact, is_face_matching_suggestion=True, contributor=contributor)


def test_the_verification_note_says_how_many_identifications_face_matching_suggested() -> None:
    record = make_record()
    community = ("Identifications contributed by the community and verified by Millbrook Public Library"
                 " on November 19, 2026")
    assert verification_note(record) == community + "."
    one = make_record(people=[_matched(record.people[0]), record.people[1]])
    assert verification_note(one) == (
        community + "; 1 of them suggested by face matching and confirmed by Millbrook Public Library.")
    two = make_record(people=[_matched(p) for p in record.people])
    assert verification_note(two) == (
        community + "; 2 of them suggested by face matching and confirmed by Millbrook Public Library.")


def test_a_record_identified_only_by_face_matching_says_so_and_a_named_patron_makes_it_the_community() -> None:
    smith = make_record().people[0]
    only = make_record(people=[_matched(smith)], fact_places=[], events=[], dates=[], keywords=[])
    assert verification_note(only) == ("Identifications suggested by face matching and confirmed by Millbrook Public"
                                       " Library on November 19, 2026.")
    unreviewed = make_record(people=[_matched(replace(smith, reviewed_at=None))], fact_places=[], events=[], dates=[],
                             keywords=[])
    assert verification_note(unreviewed) == "Identifications suggested by face matching and confirmed by Millbrook Public Library."
    named = make_record(people=[_matched(smith, contributor="Rose Tyler")], fact_places=[], events=[], dates=[], keywords=[])
    assert verification_note(named) == (
        "Identifications contributed by the community and verified by Millbrook Public Library on November 19, 2026;"
        " 1 of them suggested by face matching and confirmed by Millbrook Public Library.")
