"""Years in what people type into search: "1925", "1920s", "1920-1929", "between 1920 and 1925".

Each is taken out of the words and becomes a span of years, matched against the photos' catalog
and approved community dates as intervals that overlap it (see ``querying.parse``). No Whoosh here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from photoid.edtf import MIN_YEAR, EDTFError, parse_phrase, year_bounds

# Longest forms first; a year inside an identifier ("MPL-1923-004") or excluded ("-1925") is a word.
_EDGE_BEFORE, _EDGE_AFTER = r"(?<![\w'’–—-])", r"(?![\w'’–—-])"
_YEAR_EXPRESSION = re.compile(
    _EDGE_BEFORE + r"(?:"
    r"between\s+\d{4}\s+and\s+\d{4}"
    r"|(?:from\s+)?\d{4}\s*(?:-|–|—|to|until)\s*\d{4}"
    r"|\d{4}\s*[-–—]\s*\d{2}"
    r"|\d{3}0\s*['’]?s"
    r"|\d{4}"
    r")" + _EDGE_AFTER,
    re.IGNORECASE,
)


@dataclass(frozen=True)
class YearSpan:
    first: int
    last: int
    #: The text as typed, also looked for as a word ("1925" in a description), or "" for a range.
    words: str = ""


def split_years(text: str) -> tuple[str, list[YearSpan]]:
    """``text`` without its year expressions, and the spans they name (outside "quoted phrases").

    A four-digit number that is no year we record (before 1000, after next year) stays a word.
    """
    spans: list[YearSpan] = []
    kept: list[str] = []
    position = 0
    for match in _YEAR_EXPRESSION.finditer(text):
        if text.count('"', 0, match.start()) % 2:
            continue  # inside a quoted phrase
        expression = match.group(0)
        # "1920-29" is the 1920s' years, never EDTF's spring 1920 ("1920-21").
        short = re.fullmatch(r"(\d{4})\s*[-–—]\s*(\d{2})", expression)
        try:
            bounds = year_bounds(parse_phrase(f"{short[1]} to {short[1][:2]}{short[2]}" if short else expression))
        except EDTFError:
            continue
        if bounds is None or bounds[0] < MIN_YEAR:
            continue
        single = re.fullmatch(r"\d{4}|\d{3}0\s*['’]?s", expression)
        spans.append(YearSpan(bounds[0], bounds[1], re.sub(r"[\s'’]", "", expression) if single else ""))
        kept.append(text[position:match.start()])
        position = match.end()
    kept.append(text[position:])
    return " ".join("".join(kept).split()), spans
