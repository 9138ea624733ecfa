"""``photoid import --report``: the report opens in a spreadsheet as text, never as a formula."""
from __future__ import annotations

import csv
from pathlib import Path

from PIL import Image

from photoid.extensions import db
from tests.factories import make_collection

HEADER = ["identifier", "title", "file"]


def test_identifiers_a_spreadsheet_would_run_are_neutralised_like_the_exports(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    make_collection(slug="main-street")
    db.session.commit()
    images = tmp_path / "scans"
    images.mkdir()
    Image.new("RGB", (600, 400), (90, 80, 70)).save(images / "ok.jpg", "JPEG")
    manifest = tmp_path / "manifest.csv"
    with manifest.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([HEADER, ["=cmd|' /C calc'!A0", "Dangerous", "missing.jpg"],
                                      ["@SUM(1+1)", "Also", "missing.jpg"], ["+1", "Plus", "ok.jpg"],
                                      ["MPL-1", "Plain", "missing.jpg"]])
    report = tmp_path / "report.csv"
    result = app.test_cli_runner().invoke(args=["import", str(manifest), "--images", str(images), "--collection",
                                                "main-street", "--report", str(report), "--workers", "1"])
    assert report.is_file(), result.output
    with report.open(encoding="utf-8") as handle:
        rows = {row["row"]: row for row in csv.DictReader(handle)}
    identifiers = [row["identifier"] for row in rows.values()]
    assert identifiers == ["'=cmd|' /C calc'!A0", "'@SUM(1+1)", "'+1", "MPL-1"]
    assert not any(row["reason"].startswith(("=", "+", "-", "@")) for row in rows.values())
