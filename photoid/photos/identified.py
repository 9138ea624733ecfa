"""Recently identified photos and how their facts are worded: the browse pages (browse.py) and
the Atom feeds (photoid/feeds) both read them. Only published photos in published collections."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup, escape

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from photoid.contributions.models import Identification
from photoid.contributions.workflow import PUBLIC_FACT_STATE
from photoid.edtf import life_dates, words
from photoid.extensions import db
from photoid.pagination import Page, paginate
from photoid.photos.models import Collection, Photo
from photoid.photos.queries import public_photos

#: How a fact face matching suggested (and a person confirmed) says where it came from.
FACE_MATCHING_WORDS = "suggested by face matching"

#: How the facts of each kind are introduced, in the order they are listed.
KIND_HEADINGS = {
    "person": "People identified", "place": "Places identified", "event": "Events identified",
    "date": "Date identified", "keyword": "Keywords",
}

# --- how facts are worded ------------------------------------------------------------------------

def fact_text(fact: Identification) -> str:
    """What an approved identification says, in words: "John Smith (1890–1962)", "about 1945"."""
    if fact.kind == "date" and fact.date_edtf:
        return words(fact.date_edtf)
    record = fact.authority
    if record is None:
        return fact.text_value or ""
    if not record.dates_edtf:
        return record.heading
    return f"{record.heading} ({life_dates(record.dates_edtf)})"


def fact_value(fact: Identification) -> str:
    """What a fact says on the photo page (``{{ f|fact_value }}``): a date in words, else its label."""
    return words(fact.date_edtf) if fact.kind == "date" else fact.label


def region_attrs(fact: Identification) -> Markup:
    """The ``data-`` attributes by which regions.js draws a fact's box on the photo; nothing without a box."""
    if fact.region_x is None:
        return Markup("")
    return Markup(f' data-region="{fact.region_x},{fact.region_y},{fact.region_w},{fact.region_h}"'
                  f' data-label="{escape(fact.label)}" data-state="{escape(fact.state)}"')


def fact_lines(facts: list[Identification]) -> list[str]:
    """One line per kind, e.g. "People identified: John Smith (1890–1962), Mary Jones"."""
    by_kind: dict[str, list[str]] = {}
    for fact in facts:
        text = fact_text(fact)
        if text and text not in by_kind.setdefault(fact.kind, []):
            by_kind[fact.kind].append(text)
    return [f"{heading}: {', '.join(by_kind[kind])}" for kind, heading in KIND_HEADINGS.items() if by_kind.get(kind)]


def provenance(fact: Identification, *, name: Callable[[Any], Any] | None = None) -> Markup:
    """Who said so and who decided, in the same words wherever a fact's provenance is printed (the
    photo page, the feeds): display names only, never an email.

    "contributed by Tom, verified by Millbrook Library on 7 December 2026"; "suggested by face matching,
    confirmed by Millbrook Library on …" when staff linked a face to a person face matching proposed;
    "contributed by Tom, suggested by face matching, confirmed by …" when the patron named the face and
    staff linked it to the record face matching proposed. ``name`` writes the contributor's name (the
    photo page links it to their profile page); their public name otherwise.
    """
    # Written with escape() and f-strings rather than Markup.format, whose formatter is Python code:
    # the same text at a tenth of the calls (the photo page words every approved fact).
    parts: list[str] = []
    if fact.contributor is not None:
        parts.append(f"contributed by {escape(name(fact.contributor) if name else fact.contributor.public_name)}")
    by_machine = bool(fact.is_face_matching_suggestion)
    if by_machine:
        parts.append(FACE_MATCHING_WORDS)
    decided = f"{'confirmed' if by_machine else 'verified'} by {escape(fact.photo.institution.verifier)}"
    reviewed_at = fact.reviewed_at
    if reviewed_at is not None:
        decided += (f' on <time datetime="{reviewed_at.date().isoformat()}">'
                    f'{reviewed_at.day} {escape(reviewed_at.strftime("%B %Y"))}</time>')
    return Markup(", ".join([*parts, decided]))


# --- recently identified -------------------------------------------------------------------------

@dataclass
class IdentifiedPhoto:
    photo: Photo
    identified_at: datetime
    #: Approved facts, most recently verified first.
    facts: list[Identification]

    @property
    def lines(self) -> list[str]:
        return fact_lines(self.facts)


def recently_identified_query(collection: Collection | None = None) -> Select:  # type: ignore[type-arg]
    """Published photos with an approved fact, by when their latest fact was verified, newest first."""
    latest = (
        select(Identification.photo_id, func.max(Identification.reviewed_at).label("identified_at"))
        .where(Identification.state == PUBLIC_FACT_STATE)
        .group_by(Identification.photo_id)
        .subquery()
    )
    query = public_photos().join(latest, latest.c.photo_id == Photo.id)
    if collection is not None:
        query = query.where(Photo.collection_id == collection.id)
    return query.order_by(latest.c.identified_at.desc(), Photo.id.desc())


def with_facts(photos: list[Photo]) -> list[IdentifiedPhoto]:
    """Each photo with its approved facts (one query for all of them)."""
    by_photo: dict[int, list[Identification]] = {photo.id: [] for photo in photos}
    if by_photo:
        facts = db.session.scalars(
            select(Identification)
            .where(Identification.photo_id.in_(by_photo), Identification.state == PUBLIC_FACT_STATE)
            .options(selectinload(Identification.authority), selectinload(Identification.contributor))
            .order_by(Identification.reviewed_at.desc(), Identification.id.desc())
        )
        for fact in facts:
            by_photo[fact.photo_id].append(fact)
    return [
        IdentifiedPhoto(photo=photo, identified_at=by_photo[photo.id][0].reviewed_at, facts=by_photo[photo.id])  # type: ignore[arg-type]
        for photo in photos if by_photo[photo.id]
    ]


def recently_identified(*, page: int, per_page: int) -> Page[IdentifiedPhoto]:
    found = paginate(recently_identified_query(), page=page, per_page=per_page)
    return Page(items=with_facts(found.items), page=found.page, per_page=per_page, total=found.total)


def latest_identified(*, limit: int, collection: Collection | None = None) -> list[IdentifiedPhoto]:
    """The ``limit`` most recently identified photos (for the feeds)."""
    query = recently_identified_query(collection).options(selectinload(Photo.institution), selectinload(Photo.collection))
    return with_facts(list(db.session.scalars(query.limit(limit))))
