"""Image decoding and derivatives with Pillow: the thumbnail and the display image.

Formats are detected from the bytes, never the file name. Derivatives carry no EXIF or GPS.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = ("JPEG", "PNG", "TIFF", "WEBP")
#: Long side in pixels of each derivative.
DERIVATIVE_SIZES = {"thumb": 400, "display": 1600}


class ImageRejected(ValueError):
    """The file is not an image we accept; the message says why, for the person uploading it."""


@dataclass(frozen=True)
class SourceImage:
    format: str
    width: int
    height: int


def _open(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            # A decompression-bomb warning is an error here: such a file is refused, not resized.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
            image.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected(_reason(data, exc)) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageRejected("The image file is damaged or incomplete and could not be read.") from exc
    return image


def _reason(data: bytes, exc: Exception) -> str:
    if isinstance(exc, (Image.DecompressionBombError, Image.DecompressionBombWarning)):
        return "The image has too many pixels to process safely."
    return "This file is not a JPEG, PNG, TIFF or WebP image."


def inspect(data: bytes) -> SourceImage:
    """Decode the file fully (so truncation is caught) and report its format and upright size."""
    image = _open(data)
    upright = ImageOps.exif_transpose(image)
    return SourceImage(format=image.format or "", width=upright.width, height=upright.height)


def make_derivatives(data: bytes) -> dict[str, bytes]:
    """The JPEG derivatives of an accepted image, keyed by variant name (``thumb``, ``display``)."""
    image = ImageOps.exif_transpose(_open(data))
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out: dict[str, bytes] = {}
    for variant, long_side in sorted(DERIVATIVE_SIZES.items(), key=lambda item: -item[1]):
        copy = image.copy()
        copy.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        copy.save(buffer, "JPEG", quality=85, optimize=True, progressive=True)
        out[variant] = buffer.getvalue()
    return out
