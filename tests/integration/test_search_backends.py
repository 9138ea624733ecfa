"""One behaviour suite for both search back ends (issue #23): Whoosh (an index folder, the default) and
PostgreSQL (``PHOTOID_SEARCH=postgres``: ``search_document`` in the database). Every test runs on each;
the PostgreSQL runs need PHOTOID_TEST_DATABASE_URL to be a PostgreSQL database.

The Whoosh back end's own concerns (its count limit, its ranking, a missing index folder) stay in
tests/unit/test_search_index.py.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from photoid.extensions import db
from photoid.search import index, pg_index, pg_querying, querying
from photoid.search.index import PhotoDocument
from photoid.search.records import Results

PG_URL = os.environ.get("PHOTOID_TEST_DATABASE_URL") or ""
ON_POSTGRES = PG_URL.startswith("postgresql")
NOT_ON_POSTGRES = "the PostgreSQL search back end needs PHOTOID_TEST_DATABASE_URL=postgresql+psycopg://…"


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

YEARS_CORPUS = [
    doc(1, "Harbour", catalog_years=(1925, 1925)),
    doc(2, "Class photograph", community_years=(1920, 1929)),
    doc(3, "Pier repairs", description="Rebuilt in 1925", catalog_years=(1960, 1960)),
    doc(4, "Before the war", catalog_years=(1000, 1938)),  # "before 1939"
    doc(5, "Undated"),
]

#: Phrases: words side by side within one value (a title, one name, a description, an identifier).
PHRASE_CORPUS = [
    doc(1, "Main", names=["Street fair committee"]),  # "main street" only across the title and a name
    doc(2, "Market day", names=["Anna Main", "Street, Peter"]),  # ... across two names
    doc(3, "Ferry", description="View of the river from the bridge", identifier="PH-000123"),
    doc(4, "Choir", description="Boys of the Church of England school, with Father John F. Kennedy"),
    doc(5, "The Saint-Jean church on Müller's farm", description="Rebuilt after the fire"),
    doc(6, "Ferry landing", description="Boats at the river bridge", identifier="Main Street"),
]

Search = Callable[..., Results]


@pytest.fixture(params=["whoosh", pytest.param("postgres", marks=pytest.mark.skipif(not ON_POSTGRES,
                                                                                     reason=NOT_ON_POSTGRES))])
def indexed(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[Iterable[PhotoDocument]], Search]:
    """Index some documents in the back end under test; returns its ``search(text, **options)``."""

    def load(docs: Iterable[PhotoDocument]) -> Search:
        if request.param == "whoosh":
            index.build(tmp_path, docs, procs=1)
            reader = index.Reader(tmp_path)
            return lambda text, **kw: querying.search(reader, text, **kw)
        request.getfixturevalue("app")
        pg_index.apply(db.session.connection(), upserts=docs)
        db.session.commit()
        return lambda text, **kw: pg_querying.search(db.session, text, **kw)

    return load


@pytest.fixture
def search(indexed: Callable[[Iterable[PhotoDocument]], Search]) -> Search:
    return indexed(CORPUS)


def ids(search: Search, text: str, **kw: object) -> list[int]:
    return sorted(hit.photo_id for hit in search(text, **kw).hits)


def test_plain_words_must_all_match(search: Search) -> None:
    assert ids(search, "street") == [1, 2, 3]
    assert ids(search, "street fair") == [2]


def test_accents_are_ignored_both_ways(search: Search) -> None:
    assert ids(search, "muller") == [1]
    assert ids(search, "MÜLLER") == [1]


def test_stemming_finds_other_forms_of_a_word(search: Search) -> None:
    assert ids(search, "parades") == [1, 2]
    assert ids(search, "harbours") == [4]


def test_quoted_phrase_needs_the_words_side_by_side_in_that_order(search: Search) -> None:
    assert ids(search, '"main street"') == [1, 2]  # photo 3 says "Street Main"
    assert ids(search, '"founders day parade"') == [1]
    assert ids(search, '"day founders"') == []


def test_minus_excludes_and_or_widens(search: Search) -> None:
    assert ids(search, "street -fair") == [1, 3]
    assert ids(search, "harbour OR fair") == [2, 4]


def test_phrases_can_be_ored_and_never_span_two_parts_of_a_photo(search: Search) -> None:
    assert ids(search, '"main street" OR "brigade drill"') == [1, 2, 3]
    assert ids(search, '"dawn millbrook"') == []  # the title ends with "dawn", the names begin with "Millbrook"


def test_field_syntax_and_operators_in_lower_case_are_just_words(search: Search) -> None:
    assert ids(search, "title:harbour") == []  # "title" is a word that no photo has
    assert ids(search, "harbour and boats") == [4]


def test_facet_counts_cover_every_match_and_filters_narrow(search: Search) -> None:
    results = search("street")
    assert dict(results.facets["decade"]) == {"1940": 2, "1950": 1}
    assert dict(results.facets["collection"]) == {"1": 2, "2": 1}
    assert dict(results.facets["person"]) == {"7": 1}
    assert dict(results.facets["unidentified"]) == {"yes": 1, "no": 2}
    assert ids(search, "street", filters={"decade": ["1940"]}) == [1, 3]
    assert ids(search, "", filters={"decade": ["1940"], "collection": ["2"]}) == [3, 4]


def test_a_photo_in_two_decades_counts_in_both(search: Search) -> None:
    assert dict(search("harbour").facets["decade"]) == {"1930": 1, "1940": 1}


def test_snippets_escape_the_data_and_mark_the_matches(search: Search) -> None:
    [hit] = search("firemen").hits
    assert "<script>" not in hit.snippet
    assert "&lt;script&gt;" in hit.snippet and "&amp;" in hit.snippet
    assert "<mark>Firemen</mark>" in hit.snippet


def test_snippets_mark_a_word_found_by_its_unaccented_or_other_form(search: Search) -> None:
    [hit] = search("muller parades").hits
    assert "<mark>Müller</mark>" in hit.snippet and "<mark>parade</mark>" in hit.snippet


def test_sorting_by_date_and_by_recently_identified(search: Search) -> None:
    assert [h.photo_id for h in search("street", sort="date").hits] == [3, 1, 2]
    assert [h.photo_id for h in search("street", sort="identified").hits][:2] == [2, 1]
    filtered = search("street", sort="date", filters={"decade": ["1940"]})
    assert [h.photo_id for h in filtered.hits] == [3, 1] and filtered.total == 2


def test_a_match_in_the_title_ranks_before_one_in_the_description(indexed) -> None:  # type: ignore[no-untyped-def]
    search = indexed([doc(1, "Boats", description="Harbour at night, with harbour lights"),
                      doc(2, "Harbour at night", description="Boats")])
    assert [h.photo_id for h in search("harbour").hits] == [2, 1]


def test_pages_split_the_results_and_totals_count_every_match(search: Search) -> None:
    first = search("street", per_page=2, page=1, sort="date")
    second = search("street", per_page=2, page=2, sort="date")
    assert first.total == second.total == 3 and first.pages == 2 and first.total_is_exact
    assert [h.photo_id for h in first.hits + second.hits] == [3, 1, 2]
    assert search("zeppelin").total == 0


def test_did_you_mean_offers_a_word_as_written(search: Search) -> None:
    results = search("mullar")
    assert results.total == 0 and results.suggestion == "muller"
    assert search("muller").suggestion is None
    assert search("parrade").suggestion == "parade"


def test_years_match_overlapping_dates_from_either_source_or_the_word(indexed) -> None:  # type: ignore[no-untyped-def]
    search = indexed(YEARS_CORPUS)
    assert ids(search, "1925") == [1, 2, 3, 4]
    assert ids(search, "1930s") == [4]
    assert ids(search, "1926-1929") == [2, 4]
    assert ids(search, "harbour 1920s") == [1]
    assert ids(search, "", years=(1950, None)) == [3]
    assert ids(search, "", years=(None, 1919)) == [4]
    assert ids(search, "pier", years=(1920, 1929)) == []


def test_a_changed_or_removed_document_is_searched_as_it_now_is(indexed, request) -> None:  # type: ignore[no-untyped-def]
    search = indexed(CORPUS)
    changed = doc(4, "Lighthouse at dusk", collection=2, institution=2)
    if "whoosh" in request.node.callspec.id:
        index.apply(request.getfixturevalue("tmp_path"), upserts=[changed], removals=[3])
    else:
        pg_index.apply(db.session.connection(), upserts=[changed], removals=[3])
        db.session.commit()
    assert ids(search, "harbour") == [] and ids(search, "lighthouse") == [4]
    assert ids(search, "firemen") == []


def test_postgres_search_refuses_to_start_on_sqlite(tmp_path: Path) -> None:
    from tests.conftest import make_test_app

    with pytest.raises(RuntimeError, match="PHOTOID_SEARCH=postgres .* not a PostgreSQL database"):
        make_test_app(tmp_path, f"sqlite:///{tmp_path / 'x.sqlite3'}", SEARCH="postgres")



def test_a_phrase_matches_only_within_one_value_never_across_two(indexed) -> None:  # type: ignore[no-untyped-def]
    search = indexed(PHRASE_CORPUS)
    assert ids(search, '"main street"') == [6]  # the identifier; not the title and a name (1), nor two names (2)
    assert ids(search, '"main street fair"') == [] and ids(search, '"main street peter"') == []
    assert ids(search, '"street fair"') == [1] and ids(search, '"anna main"') == [2]
    assert ids(search, '"bridge ph"') == [] and ids(search, '"bridge main"') == []  # description, then identifier
    assert ids(search, "main street") == [1, 2, 6]  # plain words still match anywhere in the photo


def test_stop_words_in_a_phrase_are_left_out_on_both_sides(indexed) -> None:  # type: ignore[no-untyped-def]
    search = indexed(PHRASE_CORPUS)
    assert ids(search, '"river bridge"') == [3, 6]  # "the river from the bridge": both back ends alike
    assert ids(search, '"church of england"') == ids(search, '"church england"') == [4]
    assert ids(search, '"the river"') == [3, 6]
    assert ids(search, '"john f kennedy"') == [4]
    assert ids(search, '"john kennedy"') == []  # "F" is a word, not a stop word: it keeps them apart


def test_hyphens_accents_and_word_forms_inside_a_phrase(indexed) -> None:  # type: ignore[no-untyped-def]
    search = indexed(PHRASE_CORPUS)
    assert ids(search, '"saint jean church"') == ids(search, '"saint-jean church"') == [5]
    assert ids(search, "Saint-Jean") == [5] and ids(search, "PH-000123") == [3]
    assert ids(search, '"ph 000123"') == [3]
    assert ids(search, '"muller farm"') == ids(search, '"MÜLLER\'S farms"') == [5]
    assert ids(search, '"rebuilt after fire"') == [5] and ids(search, '"boat at the rivers"') == [6]
