"""IIIF Presentation 3 manifests: one per photo, and a collection of them per collection.

Pure functions from catalog records to JSON-ready dicts. Each approved identification with a
region on the photo becomes a W3C Web Annotation on the canvas (a ``FragmentSelector``
``xywh=`` in full-image pixels, which are canvas pixels), so IIIF viewers such as Mirador and
Universal Viewer show the community's identifications.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from photoid.catalog.records import CatalogRecord, Fact, distinct_text
from photoid.contributions.annotations import MEDIA_FRAGMENTS, fraction_to_pixels, iso_utc
from photoid.contributions.service import Region
from photoid.edtf import words as _date_words
from photoid.photos import pyramid
from photoid.templating import RIGHTS_LABELS

PRESENTATION_CONTEXT = "http://iiif.io/api/presentation/3/context.json"
MEDIA_TYPE = f'application/ld+json;profile="{PRESENTATION_CONTEXT}"'
_RIGHTS_PREFIXES = ("http://rightsstatements.org/vocab/", "http://creativecommons.org/licenses/",
                    "http://creativecommons.org/publicdomain/")
_KIND_LABELS = {"person": "Person", "place": "Place", "event": "Event", "date": "Date", "keyword": "Keyword"}


def _lang(*values: str) -> dict[str, list[str]]:
    return {"en": [v for v in values if v] or [""]}


def _pair(label: str, values: Iterable[str]) -> dict[str, Any] | None:
    values = distinct_text(values)  # a fact approved twice (two boxes, two patrons) is said once
    return {"label": _lang(label), "value": _lang(*values)} if values else None


def photo_urls(base_url: str, photo_id: int) -> dict[str, str]:
    """Every URL a photo's manifest uses, all under ``base_url`` (the site root)."""
    base = base_url.rstrip("/")
    return {
        "manifest": f"{base}/iiif/3/{photo_id}/manifest",
        "canvas": f"{base}/iiif/3/{photo_id}/canvas/1",
        "service": f"{base}/iiif/3/{photo_id}",
        "thumbnail": f"{base}/media/photos/{photo_id}/thumb.jpg",
    }


def metadata(record: CatalogRecord) -> list[dict[str, Any]]:
    """Label/value pairs a viewer shows beside the photo; empty fields are left out."""
    pairs = [
        _pair("Date", [_date_words(record.date_edtf)]),
        _pair("Creator", [record.creator]),
        _pair("People", [f.heading for f in record.people]),
        _pair("Places", [*record.places, *(f.heading for f in record.fact_places)]),
        _pair("Events", [f.heading for f in record.events]),
        _pair("Dates identified", [_date_words(f.heading) for f in record.dates]),
        _pair("Subjects", [*record.subjects, *(f.heading for f in record.keywords)]),
        _pair("Identifier", [record.identifier]),
        _pair("Collection", [record.collection_title]),
        _pair("Rights", [RIGHTS_LABELS.get(record.rights_uri, record.rights_uri)]),
    ]
    return [pair for pair in pairs if pair is not None]


def _annotation(fact: Fact, *, canvas_id: str, width: int, height: int) -> dict[str, Any]:
    assert fact.region is not None
    x, y, w, h = fraction_to_pixels(Region(*fact.region), width=width, height=height)
    text = _date_words(fact.heading) if fact.kind == "date" else fact.heading
    # As the IIIF cookbook tags a region (recipe 0021), so stock viewers show it: Mirador's default
    # filter hides the motivation "identifying" (the W3C annotation API keeps it), Clover crashes on
    # a bare-string source, and Mirador lists every body of a tag, so the only body is the name and
    # the authority record is a seeAlso.
    annotation: dict[str, Any] = {
        "id": f"{canvas_id}/annotations/{fact.identification_id}",
        "type": "Annotation",
        "motivation": "tagging",
        "body": {"type": "TextualBody", "value": text, "format": "text/plain", "language": "en"},
        "target": {
            "type": "SpecificResource",
            "source": {"id": canvas_id, "type": "Canvas"},
            "selector": {"type": "FragmentSelector", "conformsTo": MEDIA_FRAGMENTS, "value": f"xywh={x},{y},{w},{h}"},
        },
        "label": _lang(f"{_KIND_LABELS.get(fact.kind, 'Identification')}: {text}"),
    }
    if fact.authority_uri:
        annotation["seeAlso"] = [{"id": fact.authority_uri, "type": "Dataset", "label": _lang("Authority record")}]
    if fact.contributor:
        annotation["creator"] = {"type": "Person", "name": fact.contributor}
    if fact.created_at:
        annotation["created"] = iso_utc(fact.created_at)
    if fact.reviewed_at:
        annotation["modified"] = iso_utc(fact.reviewed_at)
    return annotation


