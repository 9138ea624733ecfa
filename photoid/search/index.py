"""The search index adapter (Whoosh, the ``whoosh3`` distribution): its life cycle. Whoosh is imported only in
photoid/search/ (and by the health check), and only ``whoosh_fast`` touches its internals.

It knows nothing of the database: callers hand it plain documents (see ``PhotoDocument``) and get
plain results back. The index lives in ``<index dir>/current``, a symlink to one build folder, so
``build()`` can write a new folder and swap it in atomically while readers keep answering.

Everything searchable is one field, ``text``, analysed once: the title, the names and the
description are sections of it, and a word's weight says where it came from (a title word counts
three times, a name twice), so a match in the title still ranks first without indexing the title
again. Phrases are answered from adjacent word pairs indexed as terms of the same field
("main street"), not from word positions: a two-word phrase is one term look-up, a longer one the
AND of its pairs. Stop words are left out ("church of england" is the pair "church england") and a
pair never spans two values (the title and a name, two names), as in the PostgreSQL back end (see
``words``). "Did you mean" reads the same field's vocabulary. Fewer postings per photo keep the index
small and the rebuild fast (see docs/performance.md, "Search").

Querying (parsing, ranking a page, snippets, facets, "did you mean") is in ``querying``.
"""
from __future__ import annotations

import os
import secrets
import shutil
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from whoosh import columns, fields, index

from photoid.search.analysis import (  # noqa: F401 (_WordsAndPairs: indexes built before 2026-11 name it here)
    ANALYZER as _ANALYZER,
    SECTION as _SECTION,
    TEXT_ANALYZER as _TEXT_ANALYZER,
    VALUE as _VALUE,
    WeightedText,
    _WordsAndPairs,
    weighted_terms,
)
from photoid.search import ranking, spelling
from photoid.search.records import Hit, PhotoDocument, Results

__all__ = ["FacetTable", "Hit", "IndexMissing", "PhotoDocument", "Reader", "Results", "apply", "build", "exists",
           "fingerprints"]

CURRENT = "current"
#: Facets offered on the results page, in the order shown; each is a stored multi-valued field.
FACETS = ("collection", "institution", "person", "place", "event", "decade", "unidentified")
MAX_QUERY_LENGTH = 200
#: Where a photo's dates come from, each indexed as ``<source>_from`` and ``<source>_to`` years.
YEAR_SOURCES = ("catalog", "community")
#: How text becomes terms (``analysis``, ``words``): written into each build as ``ANALYSIS_FILE``, and
#: raised whenever that changes, so that ``photoid db upgrade`` rebuilds an index an older release made.
#: 2: PostgreSQL's stop words, single letters kept, pairs within one value (issue 23).
ANALYSIS = "2"
ANALYSIS_FILE = "photoid-analysis"
def schema() -> fields.Schema:
    """The index schema: one searchable text field (weighted words and pairs), stored text, facets."""
    return fields.Schema(
        photo_id=fields.ID(stored=True, unique=True),
        # Everything searchable, analysed once: weighted words and adjacent pairs, no positions.
        text=WeightedText(analyzer=_TEXT_ANALYZER, phrase=False),
        # Shown in snippets only.
        title=fields.STORED(),
        names=fields.STORED(),
        description=fields.STORED(),
        # Facet values as "decade:1940": a term to filter on, and a column to count from.
        facet=fields.KEYWORD(commas=True),
        facet_values=fields.COLUMN(columns.VarBytesColumn()),
        date_sort=fields.COLUMN(columns.VarBytesColumn()),
        # Earliest and latest year of the catalog date and of the approved community dates: a search
        # for years matches the photos whose dates overlap them (see querying.years_query).
        **{f"{source}_{end}": fields.NUMERIC(int) for source in YEAR_SOURCES for end in ("from", "to")},
        identified_at=fields.COLUMN(columns.VarBytesColumn()),
        fingerprint=fields.STORED(),
    )


def _parse_schema() -> fields.Schema:
    """The schema the query parser sees: ``text`` analysed into words only (pairs come from phrases)."""
    parse_schema = schema()
    parse_schema.remove("text")
    parse_schema.add("text", fields.TEXT(analyzer=_ANALYZER, phrase=False))
    return parse_schema


