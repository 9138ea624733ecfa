"""How text becomes index terms: the analyzers, and the fast path that indexes the ``text`` field.

Kept apart from ``index`` because the index schema pickles these classes by name: an index built
today must open tomorrow, so they move only with a rebuild.
"""
from __future__ import annotations

import functools

from whoosh import fields
from whoosh.analysis import (
    CharsetFilter,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
    Tokenizer,
)
from whoosh.analysis.tokenizers import default_pattern
from whoosh.lang import porter
from whoosh.support.charset import accent_map
from whoosh.system import pack_uint

from photoid.search.words import STOP_WORDS

#: Sections of the ``text`` field and how much a word in each weighs (title, names, the rest).
SECTION_BOOSTS = (3.0, 2.0, 1.0)
SECTION = "\x1e"  # the record separator: never part of a word
#: Separates the values of one section (two names; the description and the identifier): a phrase never
#: runs from one value into the next ("Main Street" is not found in the names "Anna Main" and "Street fair").
VALUE = "\x1f"  # the unit separator: never part of a word either


def _analyzer():  # type: ignore[no-untyped-def]
    """Words, lower-cased, accents folded ("Müller" = "muller"), stop words dropped, stemmed."""
    return RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map) | _stop() | StemFilter()


def _stop() -> StopFilter:
    """Drops the stop words both back ends drop (``words.STOP_WORDS``), single letters kept as PostgreSQL keeps them."""
    return StopFilter(stoplist=STOP_WORDS, minsize=1)


class _SectionTokenizer(Tokenizer):
    """Words of each ``SECTION``-separated part of the value, weighted by ``SECTION_BOOSTS``.

    Each token carries ``section`` (its part's and ``VALUE``'s numbers) so that pairs never span two values.
    """

    def __init__(self) -> None:
        self._words = RegexTokenizer()

    def __call__(self, value, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.pop("boost", None)
        for number, part in enumerate(value.split(SECTION)):
            boost = SECTION_BOOSTS[min(number, len(SECTION_BOOSTS) - 1)]
            for value_number, piece in enumerate(part.split(VALUE)):
                for token in self._words(piece, **kwargs):
                    token.boost = boost
                    token.section = (number, value_number)
                    yield token


class _WordsAndPairs(Filter):
    """Emits every word and, after it, the pair it makes with the word before in its value ("main street")."""

    def __call__(self, tokens):  # type: ignore[no-untyped-def]
        previous, section = None, None
        for token in tokens:
            word = token.text
            yield token
            current = getattr(token, "section", None)
            if previous is not None and current == section:
                token.text = f"{previous} {word}"
                yield token
            previous, section = word, current


def _words():  # type: ignore[no-untyped-def]
    return LowercaseFilter() | CharsetFilter(accent_map) | _stop() | StemFilter()


ANALYZER = _analyzer()
TEXT_ANALYZER = _SectionTokenizer() | _words() | _WordsAndPairs()
SPELL_ANALYZER = RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)

_WORD = default_pattern
_stem = functools.lru_cache(maxsize=200_000)(porter.stem)
_FREQ_BYTES = [pack_uint(n) for n in range(64)]


def weighted_terms(value: str) -> list[tuple[str, int, float]]:
    """``(term, frequency, weight)`` for each word and pair of ``value``, as ``TEXT_ANALYZER`` makes them.

    The same steps (words, lower case, accents folded, stop words, stems, pairs within a value)
    in one loop instead of a chain of generators: most of a rebuild is spent here and in Whoosh's
    posting writer, and this halves the first part. A unit test keeps both in step.
    """
    freqs: dict[str, int] = {}
    weights: dict[str, float] = {}
    for number, part in enumerate(value.split(SECTION)):
        boost = SECTION_BOOSTS[min(number, len(SECTION_BOOSTS) - 1)]
        for piece in part.split(VALUE):
            previous = None
            for match in _WORD.finditer(piece):
                word = match.group().lower().translate(accent_map)
                if word in STOP_WORDS:
                    continue
                term = _stem(word)
                freqs[term] = freqs.get(term, 0) + 1
                weights[term] = weights.get(term, 0.0) + boost
                if previous is not None:
                    both = f"{previous} {term}"
                    freqs[both] = freqs.get(both, 0) + 1
                    weights[both] = weights.get(both, 0.0) + boost
                previous = term
    return [(term, freq, weights[term]) for term, freq in freqs.items()]


class WeightedText(fields.TEXT):
    """The ``text`` field: indexes through ``weighted_terms`` (same terms, weights and frequencies)."""

    def index(self, value, **kwargs):  # type: ignore[no-untyped-def]
        if not isinstance(value, str):
            return super().index(value, **kwargs)
        boost = self.format.field_boost
        return [(term.encode("utf-8"), freq, weight * boost, _FREQ_BYTES[freq] if freq < 64 else pack_uint(freq))
                for term, freq, weight in weighted_terms(value)]
