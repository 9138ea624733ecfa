"""Reading the ingest manifest: each bad cell gets a reason an archivist can act on."""
from __future__ import annotations

from pathlib import Path

import pytest

from photoid.photos.manifest import ManifestError, read_manifest

HEADER = "identifier,title,description,date,creator,rights,subjects,places,file\n"


def _manifest(tmp_path: Path, body: str, header: str = HEADER) -> tuple[Path, Path]:
    images = tmp_path / "images"
    images.mkdir()
    for name in ("a.jpg", "b.tif"):
        (images / name).write_bytes(b"x")
    path = tmp_path / "manifest.csv"
    path.write_text(header + body, encoding="utf-8")
    return path, images


def test_a_good_row_becomes_catalog_fields(tmp_path) -> None:
    path, images = _manifest(tmp_path, 'MPL-1,Parade,"Crowd, band",circa 1945,Hill Studio,No Copyright - United States,Parades|Bands,Main Street|Millbrook,a.jpg\n')
    row = read_manifest(path, images).rows[0]
    assert row.problem is None and row.number == 2
    assert row.fields is not None
    assert row.fields.date_edtf == "1945~"
    assert row.fields.rights_uri == "http://rightsstatements.org/vocab/NoC-US/1.0/"
    assert row.fields.subjects == ["Parades", "Bands"] and row.fields.places == ["Main Street", "Millbrook"]
    assert row.source == (images / "a.jpg").resolve()


@pytest.mark.parametrize(
    ("date", "edtf"),
    [("1945", "1945"), ("1940s", "194X"), ("ca. 1920", "1920~"), ("194X", "194X"), ("1950/1959", "1950/1959"), ("1945~", "1945~"), ("", None)],
)
def test_dates_are_converted_to_edtf(tmp_path, date, edtf) -> None:
    path, images = _manifest(tmp_path, f"MPL-1,Parade,,{date},,,,,a.jpg\n")
    row = read_manifest(path, images).rows[0]
    assert row.problem is None and row.fields is not None and row.fields.date_edtf == edtf


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        (",Parade,,,,,,,a.jpg", "The identifier is empty."),
        ("MPL-1,,,,,,,,a.jpg", "The title is empty."),
        ("MPL-1,Parade,,sometime,,,,,a.jpg", "could not read"),
        ("MPL-1,Parade,,,,,,,missing.jpg", "was not found in the images folder"),
        ("MPL-1,Parade,,,,,,,../manifest.csv", "outside the images folder"),
        ("MPL-1,Parade,,,,,,,", "The file column is empty."),
        ("MPL-1,Parade,,,,Public domain-ish,,,a.jpg", "neither a rights statement URI nor a known label"),
        ("MPL-1," + "T" * 501 + ",,,,,,,a.jpg", "The title is longer than 500 characters."),
    ],
)
def test_bad_rows_are_rejected_with_a_reason(tmp_path, cells, reason) -> None:
    path, images = _manifest(tmp_path, cells + "\n")
    row = read_manifest(path, images).rows[0]
    assert row.fields is None
    assert row.problem is not None and reason in row.problem


def test_unknown_columns_are_reported_and_missing_ones_refused(tmp_path) -> None:
    path, images = _manifest(tmp_path, "MPL-1,Parade,a.jpg,blue\n", header="identifier,title,file,colour\n")
    assert read_manifest(path, images).unknown_columns == ["colour"]
    (tmp_path / "bad.csv").write_text("identifier,name\nMPL-1,x\n")
    with pytest.raises(ManifestError, match="no title, file column"):
        read_manifest(tmp_path / "bad.csv", images)


def test_a_manifest_that_is_not_utf8_is_refused_clearly(tmp_path) -> None:
    images = tmp_path / "images"
    images.mkdir()
    (tmp_path / "latin1.csv").write_bytes(HEADER.encode() + "MPL-1,Caf\xe9,,,,,,,a.jpg\n".encode("latin-1"))
    with pytest.raises(ManifestError, match="CSV UTF-8"):
        read_manifest(tmp_path / "latin1.csv", images)


def test_tabs_line_breaks_and_control_characters_are_cleaned_where_catalog_data_enters(tmp_path) -> None:
    """They reached MARC, MODS and Dublin Core, where marc-lint reports "invalid control character"."""
    cells = 'MPL-1,"Bell\x07\ttower\n(north side)","First line\twith a tab.\n\n\n\nSecond paragraph.\x0b",,' \
            '"Hill\nStudio",,"Bells\t| Towers",,a.jpg'
    path, images = _manifest(tmp_path, cells + "\n")
    fields = read_manifest(path, images).rows[0].fields
    assert fields is not None
    assert fields.title == "Bell tower (north side)" and fields.creator == "Hill Studio"
    assert fields.description == "First line with a tab.\n\nSecond paragraph."
    assert fields.subjects == ["Bells", "Towers"]
