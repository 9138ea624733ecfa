from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, send_file
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from photoid.extensions import db
from photoid.photos import queries
from photoid.photos.images import DERIVATIVE_SIZES
from photoid.photos.models import Collection, Photo
from photoid.photos.service import storage
from photoid.photos.storage import derivative_key

bp = Blueprint("photos", __name__, template_folder="templates")

ONE_YEAR = 365 * 24 * 3600
MAX_QUERY_LENGTH = 200


def _page_arg() -> int:
    raw = request.args.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= 100_000:
        abort(400, "The page number must be a whole number of 1 or more.")
    return int(raw)


def _visible_photo(photo_id: int) -> Photo:
    photo = db.session.get(Photo, photo_id)
    if photo is None:
        abort(404)
    public = photo.is_published and photo.collection.is_published
    if not public and not (current_user.is_authenticated and current_user.moderates(photo.institution_id)):
        abort(404)
    return photo


@bp.route("/")
def home() -> str:
    return render_template(
        "photos/home.html", collections=queries.published_collections(), recent=queries.recent_photos()
    )


@bp.route("/collections/<slug>")
def collection(slug: str) -> str:
    found = db.session.scalar(select(Collection).where(Collection.slug == slug, Collection.is_published.is_(True)))
    if found is None:
        abort(404)
    page = queries.collection_photos(found, page=_page_arg(), per_page=current_app.config["PER_PAGE"])
    return render_template("photos/collection.html", collection=found, page=page)


@bp.route("/photos/<int:photo_id>")
def photo(photo_id: int) -> str:
    found = _visible_photo(photo_id)
    facts = queries.photo_facts(found, include_pending=found.institution.show_pending_publicly)
    return render_template(
        "photos/photo.html",
        photo=found,
        approved=[f for f in facts if f.state == "approved"],
        pending=[f for f in facts if f.state == "pending"],
    )


@bp.route("/media/photos/<int:photo_id>/<variant>.jpg")
def media(photo_id: int, variant: str) -> Response:
    if variant not in DERIVATIVE_SIZES:
        abort(404)
    found = _visible_photo(photo_id)
    path = storage().path(derivative_key(found.source_checksum, variant))
    if not path.is_file():
        abort(404)
    # Files are content-addressed by checksum, so a URL's bytes never change: cache for a year.
    response = send_file(path, mimetype="image/jpeg", conditional=True, etag=True, max_age=ONE_YEAR)
    response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    return response


@bp.route("/search")
def search() -> tuple[str, int] | str:
    text = request.args.get("q", "").strip()
    if len(text) > MAX_QUERY_LENGTH:
        return render_template(
            "photos/search.html", q=text[:MAX_QUERY_LENGTH], page=None,
            error=f"Please use at most {MAX_QUERY_LENGTH} characters.",
        ), 400
    page = queries.search_photos(text, page=_page_arg(), per_page=current_app.config["PER_PAGE"]) if text else None
    return render_template("photos/search.html", q=text, page=page, error=None)
