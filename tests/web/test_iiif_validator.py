"""The IIIF consortium's own validator (``iiif-validator``) at level 0 against the image service
served on 127.0.0.1: a small photo, photos over 1024 px, and tall and wide ones."""
from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from flask import Flask
from iiif_validator import validator
from PIL import Image

from photoid.extensions import db
from photoid.photos.service import add_photo
from tests.factories import make_collection
from tests.local_servers import serving_app
from tests.web.test_iiif import _jpeg

#: The validator's level 0 tests for Image API 3.0: info.json, full/max as an image, JPEG, no size
#: "full". ``id_squares`` also checks colours, so it only runs on a copy of the validator's own picture.
LEVEL0 = ("info_json", "id_basic", "format_jpg", "size_nofull")


def validator_pattern() -> bytes:
    """The validator's test picture: 1000 x 1000 px of 100 px squares in the colours it checks."""
    colours = validator.ValidationInfo().colorInfo
    image = Image.new("RGB", (1000, 1000))
    for x, column in enumerate(colours):
        for y, colour in enumerate(column):
            image.paste(colour, (x * 100, y * 100, x * 100 + 100, y * 100 + 100))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def server(app: Flask) -> Iterator[str]:
    """The app on a free port of 127.0.0.1 ("host:port", as the validator takes it)."""
    with serving_app(app) as url:
        yield url.removeprefix("http://")


def failures(server: str, photo_id: int, tests: tuple[str, ...]) -> list[str]:
    """Run the validator's tests as its command line ``iiif-validate.py --version 3.0`` does."""
    available = validator.TestSuite(validator.ValidationInfo()).list_tests("3.0")
    assert set(tests) <= set(available) and all(available[name]["level"] == 0 for name in tests)
    failed = []
    for name in tests:
        result = validator.ImageAPI(str(photo_id), server, prefix="iiif/3", version="3.0", debug=False)
        validator.TestSuite(validator.ValidationInfo()).run_test(name, result)
        if result.exception is not None:
            error = result.exception
            failed.append(f"{name}: {error.type} got {error.got!r}, expected {error.expected!r} ({result.urls})")
    return failed


def test_the_validators_own_picture_passes_every_level0_test(app: Flask, server: str) -> None:
    collection = make_collection()
    db.session.commit()
    photo = add_photo(collection=collection, image_data=validator_pattern(), identifier="TEST-PATTERN")
    assert failures(server, photo.id, (*LEVEL0, "id_squares")) == []


@pytest.mark.parametrize("size", [(640, 480), (2400, 1600), (700, 1300), (3000, 900)])
def test_photos_of_any_size_and_shape_pass_level0(app: Flask, server: str, size: tuple[int, int]) -> None:
    collection = make_collection()
    db.session.commit()
    photo = add_photo(collection=collection, image_data=_jpeg(size), identifier=f"MPL-{size[0]}x{size[1]}")
    assert failures(server, photo.id, LEVEL0) == []