_PARSE_SCHEMA = _parse_schema()


# --------------------------------------------------------------------------- documents

def _facet_values(doc: PhotoDocument) -> str:
    values = {f"collection:{doc.collection}", f"institution:{doc.institution}",
              f"unidentified:{'yes' if doc.unidentified else 'no'}"}
    for name in ("person", "place", "event", "decade"):
        values.update(f"{name}:{value}" for value in getattr(doc, name))
    return ",".join(sorted(values))


def _fields(doc: PhotoDocument) -> dict[str, object]:
    names = " · ".join(doc.names)
    facets = _facet_values(doc)
    years = {}
    for source, span in zip(YEAR_SOURCES, (doc.catalog_years, doc.community_years)):
        if span is not None:
            years[f"{source}_from"], years[f"{source}_to"] = span
    return years | {
        "photo_id": str(doc.photo_id),
        "text": _SECTION.join([doc.title, _VALUE.join(doc.names), f"{doc.description}{_VALUE}{doc.identifier}"]),
        "title": doc.title,
        "names": names,
        "description": doc.description,
        "facet": facets,
        "facet_values": facets.encode(),
        "date_sort": doc.date_sort.encode(),
        "identified_at": doc.identified_at.encode(),
        "fingerprint": doc.fingerprint(),
    }


# --------------------------------------------------------------------------- locations and readers

class IndexMissing(Exception):
    """There is no index yet (run ``photoid reindex``)."""


def current_path(root: Path) -> Path:
    return Path(root) / CURRENT


def exists(root: Path) -> bool:
    """True when ``root`` holds a built index."""
    path = current_path(root)
    return path.is_dir() and index.exists_in(str(path))


def missing_fields(root: Path) -> list[str]:
    """The fields of today's schema that the built index lacks (one built by an older release)."""
    built = index.open_dir(os.path.realpath(current_path(root))).schema.names()
    return sorted(set(schema().names()) - set(built))


def analysed_as_today(root: Path) -> bool:
    """True when the built index turned text into terms as this release does (see ``ANALYSIS``)."""
    marker = Path(os.path.realpath(current_path(root))) / ANALYSIS_FILE
    try:
        return marker.read_text().strip() == ANALYSIS
    except OSError:
        return False


class Reader:
    """One open searcher per process, kept between requests and reopened only when the index changed.

    Each query costs one stat of the ``current`` link and one read of the index's generation
    number. When ``photoid reindex`` swaps in a new build, the link's target changes and the
    searcher is reopened once on the new folder.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._lock = threading.Lock()
        self._target: str | None = None
        self._searcher = None
        self._ix = None
        self.facet_table = FacetTable()
        self.lengths = ranking.LengthCache()
        self.vocabulary = spelling.Vocabulary()

    def searcher(self):  # type: ignore[no-untyped-def]
        """The process's searcher, up to date with the last commit; raises IndexMissing."""
        path = current_path(self.root)
        try:
            target = os.path.realpath(path) if path.is_symlink() else None
        except OSError:
            target = None
        with self._lock:
            if target is None:
                raise IndexMissing(str(self.root))
            if self._searcher is None or target != self._target:
                if not index.exists_in(target):
                    raise IndexMissing(str(self.root))
                self._open(index.open_dir(target))
                self._target = target
            elif self._ix.latest_generation() != self._searcher.reader().generation():
                # Not ``searcher.refresh()``: it reuses segment readers by segment id, so deletions
                # committed since (a photo withdrawn) would stay visible. A changed index is rare.
                self._open(self._ix)
            return self._searcher

    def _open(self, ix) -> None:  # type: ignore[no-untyped-def]
        if self._searcher is not None:
            self._searcher.close()
        self._ix = ix
        self._searcher = ix.searcher(weighting=ranking.CachedBM25F(self.lengths))
        self.lengths.keep_only(self._searcher.leaf_searchers())
        self.vocabulary.keep_only(ranking.live_segment_ids(self._searcher.leaf_searchers()))

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
            self._searcher = None
            self._target = None


