"""Identifications as W3C Web Annotations (https://www.w3.org/TR/annotation-model/), both ways.

Pure functions: no database, no request. The routes in ``api.py`` pass in the URLs and counts.
Regions are stored as fractions of the full image; annotations carry them as a media-fragment
``xywh=pixel:x,y,w,h`` in full-image pixels, which is what Annotorious reads and writes.
Our own fields travel in a ``"photoid"`` object that JSON-LD processors ignore (docs/api.md).
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from photoid.contributions.models import IDENTIFICATION_KINDS, Identification
from photoid.contributions.service import ContributionError, Region
from photoid.contributions.workflow import VoteStance
from photoid.edtf import words

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
MEDIA_FRAGMENTS = "http://www.w3.org/TR/media-frags/"
MEDIA_TYPE = f'application/ld+json; profile="{ANNO_CONTEXT}"'
EXTENSION = "photoid"

_NUMBER = r"\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*"
_XYWH = re.compile(rf"^xywh=(?:(pixel|percent):)?{_NUMBER},{_NUMBER},{_NUMBER},{_NUMBER}$")
_BAD_BOX = "The box on the photo is not valid; please draw it again."


# --------------------------------------------------------------------------- identification -> JSON

def iso_utc(moment: datetime | None) -> str | None:
    """``2026-11-22T09:32:41Z``; a naive time is taken as UTC."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def fraction_to_pixels(region: Region, *, width: int, height: int) -> tuple[int, int, int, int]:
    """A stored region as whole full-image pixels (x, y, w, h), at least 1 px and inside the image."""
    x0 = min(max(round(region.x * width), 0), width - 1)
    y0 = min(max(round(region.y * height), 0), height - 1)
    x1 = min(max(round((region.x + region.w) * width), x0 + 1), width)
    y1 = min(max(round((region.y + region.h) * height), y0 + 1), height)
    return x0, y0, x1 - x0, y1 - y0


def pixel_selector(region: Region, *, width: int, height: int) -> dict[str, str]:
    x, y, w, h = fraction_to_pixels(region, width=width, height=height)
    return {"type": "FragmentSelector", "conformsTo": MEDIA_FRAGMENTS, "value": f"xywh=pixel:{x},{y},{w},{h}"}


def _bodies(identification: Identification) -> list[dict[str, Any]]:
    purpose = "tagging" if identification.kind == "keyword" else "identifying"
    bodies: list[dict[str, Any]] = []
    if identification.kind == "date" and identification.date_edtf:
        bodies.append(_text(words(identification.date_edtf), purpose))
        bodies.append(_text(identification.date_edtf, "describing"))
    else:
        bodies.append(_text(identification.label, purpose))
        uri = identification.authority.authority_uri if identification.authority is not None else None
        if uri:
            bodies.append({"type": "SpecificResource", "purpose": purpose, "source": uri})
    if identification.evidence:
        bodies.append(_text(identification.evidence, "commenting"))
    return bodies


def _text(value: str, purpose: str) -> dict[str, Any]:
    return {"type": "TextualBody", "purpose": purpose, "value": value, "format": "text/plain"}


def _creator(identification: Identification) -> dict[str, str]:
    """Who made the identification: the contributor by display name; face matching when it suggested
    the person and staff confirmed it (no contributor then)."""
    contributor = identification.contributor
    if contributor is None and identification.is_face_matching_suggestion:
        return {"type": "Software", "name": "face matching"}
    return {"type": "Person", "name": contributor.public_name if contributor else "a former contributor"}


