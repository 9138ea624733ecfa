"""process_image: the files it writes, the pixels in them, and the files it refuses."""
from __future__ import annotations

import io
import random
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageCms, TiffImagePlugin

from photoid.photos import image_bands, images, pyramid
from photoid.photos.images import ImageRejected, SourceImage, inspect, make_derivatives, process_image

RED, BLUE = (220, 30, 30), (30, 30, 220)


# -- builders ------------------------------------------------------------------------------------


def noise(size: tuple[int, int], mode: str = "RGB", seed: int = 1) -> Image.Image:
    if mode in ("1", "P"):
        return noise(size, "RGB", seed).convert("1") if mode == "1" else noise(size, "RGB", seed).quantize(16)
    bands = {"RGB": 3, "RGBA": 4, "L": 1, "CMYK": 4}[mode]
    return Image.frombytes(mode, size, random.Random(seed).randbytes(size[0] * size[1] * bands))


def save(image: Image.Image, path: Path, fmt: str, **options) -> Path:
    image.save(path, fmt, **options)
    return path


def run(source: Path, tmp_path: Path, **options) -> tuple[SourceImage, Path]:
    out = tmp_path / "out"
    out.mkdir()
    return process_image(source, out, **options), out


def written(out: Path) -> set[str]:
    return {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}


def expected_files(width: int, height: int) -> set[str]:
    tiles = {t.path for t in pyramid.iter_tiles(width, height)}
    sizes = {pyramid.size_path(width, height, s) for s in pyramid.advertised_sizes(width, height)}
    return tiles | sizes | {"thumb.jpg", "display.jpg"}


def pixel(path: Path, xy: tuple[int, int]) -> tuple[int, ...]:
    with Image.open(path) as image:
        value = image.convert("RGB").getpixel(xy)
    assert isinstance(value, tuple)
    return value


def near(actual: tuple[int, ...], expected: tuple[int, ...], tolerance: int = 12) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


def adobe_like_icc() -> bytes:
    """A minimal ICC v2 matrix/TRC RGB profile with Adobe RGB (1998) primaries and gamma 2.2."""

    def xyz(x: float, y: float, z: float) -> bytes:
        return b"XYZ \0\0\0\0" + struct.pack(">3i", *(round(v * 65536) for v in (x, y, z)))

    description = b"Adobe-like RGB (test)\0"
    tags = {
        b"desc": b"desc\0\0\0\0" + struct.pack(">I", len(description)) + description + bytes(4 + 4 + 2 + 1 + 67),
        b"wtpt": xyz(0.9642, 1.0, 0.8249),
        b"rXYZ": xyz(0.6097, 0.3111, 0.0195),
        b"gXYZ": xyz(0.2053, 0.6257, 0.0609),
        b"bXYZ": xyz(0.1492, 0.0632, 0.7446),
        b"rTRC": b"curv\0\0\0\0" + struct.pack(">IH", 1, 0x0233) + b"\0\0",
        b"cprt": b"text\0\0\0\0no copyright\0\0\0\0",
    }
    tags[b"gTRC"] = tags[b"bTRC"] = tags[b"rTRC"]
    table, data = b"", b""
    offset = 128 + 4 + 12 * len(tags)
    for signature, body in tags.items():
        body += b"\0" * (-len(body) % 4)
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = offset + len(data)
    header = struct.pack(">I4sI4s4s4s12s4s", size, bytes(4), 0x02100000, b"mntr", b"RGB ", b"XYZ ", bytes(12), b"acsp")
    header += bytes(24) + struct.pack(">I3i", 0, *(round(v * 65536) for v in (0.9642, 1.0, 0.8249)))
    header += bytes(128 - len(header))
    return header + struct.pack(">I", len(tags)) + table + data


