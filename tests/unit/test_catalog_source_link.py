"""A photo imported from a library's IIIF keeps the link to the library's own catalog record in every
export (MARC 856 with a second link, MODS relatedItem, DC relation, the CSV's catalog_url), valid
against the schemas and clean for MARC::Lint; a photo without one exports as before."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from lxml import etree

from photoid.catalog.export import render
from photoid.catalog.formats import METADATA_FORMATS
from photoid.catalog.tabular import CSV_COLUMNS
from tests.integration.test_marc_lint import _marc_lint_missing, marc_lint
from tests.unit.test_catalog_formats import MARC, MODS, SCHEMAS, make_record

CATALOG = "https://cdm15999.contentdm.oclc.org/digital/collection/p15999coll3/id/412"
LABEL = "View in Millbrook Public Library's catalog"


@pytest.mark.parametrize("prefix, schema", [("oai_dc", "oai_dc.local.xsd"), ("marc21", "MARC21slim.xsd"),
                                            ("mods", "mods-3-8.xsd")])
def test_the_catalog_link_is_valid_in_every_xml_format(prefix: str, schema: str) -> None:
    element = METADATA_FORMATS[prefix].to_element(make_record(catalog_url=CATALOG))
    validator = etree.XMLSchema(etree.parse(str(SCHEMAS / schema)))
    assert validator.validate(element), validator.error_log
    assert CATALOG in etree.tostring(element, encoding="unicode")


def test_marc_has_a_second_856_and_mods_a_related_item() -> None:
    marc = METADATA_FORMATS["marc21"].to_element(make_record(catalog_url=CATALOG))
    links = [(f.get("ind2"), [s.text for s in f]) for f in marc.iter(f"{MARC}datafield") if f.get("tag") == "856"]
    assert links == [("0", ["https://photos.example.org/photos/7", "View the photo and its identifications"]),
                     ("1", [CATALOG, LABEL])]
    mods = METADATA_FORMATS["mods"].to_element(make_record(catalog_url=CATALOG))
    (related,) = mods.findall(f"{MODS}relatedItem[@type='otherVersion']")
    assert related.get("displayLabel") == LABEL
    assert related.findtext(f"{MODS}location/{MODS}url") == CATALOG


def test_without_a_catalog_link_nothing_is_added() -> None:
    marc = METADATA_FORMATS["marc21"].to_element(make_record())
    assert [f.get("ind2") for f in marc.iter(f"{MARC}datafield") if f.get("tag") == "856"] == ["0"]
    assert METADATA_FORMATS["mods"].to_element(make_record()).findall(f"{MODS}relatedItem[@type='otherVersion']") == []
    (row,) = csv.DictReader(io.StringIO(b"".join(render("csv", [make_record()])).decode("utf-8-sig")))
    assert row["catalog_url"] == ""


def test_csv_has_the_catalog_url_column() -> None:
    (row,) = csv.DictReader(io.StringIO(b"".join(render("csv", [make_record(catalog_url=CATALOG)])).decode("utf-8-sig")))
    assert CSV_COLUMNS[-1] == "catalog_url" and row["catalog_url"] == CATALOG


@pytest.mark.skipif(_marc_lint_missing(), reason="perl's MARC::Lint is not installed")
def test_the_second_link_passes_marc_lint(tmp_path: Path) -> None:
    assert marc_lint(b"".join(render("marcxml", [make_record(catalog_url=CATALOG)])), tmp_path) == []