def _painting_body(record: CatalogRecord, service_id: str) -> dict[str, Any]:
    """The largest whole-image size the level 0 service has as a file."""
    width, height = pyramid.max_size(record.width, record.height)
    path = pyramid.size_path(record.width, record.height, (width, height)).removeprefix("iiif/")
    return {
        "id": f"{service_id}/{path}", "type": "Image", "format": "image/jpeg", "width": width, "height": height,
        "service": [{"id": service_id, "type": "ImageService3", "profile": "level0"}],
    }


def photo_manifest(record: CatalogRecord, *, base_url: str) -> dict[str, Any]:
    """The IIIF Presentation 3 manifest of one photo. Changes nothing."""
    urls = photo_urls(base_url, record.photo_id)
    canvas_id = urls["canvas"]
    annotations = [
        _annotation(fact, canvas_id=canvas_id, width=record.width, height=record.height)
        for fact in record.facts if fact.region is not None
    ]
    canvas: dict[str, Any] = {
        "id": canvas_id, "type": "Canvas", "label": _lang(record.title),
        "width": record.width, "height": record.height,
        "items": [{
            "id": f"{canvas_id}/page", "type": "AnnotationPage",
            "items": [{
                "id": f"{canvas_id}/page/image", "type": "Annotation", "motivation": "painting",
                "body": _painting_body(record, urls["service"]), "target": canvas_id,
            }],
        }],
    }
    if annotations:
        canvas["annotations"] = [{"id": f"{canvas_id}/identifications", "type": "AnnotationPage", "items": annotations}]
    manifest: dict[str, Any] = {
        "@context": PRESENTATION_CONTEXT,
        "id": urls["manifest"],
        "type": "Manifest",
        "label": _lang(record.title),
        "metadata": metadata(record),
        "requiredStatement": {"label": _lang("Provided by"), "value": _lang(record.institution_name)},
        "thumbnail": [{"id": urls["thumbnail"], "type": "Image", "format": "image/jpeg"}],
        "homepage": [{"id": record.page_url, "type": "Text", "label": _lang(record.title), "format": "text/html"}],
        "items": [canvas],
    }
    if record.description:
        manifest["summary"] = _lang(record.description)
    if record.rights_uri.startswith(_RIGHTS_PREFIXES):
        manifest["rights"] = record.rights_uri
    return manifest


def collection_manifest(
    *, slug: str, title: str, description: str, institution_name: str, base_url: str,
    photos: Iterable[tuple[int, str]],
) -> dict[str, Any]:
    """A IIIF Collection listing the manifest of each ``(photo_id, title)``. Changes nothing."""
    base = base_url.rstrip("/")
    collection: dict[str, Any] = {
        "@context": PRESENTATION_CONTEXT,
        "id": f"{base}/iiif/3/collections/{slug}/manifest",
        "type": "Collection",
        "label": _lang(title),
        "requiredStatement": {"label": _lang("Provided by"), "value": _lang(institution_name)},
        "homepage": [{"id": f"{base}/collections/{slug}", "type": "Text", "label": _lang(title), "format": "text/html"}],
        "items": [
            {"id": photo_urls(base, photo_id)["manifest"], "type": "Manifest", "label": _lang(photo_title),
             "thumbnail": [{"id": photo_urls(base, photo_id)["thumbnail"], "type": "Image", "format": "image/jpeg"}]}
            for photo_id, photo_title in photos
        ],
    }
    if description:
        collection["summary"] = _lang(description)
    return collection