class FacetTable:
    """Every document's facet values, read once per searcher generation from the column."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._searcher = None
        self._rows: list[tuple[str, ...]] = []
        #: "decade:1940" -> ("decade", "1940"), for every key in ``rows``.
        self.split: dict[str, tuple[str, str]] = {}

    def rows(self, searcher) -> list[tuple[str, ...]]:  # type: ignore[no-untyped-def]
        with self._lock:
            if searcher is not self._searcher:
                # An index with no documents yet (a new site's) has no column to read.
                column = searcher.reader().column_reader("facet_values") if searcher.doc_count_all() else ()
                split: dict[str, tuple[str, str]] = {}
                rows = []
                for raw in column:
                    keys = []
                    for key in raw.decode().split(",") if raw else ():
                        if key not in split:
                            name, _, value = key.partition(":")
                            if name not in FACETS or value in ("", "None"):
                                continue
                            split[key] = (name, value)
                        keys.append(key)
                    rows.append(tuple(keys))
                self._rows, self.split, self._searcher = rows, split, searcher
            return self._rows


# --------------------------------------------------------------------------- writing

def apply(root: Path, *, upserts: Iterable[PhotoDocument] = (), removals: Iterable[int] = ()) -> int:
    """Add or replace ``upserts`` and delete ``removals`` in the current index, in one commit.

    A document already indexed as it is (same fingerprint) is not written again, and with nothing
    to write there is no commit: most contributions (a suggestion awaiting review, a vote) leave the
    photo's document as it was, and the commit was most of the time such a form took.
    The caller must hold the writer lock (see ``photoid.search.queue``). Returns the number of
    changes. Raises IndexMissing when there is no index.
    """
    if not exists(root):
        raise IndexMissing(str(root))
    ix = index.open_dir(os.path.realpath(current_path(root)))
    removals = list(removals)
    with ix.searcher() as searcher:
        upserts = [doc for doc in upserts
                   if (searcher.document(photo_id=str(doc.photo_id)) or {}).get("fingerprint") != doc.fingerprint()]
    if not upserts and not removals:
        return 0
    writer = ix.writer(timeout=30.0)
    changes = 0
    try:
        for photo_id in removals:
            writer.delete_by_term("photo_id", str(photo_id))
            changes += 1
        for doc in upserts:
            # An index built before a field was added takes the fields it has until ``photoid reindex``.
            writer.update_document(**{name: value for name, value in _fields(doc).items() if name in ix.schema})
            changes += 1
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    return changes


def build(root: Path, documents: Iterable[PhotoDocument], *, procs: int = 2, limitmb: int = 1024) -> Path:
    """Write every document into a new build folder, then point ``current`` at it atomically.

    Until the swap, readers keep using the previous build; a build killed half way leaves only an
    unused folder, removed by the next build. Returns the new folder. Keeps the previous build (a
    reader may still have it open) and deletes older ones.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    target = root / f"build-{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{secrets.token_hex(3)}"
    target.mkdir()
    ix = index.create_in(str(target), schema())
    kwargs = {"procs": procs, "limitmb": limitmb, "multisegment": True} if procs > 1 else {"limitmb": limitmb}
    writer = ix.writer(**kwargs)
    try:
        for doc in documents:
            writer.add_document(**_fields(doc))
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    (target / ANALYSIS_FILE).write_text(ANALYSIS)
    _swap(root, target)
    return target


def _swap(root: Path, target: Path) -> None:
    link = current_path(root)
    previous = os.path.realpath(link) if link.is_symlink() else None
    temporary = root / f".current-{os.getpid()}"
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    temporary.symlink_to(target.name)
    os.replace(temporary, link)  # atomic: readers see the old build or the new one, never neither
    keep = {str(target), previous}
    for folder in root.glob("build-*"):
        if str(folder.resolve()) not in keep:
            shutil.rmtree(folder, ignore_errors=True)


def fingerprints(root: Path) -> dict[int, str]:
    """Every indexed photo id with its document's fingerprint (for ``reindex --check``)."""
    if not exists(root):
        raise IndexMissing(str(root))
    with index.open_dir(os.path.realpath(current_path(root))).searcher() as searcher:
        return {int(stored["photo_id"]): stored["fingerprint"] for stored in searcher.all_stored_fields()}
