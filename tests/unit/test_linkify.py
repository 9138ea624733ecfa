"""linkify: patrons' plain text shown safely, with web addresses as links."""
from __future__ import annotations

import pytest
from lxml import html as lxml_html
from markupsafe import Markup

from photoid.text import linkify


def _parse(value: str):  # type: ignore[no-untyped-def]
    return lxml_html.fragment_fromstring(str(linkify(value)), create_parent="div")


def _links(value: str) -> list[tuple[str, str]]:
    return [(a.get("href"), a.text_content()) for a in _parse(value).iter("a")]


def test_a_web_address_becomes_a_link_that_search_engines_do_not_follow() -> None:
    root = _parse("See https://example.org/mill?year=1925&page=2 for more.")
    [link] = root.iter("a")
    assert link.get("href") == "https://example.org/mill?year=1925&page=2"
    assert link.text_content() == "https://example.org/mill?year=1925&page=2"
    assert set(link.get("rel").split()) == {"nofollow", "ugc", "noopener"}
    assert root.text_content() == "See https://example.org/mill?year=1925&page=2 for more."


@pytest.mark.parametrize(
    ("text", "href"),
    [
        ("(see http://example.org/a)", "http://example.org/a"),
        ("https://en.wikipedia.org/wiki/Mill_(building).", "https://en.wikipedia.org/wiki/Mill_(building)"),
        ("Is it https://example.org?", "https://example.org"),
        ("“https://example.org”", "https://example.org"),
        ("HTTPS://EXAMPLE.ORG:8080/x#top", "HTTPS://EXAMPLE.ORG:8080/x#top"),
    ],
)
def test_punctuation_around_an_address_is_left_out_of_the_link(text, href) -> None:
    assert [h for h, _ in _links(text)] == [href]


def test_line_breaks_are_kept() -> None:
    out = linkify("First line\r\nSecond line\nhttps://example.org\rlast")
    assert out.count("<br>") == 3
    assert [h for h, _ in _links("a\nhttps://example.org\nb")] == ["https://example.org"]


def test_the_result_is_markup_and_nothing_else_is_html() -> None:
    out = linkify("5 < 6 & 7 > 3")
    assert isinstance(out, Markup) and out == "5 &lt; 6 &amp; 7 &gt; 3"
    assert linkify(None) == "" and linkify(Markup("<b>bold</b>")) == "&lt;b&gt;bold&lt;/b&gt;"


HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    'https://example.org/"><img src=x onerror=alert(1)>',
    "https://example.org/'onmouseover='alert(1)",
    'https://example.org/" onmouseover="alert(1)',
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.cookie)",
    "javascript:https://example.org/%0aalert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "<a href=\"javascript:alert(1)\">click</a>",
    "https://example.org/<script>alert(1)</script>",
    "https://exa\u202emple.org",  # right-to-left override inside the address
    "https://e\u0445ample.org",  # Cyrillic х posing as a Latin x
    "ｈｔｔｐｓ://example.org",  # full-width letters
    "https://example.org\u200b.evil.test",  # zero-width space
    "</div><style>body{display:none}</style>",
    "{{ 7*7 }} {% raw %}",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_stays_text(text) -> None:
    root = _parse(text)
    assert not [el for el in root.iter() if el.tag not in ("div", "a", "br")]  # no script, img, style…
    for element in root.iter():
        for name, value in element.attrib.items():
            assert name in ("href", "rel"), f"unexpected attribute {name}"
            assert not name.startswith("on")
        if element.tag == "a":
            assert element.get("href").lower().startswith(("http://", "https://"))
            assert not any(ch in element.get("href") for ch in "\"'<> \u202e\u200b")
    assert root.text_content() == text.replace("\r", "")  # every character is still there, as text


def test_lookalike_and_invisible_characters_do_not_produce_a_misleading_partial_link() -> None:
    assert _links("https://e\u0445ample.org") == []
    assert _links("https://exa\u202emple.org") == []
    assert _links("https://example.org\u200b") == []
