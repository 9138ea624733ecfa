"""What a catalog reads in a photo's MODS record: every element with its attributes and text, written
out as literals (a change to mods.py that drops, renames or moves one of them fails here)."""
from __future__ import annotations

from datetime import datetime

from lxml import etree

from photoid.catalog.formats import METADATA_FORMATS
from photoid.catalog.records import Fact
from tests.unit.test_catalog_formats import make_record

XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


def _mods(**changes: object) -> etree._Element:
    return METADATA_FORMATS["mods"].to_element(make_record(**changes))


def _flat(element: etree._Element, path: str = "") -> list[tuple[str, dict[str, str], str | None]]:
    """Each element below ``element`` as (path, attributes, text), in document order."""
    rows = []
    for child in element:
        here = f"{path}/{etree.QName(child).localname}".lstrip("/")
        attributes = {etree.QName(k).localname if k != XLINK_HREF else "xlink:href": v for k, v in child.attrib.items()}
        rows.append((here, attributes, child.text if len(child) == 0 else None))
        rows += _flat(child, here)
    return rows


def _subjects(root: etree._Element) -> list[list[tuple[str, dict[str, str], str | None]]]:
    return [_flat(subject) for subject in root if etree.QName(subject).localname == "subject"]


def test_the_sample_photo_as_mods_element_by_element() -> None:
    root = _mods()
    assert root.get("version") == "3.8"
    assert root.get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation") == (
        "http://www.loc.gov/mods/v3 http://www.loc.gov/standards/mods/v3/mods-3-8.xsd")
    assert _flat(root) == [
        ("titleInfo", {}, None),
        ("titleInfo/title", {}, "The Main Street parade"),
        ("name", {}, None),
        ("name/namePart", {}, "Hill Studio"),
        ("name/role", {}, None),
        ("name/role/roleTerm", {"type": "text", "authority": "marcrelator"}, "creator"),
        ("typeOfResource", {}, "still image"),
        ("genre", {"authority": "gmgpc"}, "Photographs"),
        ("originInfo", {"eventType": "production"}, None),
        ("originInfo/dateCreated", {"encoding": "edtf", "keyDate": "yes"}, "1945~"),
        ("physicalDescription", {}, None),
        ("physicalDescription/form", {"authority": "marcsmd"}, "photograph"),
        ("physicalDescription/internetMediaType", {}, "image/tiff"),
        ("physicalDescription/digitalOrigin", {}, "reformatted digital"),
        ("abstract", {}, "Crowds on Main Street."),
        ("note", {"type": "verification"},
         "Identifications contributed by the community and verified by Millbrook Public Library on November 19, 2026."),
        ("subject", {}, None), ("subject/topic", {}, "Parades"),
        ("subject", {}, None), ("subject/geographic", {}, "Main Street (Millbrook)"),
        ("subject", {}, None),
        ("subject/name", {"type": "personal", "authorityURI": "http://id.loc.gov/authorities/names",
                          "valueURI": "http://id.loc.gov/authorities/names/n79021164"}, None),
        ("subject/name/namePart", {}, "Smith, John"),
        ("subject/name/namePart", {"type": "date"}, "1890-1962"),
        ("subject", {}, None),
        ("subject/name", {"type": "personal"}, None),
        ("subject/name/namePart", {}, "Aunt Mary Kowalski"),
        ("subject", {}, None),
        ("subject/geographic", {"authorityURI": "https://sws.geonames.org/",
                                "valueURI": "https://sws.geonames.org/5165418/"}, "Millbrook (Ohio)"),
        ("subject/cartographics", {}, None),
        ("subject/cartographics/coordinates", {}, "40.1, -82.9"),
        ("subject", {}, None),
        ("subject/topic", {"authorityURI": "http://www.wikidata.org/entity/",
                           "valueURI": "http://www.wikidata.org/entity/Q1"}, "Victory parade"),
        ("subject", {}, None), ("subject/topic", {}, "Church picnic"),
        ("subject", {}, None), ("subject/temporal", {"encoding": "edtf"}, "1945-08"),
        ("subject", {}, None), ("subject/topic", {}, "brass band"),
        ("relatedItem", {"type": "host"}, None),
        ("relatedItem/titleInfo", {}, None),
        ("relatedItem/titleInfo/title", {}, "Street life"),
        ("identifier", {"type": "local"}, "MPL-0007"),
        ("identifier", {"type": "uri"}, "https://photos.example.org/photos/7"),
        ("location", {}, None),
        ("location/physicalLocation", {}, "Millbrook Public Library"),
        ("location/url", {"usage": "primary", "access": "object in context"}, "https://photos.example.org/photos/7"),
        ("location/url", {"access": "preview"}, "https://photos.example.org/media/photos/7/display.jpg"),
        ("accessCondition", {"type": "use and reproduction",
                             "xlink:href": "http://rightsstatements.org/vocab/NoC-US/1.0/"}, "No Copyright - United States"),
        ("recordInfo", {}, None),
        ("recordInfo/recordContentSource", {}, "Millbrook Public Library"),
        ("recordInfo/recordChangeDate", {"encoding": "iso8601"}, "2026-11-20T09:30:00"),
        ("recordInfo/recordIdentifier", {}, "MPL-0007"),
    ]


