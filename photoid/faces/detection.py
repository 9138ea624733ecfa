"""Finding faces on an image, and their encodings: dlib's own calls, with the models that
``face_recognition_models`` ships (so nothing is downloaded at run time).

Three models, loaded once per process on first use (about 0.7 s): dlib's HOG frontal face detector,
the five-point shape predictor that lines a face up, and the ResNet that turns a lined-up face into
128 numbers. Two faces of one person are about 0.35 apart (Euclidean), of two people about 0.8
(docs/decisions.md, "Faces"). The ``face_recognition`` package wraps the same calls but needs dlib
compiled from source; we call them directly. This module reads pixels only: no database.
"""
from __future__ import annotations

import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from PIL import Image, ImageOps

#: The model files inside the face_recognition_models package. Found without importing it: its
#: __init__ imports pkg_resources, which a new virtualenv no longer has.
MODEL_FILES = {
    "shape": "shape_predictor_5_face_landmarks.dat",
    "encoder": "dlib_face_recognition_resnet_model_v1.dat",
}


@dataclass(frozen=True)
class FoundFace:
    """One face: its box as fractions of the image (as identification regions are), the detector's
    score, and its encoding (128 float32) when asked for."""

    x: float
    y: float
    w: float
    h: float
    confidence: float
    encoding: np.ndarray | None


def model_path(name: str) -> Path:
    """The path of one of face_recognition_models' files; raises LookupError when it is not installed."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise LookupError("face_recognition_models is not installed (pip install face_recognition_models)")
    path = Path(next(iter(spec.submodule_search_locations))) / "models" / MODEL_FILES[name]
    if not path.is_file():
        raise LookupError(f"face_recognition_models has no {path.name}")
    return path


class Detector:
    """The three dlib models, loaded together. dlib's objects are not shared between threads here:
    one lock serialises their use (a web process detects rarely; workers are single-threaded)."""

    def __init__(self) -> None:
        import dlib  # loaded only where faces are detected: importing photoid never costs it

        self._find = dlib.get_frontal_face_detector()
        self._shape = dlib.shape_predictor(str(model_path("shape")))
        self._encode = dlib.face_recognition_model_v1(str(model_path("encoder")))
        self._lock = threading.Lock()

    def find(self, pixels: np.ndarray, *, upsample: int, encode: bool) -> list[FoundFace]:
        """The faces on an RGB image (height x width x 3, uint8), left to right."""
        height, width = pixels.shape[:2]
        found: list[FoundFace] = []
        with self._lock:
            rects, scores, _kinds = self._find.run(pixels, upsample, 0.0)
            for rect, score in zip(rects, scores, strict=True):
                left, top = max(rect.left(), 0), max(rect.top(), 0)
                right, bottom = min(rect.right() + 1, width), min(rect.bottom() + 1, height)
                if right <= left or bottom <= top:
                    continue
                encoding = None
                if encode:
                    shape = self._shape(pixels, rect)
                    encoding = np.asarray(self._encode.compute_face_descriptor(pixels, shape), dtype=np.float32)
                found.append(FoundFace(x=left / width, y=top / height, w=(right - left) / width,
                                       h=(bottom - top) / height, confidence=float(score), encoding=encoding))
        return sorted(found, key=lambda f: (f.x, f.y))


_detector: Detector | None = None
_loading = threading.Lock()


def detector() -> Detector:
    """The process's detector, loaded on first use."""
    global _detector  # noqa: PLW0603 - one set of models per process
    with _loading:
        if _detector is None:
            _detector = Detector()
        return _detector


def rgb_pixels(image: Image.Image) -> np.ndarray:
    """An image as RGB pixels, whatever it was: greyscale and faded scans, palettes, CMYK, alpha.
    A faded print's contrast is stretched first (1 % cut at each end): the detector works on edges."""
    image = ImageOps.exif_transpose(image)
    grey = image.convert("L")
    if grey.getextrema()[1] - grey.getextrema()[0] < 160:  # faded: its darkest and lightest are close
        image = ImageOps.autocontrast(image.convert("RGB"), cutoff=1)
    return np.asarray(image.convert("RGB"), dtype=np.uint8)


def find_faces(source: BinaryIO | Image.Image, *, upsample: int, encode: bool) -> list[FoundFace]:
    """The faces on an image (a file or a Pillow image), with encodings when ``encode``.

    Raises OSError or ValueError (from Pillow) for a file that is not an image.
    """
    image: Any = source if isinstance(source, Image.Image) else Image.open(source)
    with image:
        image.load()
        pixels = rgb_pixels(image)
    return detector().find(pixels, upsample=upsample, encode=encode)


def encoding_bytes(encoding: np.ndarray) -> bytes:
    """128 numbers as the 512 bytes stored in ``Face.encoding`` (little-endian float32)."""
    return np.asarray(encoding, dtype="<f4").reshape(128).tobytes()


def encoding_of(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<f4").astype(np.float32)
