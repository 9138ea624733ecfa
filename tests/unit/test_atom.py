"""The Atom writer: RFC 4287's required elements, valid dates, and hostile text kept as text."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import feedparser
import pytest
from lxml import etree

from photoid.feeds.atom import Entry, Feed, Link, latest, render, rfc3339, xml_text

NS = {"a": "http://www.w3.org/2005/Atom"}
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
HOSTILE = "<script>alert(1)</script> ]]> & \x00\x01\x0b\x1b\x7f bell\x07 \ud800 ok"


def assert_valid_atom(body: bytes) -> etree._Element:
    """The RFC 4287 rules a test can state (those of its RELAX NG schema that matter to us), plus
    feedparser reading it without complaint. Returns the parsed feed."""
    root = etree.fromstring(body)  # raises on XML that is not well-formed
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0, parsed.get("bozo_exception")

    def one(parent: etree._Element, name: str) -> etree._Element:
        found = parent.findall(f"a:{name}", NS)
        assert len(found) == 1, f"{parent.tag} needs exactly one {name}, has {len(found)}"
        return found[0]

    def check_text(element: etree._Element) -> None:
        assert element.get("type", "text") in ("text", "html", "xhtml")
        if element.get("type", "text") != "xhtml":
            assert len(element) == 0, f"{element.tag} of type text/html must hold text, not elements"

    def check_date(element: etree._Element) -> None:
        assert RFC3339.match(element.text or ""), element.text
        datetime.fromisoformat(element.text.replace("Z", "+00:00"))

    for name in ("id", "title", "updated"):
        one(root, name)
    check_text(one(root, "title"))
    check_date(one(root, "updated"))
    assert re.match(r"^[a-z][a-z0-9+.-]*:", one(root, "id").text), "ids are absolute IRIs"
    assert len(root.findall("a:link[@rel='self']", NS)) == 1
    feed_has_author = bool(root.findall("a:author/a:name", NS))
    entry_ids = []
    for entry in root.findall("a:entry", NS):
        for name in ("id", "title", "updated"):
            one(entry, name)
        check_text(one(entry, "title"))
        check_date(one(entry, "updated"))
        assert re.match(r"^[a-z][a-z0-9+.-]*:", one(entry, "id").text)
        entry_ids.append(one(entry, "id").text)
        for name in ("published", "summary", "content"):
            assert len(entry.findall(f"a:{name}", NS)) <= 1
        for published in entry.findall("a:published", NS):
            check_date(published)
        for name in ("summary", "content"):
            for element in entry.findall(f"a:{name}", NS):
                check_text(element)
        assert feed_has_author or entry.findall("a:author/a:name", NS), "every entry needs an author"
        assert len(entry.findall("a:link[@rel='alternate'][@type='text/html']", NS)) <= 1
        for link in entry.findall("a:link", NS):
            assert link.get("href")
    assert len(entry_ids) == len(set(entry_ids)), "entry ids are unique"
    return root


def _feed(**entry_overrides: object) -> Feed:
    moment = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    entry = Entry(
        id="https://example.org/photos/1", title="Main Street", updated=moment, published=moment,
        link="https://example.org/photos/1", author="Millbrook Library", summary="People identified: John Smith",
        content_html='<p><img src="https://example.org/t.jpg" alt="Main Street"></p>',
        links=[Link("https://example.org/t.jpg", rel="enclosure", type="image/jpeg")],
    )
    for key, value in entry_overrides.items():
        setattr(entry, key, value)
    return Feed(id="https://example.org/feeds/photos.atom", title="New photos", updated=moment,
                self_url="https://example.org/feeds/photos.atom", alternate_url="https://example.org/",
                author="photoid", entries=[entry])


def test_a_feed_has_every_required_element_and_reads_cleanly() -> None:
    root = assert_valid_atom(render(_feed()))
    entry = root.find("a:entry", NS)
    assert entry.findtext("a:title", namespaces=NS) == "Main Street"
    assert entry.findtext("a:author/a:name", namespaces=NS) == "Millbrook Library"
    assert entry.find("a:content", NS).get("type") == "html"
    assert entry.find("a:link[@rel='enclosure']", NS).get("type") == "image/jpeg"
    assert root.findtext("a:updated", namespaces=NS) == "2026-03-01T09:30:00Z"


def test_hostile_titles_and_content_stay_text_and_the_xml_stays_well_formed() -> None:
    body = render(_feed(title=HOSTILE, summary=HOSTILE, content_html=f"<p>{HOSTILE}</p>", author=HOSTILE))
    assert b"<script>" not in body and b"]]>" not in body
    root = assert_valid_atom(body)
    entry = root.find("a:entry", NS)
    title = entry.findtext("a:title", namespaces=NS)
    assert title.startswith("<script>alert(1)</script> ]]> & ")  # exactly as typed, as text
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", title)
    assert title.endswith(" bell  ok")
    parsed = feedparser.parse(body)
    assert "<script>" not in parsed.entries[0].content[0].value  # feed readers drop it, as text or markup


def test_empty_titles_and_authors_get_words_instead_of_empty_elements() -> None:
    root = assert_valid_atom(render(_feed(title="  ", author="")))
    entry = root.find("a:entry", NS)
    assert entry.findtext("a:title", namespaces=NS) == "Untitled"
    assert entry.findtext("a:author/a:name", namespaces=NS) == "Unknown"


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC), "2026-03-01T09:30:15Z"),
        (datetime(2026, 3, 1, 10, 30, tzinfo=timezone(timedelta(hours=1))), "2026-03-01T09:30:00Z"),
        (datetime(2026, 3, 1, 9, 30), "2026-03-01T09:30:00Z"),
    ],
)
def test_times_are_written_in_utc_as_rfc3339(moment: datetime, expected: str) -> None:
    assert rfc3339(moment) == expected


def test_latest_is_the_newest_time_or_the_default() -> None:
    old, new = datetime(2020, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)
    assert latest([old, None, new], default=old) == new
    assert latest([], default=old) == old


def test_xml_text_removes_only_what_xml_cannot_hold() -> None:
    assert xml_text("Café\tMüller\n\x00\x1f\ufffe") == "Café\tMüller\n"
    assert xml_text(None) == ""
