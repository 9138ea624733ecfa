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
import math
import mmap
import shutil
import struct
import tempfile
import warnings
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from PIL import ExifTags, Image, ImageCms, TiffImagePlugin, UnidentifiedImageError

from photoid.photos import pyramid

ALLOWED_FORMATS = ("JPEG", "PNG", "TIFF", "WEBP")
#: Long side in pixels of each derivative; a smaller source keeps its own size.
DERIVATIVE_SIZES = {"thumb": 400, "display": 1600}
JPEG_QUALITY = 85

DAMAGED = "The image file is damaged or incomplete and could not be read."
NOT_AN_IMAGE = "This file is not an image; we accept JPEG, PNG, TIFF and WebP."
TOO_MANY_PIXELS = "The image has too many pixels to process safely."

#: Bytes of the file given to the decoder at a time, and the decoded size of a band.
_CHUNK = 64 * 1024
_BAND_BYTES = 4 * 1024 * 1024
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error, IndexError)


class ImageRejected(ValueError):
    """The file is not an image we accept; the message says why, for the person uploading it."""


@dataclass(frozen=True)
class SourceImage:
    format: str
    #: Upright size, after the EXIF orientation.
    width: int
    height: int


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
    for _ in _bands(source):
        pass
    return source.info


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
    colour = _Colour(source.image)
    for band in _bands(source):
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


@dataclass(frozen=True)
class _Source:
    image: Image.Image
    handle: BinaryIO
    format: str
    info: SourceImage
    #: Size of the decoded pixels and the EXIF orientation still to apply to them (Pillow already
    #: turns a TIFF it decodes whole upright: then this is its upright size, and orientation 1).
    stored_size: tuple[int, int]
    orientation: int
    #: How to decode a TIFF in bands of strips; None to decode it whole.
    tiff_layout: list[_TiffBand] | None = None


def _open(handle: BinaryIO, size: int, *, max_bytes: int | None) -> _Source:
    if max_bytes is not None and size > max_bytes:
        raise ImageRejected(f"This file is {_megabytes(size)} MB, larger than the {_megabytes(max_bytes)} MB limit.")
    head = handle.read(4096)
    handle.seek(0)
    kind = _sniff(head)
    if kind not in ALLOWED_FORMATS:
        raise ImageRejected(_refusal(kind or _identify(handle)))
    try:
        with warnings.catch_warnings():
            # A decompression-bomb warning is an error here: such a file is refused, not resized.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(handle, formats=[kind])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected(TOO_MANY_PIXELS) from exc
    except (UnidentifiedImageError, *_DECODE_ERRORS) as exc:
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
        return _Source(image, handle, kind, info, (width, height), orientation)
    try:
        layout = _tiff_layout(image, (width, height), size)
    except OSError as exc:
        raise ImageRejected(DAMAGED) from exc
    if layout is None:
        return _Source(image, handle, kind, info, (info.width, info.height), 1)
    return _Source(image, handle, kind, info, (width, height), orientation, layout)


def _sniff(head: bytes) -> str | None:
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


def _identify(handle: BinaryIO) -> str | None:
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


def _refusal(kind: str | None) -> str:
    if kind is None:
        return NOT_AN_IMAGE
    article = "an" if kind[0] in "AEIOU" or kind in ("SVG", "SGI", "MPO", "XBM", "XPM") else "a"
    return f"This file is {article} {kind} image; we accept JPEG, PNG, TIFF and WebP."


def _megabytes(count: int) -> str:
    value = count / (1024 * 1024)
    return f"{value:.0f}" if value >= 100 else f"{value:.3g}"


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
    except (*_DECODE_ERRORS, KeyError, TypeError):
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


# -- decoding in bands -------------------------------------------------------------------------


def _bands(source: _Source) -> Iterator[Image.Image]:
    """The decoded rows of ``source``, top to bottom in file order, in bands of about
    ``_BAND_BYTES`` (whole strips for TIFF), or the whole image when it cannot be streamed.
    Any decoding failure becomes ImageRejected."""
    try:
        image = source.image
        if source.tiff_layout is not None:
            yield from _tiff_bands(source, source.tiff_layout)
        elif _streamable(image, source.format):
            yield from _streamed_bands(source)
        else:
            image.load()
            yield image
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected(TOO_MANY_PIXELS) from exc
    except _DECODE_ERRORS as exc:
        raise ImageRejected(DAMAGED) from exc


