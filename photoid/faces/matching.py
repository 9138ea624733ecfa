"""Who a face may be: the people of approved identifications whose faces are nearest to it.

The examples are every face that an approved person identification names (faces_of + naming in
queries.py), on a photo that is not deleted, of an institution whose matching is on, of a person
not marked "do not match", on a published photo (its picture is shown beside the face). They are held once per process as one float32 matrix (128 numbers a
face) and compared with a face in one vectorised step: the Euclidean distance through
``|a|² - 2a·b + |b|²``, a matrix-vector product. They are read again when the database says
something they depend on changed: the ``faces`` version (raised by any change to faces or
identifications, see page_versions.py) or the ``site`` version (institutions, people).
docs/performance.md, "Faces", has the figures; docs/decisions.md says when an index would be needed.
"""
from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from photoid import page_versions
from photoid.authorities.models import AuthorityRecord
from photoid.contributions.models import Identification
from photoid.contributions.workflow import PUBLIC
from photoid.extensions import db
from photoid.faces.detection import encoding_of
from photoid.faces.models import Face
from photoid.faces.queries import naming, person_regions, unnamed_faces
from photoid.photos.models import Institution, Photo


@dataclass(frozen=True)
class Candidate:
    """A person the face may be, with the approved face that is nearest to it."""

    person_id: int
    heading: str
    #: Euclidean distance between the encodings: 0 the same picture, about 0.35 one person, 0.8 two.
    distance: float
    #: The approved example: its photo, its face and that face's box (fractions of the image).
    photo_id: int
    face_id: int
    box: tuple[float, float, float, float]


@dataclass
class Examples:
    """The approved faces, as arrays in one order."""

    key: tuple[int, ...]
    face_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    photo_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    person_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    matrix: np.ndarray = field(default_factory=lambda: np.zeros((0, 128), dtype=np.float32))
    #: The squared length of each row, for the distance by one product.
    norms: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    boxes: dict[int, tuple[float, float, float, float]] = field(default_factory=dict)
    headings: dict[int, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.face_ids)


_cache: dict[str, Examples] = {}
_cache_lock = threading.Lock()
FACES_SCOPE = page_versions.FACES


def _version_key() -> tuple[int, ...]:
    rows = dict(db.session.execute(select(page_versions.PageVersion.scope, page_versions.PageVersion.version)
                                   .where(page_versions.PageVersion.scope.in_((FACES_SCOPE, page_versions.SITE)))).all())
    return (int(rows.get(FACES_SCOPE, 0)), int(rows.get(page_versions.SITE, 0)))


def examples() -> Examples:
    """The approved faces, read once per process and again after a change (see the module's doc)."""
    key = _version_key()
    cache_name = str(current_app.config["SQLALCHEMY_DATABASE_URI"])
    with _cache_lock:
        held = _cache.get(cache_name)
        if held is None or held.key != key:
            held = _cache[cache_name] = load_examples(key)
        return held


def load_examples(key: tuple[int, ...] = (0, 0)) -> Examples:
    """Read every approved face from the database (see the module's doc for which), in four queries."""
    approved = (
        select(Identification).join(Photo, Photo.id == Identification.photo_id)
        .join(Institution, Institution.id == Photo.institution_id)
        .where(Identification.kind == "person", Identification.state.in_(tuple(PUBLIC)),
               Identification.authority_id.is_not(None), Photo.deleted_at.is_(None), Photo.is_published.is_(True),
               Institution.faces_matching_enabled.is_(True))
        .options(selectinload(Identification.authority))
    )
    named_by_photo: dict[int, list[Identification]] = defaultdict(list)
    for identification in db.session.scalars(approved):
        named_by_photo[identification.photo_id].append(identification)
    if not named_by_photo:
        return Examples(key=key)
    photo_ids = approved.with_only_columns(Identification.photo_id).distinct()
    faces_by_photo: dict[int, list[Face]] = defaultdict(list)
    for face in db.session.scalars(select(Face).where(Face.photo_id.in_(photo_ids)).order_by(Face.id)):
        faces_by_photo[face.photo_id].append(face)
    encodings = dict(db.session.execute(select(Face.id, Face.encoding).where(
        Face.photo_id.in_(photo_ids), Face.encoding.is_not(None))).all())
    people: dict[int, AuthorityRecord] = {}
    rows: list[tuple[int, int, int, bytes]] = []
    boxes: dict[int, tuple[float, float, float, float]] = {}
    for photo_id, faces in faces_by_photo.items():
        by_id = {face.id: face for face in faces}
        for face_id, identification in naming(faces, named_by_photo[photo_id]).items():
            person = _survivor(identification.authority, people)
            if person is None or person.do_not_match or face_id not in encodings:
                continue
            rows.append((face_id, photo_id, person.id, encodings[face_id]))
            boxes[face_id] = by_id[face_id].box
    if not rows:
        return Examples(key=key)
    matrix = np.frombuffer(b"".join(r[3] for r in rows), dtype="<f4").reshape(len(rows), 128).astype(np.float32)
    return Examples(
        key=key, face_ids=np.array([r[0] for r in rows], dtype=np.int64),
        photo_ids=np.array([r[1] for r in rows], dtype=np.int64), person_ids=np.array([r[2] for r in rows], dtype=np.int64),
        matrix=matrix, norms=np.einsum("ij,ij->i", matrix, matrix), boxes=boxes,
        headings={p.id: p.heading for p in people.values()},
    )


