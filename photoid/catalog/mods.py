"""A catalog record as MODS 3.8, keeping EDTF dates as EDTF and authority URIs as ``valueURI``.

Names and headings are written on one line, each subject once, and a person's dates only in
their ``namePart type="date"``.
"""
from __future__ import annotations

from lxml import etree

from photoid.catalog.records import CatalogRecord, Fact, distinct, distinct_text, name_and_dates, verification_note, xml_safe
from photoid.edtf import is_valid
from photoid.templating import RIGHTS_LABELS
from photoid.text import one_line, tidy_lines

MODS = "http://www.loc.gov/mods/v3"
XLINK = "http://www.w3.org/1999/xlink"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_URL = "http://www.loc.gov/standards/mods/v3/mods-3-8.xsd"
NSMAP = {"mods": MODS, "xlink": XLINK, "xsi": XSI}
#: Known vocabularies: the start of a value URI and the vocabulary's own URI (``authorityURI``), on the
#: same scheme as the canonical value URIs stored (authorities/uris.py).
AUTHORITIES = (
    ("http://id.loc.gov/authorities/names/", "http://id.loc.gov/authorities/names"),
    ("http://id.loc.gov/authorities/subjects/", "http://id.loc.gov/authorities/subjects"),
    ("http://www.wikidata.org/entity/", "http://www.wikidata.org/entity/"),
    ("https://sws.geonames.org/", "https://sws.geonames.org/"),
    ("http://viaf.org/viaf/", "http://viaf.org/viaf/"),
)


def _el(parent: etree._Element, name: str, text: str | None = None, **attributes: str) -> etree._Element:
    """A MODS element; its text on one line (``abstract`` keeps its paragraphs)."""
    element = etree.SubElement(parent, f"{{{MODS}}}{name}", {k: xml_safe(v) for k, v in attributes.items() if v})
    if text is not None:
        element.text = xml_safe(tidy_lines(text) if name == "abstract" else one_line(text))
    return element


def _uris(fact: Fact) -> dict[str, str]:
    uri = fact.authority_uri
    if not uri:
        return {}
    vocabulary = next((auth for prefix, auth in AUTHORITIES if uri.startswith(prefix)), "")
    return {"authorityURI": vocabulary, "valueURI": uri}


def _date(parent: etree._Element, name: str, edtf: str, **attributes: str) -> None:
    if is_valid(edtf):
        _el(parent, name, edtf, encoding="edtf", **attributes)
    else:  # recorded before the parser knew it; keep it, but do not claim it is EDTF
        _el(parent, name, edtf, **attributes)


def _subjects(root: etree._Element, record: CatalogRecord) -> None:
    for topic in distinct_text(record.subjects):
        _el(_el(root, "subject"), "topic", topic)
    places = distinct(record.fact_places)
    approved = {one_line(fact.heading).casefold() for fact in places}
    for place in distinct_text(record.places):
        if one_line(place).casefold() not in approved:  # the approved one carries its link
            _el(_el(root, "subject"), "geographic", place)
    for fact in distinct(record.people):
        name = _el(_el(root, "subject"), "name", type="personal", **_uris(fact))
        words, dates = name_and_dates(fact)
        _el(name, "namePart", words)
        if dates:
            _el(name, "namePart", dates, type="date")
    for fact in places:
        subject = _el(root, "subject")
        _el(subject, "geographic", fact.heading, **_uris(fact))
        if fact.latitude is not None and fact.longitude is not None:
            _el(_el(subject, "cartographics"), "coordinates", f"{fact.latitude}, {fact.longitude}")
    for fact in distinct(record.events):
        _el(_el(root, "subject"), "topic", fact.heading, **_uris(fact))
    for fact in distinct(record.dates):
        _date(_el(root, "subject"), "temporal", fact.heading)
    for fact in distinct(record.keywords):
        _el(_el(root, "subject"), "topic", fact.heading)


def _note(record: CatalogRecord) -> str:
    return verification_note(record)


def to_mods(record: CatalogRecord) -> etree._Element:
    """A ``<mods:mods>`` element for the photo; valid against mods-3-8.xsd."""
    root = etree.Element(f"{{{MODS}}}mods", nsmap=NSMAP, version="3.8")
    root.set(f"{{{XSI}}}schemaLocation", f"{MODS} {SCHEMA_URL}")
    _el(_el(root, "titleInfo"), "title", record.title)
    if record.creator:
        name = _el(root, "name")
        _el(name, "namePart", record.creator)
        _el(_el(name, "role"), "roleTerm", "creator", type="text", authority="marcrelator")
    _el(root, "typeOfResource", "still image")
    _el(root, "genre", "Photographs", authority="gmgpc")
    if record.date_edtf:
        _date(_el(root, "originInfo", eventType="production"), "dateCreated", record.date_edtf, keyDate="yes")
    physical = _el(root, "physicalDescription")
    _el(physical, "form", "photograph", authority="marcsmd")
    _el(physical, "internetMediaType", record.format)
    _el(physical, "digitalOrigin", "reformatted digital")
    if record.description:
        _el(root, "abstract", record.description)
    if record.facts:
        _el(root, "note", _note(record), type="verification")
    _subjects(root, record)
    host = _el(root, "relatedItem", type="host")
    _el(_el(host, "titleInfo"), "title", record.collection_title)
    if record.catalog_url:  # imported from the library's IIIF: its own record of the same photo
        source = _el(root, "relatedItem", type="otherVersion", displayLabel=f"View in {record.institution_name}'s catalog")
        _el(_el(source, "location"), "url", record.catalog_url)
    _el(root, "identifier", record.identifier, type="local")
    _el(root, "identifier", record.page_url, type="uri")
    location = _el(root, "location")
    _el(location, "physicalLocation", record.institution_name)
    _el(location, "url", record.page_url, usage="primary", access="object in context")
    _el(location, "url", record.image_url, access="preview")
    if record.rights_uri:
        rights = _el(root, "accessCondition", RIGHTS_LABELS.get(record.rights_uri, record.rights_uri),
                     type="use and reproduction")
        rights.set(f"{{{XLINK}}}href", xml_safe(record.rights_uri))
    info = _el(root, "recordInfo")
    _el(info, "recordContentSource", record.institution_name)
    _el(info, "recordChangeDate", record.modified_at.strftime("%Y-%m-%dT%H:%M:%S"), encoding="iso8601")
    _el(info, "recordIdentifier", record.identifier)
    return root
