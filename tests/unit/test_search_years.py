"""Years in searches (issue #20): read out of what people type, and matched against the photos'
catalog and approved community dates as overlapping spans of years (matched on both search back ends in
tests/integration/test_search_backends.py)."""
from __future__ import annotations

from dataclasses import replace

import pytest

from photoid.search import index, querying
from photoid.search.index import PhotoDocument
from photoid.search.years import YearSpan, split_years


@pytest.mark.parametrize(
    ("typed", "words", "spans"),
    [
        ("1925", "", [YearSpan(1925, 1925, "1925")]),
        ("parade 1925", "parade", [YearSpan(1925, 1925, "1925")]),
        ("1920s", "", [YearSpan(1920, 1929, "1920s")]),
        ("the 1920's", "the", [YearSpan(1920, 1929, "1920s")]),
        ("1920-1929", "", [YearSpan(1920, 1929)]),
        ("1920–29", "", [YearSpan(1920, 1929)]),
        ("1920-21", "", [YearSpan(1920, 1921)]),  # two years, never EDTF's "spring 1920"
        ("between 1920 and 1925", "", [YearSpan(1920, 1925)]),
        ("from 1920 to 1925 harbour", "harbour", [YearSpan(1920, 1925)]),
        ("MPL-1923-004", "MPL-1923-004", []),  # an identifier, not a year
        ("parade -1925", "parade -1925", []),  # excluded as a word
        ('"main street 1925"', '"main street 1925"', []),  # inside a phrase
        ("0999 3000", "0999 3000", []),  # no year we record
        ("1929-1920", "1929-1920", []),
    ],
)
def test_split_years(typed: str, words: str, spans: list[YearSpan]) -> None:
    assert split_years(typed) == (words, spans)


CORPUS = [
    PhotoDocument(photo_id=1, title="Harbour", catalog_years=(1925, 1925)),
    PhotoDocument(photo_id=2, title="Class photograph", community_years=(1920, 1929)),
    PhotoDocument(photo_id=3, title="Pier repairs", description="Rebuilt in 1925", catalog_years=(1960, 1960)),
    PhotoDocument(photo_id=4, title="Before the war", catalog_years=(1000, 1938)),  # "before 1939"
    PhotoDocument(photo_id=5, title="Undated"),
]


def ids(reader: index.Reader, text: str, **kw: object) -> list[int]:
    return sorted(hit.photo_id for hit in querying.search(reader, text, **kw).hits)  # type: ignore[arg-type]


def test_an_index_built_before_years_were_indexed_still_answers(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    old_schema = index.schema()
    for name in ("catalog_from", "catalog_to", "community_from", "community_to"):
        old_schema.remove(name)
    monkeypatch.setattr(index, "schema", lambda: old_schema)
    index.build(tmp_path, [replace(d, catalog_years=None, community_years=None) for d in CORPUS], procs=1)
    monkeypatch.undo()
    reader = index.Reader(tmp_path)
    assert ids(reader, "1925") == [3]  # the word only, until ``photoid reindex``
    assert ids(reader, "", years=(1920, 1929)) == []
    index.apply(tmp_path, upserts=[PhotoDocument(photo_id=6, title="New 1925", catalog_years=(1925, 1925))])
    assert ids(index.Reader(tmp_path), "1925") == [3, 6]
