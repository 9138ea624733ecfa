"""Dates the way people say them, recorded as EDTF (Library of Congress, ISO 8601-2).

Supported EDTF subset (levels 0 and 1, years 1000 to next year only):

* dates: ``1945``, ``1952-06``, ``1952-06-03``; seasons ``1952-21`` (spring) to ``1952-24`` (winter);
* a qualifier on a whole date or season: ``?`` uncertain, ``~`` approximate, ``%`` both;
* unspecified trailing year digits: ``194X`` (a decade), ``19XX`` (the hundred years 1900-1999), never qualified;
* intervals of two (optionally qualified) dates or seasons, either end may be open (``..``):
  ``1935/1938``, ``1940~/1950~``, ``../1950``, ``1950/..``.

Not supported: times, negative or ``Y``-prefixed years, unknown ("empty") interval ends,
``X`` in months or days, and every level 2 feature.  Lower-case ``x`` is accepted and canonicalised.

Facet helpers count a season inside its named year (winter 1952 is December 1952 for sorting).

A named century is counted the way people count it: the 19th century is 1801-1900 (``1801/1900``),
not ``18XX`` (1800-1899). Holidays ("Christmas 1949", "Easter 1960") are about their day.
"""
from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

__all__ = ["EDTFError", "parse_phrase", "validate", "is_valid", "describe", "words", "life_dates", "iso8601",
           "year_range", "year_bounds", "decades", "sort_key"]

_FORMS = "1945, about 1945, 1940s, June 1952 or between 1935 and 1938"
HINT = f"Try forms like {_FORMS}."
MIN_YEAR = 1000
_MAX_LEN = 100
MONTH_NAMES = ["", "January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December"]
_MONTHS = {key: i for i, name in enumerate(MONTH_NAMES) if name for key in (name.lower(), name[:3].lower())}
_MONTHS["sept"] = 9
SEASON_NAMES = {21: "spring", 22: "summer", 23: "autumn", 24: "winter"}
_SEASONS = {"spring": 21, "summer": 22, "autumn": 23, "fall": 23, "winter": 24}
_SEASON_MONTHS = {21: (3, 5), 22: (6, 8), 23: (9, 11), 24: (12, 12)}  # winter kept inside its year
_DECADE_WORDS = {"teens": 1, "twenties": 2, "thirties": 3, "forties": 4, "fifties": 5,
                 "sixties": 6, "seventies": 7, "eighties": 8, "nineties": 9}
_ORDINALS = {"eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15,
             "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
             "twentieth": 20, "twenty-first": 21, "twenty first": 21}
_ORDINAL_SUFFIX = {1: "st", 2: "nd", 3: "rd"}
_QUAL_WORDS = {"~": "about ", "?": "possibly ", "%": "possibly about "}
#: Fixed-day holidays as (month, day); Easter and Thanksgiving are worked out per year in ``_holiday``.
_HOLIDAYS = {"christmas eve": (12, 24), "christmas day": (12, 25), "christmas": (12, 25), "xmas": (12, 25),
             "boxing day": (12, 26), "new year's eve": (12, 31), "new years eve": (12, 31),
             "new year's day": (1, 1), "new years day": (1, 1), "new year's": (1, 1), "new year": (1, 1),
             "valentine's day": (2, 14), "halloween": (10, 31), "hallowe'en": (10, 31),
             "independence day": (7, 4), "fourth of july": (7, 4), "the fourth of july": (7, 4),
             "july 4th": (7, 4), "armistice day": (11, 11), "remembrance day": (11, 11), "veterans day": (11, 11)}
_UNKNOWN = {"unknown", "n.d", "nd", "no date", "undated", "not known", "?", "s.d", "date unknown"}


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


# --------------------------------------------------------------------------- phrases

@dataclass(frozen=True)
class _El:
    """One phrase element: ``single`` when it stands alone, ``lo``/``hi`` when it starts/ends a range."""

    single: str | None
    lo: str
    hi: str
    qual: frozenset[str] = frozenset()

    @property
    def sym(self) -> str:
        return "%" if len(self.qual) == 2 else "".join(self.qual)

    def render(self) -> str:
        if self.single and not (self.qual and self.single.endswith("X")):
            return self.single + self.sym
        # EDTF level 1 cannot qualify "194X", so "about the 1940s" becomes "1940~/1949~".
        return f"{self.lo}{self.sym}/{self.hi}{self.sym}"