#: Modes a decoder can write straight into a memory map, with their bytes per pixel (RGB has a pad byte).
_MAPPED_MODES = {"RGB": 4, "RGBA": 4, "CMYK": 4, "L": 1, "I;16": 2}


def _streamable(image: Image.Image, kind: str) -> bool:
    if len(image.tile) != 1 or image.mode not in _MAPPED_MODES or image.tile[0].extents != (0, 0, *image.size):
        return False
    if kind == "JPEG":
        return image.tile[0].codec_name == "jpeg"
    return kind == "PNG" and image.tile[0].codec_name == "zip" and not image.info.get("interlace")


def _streamed_bands(source: _Source) -> Iterator[Image.Image]:
    """Decode in one pass into an anonymous memory map, yielding each band once its rows are in.

    Rows already yielded go back to the kernel, so the resident memory is one band (plus the
    decoder's own state), not the image. The last bytes of each band's last row hold a marker
    the decoder overwrites; the decoder writes rows strictly in order, so once a marker has
    changed every row above it is final (a pixel that happens to equal its marker only delays
    that band until a later marker changes).
    """
    image = source.image
    width, height = image.size
    stride = width * _MAPPED_MODES[image.mode]
    codec, extents, offset, args = image.tile[0]
    step = max(1, _BAND_BYTES // stride)
    cuts = [*range(step, height, step), height]
    buffer = mmap.mmap(-1, stride * height, flags=mmap.MAP_PRIVATE)
    # As Image.frombuffer() does, but for RGB too: bands come out in their final mode, uncopied.
    target = Image.new(image.mode, (0, 0))._new(Image.core.map_buffer(buffer, image.size, "raw", 0, (image.mode, 0, 1)))
    marker = b"\x5a\xa5\x3c\x00\x96\x69\x0f\xf0"[: min(8, stride)]
    for cut in cuts:
        buffer[cut * stride - len(marker) : cut * stride] = marker
    decoder = Image._getdecoder(image.mode, codec, args, image.decoderconfig)
    released = 0
    try:
        decoder.setimage(target.im, extents)
        # PNG reads its data through the plugin (IDAT chunks); it must not allocate its own image.
        image.im = target.im
        image.load_prepare()
        read = source.handle.read if source.format == "JPEG" else image.load_read  # type: ignore[attr-defined]
        source.handle.seek(offset)
        data = b""
        done = start = 0
        finished = False
        while not finished:
            chunk = read(_CHUNK)
            if not chunk:
                raise OSError("image data ends early")
            data += chunk
            consumed, error = decoder.decode(data)
            if consumed < 0:
                if error < 0:
                    raise OSError(f"decoder error {error}")
                finished = True
            else:
                data = data[consumed:]
            ready = len(cuts) if finished else _completed(buffer, stride, cuts, done, marker)
            for cut in cuts[done:ready]:
                band = target.crop((0, start, width, cut))
                start = cut
                end = cut * stride // mmap.PAGESIZE * mmap.PAGESIZE
                if end > released and hasattr(buffer, "madvise"):
                    buffer.madvise(mmap.MADV_DONTNEED, released, end - released)
                    released = end
                yield band
            done = max(done, ready)
    finally:
        decoder.cleanup()
        image.im = None
        # The decoder and the mapped image hold the map; it can only close once they are gone.
        del decoder, target
        try:
            buffer.close()
        except BufferError:
            pass  # a band still refers to it (only after an error): the garbage collector closes it


def _completed(buffer: mmap.mmap, stride: int, cuts: list[int], done: int, marker: bytes) -> int:
    """How many cuts have all their rows decoded: up to the last one whose marker changed."""
    ready = done
    for index in range(done, len(cuts)):
        end = cuts[index] * stride
        if buffer[end - len(marker) : end] != marker:
            ready = index + 1
    return ready


# -- TIFF: a small TIFF per group of strips --------------------------------------------------------

#: Tags that say how to decode the strips; everything else (metadata, sub-IFDs) stays behind.
_TIFF_DECODING_TAGS = (258, 259, 262, 266, 277, 284, 317, 320, 322, 323, 332, 338, 339, 340, 341, 347, 529, 530,
                       531, 532)
_STRIP_OFFSETS, _STRIP_COUNTS, _TILE_OFFSETS, _TILE_COUNTS = 273, 279, 324, 325


@dataclass(frozen=True)
class _TiffBand:
    rows: int
    #: (offset, byte count) of each strip or tile, in the order the small TIFF lists them.
    pieces: list[tuple[int, int]]
    rows_per_strip: int


def _tiff_layout(image: Image.Image, size: tuple[int, int], file_size: int) -> list[_TiffBand] | None:
    """How to cut the first page into bands of whole strips, or rows of tiles; None to decode it whole."""
    tags = image.tag_v2  # type: ignore[attr-defined]
    width, height = size
    planes = tags.get(277, 1) if tags.get(284, 1) == 2 else 1
    target_rows = max(1, _BAND_BYTES // (width * 4))
    tiled = _TILE_OFFSETS in tags
    offsets, counts = (tags.get(_TILE_OFFSETS), tags.get(_TILE_COUNTS)) if tiled else (
        tags.get(_STRIP_OFFSETS), tags.get(_STRIP_COUNTS))
    if not offsets or not counts or len(offsets) != len(counts) or tags.get(259, 1) == 6:
        return None
    if any(offset + count > file_size for offset, count in zip(offsets, counts)):
        raise OSError("strips outside the file")
    if tiled:
        across = math.ceil(width / tags[322])
        block_rows = tags[323]
    else:
        across = 1
        block_rows = min(tags.get(278, height), height)
    down = math.ceil(height / block_rows)
    if len(offsets) < across * down * planes:  # the header claims more rows than the file has strips for
        raise OSError("strips do not cover the image")
    if len(offsets) != across * down * planes:
        return None
    if not tiled and down == 1 and planes == 1 and tags.get(259, 1) == 1 and height > target_rows:
        # One uncompressed strip: its rows are plain bytes, so cut it into strips ourselves.
        row_bytes = math.ceil(width * sum(tags.get(258, (1,))) / 8)
        if row_bytes * height > counts[0]:
            raise OSError("strip too short")
        block_rows = target_rows
        down = math.ceil(height / block_rows)
        offsets = tuple(offsets[0] + row * block_rows * row_bytes for row in range(down))
        counts = tuple(min(block_rows, height - row * block_rows) * row_bytes for row in range(down))
    per_band = max(1, target_rows // block_rows)
    bands = []
    for first in range(0, down, per_band):
        rows_of_blocks = range(first, min(first + per_band, down))
        pieces = [
            (offsets[index], counts[index])
            for plane in range(planes)
            for row in rows_of_blocks
            for index in range(plane * across * down + row * across, plane * across * down + (row + 1) * across)
        ]
        bands.append(_TiffBand(min(len(rows_of_blocks) * block_rows, height - first * block_rows), pieces, block_rows))
    return bands


def _tiff_bands(source: _Source, layout: list[_TiffBand]) -> Iterator[Image.Image]:
    image = source.image
    tags = image.tag_v2  # type: ignore[attr-defined]
    width = source.stored_size[0]
    for band in layout:
        part = Image.open(io.BytesIO(_small_tiff(tags, width, band, source.handle)), formats=["TIFF"])
        part.load()
        if part.size != (width, band.rows) or part.mode != image.mode:
            raise OSError("strip decoded to an unexpected image")
        yield part


def _small_tiff(tags: TiffImagePlugin.ImageFileDirectory_v2, width: int, band: _TiffBand, handle: BinaryIO) -> bytes:
    """A TIFF holding only the strips (or tiles) of one band: header, directory, then the data."""
    strips = []
    for offset, count in band.pieces:
        handle.seek(offset)
        piece = handle.read(count)
        if len(piece) != count:
            raise OSError("strip cut short")
        strips.append(piece)
    tiled = _TILE_OFFSETS in tags
    directory = TiffImagePlugin.ImageFileDirectory_v2(prefix=tags.prefix)
    for tag in _TIFF_DECODING_TAGS:
        if tag in tags:
            directory.tagtype[tag] = {16: 4, 17: 9}.get(tags.tagtype[tag], tags.tagtype[tag])  # no BigTIFF types
            directory[tag] = tags[tag]
    directory.tagtype[256] = directory.tagtype[257] = 4
    directory[256], directory[257] = width, band.rows
    offsets_tag, counts_tag = (_TILE_OFFSETS, _TILE_COUNTS) if tiled else (_STRIP_OFFSETS, _STRIP_COUNTS)
    if not tiled:
        directory.tagtype[278] = 4
        directory[278] = band.rows_per_strip
    directory.tagtype[offsets_tag] = directory.tagtype[counts_tag] = 4
    directory[counts_tag] = tuple(len(strip) for strip in strips)
    starts = [sum(len(strip) for strip in strips[:i]) for i in range(len(strips))]
    # tobytes() moves StripOffsets past the directory itself; TileOffsets must be given in full.
    directory[offsets_tag] = tuple(starts)
    if tiled:
        end = 8 + len(directory.tobytes(8))
        directory[offsets_tag] = tuple(end + start for start in starts)
    endian = "<" if tags.prefix == b"II" else ">"
    header = tags.prefix + struct.pack(endian + "HL", 42, 8)
    return header + directory.tobytes(8) + b"".join(strips)


# -- colour ------------------------------------------------------------------------------------

_SRGB: ImageCms.ImageCmsProfile | None = None


def _srgb() -> ImageCms.ImageCmsProfile:
    global _SRGB
    if _SRGB is None:
        _SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    return _SRGB


class _Colour:
    """Turns decoded bands into 8-bit sRGB ("RGB") or greyscale ("L") pixels.

    16-bit samples are scaled (not clipped) to 8 bits; transparency is flattened on white; an
    embedded ICC profile (or CMYK, or CIELab) is converted to sRGB with LittleCMS. A greyscale
    profile is dropped: grey stays grey.
    """

    def __init__(self, image: Image.Image) -> None:
        self._icc = image.info.get("icc_profile")
        self._transparency = image.info.get("transparency")
        self._transforms: dict[str, ImageCms.ImageCmsTransform | None] = {}

    def __call__(self, band: Image.Image) -> Image.Image:
        band = self._eight_bit(band)
        if band.mode == "P":
            band = band.convert("RGBA" if self._transparency is not None or "transparency" in band.info else "RGB")
        elif band.mode in ("1", "La"):
            band = band.convert("L" if band.mode == "1" else "LA")
        elif band.mode in ("PA", "RGBa"):
            band = band.convert("RGBA")
        if band.mode in ("LA", "RGBA"):
            band = _on_white(band)
        if band.mode in ("L", "RGB"):
            transform = self._transform("RGB") if band.mode == "RGB" else None
            if transform is not None:
                transform.apply_in_place(band)
            return band
        transform = self._transform(band.mode)
        return transform.apply(band) if transform is not None else band.convert("RGB")

    @staticmethod
    def _eight_bit(band: Image.Image) -> Image.Image:
        if band.mode.startswith("I;16") or band.mode == "I":
            return band.convert("I").point(lambda value: value / 257).convert("L")
        if band.mode == "F":
            return band.point(lambda value: value * 255).convert("L")
        return band

    def _transform(self, mode: str) -> ImageCms.ImageCmsTransform | None:
        if mode not in self._transforms:
            self._transforms[mode] = self._build(mode)
        return self._transforms[mode]

    def _build(self, mode: str) -> ImageCms.ImageCmsTransform | None:
        intent = ImageCms.Intent.PERCEPTUAL
        try:
            if mode == "LAB":
                return ImageCms.buildTransform(ImageCms.createProfile("LAB"), _srgb(), "LAB", "RGB", intent)
            if not self._icc or mode not in ("RGB", "CMYK"):
                return None
            profile = ImageCms.ImageCmsProfile(io.BytesIO(self._icc))
            if mode == "RGB" and "srgb" in (ImageCms.getProfileDescription(profile) or "").lower():
                return None  # already sRGB: skip the work
            return ImageCms.buildTransform(profile, _srgb(), mode, "RGB", intent)
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            return None  # an unusable profile: keep the pixels as they are


def _on_white(band: Image.Image) -> Image.Image:
    base = Image.new(band.mode[:-1], band.size, 255 if band.mode == "LA" else (255, 255, 255))
    base.paste(band.convert(band.mode[:-1]), mask=band.getchannel("A"))
    return base


__all__ = [
    "ALLOWED_FORMATS",
    "DERIVATIVE_SIZES",
    "ImageRejected",
    "SourceImage",
    "inspect",
    "make_derivatives",
    "process_image",
]
