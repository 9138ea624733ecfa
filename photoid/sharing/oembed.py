"""The oEmbed provider: a public photo or campaign address in, a framed embed card out.

See https://oembed.com/ (type ``rich``: an ``<iframe>`` pointing at the embed card).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from photoid.campaigns import queries as campaign_queries
from photoid.extensions import db
from photoid.params import BadNumber, whole_number
from photoid.photos.models import Photo
from photoid.sharing.meta import absolute, display_size, site_hosts, site_root

#: The card's natural size; ``maxwidth``/``maxheight`` only make it smaller.
CARD_WIDTH = 480
#: Room under the image for the title, what is known and the button.
CARD_TEXT_HEIGHT = 200
MAX_DIMENSION = 10_000
CACHE_AGE = 3600
_PATHS = {"photo": re.compile(r"^/photos/(\d{1,12})/?$"), "campaign": re.compile(r"^/campaigns/(\d{1,12})/?$")}


class OEmbedError(Exception):
    """A request the provider cannot answer; ``status`` is the HTTP status, the message says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Target:
    """What an address embeds: the card's address, its title and an image (width, height) if any."""

    title: str
    embed_url: str
    author_name: str
    image: tuple[str, int, int] | None
    aspect: float


def public_photo(photo_id: int) -> Photo | None:
    """The photo if anybody may see it (published, in a published collection); else None."""
    photo = db.session.scalar(
        select(Photo).options(joinedload(Photo.collection), joinedload(Photo.institution)).where(Photo.id == photo_id)
    )
    if photo is None or not (photo.is_published and photo.collection.is_published):
        return None
    return photo


def _photo_target(photo_id: int) -> Target | None:
    photo = public_photo(photo_id)
    if photo is None:
        return None
    thumb = display_size(photo.width, photo.height, "thumb")
    return Target(
        title=photo.title, embed_url=absolute("sharing.embed_photo", photo_id=photo.id),
        author_name=photo.institution.name,
        image=(absolute("photos.media", photo_id=photo.id, variant="thumb"), *thumb),
        aspect=photo.height / photo.width,
    )


def _campaign_target(campaign_id: int) -> Target | None:
    if "campaigns.embed" not in current_app.view_functions:
        return None
    campaign = campaign_queries.public_campaign(campaign_id)
    if campaign is None:
        return None
    cover = campaign_queries.public_cover(campaign)
    image = None
    aspect = 0.5
    if cover is not None:
        image = (absolute("photos.media", photo_id=cover.id, variant="thumb"), *display_size(cover.width, cover.height, "thumb"))
        aspect = cover.height / cover.width
    return Target(
        title=campaign.title, embed_url=absolute("campaigns.embed", campaign_id=campaign.id),
        author_name=campaign.institution.name, image=image, aspect=aspect,
    )


def resolve(url: str) -> Target:
    """The embeddable page an address names. Raises OEmbedError(404) for another site's address,
    an address that is not a photo or campaign page, or one that is not public."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or parts.netloc.lower() not in site_hosts():
        raise OEmbedError(404, "That address is not a page of this site.")
    for kind, pattern in _PATHS.items():
        match = pattern.match(parts.path)
        if match:
            found = _photo_target(int(match.group(1))) if kind == "photo" else _campaign_target(int(match.group(1)))
            if found is not None:
                return found
            break
    raise OEmbedError(404, "There is no public photo or campaign at that address.")


def _dimension(raw: str | None, name: str) -> int | None:
    try:
        return whole_number(raw, what=name, high=MAX_DIMENSION)
    except BadNumber as error:
        raise OEmbedError(400, f"{name} must be a whole number of pixels between 1 and {MAX_DIMENSION}.") from error


def card_size(target: Target, maxwidth: int | None, maxheight: int | None) -> tuple[int, int]:
    """The iframe's size: the natural card, narrowed to ``maxwidth`` and cut to ``maxheight``."""
    width = min(CARD_WIDTH, maxwidth or CARD_WIDTH)
    height = round(width * target.aspect) + CARD_TEXT_HEIGHT
    if maxheight is not None and height > maxheight:
        height = maxheight
    return width, height


def response(args: dict[str, str], *, provider_name: str) -> dict[str, Any]:
    """The oEmbed JSON answer for the query ``args`` (``url``, ``format``, ``maxwidth``, ``maxheight``).

    Raises OEmbedError: 400 without a url or with a bad size, 501 for any format but json, 404 (see resolve).
    """
    fmt = args.get("format") or "json"
    if fmt != "json":
        raise OEmbedError(501, "Only format=json is supported.")
    url = args.get("url") or ""
    if not url.strip():
        raise OEmbedError(400, "Please give the address of a photo page in url=.")
    maxwidth = _dimension(args.get("maxwidth"), "maxwidth")
    maxheight = _dimension(args.get("maxheight"), "maxheight")
    target = resolve(url)
    width, height = card_size(target, maxwidth, maxheight)
    html = (
        f'<iframe src="{escape(target.embed_url)}" width="{width}" height="{height}" '
        f'title="{escape(target.title)} ({escape(provider_name)})" loading="lazy" '
        f'style="border:0;max-width:100%"></iframe>'
    )
    data: dict[str, Any] = {
        "version": "1.0", "type": "rich", "title": target.title,
        "provider_name": provider_name, "provider_url": site_root() + "/",
        "author_name": target.author_name, "html": html, "width": width, "height": height,
        "cache_age": CACHE_AGE,
    }
    if target.image is not None:
        image_url, thumb_width, thumb_height = target.image
        if (maxwidth is None or thumb_width <= maxwidth) and (maxheight is None or thumb_height <= maxheight):
            data.update(thumbnail_url=image_url, thumbnail_width=thumb_width, thumbnail_height=thumb_height)
    return data
