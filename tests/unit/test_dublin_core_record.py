"""What a harvester reads in a photo's oai_dc record: every element, in order, written out as literals
(a change to dublin_core.py that drops, repeats or reorders one of them fails here)."""
from __future__ import annotations

from datetime import datetime

from lxml import etree

from photoid.catalog.formats import METADATA_FORMATS
from photoid.catalog.records import Fact
from tests.unit.test_catalog_formats import make_record


def _dc(**changes: object) -> list[tuple[str, str]]:
    element = METADATA_FORMATS["oai_dc"].to_element(make_record(**changes))
    return [(etree.QName(child).localname, child.text) for child in element]


def test_the_sample_photo_as_dublin_core_element_by_element() -> None:
    assert _dc() == [
        ("title", "The Main Street parade"),
        ("creator", "Hill Studio"),
        ("subject", "Parades"),
        ("subject", "Smith, John, 1890-1962"),
        ("subject", "Aunt Mary Kowalski"),
        ("subject", "Victory parade"),
        ("subject", "Church picnic"),
        ("subject", "brass band"),
        ("description", "Crowds on Main Street."),
        ("publisher", "Millbrook Public Library"),
        ("date", "1945~"),
        ("date", "1945-08"),
        ("type", "StillImage"),
        ("format", "image/tiff"),
        ("identifier", "MPL-0007"),
        ("identifier", "https://photos.example.org/photos/7"),
        ("relation", "Street life"),
        ("coverage", "Main Street (Millbrook)"),
        ("coverage", "Millbrook (Ohio)"),
        ("rights", "http://rightsstatements.org/vocab/NoC-US/1.0/"),
    ]


def test_a_bare_photo_has_no_empty_creator_description_date_or_rights() -> None:
    assert _dc(creator="", description="", date_edtf=None, rights_uri="", subjects=[], places=[], people=[],
               fact_places=[], events=[], dates=[], keywords=[]) == [
        ("title", "The Main Street parade"),
        ("publisher", "Millbrook Public Library"),
        ("type", "StillImage"),
        ("format", "image/tiff"),
        ("identifier", "MPL-0007"),
        ("identifier", "https://photos.example.org/photos/7"),
        ("relation", "Street life"),
    ]


def test_an_approved_date_equal_to_the_catalog_date_is_written_once_and_a_different_one_after_it() -> None:
    dates = [Fact(6, "date", "1945~", dates="1945~"), Fact(8, "date", "1946", dates="1946")]
    assert [value for name, value in _dc(dates=dates) if name == "date"] == ["1945~", "1946"]


def test_the_description_keeps_its_paragraphs_and_other_values_go_on_one_line() -> None:
    written = dict(_dc(description="Crowds on Main Street.\n\nThe band   in front.", title="The Main\nStreet  parade"))
    assert written["description"] == "Crowds on Main Street.\n\nThe band in front."
    assert written["title"] == "The Main Street parade"


def test_a_value_approved_twice_in_other_case_or_spacing_is_written_once_as_first_given() -> None:
    people = [Fact(2, "person", "Aunt Mary Kowalski", reviewed_at=datetime(2026, 11, 18)),
              Fact(9, "person", "aunt  MARY kowalski")]
    subjects = [value for name, value in _dc(people=people, events=[], keywords=[]) if name == "subject"]
    assert subjects == ["Parades", "Aunt Mary Kowalski"]


def test_the_librarys_own_catalog_record_is_a_second_relation() -> None:
    url = "https://cdm15999.contentdm.oclc.org/digital/collection/p15999coll3/id/412"
    assert [value for name, value in _dc(catalog_url=url) if name == "relation"] == ["Street life", url]


def test_the_record_uses_the_prefixes_oai_pmh_examples_and_harvesters_expect() -> None:
    written = etree.tostring(METADATA_FORMATS["oai_dc"].to_element(make_record()), encoding="unicode")
    assert written.startswith('<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
                              'xmlns:dc="http://purl.org/dc/elements/1.1/" ')
    assert "<dc:title>The Main Street parade</dc:title>" in written
    assert 'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/oai_dc/ ' \
           'http://www.openarchives.org/OAI/2.0/oai_dc.xsd"' in written
