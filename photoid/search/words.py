"""What both search back ends take to be a word, and which words they drop: plain Python, no Whoosh.

The Whoosh back end analyses text with these (``analysis``); the PostgreSQL back end hands its text
search only the words found here (``searchable``), so a phrase means the same on both: its words side
by side within one value, stop words left out ("church of england" finds "Church of England" and
"Church, England"), hyphens and punctuation between words ignored ("saint jean" finds "Saint-Jean").
"""
from __future__ import annotations

import re
import unicodedata

#: PostgreSQL's English stop words (its ``tsearch_data/english.stop``, the list its ``english_stem``
#: dictionary drops), single letters "a", "i", "s" and "t" among them.
STOP_WORDS = frozenset("""
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers
    herself it its itself they them their theirs themselves what which who whom this that these those am is
    are was were be been being have has had having do does did doing a an the and but if or because as until
    while of at by for with about against between into through during before after above below to from up
    down in out on off over under again further then once here there when where why how all any both each few
    more most other some such no nor not only own same so than too very s t can will just don should now
""".split())

#: A word, as Whoosh's ``RegexTokenizer`` finds one (its ``default_pattern``, "*" included for wildcards,
#: which photoid's query parser does not offer; a unit test keeps them equal).
WORD = re.compile(r"[\w\*]+(\.?[\w\*]+)*", re.UNICODE)


def fold(word: str) -> str:
    """Lower case without accents, as ``unaccent`` folds it: "Müller" -> "muller"."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def searchable(text: str) -> str:
    """The words of ``text`` that are not stop words, separated by single spaces: "The Church of
    Saint-Jean" -> "Church Saint Jean"."""
    return " ".join(word for match in WORD.finditer(text) if fold(word := match.group()) not in STOP_WORDS)
