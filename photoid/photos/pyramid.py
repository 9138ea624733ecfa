"""Static IIIF Image API 3.0 (level 0) tiles: the geometry OpenSeadragon asks for, and the writer.

A level-0 server only has the files it wrote in advance, so every URL a viewer may request has
to exist. The geometry here copies OpenSeadragon 5's ``IIIFTileSource.getTileUrl`` (version 3)
exactly: the scale factors 1, 2, 4, ... up to the first level that fits in one tile; at each
level ``ceil(W/s)`` by ``ceil(H/s)`` pixels; a level smaller than a tile in both directions is
requested whole (``full/<w>,<h>``), any other level tile by tile.

:class:`PyramidBuilder` writes all of it from ONE pass over the full-resolution pixels, which it
receives as horizontal bands in file order: each level is the previous one halved with
``Image.reduce(2)``, one tile row at a time, so memory holds a tile row per level and never a
whole large image.
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

TILE_SIZE = 512
#: ``sizes`` in info.json lists the whole image at each level up to this many tiles on its long
#: side: enough for any thumbnail a IIIF client asks for, without a full-size copy of a huge scan.
SIZES_MAX_TILES = 2

#: EXIF orientation -> (rows reversed, columns reversed, transposed): how the upright image, or
#: for 5-8 its transpose, is laid out in the file. Pixel rows arrive in file order.
_ORIENTATIONS = {
    1: (False, False, False),
    2: (False, True, False),
    3: (True, True, False),
    4: (True, False, False),
    5: (False, False, True),
    6: (True, False, True),
    7: (True, True, True),
    8: (False, True, True),
}


@dataclass(frozen=True)
class Tile:
    """One file of the pyramid: its IIIF region and size, and where it is in its level."""

    region: str
    size: str
    scale_factor: int
    #: (left, upper, right, lower) in the pixels of the level, as for ``Image.crop``.
    box: tuple[int, int, int, int]

    @property
    def path(self) -> str:
        return relative_path(self.region, self.size)


def relative_path(region: str, size: str) -> str:
    """Where the file for a IIIF request lives inside a photo's folder."""
    return f"iiif/{region}/{size}/0/default.jpg"


def scale_factors(width: int, height: int, tile: int = TILE_SIZE) -> list[int]:
    """1, 2, 4, ... up to the first factor at which the whole image fits in one tile."""
    _check(width, height, tile)
    factors = [1]
    while math.ceil(width / factors[-1]) > tile or math.ceil(height / factors[-1]) > tile:
        factors.append(factors[-1] * 2)
    return factors


def level_size(width: int, height: int, scale_factor: int) -> tuple[int, int]:
    return math.ceil(width / scale_factor), math.ceil(height / scale_factor)


def tile_at(width: int, height: int, scale_factor: int, x: int, y: int, tile: int = TILE_SIZE) -> Tile:
    """The tile OpenSeadragon requests for column ``x`` and row ``y`` of a level."""
    level_w, level_h = level_size(width, height, scale_factor)
    if level_w < tile and level_h < tile:
        size = "max" if (level_w, level_h) == (width, height) else f"{level_w},{level_h}"
        return Tile("full", size, scale_factor, (0, 0, level_w, level_h))
    span = tile * scale_factor
    region_x, region_y = x * span, y * span
    region_w, region_h = min(span, width - region_x), min(span, height - region_y)
    if x == 0 and y == 0 and region_w == width and region_h == height:
        region = "full"
    else:
        region = f"{region_x},{region_y},{region_w},{region_h}"
    size_w, size_h = min(tile, level_w - x * tile), min(tile, level_h - y * tile)
    size = "max" if (size_w, size_h) == (width, height) else f"{size_w},{size_h}"
    return Tile(region, size, scale_factor, (x * tile, y * tile, x * tile + size_w, y * tile + size_h))


def iter_tiles(width: int, height: int, tile: int = TILE_SIZE) -> Iterator[Tile]:
    """Every tile of every level, level by level, row by row."""
    for factor in scale_factors(width, height, tile):
        level_w, level_h = level_size(width, height, factor)
        if level_w < tile and level_h < tile:
            yield tile_at(width, height, factor, 0, 0, tile)
            continue
        for y in range(math.ceil(level_h / tile)):
            for x in range(math.ceil(level_w / tile)):
                yield tile_at(width, height, factor, x, y, tile)


def advertised_sizes(width: int, height: int, tile: int = TILE_SIZE) -> list[tuple[int, int]]:
    """The whole-image sizes listed in info.json (smallest first): every level no longer than
    ``SIZES_MAX_TILES`` tiles. Always the smallest levels, so OpenSeadragon, which reads
    ``sizes`` as level sizes when their count matches the levels, gets the same numbers."""
    sizes = []
    for factor in reversed(scale_factors(width, height, tile)):
        level_w, level_h = level_size(width, height, factor)
        if max(level_w, level_h) > SIZES_MAX_TILES * tile:
            break
        sizes.append((level_w, level_h))
    return sizes


