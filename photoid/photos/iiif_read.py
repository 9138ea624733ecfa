"""Reading IIIF Presentation manifests and collections, versions 2.1 and 3, into catalog data.

Pure functions from parsed JSON to :class:`Canvas` records: no requests, no database. Which
metadata label feeds which field is the ``IMPORT_LABELS`` setting (config.py, shown in
docs/ingest.md); labels are compared without case or a closing colon.
"""
from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from photoid.templating import RIGHTS_LABELS
from photoid.text import one_line, tidy_lines

IDENTIFIER_LIMIT, TITLE_LIMIT, DESCRIPTION_LIMIT, CREATOR_LIMIT, URL_LIMIT = 100, 500, 10_000, 300, 2000
_BREAK = re.compile(r"<(?:br|/?p|/?div|/?li|/?ul|/?ol)\b[^>]*>", re.I)  # IIIF allows a little HTML in values
_TAG = re.compile(r"<[^>]*>")
_RIGHTS_URL = re.compile(r"https?://(?:www\.)?(?:rightsstatements\.org|creativecommons\.org)/[^\s\"'<>]+", re.I)
_RS_PAGE = re.compile(r"^https?://(?:www\.)?rightsstatements\.org/(?:page|vocab)/([A-Za-z-]+)/([\d.]+)/?", re.I)
_CC = re.compile(r"^https?://(?:www\.)?creativecommons\.org/(licenses|publicdomain)/([^?#]*?)/?(?:[?#].*)?$", re.I)
_RIGHTS_BY_LABEL = {label.casefold(): uri for uri, label in RIGHTS_LABELS.items()}


@dataclass(frozen=True)
class ImageService:
    id: str
    version: int  #: 2 or 3, the Image API version the service speaks


@dataclass(frozen=True)
class Canvas:
    """One canvas with an image: what a photo is made from, and where it came from."""

    manifest_url: str
    canvas_id: str
    identifier: str
    title: str
    description: str = ""
    #: The date as the manifest gives it (a metadata value), and its ``navDate`` (EDTF-ready, or "").
    date_text: str = ""
    nav_date: str = ""
    creator: str = ""
    rights_uri: str = ""
    subjects: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    #: The library's own page for the item (``homepage`` in 3, ``related`` in 2.1).
    catalog_url: str = ""
    service: ImageService | None = None
    #: The painting annotation's body (the image itself), used without a service or when it fails.
    image_url: str = ""

    @property
    def source_key(self) -> str:
        """What makes a canvas the same on the next run: its manifest and its own id."""
        return hashlib.sha256(f"{self.manifest_url}\n{self.canvas_id}".encode()).hexdigest()


class ManifestUnreadable(ValueError):
    """The document is not a IIIF manifest or collection we can read; the message says why."""


# --- values -----------------------------------------------------------------------------------------

def texts(value: Any) -> list[str]:
    """Every string in a IIIF value: a string, a list, a 2.1 ``{"@value": …}`` or a 3 language map
    (English, then none, then the rest). HTML is reduced to its text."""
    found: list[str] = []
    if value is None:
        return found
    if isinstance(value, str):
        found.append(value)
    elif isinstance(value, list):
        for item in value:
            found += texts(item)
    elif isinstance(value, Mapping):
        if "@value" in value:
            found += texts(value["@value"])
        else:
            keys = sorted(value, key=lambda k: (k not in ("en", "none"), k != "en"))
            for key in keys:
                found += texts(value[key])
    plain = (one_line(html.unescape(_TAG.sub("", _BREAK.sub(" ", text)))) for text in found)
    return [text for text in plain if text]


def _first(value: Any) -> str:
    values = texts(value)
    return values[0] if values else ""


def _id(node: Any) -> str:
    if isinstance(node, str):
        return node
    if isinstance(node, Mapping):
        return str(node.get("id") or node.get("@id") or "")
    return ""


def _type(node: Mapping[str, Any]) -> str:
    kind = node.get("type") or node.get("@type") or ""
    kind = kind[0] if isinstance(kind, list) and kind else kind
    return str(kind).rsplit(":", 1)[-1]  # "sc:Manifest" -> "Manifest"


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _web_url(value: str) -> str:
    value = value.strip()
    return value if value.lower().startswith(("http://", "https://")) and len(value) <= URL_LIMIT else ""


