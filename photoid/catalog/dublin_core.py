"""A catalog record as simple Dublin Core (``oai_dc``), the format every harvester reads.

``oai_dc`` has no attributes for authority URIs, so headings travel as plain text; MODS and
MARCXML carry the URIs. Values are written on one line (a description keeps its paragraphs) and
each once, case and spacing aside.
"""
from __future__ import annotations

from lxml import etree

from photoid.catalog.records import CatalogRecord, xml_safe
from photoid.text import one_line, tidy_lines

OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_URL = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
NSMAP = {"oai_dc": OAI_DC, "dc": DC, "xsi": XSI}


def dc_values(record: CatalogRecord) -> list[tuple[str, str]]:
    """(element, value) pairs in the order they are written; empty values are left out."""
    pairs: list[tuple[str, str]] = [("title", record.title)]
    if record.creator:
        pairs.append(("creator", record.creator))
    pairs += [("subject", s) for s in record.subjects]
    pairs += [("subject", f.heading) for f in (*record.people, *record.events, *record.keywords)]
    if record.description:
        pairs.append(("description", record.description))
    pairs.append(("publisher", record.institution_name))
    if record.date_edtf:
        pairs.append(("date", record.date_edtf))
    pairs += [("date", f.heading) for f in record.dates if f.heading != record.date_edtf]
    pairs += [("type", "StillImage"), ("format", record.format)]
    pairs += [("identifier", record.identifier), ("identifier", record.page_url)]
    pairs.append(("relation", record.collection_title))
    if record.catalog_url:  # the library's own record of the photo (imported from its IIIF)
        pairs.append(("relation", record.catalog_url))
    pairs += [("coverage", p) for p in record.places]
    pairs += [("coverage", f.heading) for f in record.fact_places]
    if record.rights_uri:
        pairs.append(("rights", record.rights_uri))
    seen: set[tuple[str, str]] = set()
    written = []
    for name, value in pairs:
        text = tidy_lines(value) if name == "description" else one_line(value)
        key = (name, one_line(text).casefold())
        if text and key not in seen:
            seen.add(key)
            written.append((name, text))
    return written


def to_oai_dc(record: CatalogRecord) -> etree._Element:
    """An ``<oai_dc:dc>`` element for the record; valid against oai_dc.xsd."""
    root = etree.Element(f"{{{OAI_DC}}}dc", nsmap=NSMAP)
    root.set(f"{{{XSI}}}schemaLocation", f"{OAI_DC} {SCHEMA_URL}")
    for name, value in dc_values(record):
        etree.SubElement(root, f"{{{DC}}}{name}").text = xml_safe(value)
    return root
