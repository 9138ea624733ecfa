"""The search page, ``/search``: words, phrases, facets, sorting and pages, without JavaScript."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from photoid.authorities.models import AuthorityRecord
from photoid.db import utcnow
from photoid.edtf import MIN_YEAR
from photoid.extensions import db, limiter
from photoid.params import BadNumber, whole_number
from photoid.photos import queries as photo_queries
from photoid.photos.dating import attach_shown_dates
from photoid.photos.models import Collection, Institution, Photo
from photoid.search import index, querying
from photoid.search import queries

bp = Blueprint("search", __name__, template_folder="templates")

FACET_TITLES = {
    "collection": "Collection", "institution": "Library", "person": "Person", "place": "Place",
    "event": "Event", "decade": "Decade", "unidentified": "Still to identify",
}
SORT_CHOICES = {"relevance": "Best match", "date": "Oldest first", "identified": "Recently identified"}
MAX_FILTERS = 12
MAX_PAGE = 1000
#: Different words (phrase words included) in one search: each adds a posting list to walk, and an
#: OR of 28 common words took half a second on 20,000 photos.
MAX_TERMS = 12


class BadSearch(Exception):
    """A search the page cannot run; the message says what to change."""


def _year(raw: str | None, label: str) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    latest = utcnow().year + 1
    if not (raw.isascii() and raw.isdecimal()) or not MIN_YEAR <= int(raw) <= latest:
        raise BadSearch(f"{label} must be a year from {MIN_YEAR} to {latest}, written in four digits, like 1925.")
    return int(raw)


def _years(args: MultiDict[str, str]) -> tuple[int | None, int | None] | None:
    """The From year and To year filter (either may be left empty), or None when both are."""
    first, last = _year(args.get("from_year"), "From year"), _year(args.get("to_year"), "To year")
    if first is not None and last is not None and first > last:
        raise BadSearch(f"From year ({first}) is after To year ({last}). Please put the earlier year first.")
    return None if first is None and last is None else (first, last)


def _arguments(args: MultiDict[str, str]) -> tuple[str, dict[str, list[str]], str, int]:
    text = (args.get("q") or "").strip()
    if len(text) > index.MAX_QUERY_LENGTH:
        raise BadSearch(f"Please use at most {index.MAX_QUERY_LENGTH} characters.")
    if text and querying.term_count(text) > MAX_TERMS:
        raise BadSearch(f"Please use at most {MAX_TERMS} different words in one search; leave out the most common ones.")
    filters: dict[str, list[str]] = {}
    for name in index.FACETS:
        values = [v for v in args.getlist(name) if v != ""]
        for value in values:
            if name == "unidentified" and value == "yes":
                continue
            try:
                whole_number(value, what="filter")
            except BadNumber as error:
                raise BadSearch("One of the filters is not one we know. Please remove it and try again.") from error
        if values:
            filters[name] = list(dict.fromkeys(values))
    if sum(len(v) for v in filters.values()) > MAX_FILTERS:
        raise BadSearch(f"Please use at most {MAX_FILTERS} filters at once.")
    sort = args.get("sort") or "relevance"
    if sort not in SORT_CHOICES:
        raise BadSearch("Please choose one of the ways to sort.")
    try:
        page = whole_number(args.get("page"), what="page number", high=MAX_PAGE) or 1
    except BadNumber as error:
        raise BadSearch(f"Please choose a page between 1 and {MAX_PAGE}.") from error
    return text, filters, sort, page


def _labels(facets: dict[str, list[tuple[str, int]]]) -> dict[tuple[str, str], str]:
    """Readable names for facet values: titles of collections and libraries, headings, decades."""
    labels: dict[tuple[str, str], str] = {}
    wanted = {name: [int(v) for v, _ in values if v.isdecimal()] for name, values in facets.items()}
    models = {"collection": (Collection, Collection.title), "institution": (Institution, Institution.name)}
    for name, (model, column) in models.items():
        if wanted.get(name):
            for key, title in db.session.execute(select(model.id, column).where(model.id.in_(wanted[name]))):
                labels[(name, str(key))] = title
    authority_ids = [i for name in ("person", "place", "event") for i in wanted.get(name, [])]
    if authority_ids:
        for key, kind, heading in db.session.execute(
            select(AuthorityRecord.id, AuthorityRecord.kind, AuthorityRecord.heading).where(AuthorityRecord.id.in_(authority_ids))
        ):
            labels[(kind, str(key))] = heading
    for value, _ in facets.get("decade", []):
        labels[("decade", value)] = f"{value}s"
    labels[("unidentified", "yes")] = "Has faces or buildings nobody has named yet"
    return labels


def _url(args: MultiDict[str, str], *, add: tuple[str, str] | None = None, remove: tuple[str, str] | None = None,
         **changes: object) -> str:
    params = MultiDict([(k, v) for k, v in args.items(multi=True) if k != "page" and (k, v) != remove])
    if add and add not in params.items(multi=True):
        params.add(*add)
    for key, value in changes.items():
        params.setlist(key, [str(value)] if value is not None else [])
    return url_for("search.search", **params.to_dict(flat=False))


def _photos(ids: list[int]) -> dict[int, Photo]:
    if not ids:
        return {}
    return {p.id: p for p in db.session.scalars(photo_queries.public_photos().where(Photo.id.in_(ids)))}


def _search_limit() -> str:
    return str(current_app.config["SEARCH_LIMIT"])


@bp.route("/search")
@limiter.limit(_search_limit)
def search() -> tuple[str, int] | str:
    args = request.args
    try:
        text, filters, sort, page = _arguments(args)
        years = _years(args)
    except BadSearch as error:
        return render_template("search/results.html", q=(args.get("q") or "")[: index.MAX_QUERY_LENGTH],
                               error=str(error), results=None, sort="relevance", sorts=SORT_CHOICES,
                               from_year=(args.get("from_year") or "")[:10], to_year=(args.get("to_year") or "")[:10]), 400
    staff = getattr(current_user, "is_authenticated", False) and getattr(current_user, "is_staff", False)
    context: dict[str, object] = dict(q=text, error=None, sort=sort, sorts=SORT_CHOICES, facet_titles=FACET_TITLES,
                                      url=lambda **kw: _url(args, **kw), staff=staff, index_missing=False,
                                      from_year=years[0] or "" if years else "", to_year=years[1] or "" if years else "")
    if not text and not filters and years is None:
        return render_template("search/results.html", results=None, **context)
    per_page = current_app.config["PER_PAGE"]
    try:
        results = queries.search(current_app, text, filters=filters, sort=sort, page=page, per_page=per_page,
                                  years=years)
    except index.IndexMissing:
        # No index yet: fall back to the plain database search so visitors still find photos.
        context["index_missing"] = True
        fallback = photo_queries.search_photos(text, page=page, per_page=per_page) if text else None
        return render_template("search/results.html", results=None, fallback=fallback, **context)
    if results.total and not results.hits and page > 1:
        abort(404)
    photos = _photos([hit.photo_id for hit in results.hits])
    attach_shown_dates(photos.values())
    hits = [(photos[hit.photo_id], hit.snippet) for hit in results.hits if hit.photo_id in photos]
    active = [(name, value) for name, values in filters.items() for value in values]
    labels = _labels({**results.facets, **{name: [(v, 0) for v in values] for name, values in filters.items()}})
    return render_template("search/results.html", results=results, hits=hits, labels=labels, active=active,
                           filters=filters, **context)