_APPROX_PREFIX = re.compile(r"^(?:circa|approximately|approx\.?|about|around|roughly|ca\.|ca|c\.|c)(?:\s+|(?=\d))")
_UNCERTAIN_PREFIX = re.compile(r"^(?:maybe|probably|perhaps|possibly|likely|presumably)\s+")
_APPROX_SUFFIX = re.compile(r"\s+(?:or so|or thereabouts|circa|ca|approx|approximately)$")
_ISH_SUFFIX = re.compile(r"\s*-?\s*ish$")  # "1950ish", "1950-ish"
_QUALIFIER_PATTERNS = [(_APPROX_PREFIX, "~"), (_UNCERTAIN_PREFIX, "?"), (_APPROX_SUFFIX, "~"), (_ISH_SUFFIX, "~"),
                       (re.compile(r"\s*([?~%])$"), "")]
_FILLER = re.compile(r"^(?:(?:taken|sometime|some time)\s+)?(?:in|during)\s+")
_SEP = re.compile(r"\s*(?:-|/|\b(?:to|until|till|through|thru|and)\b)\s*")
_OPEN_START = re.compile(r"^(?:before|prior to|earlier than|no later than|until|up to|pre(?=[\s-]|\d))[\s-]*(.+)$")
_OPEN_END = re.compile(r"^(?:after|since|later than|no earlier than|post(?=[\s-]|\d))[\s-]*(.+)$")


def _strip_qualifiers(s: str) -> tuple[str, frozenset[str]]:
    """Remove leading/trailing qualifier words and symbols; return the rest and {"~", "?"} found."""
    qual: set[str] = set()
    while True:
        before = s
        for rx, symbols in _QUALIFIER_PATTERNS:
            if m := rx.search(s):
                qual.update(symbols or m[1].replace("%", "?~"))
                s = s[:m.start()] + s[m.end():]
        s = _FILLER.sub("", s).strip()
        if s == before:
            return s, frozenset(qual)


def _decade(d3: str) -> tuple[str, str, str]:
    return f"{d3}X", f"{d3}0", f"{d3}9"


def _ymd(y: str, m: int | None = None, d: str | None = None) -> tuple[str, str, str] | None:
    if m is None:
        return None
    tok = str(_calendar_point(int(y), m, int(d) if d else None))
    return tok, tok, tok


