"""Decoding an image a band of rows at a time, so memory stays flat whatever its size (see the
docstring of photos/images.py for how each format is streamed)."""
from __future__ import annotations

import io
import math
import mmap
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image, TiffImagePlugin

from photoid.photos.image_checks import DAMAGED, DECODE_ERRORS, TOO_MANY_PIXELS, ImageRejected, SourceImage

#: Bytes of the file given to the decoder at a time, and the decoded size of a band.
_CHUNK = 64 * 1024
_BAND_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Source:
    image: Image.Image
    handle: BinaryIO
    format: str
    info: SourceImage
    #: Size of the decoded pixels and the EXIF orientation still to apply to them (Pillow already
    #: turns a TIFF it decodes whole upright: then this is its upright size, and orientation 1).
    stored_size: tuple[int, int]
    orientation: int
    #: How to decode a TIFF in bands of strips; None to decode it whole.
    tiff_layout: list[TiffBand] | None = None


def bands(source: Source) -> Iterator[Image.Image]:
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
    except DECODE_ERRORS as exc:
        raise ImageRejected(DAMAGED) from exc


#: Modes a decoder can write straight into a memory map, with their bytes per pixel (RGB has a pad byte).
_MAPPED_MODES = {"RGB": 4, "RGBA": 4, "CMYK": 4, "L": 1, "I;16": 2}


def _streamable(image: Image.Image, kind: str) -> bool:
    if len(image.tile) != 1 or image.mode not in _MAPPED_MODES or image.tile[0].extents != (0, 0, *image.size):
        return False
    if kind == "JPEG":
        return image.tile[0].codec_name == "jpeg"
    return kind == "PNG" and image.tile[0].codec_name == "zip" and not image.info.get("interlace")


def _streamed_bands(source: Source) -> Iterator[Image.Image]:
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
class TiffBand:
    rows: int
    #: (offset, byte count) of each strip or tile, in the order the small TIFF lists them.
    pieces: list[tuple[int, int]]
    rows_per_strip: int


def tiff_layout(image: Image.Image, size: tuple[int, int], file_size: int) -> list[TiffBand] | None:
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
        bands.append(TiffBand(min(len(rows_of_blocks) * block_rows, height - first * block_rows), pieces, block_rows))
    return bands


def _tiff_bands(source: Source, layout: list[TiffBand]) -> Iterator[Image.Image]:
    image = source.image
    tags = image.tag_v2  # type: ignore[attr-defined]
    width = source.stored_size[0]
    for band in layout:
        part = Image.open(io.BytesIO(_small_tiff(tags, width, band, source.handle)), formats=["TIFF"])
        part.load()
        if part.size != (width, band.rows) or part.mode != image.mode:
            raise OSError("strip decoded to an unexpected image")
        yield part


def _small_tiff(tags: TiffImagePlugin.ImageFileDirectory_v2, width: int, band: TiffBand, handle: BinaryIO) -> bytes:
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
