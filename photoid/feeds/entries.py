"""Build the feeds' records from the database (read-only): at most MAX_ENTRIES entries each.

Every piece of HTML is built with ``markupsafe`` so titles, names and comments are escaped;
authors are institutions, and people appear by display name only, never by email.
"""
from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, url_for
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from photoid.accounts.models import User
from photoid.contributions.models import Comment, Identification
from photoid.edtf import words as describe_date
from photoid.extensions import db
from photoid.feeds.atom import Entry, Feed, Link, latest
from photoid.moderation.queries import QueueFilters, moderated_institution_ids, pending_comments_query, pending_identifications_query
from photoid.photos.identified import fact_text, latest_identified, provenance
from photoid.photos.models import Collection, Photo
from photoid.photos.queries import public_photos

MAX_ENTRIES = 50
#: ``updated`` of a feed that has no entries yet (a fixed time keeps its ETag stable).
EMPTY_FEED_UPDATED = datetime(2000, 1, 1, tzinfo=UTC)
MAX_PROVENANCE_LINES = 20
MAX_QUOTE = 500
KIND_WORDS = {"person": "Person", "place": "Place", "event": "Event", "date": "Date", "keyword": "Keyword"}


def _site() -> str:
    return current_app.config["SITE_NAME"]


def _photo_url(photo: Photo) -> str:
    return url_for("photos.photo", photo_id=photo.id, _external=True)


def _thumb_url(photo: Photo) -> str:
    return url_for("photos.media", photo_id=photo.id, variant="thumb", _external=True)


def _thumb_html(photo: Photo) -> Markup:
    return Markup('<p><a href="{}"><img src="{}" alt="{}"></a></p>').format(_photo_url(photo), _thumb_url(photo), photo.title)


def _thumb_link(photo: Photo) -> Link:
    return Link(_thumb_url(photo), rel="enclosure", type="image/jpeg", title=photo.title)


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_QUOTE else text[: MAX_QUOTE - 1] + "…"


# --- newly published photos ----------------------------------------------------------------------

def _photo_entry(photo: Photo) -> Entry:
    date = describe_date(photo.date_edtf) or "Date unknown"
    summary = f"{date} · {photo.collection.title} · {photo.institution.name}"
    content = _thumb_html(photo) + Markup("<p>{}</p>").format(summary)
    if photo.description:
        content += Markup("<p>{}</p>").format(_quote(photo.description))
    return Entry(
        id=_photo_url(photo), title=photo.title, updated=photo.created_at, published=photo.created_at,
        link=_photo_url(photo), author=photo.institution.name, summary=summary, content_html=str(content),
        links=[_thumb_link(photo)],
    )


def photos_feed(collection: Collection | None, *, self_url: str) -> Feed:
    """The newest published photos, site-wide or of one collection."""
    query = public_photos().options(selectinload(Photo.institution), selectinload(Photo.collection))
    if collection is not None:
        query = query.where(Photo.collection_id == collection.id)
    photos = list(db.session.scalars(query.order_by(Photo.created_at.desc(), Photo.id.desc()).limit(MAX_ENTRIES)))
    entries = [_photo_entry(photo) for photo in photos]
    if collection is None:
        title, alternate, author = f"New photos · {_site()}", url_for("photos.home", _external=True), _site()
    else:
        title = f"New photos in {collection.title} · {_site()}"
        alternate = url_for("photos.collection", slug=collection.slug, _external=True)
        author = collection.institution.name
    default = collection.created_at if collection is not None else EMPTY_FEED_UPDATED
    return Feed(
        id=self_url, title=title, updated=latest((e.updated for e in entries), default=default),
        self_url=self_url, alternate_url=alternate, author=author, entries=entries,
        subtitle="Photos newly published for the community to identify.",
    )


# --- recently identified photos ------------------------------------------------------------------