def test_a_bare_photo_has_no_creator_date_abstract_note_subjects_or_rights() -> None:
    root = _mods(creator="", date_edtf=None, description="", rights_uri="", subjects=[], places=[], people=[],
                 fact_places=[], events=[], dates=[], keywords=[])
    assert [path for path, _, _ in _flat(root) if "/" not in path] == [
        "titleInfo", "typeOfResource", "genre", "physicalDescription", "relatedItem", "identifier", "identifier",
        "location", "recordInfo"]


def test_a_date_the_parser_does_not_read_is_kept_without_claiming_edtf() -> None:
    root = _mods(date_edtf="sometime in 1945", dates=[Fact(6, "date", "1945-22-99", dates="1945-22-99")])
    flat = _flat(root)
    assert ("originInfo/dateCreated", {"keyDate": "yes"}, "sometime in 1945") in flat
    assert ("subject/temporal", {}, "1945-22-99") in flat


def test_the_note_says_who_verified_without_a_day_when_no_fact_has_a_review_time() -> None:
    root = _mods(people=[Fact(2, "person", "Aunt Mary Kowalski")], fact_places=[], events=[], dates=[], keywords=[])
    assert root.findtext("{http://www.loc.gov/mods/v3}note") == (
        "Identifications contributed by the community and verified by Millbrook Public Library.")
    on_the_first = _mods(people=[Fact(2, "person", "Aunt Mary Kowalski", reviewed_at=datetime(2026, 3, 1, 8))])
    assert on_the_first.findtext("{http://www.loc.gov/mods/v3}note").endswith("verified by Millbrook Public Library "
                                                                              "on March 1, 2026.")


def test_each_vocabulary_gets_its_own_authority_uri_and_an_unknown_one_only_its_value_uri() -> None:
    uris = {
        "Lincoln, Abraham": "http://id.loc.gov/authorities/names/n79006779",
        "Parades": "http://id.loc.gov/authorities/subjects/sh85097886",
        "Ruth Hale": "http://www.wikidata.org/entity/Q42",
        "Millbrook": "https://sws.geonames.org/5165418/",
        "Hale, Ruth": "http://viaf.org/viaf/102333412",
        "Someone": "https://example.org/people/1",
    }
    people = [Fact(n, "person", heading, is_controlled=True, authority_uri=uri) for n, (heading, uri) in enumerate(uris.items())]
    root = _mods(people=people, fact_places=[], events=[])
    names = [attributes for path, attributes, _ in _flat(root) if path == "subject/name"]
    assert [(a.get("authorityURI"), a["valueURI"]) for a in names] == [
        ("http://id.loc.gov/authorities/names", "http://id.loc.gov/authorities/names/n79006779"),
        ("http://id.loc.gov/authorities/subjects", "http://id.loc.gov/authorities/subjects/sh85097886"),
        ("http://www.wikidata.org/entity/", "http://www.wikidata.org/entity/Q42"),
        ("https://sws.geonames.org/", "https://sws.geonames.org/5165418/"),
        ("http://viaf.org/viaf/", "http://viaf.org/viaf/102333412"),
        (None, "https://example.org/people/1"),
    ]


