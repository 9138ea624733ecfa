"""Plain data passed to and from the index adapter (no Whoosh here): documents in, results out."""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from photoid.pagination import PageNumbers


@dataclass
class PhotoDocument:
    """Everything the index holds about one published photo (approved facts only)."""

    photo_id: int
    title: str
    description: str = ""
    identifier: str = ""
    #: Headings and variants of approved people, places and events, free-text names, keywords.
    names: list[str] = field(default_factory=list)
    collection: int | None = None
    institution: int | None = None
    person: list[int] = field(default_factory=list)
    place: list[int] = field(default_factory=list)
    event: list[int] = field(default_factory=list)
    decade: list[int] = field(default_factory=list)
    unidentified: bool = False
    #: "YYYY-MM-DD" of the shown date's earliest day (the catalog date, else the approved community
    #: date), "9999-12-31" when undated.
    date_sort: str = "9999-12-31"
    #: Earliest and latest year of the catalog date, and of the approved community dates together
    #: (None when there is none), for searches by year.
    catalog_years: tuple[int, int] | None = None
    community_years: tuple[int, int] | None = None
    #: ISO time of the latest approval, "" when nothing is approved yet.
    identified_at: str = ""

    def fingerprint(self) -> str:
        """A hash of the whole document: equal fingerprints mean the index entry is up to date."""
        raw = repr(tuple(getattr(self, name) for name in self.__dataclass_fields__))
        return hashlib.sha1(raw.encode()).hexdigest()


@dataclass
class Hit:
    photo_id: int
    #: Escaped HTML with the matched words in ``<mark>``; safe to render with ``|safe``.
    snippet: str


@dataclass
class Results(PageNumbers):
    hits: list[Hit]
    total: int
    page: int
    per_page: int
    facets: dict[str, list[tuple[str, int]]]
    suggestion: str | None = None
    #: False when there are more matches than the index counts per query: ``total`` is then a lower bound.
    total_is_exact: bool = True
    #: False when the facet counts cover only the first ``counted`` matches, not all of them.
    facets_are_exact: bool = True
    #: How many matches were collected (and their facets counted).
    counted: int = 0


def respell(text: str, replacement_for: Callable[[str], str | None]) -> str | None:
    """``text`` with each word that ``replacement_for`` gives a replacement for replaced by it (spaces and
    punctuation kept), or None when no word changed: the "did you mean" of both search back ends."""
    changed = False
    out = []
    for piece in re.split(r"(\W+)", text):
        replacement = replacement_for(piece) if re.fullmatch(r"\w+", piece) else None
        if replacement:
            out.append(replacement)
            changed = True
        else:
            out.append(piece)
    return "".join(out) if changed else None
