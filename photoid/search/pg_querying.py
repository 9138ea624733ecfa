"""The PostgreSQL search back end's reading side: what people type, as a ``tsquery``, against
``search_document`` (see ``pg_index``), answering with the same ``Results`` as the Whoosh back end.

The query language is the Whoosh back end's: words are ANDed, "quoted phrases" must be side by side
(``phraseto_tsquery``, ``<->``; stop words left out, as the documents are written without them: see
``words``), ``-word`` excludes (``!!``), ``OR`` widens (``||``), and years and
decades match the photos dated in them (``years.split_years``). Each word reaches PostgreSQL as a bound
parameter of ``plainto_tsquery``, never as tsquery syntax. Totals and facet counts are exact.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Text, and_, cast, func, literal, or_, select, true
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlalchemy.orm import Session

from photoid.search.index import FACETS
from photoid.search.models import SearchDocument, SearchWord, facet_array
from photoid.search.pg_index import CONFIG
from photoid.search.records import Hit, Results, respell
from photoid.search.words import fold, searchable
from photoid.search.years import split_years

_START, _STOP = "\ue000", "\ue001"  # private-use marks around matches, made <mark> after escaping
_HEADLINE = f'StartSel={_START}, StopSel={_STOP}, MaxWords=35, MinWords=15, MaxFragments=2, FragmentDelimiter=" … "'
_TOKEN = re.compile(r'-?"[^"]*"?|\S+')


@dataclass
class Query:
    #: Whether a photo matches (words, phrases, exclusions, years), or None for every photo.
    condition: ColumnElement[bool] | None
    #: The words to rank and mark in snippets (None when the search has no words).
    words: ColumnElement | None


def _unit(token: str) -> tuple[ColumnElement | None, bool]:
    negated = token.startswith("-") and len(token) > 1
    token = token[1:] if negated else token
    if token.startswith('"'):
        phrase = searchable(token.strip('"'))
        return (func.phraseto_tsquery(CONFIG, phrase) if phrase else None), negated
    return func.plainto_tsquery(CONFIG, searchable(token)), negated


def _words_query(text: str) -> tuple[ColumnElement | None, ColumnElement | None]:
    """(the tsquery to match, the tsquery of its positive words) for words without years."""
    cleaned = text.replace(":", " ")
    groups: list[list[tuple[ColumnElement, bool]]] = []
    join_next = False
    for token in _TOKEN.findall(cleaned):
        if token == "OR":
            join_next = bool(groups)
            continue
        unit, negated = _unit(token)
        if unit is None:
            continue
        if join_next:
            groups[-1].append((unit, negated))
        else:
            groups.append([(unit, negated)])
        join_next = False
    match = positive = None
    for group in groups:
        ored = None
        for unit, negated in group:
            term = func.tsquery_not(unit) if negated else unit
            ored = term if ored is None else func.tsquery_or(ored, term)
            if not negated:
                positive = unit if positive is None else func.tsquery_or(positive, unit)
        match = ored if match is None else func.tsquery_and(match, ored)
    return match, positive


def years_condition(first: int | None, last: int | None) -> ColumnElement[bool]:
    """Photos whose catalog date or an approved community date overlaps ``first``–``last``."""
    doc = SearchDocument
    spans = ((doc.catalog_from, doc.catalog_to), (doc.community_from, doc.community_to))
    return or_(*(and_(start.is_not(None),
                      start <= last if last is not None else true(), end >= first if first is not None else true())
                 for start, end in spans))


def parse(text: str) -> Query:
    words, spans = split_years(text)
    parts: list[ColumnElement[bool]] = []
    match, positive = _words_query(words) if words else (None, None)
    if match is not None:
        parts.append(SearchDocument.document.op("@@")(match))
    for span in spans:
        dated = years_condition(span.first, span.last)
        if span.words:
            as_word = func.plainto_tsquery(CONFIG, span.words)
            positive = as_word if positive is None else func.tsquery_or(positive, as_word)
            dated = or_(dated, SearchDocument.document.op("@@")(as_word))
        parts.append(dated)
    if text.strip() and not parts:
        return Query(condition=literal(False), words=None)
    return Query(condition=and_(*parts) if parts else None, words=positive)


def _filter(filters: dict[str, list[str]]) -> ColumnElement[bool] | None:
    keys = [f"{name}:{value}" for name, values in filters.items() if name in FACETS for value in values]
    if not keys:
        return None
    return facet_array(SearchDocument.facets).op("@>")(cast(array(keys), ARRAY(Text)))


def search(
    session: Session, text: str, *, filters: dict[str, list[str]] | None = None, sort: str = "relevance",
    page: int = 1, per_page: int = 24, with_facets: bool = True, facet_limit: int = 12,
    years: tuple[int | None, int | None] | None = None,
) -> Results:
    """One page of matching photos with snippets, exact totals and facet counts, and "did you mean". Reads only."""
    text = text.strip()
    parsed = parse(text) if text else Query(condition=None, words=None)
    conditions = [c for c in (parsed.condition, _filter(filters or {}),
                              years_condition(*years) if years is not None else None) if c is not None]
    where = and_(*conditions) if conditions else true()
    page = max(1, page)
    doc = SearchDocument
    if sort == "date":
        order = [doc.date_sort, doc.photo_id]
    elif sort == "identified":
        order = [doc.identified_at.desc(), doc.photo_id]
    elif parsed.words is not None:
        order = [func.ts_rank_cd(doc.document, parsed.words).desc(), doc.photo_id]
    else:
        order = [doc.photo_id]
    ranked = session.execute(select(doc.photo_id, doc.description).where(where)
                             .order_by(*order).offset((page - 1) * per_page).limit(per_page)).all()
    total = session.scalar(select(func.count()).select_from(doc).where(where)) or 0
    snippets = _snippets(session, ranked, parsed.words)
    hits = [Hit(photo_id=row.photo_id, snippet=snippets[row.photo_id]) for row in ranked]
    facets = _facets(session, where, facet_limit) if with_facets else {}
    suggestion = suggest(session, text) if text and not total else None
    return Results(hits=hits, total=total, page=page, per_page=per_page, facets=facets, suggestion=suggestion,
                   counted=total)


def _facets(session: Session, where: ColumnElement[bool], limit: int) -> dict[str, list[tuple[str, int]]]:
    key = func.unnest(func.string_to_array(SearchDocument.facets, ",")).label("key")
    matching = select(key).where(where).subquery()
    grouped: dict[str, list[tuple[str, int]]] = {name: [] for name in FACETS}
    for facet_key, count in session.execute(select(matching.c.key, func.count()).group_by(matching.c.key)):
        name, _, value = facet_key.partition(":")
        if name in grouped:
            grouped[name].append((value, count))
    # The most frequent first, then by value, as the Whoosh back end orders them.
    return {name: sorted(values, key=lambda item: (-item[1], item[0]))[:limit] for name, values in grouped.items()}


def _escaped(column: ColumnElement[str]) -> ColumnElement[str]:
    """``column`` as ``html.escape(..., quote=False)`` would write it, without the private-use marks.

    Escaped before ``ts_headline``, which would drop markup rather than show it (it keeps entities whole)."""
    for raw, written in ((_START, ""), (_STOP, ""), ("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        column = func.replace(column, raw, written)
    return column


def _snippets(session: Session, rows: list, words: ColumnElement | None) -> dict[int, str]:  # type: ignore[type-arg]
    """Each row's best matching passage of the description, names or title, escaped, matches in <mark>
    (one query for the page); the description's beginning when nothing matched."""
    snippets = {row.photo_id: html.escape((row.description or "")[:200]) for row in rows}
    if words is None or not rows:
        return snippets
    doc = SearchDocument
    marked_rows = session.execute(select(doc.photo_id, *(
        func.ts_headline(CONFIG, _escaped(column), words, _HEADLINE) for column in (doc.description, doc.names, doc.title)
    )).where(doc.photo_id.in_(list(snippets))))
    for photo_id, *marked in marked_rows:
        best = next((text for text in marked if text and _START in text), None)
        if best:
            snippets[photo_id] = best.replace(_START, "<mark>").replace(_STOP, "</mark>")
    return snippets


def _known(session: Session, word: str) -> bool:
    query = func.plainto_tsquery(CONFIG, word)
    if not session.scalar(select(func.numnode(query))):
        return True  # a stop word
    return session.scalar(select(SearchDocument.photo_id).where(SearchDocument.document.op("@@")(query)).limit(1)) \
        is not None


def suggest(session: Session, text: str) -> str | None:
    """``text`` with each word no photo has replaced by the most similar word one has (trigrams), or None."""
    def replacement_for(piece: str) -> str | None:
        if len(piece) <= 2 or piece == "OR" or _known(session, piece):
            return None
        folded = fold(piece)
        candidates = session.scalars(
            select(SearchWord.word).where(SearchWord.word.op("%")(folded), SearchWord.word != folded)
            .order_by(func.similarity(SearchWord.word, folded).desc(), SearchWord.word).limit(10))
        return next((word for word in candidates if _known(session, word)), None)

    return respell(text, replacement_for)