def size_path(width: int, height: int, size: tuple[int, int]) -> str:
    """The file of one of the :func:`advertised_sizes`."""
    label = "max" if size == (width, height) else f"{size[0]},{size[1]}"
    return relative_path("full", label)


def max_size(width: int, height: int, tile: int = TILE_SIZE) -> tuple[int, int]:
    """What ``full/max`` serves: the largest of the :func:`advertised_sizes`. Level 0 requires
    ``max``, and only these whole-image files exist (a full-size copy of a large scan would need
    all its pixels in memory at ingest), so a larger photo declares this as its maxWidth/maxHeight."""
    return advertised_sizes(width, height, tile)[-1]


def request_path(width: int, height: int, region: str, size: str) -> str:
    """The file for a IIIF ``region``/``size`` request (it may not exist: not advertised)."""
    if region == "full" and size == "max":
        return size_path(width, height, max_size(width, height))
    return relative_path(region, size)


def info_fragment(width: int, height: int, tile: int = TILE_SIZE) -> dict[str, object]:
    """The ``tiles`` and ``sizes`` members of info.json, matching the files written, and
    ``maxWidth``/``maxHeight`` when ``max`` is smaller than the photo."""
    fragment: dict[str, object] = {
        "tiles": [{"width": tile, "height": tile, "scaleFactors": scale_factors(width, height, tile)}],
        "sizes": [{"width": w, "height": h} for w, h in advertised_sizes(width, height, tile)],
    }
    largest = max_size(width, height, tile)
    if largest != (width, height):
        fragment["maxWidth"], fragment["maxHeight"] = largest
    return fragment


def _check(width: int, height: int, tile: int) -> None:
    if width < 1 or height < 1 or tile < 1:
        raise ValueError(f"invalid pyramid geometry {width}x{height}, tile {tile}")


SaveJpeg = Callable[[Image.Image, Path], None]


