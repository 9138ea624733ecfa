"""A small IIIF site on 127.0.0.1 for the import tests: Presentation 2.1 and 3 documents and image
services serving real JPEG bytes, in a thread (``http.server``).

The documents are a collection written for the tests, holding a 2.1 sub-collection with a
CONTENTdm-shaped manifest (tests/fixtures/iiif/contentdm_manifest.json), an Omeka S-shaped 3
manifest (omeka_s_manifest.json), a manifest whose image service refuses ``max`` (the importer
must ask for the largest size its info.json lists) and one whose image is missing (404).
"""
from __future__ import annotations

import json
import re
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.factories import jpeg_bytes

FIXTURES = Path(__file__).parent / "fixtures" / "iiif"
V3 = "http://iiif.io/api/presentation/3/context.json"


@dataclass
class Image:
    width: int
    height: int
    version: int = 3
    refuses_max: bool = False
    data: bytes = b""

    def __post_init__(self) -> None:
        self.data = self.data or jpeg_bytes(self.width, self.height, shade=self.width % 97)


@dataclass
class IiifSite:
    """What the server serves: ``documents`` by path (JSON, ``{{BASE}}`` replaced), ``images`` by name,
    ``redirects`` by path; and every request it answered, as (path, User-Agent)."""

    base: str = ""
    documents: dict[str, Any] = field(default_factory=dict)
    images: dict[str, Image] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)
    #: Paths answered only after this many seconds.
    slow: dict[str, float] = field(default_factory=dict)
    #: Bodies sent as they are (JSON that json.dumps could not write).
    raw: dict[str, bytes] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base + path

    def image_requests(self) -> list[str]:
        return [path for path, _ in self.requests if path.endswith(".jpg")]


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def harbour_manifest() -> dict[str, Any]:
    """A plain IIIF 3 manifest whose image service refuses ``full/max`` (some servers cap it)."""
    return {
        "@context": V3, "id": "{{BASE}}/m/harbour.json", "type": "Manifest",
        "label": {"en": ["The harbour at low tide"]},
        "navDate": "1931-05-17T00:00:00Z",
        "metadata": [{"label": {"en": ["Photographer"]}, "value": {"en": ["Unknown"]}}],
        "rights": "https://creativecommons.org/publicdomain/mark/1.0/",
        "homepage": [{"id": "{{BASE}}/catalog/harbour", "type": "Text", "format": "text/html"}],
        "items": [_canvas("harbour", 720, 540, service="{{BASE}}/img/harbour")],
    }


def missing_manifest() -> dict[str, Any]:
    """A manifest without an image service whose image is gone (404)."""
    return {
        "@context": V3, "id": "{{BASE}}/m/lost.json", "type": "Manifest", "label": {"en": ["The lost negative"]},
        "items": [_canvas("lost", 300, 200, body="{{BASE}}/files/lost.jpg")],
    }


def _canvas(name: str, width: int, height: int, *, service: str | None = None, body: str | None = None) -> dict[str, Any]:
    canvas_id = f"{{{{BASE}}}}/m/{name}/canvas/1"
    image: dict[str, Any] = {"id": body or f"{service}/full/max/0/default.jpg", "type": "Image", "format": "image/jpeg",
                             "width": width, "height": height}
    if service:
        image["service"] = [{"id": service, "type": "ImageService3", "profile": "level1"}]
    return {"id": canvas_id, "type": "Canvas", "width": width, "height": height, "items": [{
        "id": f"{canvas_id}/page", "type": "AnnotationPage", "items": [{
            "id": f"{canvas_id}/page/1", "type": "Annotation", "motivation": "painting", "body": image, "target": canvas_id,
        }],
    }]}


