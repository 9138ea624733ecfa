"""IIIF Image API 3.0 at level 0: ``info.json`` and the static tiles and sizes it advertises.

Every advertised URL is a file written at ingest, so a request never decodes an image.
"""
from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, abort, jsonify, redirect, request, url_for

from photoid.extensions import limiter
from photoid.photos import pyramid
from photoid.photos.public import image_service_id, is_public, visible_photo
from photoid.photos.routes import send_immutable
from photoid.photos.service import storage
from photoid.photos.storage import photo_prefix

bp = Blueprint("iiif", __name__, url_prefix="/iiif/3")

IMAGE_CONTEXT = "http://iiif.io/api/image/3/context.json"
# The grammar of the Image API: a request outside it is a 400; inside it but not advertised, a 404.
REGION = re.compile(r"^(full|square|\d+,\d+,\d+,\d+|pct:[\d.]+,[\d.]+,[\d.]+,[\d.]+)$")
SIZE = re.compile(r"^\^?(max|\d+,|,\d+|\d+,\d+|!\d+,\d+|pct:[\d.]+)$")
ROTATION = re.compile(r"^!?\d+(\.\d+)?$")


def info_document(photo: Any) -> dict[str, Any]:
    """The photo's info.json. A public photo's tiles are fetched straight from PHOTOID_MEDIA_URL when
    it is set (the files' layout there is the IIIF request path: pyramid.relative_path); any other
    photo's go through photoid, which checks who asks."""
    direct = storage().public_url(f"{photo_prefix(photo.source_checksum)}/iiif") if is_public(photo) else None
    return {
        "@context": IMAGE_CONTEXT,
        "id": direct or image_service_id(photo.id),
        "type": "ImageService3",
        "protocol": "http://iiif.io/api/image",
        "profile": "level0",
        "width": photo.width,
        "height": photo.height,
        **pyramid.info_fragment(photo.width, photo.height),
    }


@bp.route("/<int:photo_id>")
def base(photo_id: int) -> Response:
    visible_photo(photo_id)
    return redirect(url_for("iiif.info", photo_id=photo_id), code=303)


@bp.route("/<int:photo_id>/info.json")
def info(photo_id: int) -> Response:
    photo = visible_photo(photo_id)
    response = jsonify(info_document(photo))
    if "application/ld+json" in request.headers.get("Accept", ""):
        response.mimetype = "application/ld+json"
        response.headers["Content-Type"] = f'application/ld+json;profile="{IMAGE_CONTEXT}"'
    response.headers["Cache-Control"] = "public, max-age=86400"
    response.add_etag()
    return response.make_conditional(request)


@bp.route("/<int:photo_id>/<region>/<size>/<rotation>/<quality>.<fmt>")
@limiter.exempt  # a viewer fetches dozens of tiles per photo; they are static files
def image(photo_id: int, region: str, size: str, rotation: str, quality: str, fmt: str) -> Response:
    if not (REGION.match(region) and SIZE.match(size) and ROTATION.match(rotation)):
        abort(400, "That is not a valid IIIF image request.")
    if quality not in ("default", "color", "gray", "bitonal") or fmt not in ("jpg", "png", "gif", "webp", "tif", "jp2", "pdf"):
        abort(400, "That is not a valid IIIF image request.")
    photo = visible_photo(photo_id)
    if rotation != "0" or quality != "default" or fmt != "jpg":
        abort(404, "Only the tiles and sizes listed in info.json are available (level 0).")
    key = f"{photo_prefix(photo.source_checksum)}/{pyramid.request_path(photo.width, photo.height, region, size)}"
    return send_immutable(key, missing="Only the tiles and sizes listed in info.json are available (level 0).",
                          public=is_public(photo))