def raw_tiff(path: Path, image: Image.Image, *, bits: int = 8, tile: int | None = None, rows: int | None = None,
             deflate: bool = False, samples: tuple[bytes, ...] | None = None, planar: bool = False) -> Path:
    """A TIFF written by hand, for layouts Pillow does not write: 16-bit RGB, tiles, deflate
    strips, one plane per channel.

    ``samples`` gives the raw rows (already packed) when ``bits`` is 16.
    """
    width, height = image.size
    channels = len(image.getbands())
    row_bytes = width * channels * bits // 8
    raw_rows = samples or tuple(image.crop((0, y, width, y + 1)).tobytes() for y in range(height))
    if planar:
        assert bits == 8 and not tile
        planes = [image.getchannel(c) for c in range(channels)]
        raw_rows = tuple(p.crop((0, y, width, y + 1)).tobytes() for p in planes for y in range(height))
        row_bytes = width
    directory = TiffImagePlugin.ImageFileDirectory_v2(prefix=b"II")
    directory[256], directory[257] = width, height
    directory[258] = (bits,) * channels
    directory[259] = 8 if deflate else 1
    directory[262] = 2 if channels >= 3 else 1
    directory[277] = channels
    directory[284] = 2 if planar else 1
    pieces = []
    if tile:
        for top in range(0, height, tile):
            for left in range(0, width, tile):
                block = b"".join(
                    (raw_rows[y][left * channels * bits // 8:(left + tile) * channels * bits // 8]
                     if y < height else b"").ljust(tile * channels * bits // 8, b"\0")
                    for y in range(top, top + tile)
                )
                pieces.append(zlib.compress(block) if deflate else block)
        directory[322] = directory[323] = tile
    else:
        rows = rows or height
        for plane in range(channels if planar else 1):
            for top in range(0, height, rows):
                block = b"".join(raw_rows[plane * height + top:plane * height + min(top + rows, height)])
                assert len(block) == min(rows, height - top) * row_bytes
                pieces.append(zlib.compress(block) if deflate else block)
        directory[278] = rows
    data = b"".join(pieces)
    starts = [sum(len(p) for p in pieces[:i]) for i in range(len(pieces))]
    counts = tuple(len(p) for p in pieces)
    if tile:
        directory.tagtype[324] = directory.tagtype[325] = 4
        directory[325] = counts
        directory[324] = tuple(8 + s for s in starts)  # the data, then the directory
        path.write_bytes(b"II*\0" + struct.pack("<I", 8 + len(data)) + data + directory.tobytes(8 + len(data)))
    else:
        directory.tagtype[273] = directory.tagtype[279] = 4
        directory[279] = counts
        directory[273] = tuple(starts)  # tobytes() moves strip offsets past the directory
        path.write_bytes(b"II*\0" + struct.pack("<I", 8) + directory.tobytes(8) + data)
    return path


# -- the files written ---------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(1300, 700), (513, 512), (512, 512), (100, 3000)])
def test_writes_exactly_the_tiles_osd_requests_each_the_size_its_url_says(size, tmp_path):
    source = save(noise(size), tmp_path / "source.jpg", "JPEG", quality=90)
    info, out = run(source, tmp_path)
    assert info == SourceImage("JPEG", *size)
    assert written(out) == expected_files(*size)
    width, height = size
    for t in pyramid.iter_tiles(width, height):
        with Image.open(out / t.path) as tile:
            assert tile.format == "JPEG"
            w, h = (width, height) if t.size == "max" else map(int, t.size.split(","))
            assert tile.size == (w, h), t.path


def test_files_of_a_small_odd_image_by_name(tmp_path):
    info, out = run(save(noise((1300, 700)), tmp_path / "a.png", "PNG"), tmp_path)
    assert written(out) == {
        "thumb.jpg", "display.jpg",
        "iiif/0,0,512,512/512,512/0/default.jpg", "iiif/512,0,512,512/512,512/0/default.jpg",
        "iiif/1024,0,276,512/276,512/0/default.jpg", "iiif/0,512,512,188/512,188/0/default.jpg",
        "iiif/512,512,512,188/512,188/0/default.jpg", "iiif/1024,512,276,188/276,188/0/default.jpg",
        "iiif/0,0,1024,700/512,350/0/default.jpg", "iiif/1024,0,276,700/138,350/0/default.jpg",
        "iiif/full/325,175/0/default.jpg", "iiif/full/650,350/0/default.jpg",
    }


def test_derivatives_are_400_and_1600_long_and_never_upscaled(tmp_path):
    _, out = run(save(noise((4000, 2000)), tmp_path / "big.jpg", "JPEG"), tmp_path)
    with Image.open(out / "thumb.jpg") as thumb, Image.open(out / "display.jpg") as display:
        assert (thumb.size, display.size) == ((400, 200), (1600, 800))
        assert display.info.get("progressive") and thumb.info.get("progressive")
    (tmp_path / "small").mkdir()
    small = save(noise((1300, 700)), tmp_path / "small" / "small.jpg", "JPEG")
    _, out = run(small, tmp_path / "small")
    with Image.open(out / "thumb.jpg") as thumb, Image.open(out / "display.jpg") as display:
        assert (thumb.size, display.size) == ((400, 215), (1300, 700))


def test_tiles_show_the_right_part_of_the_picture(tmp_path):
    picture = Image.new("RGB", (1300, 700), BLUE)
    picture.paste(RED, (0, 0, 650, 700))
    _, out = run(save(picture, tmp_path / "halves.png", "PNG"), tmp_path)
    assert near(pixel(out / "iiif/0,0,512,512/512,512/0/default.jpg", (100, 100)), RED)
    assert near(pixel(out / "iiif/1024,512,276,188/276,188/0/default.jpg", (100, 100)), BLUE)
    assert near(pixel(out / "iiif/full/325,175/0/default.jpg", (10, 10)), RED)
    assert near(pixel(out / "iiif/full/325,175/0/default.jpg", (300, 10)), BLUE)


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_exif_orientation_is_applied(orientation, tmp_path):
    stored = Image.new("RGB", (1200, 600), BLUE)
    stored.paste(RED, (0, 0, 600, 600))  # red on the left of the file
    exif = Image.Exif()
    exif[0x0112] = orientation
    info, out = run(save(stored, tmp_path / "turned.jpg", "JPEG", exif=exif), tmp_path)
    upright = {3: (1200, 600), 6: (600, 1200), 8: (600, 1200)}[orientation]
    assert (info.width, info.height) == upright
    with Image.open(out / "display.jpg") as display:
        assert display.size == upright
    # 6 turns the file clockwise (its left side goes to the top), 8 anticlockwise, 3 half a turn.
    first, last = {3: (BLUE, RED), 6: (RED, BLUE), 8: (BLUE, RED)}[orientation]
    end = (1100, 300) if orientation == 3 else (300, 1100)
    assert near(pixel(out / "display.jpg", (100, 100)), first)
    assert near(pixel(out / "display.jpg", end), last)
    tile = next(t for t in pyramid.iter_tiles(*upright) if t.scale_factor == 1 and t.box[:2] == (0, 0))
    assert near(pixel(out / tile.path, (10, 10)), first)


@pytest.mark.parametrize(("fmt", "suffix", "options"), [
    ("TIFF", "tif", {}),
    ("TIFF", "tif", {"compression": "tiff_lzw", "strip_size": 10**8}),  # one compressed strip: one band
    ("PNG", "png", {}),
    ("WEBP", "webp", {}),
])
def test_orientation_of_tiff_png_and_webp(fmt, suffix, options, tmp_path):
    stored = Image.new("RGB", (1200, 600), BLUE)
    stored.paste(RED, (0, 0, 600, 600))
    exif = Image.Exif()
    exif[0x0112] = 6
    info, out = run(save(stored, tmp_path / f"turned.{suffix}", fmt, exif=exif, **options), tmp_path)
    assert (info.width, info.height) == (600, 1200)
    assert near(pixel(out / "display.jpg", (300, 100)), RED)
    assert near(pixel(out / "display.jpg", (300, 1100)), BLUE)


def test_a_tiff_decoded_whole_is_not_turned_twice(tmp_path, monkeypatch):
    # Pillow turns a TIFF upright when it decodes it whole (as for an old-style JPEG-in-TIFF).
    monkeypatch.setattr(images, "tiff_layout", lambda *args: None)
    stored = Image.new("RGB", (1200, 600), BLUE)
    stored.paste(RED, (0, 0, 600, 600))
    exif = Image.Exif()
    exif[0x0112] = 6
    info, out = run(save(stored, tmp_path / "turned.tif", "TIFF", exif=exif), tmp_path)
    assert (info.width, info.height) == (600, 1200)
    assert written(out) == expected_files(600, 1200)
    assert near(pixel(out / "display.jpg", (300, 100)), RED)
    assert near(pixel(out / "display.jpg", (300, 1100)), BLUE)


def test_no_exif_gps_xmp_icc_or_comment_in_any_output(tmp_path):
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"
    exif.get_ifd(0x8825).update({1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)})
    source = save(noise((900, 700)), tmp_path / "gps.jpg", "JPEG", exif=exif, comment=b"secret note",
                  xmp=b"<x:xmpmeta>secret</x:xmpmeta>", icc_profile=adobe_like_icc())
    with Image.open(source) as check:
        assert check.getexif().get_ifd(0x8825)  # the source really carries GPS
    _, out = run(source, tmp_path)
    for path in out.rglob("*.jpg"):
        data = path.read_bytes()
        for marker in (b"Exif\0\0", b"http://ns.adobe.com/xap", b"ICC_PROFILE", b"secret"):
            assert marker not in data, (path, marker)
        with Image.open(path) as image:
            assert not image.getexif()
            assert not {"exif", "icc_profile", "xmp", "comment"} & set(image.info)


# -- colour and pixel formats --------------------------------------------------------------------


def test_cmyk_jpeg_including_adobe_inverted_becomes_rgb(tmp_path):
    cmyk = Image.new("CMYK", (600, 400), (0, 255, 255, 0))  # red ink; Pillow writes Adobe inverted CMYK
    source = save(cmyk, tmp_path / "cmyk.jpg", "JPEG", quality=95)
    with Image.open(source) as check:
        assert check.mode == "CMYK" and check.tile[0].args[0] == "CMYK;I"
    _, out = run(source, tmp_path)
    with Image.open(out / "display.jpg") as display:
        assert display.mode == "RGB"
    assert near(pixel(out / "display.jpg", (300, 200)), (255, 0, 0), tolerance=20)


def test_embedded_profile_is_converted_to_srgb_and_dropped(tmp_path):
    colour = (100, 150, 200)
    icc = adobe_like_icc()
    source = save(Image.new("RGB", (700, 500), colour), tmp_path / "adobe.png", "PNG", icc_profile=icc)
    _, out = run(source, tmp_path)
    expected = ImageCms.profileToProfile(
        Image.new("RGB", (1, 1), colour), ImageCms.ImageCmsProfile(io.BytesIO(icc)), ImageCms.createProfile("sRGB"),
        renderingIntent=ImageCms.Intent.PERCEPTUAL, outputMode="RGB",
    ).getpixel((0, 0))
    assert not near(expected, colour, tolerance=5)  # the profile really changes the colour
    for name in ("display.jpg", "iiif/0,0,512,500/512,500/0/default.jpg"):
        assert near(pixel(out / name, (50, 50)), expected, tolerance=4)
        with Image.open(out / name) as image:
            assert "icc_profile" not in image.info


def test_16_bit_greyscale_tiff_is_scaled_not_clipped(tmp_path):
    ramp = Image.new("I;16", (600, 300))
    ramp.paste(Image.new("I;16", (300, 300), 32768), (0, 0))
    ramp.paste(Image.new("I;16", (300, 300), 65535), (300, 0))
    _, out = run(save(ramp, tmp_path / "grey16.tif", "TIFF"), tmp_path)
    with Image.open(out / "display.jpg") as display:
        assert display.mode == "L"
        assert abs(display.getpixel((100, 100)) - 128) <= 3
        assert display.getpixel((500, 100)) >= 252


def test_16_bit_rgb_tiff(tmp_path):
    width, height = 520, 300
    row = struct.pack("<3H", 65535, 32896, 0) * width
    source = raw_tiff(tmp_path / "rgb16.tif", Image.new("RGB", (width, height)), bits=16, samples=(row,) * height,
                      rows=64)
    info, out = run(source, tmp_path)
    assert info == SourceImage("TIFF", width, height)
    assert near(pixel(out / "display.jpg", (200, 100)), (255, 128, 0), tolerance=4)


def test_multi_page_tiff_uses_the_first_page(tmp_path):
    first, second = Image.new("RGB", (640, 480), RED), Image.new("RGB", (800, 600), BLUE)
    source = save(first, tmp_path / "pages.tif", "TIFF", save_all=True, append_images=[second],
                  compression="tiff_lzw")
    info, out = run(source, tmp_path)
    assert info == SourceImage("TIFF", 640, 480)
    assert near(pixel(out / "display.jpg", (320, 240)), RED)


def test_webp(tmp_path):
    info, out = run(save(Image.new("RGB", (900, 600), RED), tmp_path / "a.webp", "WEBP"), tmp_path)
    assert info == SourceImage("WEBP", 900, 600)
    assert written(out) == expected_files(900, 600)
    assert near(pixel(out / "display.jpg", (450, 300)), RED)


def test_png_with_alpha_is_flattened_on_white(tmp_path):
    picture = Image.new("RGBA", (700, 500), (0, 0, 0, 0))
    picture.paste((255, 0, 0, 255), (0, 0, 350, 500))
    picture.paste((255, 0, 0, 128), (350, 0, 700, 250))
    _, out = run(save(picture, tmp_path / "alpha.png", "PNG"), tmp_path)
    with Image.open(out / "display.jpg") as display:
        assert display.mode == "RGB"
    assert near(pixel(out / "display.jpg", (100, 100)), (255, 0, 0))
    assert near(pixel(out / "display.jpg", (500, 100)), (255, 127, 127))
    assert near(pixel(out / "display.jpg", (500, 400)), (255, 255, 255))


def test_palette_and_greyscale_pngs(tmp_path):
    palette = Image.new("RGB", (600, 400), BLUE).quantize(4)
    _, out = run(save(palette, tmp_path / "p.png", "PNG"), tmp_path)
    assert near(pixel(out / "display.jpg", (10, 10)), BLUE)
    (tmp_path / "grey").mkdir()
    _, out = run(save(Image.new("L", (600, 400), 77), tmp_path / "grey" / "l.png", "PNG"), tmp_path / "grey")
    with Image.open(out / "display.jpg") as display:
        assert display.mode == "L" and abs(display.getpixel((5, 5)) - 77) <= 2


# -- decoding in bands gives exactly what a plain decode gives ------------------------------------


def bands_of(path: Path) -> Image.Image:
    with path.open("rb") as handle:
        source = images._open(handle, path.stat().st_size, max_bytes=None)
        bands = list(image_bands.bands(source))
    assert len(bands) > 1, "the test image should be decoded in several bands"
    whole = Image.new(bands[0].mode, (bands[0].width, sum(b.height for b in bands)))
    top = 0
    for band in bands:
        whole.paste(band, (0, top))
        top += band.height
    return whole


def plain(path: Path, mode: str) -> bytes:
    with Image.open(path) as image:
        return image.convert(mode).tobytes()


@pytest.fixture
def small_bands(monkeypatch):
    monkeypatch.setattr(image_bands, "_BAND_BYTES", 4096)


@pytest.mark.parametrize(("name", "mode", "options"), [
    ("baseline.jpg", "RGB", {"quality": 90}),
    ("progressive.jpg", "RGB", {"quality": 90, "progressive": True}),
    ("restarts.jpg", "RGB", {"quality": 80, "restart_marker_blocks": 3, "subsampling": 0}),
    ("grey.jpg", "L", {}),
    ("cmyk.jpg", "CMYK", {}),
    ("rgb.png", "RGB", {}),
    ("rgba.png", "RGBA", {}),
    ("grey.png", "L", {}),
    ("raw.tif", "RGB", {}),
    ("lzw.tif", "RGB", {"compression": "tiff_lzw"}),
    ("deflate.tif", "RGB", {"compression": "tiff_adobe_deflate"}),
    ("jpeg.tif", "RGB", {"compression": "jpeg"}),
    ("grey.tif", "L", {"compression": "packbits", "strip_size": 2048}),
    ("bilevel.tif", "1", {"compression": "group4", "strip_size": 256}),
    ("palette.tif", "P", {"compression": "tiff_lzw", "strip_size": 2048}),
    ("big.tif", "RGB", {"big_tiff": True}),
    ("cmyk.tif", "CMYK", {"compression": "tiff_lzw"}),
])
def test_banded_decoding_matches_a_plain_decode(name, mode, options, tmp_path, small_bands):
    image = noise((203, 157), mode, seed=len(name))
    path = save(image, tmp_path / name, {"jpg": "JPEG", "png": "PNG", "tif": "TIFF"}[name[-3:]], **options)
    assert bands_of(path).tobytes() == plain(path, mode)


@pytest.mark.parametrize("layout", [
    {"rows": 200}, {"rows": 7}, {"rows": 7, "deflate": True}, {"tile": 32}, {"tile": 48, "deflate": True},
    {"rows": 5, "planar": True}, {"rows": 50, "planar": True, "deflate": True},
])
def test_banded_tiff_layouts(layout, tmp_path, small_bands):
    path = raw_tiff(tmp_path / "layout.tif", noise((203, 157), seed=3), **layout)
    assert bands_of(path).tobytes() == plain(path, "RGB")


def test_16_bit_png_and_a_row_that_looks_like_the_marker(tmp_path, small_bands):
    deep = Image.new("I;16", (203, 157))
    deep.paste(Image.new("I;16", (100, 157), 40000), (0, 0))
    path = save(deep, tmp_path / "deep.png", "PNG")
    assert bands_of(path).tobytes() == plain(path, "I;16")
    # Rows ending in the exact bytes of the end-of-band marker: decoding still ends correctly.
    grey = noise((64, 157), "L", seed=9)
    for y in range(157):
        for x, value in enumerate(b"\x5a\xa5\x3c\x00\x96\x69\x0f\xf0"):
            grey.putpixel((56 + x, y), value)
    path = save(grey, tmp_path / "marker.png", "PNG")
    assert bands_of(path).tobytes() == plain(path, "L")


# -- refusals ------------------------------------------------------------------------------------


def rejected(source: Path, tmp_path: Path, **options) -> str:
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    with pytest.raises(ImageRejected) as caught:
        process_image(source, out, **options)
    assert not any(out.iterdir()), "a refused file leaves nothing behind"
    return str(caught.value)


def test_a_text_file_named_jpg_is_not_an_image(tmp_path):
    source = tmp_path / "notes.jpg"
    source.write_text("Dear archivist,\nthese are not pixels.\n")
    assert rejected(source, tmp_path) == "This file is not an image; we accept JPEG, PNG, TIFF and WebP."


def test_a_truncated_jpeg_is_damaged(tmp_path):
    data = save(noise((800, 600)), tmp_path / "full.jpg", "JPEG").read_bytes()
    source = tmp_path / "cut.jpg"
    source.write_bytes(data[: len(data) // 2])
    assert "damaged or incomplete" in rejected(source, tmp_path)


@pytest.mark.parametrize("fmt", ["PNG", "TIFF", "WEBP"])
def test_other_truncated_files_are_damaged(fmt, tmp_path):
    data = save(noise((800, 600)), tmp_path / "full", fmt).read_bytes()
    source = tmp_path / "cut"
    source.write_bytes(data[: len(data) * 2 // 3])
    assert "damaged or incomplete" in rejected(source, tmp_path)


@pytest.mark.parametrize(("data", "message"), [
    (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n", "This file is an EPS image; "),
    (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "This file is a GIF image; "),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "This file is a PDF image; "),
    (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', "This file is an SVG image; "),
])
def test_other_formats_are_named_and_refused(data, message, tmp_path):
    source = tmp_path / "picture.jpg"
    source.write_bytes(data)
    assert rejected(source, tmp_path) == message + "we accept JPEG, PNG, TIFF and WebP."


def test_bmp_is_refused_by_name(tmp_path):
    source = save(Image.new("RGB", (20, 20)), tmp_path / "x.bmp", "BMP")
    assert rejected(source, tmp_path).startswith("This file is a BMP image;")


def test_decompression_bomb_is_refused(tmp_path, monkeypatch):
    # A small PNG claiming 100000 x 100000 pixels.
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    source = tmp_path / "bomb.png"
    source.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(bytes(1000)))
                       + chunk(b"IEND", b""))
    assert rejected(source, tmp_path) == "The image has too many pixels to process safely."
    # Just over the limit (a warning in Pillow) is refused too.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000 * 700 - 1)
    other = save(noise((1000, 700)), tmp_path / "big.jpg", "JPEG")
    assert rejected(other, tmp_path) == "The image has too many pixels to process safely."


def test_a_file_over_the_size_limit_is_refused(tmp_path):
    source = save(noise((800, 600)), tmp_path / "large.png", "PNG")
    message = rejected(source, tmp_path, max_bytes=1024 * 1024)
    assert message.endswith("larger than the 1 MB limit.")


def test_out_dir_must_be_empty(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine")
    source = save(noise((50, 50)), tmp_path / "a.png", "PNG")
    with pytest.raises(ValueError, match="not empty"):
        process_image(source, tmp_path / "out")
    assert (tmp_path / "out" / "keep.txt").read_text() == "mine"


# -- the older entry points ----------------------------------------------------------------------


def test_inspect_and_make_derivatives_still_work(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6
    data = save(noise((900, 500)), tmp_path / "a.jpg", "JPEG", exif=exif).read_bytes()
    assert inspect(data) == SourceImage("JPEG", 500, 900)
    derivatives = make_derivatives(data)
    assert set(derivatives) == {"thumb", "display"}
    assert Image.open(io.BytesIO(derivatives["thumb"])).size == (222, 400)
    assert Image.open(io.BytesIO(derivatives["display"])).size == (500, 900)
    with pytest.raises(ImageRejected, match="damaged or incomplete"):
        inspect(data[: len(data) // 2])
    with pytest.raises(ImageRejected, match="not an image"):
        make_derivatives(b"hello")