def _base(s: str) -> tuple[str | None, str, str] | None:
    """Match one unqualified element; (single, lo, hi) or None if no pattern fits."""
    s = re.sub(r"^the\s+", "", s)
    if m := re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", s):
        tok = str(_calendar_point(int(m[1]), _int(m[2]), _int(m[3])))
        return tok, tok, tok
    # "1900s" and "1800s" are read as decades (190X, 180X), consistent with "1940s": caption usage is
    # ambiguous, and the century has its own unambiguous phrase ("20th century" -> 19XX).
    if m := re.fullmatch(r"(\d{3})x|(\d{3})0\s*'?s|decade\s+(\d{3})0\s*-\s*(\d{3})9", s):
        if not m[3] or m[3] == m[4]:
            return _decade(m[1] or m[2] or m[3])
    if m := re.fullmatch(rf"'?(\d)0\s*'?s|({'|'.join(_DECADE_WORDS)})", s):
        return _decade(f"19{m[1] or _DECADE_WORDS[m[2]]}")  # bare "forties", "'40s": assume the 1900s
    if m := re.fullmatch(r"(\d{2})xx", s):
        return f"{m[1]}XX", f"{m[1]}00", f"{m[1]}99"
    if m := re.fullmatch(r"(?:(\d{1,2})(?:st|nd|rd|th)|([a-z -]+?))\s+(?:century|cent|c)", s):
        # The 19th century is 1801-1900 (not 18XX); the current one ends next year at the latest.
        n = int(m[1]) if m[1] else _ORDINALS.get(m[2] or "")
        if not n:
            return None
        _check_year(max(100 * n - 99, 1))
        return None, f"{100 * n - 99:04d}", f"{min(100 * n, _max_year()):04d}"
    if m := re.fullmatch(r"(spring|summer|autumn|fall|winter)\s+(?:of\s+)?(\d{4})", s):
        return _ymd(m[2], _SEASONS[m[1]])
    if m := re.fullmatch(r"([a-z]+)\.?,?\s*(?:of\s+)?(\d{4})", s):
        return _ymd(m[2], _MONTHS.get(m[1]))
    if m := re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?([a-z]+)\.?,?\s*(\d{4})", s):
        return _ymd(m[3], _MONTHS.get(m[2]), m[1])
    if m := re.fullmatch(r"([a-z]+)\.?\s*(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})", s):
        return _ymd(m[3], _MONTHS.get(m[1]), m[2])
    if m := re.fullmatch(r"(\d{1,2})\s*[/.-]\s*(\d{4})", s):
        return _ymd(m[2], int(m[1]))
    if m := re.fullmatch(r"(\d{4})[/.](\d{1,2})[/.](\d{1,2})", s):
        return _ymd(m[1], int(m[2]), m[3])
    if m := re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", s):
        a, b, y = int(m[1]), int(m[2]), m[3]
        if a > 12 or a == b:
            return _ymd(y, b, str(a))  # day first: 13/4/1952
        if b > 12:
            return _ymd(y, a, str(b))  # month first: 4/13/1952
        if min(a, b) >= 1:
            raise EDTFError(f"{_quoted(s)} could be {a} {MONTH_NAMES[b]} {y} or {b} {MONTH_NAMES[a]} {y}. "
                            f"Please write the month as a word, for example {a} {MONTH_NAMES[b]} {y}.")
    return None


