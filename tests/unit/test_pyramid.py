"""The tile geometry matches what OpenSeadragon requests; the builder writes exactly those tiles."""
from __future__ import annotations

import math
import random
import re
from pathlib import Path

import pytest
from PIL import Image

from photoid.photos import pyramid

EDGE_SIZES = [(1, 1), (511, 511), (512, 512), (513, 512), (512, 513), (1024, 1024), (1025, 1), (1300, 700),
              (100, 3000), (6000, 4000), (12000, 9000), (16383, 3)]


def osd_requests(width: int, height: int, tile: int) -> set[tuple[str, str]]:
    """Every (region, size) OpenSeadragon 5's IIIFTileSource (version 3) asks for, ported from its
    getTileUrl / getNumTiles / sizes handling, fed with our info.json."""
    info = pyramid.info_fragment(width, height, tile)
    factors = info["tiles"][0]["scaleFactors"]
    max_level = round(math.log2(max(factors)))
    level_sizes = _osd_level_sizes(width, height, info["sizes"], factors, max_level)
    requests = set()
    for level in range(max_level + 1):
        scale = 0.5 ** (max_level - level)
        if level_sizes:
            level_w, level_h = level_sizes[level]
        else:
            level_w, level_h = math.ceil(width * scale), math.ceil(height * scale)
        tiles_x = math.ceil(level_w / tile) if level_sizes else math.ceil(scale * width / tile)
        tiles_y = math.ceil(level_h / tile) if level_sizes else math.ceil(scale * height / tile)
        span_w = span_h = round(tile / scale)
        for y in range(tiles_y):
            for x in range(tiles_x):
                if level_w < tile and level_h < tile:
                    size = "max" if (level_w, level_h) == (width, height) else f"{level_w},{level_h}"
                    requests.add(("full", size))
                    continue
                tile_x, tile_y = x * span_w, y * span_h
                tile_w, tile_h = min(span_w, width - tile_x), min(span_h, height - tile_y)
                if x == 0 and y == 0 and tile_w == width and tile_h == height:
                    region = "full"
                else:
                    region = f"{tile_x},{tile_y},{tile_w},{tile_h}"
                size_w, size_h = min(tile, level_w - x * tile), min(tile, level_h - y * tile)
                size = "max" if (size_w, size_h) == (width, height) else f"{size_w},{size_h}"
                requests.add((region, size))
    return requests


def _osd_level_sizes(width, height, sizes, factors, max_level):
    """OpenSeadragon uses ``sizes`` as the level sizes when they look like one per level."""
    if not sizes:
        return None
    ordered = sorted(((s["width"], s["height"]) for s in sizes), key=lambda s: s[0])
    if ordered[-1][0] < width and ordered[-1][1] < height:
        ordered.append((width, height))
    if len(ordered) != max_level + 1:
        return None
    if len(factors) == len(ordered):
        for i, (w, h) in enumerate(ordered):
            factor = factors[len(ordered) - i - 1]
            if round(width / w) != factor or round(height / h) != factor:
                return None
    return ordered


def size_of(url_size: str, width: int, height: int) -> tuple[int, int]:
    if url_size == "max":
        return width, height
    w, h = url_size.split(",")
    return int(w), int(h)


def test_scale_factors_stop_at_the_first_level_that_fits_one_tile():
    assert pyramid.scale_factors(512, 512) == [1]
    assert pyramid.scale_factors(513, 512) == [1, 2]
    assert pyramid.scale_factors(1300, 700) == [1, 2, 4]
    assert pyramid.scale_factors(100, 3000) == [1, 2, 4, 8]
    assert pyramid.scale_factors(6000, 4000) == [1, 2, 4, 8, 16]


def test_tiles_of_a_small_odd_image_by_hand():
    tiles = {(t.region, t.size) for t in pyramid.iter_tiles(1300, 700)}
    assert tiles == {
        ("0,0,512,512", "512,512"), ("512,0,512,512", "512,512"), ("1024,0,276,512", "276,512"),
        ("0,512,512,188", "512,188"), ("512,512,512,188", "512,188"), ("1024,512,276,188", "276,188"),
        ("0,0,1024,700", "512,350"), ("1024,0,276,700", "138,350"),
        ("full", "325,175"),
    }
    assert pyramid.advertised_sizes(1300, 700) == [(325, 175), (650, 350)]


def test_an_image_of_exactly_one_tile_is_full_max():
    assert [(t.region, t.size) for t in pyramid.iter_tiles(512, 512)] == [("full", "max")]
    # 513 wide is not smaller than a tile at full size: OSD asks for two tiles, then a half level.
    assert {(t.region, t.size) for t in pyramid.iter_tiles(513, 512)} == {
        ("0,0,512,512", "512,512"), ("512,0,1,512", "1,512"), ("full", "257,256")}


