"""Image checks, decoding and derivatives with Pillow: thumbnail, display image and IIIF tiles.

Formats are detected from the bytes, never the file name. Every output is an sRGB (or
greyscale) JPEG with no EXIF, GPS, XMP, ICC or comment.

Memory stays flat whatever the size of the source: pixels are decoded once, a band of rows at a
time, and each band goes straight into the tile pyramid (:class:`~photoid.photos.pyramid.
PyramidBuilder`), which keeps one row of tiles per level. How the bands are obtained:

- JPEG and non-interlaced PNG: one decoder, fed the file in small chunks, writes into an
  anonymous memory map the size of the image; finished rows are cut into a band, then their
  pages are given back to the kernel (``madvise(MADV_DONTNEED)``), so only the rows between
  two cuts are ever resident. A marker in the last row of each band tells when it is done.
- TIFF: for each group of strips (or row of tiles) a small TIFF holding only those strips is
  assembled in memory and decoded by Pillow/libtiff, whatever the compression.
- Anything else (WebP, interlaced PNG, a palette or 1-bit image, a TIFF with one compressed
  strip) is decoded whole. A progressive JPEG is streamed too, but libjpeg needs the whole
  coefficient buffer first and delivers every row in its last call. docs/performance.md says
  how much memory each case takes.
"""
from __future__ import annotations

import io
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import BinaryIO

from PIL import ExifTags, Image, UnidentifiedImageError

from photoid.photos import pyramid
from photoid.photos.image_bands import Source, bands, tiff_layout
from photoid.photos.image_checks import (
    ALLOWED_FORMATS,
    DAMAGED,
    DECODE_ERRORS,
    TOO_MANY_PIXELS,
    ImageRejected,
    SourceImage,
    identify,
    megabytes,
    refusal,
    sniff,
)
from photoid.photos.image_colour import Colour

#: Long side in pixels of each derivative; a smaller source keeps its own size.
DERIVATIVE_SIZES = {"thumb": 400, "display": 1600}
JPEG_QUALITY = 85

# -- public API --------------------------------------------------------------------------------


def process_image(
    source: Path, out_dir: Path, *, tile_size: int = pyramid.TILE_SIZE, max_bytes: int | None = None
) -> SourceImage:
    """Check ``source`` and write its derivatives and IIIF tiles into the empty folder ``out_dir``.

    Writes ``thumb.jpg``, ``display.jpg`` and ``iiif/<region>/<size>/0/default.jpg`` for every
    tile and size that :func:`pyramid.info_fragment` advertises for the same ``tile_size``.
    The source is decoded once, in bands, so memory does not grow with its size (see the module
    docstring). Raises ImageRejected, with a message for the person who sent the file, when it is
    not an image we accept, and ValueError when ``out_dir`` is not empty; after an error
    ``out_dir`` is left empty.
    """
    out_dir = Path(out_dir)
    if any(out_dir.iterdir()):
        raise ValueError(f"{out_dir} is not empty")
    try:
        with Path(source).open("rb") as handle:
            return _derive(handle, out_dir, tile_size=tile_size, max_bytes=max_bytes, tiles=True)
    except BaseException:
        for child in out_dir.iterdir():
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
        raise


