"""Staff changes to campaigns: create, edit, and refresh the photos from a collection or a saved search.

Each public function is one use case and commits once. Every change writes a ModerationEvent (the
audit log) with what the campaign was before and after, and records who changed it and when on the
campaign itself (``created_by``/``updated_by``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import current_app
from sqlalchemy import delete, select

from photoid.accounts.models import User
from photoid.audit import record_event
from photoid.campaigns.models import SOURCES, Campaign, CampaignPhoto
from photoid.contributions.service import ContributionError, clean_text
from photoid.db import unit_of_work, utcnow
from photoid.extensions import db
from photoid.photos.models import Collection, Institution, Photo
from photoid.photos.queries import public_photos, search_photos
from photoid.search import index, queries as search_queries

MAX_TITLE = 200
MAX_SUMMARY = 2000
MAX_SEARCH = 600
#: A campaign is a focused call for help; more photos than this is a collection, not a campaign.
MAX_PHOTOS = 500
#: How many search matches are read to find the institution's photos among them.
SEARCH_LIMIT = 2000
_PHOTO_NUMBER = re.compile(r"^(?:.*/photos/)?#?(\d{1,18})/?$")


class CampaignError(ValueError):
    """A campaign the staff member can fix (no title, dates the wrong way round, no photos); the message says how."""


@dataclass
class CampaignInput:
    """What the form sent, as typed; every field is checked by :func:`create_campaign` and :func:`update_campaign`."""

    title: str | None
    summary: str | None = ""
    source: str | None = "photos"
    photo_ids: str | None = ""
    collection_id: str | int | None = None
    search_query: str | None = ""
    cover_photo_id: str | int | None = None
    starts_on: str | date | None = None
    ends_on: str | date | None = None
    is_published: bool = False


@dataclass(frozen=True)
class SavedSearch:
    """A search as the search page understands it: words and facet filters."""

    words: str
    filters: dict[str, list[str]]

    @property
    def query_string(self) -> str:
        pairs = ([("q", self.words)] if self.words else []) + [
            (name, value) for name, values in self.filters.items() for value in values
        ]
        return urlencode(pairs)


# --- checks (change nothing) ---------------------------------------------------------------------

def _text(value: str | None, *, label: str, limit: int, required: bool = False) -> str:
    try:
        return clean_text(value, label=label, limit=limit, required=required)
    except ContributionError as error:
        raise CampaignError(str(error)) from error


def _day(value: str | date | None, label: str) -> date:
    if isinstance(value, date):
        return value
    text = (value or "").strip()
    if not text:
        raise CampaignError(f"Please give the {label} date.")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CampaignError(
            f"The {label} date was not understood. Please write it as year-month-day, for example 2026-12-31."
        ) from None


def check_dates(starts_on: str | date | None, ends_on: str | date | None) -> tuple[date, date]:
    """The start and end days; raises CampaignError when missing, unreadable or the wrong way round."""
    start, end = _day(starts_on, "start"), _day(ends_on, "end")
    if end < start:
        raise CampaignError("The campaign must end on or after the day it starts.")
    return start, end


def parse_saved_search(value: str | None) -> SavedSearch:
    """Search words, or the address of a search page with its filters, as a SavedSearch.

    Changes nothing. Raises CampaignError for an empty or over-long search, or a filter the search
    page does not know.
    """
    raw = (value or "").strip()
    if not raw:
        raise CampaignError("Please give the search: the words to search for, or the address of a search page.")
    if len(raw) > MAX_SEARCH:
        raise CampaignError(f"The search can be at most {MAX_SEARCH} characters.")
    parts = urlsplit(raw) if "?" in raw else None
    if parts is not None and (parts.path.rstrip("/").endswith("search") or not parts.path):
        pairs = parse_qsl(parts.query, keep_blank_values=False)
    elif "=" in raw and not any(ch.isspace() for ch in raw):
        pairs = parse_qsl(raw.lstrip("?"), keep_blank_values=False)
    else:
        pairs = [("q", raw)]
    words = ""
    filters: dict[str, list[str]] = {}
    for name, item in pairs:
        if name == "q":
            words = item.strip()
        elif name in index.FACETS:
            if not (item.isdecimal() and len(item) < 19) and not (name == "unidentified" and item == "yes"):
                raise CampaignError("One of the search filters is not one we know. Please copy the address of the search page again.")
            filters.setdefault(name, [])
            if item not in filters[name]:
                filters[name].append(item)
        elif name not in ("sort", "page"):
            raise CampaignError(f"The search address has a part we do not understand (“{name[:40]}”). "
                                "Please copy the address of the search page again.")
    if len(words) > index.MAX_QUERY_LENGTH:
        raise CampaignError(f"The search words can be at most {index.MAX_QUERY_LENGTH} characters.")
    if not words and not filters:
        raise CampaignError("The search has no words and no filters, so it would find every photo. Please narrow it.")
    return SavedSearch(words=words, filters=filters)


def scope_ids(institution: Institution) -> list[int]:
    """The institutions whose photos a campaign of ``institution`` may hold: itself and, for a consortium, its members."""
    return [institution.id, *(member.id for member in institution.members)]


def _public_in_scope(institution: Institution):  # type: ignore[no-untyped-def]
    return public_photos().where(Photo.institution_id.in_(scope_ids(institution)))


def _photos_by_number(text: str | None, institution: Institution) -> list[int]:
    tokens = [t for t in re.split(r"[\s,;]+", (text or "").strip()) if t]
    if not tokens:
        raise CampaignError("Please give the numbers of the photos, separated by commas or spaces (for example 12, 15, 31).")
    ids: list[int] = []
    for token in tokens:
        match = _PHOTO_NUMBER.match(token)
        if match is None:
            raise CampaignError(f"“{token[:40]}” is not a photo number. Please give numbers such as 12, or photo addresses.")
        ids.append(int(match.group(1)))
    ids = list(dict.fromkeys(ids))
    if len(ids) > MAX_PHOTOS:
        raise CampaignError(f"A campaign can have at most {MAX_PHOTOS} photos; you gave {len(ids)}.")
    found = set(db.session.scalars(_public_in_scope(institution).with_only_columns(Photo.id).where(Photo.id.in_(ids))))
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise CampaignError(f"These photos are not published photos of {institution.name}: {', '.join(missing[:20])}"
                            + (f" and {len(missing) - 20} more" if len(missing) > 20 else "") + ".")
    return ids


def _collection_photos(collection_id: str | int | None, institution: Institution) -> tuple[Collection, list[int]]:
    raw = str(collection_id or "").strip()
    collection = db.session.get(Collection, int(raw)) if raw.isdecimal() and len(raw) < 19 else None
    if collection is None or collection.institution_id not in scope_ids(institution):
        raise CampaignError(f"Please choose one of the collections of {institution.name}.")
    query = _public_in_scope(institution).with_only_columns(Photo.id).where(Photo.collection_id == collection.id)
    ids = list(db.session.scalars(query.order_by(Photo.identifier, Photo.id).limit(MAX_PHOTOS + 1)))
    if len(ids) > MAX_PHOTOS:
        raise CampaignError(f"“{collection.title}” has more than {MAX_PHOTOS} published photos. "
                            "Please use a search to choose the part of it the campaign is about.")
    return collection, ids


def _searched_photos(saved: SavedSearch, institution: Institution) -> list[int]:
    """The institution's published photos the search finds today, best match first."""
    try:
        results = search_queries.search(current_app, saved.words, filters=saved.filters, page=1,
                                        per_page=SEARCH_LIMIT, with_facets=False)
        ranked = [hit.photo_id for hit in results.hits]
    except index.IndexMissing:
        if saved.filters:
            raise CampaignError("The search index is not built yet, so a search with filters cannot be used. "
                                "Please choose the photos by number or by collection for now.") from None
        ranked = [photo.id for photo in search_photos(saved.words, page=1, per_page=SEARCH_LIMIT).items]
    allowed = set(db.session.scalars(
        _public_in_scope(institution).with_only_columns(Photo.id).where(Photo.id.in_(ranked or [-1]))
    ))
    ids = [photo_id for photo_id in ranked if photo_id in allowed]
    if len(ids) > MAX_PHOTOS:
        raise CampaignError(f"The search finds more than {MAX_PHOTOS} photos of {institution.name}. Please narrow it.")
    return ids


