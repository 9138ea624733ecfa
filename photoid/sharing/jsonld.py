"""schema.org ``Photograph`` JSON-LD for a photo page, and a JSON dump safe inside ``<script>``."""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from markupsafe import Markup

from photoid.authorities.queries import has_public_page
from photoid.catalog.records import distinct_text
from photoid.edtf import iso8601
from photoid.photos.dating import shown_date
from photoid.sharing.meta import absolute, display_size
from photoid.templating import rights_label
from photoid.text import one_line

#: A creator whose name says it is a business, not a person: "Lindqvist Studio", "Valley Camera Shop".
ORGANIZATION_WORDS = re.compile(
    r"\b(?:studios?|shop|service|company|co|inc|ltd|llc|corp(?:oration)?|photographers|bros|brothers|sons|"
    r"agency|press|news|society|library|museum|archives?|association|club)\b|&", re.IGNORECASE)
#: Catalog creators that name nobody.
UNKNOWN_CREATOR = re.compile(r"^(?:unknown|anonymous|unidentified)\b", re.IGNORECASE)
_UNSAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def safe_json(data: Any) -> Markup:
    """JSON for a ``<script type="application/ld+json">`` block: ``<``, ``>`` and ``&`` are escaped,
    so a title holding ``</script>`` cannot end the block."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=False)
    return Markup(text.translate(_UNSAFE))


def creator(name: str) -> dict[str, Any] | None:
    """The catalog's creator as a schema.org Person or, for a studio or firm, an Organization; None
    when the catalog says it is unknown."""
    name = " ".join(name.split())
    if not name or UNKNOWN_CREATOR.match(name):
        return None
    return {"@type": "Organization" if ORGANIZATION_WORDS.search(name) else "Person", "name": name}


def _person(fact: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"@type": "Person", "name": fact.label}
    record = fact.authority
    if record is not None:
        if has_public_page(record):
            entry["url"] = absolute(f"authorities.{record.kind}", record_id=record.id)
        if record.authority_uri:
            entry["sameAs"] = record.authority_uri
    return entry


def _once(entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each person or place once: the same name (case and spacing aside) with the same link, approved
    twice (on two boxes, or by two patrons), is one thing the photo is about."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for entry in entries:
        key = (one_line(entry["name"]).casefold(), entry.get("sameAs", ""))
        if key not in seen:
            seen.add(key)
            kept.append(entry)
    return kept


def _place(fact: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"@type": "Place", "name": fact.label}
    record = fact.authority
    if record is not None:
        if record.latitude is not None and record.longitude is not None:
            entry["geo"] = {"@type": "GeoCoordinates", "latitude": record.latitude, "longitude": record.longitude}
        if record.authority_uri:
            entry["sameAs"] = record.authority_uri
    return entry


def photograph(photo: Any, approved: list[Any], *, description: str) -> dict[str, Any]:
    """The photo as a schema.org ``Photograph``: approved facts only, never a contributor's email or IP."""
    width, height = display_size(photo.width, photo.height)
    url = absolute("photos.photo", photo_id=photo.id)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Photograph",
        "@id": url,
        "url": url,
        "name": photo.title,
        "description": photo.description or description,
        "identifier": photo.identifier,
        "image": {
            "@type": "ImageObject",
            "contentUrl": absolute("photos.media", photo_id=photo.id, variant="display"),
            "thumbnailUrl": absolute("photos.media", photo_id=photo.id, variant="thumb"),
            "width": width,
            "height": height,
            "encodingFormat": "image/jpeg",
        },
        "isPartOf": {
            "@type": ["CreativeWork", "Collection"],
            "name": photo.collection.title,
            "url": absolute("photos.collection", slug=photo.collection.slug),
        },
        "provider": {"@type": "Organization", "name": photo.institution.name},
    }
    # ISO 8601 only (an interval for a range, nothing for a season): the shown date, catalog first.
    shown = shown_date(photo, approved)
    created = iso8601(shown.edtf) if shown else None
    if created:
        data["dateCreated"] = created
    made_by = creator(photo.creator or "")
    if made_by:
        data["creator"] = made_by
        data["creditText"] = f"{made_by['name']} / {photo.institution.name}"
    else:
        data["creditText"] = photo.institution.name
    if photo.rights_uri:
        data["license"] = photo.rights_uri
        data["copyrightNotice"] = rights_label(photo.rights_uri)
    people = _once(_person(f) for f in approved if f.kind == "person")
    if people:
        data["about"] = people
    places = _once(_place(f) for f in approved if f.kind == "place")
    if places:
        data["contentLocation"] = places[0] if len(places) == 1 else places
    events = [f.label for f in approved if f.kind == "event"]
    keywords = distinct_text([*photo.subjects, *events, *(f.label for f in approved if f.kind == "keyword")])
    if keywords:
        data["keywords"] = ", ".join(keywords)
    return data
