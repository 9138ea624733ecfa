"""The XML metadata formats a catalog record can be written in, as OAI-PMH advertises them.

Each ``Format`` is a pure function from a ``CatalogRecord`` to an lxml element, plus the prefix,
namespace and schema that ``ListMetadataFormats`` reports. File exports use the same functions.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from photoid.catalog import dublin_core, marc, mods
from photoid.catalog.records import CatalogRecord


@dataclass(frozen=True)
class Format:
    prefix: str
    namespace: str
    schema_url: str
    to_element: Callable[[CatalogRecord], etree._Element]


METADATA_FORMATS: dict[str, Format] = {
    "oai_dc": Format("oai_dc", dublin_core.OAI_DC, dublin_core.SCHEMA_URL, dublin_core.to_oai_dc),
    "marc21": Format("marc21", marc.MARC, marc.SCHEMA_URL, marc.to_marcxml),
    "mods": Format("mods", mods.MODS, mods.SCHEMA_URL, mods.to_mods),
}