@dataclass
class _Resolved:
    source: str
    photo_ids: list[int]
    collection_id: int | None = None
    search_query: str | None = None


def _resolve(data: CampaignInput, institution: Institution) -> _Resolved:
    source = (data.source or "").strip()
    if source not in SOURCES:
        raise CampaignError("Please choose where the campaign's photos come from: numbers, a collection or a search.")
    if source == "photos":
        resolved = _Resolved(source, _photos_by_number(data.photo_ids, institution))
    elif source == "collection":
        collection, ids = _collection_photos(data.collection_id, institution)
        resolved = _Resolved(source, ids, collection_id=collection.id)
    else:
        saved = parse_saved_search(data.search_query)
        resolved = _Resolved(source, _searched_photos(saved, institution), search_query=saved.query_string)
    if not resolved.photo_ids:
        raise CampaignError(f"No published photos of {institution.name} were found that way, so the campaign would be empty.")
    return resolved


def _cover(value: str | int | None, photo_ids: list[int]) -> int:
    raw = str(value or "").strip()
    if not raw:
        return photo_ids[0]
    if not raw.isdecimal() or int(raw) not in photo_ids:
        raise CampaignError("The cover must be one of the campaign's photos.")
    return int(raw)


# --- helpers (flush at most, never commit) -------------------------------------------------------

