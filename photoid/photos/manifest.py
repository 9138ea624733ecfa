"""Reading an ingest manifest: the spreadsheet a catalog already produces, one row per photo.

Columns: identifier,title,description,date,creator,rights,subjects,places,file. Multi-valued
cells separate values with ``|``. Dates are turned into EDTF from the forms people write.
"""
from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from photoid.edtf import EDTFError, parse_phrase
from photoid.photos.service import PhotoFields
from photoid.templating import RIGHTS_LABELS

COLUMNS = ("identifier", "title", "description", "date", "creator", "rights", "subjects", "places", "file")
REQUIRED = ("identifier", "title", "file")
LIMITS = {"identifier": 100, "title": 500, "description": 10_000, "creator": 300, "rights": 300}
RIGHTS_BY_LABEL = {label.casefold(): uri for uri, label in RIGHTS_LABELS.items()}


class ManifestError(ValueError):
    """The manifest as a whole cannot be read (missing columns, not a CSV file)."""


class RowRejected(ValueError):
    """One row cannot be ingested; the message says what to fix."""


@dataclass(frozen=True)
class ManifestRow:
    number: int  # the spreadsheet row number, header being row 1
    identifier: str
    fields: PhotoFields | None
    source: Path | None
    problem: str | None


@dataclass(frozen=True)
class Manifest:
    rows: list[ManifestRow]
    unknown_columns: list[str]


def _clean(value: str | None, name: str) -> str:
    text = unicodedata.normalize("NFC", (value or "").strip())
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
        raise RowRejected(f"The {name} contains control characters.")
    limit = LIMITS.get(name)
    if limit and len(text) > limit:
        raise RowRejected(f"The {name} is longer than {limit} characters.")
    return text


def _many(value: str | None, name: str) -> list[str]:
    return [part.strip() for part in _clean(value, name).split("|") if part.strip()]


def _date(value: str) -> str | None:
    if not value:
        return None
    try:
        return parse_phrase(value)  # takes EDTF as it is, and the forms people write
    except EDTFError as error:
        raise RowRejected(str(error)) from error


def _rights(value: str) -> str:
    if not value:
        return ""
    if value.startswith(("http://", "https://")):
        return value
    if value.casefold() in RIGHTS_BY_LABEL:
        return RIGHTS_BY_LABEL[value.casefold()]
    raise RowRejected(f"The rights value “{value[:60]}” is neither a rights statement URI nor a known label.")


def _source(value: str, images_dir: Path) -> Path:
    if not value:
        raise RowRejected("The file column is empty.")
    candidate = (images_dir / value).resolve()
    if not candidate.is_relative_to(images_dir.resolve()):
        raise RowRejected(f"The file {value} is outside the images folder.")
    if not candidate.is_file():
        raise RowRejected(f"The file {value} was not found in the images folder.")
    return candidate


def _row(number: int, raw: dict[str, str | None], images_dir: Path) -> ManifestRow:
    identifier = (raw.get("identifier") or "").strip()
    try:
        identifier = _clean(identifier, "identifier")
        if not identifier:
            raise RowRejected("The identifier is empty.")
        title = _clean(raw.get("title"), "title")
        if not title:
            raise RowRejected("The title is empty.")
        fields = PhotoFields(
            identifier=identifier, title=title, description=_clean(raw.get("description"), "description"),
            date_edtf=_date(_clean(raw.get("date"), "date")), creator=_clean(raw.get("creator"), "creator"),
            rights_uri=_rights(_clean(raw.get("rights"), "rights")),
            subjects=_many(raw.get("subjects"), "subjects"), places=_many(raw.get("places"), "places"),
        )
        source = _source(_clean(raw.get("file"), "file"), images_dir)
    except RowRejected as problem:
        return ManifestRow(number, identifier, None, None, str(problem))
    return ManifestRow(number, identifier, fields, source, None)


def read_manifest(path: Path, images_dir: Path) -> Manifest:
    """Read and check every row. Raises ManifestError when required columns are missing."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = [name.strip() for name in (reader.fieldnames or [])]
            missing = [name for name in REQUIRED if name not in header]
            if missing:
                raise ManifestError(f"The manifest has no {', '.join(missing)} column; expected columns: {','.join(COLUMNS)}.")
            reader.fieldnames = header
            rows = [_row(number, raw, images_dir) for number, raw in enumerate(reader, start=2)]
    except UnicodeDecodeError as error:
        raise ManifestError("The manifest is not UTF-8 text; save it from your spreadsheet as CSV UTF-8.") from error
    except csv.Error as error:
        raise ManifestError(f"The manifest is not a readable CSV file: {error}.") from error
    return Manifest(rows=rows, unknown_columns=[name for name in header if name not in COLUMNS])


def iter_ready(manifest: Manifest) -> Iterator[ManifestRow]:
    return (row for row in manifest.rows if row.problem is None)
