"""IIIF Presentation 3 manifests: valid, public only, with the approved identifications as annotations."""
from __future__ import annotations

import json

import pytest
from jsonschema import Draft7Validator

from photoid.extensions import db
from tests.factories import (
    make_authority,
    make_collection,
    make_identification,
    make_photo,
    make_user,
)
from tests.schemas import SCHEMAS

SCHEMA = json.loads((SCHEMAS / "iiif" / "presentation-3.0.json").read_text())


@pytest.fixture
def photo(app):
    collection = make_collection(slug="streets", title="Street life", description="Millbrook streets, 1900-1960.")
    photo = make_photo(collection=collection, title="<script>alert(1)</script> Parade", date_edtf="1945~",
                       creator="Hill Studio", rights_uri="http://rightsstatements.org/vocab/NoC-US/1.0/",
                       width=2000, height=1000)
    contributor = make_user(email="hidden.address@example.net", display_name="Rose Tyler")
    smith = make_authority(heading="Smith, John, 1890-1962", authority_uri="http://id.loc.gov/authorities/names/n79021164")
    make_identification(photo=photo, authority=smith, state="approved", contributor=contributor,
                        region_x=0.1, region_y=0.2, region_w=0.25, region_h=0.5)
    make_identification(photo=photo, kind="keyword", text_value="brass band", state="approved",
                        region_x=0.5, region_y=0.5, region_w=0.5, region_h=0.5)
    make_identification(photo=photo, kind="place", text_value="Main Street", state="approved")  # whole photo
    make_identification(photo=photo, text_value="Pending Pete", state="pending", region_x=0, region_y=0, region_w=0.1, region_h=0.1)
    make_identification(photo=photo, text_value="Rejected Ray", state="rejected", region_x=0, region_y=0, region_w=0.1, region_h=0.1)
    db.session.commit()
    return photo


def _errors(document: dict) -> list[str]:
    return [error.message for error in Draft7Validator(SCHEMA).iter_errors(document)]


def test_a_photo_manifest_is_valid_and_shows_approved_regions(client, photo) -> None:
    response = client.get(f"/iiif/3/{photo.id}/manifest")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    manifest = response.get_json()
    assert _errors(manifest) == []
    assert manifest["label"] == {"en": ["<script>alert(1)</script> Parade"]}
    pairs = {pair["label"]["en"][0]: pair["value"]["en"] for pair in manifest["metadata"]}
    assert pairs["Date"] == ["about 1945"] and pairs["Creator"] == ["Hill Studio"]
    assert pairs["People"] == ["Smith, John, 1890-1962"] and "Main Street" in pairs["Places"]
    assert manifest["rights"] == "http://rightsstatements.org/vocab/NoC-US/1.0/"
    assert manifest["requiredStatement"]["value"]["en"] == [photo.institution.name]

    canvas = manifest["items"][0]
    assert (canvas["width"], canvas["height"]) == (2000, 1000)
    service = canvas["items"][0]["items"][0]["body"]["service"][0]
    assert service["id"].endswith(f"/iiif/3/{photo.id}") and service["profile"] == "level0"

    annotations = canvas["annotations"][0]["items"]
    by_text = {a["body"]["value"]: a for a in annotations}
    assert set(by_text) == {"Smith, John, 1890-1962", "brass band"}  # approved regions only
    smith = by_text["Smith, John, 1890-1962"]
    # Tagged as the IIIF cookbook does, which Mirador shows and Clover reads (tests/browser/test_mirador.py).
    assert smith["motivation"] == "tagging" and by_text["brass band"]["motivation"] == "tagging"
    assert smith["body"] == {"type": "TextualBody", "value": "Smith, John, 1890-1962", "format": "text/plain", "language": "en"}
    assert smith["target"]["source"] == {"id": canvas["id"], "type": "Canvas"}
    assert smith["target"]["selector"] == {"type": "FragmentSelector", "conformsTo": "http://www.w3.org/TR/media-frags/",
                                           "value": "xywh=200,200,500,500"}
    assert smith["seeAlso"] == [{"id": "http://id.loc.gov/authorities/names/n79021164", "type": "Dataset",
                                 "label": {"en": ["Authority record"]}}]
    assert smith["creator"]["name"] == "Rose Tyler"
    text = response.get_data(as_text=True)
    assert "hidden.address" not in text and "Pending Pete" not in text and "Rejected Ray" not in text


def test_a_fact_approved_twice_is_listed_once_in_the_metadata(client, photo) -> None:
    # Issue 20: Main Street approved a second time (another patron, another box) is still one place.
    make_identification(photo=photo, kind="place", text_value="Main  street", state="approved")
    db.session.commit()
    pairs = {pair["label"]["en"][0]: pair["value"]["en"] for pair in client.get(f"/iiif/3/{photo.id}/manifest").get_json()["metadata"]}
    assert pairs["Places"] == ["Main Street"]


def test_a_collection_lists_the_manifests_of_its_published_photos(client, photo) -> None:
    make_photo(collection=photo.collection, title="Hidden draft", is_published=False)
    db.session.commit()
    response = client.get("/iiif/3/collections/streets/manifest")
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    collection = response.get_json()
    assert _errors(collection) == []
    assert collection["type"] == "Collection" and collection["label"] == {"en": ["Street life"]}
    assert [item["id"] for item in collection["items"]] == [f"http://localhost/iiif/3/{photo.id}/manifest"]


def test_hidden_photos_and_collections_have_no_manifest(client, app) -> None:
    hidden = make_photo(is_published=False)
    draft = make_collection(slug="drafts", is_published=False)
    in_draft = make_photo(collection=draft)
    db.session.commit()
    assert client.get(f"/iiif/3/{hidden.id}/manifest").status_code == 404
    assert client.get(f"/iiif/3/{in_draft.id}/manifest").status_code == 404
    assert client.get("/iiif/3/collections/drafts/manifest").status_code == 404
    assert client.get("/iiif/3/collections/nowhere/manifest").status_code == 404
    assert client.get("/iiif/3/99999999999999999999999/manifest").status_code == 404


def test_a_rights_uri_outside_iiif_vocabularies_moves_to_the_metadata(client, app) -> None:
    photo = make_photo(rights_uri="https://example.org/our-terms")
    db.session.commit()
    manifest = client.get(f"/iiif/3/{photo.id}/manifest").get_json()
    assert "rights" not in manifest and _errors(manifest) == []
    assert {"label": {"en": ["Rights"]}, "value": {"en": ["https://example.org/our-terms"]}} in manifest["metadata"]
