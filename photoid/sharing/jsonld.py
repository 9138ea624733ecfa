"""schema.org ``Photograph`` JSON-LD for a photo page, and a JSON dump safe inside ``<script>``."""
from __future__ import annotations

import json
import re
from typing import Any

from markupsafe import Markup

from photoid.authorities.queries import has_public_page
from photoid.sharing.meta import absolute, display_size
from photoid.templating import rights_label

#: EDTF that is a plain calendar date or year (no ``~``, ``?``, ``X`` or interval): schema.org can say it.
PLAIN_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_UNSAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def safe_json(data: Any) -> Markup:
    """JSON for a ``<script type="application/ld+json">`` block: ``<``, ``>`` and ``&`` are escaped,
    so a title holding ``</script>`` cannot end the block."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=False)
    return Markup(text.translate(_UNSAFE))


def plain_date(edtf: str | None) -> str | None:
    """The EDTF date as an ISO date when it is exact (``1923``, ``1923-05``, ``1923-05-04``), else None."""
    return edtf if edtf and PLAIN_DATE.match(edtf) else None


def _person(fact: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"@type": "Person", "name": fact.label}
    record = fact.authority
    if record is not None:
        if has_public_page(record):
            entry["url"] = absolute(f"authorities.{record.kind}", record_id=record.id)
        if record.authority_uri:
            entry["sameAs"] = record.authority_uri
    return entry


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
    dates = [plain_date(f.date_edtf) for f in approved if f.kind == "date"]
    created = plain_date(photo.date_edtf) or next((d for d in dates if d), None)
    if created:
        data["dateCreated"] = created
    if photo.creator:
        data["creator"] = {"@type": "Person", "name": photo.creator}
        data["creditText"] = f"{photo.creator} / {photo.institution.name}"
    else:
        data["creditText"] = photo.institution.name
    if photo.rights_uri:
        data["license"] = photo.rights_uri
        data["copyrightNotice"] = rights_label(photo.rights_uri)
    people = [_person(f) for f in approved if f.kind == "person"]
    if people:
        data["about"] = people
    places = [_place(f) for f in approved if f.kind == "place"]
    if places:
        data["contentLocation"] = places[0] if len(places) == 1 else places
    events = [f.label for f in approved if f.kind == "event"]
    keywords = [*photo.subjects, *events, *(f.label for f in approved if f.kind == "keyword")]
    if keywords:
        data["keywords"] = ", ".join(keywords)
    return data