def _easter(year: int) -> tuple[int, int]:
    """Easter Sunday (Gregorian) as (month, day): the anonymous Gregorian algorithm (Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return month, day + 1


def _holiday(s: str) -> str | None:
    """ "christmas 1949" -> "1949-12-25", "easter 1960" -> "1960-04-17"; None for anything else."""
    m = re.fullmatch(r"(.+?),?\s+(?:of\s+)?(\d{4})", s)
    if not m:
        return None
    name, year = re.sub(r"^the\s+", "", m[1]), int(m[2])
    if name in ("easter", "easter sunday", "easter day"):
        month, day = _easter(year)
    elif name in ("thanksgiving", "thanksgiving day"):  # the fourth Thursday of November (United States)
        month, day = 11, 22 + (3 - date(year, 11, 1).weekday()) % 7
    elif name in _HOLIDAYS:
        month, day = _HOLIDAYS[name]
    else:
        return None
    return str(_calendar_point(year, month, day))


def _element(s: str, outer: frozenset[str] = frozenset()) -> _El | None:
    """Parse one date-like element with its own qualifiers, adding the ``outer`` ones."""
    s, qual = _strip_qualifiers(s)
    s = re.sub(r"^the\s+", "", s)
    part = None
    if m := re.fullmatch(r"(early|mid|middle|late)(?:\s*-\s*|\s+)(.+)", s):
        part, s = m[1], m[2]
    if day := _holiday(s):  # "Christmas 1949": the photo may be from the days around it
        base: tuple[str | None, str, str] | None = (day, day, day)
        qual |= {"~"}
    else:
        base = _base(s)
    if base is None:
        return None
    single, lo, hi = base
    if part:
        if single and re.fullmatch(r"\d\d0X", single):  # "early 1900s" means the early twentieth century
            single, lo, hi = single[:2] + "XX", single[:2] + "00", single[:2] + "99"
        if not single and re.fullmatch(r"\d{4}", lo) and re.fullmatch(r"\d{4}", hi) and lo != hi:
            # A named century (1801/1900): early 1801-1830, mid 1830-1870, late 1870-1900.
            a = int(lo) - 1
            lo, hi = {"early": (lo, str(a + 30)), "late": (str(a + 70), hi)}.get(part, (str(a + 30), str(a + 70)))
        elif single and single.endswith("X"):  # early/mid/late decade 0-3/3-7/7-9, century 0-30/30-70/70-99
            a, k = int(lo), (int(hi) - int(lo) + 1) // 10
            lo, hi = {"early": (a, a + 3 * k), "late": (a + 7 * k, int(hi))}.get(part, (a + 3 * k, a + 7 * k))
            lo, hi = str(lo), str(hi)
        elif re.fullmatch(r"\d{4}", lo):  # early/mid/late 1945: Jan-Apr, May-Aug, Sep-Dec
            a, b = {"early": (1, 4), "late": (9, 12)}.get(part, (5, 8))
            lo, hi = f"{lo}-{a:02d}", f"{lo}-{b:02d}"
        else:
            return None
        single = None
    return _El(single, lo, hi, qual | outer)


def _range(s: str, qual: frozenset[str]) -> str | None:
    """"A to B", "between A and B", "1935-38", "June to August 1952" -> "lo/hi"; None if no split fits."""
    s = re.sub(r"^(?:between|from)\s+", "", s)
    error: EDTFError | None = None
    for m in _SEP.finditer(s):
        a, b = s[:m.start()].strip(), s[m.end():].strip()
        if not a or not b:
            continue
        if re.fullmatch(r"\d{2}", b) and re.fullmatch(r"\d{4}", a):
            b = a[:2] + b  # catalog shorthand: 1935-38
        try:
            end = _element(b, qual)
            start = _element(a, qual)
            if start is None and end is not None:  # "June to August 1952": borrow the year
                start = _element(f"{a} {end.hi[:4]}", qual)
        except EDTFError as exc:
            error = error or exc
            continue
        if start and end:
            return f"{start.lo}{start.sym}/{end.hi}{end.sym}"
    if error:
        raise error
    return None


def _normalise(text: str) -> str:
    s = text.lower()
    s = re.sub(r"[‐‑‒–—―−]", "-", s).replace("’", "'").replace("‘", "'")
    s = re.sub(r"[\[\]()]", " ", s)
    s = re.sub(r"(?<![\w'])'(\d{2})(?![\d']|\s*s\b)", r"19\1", s)  # "spring of '52": the 1900s, as "'40s" is
    return " ".join(s.split()).strip(" .,;:!")


def parse_phrase(text: str) -> str:
    """Turn a patron's or catalog's date phrase into canonical EDTF; raise EDTFError if we cannot."""
    raw = unicodedata.normalize("NFKC", _check_text(text))
    try:
        # Already EDTF ("194X", "1940~/1950~", "../1950"). Note "1952-21".."1952-24" are EDTF
        # seasons, so a catalog's "1920-21" reads as spring 1920, not 1920/1921.
        return validate(raw)
    except EDTFError:
        pass
    s = _normalise(raw)
    if s in _UNKNOWN:
        raise EDTFError(f"If nobody knows the date yet, please leave it blank. If you have a rough idea, "
                        f"try forms like {_FORMS}.")
    s, qual = _strip_qualifiers(s)
    if m := _OPEN_START.match(s) or re.fullmatch(r"(.+?)\s+(?:or|and)\s+(?:earlier|before)", s):
        el = _element(m[1], qual)
        result = el and f"../{el.lo}{el.sym}"
    elif m := _OPEN_END.match(s) or re.fullmatch(r"(.+?)\s+(?:(?:or|and)\s+(?:later|after)|onwards?)", s):
        el = _element(m[1], qual)
        result = el and f"{el.hi}{el.sym}/.."
    elif (m := re.fullmatch(r"(\d{4})-(\d{2})", s)) and not (1 <= int(m[2]) <= 12 or 21 <= int(m[2]) <= 24):
        if int(m[1][:2] + m[2]) <= int(m[1]):  # "1945-13" is a bad month, not 1945 to 1913
            raise EDTFError(f"There is no month {m[2]} in {_quoted(text)}. "
                            f"Please write the month as a word, for example June 1952.")
        result = _range(s, qual)
    else:
        el = _element(s, qual)
        result = el.render() if el else _range(s, qual)
    if not result:
        raise _unreadable(text)
    return validate(result)
