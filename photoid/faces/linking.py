"""Staff confirm who an unnamed face is, from the people face matching suggests for it.

The machine never approves anything: the suggestion becomes a person identification with the
face's box and no contributor, and the moderator's approval (moderation.service.approve, the
same decision as in the queue, with its audit event and checks) makes it a fact. Its provenance
reads "suggested by face matching, confirmed by …".
"""
from __future__ import annotations

from photoid.accounts.models import User
from photoid.audit import record_event
from photoid.authorities.models import AuthorityRecord
from photoid.contributions.models import Identification
from photoid.contributions.workflow import PENDING_STATE
from photoid.db import unit_of_work
from photoid.extensions import db
from photoid.faces import matching, panel, queries
from photoid.faces.models import Face
from photoid.moderation import service as moderation

#: How an identification suggested by face matching begins its evidence (the photo page's provenance reads it).
FACE_MATCH_EVIDENCE = "Suggested by face matching"


class LinkError(ValueError):
    """The face or the person changed since the page was shown; the message says what to do."""


def _chosen(face: Face, authority_id: int) -> tuple[matching.Candidate, AuthorityRecord]:
    chosen = next((c for c in matching.candidates(face, limit=3) if c.person_id == authority_id), None)
    record = db.session.get(AuthorityRecord, authority_id) if chosen is not None else None
    if chosen is None or record is None:
        raise LinkError("Face matching no longer suggests that person for this face. Please look again.")
    return chosen, record


def record_confirmation(approved: Identification, *, face: Face, chosen: matching.Candidate, moderator: User) -> None:
    """Mark ``approved`` as suggested by face matching and add the ``confirm_face_match`` audit event
    whose provenance reads "suggested by face matching, confirmed by <the moderator's name>", with the
    face, person, distance and the approved example's photo. Every path that approves a face-matching
    suggestion calls this (the photo page's and the queue's); it only flushes."""
    approved.is_face_matching_suggestion = True
    record_event(actor=moderator, action="confirm_face_match", target=approved, before=None,
                 after={"provenance": f"suggested by face matching, confirmed by {moderator.public_name}",
                        "face_id": face.id, "person_id": chosen.person_id, "distance": round(chosen.distance, 4),
                        "example_photo_id": chosen.photo_id},
                 institution_id=face.photo.institution_id)
    db.session.flush()


@unit_of_work
def confirm_match(face: Face, *, authority_id: int, moderator: User) -> Identification:
    """Name ``face`` as the person ``authority_id``, one of its candidates, and approve it at once.

    Adds an approved person identification with the face's box and the match strength as its
    evidence, the approval's audit event and a ``confirm_face_match`` one (:func:`record_confirmation`),
    and the photo's new version, in one commit. Raises LinkError when the face has been named
    meanwhile or the person is no longer among its candidates; NotAllowed when ``moderator`` does
    not moderate the photo's institution (nothing is saved then).
    """
    if face.id not in {f.id for f in queries.unnamed_faces(face.photo)}:
        raise LinkError("Someone has named this face in the meantime; see what we know about the photo.")
    chosen, record = _chosen(face, authority_id)
    identification = Identification(
        photo=face.photo, kind="person", authority=record, contributor=None, state=PENDING_STATE,
        evidence=f"{FACE_MATCH_EVIDENCE}: {panel.match_words(chosen.distance).lower()} "
                 f"(distance {chosen.distance:.2f}).",
        region_x=face.x, region_y=face.y, region_w=face.w, region_h=face.h,
    )
    db.session.add(identification)
    db.session.flush()
    approved = moderation.approve(identification, moderator=moderator)
    record_confirmation(approved, face=face, chosen=chosen, moderator=moderator)
    return approved


@unit_of_work
def link_from_queue(identification: Identification, *, face_id: int, authority_id: int, moderator: User) -> Identification:
    """The moderation queue's "Link and approve" beside a face-matching candidate (its ``l`` key too):
    approve a patron's pending person suggestion linked to ``authority_id``, a candidate of the face
    ``face_id`` the suggestion names.

    The same decision as "Approve with changes" (moderation.service.approve_with_changes: the patron
    stays the contributor, the corrected fact supersedes theirs) plus :func:`record_confirmation`, in
    one commit. Raises LinkError when the suggestion does not name that face or face matching no
    longer suggests the person (nothing is saved then), and the moderation errors of approving.
    """
    face = db.session.get(Face, face_id)
    if face is None or face.photo_id != identification.photo_id or identification.kind != "person" \
            or face.id not in queries.naming(queries.faces_of(identification.photo), [identification]):
        raise LinkError("This suggestion does not mark that face any more. Please look at the queue again.")
    chosen, _record = _chosen(face, authority_id)
    corrected = moderation.approve_with_changes(identification, moderator=moderator, authority_id=authority_id)
    record_confirmation(corrected, face=face, chosen=chosen, moderator=moderator)
    return corrected
