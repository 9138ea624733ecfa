"""EDTF dates: validation of the supported subset (see the package docstring) and rendering for people
(words, a person's life dates, ISO 8601 for schema.org) and for facets (years, decades, sort keys)."""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

__all__ = ["EDTFError", "validate", "is_valid", "describe", "words", "life_dates", "iso8601", "year_range",
           "year_bounds", "decades", "sort_key"]

_FORMS = "1945, about 1945, 1940s, June 1952 or between 1935 and 1938"
HINT = f"Try forms like {_FORMS}."
MIN_YEAR = 1000
_MAX_LEN = 100
MONTH_NAMES = ["", "January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December"]
SEASON_NAMES = {21: "spring", 22: "summer", 23: "autumn", 24: "winter"}
_SEASON_MONTHS = {21: (3, 5), 22: (6, 8), 23: (9, 11), 24: (12, 12)}  # winter kept inside its year
_ORDINAL_SUFFIX = {1: "st", 2: "nd", 3: "rd"}
_QUAL_WORDS = {"~": "about ", "?": "possibly ", "%": "possibly about "}


class EDTFError(ValueError):
    """A date that cannot be read or recorded; ``str()`` is a sentence a patron can act on."""


def _max_year() -> int:
    """Latest acceptable year: a photo cannot be from the future (next year allows for clock skew)."""
    return date.today().year + 1


def _quoted(text: str) -> str:
    """The patron's text in curly quotes, or "that" when it is long or holds markup-like characters."""
    text = " ".join(str(text).split())
    if 0 < len(text) <= 40 and re.fullmatch(r"[\w .,'’?~%/()\[\]–—-]+", text):
        return f"“{text}”"
    return "that"


def _check_text(text: object) -> str:
    """Reject non-strings, blanks and over-long input before any pattern matching."""
    if not isinstance(text, str) or not text.strip():
        raise EDTFError(f"Please enter a date. {HINT}")
    if len(text) > _MAX_LEN:
        raise EDTFError(f"That is too long to be a date. {HINT}")
    return text.strip()


def _unreadable(text: str) -> EDTFError:
    return EDTFError(f"We could not read {_quoted(text)} as a date. {HINT}")


# --------------------------------------------------------------------------- EDTF validation

@dataclass(frozen=True)
class _Point:
    """One EDTF date, season or unspecified year: canonical text (without qualifier) and span."""

    text: str
    kind: str  # "year", "month", "day", "season", "decade" or "century"
    first: date
    last: date
    qual: str = ""

    def __str__(self) -> str:
        return self.text + self.qual


def _int(digits: str | None) -> int | None:
    return int(digits) if digits else None


def _check_year(year: int) -> None:
    if year > _max_year():
        raise EDTFError(f"A photo cannot be from the future, and {year} is after {_max_year()}. "
                        f"Please check the year. {HINT}")
    if year < MIN_YEAR:
        raise EDTFError(f"We can only record years from {MIN_YEAR} onwards. Please check the year. {HINT}")


def _calendar_point(y: int, m: int | None, d: int | None, qual: str = "") -> _Point:
    """Build a date/season point, raising a friendly error for impossible dates (month 13, 30 Feb)."""
    _check_year(y)
    if m is None:
        return _Point(f"{y:04d}", "year", date(y, 1, 1), date(y, 12, 31), qual)
    if d is None and m in _SEASON_MONTHS:
        a, b = _SEASON_MONTHS[m]
        return _Point(f"{y:04d}-{m}", "season", date(y, a, 1), date(y, b, calendar.monthrange(y, b)[1]), qual)
    if not 1 <= m <= 12:
        raise EDTFError(f"There is no month {m:02d}. Please write the month as a word, for example June 1952.")
    if d is None:
        return _Point(f"{y:04d}-{m:02d}", "month", date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1]), qual)
    if not 1 <= d <= calendar.monthrange(y, m)[1]:
        raise EDTFError(f"There is no {d} {MONTH_NAMES[m]} in {y}. Please check the day and month, "
                        f"for example 3 June 1952.")
    return _Point(f"{y:04d}-{m:02d}-{d:02d}", "day", date(y, m, d), date(y, m, d), qual)


def _point(token: str, whole: str, in_interval: bool) -> _Point:
    m = re.fullmatch(r"(\d{2})(\d|X)X", token)
    if m and not in_interval:
        lo = int(m[1] + (m[2] if m[2] != "X" else "0") + "0")
        hi = lo + (9 if m[2] != "X" else 99)
        _check_year(lo)
        return _Point(token, "decade" if m[2] != "X" else "century", date(lo, 1, 1), date(hi, 12, 31))
    m = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?([?~%]?)", token)
    if not m:
        raise _unreadable(whole)
    return _calendar_point(int(m[1]), _int(m[2]), _int(m[3]), m[4])


def _parse(edtf: str) -> tuple[_Point | None, _Point | None, bool]:
    """(start, end, is_interval); a single date gives (point, point, False), ``..`` gives None."""
    s = _check_text(edtf).replace("x", "X")
    if "/" not in s:
        p = _point(s, s, in_interval=False)
        return p, p, False
    a, _, b = s.partition("/")
    if "/" in b or (a == ".." and b == ".."):
        raise _unreadable(edtf)
    start = None if a == ".." else _point(a, s, in_interval=True)
    end = None if b == ".." else _point(b, s, in_interval=True)
    if start and end and start.first > end.last:
        raise EDTFError(f"The first date ({_words(start)}) comes after the second ({_words(end)}). "
                        f"Please put the earlier date first, for example between 1935 and 1938.")
    return start, end, True


