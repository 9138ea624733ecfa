"""A small Atom 1.0 (RFC 4287) writer: plain records in, well-formed XML bytes out.

Every string goes through :func:`xml_text`, which drops the characters XML 1.0 cannot hold
(control characters, lone surrogates), and lxml escapes the rest, so a photo titled
``<script>`` or ``]]>`` comes out as text. HTML content is passed as a string of HTML that the
caller built with escaping (``markupsafe``) and is written as ``type="html"``, escaped once more
as XML text, which is what the Atom specification asks for.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from lxml import etree

ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_TYPE = "application/atom+xml; charset=utf-8"
#: XML 1.0 forbids C0 controls except tab, newline and carriage return, lone surrogates and
#: U+FFFE/U+FFFF; C1 controls are allowed but "discouraged" and mean nothing in a title.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_A = f"{{{ATOM_NS}}}"


def xml_text(value: object) -> str:
    """``value`` as text XML can hold: forbidden characters removed, nothing else changed."""
    return _NOT_XML.sub("", "" if value is None else str(value))


def rfc3339(moment: datetime) -> str:
    """``2026-03-01T09:30:00Z``; a naive time is taken to be UTC already (as stored)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Link:
    href: str
    rel: str = "alternate"
    type: str | None = None
    title: str | None = None
    length: int | None = None


@dataclass
class Entry:
    id: str
    title: str
    updated: datetime
    link: str
    author: str
    published: datetime | None = None
    #: Plain text, written as ``type="text"``.
    summary: str = ""
    #: HTML built with escaping, written as ``type="html"``.
    content_html: str = ""
    links: list[Link] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)


@dataclass
class Feed:
    id: str
    title: str
    updated: datetime
    self_url: str
    alternate_url: str
    author: str
    subtitle: str = ""
    generator: str = "photoid"
    entries: list[Entry] = field(default_factory=list)


def latest(moments: Iterable[datetime | None], *, default: datetime) -> datetime:
    """The most recent of ``moments`` (a feed's ``updated``), or ``default`` when there is none."""
    known = [m if m.tzinfo else m.replace(tzinfo=UTC) for m in moments if m is not None]
    return max(known) if known else default


def _add(parent: etree._Element, name: str, text: object = None, **attrs: str | None) -> etree._Element:
    element = etree.SubElement(parent, _A + name)
    for key, value in attrs.items():
        if value is not None:
            element.set(key, xml_text(value))
    if text is not None:
        element.text = xml_text(text)
    return element


def _link(parent: etree._Element, link: Link) -> None:
    _add(parent, "link", href=link.href, rel=link.rel, type=link.type, title=link.title,
         length=str(link.length) if link.length is not None else None)


def _author(parent: etree._Element, name: str) -> None:
    author = _add(parent, "author")
    _add(author, "name", name.strip() or "Unknown")


def _entry(parent: etree._Element, entry: Entry) -> None:
    element = _add(parent, "entry")
    _add(element, "id", entry.id)
    _add(element, "title", entry.title.strip() or "Untitled", type="text")
    _add(element, "updated", rfc3339(entry.updated))
    if entry.published is not None:
        _add(element, "published", rfc3339(entry.published))
    _author(element, entry.author)
    _link(element, Link(entry.link, rel="alternate", type="text/html"))
    for link in entry.links:
        _link(element, link)
    for term in entry.categories:
        _add(element, "category", term=term)
    if entry.summary:
        _add(element, "summary", entry.summary, type="text")
    if entry.content_html:
        _add(element, "content", entry.content_html, type="html")


def render(feed: Feed) -> bytes:
    """The feed as UTF-8 Atom XML with an XML declaration."""
    root = etree.Element(_A + "feed", nsmap={None: ATOM_NS})
    _add(root, "id", feed.id)
    _add(root, "title", feed.title.strip() or "Untitled", type="text")
    if feed.subtitle:
        _add(root, "subtitle", feed.subtitle, type="text")
    _add(root, "updated", rfc3339(feed.updated))
    _link(root, Link(feed.self_url, rel="self", type="application/atom+xml"))
    _link(root, Link(feed.alternate_url, rel="alternate", type="text/html"))
    _author(root, feed.author)
    _add(root, "generator", feed.generator)
    for entry in feed.entries:
        _entry(root, entry)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")
