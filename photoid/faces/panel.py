"""What the pages show of face assistance: the unnamed faces of a photo ("Who is this?"), the
people each may be, and the match strength behind a patron's suggestion in the moderation queue.

Reads only. Who sees candidates is decided here, once: staff who moderate the photo's
institution, and patrons too when the institution allows it (``faces_patrons_see_matches``).
Visitors who are not signed in never do (their pages are kept in the page cache, and the
suggestions are for people who can act on them). Distances are Euclidean, between 0 (the same
picture) and the threshold in ``FACES_MATCH_THRESHOLD``; beyond it nothing is suggested.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app

from photoid.faces import matching, queries
from photoid.faces.models import Face
from photoid.photos.models import Photo

#: Below these fractions of the threshold a match is called strong, then good; above, weak.
STRONG_SHARE = 2 / 3
GOOD_SHARE = 5 / 6


def threshold() -> float:
    return float(current_app.config["FACES_MATCH_THRESHOLD"])


def match_words(distance: float) -> str:
    """The match strength in words, for people: "Strong match", "Good match" or "Weak match"."""
    limit = threshold()
    if distance <= limit * STRONG_SHARE:
        return "Strong match"
    if distance <= limit * GOOD_SHARE:
        return "Good match"
    return "Weak match"


def sees_matches(photo: Photo, viewer: Any) -> bool:
    """Whether ``viewer`` may see who the faces of ``photo`` may be."""
    institution = photo.institution
    if not institution.faces_matching_enabled or not getattr(viewer, "is_authenticated", False):
        return False
    return bool(viewer.moderates(photo.institution_id) or institution.faces_patrons_see_matches)


@dataclass
class UnnamedFace:
    """A face nobody has marked yet, numbered for people ("Face 2 of 5"), with who it may be."""

    face: Face
    number: int
    of: int
    candidates: list[Any] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"Who is this? Face {self.number} of {self.of}"


def unnamed(photo: Photo, viewer: Any) -> list[UnnamedFace]:
    """The faces of ``photo`` no identification covers, left to right, with candidates when ``viewer``
    may see them. Empty when the institution has detection off."""
    if not photo.institution.faces_detection_enabled:
        return []
    found = sorted(queries.unnamed_faces(photo), key=lambda f: (f.x, f.y, f.id))
    show = sees_matches(photo, viewer)
    return [
        UnnamedFace(face=f, number=n, of=len(found), candidates=matching.candidates(f, limit=3) if show else [])
        for n, f in enumerate(found, start=1)
    ]


@dataclass
class FaceEvidence:
    """For a suggestion marked on a detected face: the face, who it may be, and how close the
    person the patron named comes (None when face matching does not find them)."""

    face: Face
    candidates: list[Any]
    claimed: Any = None


def evidence(identifications: Iterable[Any], viewer: Any) -> dict[int, FaceEvidence]:
    """For the moderation queue: each person identification (by id) that names a detected face (its
    box covers the face, queries.naming) on a photo whose institution has matching on, with that
    face's candidates."""
    found: dict[int, FaceEvidence] = {}
    faces_by_photo: dict[int, list[Face]] = {}
    for i in identifications:
        if i.kind != "person" or not sees_matches(i.photo, viewer):
            continue
        if i.photo_id not in faces_by_photo:
            faces_by_photo[i.photo_id] = queries.faces_of(i.photo)
        faces = faces_by_photo[i.photo_id]
        named = queries.naming(faces, [i])
        face = next((f for f in faces if f.id in named), None)
        if face is None:
            continue
        candidates = matching.candidates(face, limit=3)
        claimed = next((c for c in candidates if i.authority_id is not None and c.person_id == i.authority_id), None)
        found[i.id] = FaceEvidence(face=face, candidates=candidates, claimed=claimed)
    return found
