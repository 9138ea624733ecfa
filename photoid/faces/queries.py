"""Reading faces: a photo's faces, which of them an identification names, and which nobody has marked."""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select

from photoid.contributions.models import Identification
from photoid.contributions.workflow import OPEN
from photoid.extensions import db
from photoid.faces.models import Face
from photoid.photos.models import Photo

#: A region names a face when the two share at least this much of the smaller box.
SAME_FACE_OVERLAP = 0.5
Box = Sequence[float]


def overlap(a: Box, b: Box) -> float:
    """The share of the smaller of two boxes (x, y, w, h) that the other covers, 0..1."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    width = min(ax + aw, bx + bw) - max(ax, bx)
    height = min(ay + ah, by + bh) - max(ay, by)
    if width <= 0 or height <= 0:
        return 0.0
    return (width * height) / min(aw * ah, bw * bh)


def faces_of(photo: Photo) -> list[Face]:
    """The faces found on ``photo``, left to right (encodings are not loaded)."""
    return list(db.session.scalars(select(Face).where(Face.photo_id == photo.id).order_by(Face.x, Face.y, Face.id)))


def person_regions(photo_id: int, states: Iterable[str] = OPEN) -> list[Identification]:
    """The person identifications of a photo in ``states`` (pending or approved by default)."""
    return list(db.session.scalars(select(Identification).where(
        Identification.photo_id == photo_id, Identification.kind == "person", Identification.state.in_(tuple(states)),
    ).order_by(Identification.id)))


def naming(faces: Sequence[Face], identifications: Sequence[Identification]) -> dict[int, Identification]:
    """Which identification names each face (by face id): the region covering most of it (at least
    SAME_FACE_OVERLAP); and a portrait, one face with one person named without a box, is that person."""
    named: dict[int, Identification] = {}
    boxed = [i for i in identifications if i.has_region]
    for face in faces:
        best = max(boxed, key=lambda i: overlap(face.box, _region(i)), default=None)
        if best is not None and overlap(face.box, _region(best)) >= SAME_FACE_OVERLAP:
            named[face.id] = best
    unboxed = [i for i in identifications if not i.has_region]
    if len(faces) == 1 and not named and len({i.authority_id or i.text_value for i in unboxed}) == 1:
        named[faces[0].id] = unboxed[0]
    return named


def _region(identification: Identification) -> tuple[float, float, float, float]:
    return (identification.region_x or 0.0, identification.region_y or 0.0,
            identification.region_w or 0.0, identification.region_h or 0.0)


def unnamed_faces(photo: Photo) -> list[Face]:
    """The faces of ``photo`` that no pending or approved person identification names, left to right."""
    faces = faces_of(photo)
    if not faces:
        return []
    named = naming(faces, person_regions(photo.id))
    return [face for face in faces if face.id not in named]
