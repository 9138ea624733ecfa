"""sitemap.xml (https://www.sitemaps.org/protocol.html) with Google's image extension, and robots.txt.

Every public page is listed: the home page, collections, photos (each with its image), the decades
that hold photos (by their shown date: the catalog's, else the community's approved one), people,
places and events with public pages, and campaigns when that feature is installed. Past
``URLS_PER_SITEMAP`` addresses, ``/sitemap.xml`` becomes an index of numbered sitemaps.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape

from flask import current_app
from sqlalchemy import func, select

from photoid.authorities.models import AuthorityRecord
from photoid.authorities.queries import KIND_PATHS
from photoid.campaigns import queries as campaign_queries
from photoid.campaigns.models import Campaign
from photoid.contributions.workflow import AuthorityStatus
from photoid.extensions import db
from photoid.photos.dating import decade_index
from photoid.photos.models import Collection, Photo
from photoid.photos.queries import listed_collection, public_photos
from photoid.sharing.meta import site_root

#: The protocol's limit per file.
URLS_PER_SITEMAP = 50_000
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
IMAGE_NS = "http://www.google.com/schemas/sitemap-image/1.1"
#: Paths no crawler should visit: staff pages, accounts, forms, token feeds and APIs.
DISALLOWED = [
    "/moderation", "/admin", "/authorities", "/account", "/me/", "/login", "/register", "/logout",
    "/feeds/queue", "/api/", "/comments/", "/identifications/", "/photos/*/identify",
    "/collections/*/upload", "/campaigns/new", "/campaigns/*/edit", "/search",
]


@dataclass(frozen=True)
class Entry:
    """One ``<url>``: a path, when it last changed, and its image's path if it has one."""

    path: str
    modified_at: datetime | None = None
    image_path: str | None = None


@dataclass(frozen=True)
class Section:
    count: Callable[[], int]
    fetch: Callable[[int, int], list[Entry]]


def _static_entries() -> list[Entry]:
    paths = ["/", "/browse", "/browse/decades", "/help"]
    if "campaigns.index" in current_app.view_functions:
        paths.append("/campaigns")
    return [Entry(p) for p in paths]


def _public_collections():  # type: ignore[no-untyped-def]
    return select(Collection.slug).where(listed_collection())


def _collections(offset: int, limit: int) -> list[Entry]:
    rows = db.session.scalars(_public_collections().order_by(Collection.id).offset(offset).limit(limit))
    return [Entry(f"/collections/{slug}") for slug in rows]


def _photos(offset: int, limit: int) -> list[Entry]:
    rows = db.session.execute(
        public_photos().with_only_columns(Photo.id, Photo.modified_at).order_by(Photo.id).offset(offset).limit(limit)
    )
    return [Entry(f"/photos/{pid}", modified, f"/media/photos/{pid}/display.jpg") for pid, modified in rows]


def _public_records():  # type: ignore[no-untyped-def]
    return select(AuthorityRecord.id, AuthorityRecord.kind, AuthorityRecord.modified_at).where(
        AuthorityRecord.status == AuthorityStatus.ACCEPTED, AuthorityRecord.merged_into_id.is_(None),
        AuthorityRecord.kind.in_(list(KIND_PATHS)),
    )


def _records(offset: int, limit: int) -> list[Entry]:
    rows = db.session.execute(_public_records().order_by(AuthorityRecord.id).offset(offset).limit(limit))
    return [Entry(f"/{KIND_PATHS[kind]}/{rid}", modified) for rid, kind, modified in rows]


def _count(query) -> int:  # type: ignore[no-untyped-def]
    return int(db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0)


def _decade_entries() -> list[Entry]:
    return [Entry(f"/browse/decades/{decade}") for decade in sorted(decade_index().counts)]


def _campaign_ids() -> list[int]:
    if "campaigns.show" not in current_app.view_functions:
        return []
    day = campaign_queries.today()
    return list(db.session.scalars(
        select(Campaign.id).where(Campaign.is_published.is_(True), Campaign.starts_on <= day).order_by(Campaign.id)
    ))


def _sections() -> list[Section]:
    static = _static_entries()
    return [
        Section(lambda: len(static), lambda o, n: static[o:o + n]),
        Section(lambda: _count(_public_collections()), _collections),
        Section(lambda: _count(public_photos().with_only_columns(Photo.id)), _photos),
        Section(lambda: len(_decade_entries()), lambda o, n: _decade_entries()[o:o + n]),
        Section(lambda: _count(_public_records()), _records),
        Section(lambda: len(_campaign_ids()), lambda o, n: [Entry(f"/campaigns/{i}") for i in _campaign_ids()[o:o + n]]),
    ]


def total_urls() -> int:
    return sum(section.count() for section in _sections())


def page_count() -> int:
    """How many sitemap files the site needs (at least one)."""
    return max(1, -(-total_urls() // URLS_PER_SITEMAP))


def entries(page: int) -> list[Entry]:
    """The entries of sitemap ``page`` (1-based), ``URLS_PER_SITEMAP`` at most, walking the sections in order."""
    start, wanted = (page - 1) * URLS_PER_SITEMAP, URLS_PER_SITEMAP
    found: list[Entry] = []
    for section in _sections():
        size = section.count()
        if start >= size:
            start -= size
            continue
        found += section.fetch(start, wanted - len(found))
        start = 0
        if len(found) >= wanted:
            break
    return found


def _lastmod(moment: datetime | None) -> str:
    return f"<lastmod>{moment.date().isoformat()}</lastmod>" if moment else ""


def urlset(items: list[Entry]) -> Iterator[str]:
    """The XML of one sitemap, in pieces."""
    root = site_root()
    yield f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SITEMAP_NS}" xmlns:image="{IMAGE_NS}">\n'
    for item in items:
        image = f"<image:image><image:loc>{escape(root + item.image_path)}</image:loc></image:image>" if item.image_path else ""
        yield f"<url><loc>{escape(root + item.path)}</loc>{_lastmod(item.modified_at)}{image}</url>\n"
    yield "</urlset>\n"


def sitemap_index(pages: int, sitemap_url: Callable[[int], str]) -> str:
    """The sitemap index naming sitemaps 1 … ``pages``."""
    lines = [f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{SITEMAP_NS}">\n']
    lines += [f"<sitemap><loc>{escape(sitemap_url(n))}</loc></sitemap>\n" for n in range(1, pages + 1)]
    lines.append("</sitemapindex>\n")
    return "".join(lines)


def robots_txt(sitemap_url: str) -> str:
    """robots.txt: everything public may be crawled, staff and account pages may not. ``/oai`` stays
    open: OAI-PMH harvesters (BASE, aggregators) honour robots.txt and would stop at a Disallow."""
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in DISALLOWED), "Allow: /", "", f"Sitemap: {sitemap_url}", ""]
    return "\n".join(lines)
