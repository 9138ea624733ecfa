"""IIIF Image API 3.0 level 0: info.json, and every tile and size it advertises, as a viewer fetches them."""
from __future__ import annotations

import io
import math

import pytest
from PIL import Image

from photoid.extensions import db
from photoid.photos.service import add_photo
from tests.factories import make_collection


def _jpeg(size: tuple[int, int]) -> bytes:
    gradient = Image.linear_gradient("L").resize(size)
    buffer = io.BytesIO()
    Image.merge("RGB", (gradient, gradient, gradient.transpose(Image.Transpose.ROTATE_180))).save(buffer, "JPEG")
    return buffer.getvalue()


def osd_urls(width: int, height: int, tile: int, scale_factors: list[int]) -> set[tuple[str, str, tuple[int, int]]]:
    """What OpenSeadragon's IIIFTileSource (version 3) requests: (region, size, expected pixel size)."""
    urls = set()
    for s in scale_factors:
        lw, lh = math.ceil(width / s), math.ceil(height / s)
        if lw < tile and lh < tile:
            size = "max" if (lw, lh) == (width, height) else f"{lw},{lh}"
            urls.add(("full", size, (lw, lh)))
            continue
        for y in range(math.ceil(lh / tile)):
            for x in range(math.ceil(lw / tile)):
                rx, ry = x * tile * s, y * tile * s
                rw, rh = min(tile * s, width - rx), min(tile * s, height - ry)
                region = "full" if (x, y) == (0, 0) and (rw, rh) == (width, height) else f"{rx},{ry},{rw},{rh}"
                sw, sh = min(tile, lw - x * tile), min(tile, lh - y * tile)
                size = "max" if (sw, sh) == (width, height) else f"{sw},{sh}"
                urls.add((region, size, (sw, sh)))
    return urls


@pytest.fixture
def photo(app):
    collection = make_collection()
    db.session.commit()
    return add_photo(collection=collection, image_data=_jpeg((1300, 700)), identifier="MPL-1", title="Street")


def test_info_json_describes_a_level0_image_service(client, photo) -> None:
    response = client.get(f"/iiif/3/{photo.id}/info.json")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    info = response.json
    assert info["@context"] == "http://iiif.io/api/image/3/context.json"
    assert info["id"] == f"http://localhost/iiif/3/{photo.id}"
    assert info["type"] == "ImageService3" and info["protocol"] == "http://iiif.io/api/image"
    assert info["profile"] == "level0"
    assert (info["width"], info["height"]) == (1300, 700)
    assert info["tiles"] == [{"width": 512, "height": 512, "scaleFactors": [1, 2, 4]}]
    assert client.get(f"/iiif/3/{photo.id}").status_code == 303
    ld = client.get(f"/iiif/3/{photo.id}/info.json", headers={"Accept": "application/ld+json"})
    assert ld.headers["Content-Type"].startswith("application/ld+json")


def test_every_tile_and_size_a_viewer_asks_for_is_served_at_its_stated_size(client, photo) -> None:
    info = client.get(f"/iiif/3/{photo.id}/info.json").json
    wanted = osd_urls(info["width"], info["height"], 512, info["tiles"][0]["scaleFactors"])
    for size in info.get("sizes", []):
        wanted.add(("full", "max" if (size["width"], size["height"]) == (1300, 700) else f"{size['width']},{size['height']}", (size["width"], size["height"])))
    assert len(wanted) > 5
    for region, size, pixels in sorted(wanted):
        with client.get(f"/iiif/3/{photo.id}/{region}/{size}/0/default.jpg") as response:
            assert response.status_code == 200, (region, size)
            assert response.mimetype == "image/jpeg"
            assert Image.open(io.BytesIO(response.data)).size == pixels, (region, size)


def test_full_max_is_served_at_the_largest_size_info_json_declares(client, photo) -> None:
    """Level 0 requires ``full/max`` (IIIF importers and download links ask for it): a photo over
    1024 px serves its largest advertised size and declares it as maxWidth/maxHeight."""
    info = client.get(f"/iiif/3/{photo.id}/info.json").json
    assert (info["maxWidth"], info["maxHeight"]) == (650, 350)
    with client.get(f"/iiif/3/{photo.id}/full/max/0/default.jpg") as response:
        assert response.status_code == 200
        assert Image.open(io.BytesIO(response.data)).size == (650, 350)
    small = add_photo(collection=photo.collection, image_data=_jpeg((800, 600)), identifier="MPL-2", title="Porch")
    assert "maxWidth" not in client.get(f"/iiif/3/{small.id}/info.json").json
    with client.get(f"/iiif/3/{small.id}/full/max/0/default.jpg") as response:
        assert Image.open(io.BytesIO(response.data)).size == (800, 600)


def test_tiles_are_cacheable_and_conditional(client, photo) -> None:
    with client.get(f"/iiif/3/{photo.id}/0,0,512,512/512,512/0/default.jpg") as response:
        assert "immutable" in response.headers["Cache-Control"]
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        etag = response.headers["ETag"]
    with client.get(f"/iiif/3/{photo.id}/0,0,512,512/512,512/0/default.jpg", headers={"If-None-Match": etag}) as again:
        assert again.status_code == 304


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("0,0,100,100/100,100/0/default.jpg", 404),  # valid but not advertised
        ("full/max/90/default.jpg", 404),  # rotation is not offered at level 0
        ("full/max/0/gray.jpg", 404),
        ("full/max/0/default.png", 404),
        ("nonsense/max/0/default.jpg", 400),
        ("full/huge/0/default.jpg", 400),
        ("full/max/sideways/default.jpg", 400),
        ("full/max/0/default.exe", 400),
        ("..%2F..%2Fetc/max/0/default.jpg", 404),  # decoded to more path segments: no such route
    ],
)
def test_requests_outside_the_advertised_set_get_400_or_404_never_500(client, photo, path, status) -> None:
    assert client.get(f"/iiif/3/{photo.id}/{path}").status_code == status


def test_unpublished_photos_have_no_public_image_service(client, photo) -> None:
    photo.is_published = False
    db.session.commit()
    assert client.get(f"/iiif/3/{photo.id}/info.json").status_code == 404
    assert client.get(f"/iiif/3/{photo.id}/0,0,512,512/512,512/0/default.jpg").status_code == 404
    assert client.get("/iiif/3/999999/info.json").status_code == 404
