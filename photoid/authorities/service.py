"""Staff changes to authority records: edit, accept, merge and undo a merge.

Each public function is one use case and commits once. Every change writes a ModerationEvent
with what it was before and after, and moves ``modified_at`` of every photo whose published
record names the authority, so catalog harvesters pick the change up. Who may change a record
(the archivists of the institutions whose photos use it) is decided by :func:`change_problem`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select, update

from photoid.accounts.models import User
from photoid.audit import record_event
from photoid.authorities import queries
from photoid.authorities.models import AuthorityRecord, fold
from photoid.authorities.uris import canonical_uri
from photoid.contributions.models import Identification
from photoid.contributions.service import ContributionError, clean_text
from photoid.contributions.workflow import PUBLIC_FACT_STATE, AuthorityStatus
from photoid.db import unit_of_work, utcnow
from photoid.edtf import EDTFError, parse_phrase
from photoid.extensions import db
from photoid.moderation.models import ModerationEvent
from photoid.photos.models import Photo

#: Where an authority link may point, and how the link is labelled for readers.
AUTHORITY_SOURCES = {
    "id.loc.gov": "Library of Congress",
    "www.wikidata.org": "Wikidata",
    "sws.geonames.org": "GeoNames",
    "geonames.org": "GeoNames",
    "www.geonames.org": "GeoNames",
    "viaf.org": "VIAF",
}
MAX_URI = 500
MAX_HEADING = 300
MAX_DESCRIPTION = 5000


class AuthorityError(ValueError):
    """A change the staff member can fix (a bad link, a merge that cannot be); the message says how."""


class AuthorityForbidden(Exception):
    """The staff member may not change this record; the message says who may (routes answer 403)."""


# --- who may change a record ---------------------------------------------------------------------

def _names(institutions: list[Any]) -> str:
    names = [i.name for i in institutions]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def change_problem(editor: User, *records: AuthorityRecord) -> str | None:
    """Why ``editor`` may not change these records, in words, or None when they may; changes nothing.

    A record belongs to the institutions whose photos use it (an identification pending or
    approved on one of their photos, see ``queries.USING_STATES``):

    - an admin may change any record;
    - an archivist may change a record that photos of one of their institutions use, so a record
      several institutions share may be changed by an archivist of any of them;
    - a record no photo uses yet belongs to no institution: any archivist may change it;
    - a merge, or undoing one, changes two records: the editor must be allowed on both.
    """
    if editor.is_admin:
        return None
    mine = {i.id for i in editor.institutions} if editor.role == "archivist" else set()
    for record in records:
        using = queries.institutions_using(record)
        if using and not any(i.id in mine for i in using):
            return (f"Only archivists of {_names(using)} or an admin can change “{record.heading}”, "
                    "because only their photos use it.")
    return None


def check_may_change(editor: User, *records: AuthorityRecord) -> None:
    """Raise AuthorityForbidden (with :func:`change_problem`'s words) unless ``editor`` may change
    every one of ``records``; changes nothing."""
    problem = change_problem(editor, *records)
    if problem:
        raise AuthorityForbidden(problem)


def _concerned(*records: AuthorityRecord) -> list[int]:
    """The institutions whose audit log shows a change of these records (whose photos use them)."""
    return [i.id for i in queries.institutions_using(*records)]


# --- checks shared with the moderation queue -----------------------------------------------------

def check_authority_uri(value: str | None) -> str | None:
    """A clean http(s) link to id.loc.gov, Wikidata, GeoNames or VIAF in its canonical form
    (``uris.canonical_uri``: a record's page and its entity URI are one record), or None when empty.

    Changes nothing. Raises AuthorityError for anything else, saying which sites are accepted.
    """
    text = (value or "").strip()
    if not text:
        return None
    accepted = "id.loc.gov, Wikidata (www.wikidata.org), GeoNames (sws.geonames.org) or VIAF (viaf.org)"
    if len(text) > MAX_URI or any(ch.isspace() or not ch.isprintable() for ch in text):
        raise AuthorityError(f"The authority link is not a web address we can use. Please paste a link from {accepted}.")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise AuthorityError(f"The authority link is not a web address we can use. Please paste a link from {accepted}.") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise AuthorityError(f"The authority link must start with https:// and come from {accepted}.")
    host = parts.hostname.lower()
    if host not in AUTHORITY_SOURCES or parts.username or parts.password or port is not None:
        raise AuthorityError(f"We only accept authority links from {accepted}; “{host}” is not one of them.")
    if parts.path.strip("/") == "":
        raise AuthorityError("The authority link points to the site's home page. Please link to the record itself.")
    return canonical_uri(text)


def source_of(uri: str | None) -> str | None:
    """The name of the authority a link belongs to ("Wikidata"), for labelling it; None when unknown."""
    if not uri:
        return None
    try:
        host = (urlsplit(uri).hostname or "").lower()
    except ValueError:
        return None
    return AUTHORITY_SOURCES.get(host)


def _number(value: str | float | None, label: str, limit: int) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(value.strip().replace("\u2212", "-")) if isinstance(value, str) else float(value)
    except ValueError:
        raise AuthorityError(f"The {label} must be a number, for example 44.0523.") from None
    if math.isnan(number) or not -limit <= number <= limit:
        raise AuthorityError(f"The {label} must be a number between -{limit} and {limit}.")
    return number


def check_coordinates(latitude: str | float | None, longitude: str | float | None) -> tuple[float | None, float | None]:
    """Latitude and longitude as numbers in range, both given or both empty.

    Changes nothing. Raises AuthorityError for a value that is not a number, out of range, or
    given without the other.
    """
    lat = _number(latitude, "latitude", 90)
    lon = _number(longitude, "longitude", 180)
    if (lat is None) != (lon is None):
        raise AuthorityError("Please give both the latitude and the longitude, or neither.")
    return lat, lon


def _text(value: str | None, *, label: str, limit: int, required: bool = False, single_line: bool = False) -> str:
    try:
        return clean_text(value, label=label, limit=limit, required=required, single_line=single_line)
    except ContributionError as error:
        raise AuthorityError(str(error)) from error


def _dates(value: str | None) -> str | None:
    text = _text(value, label="the dates", limit=100)
    if not text:
        return None
    try:
        return parse_phrase(text)
    except EDTFError as error:
        raise AuthorityError(str(error)) from error


# --- helpers (flush at most, never commit) -------------------------------------------------------

def _snapshot(record: AuthorityRecord) -> dict[str, Any]:
    return {
        "heading": record.heading, "dates_edtf": record.dates_edtf, "description": record.description,
        "authority_uri": record.authority_uri, "latitude": record.latitude, "longitude": record.longitude,
        "status": record.status, "variants": sorted(v.name for v in record.variants),
        "merged_into_id": record.merged_into_id,
    }


def touch_photos(*, authority_id: int | None = None, identification_ids: list[int] | None = None) -> None:
    """Move ``modified_at`` of every photo with an approved identification of the record (or among
    ``identification_ids``); one UPDATE, flushes nothing and commits nothing."""
    condition = Identification.state == PUBLIC_FACT_STATE
    if identification_ids is not None:
        condition = condition & Identification.id.in_(identification_ids or [-1])
    else:
        condition = condition & (Identification.authority_id == authority_id)
    db.session.execute(
        update(Photo).where(Photo.id.in_(select(Identification.photo_id).where(condition))).values(modified_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def _live(record: AuthorityRecord, message: str) -> None:
    if record.merged_into_id is not None:
        raise AuthorityError(message)


# --- use cases -----------------------------------------------------------------------------------

@dataclass
class RecordChanges:
    """What the edit form sent; every field is checked by :func:`update_record`."""

    heading: str | None
    dates: str | None = None
    description: str | None = None
    authority_uri: str | None = None
    latitude: str | float | None = None
    longitude: str | float | None = None
    add_variants: list[str] = field(default_factory=list)
    remove_variant_ids: list[int] = field(default_factory=list)


@unit_of_work
def update_record(record: AuthorityRecord, changes: RecordChanges, *, editor: User) -> bool:
    """Change a record's heading, dates, description, link, coordinates and variants; True if anything changed.

    Writes an ``edit`` event with before and after, and moves ``modified_at`` of the photos whose
    published record names it. Raises AuthorityError (nothing saved) for a missing heading, dates
    we cannot read, a link from another site or one another record already has, bad coordinates, coordinates on a person or event,
    or a merged record; AuthorityForbidden when :func:`change_problem` says the editor may not.
    The event shows in the audit log of every institution whose photos use the record.
    """
    check_may_change(editor, record)
    _live(record, "This record was merged into another one; edit that one instead, or undo the merge.")
    heading = _text(changes.heading, label="a heading", limit=MAX_HEADING, required=True, single_line=True)
    dates = _dates(changes.dates)
    description = _text(changes.description, label="the description", limit=MAX_DESCRIPTION)
    uri = check_authority_uri(changes.authority_uri)
    holder = queries.holder_of_link(uri, other_than=record.id)
    if holder is not None:
        raise AuthorityError(f"“{holder.heading}” already has this authority link, so the two are one record: "
                             "merge them instead of linking both.")
    lat, lon = check_coordinates(changes.latitude, changes.longitude)
    if lat is not None and record.kind != "place":
        raise AuthorityError("Only places have coordinates; please leave latitude and longitude empty.")
    new_names = [_text(name, label="the other name", limit=MAX_HEADING, single_line=True) for name in changes.add_variants]
    before = _snapshot(record)
    record.set_heading(heading)
    record.dates_edtf, record.description, record.authority_uri = dates, description, uri
    record.latitude, record.longitude = lat, lon
    removed = set(changes.remove_variant_ids)
    for variant in [v for v in record.variants if v.id in removed]:
        record.variants.remove(variant)
    db.session.flush()  # deletes first, so a name removed and typed again does not collide
    for name in new_names:
        if name:
            record.add_variant(name)
    after = _snapshot(record)
    if after == before:
        db.session.rollback()
        return False
    record.modified_at = utcnow()
    db.session.flush()
    touch_photos(authority_id=record.id)
    record_event(actor=editor, action="edit_authority", target=record, before=before, after=after,
                 institution_ids=_concerned(record))
    return True


@unit_of_work
def accept_record(record: AuthorityRecord, *, editor: User) -> AuthorityRecord:
    """Accept a record a patron proposed: it is offered in suggestions and gets a public page.

    Writes an ``accept_authority`` event (in the log of each institution whose photos use it).
    Raises AuthorityError when it is merged or already accepted, AuthorityForbidden when
    :func:`change_problem` says the editor may not.
    """
    check_may_change(editor, record)
    _live(record, "This record was merged into another one, so it cannot be accepted.")
    if record.status == AuthorityStatus.ACCEPTED:
        raise AuthorityError("This record is already accepted.")
    record.status, record.modified_at = AuthorityStatus.ACCEPTED, utcnow()
    record_event(actor=editor, action="accept_authority", target=record, before={"status": AuthorityStatus.PROPOSED},
                 after={"status": AuthorityStatus.ACCEPTED}, institution_ids=_concerned(record))
    return record


def check_merge(loser: AuthorityRecord, survivor: AuthorityRecord) -> None:
    """Raise AuthorityError when ``loser`` cannot be merged into ``survivor``; changes nothing."""
    if loser.id == survivor.id:
        raise AuthorityError("A record cannot be merged into itself. Please choose the other record.")
    if loser.kind != survivor.kind:
        raise AuthorityError(f"A {loser.kind} can only be merged into another {loser.kind}, not into a {survivor.kind}.")
    _live(loser, "This record was already merged into another one.")
    _live(survivor, f"“{survivor.heading}” was itself merged into another record; please choose that one.")


@unit_of_work
def merge(loser: AuthorityRecord, survivor: AuthorityRecord, *, editor: User) -> ModerationEvent:
    """Merge a duplicate into the record that stays; returns the ``merge`` event (undo uses it).

    Moves every identification of ``loser`` (in any state) to ``survivor``, keeps the loser's
    heading and variants as variants of the survivor, points ``loser.merged_into`` at it (its
    page redirects), and moves ``modified_at`` of the photos whose published record changes.
    The event's ``before`` lists exactly the identifications moved and the variants added; it
    shows in the log of every institution whose photos use either record.
    Raises AuthorityError (nothing saved) for a merge :func:`check_merge` refuses, and
    AuthorityForbidden when the editor may not change both records (:func:`change_problem`).
    """
    check_may_change(editor, loser, survivor)
    check_merge(loser, survivor)
    concerned = _concerned(loser, survivor)
    moved = list(db.session.scalars(
        select(Identification.id).where(Identification.authority_id == loser.id).order_by(Identification.id)
    ))
    had = {v.name_folded for v in survivor.variants}
    for name in [loser.heading, *(v.name for v in loser.variants)]:
        survivor.add_variant(name)
    added = [v.name for v in survivor.variants if v.name_folded not in had]
    if moved:
        db.session.execute(
            update(Identification).where(Identification.id.in_(moved)).values(authority_id=survivor.id)
            .execution_options(synchronize_session=False)
        )
    loser.merged_into_id = survivor.id
    loser.modified_at = survivor.modified_at = utcnow()
    db.session.flush()
    touch_photos(identification_ids=moved)
    event = record_event(
        actor=editor, action="merge", target=loser,
        before={"identification_ids": moved, "variants_added": added, "merged_into_id": None},
        after={"merged_into_id": survivor.id, "survivor_heading": survivor.heading, "loser_heading": loser.heading},
        institution_ids=concerned,
    )
    return event


def merge_undo_problem(event: ModerationEvent) -> str | None:
    """Why this merge cannot be undone now, in words, or None when it can; changes nothing."""
    loser = db.session.get(AuthorityRecord, event.target_id)
    survivor_id = (event.after or {}).get("merged_into_id")
    later = db.session.scalar(
        select(ModerationEvent.id).where(
            ModerationEvent.target_type == "authority", ModerationEvent.target_id == event.target_id,
            ModerationEvent.action.in_(("merge", "unmerge")), ModerationEvent.id > event.id,
        ).limit(1)
    )
    if later is not None or loser is None or loser.merged_into_id != survivor_id:
        return "This merge has already been undone."
    if not isinstance(survivor_id, int):
        return "This merge's record does not say which record it went into, so it cannot be undone here."
    survivor = db.session.get(AuthorityRecord, survivor_id)
    if survivor is None or survivor.merged_into_id is not None:
        return ("The record it was merged into has since been merged into another one. "
                "Undo that later merge first.")
    return None


@unit_of_work
def undo_merge(event: ModerationEvent, *, editor: User) -> AuthorityRecord:
    """Undo a merge exactly: the identifications it moved go back, the variants it added are removed
    from the survivor, and the duplicate stands on its own again; returns the restored record.

    Writes an ``unmerge`` event and moves ``modified_at`` of the photos whose published record
    changes; the event shows in the log of every institution whose photos use either record.
    Raises AuthorityError (nothing saved) when the event is not a merge or cannot be undone, and
    AuthorityForbidden when the editor may not change both records (:func:`change_problem`).
    """
    if event.action != "merge" or event.target_type != "authority":
        raise AuthorityError("Only a merge of two records can be undone here.")
    problem = merge_undo_problem(event)
    if problem:
        raise AuthorityError(problem)
    loser = db.session.get(AuthorityRecord, event.target_id)
    survivor = db.session.get(AuthorityRecord, event.after["merged_into_id"])  # type: ignore[index]
    assert loser is not None and survivor is not None
    check_may_change(editor, loser, survivor)
    concerned = _concerned(loser, survivor)
    ids = [int(i) for i in (event.before or {}).get("identification_ids", [])]
    added = {fold(name) for name in (event.before or {}).get("variants_added", [])}
    restored = list(db.session.scalars(
        select(Identification.id).where(Identification.id.in_(ids or [-1]), Identification.authority_id == survivor.id)
    ))
    if restored:
        db.session.execute(
            update(Identification).where(Identification.id.in_(restored)).values(authority_id=loser.id)
            .execution_options(synchronize_session=False)
        )
    removed = [v for v in survivor.variants if v.name_folded in added]
    for variant in removed:
        survivor.variants.remove(variant)
    loser.merged_into_id = None
    loser.modified_at = survivor.modified_at = utcnow()
    db.session.flush()
    touch_photos(identification_ids=restored)
    record_event(
        actor=editor, action="unmerge", target=loser,
        before={"merged_into_id": survivor.id, "merge_event_id": event.id},
        after={"merged_into_id": None, "identification_ids": restored, "variants_removed": [v.name for v in removed]},
        institution_ids=concerned,
    )
    return loser

