"""Sharing and embedding: sitemap.xml, robots.txt, the oEmbed provider and the embeddable photo card."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, jsonify, render_template, request, send_from_directory
from flask_login import current_user
from markupsafe import escape
from werkzeug.wrappers import Response

from photoid.contributions.workflow import is_public_fact
from photoid.extensions import limiter
from photoid.photos import queries as photo_queries
from photoid.photos.dating import shown_date
from photoid.sharing import jsonld, meta, oembed, sitemap

bp = Blueprint("sharing", __name__, template_folder="templates")
STATIC = Path(__file__).parent / "static"

XML = "application/xml; charset=utf-8"
#: A full sitemap of 50,000 addresses takes about 3 s to build (SQLite, measured): crawlers may keep it an hour.
SITEMAP_CACHE = "public, max-age=3600"


@bp.route("/sitemap.xml")
@limiter.exempt
def sitemap_xml() -> Response:
    """One sitemap, or an index of numbered ones when the site has more addresses than a sitemap may hold."""
    pages = sitemap.page_count()
    if pages == 1:
        body: Any = "".join(sitemap.urlset(sitemap.entries(1)))
    else:
        body = sitemap.sitemap_index(pages, lambda n: meta.absolute("sharing.sitemap_page", page=n))
    return Response(body, content_type=XML, headers={"Cache-Control": SITEMAP_CACHE})


@bp.route("/sitemaps/<int:page>.xml")
@limiter.exempt
def sitemap_page(page: int) -> Response:
    if not 1 <= page <= sitemap.page_count():
        abort(404)
    return Response("".join(sitemap.urlset(sitemap.entries(page))), content_type=XML,
                    headers={"Cache-Control": SITEMAP_CACHE})


@bp.route("/robots.txt")
@limiter.exempt
def robots() -> Response:
    return Response(sitemap.robots_txt(meta.absolute("sharing.sitemap_xml")), content_type="text/plain; charset=utf-8")


@bp.route("/oembed")
def oembed_endpoint() -> Response | tuple[Response, int]:
    """oEmbed for public photo (and campaign) pages: JSON only; XML is answered 501."""
    try:
        data = oembed.response(request.args.to_dict(), provider_name=current_app.config["SITE_NAME"])
    except oembed.OEmbedError as error:
        return jsonify({"error": str(error)}), error.status
    response = jsonify(data)
    response.headers["Cache-Control"] = f"public, max-age={oembed.CACHE_AGE}"
    return response


@bp.route("/embed/photos/<int:photo_id>")
def embed_photo(photo_id: int) -> str:
    """A small card other sites may frame: the photo, what is known, and a link to help on our site."""
    photo = oembed.public_photo(photo_id)
    if photo is None:
        abort(404)
    approved = photo_queries.photo_facts(photo, include_pending=False)
    return render_template(
        "sharing/embed_photo.html", photo=photo, approved=approved, shown_date=shown_date(photo, approved),
        question=meta.photo_question(photo, approved), size=meta.display_size(photo.width, photo.height, "thumb"),
        photo_url=meta.absolute("photos.photo", photo_id=photo.id),
    )


@bp.route("/embed/card.css")
@limiter.exempt
def embed_css() -> Response:
    """The embed card's stylesheet (the card loads nothing of the site's own layout)."""
    return send_from_directory(STATIC, "embed.css", mimetype="text/css", max_age=3600)


@bp.app_template_global()
def photo_sharing(photo: Any, approved: list[Any], regions: Sequence[Any] = ()) -> dict[str, Any]:
    """Everything the photo page needs to be shared: preview tags, JSON-LD, share links, oEmbed and embed
    snippet. ``regions`` are the boxes shown on the photo; one not yet approved makes the preview ask."""
    open_boxes = any(not is_public_fact(f) and f.kind == "person" for f in regions)
    tags = meta.photo_meta(photo, approved, open_boxes=open_boxes)
    public = photo.is_published and photo.collection.is_published
    embed_url = meta.absolute("sharing.embed_photo", photo_id=photo.id)
    width, height = oembed.card_size(
        oembed.Target(photo.title, embed_url, photo.institution.name, None, photo.height / photo.width), None, None
    )
    return {
        "meta": tags,
        "jsonld": jsonld.safe_json(jsonld.photograph(photo, approved, description=tags["description"])),
        "links": meta.share_links(tags["url"], photo.title),
        "url": tags["url"],
        "oembed_url": meta.absolute("sharing.oembed_endpoint", url=tags["url"], format="json") if public else None,
        "embed_snippet": (
            f'<iframe src="{escape(embed_url)}" width="{width}" height="{height}" title="{escape(photo.title)}" '
            f'loading="lazy" style="border:0;max-width:100%"></iframe>'
        ) if public and current_user.is_authenticated and current_user.moderates(photo.institution_id) else None,
    }


@bp.app_template_global()
def authority_sharing(record: Any, kind_word: str, page: Any) -> dict[str, Any]:
    """Preview tags and share links of a person, place or event page (its first photo as the image)."""
    first = page.items[0].photo if page.items else None
    tags = meta.authority_meta(record, kind_word, page.total, first)
    return {"meta": tags, "links": meta.share_links(tags["url"], record.heading), "url": tags["url"]}


@bp.app_template_global()
def site_sharing(title: str | None = None, description: str | None = None) -> dict[str, Any]:
    """The site's default preview (home and collection pages)."""
    name = current_app.config["SITE_NAME"]
    return {
        "title": title or name,
        "description": meta.shorten(description or f"Help {name} find out who, where and when our photos show."),
        "url": meta.site_root() + request.path,
    }


@bp.app_template_filter("absolute_url")
def absolute_url(url: str | None) -> str | None:
    """An address made absolute on this site (``/photos/3`` → ``https://host/photos/3``); absolute ones unchanged."""
    if not url or "://" in url:
        return url
    return meta.site_root() + ("" if url.startswith("/") else "/") + url