def member_ids(campaign: Campaign) -> list[int]:
    """The campaign's photo ids in their order. Reads only."""
    return list(db.session.scalars(
        select(CampaignPhoto.photo_id).where(CampaignPhoto.campaign_id == campaign.id).order_by(CampaignPhoto.position)
    ))


def _set_members(campaign: Campaign, photo_ids: list[int]) -> None:
    db.session.execute(delete(CampaignPhoto).where(CampaignPhoto.campaign_id == campaign.id))
    db.session.add_all(CampaignPhoto(campaign_id=campaign.id, photo_id=photo_id, position=n)
                       for n, photo_id in enumerate(photo_ids))
    campaign.photos_resolved_at = utcnow()
    db.session.flush()


def _snapshot(campaign: Campaign, photo_count: int) -> dict[str, Any]:
    return {
        "title": campaign.title, "summary": campaign.summary, "source": campaign.source,
        "collection_id": campaign.collection_id, "search_query": campaign.search_query,
        "cover_photo_id": campaign.cover_photo_id, "starts_on": campaign.starts_on.isoformat(),
        "ends_on": campaign.ends_on.isoformat(), "is_published": campaign.is_published, "photos": photo_count,
    }


def _check_editor(editor: User, institution: Institution) -> None:
    if not editor.moderates(institution.id):
        raise CampaignError(f"Only the staff of {institution.name} can run its campaigns.")


# --- use cases -----------------------------------------------------------------------------------

@unit_of_work
def create_campaign(institution: Institution, data: CampaignInput, *, editor: User) -> Campaign:
    """Create a campaign of ``institution`` with its photos resolved now, and audit it (``create_campaign``).

    Raises CampaignError (nothing saved) for a missing title, over-long or marked-up text, missing or
    reversed dates, unknown photos, a collection or search finding none or too many, a cover that is
    not one of the photos, or an editor who does not look after the institution.
    """
    _check_editor(editor, institution)
    title = _text(data.title, label="a title", limit=MAX_TITLE, required=True)
    summary = _text(data.summary, label="the short text", limit=MAX_SUMMARY)
    starts_on, ends_on = check_dates(data.starts_on, data.ends_on)
    resolved = _resolve(data, institution)
    campaign = Campaign(
        institution_id=institution.id, title=title, summary=summary, source=resolved.source,
        collection_id=resolved.collection_id, search_query=resolved.search_query,
        cover_photo_id=_cover(data.cover_photo_id, resolved.photo_ids), starts_on=starts_on, ends_on=ends_on,
        is_published=bool(data.is_published), created_by_id=editor.id,
    )
    db.session.add(campaign)
    db.session.flush()
    _set_members(campaign, resolved.photo_ids)
    record_event(actor=editor, action="create_campaign", target=campaign, before=None,
                 after=_snapshot(campaign, len(resolved.photo_ids)), institution_id=institution.id)
    return campaign


