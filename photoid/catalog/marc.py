"""A catalog record as MARC 21 bibliographic XML (MARCXML) for a photograph (leader type ``k``).

Controlled headings go in 600/647/651 with the authority URI in ``$0``; names and terms not
under authority control go in 653. Community dates become 648 chronological terms. A 500 note
says the identifications were contributed by the community and verified by the institution.
"""
from __future__ import annotations

import re
from datetime import datetime

from lxml import etree

from photoid.catalog.records import CatalogRecord, Fact, xml_safe
from photoid.edtf import describe, is_valid, year_range
from photoid.templating import RIGHTS_LABELS

MARC = "http://www.loc.gov/MARC21/slim"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_URL = "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd"
NSMAP = {"marc": MARC, "xsi": XSI}
#: new record, two-dimensional nonprojectable graphic, monograph, Unicode, ISBD punctuation.
LEADER = "00000nkm a2200000 i 4500"
_DATED_HEADING = re.compile(r"^(?P<name>.+?),\s*(?P<dates>(?:approximately |born |died )?\d{3,4}-?(?:\d{3,4})?\??)\.?$")
_NONFILING = {"the ": 4, "a ": 2, "an ": 3}

Subfields = list[tuple[str, str]]


def _control(parent: etree._Element, tag: str, value: str) -> None:
    etree.SubElement(parent, f"{{{MARC}}}controlfield", tag=tag).text = value


def _data(parent: etree._Element, tag: str, ind1: str, ind2: str, subfields: Subfields) -> None:
    subfields = [(code, xml_safe(value).strip()) for code, value in subfields if value and str(value).strip()]
    if not subfields:
        return
    field = etree.SubElement(parent, f"{{{MARC}}}datafield", tag=tag, ind1=ind1, ind2=ind2)
    for code, value in subfields:
        etree.SubElement(field, f"{{{MARC}}}subfield", code=code).text = value


def _end(text: str, mark: str = ".") -> str:
    """ISBD: close a field with a full stop unless it already ends with punctuation."""
    text = text.strip()
    return text if not text or text[-1] in ".?!-)]" else text + mark


def date_range(edtf: str | None) -> tuple[str, str, str]:
    """(type of date, date 1, date 2) for the 008: ``s`` single known year, ``q`` a range or
    an uncertain or approximate year, ``n`` unknown."""
    span = year_range(edtf) if edtf else None
    if span is None:
        return "n", "uuuu", "uuuu"
    first, last = span
    if first == last and edtf and not any(mark in edtf for mark in "~?%/"):
        return "s", f"{first:04d}", "    "
    return "q", f"{first:04d}", f"{last:04d}"


def date_statement(edtf: str | None) -> str:
    """The 264 ``$c`` text: the year as is, anything less certain in brackets ("[about 1945]")."""
    if not edtf:
        return "[date of production not identified]"
    kind, first, _ = date_range(edtf)
    if kind == "s":
        return first
    try:
        return f"[{describe(edtf)}]"
    except ValueError:
        return f"[{edtf}]"


def fixed_field(record: CatalogRecord) -> str:
    """The 40-character 008 for visual materials."""
    kind, first, second = date_range(record.date_edtf)
    entered = record.modified_at.strftime("%y%m%d")
    # 15-17 place unknown, 18-20 no running time, 21-32 blank, 33 picture, 34 technique n/a,
    # 35-37 no linguistic content, 39 cataloging source other.
    value = f"{entered}{kind}{first}{second}xx nnn" + " " * 12 + "inzxx d"
    assert len(value) == 40, value
    return value


def _source(uri: str | None) -> tuple[str, Subfields]:
    """Second indicator and ``$2``/``$0`` subfields for a heading from the authority URI."""
    if not uri:
        return "4", []
    if "id.loc.gov" in uri:
        return "0", [("0", uri)]
    if "wikidata.org" in uri:
        return "7", [("2", "wikidata"), ("0", uri)]
    return "4", [("0", uri)]


def _years(edtf: str | None) -> str:
    span = year_range(edtf) if edtf else None
    if span is None:
        return ""
    return str(span[0]) if span[0] == span[1] else f"{span[0]}-{span[1]}"


