"""Catalog records as spreadsheet rows: CSV, and CONTENTdm's tab-delimited import layout.

Pure functions from a record to a list of cells. A cell that starts with ``=``, ``+``, ``-``,
``@`` (or a tab or carriage return) gets a leading apostrophe, so a spreadsheet never runs
it as a formula.
"""
from __future__ import annotations

from collections.abc import Iterable

from photoid.catalog.records import CatalogRecord, Fact
from photoid.edtf import words as _date_words
from photoid.templating import RIGHTS_LABELS
from photoid.text import neutralise



def _clean(value: object) -> str:
    """One line of text: tabs and line breaks become spaces."""
    return " ".join(str(value or "").split())


def _join(values: Iterable[str], separator: str) -> str:
    # A separator inside a value would split it on import; it becomes a slash.
    bare = separator.strip()
    return separator.join(_clean(v).replace(bare, "/") for v in values if _clean(v))


def _headings(facts: Iterable[Fact]) -> list[str]:
    return [f.heading for f in facts]


def _note(record: CatalogRecord) -> str:
    if not record.facts:
        return ""
    verified = record.verified_at
    when = f" on {verified:%B} {verified.day}, {verified.year}" if verified else ""
    return f"Identifications contributed by the community and verified by {record.verified_by}{when}."


CSV_COLUMNS = (
    "identifier", "title", "description", "creator", "date", "date_in_words", "rights", "format",
    "width", "height", "collection", "institution", "page_url", "image_url", "subjects", "places",
    "people", "people_uris", "community_places", "community_place_uris", "events", "dates", "keywords",
    "verification_note", "modified_at",
)


def _uris(facts: Iterable[Fact]) -> list[str]:
    return [f.authority_uri for f in facts if f.authority_uri]


def csv_row(record: CatalogRecord) -> list[str]:
    """One CSV row in ``CSV_COLUMNS`` order; several values in one cell are joined with ``|``."""
    many = lambda values: _join(values, "|")  # noqa: E731
    cells = [
        record.identifier, record.title, record.description, record.creator, record.date_edtf or "",
        _date_words(record.date_edtf), record.rights_uri, record.format, str(record.width), str(record.height),
        record.collection_title, record.institution_name, record.page_url, record.image_url,
        many(record.subjects), many(record.places), many(_headings(record.people)), many(_uris(record.people)),
        many(_headings(record.fact_places)), many(_uris(record.fact_places)), many(_headings(record.events)),
        many(_headings(record.dates)), many(_headings(record.keywords)), _note(record),
        record.modified_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    ]
    return [neutralise(_clean(cell)) for cell in cells]


#: CONTENTdm field names (Dublin Core mapped); "File Name" must be the last column.
CONTENTDM_COLUMNS = (
    "Title", "Description", "Creator", "Date", "Subject", "Personal Names", "Events", "Coverage-Spatial",
    "Coverage-Temporal", "Type", "Format", "Identifier", "Rights", "Rights URI", "Relation", "Publisher",
    "Reference URL", "Notes", "File Name",
)


def contentdm_row(record: CatalogRecord) -> list[str]:
    """One row for CONTENTdm's tab-delimited import; several values are joined with ``; ``."""
    many = lambda values: _join(values, "; ")  # noqa: E731
    cells = [
        record.title, record.description, record.creator, record.date_edtf or "",
        many([*record.subjects, *_headings(record.keywords)]), many(_headings(record.people)),
        many(_headings(record.events)), many([*record.places, *_headings(record.fact_places)]),
        many(_headings(record.dates)), "Still Image", record.format, record.identifier,
        RIGHTS_LABELS.get(record.rights_uri, record.rights_uri), record.rights_uri, record.collection_title,
        record.institution_name, record.page_url, _note(record), f"{record.photo_id}.jpg",
    ]
    return [neutralise(_clean(cell)) for cell in cells]
