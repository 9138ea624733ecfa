"""Showing patrons' plain text safely: every character escaped, web addresses made clickable."""
from __future__ import annotations

import re
import unicodedata

from markupsafe import Markup, escape

# Only http(s) addresses become links, so a link can never run script (javascript:, data:, vbscript:).
# The address must start a word and is made of ASCII URL characters only: a look-alike letter,
# a quote, an angle bracket, a space or an invisible character ends it.
_URL = re.compile(
    r"(?<![\w@/.:+-])https?://[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::\d{1,5})?"
    r"(?:[/?#][A-Za-z0-9\-._~:/?#\[\]@!$&()*+,;=%]*)?",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?'\"*"
_CLOSERS = {")": "(", "]": "["}


def _trim(url: str) -> str:
    """Leave out punctuation that ends the sentence rather than the address: "(see https://x.org)."."""
    while url:
        last = url[-1]
        if last in _TRAILING:
            url = url[:-1]
        elif last in _CLOSERS and url.count(last) > url.count(_CLOSERS[last]):
            url = url[:-1]
        else:
            break
    return url


def _glued(text: str, end: int) -> bool:
    """Whether the address runs on into a letter, digit or invisible character it cannot contain.

    "https://eхample.org" with a Cyrillic х would otherwise link to https://e; such text stays text.
    """
    if end >= len(text):
        return False
    category = unicodedata.category(text[end])
    return category[0] in "LMN" or category in ("Cf", "Co", "Cn")


def _link(url: str) -> str:
    safe = escape(url)
    return f'<a href="{safe}" rel="nofollow ugc noopener">{safe}</a>'


def linkify(value: object) -> Markup:
    """Plain text as HTML: escaped, http(s) addresses as links, line breaks kept as ``<br>``.

    Anything that is not an http(s) address stays text, so the result is safe to put in a page.
    """
    text = "" if value is None else str(value)  # str() of Markup is plain text again: it gets escaped
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    parts: list[str] = []  # each escaped, or a link made of escaped text
    position = 0
    for match in _URL.finditer(text):
        if _glued(text, match.end()):
            continue
        url = _trim(match.group(0))
        start = match.start()
        parts.append(escape(text[position:start]))
        parts.append(_link(url))
        position = start + len(url)
    parts.append(escape(text[position:]))
    # Plain string joins: Markup's own join and split escape every piece again (each comment is linkified).
    return Markup("".join(parts).replace("\n", "<br>\n"))


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """A spreadsheet cell with a leading apostrophe when a spreadsheet would read it as a formula
    (CSV and tab-delimited exports, the audit log download)."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


#: Half of a UTF-16 surrogate pair (which UTF-8 cannot write) or a Unicode noncharacter (U+FDD0 to
#: U+FDEF, and U+FFFE and U+FFFF in every plane): nothing a keyboard makes, and no XML may hold.
_BROKEN = re.compile("[\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(1, 17)) + "]")
#: Anything XML 1.0 forbids: control characters other than tab and line breaks, surrogates, U+FFFE, U+FFFF.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def has_broken_characters(text: str) -> bool:
    """Whether ``text`` holds a lone surrogate or a Unicode noncharacter such as U+FFFE."""
    return _BROKEN.search(text) is not None


def is_xml_text(text: str) -> bool:
    """Whether every character of ``text`` may appear in an XML 1.0 document."""
    return _NOT_XML.search(text) is None


#: Control and format characters that no name or description needs: C0 and C1 controls (tab and line
#: breaks aside, which become spaces or stay as line breaks) and DEL.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def one_line(value: object) -> str:
    """A name, title or heading as one line: control characters gone, every run of whitespace (tabs and
    line breaks too) one space, trimmed. Catalog tools read a tab or line break inside a heading as an
    error (marc-lint: "Subfield _a has an invalid control character")."""
    words = (_CONTROL.sub("", word) for word in str(value or "").split())
    return " ".join(word for word in words if word)



def tidy_lines(value: object) -> str:
    """A description: control characters gone, each line as ``one_line``, at most one blank line between
    paragraphs, line breaks written ``\\n``."""
    lines = [one_line(line) for line in str(value or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