def _person(parent: etree._Element, fact: Fact) -> None:
    ind2, source = _source(fact.authority_uri)
    match = _DATED_HEADING.match(fact.heading)
    name, dates = (match["name"], match["dates"]) if match else (fact.heading, _years(fact.dates))
    ind1 = "1" if "," in name else "0"
    subfields: Subfields = [("a", f"{name}," if dates else _end(name)), ("d", _end(dates) if dates else "")]
    _data(parent, "600", ind1, ind2, subfields + source)


def _uncontrolled(parent: etree._Element, fact: Fact) -> None:
    ind2 = {"person": "1", "place": "5", "event": "3"}.get(fact.kind, "0")
    _data(parent, "653", " ", ind2, [("a", fact.heading)])


def _note(record: CatalogRecord) -> str:
    verified = record.verified_at
    when = f" on {verified:%B} {verified.day}, {verified.year}" if verified else ""
    return f"Identifications contributed by the community and verified by {record.verified_by}{when}."


def to_marcxml(record: CatalogRecord) -> etree._Element:
    """A ``<marc:record>`` for the photo; valid against MARC21slim.xsd."""
    root = etree.Element(f"{{{MARC}}}record", nsmap=NSMAP)
    root.set(f"{{{XSI}}}schemaLocation", f"{MARC} {SCHEMA_URL}")
    etree.SubElement(root, f"{{{MARC}}}leader").text = LEADER
    _control(root, "001", xml_safe(record.identifier))
    _control(root, "005", _timestamp(record.modified_at))
    _control(root, "007", "kh uuu")
    _control(root, "008", fixed_field(record))
    if record.date_edtf and is_valid(record.date_edtf):
        _data(root, "046", " ", " ", [("k", record.date_edtf), ("2", "edtf")])
    title = xml_safe(record.title).strip()
    nonfiling = next((str(n) for prefix, n in _NONFILING.items() if title.lower().startswith(prefix)), "0")
    _data(root, "245", "0", nonfiling, [("a", title), ("h", "[graphic].")])
    # Second indicator 0: production. A photograph in an archive was made, not published (RDA 2.7).
    _data(root, "264", " ", "0", [("c", date_statement(record.date_edtf))])
    _data(root, "300", " ", " ", [("a", "1 photograph.")])
    _data(root, "336", " ", " ", [("a", "still image"), ("b", "sti"), ("2", "rdacontent")])
    if record.facts:
        _data(root, "500", " ", " ", [("a", _note(record))])
    if record.description:
        _data(root, "520", " ", " ", [("a", _end(record.description))])
    if record.rights_uri:
        _data(root, "540", " ", " ", [("a", RIGHTS_LABELS.get(record.rights_uri, "")), ("u", record.rights_uri)])
    for fact in record.people:
        (_person if fact.is_controlled else _uncontrolled)(root, fact)
    for fact in record.events:
        if fact.is_controlled:
            ind2, source = _source(fact.authority_uri)
            _data(root, "647", " ", ind2, [("a", fact.heading), ("d", _years(fact.dates))] + source)
    for fact in record.dates:
        _data(root, "648", " ", "4", [("a", _years(fact.dates) or fact.heading)])
    for subject in record.subjects:
        _data(root, "650", " ", "4", [("a", _end(subject))])
    for place in record.places:
        _data(root, "651", " ", "4", [("a", _end(place))])
    for fact in record.fact_places:
        if fact.is_controlled:
            ind2, source = _source(fact.authority_uri)
            _data(root, "651", " ", ind2, [("a", _end(fact.heading))] + source)
    for fact in [*record.events, *record.fact_places]:
        if not fact.is_controlled:
            _uncontrolled(root, fact)
    for fact in record.keywords:
        _uncontrolled(root, fact)
    _data(root, "655", " ", "7", [("a", "Photographs."), ("2", "gmgpc")])
    if record.creator:
        _data(root, "720", " ", " ", [("a", record.creator), ("e", "creator.")])
    _data(root, "773", "0", " ", [("t", record.collection_title)])
    _data(root, "856", "4", "0", [("u", record.page_url), ("z", "View the photo and its identifications")])
    fields = root.findall(f"{{{MARC}}}datafield")
    for element in fields:
        root.remove(element)
    root.extend(sorted(fields, key=lambda element: element.get("tag")))  # stable: same tags keep their order
    return root


def _timestamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%d%H%M%S.0")
