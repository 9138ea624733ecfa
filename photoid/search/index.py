"""The search index adapter: with ``ranking``, the only module that imports Whoosh (``whoosh3``).

It knows nothing of the database: callers hand it plain documents (see ``PhotoDocument``) and get
plain results back. The index lives in ``<index dir>/current``, a symlink to one build folder, so
``build()`` can write a new folder and swap it in atomically while readers keep answering.

Everything searchable is one field, ``text``, analysed once: the title, the names and the
description are sections of it, and a word's weight says where it came from (a title word counts
three times, a name twice), so a match in the title still ranks first without indexing the title
again. Phrases are answered from adjacent word pairs indexed as terms of the same field
("main street"), not from word positions: a two-word phrase is one term look-up, a longer one the
AND of its pairs. "Did you mean" reads the same field's vocabulary. Fewer postings per photo keep the
index small and the rebuild fast (see docs/performance.md, "Search").

A page does not count every match: ``search`` collects at most ``COUNT_LIMIT`` matching documents
(the facet counts come from those), and reports a larger total as exact only when it is cheap to
know (one word, no deleted documents: the word's document frequency), otherwise as "more than".
"""
from __future__ import annotations

import html
import os
import re
import secrets
import shutil
import threading
import time
from collections import Counter
from collections.abc import Iterable
from heapq import nsmallest
from itertools import chain
from pathlib import Path

from whoosh import columns, fields, highlight, index, qparser, query, sorting

from photoid.search.analysis import (  # noqa: F401 (_WordsAndPairs: indexes built before 2026-11 name it here)
    ANALYZER as _ANALYZER,
    SECTION as _SECTION,
    SPELL_ANALYZER as _SPELL_ANALYZER,
    TEXT_ANALYZER as _TEXT_ANALYZER,
    WeightedText,
    _WordsAndPairs,
    weighted_terms,
)
from photoid.search import ranking, spelling
from photoid.search.records import Hit, PhotoDocument, Results

__all__ = ["Hit", "IndexMissing", "PhotoDocument", "Reader", "Results", "apply", "build", "exists",
           "fingerprints", "parse", "search", "suggest"]