def sample_site() -> IiifSite:
    """The collection of the tests: four manifests, one of them in a 2.1 sub-collection."""
    site = IiifSite()
    site.documents = {
        "/collection.json": {
            "@context": V3, "id": "{{BASE}}/collection.json", "type": "Collection", "label": {"en": ["Millbrook photographs"]},
            "items": [
                {"id": "{{BASE}}/older.json", "type": "Collection", "label": {"en": ["From CONTENTdm"]}},
                {"id": "{{BASE}}/m/harbour.json", "type": "Manifest", "label": {"en": ["The harbour"]}},
                {"id": "{{BASE}}/iiif/3/items/42/manifest", "type": "Manifest", "label": {"en": ["Picnic"]}},
                {"id": "{{BASE}}/m/lost.json", "type": "Manifest", "label": {"en": ["Lost"]}},
            ],
        },
        "/older.json": {
            "@context": "http://iiif.io/api/presentation/2/context.json", "@id": "{{BASE}}/older.json",
            "@type": "sc:Collection", "label": "From CONTENTdm",
            "manifests": [{"@id": "{{BASE}}/iiif/2/p15999coll3:412/manifest.json", "@type": "sc:Manifest",
                           "label": "Main Street looking north"}],
        },
        "/iiif/2/p15999coll3:412/manifest.json": fixture("contentdm_manifest.json"),
        "/iiif/3/items/42/manifest": fixture("omeka_s_manifest.json"),
        "/m/harbour.json": harbour_manifest(),
        "/m/lost.json": missing_manifest(),
    }
    site.images = {
        "mainstreet": Image(640, 480, version=2),
        "picnic": Image(500, 700),
        "harbour": Image(720, 540, refuses_max=True),
    }
    return site


_SIZE = re.compile(r"^/img/(?P<name>[^/]+)/full/(?P<size>[^/]+)/0/default\.jpg$")


def _handler(site: IiifSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # quiet
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            site.requests.append((self.path, self.headers.get("User-Agent", "")))
            time.sleep(site.slow.get(self.path, 0))
            if self.path in site.redirects:
                self._send(302, b"", "text/plain", location=site.redirects[self.path])
            elif self.path in site.raw:
                self._send(200, site.raw[self.path], "application/json")
            elif self.path in site.documents:
                text = json.dumps(site.documents[self.path]).replace("{{BASE}}", site.base)
                self._send(200, text.encode(), "application/ld+json")
            elif self.path.startswith("/img/") and self.path.endswith("/info.json"):
                self._info(self.path.split("/")[2])
            elif match := _SIZE.match(self.path):
                self._image(match["name"], match["size"])
            else:
                self._send(404, b"Not Found", "text/plain")

        def _info(self, name: str) -> None:
            image = site.images.get(name)
            if image is None:
                self._send(404, b"Not Found", "text/plain")
                return
            sizes = [{"width": image.width // 2, "height": image.height // 2}, {"width": image.width, "height": image.height}]
            info = {"id": f"{site.base}/img/{name}", "type": "ImageService3", "profile": "level1",
                    "width": image.width, "height": image.height, "sizes": sizes}
            self._send(200, json.dumps(info).encode(), "application/json")

        def _image(self, name: str, size: str) -> None:
            image = site.images.get(name)
            full = {f"{image.width},{image.height}", f"{image.width},"} if image else set()
            allowed = {"full"} if image and image.version == 2 else {"max"}
            if image is None or (size == "max" and image.refuses_max) or (size not in allowed | full):
                self._send(400 if image else 404, b"Not available", "text/plain")
                return
            self._send(200, image.data, "image/jpeg")

        def _send(self, status: int, body: bytes, content_type: str, location: str | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            if location:
                self.send_header("Location", location)
            self.end_headers()
            self.wfile.write(body)

    return Handler


@contextmanager
def serving(site: IiifSite, host: str = "127.0.0.1", *, tls: tuple[Path, Path] | None = None) -> Iterator[IiifSite]:
    """Serve ``site`` on a free port of ``host`` for the duration of the block; over HTTPS as
    ``https://localhost:<port>`` with ``tls`` (a certificate for localhost and its key)."""
    server = ThreadingHTTPServer((host, 0), _handler(site))
    site.base = f"http://{host}:{server.server_address[1]}"
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        site.base = f"https://localhost:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
