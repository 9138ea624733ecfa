"""Dates the way people say them ("about 1945", "the 1940s", "Christmas 1949", "spring of '52",
"19th century") turned into canonical EDTF: ``parse_phrase``."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from photoid.edtf.dates import (
    _FORMS,
    MONTH_NAMES,
    EDTFError,
    _calendar_point,
    _check_text,
    _check_year,
    _int,
    _max_year,
    _quoted,
    _unreadable,
    validate,
)

__all__ = ["parse_phrase"]

_MONTHS = {key: i for i, name in enumerate(MONTH_NAMES) if name for key in (name.lower(), name[:3].lower())}
_MONTHS["sept"] = 9
_SEASONS = {"spring": 21, "summer": 22, "autumn": 23, "fall": 23, "winter": 24}
_DECADE_WORDS = {"teens": 1, "twenties": 2, "thirties": 3, "forties": 4, "fifties": 5,
                 "sixties": 6, "seventies": 7, "eighties": 8, "nineties": 9}
_ORDINALS = {"eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15,
             "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
             "twentieth": 20, "twenty-first": 21, "twenty first": 21}
#: Fixed-day holidays as (month, day); Easter and Thanksgiving are worked out per year in ``_holiday``.
_HOLIDAYS = {"christmas eve": (12, 24), "christmas day": (12, 25), "christmas": (12, 25), "xmas": (12, 25),
             "boxing day": (12, 26), "new year's eve": (12, 31), "new years eve": (12, 31),
             "new year's day": (1, 1), "new years day": (1, 1), "new year's": (1, 1), "new year": (1, 1),
             "valentine's day": (2, 14), "halloween": (10, 31), "hallowe'en": (10, 31),
             "independence day": (7, 4), "fourth of july": (7, 4), "the fourth of july": (7, 4),
             "july 4th": (7, 4), "armistice day": (11, 11), "remembrance day": (11, 11), "veterans day": (11, 11)}
_UNKNOWN = {"unknown", "n.d", "nd", "no date", "undated", "not known", "?", "s.d", "date unknown"}


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
