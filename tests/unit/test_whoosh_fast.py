"""Whoosh's internals stay in photoid/search/whoosh_fast.py, and the public path gives the same answers."""
from __future__ import annotations

import random
import re
import tomllib
from dataclasses import asdict
from pathlib import Path

import pytest

from photoid.search import index, querying, ranking, whoosh_fast
from photoid.search.index import PhotoDocument

ROOT = Path(__file__).resolve().parents[2]
WORDS = "harbour street parade fair boats family church mill river school".split()
QUERIES = ["harbour", "harbour street", '"parade fair"', "mill -river", "boats OR church", "nothingatall"]


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> index.Reader:
    """Two segments and deleted documents (replaced and removed photos), like a live site's index."""
    rng = random.Random(5)
    docs = [PhotoDocument(photo_id=i, title=" ".join(rng.choices(WORDS, k=rng.randint(1, 4))),  # type: ignore[call-arg]
                          description=" ".join(rng.choices(WORDS, k=rng.randint(0, 30))), collection=i % 3,
                          decade=[1900 + 10 * (i % 7)])
            for i in range(1, 700)]
    root = tmp_path_factory.mktemp("index")
    index.build(root, docs[:400], procs=1)
    index.apply(root, upserts=docs[400:] + [PhotoDocument(photo_id=7, title="Harbour again")],  # type: ignore[call-arg]
                removals=[8, 9, 10])
    return index.Reader(root)


def _answers(reader: index.Reader) -> list[object]:
    found: list[object] = []
    for text in QUERIES:
        for kw in ({}, {"page": 2, "per_page": 10}, {"filters": {"collection": ["1"]}}, {"sort": "date"}):
            found.append(asdict(querying.search(reader, text, **kw)))  # type: ignore[arg-type]
        searcher = reader.searcher()
        q = querying.parse(text).normalize()
        found.append(ranking.top_scored_and_matches(searcher, q, 15, None, 50))
        found.append(ranking.matching_docnums(searcher, q))
        found.append(whoosh_fast.live_doc_frequency(searcher.reader(), "text", text.split()[0].strip('"')))
    return found


def test_searches_answer_the_same_through_whoosh_public_matcher_loop(reader, monkeypatch) -> None:
    assert whoosh_fast.ENABLED  # the pinned Whoosh is installed, so the fast path is what the site runs
    blocks, deleted = [], []
    next_block, live_in_segment = whoosh_fast.next_block, whoosh_fast._live_in_segment
    monkeypatch.setattr(whoosh_fast, "next_block", lambda matcher: blocks.append(1) or next_block(matcher))
    monkeypatch.setattr(whoosh_fast, "_live_in_segment", lambda *a: deleted.append(1) or live_in_segment(*a))
    fast = _answers(reader)
    assert blocks and deleted  # the internals were used
    monkeypatch.setattr(whoosh_fast, "ENABLED", False)
    blocks.clear(), deleted.clear()
    assert _answers(reader) == fast
    assert not blocks and not deleted


def test_one_word_totals_past_the_count_limit_are_the_same_both_ways(reader, monkeypatch) -> None:
    monkeypatch.setattr(querying, "COUNT_LIMIT", 5)
    fast = querying.search(reader, "harbour")
    monkeypatch.setattr(whoosh_fast, "ENABLED", False)
    public = querying.search(reader, "harbour")
    assert fast.total_is_exact and (public.total, public.total_is_exact) == (fast.total, True)
    assert fast.total == len(ranking.matching_docnums(reader.searcher(), querying.parse("harbour")))


def test_the_fast_path_is_switched_on_only_for_the_whoosh_pyproject_pins() -> None:
    pins = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert f"{whoosh_fast.DISTRIBUTION}=={whoosh_fast.PINNED}" in [pin.replace(" ", "") for pin in pins]
    assert whoosh_fast.ENABLED == (whoosh_fast.installed_version() == whoosh_fast.PINNED)


#: Whoosh's internals that whoosh_fast wraps: no other module may name them.
PRIVATE = re.compile(r"\._ids\b|\._weights\b|\._next_block\b|deleted_docs_set|W3LeafMatcher|whoosh\.codec"
                     r"|\.dfl\b|\.child\b|\.scorer\b(?!\s*\()")


def test_no_module_but_whoosh_fast_touches_whoosh_internals() -> None:
    offenders = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
                 for path in sorted((ROOT / "photoid").rglob("*.py")) if path.name != "whoosh_fast.py"
                 for number, line in enumerate(path.read_text().splitlines(), 1) if PRIVATE.search(line)]
    assert offenders == []
