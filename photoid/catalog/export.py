"""File exports of published photos: MARCXML, MODS, Dublin Core XML, CSV and CONTENTdm.

``start_export`` checks the request and works out which photos changed; ``stream_export``
writes them record by record (memory holds one batch of records whatever the size) and, once
the last byte is written, records the ``ExportRun`` that ``--since-last`` reads next time.

An export covers one collection, one institution, or (for admins and the shell) the whole site,
and each of these scopes keeps its own "since the last export" mark, so one institution's
export never hides another's changes.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from lxml import etree
from sqlalchemy import Select, select

from photoid.catalog import dublin_core, marc, mods, tabular
from photoid.catalog.models import ExportRun
from photoid.catalog.records import CatalogRecord, iter_catalog_records
from photoid.db import read_snapshot, unit_of_work, utcnow
from photoid.extensions import db
from photoid.photos.models import Collection, Institution, Photo
from photoid.photos.queries import public_photos


class ExportError(ValueError):
    """The export cannot start; ``str()`` says what to change."""


class ExportForbidden(ExportError):
    """The exporter may not export this institution or collection (routes answer 403)."""


@dataclass(frozen=True)
class ExportFormat:
    name: str
    label: str
    extension: str
    mimetype: str


EXPORT_FORMATS: dict[str, ExportFormat] = {
    "marcxml": ExportFormat("marcxml", "MARCXML (MARC 21)", "xml", "application/marcxml+xml"),
    "mods": ExportFormat("mods", "MODS 3.8", "xml", "application/mods+xml"),
    "dc": ExportFormat("dc", "Dublin Core XML", "xml", "application/xml"),
    "csv": ExportFormat("csv", "CSV spreadsheet", "csv", "text/csv"),
    "contentdm": ExportFormat("contentdm", "CONTENTdm tab-delimited", "txt", "text/tab-separated-values"),
}


@dataclass
class ExportPlan:
    """A checked export request: what to write and what to record when it is done."""

    format: ExportFormat
    collection: Collection | None
    #: The institution exported (the collection's, when one is); None for the whole site.
    institution: Institution | None
    since_at: datetime | None
    started_at: datetime
    actor_id: int | None
    query: Select  # type: ignore[type-arg]
    #: How many photos were written, once ``stream_export`` has finished.
    record_count: int = 0

    @property
    def filename(self) -> str:
        scope = self.collection.slug if self.collection else self.institution.slug if self.institution else "all"
        return f"photoid-{scope}-{self.format.name}-{self.started_at:%Y%m%d-%H%M%S}.{self.format.extension}"


def parse_since(text: str) -> datetime:
    """``2026-11-01`` or ``2026-11-01T09:30:00`` (UTC) as a naive UTC datetime.

    Raises ExportError with an example when the text is not a date.
    """
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ExportError(f"“{text[:40]}” is not a date we can read. Please write it like 2026-11-01.") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _is(column, value: int | None):  # type: ignore[no-untyped-def]
    return column.is_(None) if value is None else column == value


def last_run(format_name: str, collection_id: int | None, institution_id: int | None = None) -> ExportRun | None:
    """The most recent finished export of this format and scope: a collection, a whole institution
    (``collection_id`` None), or the whole site (both None)."""
    return db.session.scalar(
        select(ExportRun)
        .where(ExportRun.format == format_name, _is(ExportRun.collection_id, collection_id),
               _is(ExportRun.institution_id, institution_id), ExportRun.finished_at.is_not(None))
        .order_by(ExportRun.started_at.desc(), ExportRun.id.desc())
        .limit(1)
    )


def start_export(
    format_name: str, *, collection_slug: str | None = None, institution_slug: str | None = None,
    since: datetime | date | None = None, since_last: bool = False, actor_id: int | None = None,
    allowed_institution_ids: Iterable[int] | None = None,
) -> ExportPlan:
    """Check an export request and choose its photos: published photos in published collections,
    of one collection or one institution when given, changed after ``since`` or after the previous
    run of the same format and scope (``since_last``).

    ``allowed_institution_ids`` are the institutions the exporter may export (an archivist's);
    None lets them export any institution or the whole site (admins, the shell). Changes
    nothing. Raises ExportForbidden for a collection or institution outside them, or a
    site-wide export by someone limited to some; ExportError for an unknown format, collection
    or institution, a collection of another institution than the one given, or both ``since``
    and ``since_last``.
    """
    fmt = EXPORT_FORMATS.get(format_name)
    if fmt is None:
        raise ExportError(f"There is no export format called “{format_name[:30]}”. Choose one of: {', '.join(EXPORT_FORMATS)}.")
    if since is not None and since_last:
        raise ExportError("Choose either a date or “since the last export”, not both.")
    collection = institution = None
    if institution_slug:
        institution = db.session.scalar(select(Institution).where(Institution.slug == institution_slug))
        if institution is None:
            raise ExportError(f"There is no institution called “{institution_slug[:60]}”.")
    if collection_slug:
        collection = db.session.scalar(select(Collection).where(Collection.slug == collection_slug))
        if collection is None:
            raise ExportError(f"There is no collection called “{collection_slug[:60]}”.")
    _check_allowed(allowed_institution_ids, institution, collection)
    if collection is not None:
        if institution is not None and collection.institution_id != institution.id:
            raise ExportError(f"The collection “{collection.title}” belongs to {collection.institution.name}, "
                              f"not to {institution.name}. Please choose one of {institution.name}'s collections.")
        institution = collection.institution
    since_at: datetime | None = None
    if since_last:
        previous = last_run(fmt.name, collection.id if collection else None, institution.id if institution else None)
        since_at = previous.started_at if previous else None
    elif isinstance(since, datetime):
        since_at = since
    elif isinstance(since, date):
        since_at = datetime.combine(since, time.min)
    return ExportPlan(format=fmt, collection=collection, institution=institution, since_at=since_at, started_at=utcnow(),
                      actor_id=actor_id, query=scope_query(collection, institution, since_at))


def scope_query(collection: Collection | None, institution: Institution | None, since_at: datetime | None) -> Select:  # type: ignore[type-arg]
    """The published photos of an export's scope (a collection, an institution or the whole site)
    changed after ``since_at``: what a streamed export writes, and a worker's file for the same run."""
    query = public_photos()
    if collection is not None:
        query = query.where(Photo.collection_id == collection.id)
    elif institution is not None:
        query = query.where(Photo.institution_id == institution.id)
    if since_at is not None:
        query = query.where(Photo.modified_at > since_at)
    return query


def _check_allowed(allowed: Iterable[int] | None, institution: Institution | None, collection: Collection | None) -> None:
    """Raise ExportForbidden unless the exporter limited to ``allowed`` institutions may export this."""
    if allowed is None:
        return
    mine = set(allowed)
    if collection is not None and collection.institution_id not in mine:
        raise ExportForbidden(f"You can export only your own institutions' photos; the collection “{collection.title}” "
                              f"belongs to {collection.institution.name}.")
    if institution is not None and institution.id not in mine:
        raise ExportForbidden(f"You can export only your own institutions' photos, not those of {institution.name}.")
    if institution is None and collection is None:
        raise ExportForbidden("Please choose one of your institutions: only admins export every institution at once.")


class _Chunks(io.RawIOBase):
    """A write-only file whose content is taken away after each record."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[no-untyped-def, override]
        self.parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


_XML_ROOTS = {
    "marcxml": (f"{{{marc.MARC}}}collection", {"marc": marc.MARC}, marc.to_marcxml),
    "mods": (f"{{{mods.MODS}}}modsCollection", {"mods": mods.MODS}, mods.to_mods),
    "dc": ("collection", {}, dublin_core.to_oai_dc),
}


def _xml_chunks(format_name: str, records: Iterable[CatalogRecord]) -> Iterator[bytes]:
    root, nsmap, to_element = _XML_ROOTS[format_name]
    out = _Chunks()
    with etree.xmlfile(out, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element(root, nsmap=nsmap):
            xf.write("\n")
            for record in records:
                xf.write(to_element(record), pretty_print=True)
                xf.flush()
                yield out.take()
    yield out.take()


def _table_chunks(format_name: str, records: Iterable[CatalogRecord]) -> Iterator[bytes]:
    text = io.StringIO()
    if format_name == "csv":
        writer = csv.writer(text, lineterminator="\r\n")
        text.write("\ufeff")  # a byte-order mark, so spreadsheets open the file as UTF-8
        writer.writerow(tabular.CSV_COLUMNS)
        write_row = lambda record: writer.writerow(tabular.csv_row(record))  # noqa: E731
    else:  # CONTENTdm: tabs between fields, no quoting; cells never hold tabs or line breaks. A line
        # break after the last record is read as one more, empty record: each row starts with the break.
        text.write("\t".join(tabular.CONTENTDM_COLUMNS))
        write_row = lambda record: text.write("\r\n" + "\t".join(tabular.contentdm_row(record)))  # noqa: E731
    for record in records:
        write_row(record)
        yield text.getvalue().encode("utf-8")
        text.seek(0)
        text.truncate()
    yield text.getvalue().encode("utf-8")


def render(format_name: str, records: Iterable[CatalogRecord]) -> Iterator[bytes]:
    """The export file for these records, in pieces of about one record each. Changes nothing."""
    if format_name in _XML_ROOTS:
        return _xml_chunks(format_name, records)
    return _table_chunks(format_name, records)


def stream_export(plan: ExportPlan, *, base_url: str, batch_size: int = 500) -> Iterator[bytes]:
    """Write the planned export piece by piece, then record the run and commit.

    The file is read from one snapshot that holds no write lock, however slowly it is downloaded;
    the run is recorded afterwards in a short transaction of its own, and only when the whole file
    was written, so an interrupted download does not move the ``--since-last`` mark. Raises
    RuntimeError when the session holds uncommitted changes.
    """
    def counted() -> Iterator[CatalogRecord]:
        for record in iter_catalog_records(plan.query, base_url=base_url, batch_size=batch_size):
            plan.record_count += 1
            yield record

    with read_snapshot(db.session):
        yield from render(plan.format.name, counted())
    with unit_of_work():  # (a generator: the block, not a decorator)
        db.session.add(ExportRun(
            format=plan.format.name, collection_id=plan.collection.id if plan.collection else None,
            institution_id=plan.institution.id if plan.institution else None,
            since_at=plan.since_at, started_at=plan.started_at, finished_at=utcnow(), record_count=plan.record_count,
            actor_id=plan.actor_id,
        ))


def recent_runs(limit: int = 20, *, institution_ids: Iterable[int] | None = None) -> list[ExportRun]:
    """The latest export runs, newest first; only those of ``institution_ids`` when given."""
    query = select(ExportRun)
    if institution_ids is not None:
        query = query.where(ExportRun.institution_id.in_(list(institution_ids)))
    return list(db.session.scalars(query.order_by(ExportRun.started_at.desc(), ExportRun.id.desc()).limit(limit)))
