"""Cross-origin reads of the public, read-only resources, and of nothing else.

IIIF viewers on other sites (Mirador, Universal Viewer), feed readers and harvesters running in a
browser fetch manifests, image services, annotations, feeds and OAI-PMH from their own origin, so
these answer with ``Access-Control-Allow-Origin: *``, and a preflight (a viewer asking for JSON-LD
with ``Accept: application/ld+json;profile="..."`` sends one) is answered too. The wildcard never
carries cookies: a browser sends none with it, so a cross-origin reader sees what any visitor
sees. Nothing that needs a session (a form, a POST to the API, an account page) is listed.
"""
from __future__ import annotations

from flask import Flask, Response, request

#: Endpoints that answer the same to anyone, whose GET, HEAD and OPTIONS are readable from any site.
PUBLIC_READS = frozenset({
    "iiif.base", "iiif.info", "iiif.image",
    "catalog.photo_manifest", "catalog.collection_manifest",
    "annotations_api.photo_annotations", "annotations_api.annotation",
    "feeds.photos", "feeds.collection_photos", "feeds.identified", "feeds.collection_identified",
    "oai.endpoint", "photos.media", "authorities.region_crop", "sharing.oembed_endpoint",
})
READ_METHODS = ("GET", "HEAD", "OPTIONS")
#: OAI-PMH takes the same requests by POST (a harvester's choice); they read and change nothing.
POST_READS = frozenset({"oai.endpoint"})
#: A day: how long a browser may keep a preflight's answer.
PREFLIGHT_SECONDS = 86400


def register_cors(app: Flask) -> None:
    @app.after_request
    def _allow_public_reads(response: Response) -> Response:
        endpoint = request.endpoint
        if endpoint not in PUBLIC_READS:
            return response
        methods = READ_METHODS + (("POST",) if endpoint in POST_READS else ())
        # A preflight asks for the method to come: a read may share its address with a write.
        wanted = request.headers.get("Access-Control-Request-Method", "GET") if request.method == "OPTIONS" else request.method
        if wanted not in methods:
            return response
        response.headers["Access-Control-Allow-Origin"] = "*"
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = ", ".join(methods)
            response.headers["Access-Control-Allow-Headers"] = "Accept"
            response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_SECONDS)
        return response
