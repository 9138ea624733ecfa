"""``photoid import``: a manifest with good and bad rows, the exact outcome of each, and no leftovers."""
from __future__ import annotations

import csv
import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from photoid.extensions import db
from photoid.moderation.models import ModerationEvent
from photoid.photos.models import Collection, Photo
from tests.factories import make_collection, make_institution

HEADER = ["identifier", "title", "description", "date", "creator", "rights", "subjects", "places", "file"]


def _image(path: Path, fmt: str, size: tuple[int, int] = (900, 600)) -> Path:
    gradient = Image.radial_gradient("L").resize(size)
    Image.merge("RGB", (gradient, gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT), gradient)).save(path, fmt)
    return path


def _bomb_png(path: Path) -> Path:
    """A tiny PNG whose header claims 100000 x 100000 pixels."""
    buffer = io.BytesIO()
    Image.new("L", (1, 1)).save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    ihdr = struct.pack(">II", 100_000, 100_000) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr) & 0xFFFFFFFF)
    path.write_bytes(bytes(data))
    return path


@pytest.fixture
def box(tmp_path: Path) -> Path:
    images = tmp_path / "scans"
    images.mkdir()
    _image(images / "main-street.jpg", "JPEG")
    _image(images / "harbour.png", "PNG", (600, 900))
    _image(images / "school.tif", "TIFF", (700, 700))
    _image(images / "pier.webp", "WEBP", (640, 480))
    (images / "notes.jpg").write_text("these are my notes, not a photo")
    jpeg = (images / "main-street.jpg").read_bytes()
    (images / "truncated.jpg").write_bytes(jpeg[: len(jpeg) // 2])
    (images / "drawing.eps").write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\nshowpage\n")
    _bomb_png(images / "bomb.png")
    _image(images / "huge.tif", "TIFF", (1500, 1500))  # 6.75 MB uncompressed
    return images


ROWS = [
    ["MPL-1", "Main Street", "Looking north", "circa 1945", "Hill Studio", "No Copyright - United States", "Streets|Cars", "Main Street", "main-street.jpg"],
    ["MPL-2", "The harbour", "", "1940s", "", "", "", "Ashford", "harbour.png"],
    ["MPL-3", "School", "", "1950/1959", "", "", "", "", "school.tif"],
    ["MPL-4", "Pier", "", "", "", "", "", "", "pier.webp"],
    ["MPL-1", "Main Street again", "", "", "", "", "", "", "main-street.jpg"],
    ["MPL-5", "Notes", "", "", "", "", "", "", "notes.jpg"],
    ["MPL-6", "Truncated", "", "", "", "", "", "", "truncated.jpg"],
    ["MPL-7", "Drawing", "", "", "", "", "", "", "drawing.eps"],
    ["MPL-8", "Bomb", "", "", "", "", "", "", "bomb.png"],
    ["MPL-9", "Huge", "", "", "", "", "", "", "huge.tif"],
    ["MPL-10", "Undatable", "", "whenever", "", "", "", "", "main-street.jpg"],
    ["MPL-11", "Missing", "", "", "", "", "", "", "nowhere.jpg"],
]


def _write_manifest(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _leftovers(root: Path) -> list[Path]:
    return [p for p in (root / "staging").rglob("*")] if (root / "staging").exists() else []


def _photo_folders(root: Path) -> set[str]:
    return {p.name for p in (root / "photos").glob("*/*")} if (root / "photos").exists() else set()


def test_a_manifest_with_good_and_bad_rows_gets_the_exact_outcome_of_each(app, tmp_path, box) -> None:
    make_collection(slug="main-street", institution=make_institution(slug="millbrook"))
    db.session.commit()
    app.config["MAX_IMAGE_BYTES"] = 4 * 1024 * 1024
    manifest = _write_manifest(tmp_path / "manifest.csv", ROWS, HEADER)
    report = tmp_path / "report.csv"

    result = app.test_cli_runner().invoke(
        args=["import", str(manifest), "--images", str(box), "--collection", "main-street", "--report", str(report), "--workers", "2"]
    )
    assert result.exit_code == 1, result.output  # some rows were rejected
    assert "Ingested 4, skipped 1 as duplicates, rejected 7." in result.output

    with report.open(encoding="utf-8") as handle:
        outcomes = {row["row"]: row for row in csv.DictReader(handle)}
    assert [outcomes[str(n)]["status"] for n in range(2, 14)] == [
        "ingested", "ingested", "ingested", "ingested", "duplicate",
        "rejected", "rejected", "rejected", "rejected", "rejected", "rejected", "rejected",
    ]
    reasons = {n: outcomes[str(n)]["reason"] for n in range(7, 14)}
    assert "not a JPEG, PNG, TIFF or WebP image" in reasons[7] or "not an image" in reasons[7]
    assert "damaged or incomplete" in reasons[8]
    assert "EPS" in reasons[9]
    assert "too many pixels" in reasons[10]
    assert "larger than" in reasons[11]
    assert "could not read" in reasons[12]
    assert "not found in the images folder" in reasons[13]

    photos = {p.identifier: p for p in db.session.scalars(select(Photo))}
    assert set(photos) == {"MPL-1", "MPL-2", "MPL-3", "MPL-4"}
    first = photos["MPL-1"]
    assert first.date_edtf == "1945~" and first.subjects == ["Streets", "Cars"] and first.places == ["Main Street"]
    assert first.rights_uri == "http://rightsstatements.org/vocab/NoC-US/1.0/"
    assert (first.width, first.height, first.source_format) == (900, 600, "JPEG")
    assert photos["MPL-3"].source_format == "TIFF" and photos["MPL-4"].source_format == "WEBP"
    assert db.session.scalar(select(func.count(ModerationEvent.id)).where(ModerationEvent.action == "ingest")) == 4

    root = Path(app.config["UPLOAD_DIR"])
    assert _leftovers(root) == []
    assert _photo_folders(root) == {p.source_checksum for p in photos.values()}

    again = app.test_cli_runner().invoke(args=["import", str(manifest), "--images", str(box), "--collection", "main-street"])
    assert "Ingested 0, skipped 5 as duplicates, rejected 7." in again.output
    assert db.session.scalar(select(func.count(Photo.id))) == 4


def test_a_missing_collection_is_created_and_unknown_columns_are_reported(app, tmp_path, box) -> None:
    make_institution(slug="millbrook")
    db.session.commit()
    manifest = _write_manifest(tmp_path / "m.csv", [["MPL-1", "Main Street", "main-street.jpg", "blue"]], ["identifier", "title", "file", "colour"])
    result = app.test_cli_runner().invoke(args=["import", str(manifest), "--images", str(box), "--collection", "new-box"])
    assert result.exit_code == 0, result.output
    assert "Created the collection new-box (New box) in" in result.output
    assert "Unknown columns, not imported: colour." in result.output
    assert db.session.scalar(select(Collection).where(Collection.slug == "new-box")) is not None


def test_an_import_into_a_site_with_no_institution_says_how_to_make_one(app, tmp_path, box) -> None:
    manifest = _write_manifest(tmp_path / "m.csv", [["MPL-1", "Main Street", "main-street.jpg"]], ["identifier", "title", "file"])
    result = app.test_cli_runner().invoke(args=["import", str(manifest), "--images", str(box), "--collection", "box-1"])
    assert result.exit_code != 0
    assert "photoid create-institution SLUG" in result.output
    assert db.session.scalar(select(func.count(Collection.id))) == 0


def test_with_several_institutions_the_import_refuses_to_guess(app, tmp_path, box) -> None:
    make_institution(slug="millbrook")
    harbor = make_institution(slug="harbor")
    db.session.commit()
    manifest = _write_manifest(tmp_path / "m.csv", [["MPL-1", "Main Street", "main-street.jpg"]], ["identifier", "title", "file"])
    args = ["import", str(manifest), "--images", str(box), "--collection", "local-history"]
    refused = app.test_cli_runner().invoke(args=args)
    assert refused.exit_code != 0
    assert "say which one with --institution SLUG" in refused.output
    assert db.session.scalar(select(func.count(Collection.id))) == 0

    result = app.test_cli_runner().invoke(args=[*args, "--institution", "harbor", "--title", "Local history, 1900-1960"])
    assert result.exit_code == 0, result.output
    collection = db.session.scalar(select(Collection).where(Collection.slug == "local-history"))
    assert (collection.institution_id, collection.title) == (harbor.id, "Local history, 1900-1960")

    elsewhere = app.test_cli_runner().invoke(args=[*args, "--institution", "millbrook"])
    assert elsewhere.exit_code != 0
    assert "belongs to harbor, not millbrook" in elsewhere.output


def test_a_new_empty_collection_is_not_public_until_it_holds_a_published_photo(app, client, tmp_path, box) -> None:
    from photoid.photos.collections import CollectionFields, create_collection

    library = make_institution(slug="millbrook")
    create_collection(institution=library, slug="empty-box", fields=CollectionFields(title="An empty box"))
    assert "An empty box" not in client.get("/").get_data(as_text=True)
    assert client.get("/collections/empty-box").status_code == 404
    assert "millbrook:empty-box" not in client.get("/oai?verb=ListSets").get_data(as_text=True)
    assert "/collections/empty-box" not in client.get("/sitemaps/1.xml").get_data(as_text=True)

    manifest = _write_manifest(tmp_path / "m.csv", [["MPL-1", "Main Street", "main-street.jpg"]], ["identifier", "title", "file"])
    assert app.test_cli_runner().invoke(args=["import", str(manifest), "--images", str(box), "--collection", "empty-box"]).exit_code == 0
    assert "An empty box" in client.get("/").get_data(as_text=True)
    assert client.get("/collections/empty-box").status_code == 200
    assert "millbrook:empty-box" in client.get("/oai?verb=ListSets").get_data(as_text=True)


def test_a_failure_mid_ingest_leaves_no_orphan_row_or_file(app, tmp_path, box, monkeypatch) -> None:
    make_collection(slug="main-street")
    db.session.commit()
    manifest = _write_manifest(tmp_path / "m.csv", ROWS[:4])
    import photoid.photos.service as service

    real = service.record_event

    def failing(**kwargs):  # the database fails while cataloguing the third photo
        if kwargs["target"].identifier == "MPL-3":
            raise RuntimeError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(service, "record_event", failing)
    result = app.test_cli_runner().invoke(args=["import", str(manifest), "--images", str(box), "--collection", "main-street", "--workers", "1"])
    assert isinstance(result.exception, RuntimeError)

    photos = list(db.session.scalars(select(Photo)))
    assert {p.identifier for p in photos} == {"MPL-1", "MPL-2"}
    root = Path(app.config["UPLOAD_DIR"])
    assert _photo_folders(root) == {p.source_checksum for p in photos}
    assert _leftovers(root) == []
    for photo in photos:  # what is there is complete
        folder = next((root / "photos").glob(f"*/{photo.source_checksum}"))
        assert (folder / "meta.json").is_file() and (folder / "thumb.jpg").is_file()

    monkeypatch.setattr(service, "record_event", real)
    result = app.test_cli_runner().invoke(args=["import", str(manifest), "--images", str(box), "--collection", "main-street"])
    assert "Ingested 2, skipped 2 as duplicates, rejected 0." in result.output
