"""Catalog records as spreadsheet rows: CSV, and CONTENTdm's tab-delimited import layout.

Pure functions from a record to a list of cells. A cell that starts with ``=``, ``+``, ``-``,
``@`` (or a tab or carriage return) gets a leading apostrophe, so a spreadsheet never runs
it as a formula. Each heading is written once, and a URI column lines up with its names: the
n-th URI belongs to the n-th name, an empty slot to a name without one.
"""
from __future__ import annotations

from collections.abc import Iterable

from photoid.catalog.records import CatalogRecord, Fact, distinct, distinct_text, verification_note
from photoid.edtf import iso8601, year_range
from photoid.edtf import words as _date_words
from photoid.templating import RIGHTS_LABELS
from photoid.text import neutralise, one_line

_clean = one_line  # one line of text: control characters gone, tabs and line breaks become spaces


def _join(values: Iterable[str], separator: str, *, keep_empty: bool = False) -> str:
    # A separator inside a value would split it on import; it becomes a slash. ``keep_empty`` keeps
    # the slot of an empty value, so a column of URIs lines up with its column of names.
    bare = separator.strip()
    return separator.join(_clean(v).replace(bare, "/") for v in values if keep_empty or _clean(v))


def _headings(facts: Iterable[Fact]) -> list[str]:
    return [f.heading for f in distinct(facts)]


def contentdm_date(edtf: str | None) -> str:
    """The date in a form CONTENTdm's date field accepts: yyyy, yyyy-mm, yyyy-mm-dd or yyyy-yyyy
    ("1945~" -> "1945", "194X" -> "1940-1949", "summer 1952" -> "1952"); "" when it has no years."""
    iso = iso8601(edtf)
    if iso and "/" not in iso:
        return iso
    span = year_range(edtf) if edtf else None
    if span is None:
        return ""
    return f"{span[0]:04d}" if span[0] == span[1] else f"{span[0]:04d}-{span[1]:04d}"


def _note(record: CatalogRecord) -> str:
    if not record.facts:
        return ""
    return verification_note(record)


CSV_COLUMNS = (
    "identifier", "title", "description", "creator", "date", "date_in_words", "rights", "format",
    "width", "height", "collection", "institution", "page_url", "image_url", "subjects", "places",
    "people", "people_uris", "community_places", "community_place_uris", "events", "dates", "keywords",
    "verification_note", "modified_at", "catalog_url",
)


def _uris(facts: Iterable[Fact]) -> list[str]:
    """One URI per name of ``_headings`` (same order), "" for a name without one."""
    return [f.authority_uri or "" for f in distinct(facts)]


def csv_row(record: CatalogRecord) -> list[str]:
    """One CSV row in ``CSV_COLUMNS`` order; several values in one cell are joined with ``|``."""
    many = lambda values: _join(values, "|")  # noqa: E731
    aligned = lambda values: _join(values, "|", keep_empty=any(values))  # noqa: E731
    cells = [
        record.identifier, record.title, record.description, record.creator, record.date_edtf or "",
        _date_words(record.date_edtf), record.rights_uri, record.format, str(record.width), str(record.height),
        record.collection_title, record.institution_name, record.page_url, record.image_url,
        many(distinct_text(record.subjects)), many(distinct_text(record.places)), many(_headings(record.people)),
        aligned(_uris(record.people)), many(_headings(record.fact_places)), aligned(_uris(record.fact_places)),
        many(_headings(record.events)),
        many(_headings(record.dates)), many(_headings(record.keywords)), _note(record),
        record.modified_at.strftime("%Y-%m-%dT%H:%M:%SZ"), record.catalog_url,
    ]
    return [neutralise(_clean(cell)) for cell in cells]


#: CONTENTdm field names (Dublin Core mapped); "File Name" must be the last column. "Date" holds what
#: CONTENTdm's date field accepts, "Date (EDTF)" the date as recorded.
CONTENTDM_COLUMNS = (
    "Title", "Description", "Creator", "Date", "Date (EDTF)", "Subject", "Personal Names", "Events", "Coverage-Spatial",
    "Coverage-Temporal", "Type", "Format", "Identifier", "Rights", "Rights URI", "Relation", "Publisher",
    "Reference URL", "Notes", "File Name",
)


def contentdm_row(record: CatalogRecord) -> list[str]:
    """One row for CONTENTdm's tab-delimited import; several values are joined with ``; ``."""
    many = lambda values: _join(values, "; ")  # noqa: E731
    cells = [
        record.title, record.description, record.creator, contentdm_date(record.date_edtf), record.date_edtf or "",
        many(distinct_text([*record.subjects, *_headings(record.keywords)])), many(_headings(record.people)),
        many(_headings(record.events)), many(distinct_text([*record.places, *_headings(record.fact_places)])),
        many(_headings(record.dates)), "Still Image", record.format, record.identifier,
        RIGHTS_LABELS.get(record.rights_uri, record.rights_uri), record.rights_uri, record.collection_title,
        record.institution_name, record.page_url, _note(record), f"{record.photo_id}.jpg",
    ]
    return [neutralise(_clean(cell)) for cell in cells]