def to_annotation(
    identification: Identification, *, annotation_id: str, image_id: str, votes: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """The identification as a W3C Web Annotation. The contributor appears by display name only."""
    photo = identification.photo
    target: dict[str, Any] = {"type": "SpecificResource", "source": image_id}
    if identification.has_region:
        region = Region(identification.region_x, identification.region_y, identification.region_w, identification.region_h)  # type: ignore[arg-type]
        target["selector"] = pixel_selector(region, width=photo.width, height=photo.height)
    votes = votes or {}
    return {
        "@context": ANNO_CONTEXT,
        "id": annotation_id,
        "type": "Annotation",
        "motivation": "tagging" if identification.kind == "keyword" else "identifying",
        "created": iso_utc(identification.created_at),
        "modified": iso_utc(identification.modified_at),
        "creator": _creator(identification),
        "body": _bodies(identification),
        "target": target,
        EXTENSION: {
            "kind": identification.kind,
            "state": identification.state,
            "photo_id": identification.photo_id,
            "authority_id": identification.authority_id,
            "edtf": identification.date_edtf,
            "votes": {stance: int(votes.get(stance, 0)) for stance in VoteStance},
        },
    }


# --------------------------------------------------------------------------- JSON -> what identify() takes

@dataclass(frozen=True)
class ParsedAnnotation:
    """What a posted annotation asks for, in the words of ``service.identify``."""

    kind: str
    name: str | None = None
    authority_id: int | None = None
    date_text: str | None = None
    region: Region | None = None
    evidence: str | None = None

    def identify_arguments(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "authority_id": self.authority_id,
                "date_text": self.date_text, "region": self.region, "evidence": self.evidence}


def parse_selector(value: object, *, width: int, height: int) -> Region:
    """``xywh=pixel:x,y,w,h`` (full-image pixels; plain ``xywh=`` means pixels) or ``xywh=percent:``
    as fractions. A box sticking out of the photo is cut to its edges.

    Raises ContributionError for anything else, a box with no size, or one with nothing left inside the photo.
    """
    match = _XYWH.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ContributionError(_BAD_BOX)
    unit = match.group(1) or "pixel"
    x, y, w, h = (float(match.group(i)) for i in range(2, 6))
    if not all(math.isfinite(v) for v in (x, y, w, h)):
        raise ContributionError(_BAD_BOX)
    if w <= 0 or h <= 0:
        raise ContributionError("The box on the photo has no size; please draw it again.")
    full_w, full_h = (100.0, 100.0) if unit == "percent" else (float(width), float(height))
    x0, y0 = max(x, 0.0), max(y, 0.0)
    x1, y1 = min(x + w, full_w), min(y + h, full_h)
    if x1 <= x0 or y1 <= y0:
        raise ContributionError("The box is outside the photo; please draw it again.")
    return Region(x0 / full_w, y0 / full_h, (x1 - x0) / full_w, (y1 - y0) / full_h)


def _as_list(value: object, what: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, (dict, str)):
        return [value]
    raise ContributionError(f"The annotation's {what} is not in a form we understand.")


def _region(annotation: Mapping[str, Any], *, width: int, height: int) -> Region | None:
    targets = _as_list(annotation.get("target"), "target")
    if len(targets) > 1:
        raise ContributionError("Please send one box per identification.")
    if not targets or isinstance(targets[0], str):
        return None  # the whole photo
    if not isinstance(targets[0], dict):
        raise ContributionError("The annotation's target is not in a form we understand.")
    selectors = _as_list(targets[0].get("selector"), "selector")
    if not selectors:
        return None
    if not all(isinstance(s, dict) for s in selectors):
        raise ContributionError(_BAD_BOX)
    fragments = [s for s in selectors if s.get("type") == "FragmentSelector"]
    if not fragments:
        raise ContributionError("Only rectangular boxes can be saved; please draw a rectangle.")
    return parse_selector(fragments[0].get("value"), width=width, height=height)


def _string(body: Mapping[str, Any]) -> str:
    value = body.get("value")
    if not isinstance(value, str):
        raise ContributionError("Each text in the annotation must be written as plain text.")
    return value


def parse_annotation(annotation: object, *, width: int, height: int) -> ParsedAnnotation:
    """Read kind, value, authority, evidence and box from a posted annotation.

    The kind comes from ``photoid.kind``, else from the body: ``tagging`` means a keyword and
    ``identifying`` a person. Raises ContributionError with a message for the patron when the
    annotation is malformed; the values themselves are checked later by ``service.identify``.
    """
    if not isinstance(annotation, dict):
        raise ContributionError("Please send the identification as a W3C Web Annotation in JSON.")
    extension = annotation.get(EXTENSION) or {}
    if not isinstance(extension, dict):
        raise ContributionError("The annotation's photoid part is not in a form we understand.")
    bodies = [b for b in _as_list(annotation.get("body"), "body") if isinstance(b, dict) and "value" in b]
    texts = {purpose: [b for b in bodies if b.get("purpose") == purpose]
             for purpose in ("identifying", "tagging", "commenting", None)}

    kind = extension.get("kind")
    if kind is None:
        if not (texts["identifying"] or texts["tagging"] or texts[None]):
            raise ContributionError("Please say who or what you recognise.")
        kind = "keyword" if texts["tagging"] and not texts["identifying"] else "person"
    if kind not in IDENTIFICATION_KINDS:
        raise ContributionError("Please choose what you are identifying: a person, place, event, date or keyword.")

    main = texts["tagging" if kind == "keyword" else "identifying"] or texts["identifying"] + texts["tagging"] + texts[None]
    value = _string(main[0]) if main else None
    authority_id = extension.get("authority_id")
    if authority_id is not None and (isinstance(authority_id, bool) or not isinstance(authority_id, int)):
        raise ContributionError("That name is not in our records; type the name instead.")
    edtf = extension.get("edtf")
    if edtf is not None and not isinstance(edtf, str):
        raise ContributionError("Please write the date in words, for example: about 1945.")
    evidence = "\n\n".join(_string(b) for b in texts["commenting"]) or None
    return ParsedAnnotation(
        kind=kind,
        name=value if kind != "date" else None,
        authority_id=authority_id if kind in ("person", "place", "event") else None,
        date_text=(edtf or value) if kind == "date" else None,
        region=_region(annotation, width=width, height=height),
        evidence=evidence,
    )