class PyramidBuilder:
    """Builds every level from the full-resolution pixels, given once, in file order.

    ``feed`` takes bands of rows as they are decoded (any height, file orientation); the builder
    turns them upright with the EXIF ``orientation``, writes each tile as soon as its row of tiles
    is complete, and keeps whole only the levels listed in ``keep`` (small ones, for the
    thumbnail and display images). With ``out_dir=None`` it writes nothing.

    To stay upright while reading rows in file order, it works in a frame where file rows are
    rows: the upright image, or its transpose for orientations 5-8 (tiles are transposed back
    when saved). Tile rows are anchored at the upright origin, so when file rows run bottom-up
    the cuts are counted from the end of the file and tile rows complete in reverse order.
    """

    def __init__(
        self,
        out_dir: Path | None,
        stored_size: tuple[int, int],
        *,
        save: SaveJpeg,
        orientation: int = 1,
        tile: int = TILE_SIZE,
        keep: Iterable[int] = (),
    ) -> None:
        self.out_dir = out_dir
        self.tile = tile
        self._save = save
        self._rows_reversed, self._cols_reversed, self.transposed = _ORIENTATIONS.get(orientation, _ORIENTATIONS[1])
        stored_w, stored_h = stored_size
        self.width, self.height = (stored_h, stored_w) if self.transposed else (stored_w, stored_h)
        self.factors = scale_factors(self.width, self.height, tile)
        # Level sizes in the working frame (file rows are rows).
        self._sizes = [level_size(stored_w, stored_h, factor) for factor in self.factors]
        self._slab_counts = [math.ceil(h / tile) for _, h in self._sizes]
        self._keep = set(keep) & set(self.factors)
        if out_dir is not None:
            advertised = set(advertised_sizes(self.width, self.height, tile))
            self._keep |= {f for f, size in zip(self.factors, self._sizes) if self._upright(size) in advertised}
        self._kept: dict[int, Image.Image] = {}
        self._halves: list[dict[int, Image.Image]] = [{} for _ in self.factors]
        self._written: set[str] = set()
        self._folders: set[Path] = set()
        self._tiles = {(t.scale_factor, *self._grid(t)): t for t in iter_tiles(self.width, self.height, tile)}
        # Where file rows are cut into tile rows of level 0, in file order.
        heights = [min(tile, stored_h - i * tile) for i in range(self._slab_counts[0])]
        self._cuts = list(itertools.accumulate(reversed(heights) if self._rows_reversed else heights))
        self._stored_width = stored_w
        self._row = 0
        self._pending: Image.Image | None = None
        self._done = 0
        #: Complete rows of tiles waiting to be written: (level, row, pixels).
        self._ready: list[tuple[int, int, Image.Image]] = []

    # -- input ---------------------------------------------------------------------------------

    def feed(self, band: Image.Image) -> None:
        """Take the next rows of the full-resolution image (file orientation, any count)."""
        if band.width != self._stored_width:
            raise ValueError(f"a band {band.width} pixels wide for an image {self._stored_width} wide")
        top = 0
        while top < band.height:
            if self._done == len(self._cuts):
                raise ValueError("more rows than the image has")
            cut = self._cuts[self._done]
            start = self._cuts[self._done - 1] if self._done else 0
            take = min(cut - self._row, band.height - top)
            piece = band if top == 0 and take == band.height else band.crop((0, top, band.width, top + take))
            if self._pending is None and take == cut - start:
                slab = piece
            else:
                if self._pending is None:
                    self._pending = Image.new(band.mode, (band.width, cut - start), None)
                self._pending.paste(piece, (0, self._row - start))
                slab = self._pending
            self._row += take
            top += take
            if self._row == cut:
                self._pending = None
                index = self._done if not self._rows_reversed else len(self._cuts) - 1 - self._done
                self._done += 1
                self._ready.append((0, index, self._to_working(slab)))
                del slab, piece
                self._climb()

    def finish(self) -> None:
        """Check that every row arrived and write the whole-image sizes."""
        if self._done != len(self._cuts):
            raise ValueError("the image ended early")
        if self.out_dir is None:
            return
        for size in advertised_sizes(self.width, self.height, self.tile):
            path = size_path(self.width, self.height, size)
            if path not in self._written:
                factor = next(f for f, s in zip(self.factors, self._sizes) if self._upright(s) == size)
                self._write(self.upright(self._kept[factor]), path)

    # -- output --------------------------------------------------------------------------------

    def kept(self, factor: int) -> Image.Image:
        """A whole level listed in ``keep``, in the working frame (see :meth:`upright`)."""
        return self._kept[factor]

    def upright(self, image: Image.Image) -> Image.Image:
        """Turn an image of the working frame upright."""
        return image.transpose(Image.Transpose.TRANSPOSE) if self.transposed else image

    # -- internals -----------------------------------------------------------------------------

    def _to_working(self, slab: Image.Image) -> Image.Image:
        if self._rows_reversed and self._cols_reversed:
            return slab.transpose(Image.Transpose.ROTATE_180)
        if self._rows_reversed:
            return slab.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
        if self._cols_reversed:
            return slab.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        return slab

    def _upright(self, size: tuple[int, int]) -> tuple[int, int]:
        return (size[1], size[0]) if self.transposed else size

    def _grid(self, tile: Tile) -> tuple[int, int]:
        """A tile's (column, row) in the working frame."""
        column, row = tile.box[0] // self.tile, tile.box[1] // self.tile
        return (row, column) if self.transposed else (column, row)

    def _climb(self) -> None:
        """Write the complete rows of tiles, each level made from the one below as it completes.

        A queue rather than recursion, so each row's pixels are released as soon as they are
        written and halved (a caller's frame would hold them until the whole climb returns).
        """
        while self._ready:
            self._add(*self._ready.pop())

    def _add(self, level: int, index: int, slab: Image.Image) -> None:
        """Row of tiles ``index`` of ``level`` is complete: write it, keep it, queue the next level."""
        factor = self.factors[level]
        width = self._sizes[level][0]
        if self.out_dir is not None:
            for column in range(math.ceil(width / self.tile)):
                tile = self._tiles[(factor, column, index)]
                if tile.path not in self._written:
                    box = (column * self.tile, 0, min((column + 1) * self.tile, width), slab.height)
                    self._write(self.upright(slab.crop(box)), tile.path)
        if factor in self._keep:
            if self._slab_counts[level] == 1:
                self._kept[factor] = slab
            else:
                if factor not in self._kept:
                    self._kept[factor] = Image.new(slab.mode, self._sizes[level], None)
                self._kept[factor].paste(slab, (0, index * self.tile))
        if level + 1 == len(self.factors):
            return
        halves = self._halves[level + 1]
        halves[index] = slab.reduce(2)
        parent = index // 2
        wanted = [i for i in (2 * parent, 2 * parent + 1) if i < self._slab_counts[level]]
        if all(i in halves for i in wanted):
            parts = [halves.pop(i) for i in wanted]
            if len(parts) == 1:
                combined = parts[0]
            else:
                combined = Image.new(slab.mode, (parts[0].width, parts[0].height + parts[1].height), None)
                combined.paste(parts[0], (0, 0))
                combined.paste(parts[1], (0, parts[0].height))
            self._ready.append((level + 1, parent, combined))

    def _write(self, image: Image.Image, path: str) -> None:
        assert self.out_dir is not None
        folder = self.out_dir
        for part in path.split("/")[:-1]:  # one mkdir per new folder: tiles have folders of their own
            folder = folder / part
            if folder not in self._folders:
                folder.mkdir(exist_ok=True)
                self._folders.add(folder)
        self._save(image, self.out_dir / path)
        self._written.add(path)
