"""Ranking the first page by relevance without Whoosh's per-document overheads (used by ``index``).

Scores are Whoosh's own BM25F, document for document: the only differences are where the numbers
come from and how the best ones are kept.

- ``CachedBM25F`` reads each document's field length from a list made once per segment (the
  lengths never change while a segment lives) instead of from the length column on disk for every
  scored document, which was a third of a query's time.
- ``top_scored_and_matches`` keeps the best ``limit`` documents in a heap, skipping the blocks of postings that
  cannot reach the lowest score kept (block-max), as Whoosh's ``TopCollector`` does, but in one
  loop instead of four nested generator and method calls per document. A single word (the most
  common search, and the one with the most matches) is scored a block of postings at a time,
  reading the block's document numbers and weights as the codec decoded them. That relies on
  Whoosh's internals, which only ``whoosh_fast`` touches (and only on the pinned Whoosh); any other
  matcher takes the general loop, and a unit test checks both against Whoosh's own ranking.
"""
from __future__ import annotations

import threading
from heapq import heappush, heapreplace

from whoosh import query, scoring

from photoid.search import whoosh_fast


def live_segment_ids(leaf_searchers) -> set[str]:  # type: ignore[no-untyped-def]
    """The ids of the segments a searcher reads. An index with no documents yet (a new site's) has a
    reader without a segment, which has no id."""
    segments = (leaf.reader().segment() for leaf, _ in leaf_searchers if hasattr(leaf.reader(), "segment"))
    return {segment.segment_id() for segment in segments if segment is not None}


class LengthCache:
    """Field lengths of every document, per segment, kept while the segment exists."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lengths: dict[tuple[str, str], list[int]] = {}

    def lengths(self, leaf_searcher, fieldname: str) -> list[int]:  # type: ignore[no-untyped-def]
        reader = leaf_searcher.reader()
        segment = reader.segment() if hasattr(reader, "segment") else None
        key = (segment.segment_id() if segment is not None else str(id(reader)), fieldname)
        with self._lock:
            found = self._lengths.get(key)
            if found is None:
                length = reader.doc_field_length
                found = [length(docnum, fieldname, 1) or 1 for docnum in range(reader.doc_count_all())]
                self._lengths[key] = found
            return found

    def keep_only(self, leaf_searchers) -> None:  # type: ignore[no-untyped-def]
        """Forget the segments no longer in the index (called when a new searcher opens)."""
        live = live_segment_ids(leaf_searchers)
        with self._lock:
            self._lengths = {key: value for key, value in self._lengths.items() if key[0] in live}


class CachedBM25F(scoring.BM25F):
    """Whoosh's BM25F with field lengths from a ``LengthCache``."""

    def __init__(self, cache: LengthCache, **kwargs: float) -> None:
        super().__init__(**kwargs)
        self.cache = cache

    def scorer(self, searcher, fieldname: str, text: str, qf: int = 1):  # type: ignore[no-untyped-def]
        scorer = super().scorer(searcher, fieldname, text, qf=qf)
        whoosh_fast.read_lengths_from(scorer, lambda: self.cache.lengths(searcher, fieldname))
        return scorer


def top_scored_and_matches(searcher, q: query.Query, limit: int,  # type: ignore[no-untyped-def]
                           allowed: frozenset[int] | None = None,
                           collect_limit: int = 0) -> tuple[list[tuple[float, int]], list[int] | None]:
    """The ``limit`` best ``(score, docnum)`` of ``q``, best first (ties go to the lower docnum; with
    ``allowed``, only those top-level documents count), and the first ``collect_limit`` matching
    documents read in the same pass.

    The matches come back only when every segment took the one-word path (else None: use
    ``matching_docnums``); a single word's postings are then decoded once instead of twice.
    """
    heap: list[tuple[float, int]] = []
    minscore = None
    collected: list[int] | None = [] if collect_limit else None
    for leaf, offset in searcher.leaf_searchers():
        matcher = q.matcher(leaf, leaf.context(needs_current=True))
        bm25 = whoosh_fast.block_bm25(matcher)
        if bm25 is not None:
            minscore = _top_of_one_term(matcher, bm25, offset, heap, limit, minscore, allowed, collected, collect_limit)
            continue
        collected = None
        usequality = matcher.supports_block_quality()
        checkquality = True
        while matcher.is_active():
            if usequality and checkquality and minscore is not None:
                matcher.skip_to_quality(minscore)
                if not matcher.is_active():
                    break
            if allowed is not None and matcher.id() + offset not in allowed:
                checkquality = matcher.next()
                continue
            score = matcher.score()
            if len(heap) < limit:
                heappush(heap, (score, -(matcher.id() + offset)))
                if len(heap) == limit:
                    minscore = heap[0][0]
            elif score > minscore:
                heapreplace(heap, (score, -(matcher.id() + offset)))
                minscore = heap[0][0]
            checkquality = matcher.next()
    top = [(score, -negated) for score, negated in sorted(heap, key=lambda item: (-item[0], -item[1]))]
    return top, collected


