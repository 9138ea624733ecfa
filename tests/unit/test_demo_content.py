"""Unit tests for the demo content: generated scenes (photoid.demo.scenes) and the demo catalog (photoid.demo.catalog)."""
from __future__ import annotations

import hashlib
import re
from collections import Counter
from functools import lru_cache
from typing import NamedTuple

import pytest
from PIL import Image, ImageStat

from photoid.demo.catalog import COLLECTIONS, EVENTS, INSTITUTIONS, PEOPLE, PHOTOS, PLACES
from photoid.demo.scenes import SCENE_KINDS, figure_boxes, render_scene

SIZES = [(97, 131), (3000, 2000)]  # a small odd-sized one and the largest the demo uses
FIGURE_KINDS = ("portrait", "group", "parade", "interior", "farm")  # kinds that always show at least one face
RIGHTS = {
    "http://rightsstatements.org/vocab/NoC-US/1.0/",
    "http://rightsstatements.org/vocab/InC/1.0/",
    "http://rightsstatements.org/vocab/CNE/1.0/",
}
# The EDTF forms the demo uses: 1925, 1945~, 194X, 1935/1938, 1952-22 (a season), 1936-03, 1925-07-04.
_MONTH, _DAY = r"(0[1-9]|1[0-2])", r"(0[1-9]|[12]\d|3[01])"
EDTF_FORMS = re.compile(rf"\d{{4}}|\d{{4}}~|\d{{3}}X|\d{{4}}/\d{{4}}|\d{{4}}-2[1-4]|\d{{4}}-{_MONTH}|\d{{4}}-{_MONTH}-{_DAY}")


class Rendered(NamedTuple):
    mode: str
    size: tuple[int, int]
    digest: str
    stddev: float
    tonal_range: int


def _summary(image: Image.Image) -> Rendered:
    grey = image.convert("L")
    low, high = grey.getextrema()
    digest = hashlib.sha256(image.tobytes()).hexdigest()
    return Rendered(image.mode, image.size, digest, ImageStat.Stat(grey).stddev[0], high - low)


@lru_cache(maxsize=None)
def _render(kind: str, seed: int, size: tuple[int, int]) -> Rendered:
    """A summary of the rendered scene, so the large images are not all kept in memory."""
    return _summary(render_scene(kind, seed=seed, size=size))


# --- scenes ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("kind", SCENE_KINDS)
def test_scene_is_an_rgb_image_of_the_exact_size(kind: str, size: tuple[int, int]) -> None:
    image = _render(kind, 7, size)
    assert image.mode == "RGB"
    assert image.size == size


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("kind", SCENE_KINDS)
def test_scene_is_deterministic_per_seed(kind: str, size: tuple[int, int]) -> None:
    first = _render(kind, 7, size).digest
    assert _summary(render_scene(kind, seed=7, size=size)).digest == first
    assert _render(kind, 8, size).digest != first


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("kind", SCENE_KINDS)
def test_scene_is_not_flat(kind: str, size: tuple[int, int]) -> None:
    rendered = _render(kind, 7, size)
    assert rendered.stddev > 12
    assert rendered.tonal_range > 80


@pytest.mark.parametrize("kind", SCENE_KINDS)
def test_figure_boxes_are_inside_the_frame(kind: str) -> None:
    for seed in range(6):
        for size in [(1600, 1200), (900, 1300), (2400, 800), (640, 480)]:
            boxes = figure_boxes(kind, seed=seed, size=size)
            assert boxes == figure_boxes(kind, seed=seed, size=size)
            if kind in FIGURE_KINDS:
                assert boxes, (kind, seed, size)
            for x, y, w, h in boxes:
                assert 0 <= x and 0 <= y and w > 0 and h > 0, (kind, seed, size)
                assert x + w <= 1 + 1e-9 and y + h <= 1 + 1e-9, (kind, seed, size)


def test_figure_boxes_sit_on_drawn_faces() -> None:
    """A portrait's head box covers the face: it differs clearly in tone from the corners of the print."""
    size = (900, 1300)
    for seed in range(4):
        (x, y, w, h), = figure_boxes("portrait", seed=seed, size=size)
        assert 0.15 < w < 0.5 and 0.15 < h < 0.4
        grey = render_scene("portrait", seed=seed, size=size).convert("L")
        face = grey.crop((int((x + w * 0.3) * size[0]), int((y + h * 0.55) * size[1]),
                          int((x + w * 0.7) * size[0]), int((y + h * 0.75) * size[1])))
        assert ImageStat.Stat(face).stddev[0] > 5  # eyes, nose and mouth, not blank backdrop


def test_unknown_kind_and_bad_size_are_refused() -> None:
    with pytest.raises(ValueError):
        render_scene("selfie", seed=1, size=(100, 100))
    with pytest.raises(ValueError):
        figure_boxes("street", seed=1, size=(0, 100))


