"""The Whoosh index adapter's own concerns: a missing index, its fast indexing path, its count limit and ranking.
The behaviour both search back ends share (query language, accents, stemming, phrases, facets, snippets,
sorting, years) is tests/integration/test_search_backends.py."""
from __future__ import annotations

from pathlib import Path

import pytest

from photoid.search import index, querying
from tests.integration.test_search_backends import CORPUS, doc  # the shared behaviour suite's photos


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> index.Reader:
    root = tmp_path_factory.mktemp("index")
    index.build(root, CORPUS, procs=1)
    return index.Reader(root)


def test_a_missing_index_says_so(tmp_path: Path) -> None:
    with pytest.raises(index.IndexMissing):
        querying.search(index.Reader(tmp_path / "none"), "street")


def test_the_fast_indexing_path_makes_the_same_terms_as_the_analyzer() -> None:
    from whoosh import fields

    plain = fields.TEXT(analyzer=index._TEXT_ANALYZER, phrase=False)
    fast = index.schema()["text"]
    for value in ["Parade on Main Street\x1eMüller, Anna\x1fAnna Mueller\x1eThe Müller family's 3.5 parades, "
                  "e.g. U.S.A. a* straße ÉCOLE école, John F. Kennedy during À la\x1fPH-000123", "",
                  "the of\x1e\x1eRunning runners ran\x1f\x1fagain Ran"]:
        assert sorted(fast.index(value)) == sorted(plain.index(value))


def test_both_back_ends_find_words_as_whoosh_tokenizes_them() -> None:
    from whoosh.analysis.tokenizers import default_pattern

    from photoid.search import words

    assert words.WORD.pattern == default_pattern.pattern and words.WORD.flags == default_pattern.flags


def test_past_the_count_limit_totals_say_so_unless_one_word_makes_them_cheap(reader, monkeypatch) -> None:
    monkeypatch.setattr(querying, "COUNT_LIMIT", 2)
    one_word = querying.search(reader, "street")
    assert (one_word.total, one_word.total_is_exact, one_word.facets_are_exact) == (3, True, False)
    assert sum(count for _, count in one_word.facets["decade"]) == 2  # counted over the first two only
    many = querying.search(reader, "street OR harbour", per_page=1)
    assert (many.total, many.total_is_exact, many.pages, len(many.hits)) == (2, False, 2, 1)


def test_a_one_word_total_past_the_count_limit_leaves_out_replaced_and_removed_photos(tmp_path, monkeypatch) -> None:
    index.build(tmp_path, [doc(i, f"Street {i}") for i in range(1, 8)], procs=1)
    index.apply(tmp_path, upserts=[doc(2, "Lane 2"), doc(3, "Street 3 again")], removals=[4])
    monkeypatch.setattr(querying, "COUNT_LIMIT", 2)
    results = querying.search(index.Reader(tmp_path), "street")
    assert (results.total, results.total_is_exact) == (5, True)  # 1, 3, 5, 6, 7


def test_the_first_page_ranks_as_whoosh_itself_ranks(tmp_path: Path) -> None:
    import random

    from whoosh import scoring

    rng = random.Random(3)
    words = "harbour street parade fair boats family church mill river school".split()
    docs = [doc(i, " ".join(rng.choices(words, k=rng.randint(1, 4))),
                description=" ".join(rng.choices(words, k=rng.randint(0, 30)))) for i in range(1, 900)]
    index.build(tmp_path, docs[:500], procs=1)
    index.apply(tmp_path, upserts=docs[500:] + [doc(7, "Harbour again")], removals=[8, 9])  # two segments, deletions
    reader = index.Reader(tmp_path)
    with index.index.open_dir(str(index.current_path(tmp_path).resolve())).searcher(weighting=scoring.BM25F()) as own:
        for text in ["harbour", "harbour street", '"parade fair"', "mill -river", "boats OR church"]:
            q = querying.parse(text)
            expected = [int(own.stored_fields(hit.docnum)["photo_id"]) for hit in own.search(q, limit=30)]
            assert [h.photo_id for h in querying.search(reader, text, per_page=30).hits] == expected, text