def inspect(data: bytes) -> SourceImage:
    """Decode the file fully (so damage is caught) and report its format and upright size.

    JPEG is decoded at 1/8 scale (``Image.draft``): every byte is still read and checked.
    """
    source = _open(io.BytesIO(data), len(data), max_bytes=None)
    image = source.image
    if source.format == "JPEG":
        image.draft(None, (max(1, image.width // 8), max(1, image.height // 8)))
    for _ in bands(source):
        pass
    return source.info


def examine(data: bytes, *, max_bytes: int | None) -> SourceImage:
    """The format and upright size from the file's header, without decoding the pixels: what an
    upload is checked with before it waits for a worker. Raises ImageRejected for a file that is not
    an image we accept, too large, or with too many pixels (damage further in is found by
    :func:`process_image`)."""
    return _open(io.BytesIO(data), len(data), max_bytes=max_bytes).info


def make_derivatives(data: bytes) -> dict[str, bytes]:
    """The JPEG derivatives of an accepted image, keyed by variant name (``thumb``, ``display``)."""
    with tempfile.TemporaryDirectory(prefix="photoid-") as folder:
        _derive(io.BytesIO(data), Path(folder), tile_size=pyramid.TILE_SIZE, max_bytes=None, tiles=False)
        return {variant: (Path(folder) / f"{variant}.jpg").read_bytes() for variant in DERIVATIVE_SIZES}


# -- the pipeline --------------------------------------------------------------------------------


def _derive(handle: BinaryIO, out_dir: Path, *, tile_size: int, max_bytes: int | None, tiles: bool) -> SourceImage:
    size = handle.seek(0, io.SEEK_END)
    handle.seek(0)
    source = _open(handle, size, max_bytes=max_bytes)
    width, height = source.info.width, source.info.height
    factors = pyramid.scale_factors(width, height, tile_size)
    plan = {variant: _plan(width, height, long_side, factors) for variant, long_side in DERIVATIVE_SIZES.items()}
    builder = pyramid.PyramidBuilder(
        out_dir if tiles else None,
        source.stored_size,
        save=_save_tile,
        orientation=source.orientation,
        tile=tile_size,
        keep={factor for factor, _ in plan.values()},
    )
    colour = Colour(source.image)
    for band in bands(source):
        builder.feed(colour(band))
    builder.finish()
    for variant, (factor, target) in plan.items():
        level = builder.kept(factor)
        working = (target[1], target[0]) if builder.transposed else target
        if level.size != working:  # from at most twice the size: bicubic, as Image.thumbnail() does
            level = level.resize(working, Image.Resampling.BICUBIC)
        _save_jpeg(builder.upright(level), out_dir / f"{variant}.jpg", progressive=True)
    return source.info


def _plan(width: int, height: int, long_side: int, factors: list[int]) -> tuple[int, tuple[int, int]]:
    """The pyramid level a derivative is made from (the smallest one at least as large) and its size."""
    if max(width, height) <= long_side:
        return 1, (width, height)
    scale = long_side / max(width, height)
    target = (max(1, round(width * scale)), max(1, round(height * scale)))
    factor = max(f for f in factors if max(pyramid.level_size(width, height, f)) >= long_side)
    return factor, target


def _save_tile(image: Image.Image, path: Path) -> None:
    # Baseline with standard Huffman tables: optimised tables save ~8% and cost ~3x the time.
    _save_jpeg(image, path, progressive=False)


def _save_jpeg(image: Image.Image, path: Path, *, progressive: bool) -> None:
    # Only what is passed here is written: no EXIF, ICC or XMP; comment="" drops a source COM.
    image.save(path, "JPEG", quality=JPEG_QUALITY, progressive=progressive, optimize=progressive, comment="")


# -- opening and checking ------------------------------------------------------------------------


def _open(handle: BinaryIO, size: int, *, max_bytes: int | None) -> Source:
    if max_bytes is not None and size > max_bytes:
        raise ImageRejected(f"This file is {megabytes(size)} MB, larger than the {megabytes(max_bytes)} MB limit.")
    head = handle.read(4096)
    handle.seek(0)
    kind = sniff(head)
    if kind not in ALLOWED_FORMATS:
        raise ImageRejected(refusal(kind or identify(handle)))
    try:
        with warnings.catch_warnings():
            # A decompression-bomb warning is an error here: such a file is refused, not resized.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(handle, formats=[kind])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected(TOO_MANY_PIXELS) from exc
    except (UnidentifiedImageError, *DECODE_ERRORS) as exc:
        raise ImageRejected(DAMAGED) from exc
    orientation = _orientation(image, kind)
    # Pillow reports a TIFF's size upright already; its pixels are stored as the tags say.
    width, height = image.size if kind != "TIFF" else (image.tag_v2[256], image.tag_v2[257])  # type: ignore
    if not isinstance(width, int) or not isinstance(height, int) or width < 1 or height < 1:
        raise ImageRejected(DAMAGED)
    if Image.MAX_IMAGE_PIXELS and width * height > Image.MAX_IMAGE_PIXELS:
        raise ImageRejected(TOO_MANY_PIXELS)
    info = SourceImage(kind, *((height, width) if orientation >= 5 else (width, height)))
    if kind != "TIFF":
        return Source(image, handle, kind, info, (width, height), orientation)
    try:
        layout = tiff_layout(image, (width, height), size)
    except OSError as exc:
        raise ImageRejected(DAMAGED) from exc
    if layout is None:
        return Source(image, handle, kind, info, (info.width, info.height), 1)
    return Source(image, handle, kind, info, (width, height), orientation, layout)


def _orientation(image: Image.Image, kind: str) -> int:
    """The EXIF orientation (1-8), read without decoding the pixels; 1 when absent or unreadable."""
    try:
        if kind == "TIFF":
            value = image.tag_v2.get(ExifTags.Base.Orientation, 1)  # type: ignore[attr-defined]
        elif kind == "PNG":  # PngImageFile.getexif() would decode the whole image
            exif = Image.Exif()
            if raw := image.info.get("exif"):
                exif.load(raw)
            value = exif.get(ExifTags.Base.Orientation, 1)
        else:
            value = image.getexif().get(ExifTags.Base.Orientation, 1)
    except (*DECODE_ERRORS, KeyError, TypeError):
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


__all__ = [  # what other modules take from here; the pieces live in image_checks, image_bands and image_colour
    "ALLOWED_FORMATS",
    "DAMAGED",
    "TOO_MANY_PIXELS",
    "DERIVATIVE_SIZES",
    "ImageRejected",
    "SourceImage",
    "examine",
    "inspect",
    "make_derivatives",
    "process_image",
]