def _top_of_one_term(matcher, bm25: tuple[float, float, float, float, list[int]],  # type: ignore[no-untyped-def]
                     offset: int, heap: list[tuple[float, int]], limit: int,
                     minscore: float | None, allowed: frozenset[int] | None,
                     collected: list[int] | None = None, collect_limit: int = 0) -> float | None:
    """The best-``limit`` loop for one term's postings in one segment, a block at a time. Returns the new minimum.

    While ``collected`` holds fewer than ``collect_limit`` documents, every block is read (none
    skipped) and its matches appended.
    """
    idf, avgfl, B, K1, lengths = bm25
    k1_plus_1, base, slope = K1 + 1, 1 - B, B
    while matcher.is_active():
        collecting = collected is not None and len(collected) < collect_limit
        if minscore is not None and not collecting:
            matcher.skip_to_quality(minscore)
            if not matcher.is_active():
                break
        ids, weights = whoosh_fast.block_ids(matcher), whoosh_fast.block_weights(matcher)
        if allowed is not None:
            kept = [i for i, docnum in enumerate(ids) if docnum + offset in allowed]
            ids, weights = [ids[i] for i in kept], [weights[i] for i in kept]
            if not ids:
                whoosh_fast.next_block(matcher)
                continue
        if collecting:
            collected.extend([docnum + offset for docnum in ids[:collect_limit - len(collected)]])
        # The same expression as whoosh.scoring.bm25, so the same floating-point scores.
        scores = [idf * ((tf * k1_plus_1) / (tf + K1 * (base + slope * lengths[docnum] / avgfl)))
                  for docnum, tf in zip(ids, weights)]
        if minscore is None or max(scores) > minscore:
            for score, docnum in zip(scores, ids):
                if len(heap) < limit:
                    heappush(heap, (score, -(docnum + offset)))
                    if len(heap) == limit:
                        minscore = heap[0][0]
                elif score > minscore:
                    heapreplace(heap, (score, -(docnum + offset)))
                    minscore = heap[0][0]
        whoosh_fast.next_block(matcher)
    return minscore


def matching_docnums(searcher, q: query.Query, limit: int | None = None,  # type: ignore[no-untyped-def]
                     allowed: frozenset[int] | None = None) -> list[int]:
    """The top-level numbers of the documents matching ``q`` (in ``allowed``), in order, at most ``limit``.

    A single word is read a block of postings at a time; anything else through Whoosh's matchers.
    """
    found: list[int] = []
    for leaf, offset in searcher.leaf_searchers():
        matcher = q.matcher(leaf, leaf.boolean_context())
        if whoosh_fast.reads_blocks(matcher):
            while matcher.is_active():
                ids = whoosh_fast.block_ids(matcher)
                if offset or allowed is not None:
                    ids = [docnum + offset for docnum in ids]
                    if allowed is not None:
                        ids = [docnum for docnum in ids if docnum in allowed]
                found.extend(ids)
                if limit is not None and len(found) >= limit:
                    return found[:limit]
                whoosh_fast.next_block(matcher)
        else:
            for docnum in matcher.all_ids():
                docnum += offset
                if allowed is None or docnum in allowed:
                    found.append(docnum)
                    if limit is not None and len(found) >= limit:
                        return found
    return found
