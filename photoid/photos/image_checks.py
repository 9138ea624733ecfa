"""What an image file must be before photoid decodes it: a format read from its bytes (never its name),
and the refusals, worded for the person who sent the file."""
from __future__ import annotations

import struct
import warnings
import zlib
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image

ALLOWED_FORMATS = ("JPEG", "PNG", "TIFF", "WEBP")

DAMAGED = "The image file is damaged or incomplete and could not be read."
NOT_AN_IMAGE = "This file is not an image; we accept JPEG, PNG, TIFF and WebP."
TOO_MANY_PIXELS = "The image has too many pixels to process safely."

DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error, IndexError)


class ImageRejected(ValueError):
    """The file is not an image we accept; the message says why, for the person uploading it."""


@dataclass(frozen=True)
class SourceImage:
    format: str
    #: Upright size, after the EXIF orientation.
    width: int
    height: int


def sniff(head: bytes) -> str | None:
    """The format named by the first bytes of a file, for the formats we accept or often see."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "TIFF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if head.startswith(b"%PDF-"):
        return "PDF"
    if head.startswith((b"%!PS", b"\xc5\xd0\xd3\xc6")):
        return "EPS"
    if head.startswith(b"BM") and len(head) >= 18 and head[14] in (12, 40, 52, 56, 64, 108, 124):
        return "BMP"
    if head.startswith(b"8BPS"):
        return "PSD"
    if head.startswith((b"\x00\x00\x00\x0cjP  \r\n\x87\n", b"\xff\x4f\xff\x51")):
        return "JPEG 2000"
    if head.startswith((b"\xff\x0a", b"\x00\x00\x00\x0cJXL \r\n\x87\n")):
        return "JPEG XL"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"avif", b"avis"):
            return "AVIF"
        if brand in (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"):
            return "HEIC"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<svg") or (text.startswith(b"<?xml") and b"<svg" in text):
        return "SVG"
    return None


def identify(handle: BinaryIO) -> str | None:
    """Ask Pillow's other readers (only to name the format in the refusal)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(handle) as image:
                return image.format
    except Exception:  # noqa: BLE001 - any failure here just means "not an image we can name"
        return None
    finally:
        handle.seek(0)


def refusal(kind: str | None) -> str:
    if kind is None:
        return NOT_AN_IMAGE
    article = "an" if kind[0] in "AEIOU" or kind in ("SVG", "SGI", "MPO", "XBM", "XPM") else "a"
    return f"This file is {article} {kind} image; we accept JPEG, PNG, TIFF and WebP."


def megabytes(count: int) -> str:
    value = count / (1024 * 1024)
    return f"{value:.0f}" if value >= 100 else f"{value:.3g}"
