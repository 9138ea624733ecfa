"""Querying the search index: parsing what people type, ranking a page, snippets, facet counts and
"did you mean". The index's life cycle is in ``index``; Whoosh is imported only here in photoid/search/
(and by the health check), and only ``whoosh_fast`` touches its internals.

A page does not count every match: ``search`` collects at most ``COUNT_LIMIT`` matching documents
(the facet counts come from those), and reports a larger total as exact only when it is cheap to
know (one word, no deleted documents: the word's document frequency), otherwise as "more than".
"""
from __future__ import annotations

import html
import re
import threading
from collections import Counter
from heapq import nsmallest
from itertools import chain

from whoosh import highlight, qparser, query, sorting

from photoid.search import ranking, spelling, whoosh_fast
from photoid.search.analysis import ANALYZER as _ANALYZER, SPELL_ANALYZER as _SPELL_ANALYZER
from photoid.search.index import _PARSE_SCHEMA, FACETS, YEAR_SOURCES, FacetTable, Reader
from photoid.search.records import Hit, Results, respell
from photoid.search.years import split_years

__all__ = ["parse", "search", "suggest", "term_count", "years_query"]

#: At most this many matches are collected per query, for the total and the facet counts.
COUNT_LIMIT = 10_000


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

    A phrase becomes the AND of its adjacent word pairs in the ``text`` field. A year, decade or
    range of years ("1925", "1920s", "1920-1929", "between 1920 and 1925") matches the photos dated
    in it (``years_query``); a single year or decade also matches the word in the text.
    """
    words, spans = split_years(text)
    parts = [_parse_words(words)] if words else []
    for span in spans:
        dated = years_query(span.first, span.last)
        parts.append(query.Or([dated, _parse_words(span.words)]) if span.words else dated)
    if not parts:
        return query.NullQuery
    return parts[0] if len(parts) == 1 else query.And(parts)


def years_query(first: int | None, last: int | None) -> query.Query:
    """Photos whose catalog date or an approved community date overlaps the years ``first``–``last``
    (either may be None: open)."""
    return query.Or([
        query.And([query.NumericRange(f"{source}_from", None, last), query.NumericRange(f"{source}_to", first, None)])
        for source in YEAR_SOURCES
    ])


def _without_years(q: query.Query) -> query.Query:
    return q.accept(lambda node: query.NullQuery if isinstance(node, query.NumericRange) else node).normalize()


def _parse_words(text: str) -> query.Query:
    parser = getattr(_PARSER_LOCAL, "parser", None)
    if parser is None:
        parser = _PARSER_LOCAL.parser = _parser()
    # "NOT" and "AND" are words here; "OR" (upper case) is an operator, "-word" excludes, but a hyphen
    # inside a word joins two words ("PH-000123", "Saint-Jean"), as the index reads them.
    cleaned = re.sub(r"\b(AND|NOT|ANDNOT|ANDMAYBE)\b", lambda m: m.group(0).lower(), text).replace(":", " ")
    cleaned = re.sub(r"(?<=\w)-(?=\w)", " ", cleaned)
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


def _count_facets(table: FacetTable, searcher, docnums: list[int],  # type: ignore[no-untyped-def]
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
    years: tuple[int | None, int | None] | None = None,
) -> Results:
    """One page of matching photos with snippets, facet counts and a spelling suggestion.

    An empty ``text`` with filters lists every photo that matches the filters. Reads only.
    Raises IndexMissing when there is no index yet.
    """
    searcher = reader.searcher()
    text = text.strip()
    q = parse(text) if text else query.Every()
    flt = _filter(filters or {})
    if years is not None:
        flt = query.And([flt, years_query(*years)]) if flt is not None else years_query(*years)
    if f"{YEAR_SOURCES[0]}_from" not in searcher.schema:
        # An index built before years were indexed (until ``photoid reindex``): years match as words only.
        q, flt = _without_years(q), flt and _without_years(flt)
    q = q.normalize()
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
        total = whoosh_fast.live_doc_frequency(searcher.reader(), q.fieldname, q.text)
        if total is not None:
            return total, True
    return COUNT_LIMIT, False


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

    def replacement_for(piece: str) -> str | None:
        word = "".join(token.text for token in _SPELL_ANALYZER(piece))
        stems = [token.text for token in _ANALYZER(word)]
        if len(word) <= 2 or piece == "OR" or not stems or searcher.doc_frequency("text", stems[0]):
            return None
        nearest = spelling.closest(reader.vocabulary, searcher.reader(), "text", stems[0])
        return _written_form(searcher, nearest) if nearest else None

    return respell(text, replacement_for)


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
