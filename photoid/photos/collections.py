"""Use cases for collections: create, edit, publish, withdraw and delete. Each public function commits once.

Publication goes only through :func:`set_collection_published`: it moves the OAI datestamp
(``Photo.modified_at``) of every photo whose visibility changes, so harvesters notice, and sets
``withdrawn_at`` so OAI-PMH keeps answering with deleted records (persistent deletions).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from photoid.audit import record_event
from photoid.db import unit_of_work, utcnow
from photoid.extensions import db
from photoid.photos.models import Collection, Institution, Photo
from photoid.photos.errors import PhotoError

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
#: Slugs that would clash with the site's own paths under /collections/.
RESERVED_SLUGS = frozenset({"new", "edit", "upload"})
MAX_TITLE = 200
MAX_DESCRIPTION = 5000


class CollectionError(ValueError):
    """A collection change the rules refuse; ``field`` names the form field at fault, when one is."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class CollectionFields:
    """What staff type on the collection form, before it is checked."""

    title: str
    description: str = ""
    cover_photo_id: int | None = None
    position: int = 0


def check_slug(slug: str) -> str:
    """The slug if it is usable and free; raises CollectionError (field "slug") otherwise."""
    slug = slug.strip()
    if not SLUG.match(slug) or slug in RESERVED_SLUGS:
        raise CollectionError(
            "The web address name must be 1 to 64 lowercase letters, digits or hyphens, for example local-history.",
            field="slug",
        )
    if db.session.scalar(select(Collection.id).where(Collection.slug == slug)) is not None:
        raise CollectionError(f"There is already a collection called {slug}; choose another web address name.", field="slug")
    return slug


def _checked(collection: Collection | None, fields: CollectionFields) -> CollectionFields:
    title = " ".join(fields.title.split())
    if not title:
        raise CollectionError("Please give the collection a title.", field="title")
    if len(title) > MAX_TITLE:
        raise CollectionError(f"The title is longer than {MAX_TITLE} characters.", field="title")
    description = fields.description.strip()
    if len(description) > MAX_DESCRIPTION:
        raise CollectionError(f"The description is longer than {MAX_DESCRIPTION} characters.", field="description")
    if not -1000 <= fields.position <= 1000:
        raise CollectionError("The position must be a whole number from -1000 to 1000.", field="position")
    if fields.cover_photo_id is not None:
        cover = db.session.get(Photo, fields.cover_photo_id)
        if cover is None or collection is None or cover.collection_id != collection.id or cover.deleted_at is not None:
            raise CollectionError("The cover must be one of this collection's photos.", field="cover_photo_id")
    return CollectionFields(title=title, description=description, cover_photo_id=fields.cover_photo_id,
                            position=fields.position)


def _snapshot(collection: Collection) -> dict[str, Any]:
    return {"slug": collection.slug, "title": collection.title, "description": collection.description,
            "cover_photo_id": collection.cover_photo_id, "position": collection.position,
            "institution": collection.institution.slug}


@unit_of_work
def create_collection(*, institution: Institution, slug: str, fields: CollectionFields, actor: Any = None) -> Collection:
    """Create a collection in ``institution``; it is published but appears publicly only once it
    holds a published photo. Writes a ``create_collection`` audit event and commits.

    Raises CollectionError for a bad or taken slug, an empty or long title or description.
    """
    slug = check_slug(slug)
    checked = _checked(None, CollectionFields(title=fields.title, description=fields.description, position=fields.position))
    collection = Collection(slug=slug, title=checked.title, description=checked.description,
                            position=checked.position, institution=institution)
    db.session.add(collection)
    db.session.flush()
    record_event(actor=actor, action="create_collection", target=collection, before=None,
                 after=_snapshot(collection), institution_id=institution.id)
    return collection


@unit_of_work
def update_collection(collection: Collection, *, fields: CollectionFields, actor: Any) -> bool:
    """Change the title, description, cover and position. Writes one ``edit_collection`` audit
    event with what was there before and commits; returns False (and writes nothing) when
    nothing changed. Raises CollectionError for a bad field."""
    checked = _checked(collection, fields)
    before = _snapshot(collection)
    collection.title, collection.description = checked.title, checked.description
    collection.cover_photo_id, collection.position = checked.cover_photo_id, checked.position
    after = _snapshot(collection)
    if after == before:
        return False
    changed = [key for key in after if after[key] != before[key]]
    record_event(actor=actor, action="edit_collection", target=collection,
                 before={k: before[k] for k in changed}, after={k: after[k] for k in changed},
                 institution_id=collection.institution_id)
    if {"title", "description"} & set(changed):
        _touch_photos(collection)  # their records carry the collection's title: harvesters fetch them again
    return True