def normal_rights(value: str) -> str:
    """A rights statement or Creative Commons URI as catalogs write it (``http://…/vocab/InC/1.0/``),
    from the forms sites publish (the ``https``, ``/page/`` address); "" for anything else."""
    value = value.strip()
    if match := _RS_PAGE.match(value):
        return f"http://rightsstatements.org/vocab/{match[1]}/{match[2]}/"
    if match := _CC.match(value):
        return f"http://creativecommons.org/{match[1].lower()}/{match[2]}/"
    return ""


# --- documents ----------------------------------------------------------------------------------------

def kind(document: Any) -> str:
    """``Manifest`` or ``Collection``; ManifestUnreadable for anything else."""
    if not isinstance(document, Mapping):
        raise ManifestUnreadable("This is not a IIIF manifest or collection.")
    found = _type(document)
    if found not in ("Manifest", "Collection"):
        raise ManifestUnreadable(f"This is a IIIF {found or 'document of no type'}, not a manifest or collection.")
    return found


def members(collection: Mapping[str, Any]) -> list[str]:
    """The ids of a collection's manifests and sub-collections, in order (3 ``items``; 2.1 ``members``,
    ``collections`` and ``manifests``)."""
    nodes = [*_listed(collection.get("items")), *_listed(collection.get("members")),
             *_listed(collection.get("collections")), *_listed(collection.get("manifests"))]
    return list(dict.fromkeys(i for i in (_id(node) for node in nodes) if i))