def test_a_person_without_dates_in_the_heading_takes_the_authoritys_years() -> None:
    people = [Fact(1, "person", "Hale, Ruth", dates="1887/1934", is_controlled=True,
                   authority_uri="http://viaf.org/viaf/102333412")]
    (subject,) = [s for s in _subjects(_mods(people=people)) if s[0][0] == "name"]
    assert subject[1:] == [("name/namePart", {}, "Hale, Ruth"), ("name/namePart", {"type": "date"}, "1887-1934")]


def test_a_cataloged_place_also_approved_is_written_once_with_its_link_and_coordinates_at_zero_are_kept() -> None:
    place = Fact(3, "place", "Null Island", is_controlled=True, authority_uri="https://sws.geonames.org/6295630/",
                 latitude=0.0, longitude=0.0)
    unplaced = Fact(4, "place", "Somewhere", latitude=None, longitude=12.5)
    subjects = _subjects(_mods(places=["null  ISLAND", "Main Street (Millbrook)"], fact_places=[place, unplaced]))
    geographic = [s for s in subjects if s[0][0] == "geographic"]
    assert geographic == [
        [("geographic", {}, "Main Street (Millbrook)")],
        [("geographic", {"authorityURI": "https://sws.geonames.org/", "valueURI": "https://sws.geonames.org/6295630/"},
          "Null Island"), ("cartographics", {}, None), ("cartographics/coordinates", {}, "0.0, 0.0")],
        [("geographic", {}, "Somewhere")],
    ]


def test_a_subject_approved_twice_is_one_subject() -> None:
    subjects = _subjects(_mods(subjects=["Parades", "parades "], places=[], people=[], fact_places=[],
                               events=[Fact(4, "event", "Church picnic"), Fact(5, "event", "church  picnic")],
                               dates=[Fact(6, "date", "1945-08", dates="1945-08"), Fact(8, "date", "1945-08", dates="1945-08")],
                               keywords=[Fact(7, "keyword", "brass band"), Fact(9, "keyword", "Brass Band")]))
    assert subjects == [[("topic", {}, "Parades")], [("topic", {}, "Church picnic")],
                        [("temporal", {"encoding": "edtf"}, "1945-08")], [("topic", {}, "brass band")]]


def test_the_abstract_keeps_its_paragraphs_and_the_title_goes_on_one_line() -> None:
    root = _mods(description="Crowds on Main Street.\n\nThe band  in front.", title="The Main\nStreet parade")
    flat = dict((path, text) for path, _, text in _flat(root))
    assert flat["abstract"] == "Crowds on Main Street.\n\nThe band in front."
    assert flat["titleInfo/title"] == "The Main Street parade"


def test_rights_without_a_label_show_the_uri_itself() -> None:
    uri = "https://example.org/rights/our-own"
    (rights,) = [(attributes, text) for path, attributes, text in _flat(_mods(rights_uri=uri)) if path == "accessCondition"]
    assert rights == ({"type": "use and reproduction", "xlink:href": uri}, uri)


def test_the_librarys_catalog_record_is_another_version() -> None:
    url = "https://cdm15999.contentdm.oclc.org/digital/collection/p15999coll3/id/412"
    flat = _flat(_mods(catalog_url=url))
    start = flat.index(("relatedItem", {"type": "otherVersion",
                                        "displayLabel": "View in Millbrook Public Library's catalog"}, None))
    assert flat[start + 1:start + 3] == [("relatedItem/location", {}, None), ("relatedItem/location/url", {}, url)]


def test_the_record_uses_the_mods_xlink_and_xsi_prefixes() -> None:
    written = etree.tostring(_mods(), encoding="unicode")
    assert written.startswith('<mods:mods xmlns:mods="http://www.loc.gov/mods/v3" '
                              'xmlns:xlink="http://www.w3.org/1999/xlink" ')
    assert 'xlink:href="http://rightsstatements.org/vocab/NoC-US/1.0/"' in written