def _touch_photos(collection: Collection) -> None:
    db.session.execute(
        update(Photo)
        .where(Photo.collection_id == collection.id, Photo.is_published.is_(True))
        .values(modified_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )


@unit_of_work
def set_collection_published(collection: Collection, *, is_published: bool, actor: Any = None) -> Collection:
    """Publish or withdraw a whole collection.

    Changes the collection's ``is_published`` (and ``withdrawn_at`` when it stops being public)
    and moves ``modified_at`` of each of its published photos, whose records appear or become
    deleted; writes a ``publish``/``withdraw`` audit event; commits once. Does nothing when the
    collection is already in that state.
    """
    if collection.is_published == is_published:
        return collection
    collection.is_published = is_published
    if not is_published:
        collection.withdrawn_at = utcnow()
    _touch_photos(collection)
    record_publication(actor, collection, collection.institution_id, is_published=is_published)
    return collection


def record_publication(actor: Any, target: Collection | Photo, institution_id: int, *, is_published: bool) -> None:
    """The audit row of a publish or withdraw (from the shell, without an actor, there is none)."""
    if actor is not None:
        record_event(actor=actor, action="publish" if is_published else "withdraw", target=target,
                     before={"is_published": not is_published}, after={"is_published": is_published},
                     institution_id=institution_id)


def photo_count(collection: Collection) -> int:
    """Photos in the collection, published or not, deleted ones left out."""
    return db.session.scalar(
        select(func.count(Photo.id)).where(Photo.collection_id == collection.id, Photo.deleted_at.is_(None))
    ) or 0


@unit_of_work
def delete_collection(collection: Collection, *, actor: Any) -> None:
    """Delete a collection that holds no photos. Writes a ``delete_collection`` audit event with
    what it was, and commits. Raises CollectionError while it holds photos (withdraw it instead),
    or when a campaign or an export record still refers to it (nothing is deleted then)."""
    count = photo_count(collection)
    if count:
        raise CollectionError(
            f"{collection.title} still holds {count} photo{'' if count == 1 else 's'}; only an empty collection can be "
            "deleted. Withdraw it instead to take it off the site."
        )
    if db.session.scalar(select(func.count(Photo.id)).where(Photo.collection_id == collection.id)):
        raise CollectionError(
            f"{collection.title} held photos that were deleted; it is kept so catalogs that harvested them hear "
            "of the deletion. Withdraw it instead."
        )
    record_event(actor=actor, action="delete_collection", target=collection, before=_snapshot(collection),
                 after=None, institution_id=collection.institution_id)
    db.session.delete(collection)
    try:
        db.session.flush()
    except IntegrityError as error:
        raise CollectionError(
            "A campaign or a catalog export still refers to this collection, so it is kept. Withdraw it instead."
        ) from error


def default_institution(slug: str | None) -> Institution:
    """The institution a shell import goes to: the one named, or the only one the site has.

    Raises PhotoError when the slug is unknown, when there is none yet, or when there are several
    and none was named (the importer never guesses)."""
    if slug:
        found = db.session.scalar(select(Institution).where(Institution.slug == slug))
        if found is None:
            raise PhotoError(f"There is no institution {slug}; photoid create-institution makes one.")
        return found
    candidates = list(db.session.scalars(
        select(Institution).where(Institution.is_consortium.is_(False)).order_by(Institution.slug).limit(2)
    ))
    if not candidates:
        raise PhotoError("There is no institution yet to create the collection in; "
                         "make one first: photoid create-institution SLUG --name \"NAME\".")
    if len(candidates) > 1:
        raise PhotoError("This site has several institutions: say which one with --institution SLUG.")
    return candidates[0]


def ensure_collection(slug: str, *, title: str | None = None, institution_slug: str | None = None) -> tuple[Collection, bool]:
    """The collection with this slug, or a new one in the named (or only) institution.

    Returns (collection, created). Raises PhotoError when the collection belongs to another
    institution than the one named, when no institution can be chosen, or when the slug or
    title is unusable for a new collection.
    """
    found = db.session.scalar(select(Collection).where(Collection.slug == slug))
    if found is not None:
        if institution_slug and found.institution.slug != institution_slug:
            raise PhotoError(f"The collection {slug} belongs to {found.institution.slug}, not {institution_slug}.")
        return found, False
    institution = default_institution(institution_slug)
    try:
        collection = create_collection(
            institution=institution, slug=slug,
            fields=CollectionFields(title=title or slug.replace("-", " ").capitalize()),
        )
    except CollectionError as error:
        raise PhotoError(str(error)) from error
    return collection, True