@unit_of_work
def update_campaign(campaign: Campaign, data: CampaignInput, *, editor: User) -> bool:
    """Change a campaign's text, dates, cover, publication and photos; True if anything changed.

    The photos are resolved again from the numbers, collection or search given. Writes an
    ``edit_campaign`` event with before and after and sets ``updated_by``/``updated_at``. Raises
    CampaignError (nothing saved) as :func:`create_campaign` does.
    """
    institution = campaign.institution
    _check_editor(editor, institution)
    title = _text(data.title, label="a title", limit=MAX_TITLE, required=True)
    summary = _text(data.summary, label="the short text", limit=MAX_SUMMARY)
    starts_on, ends_on = check_dates(data.starts_on, data.ends_on)
    resolved = _resolve(data, institution)
    cover_photo_id = _cover(data.cover_photo_id, resolved.photo_ids)
    old_ids = member_ids(campaign)
    before = _snapshot(campaign, len(old_ids))
    campaign.title, campaign.summary, campaign.source = title, summary, resolved.source
    campaign.collection_id, campaign.search_query = resolved.collection_id, resolved.search_query
    campaign.cover_photo_id = cover_photo_id
    campaign.starts_on, campaign.ends_on, campaign.is_published = starts_on, ends_on, bool(data.is_published)
    after = _snapshot(campaign, len(resolved.photo_ids))
    if before == after and old_ids == resolved.photo_ids:  # nothing to save (the unit of work commits no change)
        return False
    if old_ids != resolved.photo_ids:
        _set_members(campaign, resolved.photo_ids)
    campaign.updated_by_id, campaign.updated_at = editor.id, utcnow()
    record_event(actor=editor, action="edit_campaign", target=campaign, before=before, after=after,
                 institution_id=institution.id)
    return True


@unit_of_work
def refresh_photos(campaign: Campaign, *, editor: User) -> tuple[int, int]:
    """Work out the photos of a collection or saved-search campaign again; returns (added, removed).

    Writes a ``refresh_campaign`` event when the photos changed. Raises CampaignError for a
    campaign of chosen photos (nothing to refresh) or when the search now finds none or too many.
    """
    institution = campaign.institution
    _check_editor(editor, institution)
    if campaign.source == "photos":
        raise CampaignError("This campaign's photos were chosen by number, so there is nothing to refresh. Edit the numbers instead.")
    data = CampaignInput(title=campaign.title, source=campaign.source, collection_id=campaign.collection_id,
                         search_query=campaign.search_query)
    resolved = _resolve(data, institution)
    old_ids = member_ids(campaign)
    added = len(set(resolved.photo_ids) - set(old_ids))
    removed = len(set(old_ids) - set(resolved.photo_ids))
    if old_ids == resolved.photo_ids:
        return 0, 0
    before = _snapshot(campaign, len(old_ids))
    _set_members(campaign, resolved.photo_ids)
    if campaign.cover_photo_id not in resolved.photo_ids:
        campaign.cover_photo_id = resolved.photo_ids[0]
    campaign.updated_by_id, campaign.updated_at = editor.id, utcnow()
    record_event(actor=editor, action="refresh_campaign", target=campaign, before=before,
                 after=_snapshot(campaign, len(resolved.photo_ids)), institution_id=institution.id)
    return added, removed
