"""Web Annotations in and out, field by field, against literals (photoid/contributions/annotations.py):
the exact message a client gets for each malformed annotation, what a posted annotation asks
identify() for, times written in UTC whatever the server's zone, and boxes at the photo's edges."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from photoid.contributions.annotations import (
    ParsedAnnotation,
    fraction_to_pixels,
    iso_utc,
    parse_annotation,
    parse_selector,
)
from photoid.contributions.service import ContributionError, Region
from tests.unit.test_annotations import HEIGHT, WIDTH, _box, _identification, _serialise

ANN = {"type": "TextualBody", "purpose": "identifying", "value": "Ann"}
BAD_BOX = "The box on the photo is not valid; please draw it again."


@pytest.mark.parametrize(("annotation", "message"), [
    ([], "Please send the identification as a W3C Web Annotation in JSON."),
    ({"body": ANN, "photoid": "person"}, "The annotation's photoid part is not in a form we understand."),
    ({"body": 5}, "The annotation's body is not in a form we understand."),
    ({"body": ANN, "target": 5}, "The annotation's target is not in a form we understand."),
    ({"body": ANN, "target": [5]}, "The annotation's target is not in a form we understand."),
    ({"body": ANN, "target": {"source": "x", "selector": 5}}, "The annotation's selector is not in a form we understand."),
    ({"body": ANN, "target": {"source": "x", "selector": ["xywh=1,1,5,5"]}}, BAD_BOX),
    ({"body": ANN, "target": [_box("xywh=pixel:1,1,5,5")] * 2}, "Please send one box per identification."),
    ({"body": ANN, "target": {"source": "x", "selector": {"type": "SvgSelector", "value": "<svg/>"}}},
     "Only rectangular boxes can be saved; please draw a rectangle."),
    ({"body": [{"purpose": "identifying", "value": 5}]}, "Each text in the annotation must be written as plain text."),
    ({"body": [{"purpose": "commenting", "value": "why"}]}, "Please say who or what you recognise."),
    ({"body": ANN, "photoid": {"kind": "animal"}},
     "Please choose what you are identifying: a person, place, event, date or keyword."),
    ({"body": ANN, "photoid": {"authority_id": "12"}}, "That name is not in our records; type the name instead."),
    ({"body": ANN, "photoid": {"authority_id": True}}, "That name is not in our records; type the name instead."),
    ({"body": ANN, "photoid": {"kind": "date", "edtf": 1945}}, "Please write the date in words, for example: about 1945."),
])
def test_a_malformed_annotation_gets_this_exact_message(annotation: object, message: str) -> None:
    with pytest.raises(ContributionError) as refused:
        parse_annotation(annotation, width=WIDTH, height=HEIGHT)
    assert str(refused.value) == message


@pytest.mark.parametrize(("value", "message"), [
    ("xywh=pixel:" + "9" * 400 + ",1,2,3", BAD_BOX),  # digits enough to overflow a float
    ("xywh=pixel:10,10,0,5", "The box on the photo has no size; please draw it again."),
    ("xywh=pixel:10,10,5,0", "The box on the photo has no size; please draw it again."),
    ("xywh=pixel:10,2000,5,5", "The box is outside the photo; please draw it again."),  # starts on the bottom edge
    ("xywh=pixel:3000,10,5,5", "The box is outside the photo; please draw it again."),  # on the right edge
])
def test_a_box_that_cannot_be_saved_gets_this_exact_message(value: str, message: str) -> None:
    with pytest.raises(ContributionError) as refused:
        parse_selector(value, width=WIDTH, height=HEIGHT)
    assert str(refused.value) == message


def test_a_box_without_a_unit_is_in_pixels() -> None:
    assert parse_selector("xywh=300,200,600,400", width=WIDTH, height=HEIGHT) == Region(0.1, 0.1, 0.2, 0.2)


@pytest.mark.parametrize(("annotation", "parsed"), [
    # plain text with no purpose names a person
    ({"body": {"type": "TextualBody", "value": "Ann"}}, ParsedAnnotation(kind="person", name="Ann")),
    # our own authority link first in the body: the name still comes from the text
    ({"body": [{"type": "SpecificResource", "purpose": "identifying", "source": "http://viaf.org/viaf/1"}, ANN],
      "photoid": {"kind": "person", "authority_id": 12}}, ParsedAnnotation(kind="person", name="Ann", authority_id=12)),
    # a keyword says its tag; a person says who, whichever body comes first
    ({"body": [ANN, {"purpose": "tagging", "value": "tram"}], "photoid": {"kind": "keyword", "authority_id": 3}},
     ParsedAnnotation(kind="keyword", name="tram")),
    ({"body": [{"purpose": "tagging", "value": "tram"}, ANN], "photoid": {"kind": "person"}},
     ParsedAnnotation(kind="person", name="Ann")),
    # a kind whose own purpose is missing takes the other text
    ({"body": [ANN], "photoid": {"kind": "keyword"}}, ParsedAnnotation(kind="keyword", name="Ann")),
    ({"body": [{"purpose": "tagging", "value": "tram"}], "photoid": {"kind": "place", "authority_id": 4}},
     ParsedAnnotation(kind="place", name="tram", authority_id=4)),
    ({"body": [{"value": "Victory parade"}], "photoid": {"kind": "event", "authority_id": 5}},
     ParsedAnnotation(kind="event", name="Victory parade", authority_id=5)),
    # a date from its EDTF alone, with no text at all, and never a name or an authority
    ({"photoid": {"kind": "date", "edtf": "1945~", "authority_id": 6}}, ParsedAnnotation(kind="date", date_text="1945~")),
    ({"body": [ANN, {"purpose": "commenting", "value": "On the back."}, {"purpose": "commenting", "value": "Her hat."}]},
     ParsedAnnotation(kind="person", name="Ann", evidence="On the back.\n\nHer hat.")),
])
def test_a_posted_annotation_asks_for_exactly_this(annotation: dict, parsed: ParsedAnnotation) -> None:
    assert parse_annotation(annotation, width=WIDTH, height=HEIGHT) == parsed


def test_what_is_passed_on_to_identify() -> None:
    parsed = parse_annotation({"body": [ANN, {"purpose": "commenting", "value": "Her hat."}], "target": _box("xywh=pixel:300,200,600,400"),
                               "photoid": {"kind": "person", "authority_id": 12}}, width=WIDTH, height=HEIGHT)
    assert parsed.identify_arguments() == {"kind": "person", "name": "Ann", "authority_id": 12, "date_text": None,
                                           "region": Region(0.1, 0.1, 0.2, 0.2), "evidence": "Her hat."}


@pytest.fixture
def server_in_new_york(monkeypatch):
    """The server's own clock set to New York, so local time and UTC differ by hours."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("server_in_new_york")
