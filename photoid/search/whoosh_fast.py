"""Every use of Whoosh's internals, in one module, switched on only for the Whoosh they were written for.

Ranking a page and counting one word's matches are much faster when they read what the ``whoosh3``
codec has already decoded than when they ask the matcher one document at a time. None of these
names is Whoosh's public API, and a release may change any of them without notice:

=============================================  ==========================================================
internal                                       what it saves
=============================================  ==========================================================
``W3LeafMatcher``: ``_ids``, ``_weights``,     one word's postings scored and listed a block at a time
``_next_block()``, ``scorer``                  (``ranking.top_scored_and_matches``, ``matching_docnums``)
``BM25FScorer``: ``dfl``, ``idf``, ``avgfl``,  field lengths from a list kept per segment instead of the
``B``, ``K1``                                  length column on disk (``ranking.CachedBM25F``)
``SegmentReader.deleted_docs_set``,            an exact total for one word past ``COUNT_LIMIT``: its
``FilterMatcher.child``                        document frequency less the deleted documents holding it
=============================================  ==========================================================

So the installed version is read once, at import: the internals are used only when it is
``PINNED``, the version pyproject.toml pins. Any other Whoosh takes the public matcher loop
(``is_active``, ``id``, ``score``, ``next``, ``all_ids``, ``doc_count``), which gives the same
results, more slowly, and a warning says so in the log. ``tests/unit/test_whoosh_fast.py`` checks
that both paths agree, and that no other module touches these names.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from importlib import metadata

from whoosh import scoring

logger = logging.getLogger(__name__)

#: The distribution and version pyproject.toml pins (a test keeps them in step).
DISTRIBUTION = "whoosh3"
PINNED = "3.54.0"


def installed_version() -> str | None:
    """The installed Whoosh distribution's version, or None when it is not installed under that name."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None


#: True when the internals below may be used (tests switch it off to check the public path).
ENABLED = installed_version() == PINNED

if ENABLED:
    from whoosh.codec.whoosh3 import W3LeafMatcher as _BlockMatcher
else:  # pragma: no cover - only with another Whoosh installed
    _BlockMatcher = None
    logger.warning("%s %s is installed, not the pinned %s: search ranks and counts through Whoosh's public "
                   "matcher loop (same results, slower)", DISTRIBUTION, installed_version(), PINNED)


# --------------------------------------------------------------------------- one word, a block at a time

def reads_blocks(matcher) -> bool:  # type: ignore[no-untyped-def]
    """True when ``matcher`` is one word's postings in one segment, readable with ``block_ids``."""
    return ENABLED and type(matcher) is _BlockMatcher


def block_bm25(matcher) -> tuple[float, float, float, float, list[int]] | None:  # type: ignore[no-untyped-def]
    """``(idf, avgfl, B, K1, lengths)`` of a block-readable matcher scored by ``CachedBM25F``, else None."""
    if not reads_blocks(matcher):
        return None
    scorer = matcher.scorer
    lengths = getattr(scorer, "lengths", None)
    if lengths is None:
        return None
    return scorer.idf, scorer.avgfl, scorer.B, scorer.K1, lengths


def block_ids(matcher) -> Sequence[int]:  # type: ignore[no-untyped-def]
    """The document numbers (in the segment) of the current block of a ``reads_blocks`` matcher."""
    matcher.id()  # loads the block
    return matcher._ids


def block_weights(matcher) -> Sequence[float]:  # type: ignore[no-untyped-def]
    """The weights of the current block, in the order of ``block_ids``."""
    matcher.weight()  # loads the block's weights
    return matcher._weights


def next_block(matcher) -> None:  # type: ignore[no-untyped-def]
    """Moves a ``reads_blocks`` matcher to its next block (it is no longer active after the last)."""
    matcher._next_block()


# --------------------------------------------------------------------------- field lengths

def read_lengths_from(scorer, lengths: Callable[[], list[int]]) -> None:  # type: ignore[no-untyped-def]
    """Makes a BM25F scorer read each document's field length from ``lengths()`` (called now) instead
    of from the index; with any other Whoosh, or another scorer, leaves it as it is."""
    if ENABLED and isinstance(scorer, scoring.BM25FScorer):
        found = lengths()
        scorer.dfl = found.__getitem__
        scorer.lengths = found


# --------------------------------------------------------------------------- one word's total

#: Above this many deleted documents in a segment, checking them one by one is no longer cheap.
MAX_DELETED_CHECKED = 2_000


def live_doc_frequency(reader, fieldname: str, text: str) -> int | None:  # type: ignore[no-untyped-def]
    """How many live documents hold the term, or None when that is not cheap to know (too many deleted)."""
    total = 0
    for leaf, _ in reader.leaf_readers():
        count = leaf.doc_frequency(fieldname, text)  # deleted documents included
        if count and leaf.has_deletions():
            counted = _live_in_segment(leaf, fieldname, text, count) if ENABLED else \
                _live_in_segment_public(leaf, fieldname, text)
            if counted is None:
                return None
            count = counted
        total += count
    return total


def _live_in_segment(leaf, fieldname: str, text: str, count: int) -> int | None:  # type: ignore[no-untyped-def]
    deleted = getattr(leaf, "deleted_docs_set", None)
    if deleted is None or len(deleted) > MAX_DELETED_CHECKED:
        return None
    postings = leaf.postings(fieldname, text)
    postings = getattr(postings, "child", postings)  # the raw postings, deleted documents included
    postings.reset()
    for docnum in sorted(deleted):
        if not postings.is_active():
            break
        postings.skip_to(docnum)
        if postings.is_active() and postings.id() == docnum:
            count -= 1
    return count


def _live_in_segment_public(leaf, fieldname: str, text: str) -> int | None:  # type: ignore[no-untyped-def]
    if leaf.doc_count_all() - leaf.doc_count() > MAX_DELETED_CHECKED:
        return None
    return sum(1 for _ in leaf.postings(fieldname, text).all_ids())  # the public postings skip deleted documents