@pytest.mark.parametrize("tile", [512, 256])
def test_geometry_matches_openseadragon_over_many_sizes(tile):
    rng = random.Random(20261122 + tile)
    sizes = EDGE_SIZES + [(rng.randint(1, 20000), rng.randint(1, 20000)) for _ in range(300)]
    sizes += [(rng.randint(1, 3 * tile), rng.randint(1, 3 * tile)) for _ in range(300)]
    for width, height in sizes:
        ours = {(t.region, t.size) for t in pyramid.iter_tiles(width, height, tile)}
        expected = osd_requests(width, height, tile)
        assert ours == expected, (width, height)


def test_tile_boxes_agree_with_their_urls():
    for width, height in EDGE_SIZES:
        for t in pyramid.iter_tiles(width, height):
            left, upper, right, lower = t.box
            assert (right - left, lower - upper) == size_of(t.size, width, height)
            level_w, level_h = pyramid.level_size(width, height, t.scale_factor)
            assert 0 <= left < right <= level_w and 0 <= upper < lower <= level_h
            assert right - left <= 512 and lower - upper <= 512


def test_info_fragment_lists_tiles_and_small_sizes():
    info = pyramid.info_fragment(6000, 4000)
    assert info["tiles"] == [{"width": 512, "height": 512, "scaleFactors": [1, 2, 4, 8, 16]}]
    assert info["sizes"] == [{"width": 375, "height": 250}, {"width": 750, "height": 500}]
    assert (info["maxWidth"], info["maxHeight"]) == (750, 500)  # what full/max serves
    assert pyramid.request_path(6000, 4000, "full", "max") == "iiif/full/750,500/0/default.jpg"
    assert "maxWidth" not in pyramid.info_fragment(1000, 700)
    assert pyramid.request_path(1000, 700, "full", "max") == "iiif/full/max/0/default.jpg"
    assert pyramid.relative_path("0,0,512,512", "512,512") == "iiif/0,0,512,512/512,512/0/default.jpg"


# -- the builder --------------------------------------------------------------------------------

TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def random_image(width: int, height: int, seed: int) -> Image.Image:
    return Image.frombytes("RGB", (width, height), random.Random(seed).randbytes(width * height * 3))


def build(
    out_dir: Path, stored: Image.Image, orientation: int, tile: int, band_heights: list[int]
) -> dict[str, Image.Image]:
    """Feed ``stored`` in bands of the given heights; return what would be saved, by path."""
    written: dict[str, Image.Image] = {}

    def save(image: Image.Image, path: Path) -> None:
        key = path.relative_to(out_dir).as_posix()
        assert key not in written, f"{key} written twice"
        written[key] = image.copy()

    builder = pyramid.PyramidBuilder(out_dir, stored.size, orientation=orientation, tile=tile, save=save)
    top = i = 0
    while top < stored.height:
        step = band_heights[i % len(band_heights)]
        builder.feed(stored.crop((0, top, stored.width, min(stored.height, top + step))))
        top += step
        i += 1
    builder.finish()
    return written


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("size", [(70, 45), (33, 64), (64, 64), (129, 17)])
def test_builder_writes_every_tile_exactly_for_each_orientation(orientation, size, tmp_path):
    tile = 16
    stored = random_image(*size, seed=orientation)
    upright = stored.transpose(TRANSPOSE[orientation]) if orientation > 1 else stored
    written = build(tmp_path, stored, orientation, tile, band_heights=[5, 16, 1, 40])
    width, height = upright.size
    expected = {t.path: t for t in pyramid.iter_tiles(width, height, tile)}
    sizes = {pyramid.size_path(width, height, s): s for s in pyramid.advertised_sizes(width, height, tile)}
    assert set(written) == set(expected) | set(sizes)
    levels = {1: upright}
    for factor in pyramid.scale_factors(width, height, tile)[1:]:
        levels[factor] = levels[factor // 2].reduce(2)
    for path, t in expected.items():
        assert written[path].tobytes() == levels[t.scale_factor].crop(t.box).tobytes(), path
    for path, (w, h) in sizes.items():
        factor = next(f for f, level in levels.items() if level.size == (w, h))
        assert written[path].tobytes() == levels[factor].tobytes()


def test_builder_refuses_missing_or_extra_rows():
    builder = pyramid.PyramidBuilder(None, (10, 10), save=lambda image, path: None, tile=4)
    builder.feed(Image.new("L", (10, 6)))
    with pytest.raises(ValueError, match="ended early"):
        builder.finish()
    with pytest.raises(ValueError, match="more rows"):
        builder.feed(Image.new("L", (10, 5)))


def test_relative_paths_are_safe_names():
    for t in pyramid.iter_tiles(1300, 700):
        assert re.fullmatch(r"iiif/(full|\d+,\d+,\d+,\d+)/(max|\d+,\d+)/0/default\.jpg", t.path)
