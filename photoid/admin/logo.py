"""Institution logos: an uploaded PNG, JPEG or WebP becomes a small PNG with nothing but pixels.

The file is checked by photos/images.py first (format read from the bytes, fully decoded so
damage is caught, decompression bombs refused), then shrunk to at most ``LOGO_SIZE`` pixels on
its long side and written as PNG without EXIF, ICC or text chunks.
"""
from __future__ import annotations

import hashlib
import io
import warnings

from PIL import Image, ImageOps

from photoid.photos.images import DAMAGED, TOO_MANY_PIXELS, ImageRejected, inspect

LOGO_FORMATS = ("PNG", "JPEG", "WEBP")
MAX_LOGO_BYTES = 2 * 1024 * 1024
#: Long side of the stored logo, in pixels; a smaller logo keeps its size.
LOGO_SIZE = 400
NOT_A_LOGO = "A logo must be a PNG, JPEG or WebP image."
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError)


class LogoRejected(ValueError):
    """The file cannot be used as a logo; the message says why, for the admin who sent it."""


def make_logo(data: bytes) -> bytes:
    """The stored form of an uploaded logo: a PNG at most ``LOGO_SIZE`` pixels on its long side.

    Raises LogoRejected for an empty file, a file over 2 MB, anything but PNG, JPEG or WebP, or
    a damaged or oversized image.
    """
    if not data:
        raise LogoRejected("The logo file is empty. Please choose a PNG, JPEG or WebP image.")
    if len(data) > MAX_LOGO_BYTES:
        raise LogoRejected("The logo file is larger than 2 MB; please choose a smaller one.")
    try:
        info = inspect(data)
    except ImageRejected as error:
        raise LogoRejected(str(error) if str(error) in (DAMAGED, TOO_MANY_PIXELS) else NOT_A_LOGO) from error
    if info.format not in LOGO_FORMATS:
        raise LogoRejected(NOT_A_LOGO)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[info.format]) as opened:
                if info.format == "JPEG":
                    opened.draft("RGB", (LOGO_SIZE, LOGO_SIZE))
                image = ImageOps.exif_transpose(opened)
                image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise LogoRejected(TOO_MANY_PIXELS) from error
    except _DECODE_ERRORS as error:
        raise LogoRejected(DAMAGED) from error
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if has_alpha else "RGB")
    image.thumbnail((LOGO_SIZE, LOGO_SIZE), Image.Resampling.LANCZOS)
    image.info = {}  # no ICC profile, EXIF or text chunks in what we serve
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def logo_key(institution_id: int, png: bytes) -> str:
    """Where a logo is stored: named by its content, so a new logo never reuses an old address."""
    return f"institutions/{institution_id}/logo-{hashlib.sha256(png).hexdigest()[:16]}.png"
