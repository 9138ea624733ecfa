"""Cross-origin reads: the public, read-only resources other sites' viewers, readers and harvesters
fetch answer ``Access-Control-Allow-Origin: *`` (their preflights too); nothing needing a session does."""
from __future__ import annotations

import pytest
from flask import Flask

from photoid.cors import PUBLIC_READS
from photoid.extensions import db
from photoid.photos.service import add_photo
from tests.factories import make_collection, make_identification
from tests.web.test_annotation_api import _api_token, _person
from tests.web.test_iiif import _jpeg

ORIGIN = {"Origin": "https://viewer.example.org"}
#: What a browser sends before a viewer's fetch with ``Accept: application/ld+json;profile="..."``.
PREFLIGHT = {**ORIGIN, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "accept"}


@pytest.fixture
def site(app: Flask) -> dict[str, int | str]:
    collection = make_collection(slug="streets")
    db.session.commit()
    photo = add_photo(collection=collection, image_data=_jpeg((1300, 700)), identifier="MPL-1", title="Street")
    fact = make_identification(photo=photo, text_value="Ann Smith", state="approved",
                               region_x=0.1, region_y=0.1, region_w=0.2, region_h=0.2)
    db.session.commit()
    return {"photo": photo.id, "fact": fact.id, "slug": collection.slug}


PUBLIC = [
    "/iiif/3/{photo}/manifest",
    "/iiif/3/collections/{slug}/manifest",
    "/iiif/3/{photo}",
    "/iiif/3/{photo}/info.json",
    "/iiif/3/{photo}/full/max/0/default.jpg",
    "/iiif/3/{photo}/0,0,1024,700/512,350/0/default.jpg",
    "/api/photos/{photo}/annotations",
    "/api/annotations/{fact}",
    "/feeds/photos.atom",
    "/feeds/identified.atom",
    "/feeds/collections/{slug}/photos.atom",
    "/feeds/collections/{slug}/identified.atom",
    "/oai?verb=Identify",
    "/media/photos/{photo}/thumb.jpg",
    "/media/photos/{photo}/regions/{fact}.jpg",
    "/oembed?url=http://localhost/photos/{photo}",
]


@pytest.mark.parametrize("path", PUBLIC)
def test_public_reads_are_open_to_every_origin(client, site, path: str) -> None:
    with client.get(path.format(**site), headers=ORIGIN) as response:  # images are streamed files
        assert response.status_code in (200, 303), response.status_code
        assert response.headers.get("Access-Control-Allow-Origin") == "*"
        assert "Access-Control-Allow-Credentials" not in response.headers  # never with cookies


@pytest.mark.parametrize("path", PUBLIC)
def test_their_preflight_with_accept_is_answered(client, site, path: str) -> None:
    response = client.options(path.format(**site), headers=PREFLIGHT)
    assert response.status_code == 200
    assert response.headers.get("Access-Control-Allow-Origin") == "*"
    assert "GET" in response.headers["Access-Control-Allow-Methods"].split(", ")
    assert "accept" in response.headers["Access-Control-Allow-Headers"].lower()


def test_harvesters_may_post_oai_requests_from_any_origin(client) -> None:
    response = client.post("/oai", data={"verb": "Identify"}, headers=ORIGIN)
    assert response.status_code == 200 and response.headers.get("Access-Control-Allow-Origin") == "*"


def test_nothing_that_needs_a_session_is_open_to_other_origins(client, site, login_as) -> None:
    login_as("patron")
    token = _api_token(client)
    photo = site["photo"]
    answers = [
        client.get("/me/contributions", headers=ORIGIN),
        client.get("/me/notifications", headers=ORIGIN),
        client.get("/account", headers=ORIGIN),
        client.post(f"/api/photos/{photo}/annotations", json=_person("Ann"), headers={**ORIGIN, "X-CSRFToken": token}),
        # A preflight for a write is not answered, even where the same address has a public read.
        client.options(f"/api/photos/{photo}/annotations", headers={**PREFLIGHT, "Access-Control-Request-Method": "POST"}),
        client.options("/me/notifications/read", headers={**PREFLIGHT, "Access-Control-Request-Method": "POST"}),
        client.get("/feeds/queue.atom?token=nonsense", headers=ORIGIN),
    ]
    assert answers[3].status_code == 201  # the write itself works, for this site's own pages
    for response in answers:
        assert "Access-Control-Allow-Origin" not in response.headers, response.request.path


def test_every_listed_endpoint_exists(app: Flask) -> None:
    assert PUBLIC_READS <= {rule.endpoint for rule in app.url_map.iter_rules()}