def test_times_are_written_in_utc_whatever_the_servers_zone() -> None:
    assert iso_utc(datetime(2026, 11, 22, 9, 32, 41)) == "2026-11-22T09:32:41Z"  # naive times are UTC
    paris = timezone(timedelta(hours=1))
    assert iso_utc(datetime(2026, 11, 22, 10, 32, 41, 500, tzinfo=paris)) == "2026-11-22T09:32:41Z"
    assert iso_utc(None) is None


def test_the_extension_names_the_photo_and_counts_votes_not_given_as_none() -> None:
    identification = _identification(text_value="John Smith")
    identification.contributor = None
    annotation = _serialise(identification, votes={"agree": 3})
    assert annotation["photoid"] == {"kind": "person", "state": "pending", "photo_id": 7, "authority_id": None,
                                     "edtf": None, "votes": {"agree": 3, "disagree": 0}}
    assert annotation["creator"] == {"type": "Person", "name": "a former contributor"}
    assert _serialise(_identification(text_value="John Smith"))["photoid"]["votes"] == {"agree": 0, "disagree": 0}


@pytest.mark.parametrize(("region", "pixels"), [
    (Region(0.99999, 0.99999, 0.00001, 0.00001), (2999, 1999, 1, 1)),  # a sliver on the far corner stays 1 px inside
    (Region(0.5, 0.5, 0.0001, 0.0001), (1500, 1000, 1, 1)),  # a box under a pixel is one pixel
    (Region(0.0, 0.0, 1.0, 1.0), (0, 0, 3000, 2000)),
])
def test_a_stored_box_is_at_least_one_pixel_and_inside_the_photo(region: Region, pixels: tuple[int, int, int, int]) -> None:
    assert fraction_to_pixels(region, width=WIDTH, height=HEIGHT) == pixels


def test_a_face_matching_suggestion_with_no_contributor_was_made_by_software() -> None:
    suggested = _identification(text_value="John Smith", is_face_matching_suggestion=True)
    suggested.contributor = None
    assert _serialise(suggested)["creator"] == {"type": "Software", "name": "face matching"}
    typed = _identification(text_value="John Smith", is_face_matching_suggestion=True)  # a patron named them too
    assert _serialise(typed)["creator"] == {"type": "Person", "name": "Margaret H."}
