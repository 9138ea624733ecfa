"""A catalog record as MARC 21 bibliographic XML (MARCXML) for a photograph (leader type ``k``).

Described as RDA asks (content, media and carrier types in 336-338, supplied dates worded
"[approximately 1920]"), and checked with MARC::Lint in the tests. Controlled headings go in
600/647/651 with the authority URI in ``$0`` and its source in ``$2``; names and terms not under
authority control go in 653. Community dates become 648 chronological terms. A 500 note says the
identifications were contributed by the community and verified by the institution. The same
heading approved twice is written once.
"""
from __future__ import annotations

import re
from datetime import datetime

from lxml import etree

from photoid.catalog.records import (
    CatalogRecord, Fact, distinct, distinct_text, name_and_dates, verification_note, xml_safe, years,
)
from photoid.edtf import is_valid, year_range
from photoid.templating import RIGHTS_LABELS
from photoid.text import one_line

MARC = "http://www.loc.gov/MARC21/slim"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_URL = "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd"
NSMAP = {"marc": MARC, "xsi": XSI}
#: new record, two-dimensional nonprojectable graphic, monograph, Unicode, ISBD punctuation.
#: (A "kh" 007 and the 336-338 types say what it is; RDA has no general material designation, 245 $h.)
LEADER = "00000nkm a2200000 i 4500"
_NONFILING = {"the ": 4, "a ": 2, "an ": 3}
#: Words that make an event a meeting (653 second indicator 3): anything else is a topical term.
_MEETING = re.compile(r"\b(?:meeting|conference|congress|convention|symposium|assembly|synod|summit|council)s?\b", re.I)
#: Where a heading's link comes from: the start of the URI and the MARC source code for $2.
_SOURCES = (
    ("http://id.loc.gov/authorities/names/", "naf"),
    ("http://id.loc.gov/authorities/subjects/", "lcsh"),
    ("http://www.wikidata.org/entity/", "wikidata"),
    ("https://sws.geonames.org/", "geonames"),
    ("http://viaf.org/viaf/", "viaf"),
)

Subfields = list[tuple[str, str]]


def _control(parent: etree._Element, tag: str, value: str) -> None:
    etree.SubElement(parent, f"{{{MARC}}}controlfield", tag=tag).text = value


def _data(parent: etree._Element, tag: str, ind1: str, ind2: str, subfields: Subfields) -> None:
    subfields = [(code, xml_safe(one_line(value))) for code, value in subfields if one_line(value)]
    if not subfields:
        return
    field = etree.SubElement(parent, f"{{{MARC}}}datafield", tag=tag, ind1=ind1, ind2=ind2)
    for code, value in subfields:
        etree.SubElement(field, f"{{{MARC}}}subfield", code=code).text = value


def _end(text: str, mark: str = ".") -> str:
    """ISBD: close a field with a full stop unless it already ends with punctuation."""
    text = one_line(text)
    return text if not text or text[-1] in ".?!-)]" else text + mark


_OPEN = re.compile(r"^(?P<start>\.\.|\d{4}\S*)/(?P<end>\.\.|\d{4}\S*)$")


def _open_ended(edtf: str) -> tuple[str, str] | None:
    """("1950", "uuuu") for "1950/..", ("uuuu", "1950") for "../1950"; None for anything else."""
    match = _OPEN.match(edtf) if is_valid(edtf) else None
    if match is None or ".." not in (match["start"], match["end"]):
        return None
    return tuple("uuuu" if part == ".." else part[:4] for part in (match["start"], match["end"]))  # type: ignore[return-value]


