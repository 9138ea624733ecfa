"""Identifications to W3C Web Annotations and back: pure conversions, no database."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from photoid.accounts.models import User
from photoid.authorities.models import Person
from photoid.contributions.annotations import (
    fraction_to_pixels,
    parse_annotation,
    parse_selector,
    pixel_selector,
    to_annotation,
)
from photoid.contributions.models import Identification
from photoid.contributions.service import ContributionError, Region
from photoid.photos.models import Photo

WIDTH, HEIGHT = 3000, 2000  # not square, so x and y cannot be swapped unnoticed
WHEN = datetime(2026, 11, 22, 9, 32, 41, tzinfo=UTC)


def _identification(*, kind: str = "person", region: Region | None = None, evidence: str = "", **values: object) -> Identification:
    identification = Identification(
        photo=Photo(id=7, width=WIDTH, height=HEIGHT), photo_id=7, kind=kind, state="pending", evidence=evidence,
        contributor=User(email="margaret@example.org", display_name="Margaret H."), created_at=WHEN, modified_at=WHEN,
        **values,
    )
    if region is not None:
        identification.region_x, identification.region_y = region.x, region.y
        identification.region_w, identification.region_h = region.w, region.h
    return identification


def _serialise(identification: Identification, **kw: object) -> dict:
    return to_annotation(identification, annotation_id="http://site.test/api/annotations/5",
                         image_id="http://site.test/iiif/3/7", **kw)


def _box(value: str) -> dict:
    return {"type": "SpecificResource", "source": "http://site.test/iiif/3/7",
            "selector": {"type": "FragmentSelector", "conformsTo": "http://www.w3.org/TR/media-frags/", "value": value}}


def test_a_person_in_a_box_becomes_an_identifying_annotation_in_full_image_pixels() -> None:
    region = Region(1000 / WIDTH, 500 / HEIGHT, 666 / WIDTH, 667 / HEIGHT)
    annotation = _serialise(_identification(text_value="John Smith", region=region, evidence="My grandfather."),
                            votes={"agree": 2, "disagree": 1})
    assert annotation["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert annotation["type"] == "Annotation" and annotation["motivation"] == "identifying"
    assert annotation["id"] == "http://site.test/api/annotations/5"
    assert annotation["created"] == annotation["modified"] == "2026-11-22T09:32:41Z"
    assert annotation["creator"] == {"type": "Person", "name": "Margaret H."}
    assert "margaret@example.org" not in repr(annotation)
    assert annotation["target"] == _box("xywh=pixel:1000,500,666,667")
    values = {(b["purpose"], b["value"]) for b in annotation["body"]}
    assert values == {("identifying", "John Smith"), ("commenting", "My grandfather.")}
    assert annotation["photoid"]["kind"] == "person" and annotation["photoid"]["state"] == "pending"
    assert annotation["photoid"]["votes"] == {"agree": 2, "disagree": 1}


def test_pixels_survive_the_round_trip_through_fractions_on_a_non_square_photo() -> None:
    for box in [(0, 0, WIDTH, HEIGHT), (1, 2, 3, 4), (2999, 1999, 1, 1), (1234, 567, 890, 1234), (17, 1003, 2111, 997)]:
        region = parse_selector("xywh=pixel:{},{},{},{}".format(*box), width=WIDTH, height=HEIGHT)
        assert fraction_to_pixels(region, width=WIDTH, height=HEIGHT) == box
    region = parse_selector("xywh=pixel:1000,500,666.6666666666667,666.6666666666667", width=WIDTH, height=HEIGHT)
    assert (region.x, region.y) == pytest.approx((1 / 3, 0.25))
    assert (region.w, region.h) == pytest.approx((666.6666666666667 / WIDTH, 666.6666666666667 / HEIGHT))
    assert pixel_selector(region, width=WIDTH, height=HEIGHT)["value"] == "xywh=pixel:1000,500,667,667"


def test_a_box_sticking_out_of_the_photo_is_cut_to_its_edges() -> None:
    region = parse_selector("xywh=pixel:-500,-923,1000,1923", width=WIDTH, height=HEIGHT)
    assert fraction_to_pixels(region, width=WIDTH, height=HEIGHT) == (0, 0, 500, 1000)
    region = parse_selector("xywh=pixel:2500,1500,1047,900", width=WIDTH, height=HEIGHT)
    assert fraction_to_pixels(region, width=WIDTH, height=HEIGHT) == (2500, 1500, 500, 500)
    assert region.x + region.w == pytest.approx(1.0) and region.y + region.h == pytest.approx(1.0)


def test_a_box_entirely_outside_the_photo_is_refused() -> None:
    for value in ("xywh=pixel:3000,0,100,100", "xywh=pixel:-200,10,200,10", "xywh=percent:100,0,10,10"):
        with pytest.raises(ContributionError, match="outside the photo"):
            parse_selector(value, width=WIDTH, height=HEIGHT)


def test_percent_selectors_are_fractions_of_the_photo() -> None:
    region = parse_selector("xywh=percent:10,20,30.5,40", width=WIDTH, height=HEIGHT)
    assert (region.x, region.y, region.w, region.h) == pytest.approx((0.1, 0.2, 0.305, 0.4))
    assert fraction_to_pixels(region, width=WIDTH, height=HEIGHT) == (300, 400, 915, 800)
    clamped = parse_selector("xywh=percent:90,-10,20,50", width=WIDTH, height=HEIGHT)
    assert (clamped.x, clamped.y, clamped.w, clamped.h) == pytest.approx((0.9, 0.0, 0.1, 0.4))


@pytest.mark.parametrize("value, message", [
    ("xywh=pixel:10,10,0,5", "no size"),
    ("xywh=pixel:10,10,-5,5", "no size"),
    ("xywh=pixel:10,10,5", "not valid"),
    ("xywh=pixel:a,b,c,d", "not valid"),
    ("xywh=pixel:nan,1,2,3", "not valid"),
    ("xywh=pixel:1e999,1,2,3", "not valid"),
    ("xywh=inches:1,1,2,2", "not valid"),
    ("t=10,20", "not valid"),
    ("", "not valid"),
    (None, "not valid"),
    (42, "not valid"),
])
def test_malformed_selectors_are_refused_with_a_message(value: object, message: str) -> None:
    with pytest.raises(ContributionError, match=message):
        parse_selector(value, width=WIDTH, height=HEIGHT)


def test_a_keyword_is_tagging_and_parses_back_as_a_keyword() -> None:
    annotation = _serialise(_identification(kind="keyword", text_value="tram"))
    assert annotation["motivation"] == "tagging"
    assert [(b["purpose"], b["value"]) for b in annotation["body"]] == [("tagging", "tram")]
    assert "selector" not in annotation["target"]

    del annotation["photoid"]  # as Annotorious would send it: the body alone says it is a keyword
    parsed = parse_annotation(annotation, width=WIDTH, height=HEIGHT)
    assert (parsed.kind, parsed.name, parsed.region) == ("keyword", "tram", None)


def test_a_date_reads_in_words_and_carries_its_edtf() -> None:
    annotation = _serialise(_identification(kind="date", date_edtf="1945~"))
    assert [(b["purpose"], b["value"]) for b in annotation["body"]] == [("identifying", "about 1945"), ("describing", "1945~")]
    assert annotation["photoid"]["edtf"] == "1945~"
    parsed = parse_annotation(annotation, width=WIDTH, height=HEIGHT)
    assert (parsed.kind, parsed.date_text, parsed.name) == ("date", "1945~", None)
    assert parse_annotation({"photoid": {"kind": "date"}, "body": [{"purpose": "identifying", "value": "1940s"}]},
                            width=WIDTH, height=HEIGHT).date_text == "1940s"


def test_a_linked_authority_adds_its_uri_as_a_specific_resource() -> None:
    person = Person(id=12, kind="person", heading="Smith, John, 1890-1962", authority_uri="http://id.loc.gov/authorities/names/n00000001")
    annotation = _serialise(_identification(authority=person, authority_id=12))
    assert annotation["body"] == [
        {"type": "TextualBody", "purpose": "identifying", "value": "Smith, John, 1890-1962", "format": "text/plain"},
        {"type": "SpecificResource", "purpose": "identifying", "source": "http://id.loc.gov/authorities/names/n00000001"},
    ]
    assert annotation["photoid"]["authority_id"] == 12
    assert parse_annotation(annotation, width=WIDTH, height=HEIGHT).authority_id == 12


def test_a_posted_annotation_gives_kind_value_evidence_and_box() -> None:
    parsed = parse_annotation({
        "@context": "http://www.w3.org/ns/anno.jsonld", "type": "Annotation",
        "body": [{"type": "TextualBody", "purpose": "commenting", "value": "The sign reads Main St."},
                 {"type": "TextualBody", "purpose": "identifying", "value": "Main Street"}],
        "target": _box("xywh=pixel:300,200,600,400"),
        "photoid": {"kind": "place"},
    }, width=WIDTH, height=HEIGHT)
    assert (parsed.kind, parsed.name, parsed.evidence) == ("place", "Main Street", "The sign reads Main St.")
    assert parsed.region == Region(0.1, 0.1, 0.2, 0.2)
    plain = parse_annotation({"body": {"type": "TextualBody", "purpose": "identifying", "value": "Ann"},
                              "target": "http://site.test/iiif/3/7"}, width=WIDTH, height=HEIGHT)
    assert (plain.kind, plain.name, plain.region) == ("person", "Ann", None)  # identifying means a person by default


@pytest.mark.parametrize("annotation, message", [
    ([], "W3C Web Annotation"),
    (None, "W3C Web Annotation"),
    ({"body": []}, "who or what you recognise"),
    ({"body": [{"purpose": "identifying", "value": "Ann"}], "photoid": {"kind": "animal"}}, "person, place, event, date or keyword"),
    ({"body": [{"purpose": "identifying", "value": 5}]}, "plain text"),
    ({"body": [{"purpose": "identifying", "value": "Ann"}], "photoid": {"authority_id": "12"}}, "not in our records"),
    ({"body": [{"purpose": "identifying", "value": "Ann"}], "photoid": "person"}, "photoid part"),
    ({"body": [{"purpose": "identifying", "value": "Ann"}], "target": [_box("xywh=pixel:1,1,5,5")] * 2}, "one box"),
    ({"body": [{"purpose": "identifying", "value": "Ann"}],
      "target": {"source": "x", "selector": {"type": "SvgSelector", "value": "<svg/>"}}}, "rectangle"),
    ({"body": [{"purpose": "identifying", "value": "Ann"}], "target": _box("xywh=pixel:1,1,0,5")}, "no size"),
])
def test_malformed_annotations_are_refused_with_a_message(annotation: object, message: str) -> None:
    with pytest.raises(ContributionError, match=message):
        parse_annotation(annotation, width=WIDTH, height=HEIGHT)
