"""Crops of a photo's display image: the face or building inside an identification's box.

One implementation for the moderation queue's cards and the public person, place and event
pages. A crop is cut from the display derivative once and kept next to the derivatives, named
by the photo's checksum and the box, so the next request sends the file without decoding.
"""
from __future__ import annotations

import hashlib
import io
from pathlib import PurePosixPath
from typing import BinaryIO, Protocol

from PIL import Image, ImageDraw

from photoid.photos.storage import NotStored, Storage, derivative_key, photo_prefix

#: Longest side of a crop in pixels.
CROP_SIZE = 480
JPEG_QUALITY = 85
#: A crop "in context" (the moderation card) shows the box with this much of its own width and
#: height around it on each side, and is at least CONTEXT_MIN display pixels a side (when the image
#: allows), so a small face is shown with its surroundings at its own sharpness, not enlarged to a blur.
CONTEXT_MARGIN = 0.6
CONTEXT_MIN = 320
OUTLINE = ((20, 20, 20), (255, 214, 0))  # a dark line outside a yellow one: seen on light and dark photos


class Boxed(Protocol):
    """Anything with a region stored as fractions of the image (an Identification)."""

    region_x: float | None
    region_y: float | None
    region_w: float | None
    region_h: float | None


def region_of(item: Boxed) -> tuple[float, float, float, float] | None:
    """The box as (x, y, width, height) fractions, or None when nothing was marked."""
    values = (item.region_x, item.region_y, item.region_w, item.region_h)
    if any(v is None for v in values):
        return None
    return values  # type: ignore[return-value]


def pixel_box(size: tuple[int, int], region: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
    """The region in pixels of an image of ``size``, at least one pixel wide and high, inside the image."""
    width, height = size
    x, y, w, h = region
    left = min(max(0, int(x * width)), width - 1)
    top = min(max(0, int(y * height)), height - 1)
    right = max(left + 1, min(width, round((x + w) * width)))
    bottom = max(top + 1, min(height, round((y + h) * height)))
    return left, top, right, bottom


def context_box(size: tuple[int, int], box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """A window around the pixel ``box``: CONTEXT_MARGIN of the box on each side, at least CONTEXT_MIN
    a side, kept inside an image of ``size`` (moved, not cut, where the box is near an edge)."""
    width, height = size
    left, top, right, bottom = box

    def span(low: int, high: int, limit: int) -> tuple[int, int]:
        want = min(limit, max(CONTEXT_MIN, round((high - low) * (1 + 2 * CONTEXT_MARGIN))))
        start = max(0, min(limit - want, (low + high - want) // 2))
        return start, start + want

    (x0, x1), (y0, y1) = span(left, right, width), span(top, bottom, height)
    return x0, y0, x1, y1


def _outline(part: Image.Image, box: tuple[int, int, int, int], scale: float) -> None:
    """Draw the box on ``part`` (already scaled by ``scale``): a yellow line with a dark edge outside."""
    draw = ImageDraw.Draw(part)
    left, top, right, bottom = (round(v * scale) for v in box)
    for grow, colour in zip((4, 2), OUTLINE):
        draw.rectangle((left - grow, top - grow, right - 1 + grow, bottom - 1 + grow), outline=colour, width=2)


def crop_jpeg(source: BinaryIO, region: tuple[float, float, float, float], *, size: int = CROP_SIZE,
              context: bool = False) -> bytes:
    """The region cut from the image read from ``source``, at most ``size`` pixels a side, as JPEG bytes.

    With ``context``, the region is outlined on a larger window of the image around it (see
    :func:`context_box`). Raises OSError or ValueError when the image cannot be read.
    """
    with Image.open(source) as image:
        box = pixel_box(image.size, region)
        window = context_box(image.size, box) if context else box
        part = image.crop(window).convert("RGB")
        part.thumbnail((size, size))
        if context:
            inner = (box[0] - window[0], box[1] - window[1], box[2] - window[0], box[3] - window[1])
            _outline(part, inner, part.width / (window[2] - window[0]))
        buffer = io.BytesIO()
        part.save(buffer, "JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()


def crop_key(checksum: str, region: tuple[float, float, float, float], *, size: int = CROP_SIZE,
             context: bool = False) -> str:
    """The storage key of a cached crop: the photo's folder, then a name made from the box, size and kind."""
    name = hashlib.sha256(("%.6f,%.6f,%.6f,%.6f,%d" % (*region, size) + (",context" if context else "")).encode()).hexdigest()[:24]
    return f"{photo_prefix(checksum)}/regions/{name}.jpg"


def read_crop(store: Storage, checksum: str, region: tuple[float, float, float, float], *,
              size: int = CROP_SIZE, context: bool = False) -> tuple[bytes, str] | None:
    """The crop's JPEG bytes and a stable ETag for them; None when there is no picture.

    Cuts the crop from the display image and stores it the first time (``Storage.put``: a
    half-written crop is never served). Returns None, rather than raising, when the display image
    is missing or unreadable. Reading the small file whole leaves no open file behind the response.
    """
    key = crop_key(checksum, region, size=size, context=context)
    etag = PurePosixPath(key).stem
    try:
        with store.open(key) as stored:
            return stored.read(), etag
    except NotStored:
        pass
    try:
        with store.open(derivative_key(checksum, "display")) as display:
            data = crop_jpeg(display, region, size=size, context=context)
    except (NotStored, OSError, ValueError):
        return None
    store.put(key, data)
    return data, etag