def date_range(edtf: str | None) -> tuple[str, str, str]:
    """(type of date, date 1, date 2) for the 008: ``s`` a single year, known or probable ("1945",
    "1945~", "1945?", "summer 1952"), ``q`` a range of years ("194X", "1935/1938", "1950/.."),
    ``n`` unknown."""
    span = year_range(edtf) if edtf else None
    if span is None:
        ends = _open_ended(edtf) if edtf else None
        return ("q", *ends) if ends else ("n", "uuuu", "uuuu")  # type: ignore[return-value]
    first, last = span
    if first == last:
        return "s", f"{first:04d}", "    "
    return "q", f"{first:04d}", f"{last:04d}"


def date_statement(edtf: str | None) -> str:
    """The 264 ``$c`` text in RDA's words for supplied dates: "1925", "[approximately 1920]",
    "[1950?]", "[between 1940 and 1949]", "[between 1940 and 1949?]", "[not before 1950]"."""
    kind, first, second = date_range(edtf)
    if kind == "n" or not edtf:
        return "[date of production not identified]"
    probable = "?" if any(mark in edtf for mark in "?%") else ""
    approximately = "approximately " if any(mark in edtf for mark in "~%") else ""
    if kind == "s":
        return f"[{approximately}{first}{probable}]" if probable or approximately else first
    if "uuuu" in (first, second):
        return f"[not before {first}{probable}]" if second == "uuuu" else f"[not after {second}{probable}]"
    # A range is probable whether its ends are uncertain or approximate: RDA has one wording for both.
    return f"[between {first} and {second}{'?' if probable or approximately else ''}]"


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
    """Second indicator and ``$2``/``$0`` subfields for a heading from its (canonical) authority URI:
    7 with the source named in ``$2``, or 4 (source not specified) and no link for none we know."""
    code = next((code for prefix, code in _SOURCES if uri and uri.startswith(prefix)), None)
    if code is None:
        return "4", []
    return "7", [("2", code), ("0", uri or "")]


def _person(parent: etree._Element, fact: Fact) -> None:
    ind2, source = _source(fact.authority_uri)
    name, dates = name_and_dates(fact)
    ind1 = "1" if "," in name else "0"
    subfields: Subfields = [("a", f"{name}," if dates else _end(name)), ("d", _end(dates) if dates else "")]
    _data(parent, "600", ind1, ind2, subfields + source)


def _uncontrolled(parent: etree._Element, fact: Fact) -> None:
    # 1 personal name, 5 geographic name, 3 meeting name, 0 topical term.
    ind2 = {"person": "1", "place": "5"}.get(fact.kind, "0")
    if fact.kind == "event" and _MEETING.search(fact.heading):
        ind2 = "3"
    _data(parent, "653", " ", ind2, [("a", fact.heading)])


def _note(record: CatalogRecord) -> str:
    return verification_note(record)


