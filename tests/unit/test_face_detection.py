"""Detection on the kinds of images libraries hold (grey, faded, palette, CMYK, with alpha), and the
vectorised nearest-face scan, without a database."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageEnhance

from photoid.faces.detection import encoding_bytes, encoding_of, find_faces, model_path
from photoid.faces.matching import Examples, nearest
from photoid.faces.queries import overlap

PORTRAIT = Path(__file__).parent.parent / "fixtures" / "faces" / "obama2.jpg"


def portrait() -> Image.Image:
    with Image.open(PORTRAIT) as image:
        return image.convert("RGB")


def test_the_models_come_from_the_installed_package() -> None:
    assert model_path("shape").name == "shape_predictor_5_face_landmarks.dat" and model_path("shape").is_file()
    assert model_path("encoder").stat().st_size > 20_000_000


@pytest.mark.parametrize("kind", ["grey and faded", "palette", "CMYK", "with alpha"])
def test_one_face_is_found_whatever_the_image_mode(kind: str) -> None:
    colour = portrait()
    image = {
        "grey and faded": lambda: ImageEnhance.Contrast(colour.convert("L")).enhance(0.35),
        "palette": lambda: colour.convert("P", palette=Image.ADAPTIVE),
        "CMYK": lambda: colour.convert("CMYK"),
        "with alpha": lambda: colour.convert("RGBA"),
    }[kind]()
    [face] = find_faces(image, upsample=0, encode=True)
    [reference] = find_faces(portrait(), upsample=0, encode=True)
    assert overlap(face_box := (face.x, face.y, face.w, face.h), (reference.x, reference.y, reference.w, reference.h)) > 0.8, face_box
    assert float(np.linalg.norm(face.encoding - reference.encoding)) < 0.3  # still the same man


def test_a_picture_without_a_face_has_none() -> None:
    assert find_faces(Image.new("RGB", (400, 300), (120, 130, 140)), upsample=1, encode=True) == []


def test_an_encoding_is_stored_as_512_bytes_and_read_back_unchanged() -> None:
    numbers = np.linspace(-0.3, 0.3, 128, dtype=np.float32)
    stored = encoding_bytes(numbers)
    assert len(stored) == 512 and np.array_equal(encoding_of(stored), numbers)


def examples(rows: list[tuple[int, int, list[float]]]) -> Examples:
    """Approved faces as (person, photo, encoding); face ids are the row numbers."""
    matrix = np.array([np.pad(np.array(e, dtype=np.float32), (0, 128 - len(e))) for _p, _ph, e in rows], dtype=np.float32)
    return Examples(key=(1, 1), face_ids=np.arange(len(rows)), photo_ids=np.array([r[1] for r in rows]),
                    person_ids=np.array([r[0] for r in rows]), matrix=matrix, norms=np.einsum("ij,ij->i", matrix, matrix))


def test_nearest_gives_each_person_once_nearest_first_within_the_threshold() -> None:
    held = examples([(1, 10, [0.30]), (1, 11, [0.05]), (2, 12, [0.20]), (3, 13, [0.9]), (4, 14, [0.5])])
    query = np.pad(np.array([0.0], dtype=np.float32), (0, 127))
    found = nearest(held, query, threshold=0.6, limit=3)
    assert [(int(held.person_ids[row]), round(d, 3)) for row, d in found] == [(1, 0.05), (2, 0.2), (4, 0.5)]
    assert [int(held.person_ids[r]) for r, _ in nearest(held, query, threshold=0.25, limit=3)] == [1, 2]
    skipping = nearest(held, query, threshold=0.6, limit=3, skip_photo=11, skip_people=frozenset({2}))
    assert [(int(held.person_ids[row]), round(d, 3)) for row, d in skipping] == [(1, 0.3), (4, 0.5)]
    assert nearest(Examples(key=(0, 0)), query, threshold=0.6, limit=3) == []
