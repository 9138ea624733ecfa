"""Text no database or XML document can hold: refused with a message a person can act on, never
a 500, and nothing is written.

Found by hand and by the input crawl: control characters and U+FFFE/U+FFFF in OAI-PMH arguments
(echoed in the response's request element), and lone surrogates in a JSON body.
"""
from __future__ import annotations

import json

import pytest
from lxml import etree
from sqlalchemy import func, select

from photoid.contributions.models import Identification
from photoid.contributions.service import ContributionError, clean_text
from photoid.extensions import db
from tests.factories import make_collection, make_photo

OAI = "{http://www.openarchives.org/OAI/2.0/}"
ANNOTATION = {
    "@context": "http://www.w3.org/ns/anno.jsonld", "type": "Annotation",
    "body": [{"type": "TextualBody", "purpose": "identifying", "value": "Smith"}],
    "target": {"source": "http://localhost/iiif/3/1"},
}


def _oai_error(response) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200 and response.mimetype == "text/xml"
    doc = etree.fromstring(response.data)
    error = doc.find(f"{OAI}error")
    assert error is not None, response.data[:500]
    assert doc.find(f"{OAI}request").attrib == {}, "a badArgument response echoes no arguments"
    return error.get("code"), error.text or ""


# --- OAI-PMH --------------------------------------------------------------------------------------

@pytest.mark.parametrize("query", [
    "verb=ListRecords&resumptionToken=%01",
    "verb=ListIdentifiers&resumptionToken=%EF%BF%BF",
    "verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:localhost:photo/1%EF%BF%BE",
    "verb=ListMetadataFormats&identifier=%EF%BF%BE",
    "verb=Identify&%01=x",
    "verb=ListRecords&metadataPrefix=oai_dc&set=%1F",
])
def test_oai_arguments_that_xml_cannot_hold_are_a_bad_argument(client, app, query: str) -> None:  # type: ignore[no-untyped-def]
    code, message = _oai_error(client.get(f"/oai?{query}"))
    assert code == "badArgument" and "cannot appear in XML" in message


def test_oai_post_with_a_control_character_is_a_bad_argument_too(client, app) -> None:  # type: ignore[no-untyped-def]
    code, _ = _oai_error(client.post("/oai", data={"verb": "ListSets", "resumptionToken": "\x01"}))
    assert code == "badArgument"


# --- lone surrogates and broken characters ----------------------------------------------------------

def _count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Identification.id))) or 0


def _annotations_token(client) -> str:  # type: ignore[no-untyped-def]
    page = client.get("/").get_data(as_text=True)
    return page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]


@pytest.mark.parametrize("body", [
    json.dumps(ANNOTATION).replace('"Smith"', '"Smith \\ud800"').encode(),   # escaped, as in the report
    json.dumps(ANNOTATION).replace('"Smith"', '"Smith \\udfff"').encode(),
    json.dumps(ANNOTATION).replace('"Smith"', '"Smith \\ud800"').encode().replace(b"\\ud800", "\ud800".encode("utf-8", "surrogatepass")),
])
def test_a_lone_surrogate_in_an_annotation_is_refused_in_json(client, login_as, body: bytes) -> None:  # type: ignore[no-untyped-def]
    photo = make_photo()
    login_as("patron")
    response = client.post(f"/api/photos/{photo.id}/annotations", data=body, content_type="application/json",
                           headers={"X-CSRFToken": _annotations_token(client)})
    assert response.status_code == 400 and response.is_json
    assert "cannot store" in response.json["error"]
    assert _count() == 0


@pytest.mark.parametrize("value", ["Smith \ud800", "\udfff", "Smith\ufffe", "\uffff", "Sm\U0010ffffith"])
def test_clean_text_refuses_broken_characters_like_control_ones(value: str) -> None:
    with pytest.raises(ContributionError, match="broken character"):
        clean_text(value, label="a name", limit=300)


def test_a_json_body_sent_to_a_form_address_is_refused(client, login_as) -> None:  # type: ignore[no-untyped-def]
    """Forms would read a JSON body's numbers and lists as if typed (found by the crawl: a 500 on len() of a number)."""
    photo = make_photo()
    login_as("patron")
    response = client.post(f"/photos/{photo.id}/identifications", json={"kind": "person", "name": 99999999999999999999},
                           headers={"X-CSRFToken": _annotations_token(client)})
    assert response.status_code == 415 and "takes a form" in response.json["error"]
    assert _count() == 0


def test_a_set_whose_name_holds_what_xml_cannot_is_still_listed(client, app) -> None:  # type: ignore[no-untyped-def]
    """Collection titles are typed by staff; one with a control character made ListSets a 500."""
    collection = make_collection(title="Main\x01 Street \ufffe", description="Shops\x02 and \uffffcars", is_published=True)
    make_photo(collection=collection)
    db.session.commit()
    response = client.get("/oai?verb=ListSets")
    assert response.status_code == 200
    doc = etree.fromstring(response.data)
    assert doc.find(f"{OAI}error") is None
    names = [e.text for e in doc.iter(f"{OAI}setName")]
    assert "Main Street " in names


def test_a_lone_surrogate_is_refused_whatever_content_type_the_api_is_sent(client, login_as) -> None:  # type: ignore[no-untyped-def]
    """The annotation API reads any body as JSON, so the check does too."""
    photo = make_photo()
    login_as("patron")
    body = json.dumps(ANNOTATION).replace('"Smith"', '"Smith \\ud800"').replace('"http://localhost/iiif/3/1"', '"\\udfff"')
    response = client.post(f"/api/photos/{photo.id}/annotations", data=body, content_type="text/plain",
                           headers={"X-CSRFToken": _annotations_token(client), "Accept": "application/json"})
    assert response.status_code == 400 and "cannot store" in response.json["error"]
    assert _count() == 0