def identified_feed(collection: Collection | None, *, self_url: str) -> Feed:
    """Published photos by their latest approved identification, with what is known and who said so."""
    entries = []
    for item in latest_identified(limit=MAX_ENTRIES, collection=collection):
        photo = item.photo
        url = _photo_url(photo) + "#known-heading"
        content = _thumb_html(photo) + Markup("").join(Markup("<p>{}</p>").format(line) for line in item.lines)
        trail = Markup("").join(
            Markup("<li>{}: {}</li>").format(fact_text(fact), provenance(fact)) for fact in item.facts[:MAX_PROVENANCE_LINES]
        )
        content += Markup("<ul>{}</ul>").format(trail)
        if len(item.facts) > MAX_PROVENANCE_LINES:
            content += Markup('<p><a href="{}">See everything we know about this photo</a></p>').format(url)
        entries.append(Entry(
            id=url, title=photo.title, updated=item.identified_at,
            published=min(f.reviewed_at for f in item.facts if f.reviewed_at is not None),
            link=url, author=photo.institution.name, summary="\n".join(item.lines), content_html=str(content),
            links=[_thumb_link(photo)],
        ))
    if collection is None:
        title, alternate, author = f"Recently identified · {_site()}", url_for("browse.recent", _external=True), _site()
    else:
        title = f"Recently identified in {collection.title} · {_site()}"
        alternate = url_for("photos.collection", slug=collection.slug, _external=True)
        author = collection.institution.name
    default = collection.created_at if collection is not None else EMPTY_FEED_UPDATED
    return Feed(
        id=self_url, title=title, updated=latest((e.updated for e in entries), default=default),
        self_url=self_url, alternate_url=alternate, author=author, entries=entries,
        subtitle="People, places, events and dates our community identified and our archivists verified.",
    )


# --- a staff member's moderation queue -----------------------------------------------------------

def _identification_entry(item: Identification, queue_url: str) -> Entry:
    photo = item.photo
    what = f"{KIND_WORDS[item.kind]} suggested: {fact_text(item)}"
    who = f"Suggested by {item.contributor.public_name}" if item.contributor is not None else "Suggested by a former contributor"
    content = _thumb_html(photo) + Markup("<p>{}</p><p>{} on {}.</p>").format(what, who, photo.title)
    if item.evidence:
        content += Markup("<blockquote>{}</blockquote>").format(_quote(item.evidence))
    return Entry(
        id=f"{queue_url}#item-{item.id}", title=f"{what} — on “{photo.title}”", updated=item.created_at,
        published=item.created_at, link=f"{queue_url}#item-{item.id}", author=photo.institution.name,
        summary=f"{what}. {who}.", content_html=str(content),
        links=[Link(_photo_url(photo), rel="related", type="text/html", title=photo.title)],
    )


def _comment_entry(comment: Comment, queue_url: str) -> Entry:
    photo = comment.photo
    who = comment.author.public_name if comment.author is not None else "a former contributor"
    content = Markup("<p>Comment by {} on {}:</p><blockquote>{}</blockquote>").format(who, photo.title, _quote(comment.body))
    return Entry(
        id=f"{queue_url}#comment-{comment.id}", title=f"Comment waiting — on “{photo.title}”", updated=comment.created_at,
        published=comment.created_at, link=f"{queue_url}#comment-{comment.id}", author=photo.institution.name,
        summary=f"Comment by {who}: {_quote(comment.body)}", content_html=str(content),
        links=[Link(_photo_url(photo), rel="related", type="text/html", title=photo.title)],
    )


def queue_feed(user: User, *, self_url: str) -> Feed:
    """What waits for review in the institutions ``user`` moderates, newest first."""
    institution_ids = moderated_institution_ids(user)
    queue_url = url_for("moderation.queue", _external=True)
    identifications = db.session.scalars(
        pending_identifications_query(institution_ids, QueueFilters())
        .order_by(None).order_by(Identification.created_at.desc(), Identification.id.desc())
        .options(joinedload(Identification.photo).joinedload(Photo.institution),
                 joinedload(Identification.authority), joinedload(Identification.contributor))
        .limit(MAX_ENTRIES)
    )
    comments = db.session.scalars(
        pending_comments_query(institution_ids, QueueFilters())
        .order_by(None).order_by(Comment.created_at.desc(), Comment.id.desc())
        .options(joinedload(Comment.photo).joinedload(Photo.institution), joinedload(Comment.author))
        .limit(MAX_ENTRIES)
    )
    entries = [_identification_entry(i, queue_url) for i in identifications]
    entries += [_comment_entry(c, queue_url) for c in comments]
    entries = sorted(entries, key=lambda e: e.updated, reverse=True)[:MAX_ENTRIES]
    return Feed(
        id=f"{queue_url}#feed-for-{user.id}", title=f"Waiting for review · {_site()}",
        updated=latest((e.updated for e in entries), default=EMPTY_FEED_UPDATED),
        self_url=self_url, alternate_url=queue_url, author=_site(), entries=entries,
        subtitle=f"Suggestions and comments waiting in the moderation queue of {user.display_name}.",
    )


def find_user_by_token(token: str) -> User | None:
    """The account whose queue-feed token this is, or None."""
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(User).where(User.feed_token == token))