def to_marcxml(record: CatalogRecord) -> etree._Element:
    """A ``<marc:record>`` for the photo; valid against MARC21slim.xsd."""
    root = etree.Element(f"{{{MARC}}}record", nsmap=NSMAP)
    root.set(f"{{{XSI}}}schemaLocation", f"{MARC} {SCHEMA_URL}")
    etree.SubElement(root, f"{{{MARC}}}leader").text = LEADER
    _control(root, "001", xml_safe(one_line(record.identifier)))
    agency = one_line(record.agency)  # catalog_records always sets it; a record built by hand may not
    if agency:
        _control(root, "003", xml_safe(agency))
    _control(root, "005", _timestamp(record.modified_at))
    _control(root, "007", "kh uuu")
    _control(root, "008", fixed_field(record))
    _data(root, "040", " ", " ", [("a", agency), ("b", "eng"), ("e", "rda"), ("c", agency)])
    if record.date_edtf and is_valid(record.date_edtf):
        _data(root, "046", " ", " ", [("k", record.date_edtf), ("2", "edtf")])
    title = one_line(record.title)
    nonfiling = next((str(n) for prefix, n in _NONFILING.items() if title.lower().startswith(prefix)), "0")
    _data(root, "245", "0", nonfiling, [("a", _end(title))])
    # Second indicator 0: production. A photograph in an archive was made, not published (RDA 2.7).
    _data(root, "264", " ", "0", [("c", date_statement(record.date_edtf))])
    _data(root, "300", " ", " ", [("a", "1 photograph.")])
    _data(root, "336", " ", " ", [("a", "still image"), ("b", "sti"), ("2", "rdacontent")])
    _data(root, "337", " ", " ", [("a", "unmediated"), ("b", "n"), ("2", "rdamedia")])
    _data(root, "338", " ", " ", [("a", "sheet"), ("b", "nb"), ("2", "rdacarrier")])
    if record.facts:
        _data(root, "500", " ", " ", [("a", _note(record))])
    if record.description:
        _data(root, "520", " ", " ", [("a", _end(record.description))])
    if record.rights_uri:
        _data(root, "540", " ", " ", [("a", RIGHTS_LABELS.get(record.rights_uri, "")), ("u", record.rights_uri)])
    for fact in distinct(record.people):
        (_person if fact.is_controlled else _uncontrolled)(root, fact)
    for fact in distinct(record.events):
        if fact.is_controlled:
            ind2, source = _source(fact.authority_uri)
            _data(root, "647", " ", ind2, [("a", fact.heading), ("d", years(fact.dates))] + source)
    for fact in distinct(record.dates):
        _data(root, "648", " ", "4", [("a", years(fact.dates) or fact.heading)])
    for subject in distinct_text(record.subjects):
        _data(root, "650", " ", "4", [("a", _end(subject))])
    for place in distinct_text(record.places):
        _data(root, "651", " ", "4", [("a", _end(place))])
    for fact in distinct(record.fact_places):
        if fact.is_controlled:
            ind2, source = _source(fact.authority_uri)
            _data(root, "651", " ", ind2, [("a", _end(fact.heading))] + source)
    for fact in distinct([*record.events, *record.fact_places]):
        if not fact.is_controlled:
            _uncontrolled(root, fact)
    for fact in distinct(record.keywords):
        _uncontrolled(root, fact)
    _data(root, "655", " ", "7", [("a", "Photographs."), ("2", "gmgpc")])
    if record.creator:
        _data(root, "720", " ", " ", [("a", record.creator), ("e", "creator.")])
    _data(root, "773", "0", " ", [("t", record.collection_title)])
    _data(root, "856", "4", "0", [("u", record.page_url), ("z", "View the photo and its identifications")])
    if record.catalog_url:  # imported from the library's IIIF: its own record, so each points to the other
        _data(root, "856", "4", "1", [("u", record.catalog_url), ("z", f"View in {record.institution_name}'s catalog")])
    fields = _once(root.findall(f"{{{MARC}}}datafield"))
    for element in root.findall(f"{{{MARC}}}datafield"):
        root.remove(element)
    root.extend(sorted(fields, key=lambda element: element.get("tag")))  # stable: same tags keep their order
    return root


def _heading_key(element: etree._Element) -> tuple[str, ...]:
    """A subject field's tag and words, without case or closing punctuation: "Main Street (Millbrook)."
    from the catalog and the same place approved by the community are one heading."""
    words = [one_line(sub.text).rstrip(".,").casefold() for sub in element if sub.get("code") in "abcdxyz"]
    return (element.get("tag", ""), *words)


def _once(fields: list[etree._Element]) -> list[etree._Element]:
    """Each subject heading once (6XX): the copy that carries the most (a link, its source) is kept,
    in the place of the first."""
    kept: dict[tuple[str, ...], int] = {}
    result: list[etree._Element] = []
    for element in fields:
        if not element.get("tag", "").startswith("6"):
            result.append(element)
            continue
        key = _heading_key(element)
        if key not in kept:
            kept[key] = len(result)
            result.append(element)
        elif len(element) > len(result[kept[key]]):
            result[kept[key]] = element
    return result


def _timestamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%d%H%M%S.0")