def _metadata(manifest: Mapping[str, Any], labels: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """The manifest's metadata values by field, for labels the mapping names (the first label that
    is present wins for one-valued fields; every matching pair adds to subjects and places)."""
    wanted = {one_line(label).rstrip(":").casefold(): name for name, names in labels.items() for label in names}
    found: dict[str, list[str]] = {}
    for pair in _listed(manifest.get("metadata")):
        if not isinstance(pair, Mapping):
            continue
        label = _first(pair.get("label")).rstrip(":").strip().casefold()
        if label in wanted:
            found.setdefault(wanted[label], []).extend(texts(pair.get("value")))
    return found


def _split(values: Iterable[str]) -> list[str]:
    """Subjects or places: a value per list item, and CONTENTdm's ``a; b`` split too."""
    parts = (part.strip() for value in values for part in value.split(";"))
    return list(dict.fromkeys(part for part in parts if part))


def _nav_date(value: Any) -> str:
    """``navDate`` as an EDTF day; 1 January at midnight, which viewers write for a year alone, as the year."""
    match = re.match(r"^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?", _first(value))
    if not match:
        return ""
    year, month, day, hour, minute = match.groups()
    if (month, day) == ("01", "01") and hour in (None, "00") and minute in (None, "00"):
        return year
    return f"{year}-{month}-{day}"


def _rights(manifest: Mapping[str, Any], found: Mapping[str, list[str]]) -> str:
    candidates = [*texts(manifest.get("rights")), *texts(manifest.get("license")), *found.get("rights", [])]
    for value in candidates:
        if uri := normal_rights(value):
            return uri
        if value.casefold() in _RIGHTS_BY_LABEL:
            return _RIGHTS_BY_LABEL[value.casefold()]
    attribution = " ".join(texts(manifest.get("attribution")) + texts((manifest.get("requiredStatement") or {}).get("value")))
    for value in [*candidates, attribution]:
        if match := _RIGHTS_URL.search(value):
            return normal_rights(match[0]) or ""
    return next((v for v in candidates if _web_url(v)), "")[:300]


def _catalog_url(manifest: Mapping[str, Any]) -> str:
    links = _listed(manifest.get("homepage")) or _listed(manifest.get("related"))
    pages = [link for link in links if not isinstance(link, Mapping) or "html" in str(link.get("format", "text/html"))]
    return next((url for url in (_web_url(_id(link)) for link in pages or links) if url), "")


def _service(node: Any) -> ImageService | None:
    for service in _listed(node):
        if not isinstance(service, Mapping):
            continue
        sid = _id(service).rstrip("/")
        if sid.endswith("/info.json"):
            sid = sid[: -len("/info.json")]
        marks = f"{_type(service)} {service.get('@context', '')} {service.get('profile', '')}"
        if not sid or "Image" not in marks and "image" not in marks:
            continue
        return ImageService(sid, 3 if ("ImageService3" in marks or "/image/3" in marks) else 2)
    return None


def _painted(canvas: Mapping[str, Any]) -> tuple[str, ImageService | None]:
    """The image painted on a canvas: its URL and image service (3 ``items``, 2.1 ``images``)."""
    bodies = []
    for page in _listed(canvas.get("items")):
        for annotation in _listed(page.get("items") if isinstance(page, Mapping) else None):
            if isinstance(annotation, Mapping) and annotation.get("motivation") in ("painting", "sc:painting", None):
                bodies += _listed(annotation.get("body"))
    for annotation in _listed(canvas.get("images")):
        if isinstance(annotation, Mapping):
            bodies += _listed(annotation.get("resource"))
    for body in bodies:
        if not isinstance(body, Mapping):
            continue
        if _type(body) == "Choice":  # the first (or default) of several versions
            body = (_listed(body.get("items")) or _listed(body.get("default")) or [{}])[0]
            if not isinstance(body, Mapping):
                continue
        if _type(body) in ("Image", "dctypes:Image", "") or "service" in body:
            return _web_url(_id(body)), _service(body.get("service"))
    return "", None


def canvases(manifest: Mapping[str, Any], *, url: str, labels: Mapping[str, list[str]]) -> Iterator[Canvas]:
    """Each canvas of ``manifest`` (fetched from ``url``) that paints an image, with the manifest's catalog data."""
    manifest_id = _id(manifest) or url
    found = _metadata(manifest, labels)
    nodes = _listed(manifest.get("items")) or [
        canvas for sequence in _listed(manifest.get("sequences")) if isinstance(sequence, Mapping)
        for canvas in _listed(sequence.get("canvases"))
    ]
    nodes = [node for node in nodes if isinstance(node, Mapping)]
    title = _first(manifest.get("label")) or _first(found.get("title"))
    identifier = _first(found.get("identifier")) or re.sub(r"^https?://", "", manifest_id)
    date_text = _first(found.get("date"))
    nav_date = _nav_date(manifest.get("navDate"))
    common = dict(
        manifest_url=manifest_id,
        description=tidy_lines("\n\n".join(texts(manifest.get("summary")) or texts(manifest.get("description"))
                                           or found.get("description", [])))[:DESCRIPTION_LIMIT],
        creator="; ".join(dict.fromkeys(found.get("creator", [])))[:CREATOR_LIMIT],
        rights_uri=_rights(manifest, found), subjects=_split(found.get("subjects", [])),
        places=_split(found.get("places", [])), catalog_url=_catalog_url(manifest),
    )
    several = len(nodes) > 1
    for number, node in enumerate(nodes, start=1):
        image_url, service = _painted(node)
        canvas_title = _first(node.get("label"))
        name = title or canvas_title or identifier
        if several:
            part = canvas_title if canvas_title and canvas_title != name else str(number)
            name = f"{name} ({part})"
        yield Canvas(
            canvas_id=_id(node) or f"{manifest_id}#canvas-{number}",
            identifier=short_identifier(f"{identifier}-{number}" if several else identifier),
            title=name[:TITLE_LIMIT],
            date_text=date_text,
            nav_date=_nav_date(node.get("navDate")) or nav_date,
            service=service, image_url=image_url, **common,  # type: ignore[arg-type]
        )


def short_identifier(identifier: str) -> str:
    """An identifier that fits (100 characters): a longer one keeps its end and gains a short hash,
    so two long addresses that share a beginning stay apart."""
    identifier = one_line(identifier)
    if len(identifier) <= IDENTIFIER_LIMIT:
        return identifier
    digest = hashlib.sha256(identifier.encode()).hexdigest()[:10]
    return f"{digest}~{identifier[-(IDENTIFIER_LIMIT - len(digest) - 1):]}"