CURRENT = "current"
#: Facets offered on the results page, in the order shown; each is a stored multi-valued field.
FACETS = ("collection", "institution", "person", "place", "event", "decade", "unidentified")
MAX_QUERY_LENGTH = 200
#: At most this many matches are collected per query, for the total and the facet counts.
COUNT_LIMIT = 10_000
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
    return {
        "photo_id": str(doc.photo_id),
        "text": _SECTION.join([doc.title, names, f"{doc.description}\n{doc.identifier}"]),
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
        self.facet_table = _FacetTable()
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
            writer.update_document(**_fields(doc))
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


# --------------------------------------------------------------------------- querying

class _EscapingFormatter(highlight.Formatter):
    """Escapes the data first, then wraps matches in <mark>: indexed text can never inject markup."""

    between = " … "

    def format_token(self, text, token, replace=False):  # type: ignore[no-untyped-def]
        return "<mark>" + html.escape(highlight.get_text(text, token, replace)) + "</mark>"

    def format_fragment(self, fragment, replace=False):  # type: ignore[no-untyped-def]
        out, index_ = [], fragment.startchar
        text = fragment.text
        for token in fragment.matches:
            if token.startchar < index_:
                continue
            out.append(html.escape(text[index_:token.startchar]))
            out.append(self.format_token(text, token, replace))
            index_ = token.endchar
        out.append(html.escape(text[index_:fragment.endchar]))
        return "".join(out)


def _parser() -> qparser.QueryParser:
    parser = qparser.QueryParser("text", _PARSE_SCHEMA, group=qparser.AndGroup)
    parser.remove_plugin_class(qparser.WildcardPlugin)  # "a*" would expand to thousands of terms
    parser.remove_plugin_class(qparser.FieldsPlugin)  # "title:" is just a word to patrons
    parser.remove_plugin_class(qparser.BoostPlugin)
    parser.remove_plugin_class(qparser.RangePlugin)
    parser.remove_plugin_class(qparser.GroupPlugin)
    parser.add_plugin(qparser.PlusMinusPlugin())  # -exclusion
    return parser


_PARSER_LOCAL = threading.local()


def parse(text: str) -> query.Query:
    """Words are ANDed; "quoted phrases", -exclusion and OR work as people expect.

    A phrase becomes the AND of its adjacent word pairs in the ``text`` field.
    """
    parser = getattr(_PARSER_LOCAL, "parser", None)
    if parser is None:
        parser = _PARSER_LOCAL.parser = _parser()
    # "NOT" and "AND" are words here; "OR" (upper case) is an operator, "-word" excludes.
    cleaned = re.sub(r"\b(AND|NOT|ANDNOT|ANDMAYBE)\b", lambda m: m.group(0).lower(), text).replace(":", " ")
    return _phrases_to_pairs(parser.parse(cleaned))


def term_count(text: str) -> int:
    """How many different words (and word pairs of phrases) a search for ``text`` looks up."""
    return len(set(parse(text).iter_all_terms()))


def _phrases_to_pairs(q: query.Query) -> query.Query:
    if isinstance(q, query.Phrase):
        words = list(q.words)
        if len(words) == 1:
            return query.Term(q.fieldname, words[0])
        if not words:
            return query.NullQuery
        return query.And([query.Term("text", f"{a} {b}") for a, b in zip(words, words[1:])])
    return q.apply(_phrases_to_pairs)


def _highlight_words(q: query.Query) -> frozenset[str]:
    """The analysed words to mark in snippets, phrases included (excluded words never match)."""
    words: set[str] = set()
    for fieldname, text in q.iter_all_terms():
        if fieldname == "text":
            words.update(str(text).split())
    return frozenset(words)


def _filter(filters: dict[str, list[str]]) -> query.Query | None:
    parts = [query.Term("facet", f"{name}:{value}") for name, values in filters.items() if name in FACETS
             for value in values]
    return query.And(parts) if parts else None


class _FacetTable:
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


def _count_facets(table: _FacetTable, searcher, docnums: list[int],  # type: ignore[no-untyped-def]
                  limit: int) -> dict[str, list[tuple[str, int]]]:
    rows = table.rows(searcher)
    split = table.split
    counts: Counter[str] = Counter(chain.from_iterable([rows[docnum] for docnum in docnums]))
    grouped: dict[str, list[tuple[int, str]]] = {name: [] for name in FACETS}
    for key, count in counts.items():
        name, value = split[key]
        grouped[name].append((-count, value))
    # The most frequent first, then by value; only the top ``limit`` of each facet are sorted.
    return {name: [(value, -negated) for negated, value in nsmallest(limit, values)]
            for name, values in grouped.items()}


def search(
    reader: Reader, text: str, *, filters: dict[str, list[str]] | None = None, sort: str = "relevance",
    page: int = 1, per_page: int = 24, with_facets: bool = True, facet_limit: int = 12,
) -> Results:
    """One page of matching photos with snippets, facet counts and a spelling suggestion.

    An empty ``text`` with filters lists every photo that matches the filters. Reads only.
    Raises IndexMissing when there is no index yet.
    """
    searcher = reader.searcher()
    text = text.strip()
    q = parse(text).normalize() if text else query.Every()
    flt = _filter(filters or {})
    # Words and filters: the filters become a set of documents that the words' matches are checked
    # against, which is much cheaper than stepping two long posting lists side by side.
    allowed = frozenset(ranking.matching_docnums(searcher, flt)) if text and flt is not None else None
    if flt is not None and not text:
        q = flt
    page = max(1, page)
    if sort == "date":
        sortedby = sorting.FieldFacet("date_sort")
    elif sort == "identified":
        sortedby = sorting.FieldFacet("identified_at", reverse=True)
    else:
        sortedby = None
    # The scored pass ranks only up to the page (block-max: blocks that cannot reach it are skipped).
    collected = None
    if sortedby is None:
        top, collected = ranking.top_scored_and_matches(searcher, q, page * per_page, allowed, COUNT_LIMIT + 1)
        ranked = [docnum for _, docnum in top]
    else:
        ranked = [hit.docnum for hit in searcher.search(q, limit=page * per_page, sortedby=sortedby, terms=False,
                                                        filter=flt if allowed is not None else None)]
    words = _highlight_words(q) if text else frozenset()
    hits = []
    for docnum in ranked[(page - 1) * per_page: page * per_page]:
        stored = searcher.stored_fields(docnum)
        hits.append(Hit(photo_id=int(stored["photo_id"]), snippet=_snippet(stored, words)))
    # The matches, up to COUNT_LIMIT, for the total and the facets (for one word, read while ranking).
    docnums = collected if collected is not None else ranking.matching_docnums(searcher, q, COUNT_LIMIT + 1, allowed)
    total, exact, capped = len(docnums), True, len(docnums) > COUNT_LIMIT
    if capped:
        del docnums[COUNT_LIMIT:]
        total, exact = _known_total(searcher, q) if allowed is None else (COUNT_LIMIT, False)
    facets = _count_facets(reader.facet_table, searcher, docnums, facet_limit) if with_facets else {}
    suggestion = suggest(reader, text) if text and not total else None
    return Results(hits=hits, total=total, page=page, per_page=per_page, facets=facets, suggestion=suggestion,
                   total_is_exact=exact, facets_are_exact=not (capped and with_facets), counted=len(docnums))


def _known_total(searcher, q: query.Query) -> tuple[int, bool]:  # type: ignore[no-untyped-def]
    """The number of matches when it is cheap to know exactly, else ``(COUNT_LIMIT, False)``.

    One word is its document frequency, less the deleted documents (replaced or withdrawn photos)
    that still hold it; anything else would mean reading every match, which a page must not do.
    """
    if isinstance(q, query.Term):
        total = _live_doc_frequency(searcher.reader(), q.fieldname, q.text)
        if total is not None:
            return total, True
    return COUNT_LIMIT, False


#: Above this many deleted documents in a segment, checking them one by one is no longer cheap.
_MAX_DELETED_CHECKED = 2_000


def _live_doc_frequency(reader, fieldname: str, text: str) -> int | None:  # type: ignore[no-untyped-def]
    total = 0
    for leaf, _ in reader.leaf_readers():
        count = leaf.doc_frequency(fieldname, text)
        deleted = getattr(leaf, "deleted_docs_set", None) if count and leaf.has_deletions() else ()
        if deleted is None or len(deleted) > _MAX_DELETED_CHECKED:
            return None
        if deleted:
            postings = leaf.postings(fieldname, text)
            postings = getattr(postings, "child", postings)  # the raw postings, deleted documents included
            postings.reset()
            for docnum in sorted(deleted):
                if not postings.is_active():
                    break
                postings.skip_to(docnum)
                if postings.is_active() and postings.id() == docnum:
                    count -= 1
        total += count
    return total


def _snippet(hit, words: frozenset[str]) -> str:  # type: ignore[no-untyped-def]
    """The best matching passage as escaped HTML, matched words in <mark>."""
    for name in ("description", "names", "title"):
        text = hit.get(name) or ""
        if text and words:
            fragmenter = highlight.WholeFragmenter() if len(text) <= 240 else \
                highlight.ContextFragmenter(maxchars=200, surround=60)
            marked = highlight.highlight(text, words, _ANALYZER, fragmenter, _EscapingFormatter(), top=2)
            if marked:
                return marked
    return html.escape((hit.get("description") or "")[:200])


def suggest(reader: Reader, text: str) -> str | None:
    """``text`` with each unknown word replaced by the closest word in the index, or None.

    The index holds stems ("parad"), so the closest stem is turned back into a word as it was
    written in a photo that has it ("parade").
    """
    searcher = reader.searcher()
    changed = False
    out = []
    for piece in re.split(r"(\W+)", text):
        word = "".join(token.text for token in _SPELL_ANALYZER(piece)) if re.fullmatch(r"\w+", piece) else ""
        stems = [token.text for token in _ANALYZER(word)]
        known = len(word) <= 2 or piece == "OR" or not stems or searcher.doc_frequency("text", stems[0])
        if not known:
            nearest = spelling.closest(reader.vocabulary, searcher.reader(), "text", stems[0])
            replacement = _written_form(searcher, nearest) if nearest else None
            if replacement:
                out.append(replacement)
                changed = True
                continue
        out.append(piece)
    return "".join(out) if changed else None


def _written_form(searcher, stem: str) -> str | None:  # type: ignore[no-untyped-def]
    """A word (lower case, accents folded) whose stem is ``stem``, read from one photo that has it."""
    postings = searcher.postings("text", stem)
    if not postings.is_active():
        return None
    stored = searcher.stored_fields(postings.id())
    for name in ("title", "names", "description"):
        for token in _SPELL_ANALYZER(stored.get(name) or ""):
            word = token.text
            if [t.text for t in _ANALYZER(word)] == [stem]:
                return word
    return None
