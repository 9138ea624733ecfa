"""Reading an ingest manifest: the spreadsheet a catalog already produces, one row per photo.

Columns: identifier,title,description,date,creator,rights,subjects,places,file. Multi-valued
cells separate values with ``|``. Dates are turned into EDTF from the forms people write.
"""
from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from photoid.edtf import EDTFError, parse_phrase
from photoid.photos.service import PhotoFields
from photoid.templating import RIGHTS_LABELS
from photoid.text import one_line, tidy_lines

COLUMNS = ("identifier", "title", "description", "date", "creator", "rights", "subjects", "places", "file")
REQUIRED = ("identifier", "title", "file")
LIMITS = {"identifier": 100, "title": 500, "description": 10_000, "creator": 300, "rights": 300}
RIGHTS_BY_LABEL = {label.casefold(): uri for uri, label in RIGHTS_LABELS.items()}
NOT_UTF8 = "The manifest is not UTF-8 text; save it from your spreadsheet as CSV UTF-8."


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
    file: str = ""  # as written in the file column


@dataclass(frozen=True)
class Manifest:
    rows: list[ManifestRow]
    unknown_columns: list[str]


def _clean(value: str | None, name: str) -> str:
    """A cell as stored: control characters dropped, and whitespace collapsed (a name or title on one
    line; a description keeps its paragraphs). Spreadsheets and older catalogs leave tabs, line
    breaks and stray control characters in cells, which catalog tools then refuse in the exports."""
    text = unicodedata.normalize("NFC", value or "")
    if name == "file":
        text = text.strip()  # a file name is matched as written
    else:
        text = tidy_lines(text) if name == "description" else one_line(text)
    limit = LIMITS.get(name)
    if limit and len(text) > limit:
        raise RowRejected(f"The {name} is longer than {limit} characters.")
    return text


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split("|") if part.strip()]


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


def check_record(raw: Mapping[str, str | None]) -> tuple[PhotoFields | None, dict[str, str]]:
    """Catalog data as typed, in a manifest row or on the record form, checked field by field.

    Returns the fields, or None and a message for each bad field (keyed by column name). Dates
    become EDTF from the forms people write; rights take a URI or a known label; subjects and
    places are separated by ``|``.
    """
    errors: dict[str, str] = {}

    def checked(name: str, convert: Callable[[str], Any] = lambda text: text) -> Any:
        try:
            return convert(_clean(raw.get(name), name))
        except RowRejected as problem:
            errors[name] = str(problem)
            return None

    identifier = checked("identifier")
    if identifier == "":
        errors["identifier"] = "The identifier is empty."
    title = checked("title")
    if title == "":
        errors["title"] = "The title is empty."
    values = {
        "identifier": identifier, "title": title, "description": checked("description"),
        "date_edtf": checked("date", _date), "creator": checked("creator"), "rights_uri": checked("rights", _rights),
        "subjects": checked("subjects", _split), "places": checked("places", _split),
    }
    if errors:
        return None, errors
    return PhotoFields(**values), {}


def _row(number: int, raw: dict[str, str | None], images_dir: Path | None) -> ManifestRow:
    identifier = (raw.get("identifier") or "").strip()
    file = (raw.get("file") or "").strip()
    fields, errors = check_record(raw)
    if errors:
        return ManifestRow(number, identifier, None, None, next(iter(errors.values())), file)
    if images_dir is None:  # a browser upload: the file arrives beside the manifest
        return ManifestRow(number, identifier, fields, None, None if file else "The file column is empty.", file)
    try:
        source = _source(_clean(file, "file"), images_dir)
    except RowRejected as problem:
        return ManifestRow(number, identifier, None, None, str(problem), file)
    return ManifestRow(number, identifier, fields, source, None, file)


def parse_manifest(handle: IO[str], images_dir: Path | None) -> Manifest:
    """Read and check every row from an open text file; ``images_dir`` None for a browser upload,
    whose images are not in a folder. Raises ManifestError when required columns are missing or
    the file is not CSV."""
    try:
        reader = csv.DictReader(handle)
        header = [name.strip() for name in (reader.fieldnames or [])]
        missing = [name for name in REQUIRED if name not in header]
        if missing:
            raise ManifestError(f"The manifest has no {', '.join(missing)} column; expected columns: {','.join(COLUMNS)}.")
        reader.fieldnames = header
        rows = [_row(number, raw, images_dir) for number, raw in enumerate(reader, start=2)]
    except csv.Error as error:
        raise ManifestError(f"The manifest is not a readable CSV file: {error}.") from error
    return Manifest(rows=rows, unknown_columns=[name for name in header if name not in COLUMNS])


def read_manifest(path: Path, images_dir: Path) -> Manifest:
    """Read and check every row of a manifest file. Raises ManifestError when it cannot be read."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return parse_manifest(handle, images_dir)
    except UnicodeDecodeError as error:
        raise ManifestError(NOT_UTF8) from error


def read_uploaded_manifest(data: bytes) -> Manifest:
    """Read a manifest sent with a browser upload (its ``file`` column names the uploaded files)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ManifestError(NOT_UTF8) from error
    return parse_manifest(io.StringIO(text, newline=""), None)

