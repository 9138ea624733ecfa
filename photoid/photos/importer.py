"""``photoid import``: bulk ingest from a manifest, on every core, resumable, with a report.

Worker processes hash and process the images (the slow part); this process alone writes the
database, one photo per transaction, so an interruption keeps every photo finished so far and
no half of one. Re-running skips what is already in by identifier and checksum.
"""
from __future__ import annotations

import csv
import multiprocessing
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from photoid.photos.images import ImageRejected
from photoid.photos.ingest import StagedImage, stage_file
from photoid.photos.manifest import ManifestRow, read_manifest
from photoid.photos.models import Collection
from photoid.photos.service import PhotoError, catalog_photo, storage
from photoid.photos.storage import Storage
from photoid.text import neutralise


@dataclass(frozen=True)
class Outcome:
    row: int
    identifier: str
    status: str  # ingested | duplicate | rejected
    photo_id: int | None = None
    reason: str = ""


@dataclass
class Summary:
    outcomes: list[Outcome] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    interrupted: bool = False

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


def _work(job: tuple[int, str, Storage, int]) -> tuple[int, StagedImage | None, str]:
    """In a worker process: stage one file. Never raises for a bad image; reports it instead."""
    number, source, store, max_bytes = job
    try:
        return number, stage_file(Path(source), store, max_bytes=max_bytes), ""
    except ImageRejected as error:
        return number, None, str(error)
    except OSError as error:
        return number, None, f"The file could not be read ({error.strerror or error})."


class Progress:
    """One line of progress with rate and time left; a line per tenth when not on a terminal."""

    def __init__(self, total: int, echo: Callable[[str], None]) -> None:
        self.total, self.done, self.echo = total, 0, echo
        self.started = time.monotonic()
        self.tty = sys.stderr.isatty()
        self.next_report = max(1, total // 10)

    def step(self) -> None:
        self.done += 1
        if not self.tty and self.done < self.total and self.done % self.next_report:
            return
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate else 0
        width = 24
        bar = "#" * int(width * self.done / max(self.total, 1))
        line = f"[{bar:<{width}}] {self.done}/{self.total}  {rate * 60:.0f} photos/min  about {int(left) // 60}:{int(left) % 60:02d} left"
        if self.tty:
            sys.stderr.write("\r" + line + ("\n" if self.done == self.total else ""))
            sys.stderr.flush()
        else:
            self.echo(line)


def run_import(
    *, manifest_path: Path, images_dir: Path, collection: Collection, workers: int | None = None,
    max_bytes: int, echo: Callable[[str], None] = print,
) -> Summary:
    """Ingest every row of the manifest into ``collection``; returns what happened to each row."""
    manifest = read_manifest(manifest_path, images_dir)
    summary = Summary(unknown_columns=manifest.unknown_columns)
    store = storage()
    store.clear_staging()
    rows = {row.number: row for row in manifest.rows}
    for row in manifest.rows:
        if row.problem:
            summary.outcomes.append(Outcome(row.number, row.identifier, "rejected", reason=row.problem))
    jobs = [(row.number, str(row.source), store, max_bytes) for row in manifest.rows if row.problem is None]
    progress = Progress(len(manifest.rows), echo)
    for _ in range(len(manifest.rows) - len(jobs)):
        progress.step()
    workers = workers or os.cpu_count() or 1
    context = multiprocessing.get_context("spawn")  # no forked copies of the app's database connections
    pool = context.Pool(processes=min(workers, max(1, len(jobs))))
    try:
        for number, staged, problem in pool.imap(_work, jobs, chunksize=1):
            summary.outcomes.append(_record(rows[number], staged, problem, collection))
            progress.step()
        pool.close()
    except BaseException as error:
        pool.terminate()
        store.clear_staging(older_than_seconds=0)  # the workers were stopped mid-file
        if not isinstance(error, KeyboardInterrupt):
            raise
        summary.interrupted = True
    finally:
        pool.join()
    summary.outcomes.sort(key=lambda o: o.row)
    return summary


def _record(row: ManifestRow, staged: StagedImage | None, problem: str, collection: Collection) -> Outcome:
    if staged is None:
        return Outcome(row.number, row.identifier, "rejected", reason=problem)
    assert row.fields is not None
    try:
        photo = catalog_photo(staged=staged, collection=collection, fields=row.fields)
    except PhotoError as error:
        return Outcome(row.number, row.identifier, error.kind, reason=str(error))
    return Outcome(row.number, row.identifier, "ingested", photo_id=photo.id)


def write_report(summary: Summary, path: Path) -> None:
    """The ``--report`` CSV: one line per manifest row. Text cells get the exports' leading
    apostrophe where a spreadsheet would run them as a formula (an identifier like ``=cmd|calc``)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "identifier", "status", "photo_id", "reason"])
        for o in summary.outcomes:
            writer.writerow([o.row, neutralise(o.identifier), o.status, o.photo_id or "", neutralise(o.reason)])
