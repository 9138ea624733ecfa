"""A cataloger's tool reads our MARCXML back: pymarc parses the export into the fields we meant."""
from __future__ import annotations

import io

import pymarc

from photoid.catalog.export import render
from tests.unit.test_catalog_formats import make_record


def test_pymarc_reads_every_field_back() -> None:
    data = b"".join(render("marcxml", [make_record(), make_record(photo_id=8, identifier="MPL-0008", title="Second")]))
    records = pymarc.parse_xml_to_array(io.BytesIO(data))
    assert [r["001"].data for r in records] == ["MPL-0007", "MPL-0008"]
    first = records[0]
    assert first.leader[6] == "k"  # two-dimensional nonprojectable graphic
    assert first["245"].get_subfields("a") == ["The Main Street parade."] and first["245"].indicator2 == "4"
    people = {f.get_subfields("a")[0]: f.get_subfields("0") for f in first.get_fields("600")}
    assert people["Smith, John,"] == ["http://id.loc.gov/authorities/names/n79021164"]
    assert [f.get_subfields("0") for f in first.get_fields("651")] == [[], ["https://sws.geonames.org/5165418/"]]
    assert "Aunt Mary Kowalski" in [f.get_subfields("a")[0] for f in first.get_fields("653")]
    assert any("verified by Millbrook Public Library" in f.value() for f in first.get_fields("500"))
    assert first["856"].get_subfields("u") == ["https://photos.example.org/photos/7"]


def test_marc_lint_finds_nothing_to_complain_about() -> None:
    from marc_lint.linter import MarcLint

    records = [make_record(), make_record(date_edtf=None, creator="", description="", people=[], events=[])]
    parsed = pymarc.parse_xml_to_array(io.BytesIO(b"".join(render("marcxml", records))))
    lint = MarcLint()
    assert [[str(w) for w in lint.check_record(record)] for record in parsed] == [[], []]
