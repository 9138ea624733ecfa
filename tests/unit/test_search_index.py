"""The search index adapter on its own: query language, accents, stemming, phrases, facets, snippets."""
from __future__ import annotations

from pathlib import Path

import pytest

from photoid.search import index, querying
from photoid.search.index import PhotoDocument


def doc(photo_id: int, title: str, **kw: object) -> PhotoDocument:
    return PhotoDocument(photo_id=photo_id, title=title, **kw)  # type: ignore[arg-type]


CORPUS = [
    doc(1, "Parade on Main Street", description="The Müller family watching the Founders Day parade",
        names=["Müller, Anna, 1902-1988", "Anna Mueller"], collection=1, institution=1, person=[7], decade=[1940],
        date_sort="1945-01-01", identified_at="2026-01-05T10:00:00"),
    doc(2, "Street fair", description="Main Street at night after the fair; no parades that year",
        collection=1, institution=1, decade=[1950], date_sort="1952-06-01", identified_at="2026-03-01T10:00:00"),
    doc(3, "Fire brigade drill", description="Firemen on Street Main, <script>alert(1)</script> & friends",
        collection=2, institution=1, decade=[1940], unidentified=True, date_sort="1941-01-01"),
    doc(4, "Harbour at dawn", description="Boats in the harbour", collection=2, institution=2, place=[9],
        names=["Millbrook Harbour"], decade=[1930, 1940]),
]


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> index.Reader:
    root = tmp_path_factory.mktemp("index")
    index.build(root, CORPUS, procs=1)
    return index.Reader(root)


def ids(reader: index.Reader, text: str, **kw: object) -> list[int]:
    return sorted(hit.photo_id for hit in querying.search(reader, text, **kw).hits)  # type: ignore[arg-type]


def test_plain_words_must_all_match(reader) -> None:
    assert ids(reader, "street") == [1, 2, 3]
    assert ids(reader, "street fair") == [2]


def test_accents_are_ignored_both_ways(reader) -> None:
    assert ids(reader, "muller") == [1]
    assert ids(reader, "MÜLLER") == [1]


def test_stemming_finds_other_forms_of_a_word(reader) -> None:
    assert ids(reader, "parades") == [1, 2]
    assert ids(reader, "harbours") == [4]


def test_quoted_phrase_needs_the_words_side_by_side_in_that_order(reader) -> None:
    assert ids(reader, '"main street"') == [1, 2]  # photo 3 says "Street Main"
    assert ids(reader, '"founders day parade"') == [1]
    assert ids(reader, '"day founders"') == []


def test_minus_excludes_and_or_widens(reader) -> None:
    assert ids(reader, "street -fair") == [1, 3]
    assert ids(reader, "harbour OR fair") == [2, 4]


def test_facet_counts_cover_every_match_and_filters_narrow(reader) -> None:
    results = querying.search(reader, "street")
    assert dict(results.facets["decade"]) == {"1940": 2, "1950": 1}
    assert dict(results.facets["collection"]) == {"1": 2, "2": 1}
    assert dict(results.facets["person"]) == {"7": 1}
    assert dict(results.facets["unidentified"]) == {"yes": 1, "no": 2}
    assert ids(reader, "street", filters={"decade": ["1940"]}) == [1, 3]
    assert ids(reader, "", filters={"decade": ["1940"], "collection": ["2"]}) == [3, 4]


def test_a_photo_in_two_decades_counts_in_both(reader) -> None:
    results = querying.search(reader, "harbour")
    assert dict(results.facets["decade"]) == {"1930": 1, "1940": 1}


def test_snippets_escape_the_data_and_mark_the_matches(reader) -> None:
    [hit] = querying.search(reader, "firemen").hits
    assert "<script>" not in hit.snippet
    assert "&lt;script&gt;" in hit.snippet and "&amp;" in hit.snippet
    assert "<mark>Firemen</mark>" in hit.snippet


def test_sorting_by_date_and_by_recently_identified(reader) -> None:
    by_date = [h.photo_id for h in querying.search(reader, "street", sort="date").hits]
    assert by_date == [3, 1, 2]
    recent = [h.photo_id for h in querying.search(reader, "street", sort="identified").hits]
    assert recent[:2] == [2, 1]
    filtered = querying.search(reader, "street", sort="date", filters={"decade": ["1940"]})
    assert [h.photo_id for h in filtered.hits] == [3, 1] and filtered.total == 2


def test_pages_split_the_results(reader) -> None:
    first = querying.search(reader, "street", per_page=2, page=1, sort="date")
    second = querying.search(reader, "street", per_page=2, page=2, sort="date")
    assert first.total == second.total == 3 and first.pages == 2
    assert [h.photo_id for h in first.hits + second.hits] == [3, 1, 2]


def test_did_you_mean_comes_from_the_index_vocabulary(reader) -> None:
    results = querying.search(reader, "mullar")
    assert results.total == 0 and results.suggestion == "muller"
    assert querying.search(reader, "muller").suggestion is None


def test_field_syntax_and_operators_in_lower_case_are_just_words(reader) -> None:
    assert ids(reader, "title:harbour") == []  # "title" is a word that no photo has
    assert ids(reader, "harbour and boats") == [4]


def test_a_missing_index_says_so(tmp_path: Path) -> None:
    with pytest.raises(index.IndexMissing):
        querying.search(index.Reader(tmp_path / "none"), "street")


def test_the_fast_indexing_path_makes_the_same_terms_as_the_analyzer() -> None:
    from whoosh import fields

    plain = fields.TEXT(analyzer=index._TEXT_ANALYZER, phrase=False)
    fast = index.schema()["text"]
    for value in ["Parade on Main Street\x1eMüller, Anna · Anna Mueller\x1eThe Müller family's 3.5 parades, "
                  "e.g. U.S.A. a* straße ÉCOLE école\nPH-000123", "", "the of\x1e\x1eRunning runners ran"]:
        assert sorted(fast.index(value)) == sorted(plain.index(value))


def test_a_match_in_the_title_ranks_before_one_in_the_description(tmp_path: Path) -> None:
    index.build(tmp_path, [doc(1, "Boats", description="Harbour at night, with harbour lights"),
                           doc(2, "Harbour at night", description="Boats")], procs=1)
    assert [h.photo_id for h in querying.search(index.Reader(tmp_path), "harbour").hits] == [2, 1]


def test_phrases_can_be_ored_and_never_span_two_parts_of_a_photo(reader) -> None:
    assert ids(reader, '"main street" OR "brigade drill"') == [1, 2, 3]
    assert ids(reader, '"dawn millbrook"') == []  # the title ends with "dawn", the names begin with "Millbrook"


def test_did_you_mean_offers_a_word_as_written_not_a_stem(reader) -> None:
    assert querying.search(reader, "parrade").suggestion == "parade"


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
