"""Atom feed addresses, and the button that gives a staff member a new queue-feed address."""
from __future__ import annotations

import hashlib

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from photoid.extensions import db
from photoid.feeds import atom, entries, service
from photoid.photos.models import Collection

bp = Blueprint("feeds", __name__)

PUBLIC_MAX_AGE = 300
BAD_TOKEN = ("That feed address is not valid, or it was replaced by a new one. "
             "Staff can find their current address on their account page.")


def _atom_response(feed: atom.Feed, *, private: bool = False) -> Response:
    """The feed as Atom, with an ETag and Last-Modified so readers can ask "anything new?" cheaply."""
    body = atom.render(feed)
    response = Response(body, content_type=atom.CONTENT_TYPE)
    response.set_etag(hashlib.sha256(body).hexdigest()[:40])
    response.last_modified = feed.updated
    if private:
        response.cache_control.private = True
        response.cache_control.no_cache = True
    else:
        response.cache_control.public = True
        response.cache_control.max_age = PUBLIC_MAX_AGE
    return response.make_conditional(request)


def _published_collection(slug: str) -> Collection:
    found = db.session.scalar(select(Collection).where(Collection.slug == slug, Collection.is_published.is_(True)))
    if found is None:
        abort(404, "We could not find that collection. It may have moved, or the address may be mistyped.")
    return found


@bp.route("/feeds/photos.atom")
def photos() -> Response:
    return _atom_response(entries.photos_feed(None, self_url=url_for("feeds.photos", _external=True)))


@bp.route("/feeds/collections/<slug>/photos.atom")
def collection_photos(slug: str) -> Response:
    found = _published_collection(slug)
    self_url = url_for("feeds.collection_photos", slug=slug, _external=True)
    return _atom_response(entries.photos_feed(found, self_url=self_url))


@bp.route("/feeds/identified.atom")
def identified() -> Response:
    return _atom_response(entries.identified_feed(None, self_url=url_for("feeds.identified", _external=True)))


@bp.route("/feeds/collections/<slug>/identified.atom")
def collection_identified(slug: str) -> Response:
    found = _published_collection(slug)
    self_url = url_for("feeds.collection_identified", slug=slug, _external=True)
    return _atom_response(entries.identified_feed(found, self_url=self_url))


@bp.route("/feeds/queue.atom")
def queue() -> Response:
    """A staff member's moderation queue, opened by their feed token alone (feed readers have no session)."""
    token = request.args.get("token", "")
    user = entries.find_user_by_token(token)
    if user is None:
        abort(404, BAD_TOKEN)
    if not user.is_active:
        abort(403, "This account is suspended, so its feed is switched off. Please contact the library.")
    if not user.is_staff:
        abort(403, "Only archivists and administrators have a moderation queue feed.")
    self_url = url_for("feeds.queue", token=token, _external=True)
    return _atom_response(entries.queue_feed(user, self_url=self_url), private=True)


@bp.route("/feeds/queue-address", methods=["POST"])
@login_required
def reset_token() -> Response:
    """Give the signed-in staff member a new queue-feed address; the old one stops working."""
    if not current_user.is_staff:
        abort(403, "Only archivists and administrators have a moderation queue feed.")
    try:
        service.reset_feed_token(current_user._get_current_object())
    except service.FeedTokenRefused as error:
        abort(403, str(error))
    flash("Your moderation queue feed has a new address. The old address no longer works.", "success")
    return redirect(url_for("accounts.account") + "#queue-feed-heading")