def validate(edtf: str) -> str:
    """Return the canonical form of ``edtf`` if it is in the supported EDTF subset, else raise EDTFError."""
    start, end, interval = _parse(edtf)
    if not interval:
        return str(start)
    return f"{start or '..'}/{end or '..'}"


def is_valid(edtf: str) -> bool:
    """True when ``edtf`` is valid EDTF in the supported subset."""
    try:
        validate(edtf)
    except EDTFError:
        return False
    return True


# --------------------------------------------------------------------------- rendering for people

def _words(p: _Point) -> str:
    y = p.first.year
    if p.kind == "month":
        text = f"{MONTH_NAMES[p.first.month]} {y}"
    elif p.kind == "day":
        text = f"{p.first.day} {MONTH_NAMES[p.first.month]} {y}"
    elif p.kind == "season":
        text = f"{SEASON_NAMES[int(p.text[5:])]} {y}"
    elif p.kind == "decade":
        # "190X" is spelled out so it cannot be mistaken for the century "19XX" ("the 1900s").
        text = f"the decade {y}–{y + 9}" if y % 100 == 0 else f"the {y}s"
    elif p.kind == "century":
        text = f"the {y}s"
    else:
        text = str(y)
    return _QUAL_WORDS.get(p.qual, "") + text


def _century(start: _Point, end: _Point) -> str | None:
    """ "the 19th century" when the interval is exactly one (1801/1900), else None."""
    a, b = start.first, end.last
    if start.qual or end.qual or start.kind != "year" or end.kind != "year" or a.year % 100 != 1 or b.year != a.year + 99:
        return None
    n = b.year // 100
    return f"the {n}{'th' if 10 <= n % 100 <= 20 else _ORDINAL_SUFFIX.get(n % 10, 'th')} century"


def describe(edtf: str) -> str:
    """Plain English for an EDTF string, e.g. "1940~/1950~" -> "between about 1940 and about 1950"."""
    start, end, interval = _parse(edtf)
    if not interval:
        return _words(start)
    if start and end and (century := _century(start, end)):
        return century
    if start is None:
        return f"before {_words(end)}"
    if end is None:
        return f"after {_words(start)}"
    return f"between {_words(start)} and {_words(end)}"


def words(edtf: str | None) -> str:
    """``describe`` for any stored value: "" for none, the value itself when it is not EDTF we read
    (stored before a parser change, or imported as it was)."""
    if not edtf:
        return ""
    try:
        return describe(edtf)
    except EDTFError:
        return edtf


def life_dates(edtf: str | None) -> str:
    """A person's dates the way a heading gives them: "1881/1954" -> "1881–1954", "1881/.." -> "born 1881",
    "../1954" -> "died 1954", "1881~/1954" -> "about 1881–1954"; any other value as ``words``."""
    try:
        start, end, interval = _parse(edtf or "")
    except EDTFError:
        return words(edtf)
    if not interval:
        return _words(start)
    if start is None:
        return f"died {_words(end)}"
    if end is None:
        return f"born {_words(start)}"
    return f"{_words(start)}–{_words(end)}"


def _iso_point(p: _Point) -> str | None:
    if p.kind in ("year", "month", "day"):
        return p.text
    if p.kind in ("decade", "century"):
        return f"{p.first.year:04d}/{p.last.year:04d}"
    return None  # a season has no ISO 8601 form


def iso8601(edtf: str | None) -> str | None:
    """The date in ISO 8601 (what schema.org's ``dateCreated`` takes), or None when it has none.

    "1925-07-04" stays as it is; a range is an interval ("1935/1938", "194X" -> "1940/1949").
    ISO 8601 cannot say "about" or "possibly", nor name a season, so qualified dates, seasons,
    open-ended ranges and values we cannot read give None rather than claim more than we know.
    """
    try:
        start, end, interval = _parse(edtf or "")
    except EDTFError:
        return None
    if any(p is not None and p.qual for p in (start, end)):
        return None
    if not interval:
        return _iso_point(start)
    if start is None or end is None or "season" in (start.kind, end.kind):
        return None
    return f"{start.text}/{end.text}"


def year_bounds(edtf: str | None) -> tuple[int, int] | None:
    """Earliest and latest year a date could be, open ends reaching ``MIN_YEAR`` and next year
    ("../1950" -> (1000, 1950)); None for no date or one we cannot read. For matching years in search."""
    try:
        start, end, _ = _parse(edtf or "")
    except EDTFError:
        return None
    return (start.first.year if start else MIN_YEAR), (end.last.year if end else _max_year())


def year_range(edtf: str) -> tuple[int, int] | None:
    """Earliest and latest year covered ("194X" -> (1940, 1949)).

    Returns None for open-ended intervals ("../1950", "1950/..") and for invalid input, so
    facet and sorting code can call it on any stored value without guarding.
    """
    try:
        start, end, _ = _parse(edtf)
    except EDTFError:
        return None
    if start is None or end is None:
        return None
    return start.first.year, end.last.year


def decades(edtf: str) -> list[int]:
    """Decades touched, e.g. "1935/1948" -> [1930, 1940]; [] for open or invalid values."""
    span = year_range(edtf)
    if span is None:
        return []
    return list(range(span[0] - span[0] % 10, span[1] - span[1] % 10 + 1, 10))


def sort_key(edtf: str) -> str:
    """Earliest day as "YYYY-MM-DD" ("1945~" -> "1945-01-01"); an open start sorts by its known end.

    Invalid or empty values return "9999-12-31" so undated photos sort last.
    """
    try:
        start, end, _ = _parse(edtf)
    except EDTFError:
        return "9999-12-31"
    return (start or end).first.isoformat()