# --- catalog --------------------------------------------------------------------------------------------


def _institution_of(collection_slug: str) -> str:
    return next(c.institution for c in COLLECTIONS if c.slug == collection_slug)


def test_institutions_and_collections_resolve() -> None:
    slugs = [i.slug for i in INSTITUTIONS]
    assert len(set(slugs)) == len(slugs)
    consortia = [i for i in INSTITUTIONS if i.is_consortium]
    assert [c.slug for c in consortia] == ["rvlc"]
    for institution in INSTITUTIONS:
        if not institution.is_consortium:
            assert institution.parent == "rvlc"
    assert {i.slug for i in INSTITUTIONS} == {"rvlc", "millbrook", "ashford"}
    collection_slugs = [c.slug for c in COLLECTIONS]
    assert len(collection_slugs) == len(set(collection_slugs)) == 3
    for collection in COLLECTIONS:
        assert collection.institution in slugs and collection.institution != "rvlc"
        assert collection.title and collection.description


def test_thirty_photos_with_identifiers_unique_per_institution() -> None:
    assert len(PHOTOS) == 30
    collection_slugs = {c.slug for c in COLLECTIONS}
    assert all(p.collection in collection_slugs for p in PHOTOS)
    keys = Counter((_institution_of(p.collection), p.identifier) for p in PHOTOS)
    assert [key for key, n in keys.items() if n > 1] == []


def test_photo_fields() -> None:
    for photo in PHOTOS:
        assert photo.title and photo.description and photo.creator, photo.identifier
        assert photo.rights in RIGHTS, photo.identifier
        assert photo.scene in SCENE_KINDS, photo.identifier
        assert isinstance(photo.seed, int)
        width, height = photo.size
        assert 16 <= width <= 3000 and 16 <= height <= 3000, photo.identifier
    undated = [p for p in PHOTOS if p.date is None]
    assert 3 <= len(undated) <= 8
    assert {(1600, 1200), (900, 1300), (1200, 1200), (2400, 800), (640, 480), (3000, 2000)} <= {p.size for p in PHOTOS}


def test_every_edtf_string_uses_an_allowed_form() -> None:
    dates = [p.date for p in PHOTOS if p.date is not None]
    dates += [person.dates for person in PEOPLE] + [event.date for event in EVENTS]
    dates += [i.edtf for p in PHOTOS for i in p.identifications if i.edtf is not None]
    bad = [d for d in dates if not EDTF_FORMS.fullmatch(d)]
    assert bad == []


def test_authorities_are_well_formed() -> None:
    for group in (PEOPLE, PLACES, EVENTS):
        headings = [a.heading for a in group]
        assert len(headings) == len(set(headings))
        assert all(a.heading not in a.variants for a in group)
    for person in PEOPLE:
        assert re.fullmatch(r"[^,]+, [^,]+, \d{4}-\d{4}", person.heading), person.heading
        assert person.dates == person.heading[-9:].replace("-", "/")
        assert person.variants
    assert sum(p.authority_uri is not None for p in PEOPLE) == 2
    assert any(p.heading != p.heading.encode("ascii", "ignore").decode() for p in PEOPLE)  # a name with accents
    for place in PLACES:
        assert -90 <= place.latitude <= 90 and -180 <= place.longitude <= 180


def test_identifications_resolve() -> None:
    headings = {
        "person": {p.heading for p in PEOPLE},
        "place": {p.heading for p in PLACES},
        "event": {e.heading for e in EVENTS},
    }
    for photo in PHOTOS:
        assert len(photo.identifications) <= 3, photo.identifier
        boxes = figure_boxes(photo.scene, seed=photo.seed, size=photo.size)
        for ident in photo.identifications:
            assert ident.state in ("approved", "pending")
            if ident.kind in headings:  # a pending name may be a patron's proposal the library does not know yet
                assert ident.heading in headings[ident.kind] or ident.state == "pending", (photo.identifier, ident.heading)
            elif ident.kind == "keyword":
                assert ident.heading and ident.heading.strip() == ident.heading
            else:
                assert ident.kind == "date" and ident.heading is None and ident.edtf, photo.identifier
            if ident.kind != "date":
                assert ident.edtf is None, photo.identifier
            if ident.figure is not None:
                assert ident.kind == "person", photo.identifier
                assert 0 <= ident.figure < len(boxes), (photo.identifier, ident.figure, len(boxes))


def test_identification_mix() -> None:
    states = Counter(i.state for p in PHOTOS for i in p.identifications)
    assert 12 <= states["approved"] <= 20
    assert 4 <= states["pending"] <= 8
    bare = sum(not p.identifications for p in PHOTOS)
    assert 7 <= bare <= 13
    assert any(i.kind == "person" and i.figure is not None for p in PHOTOS for i in p.identifications)