def _survivor(record: AuthorityRecord | None, seen: dict[int, AuthorityRecord]) -> AuthorityRecord | None:
    """The record a merged duplicate points to (people are matched as their survivor)."""
    hops = 0
    while record is not None and record.merged_into_id is not None and hops < 20:
        record, hops = record.merged_into, hops + 1
    if record is None or record.kind != "person":
        return None
    seen[record.id] = record
    return record


def nearest(held: Examples, query: np.ndarray, *, threshold: float, limit: int,
            skip_photo: int | None = None, skip_people: frozenset[int] = frozenset()) -> list[tuple[int, float]]:
    """The rows of ``held`` nearest to ``query``: at most ``limit``, one per person, each within
    ``threshold``; as (row, distance), nearest first. One matrix-vector product over every row."""
    if not len(held):
        return []
    query = np.asarray(query, dtype=np.float32)
    squared = held.norms - 2.0 * (held.matrix @ query) + float(query @ query)
    distances = np.sqrt(np.maximum(squared, 0.0))
    within = np.flatnonzero(distances <= threshold)
    if skip_photo is not None:
        within = within[held.photo_ids[within] != skip_photo]
    chosen: list[tuple[int, float]] = []
    people: set[int] = set(skip_people)
    for row in within[np.argsort(distances[within], kind="stable")]:
        person = int(held.person_ids[row])
        if person in people:
            continue
        people.add(person)
        chosen.append((int(row), float(distances[row])))
        if len(chosen) == limit:
            break
    return chosen


def candidates(face: Face, *, limit: int = 3) -> list[Candidate]:
    """Up to ``limit`` people ``face`` may be, nearest first, within FACES_MATCH_THRESHOLD.

    Empty when the face's institution has matching off, when it has no encoding, or when nobody is
    near enough. Never the face's own photo, nor a person already approved on it (a pending
    suggestion's person stays: its match strength is the archivist's evidence).
    """
    photo = face.photo
    if not photo.institution.faces_matching_enabled or face.encoding is None:
        return []
    held = examples()
    named_here = frozenset(i.authority_id for i in person_regions(photo.id, PUBLIC) if i.authority_id is not None)
    found = nearest(held, encoding_of(face.encoding), threshold=float(current_app.config["FACES_MATCH_THRESHOLD"]),
                    limit=limit, skip_photo=photo.id, skip_people=named_here)
    return [
        Candidate(person_id=int(held.person_ids[row]), heading=held.headings[int(held.person_ids[row])], distance=distance,
                  photo_id=int(held.photo_ids[row]), face_id=int(held.face_ids[row]),
                  box=held.boxes[int(held.face_ids[row])])
        for row, distance in found
    ]


def suggestions_for_photo(photo: Photo, *, limit: int = 3) -> dict[Face, list[Candidate]]:
    """Each face of ``photo`` that no identification names, with its candidates (possibly none)."""
    return {face: candidates(face, limit=limit) for face in unnamed_faces(photo)}
