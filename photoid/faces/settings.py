"""The switches people change on pages: an institution's face assistance (admins), and a person's
"do not match" mark (staff). Each use case records one audit event and commits once.

Turning matching off forgets the institution's encodings in the same commit (the boxes stay, for
"Who is this?", while detection is on); turning detection off forgets its faces altogether.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from photoid.accounts.models import User
from photoid.audit import record_event
from photoid.authorities.models import AuthorityRecord
from photoid.authorities.service import check_may_change
from photoid.db import unit_of_work
from photoid.extensions import db
from photoid.faces import service
from photoid.faces.models import Face, FaceScan
from photoid.photos.models import Institution, Photo

SWITCHES = ("faces_detection_enabled", "faces_matching_enabled", "faces_patrons_see_matches")


class FaceSettingsError(ValueError):
    """A change the rules refuse; the message is for the person who tried it."""


def _photos_of(institution: Institution) -> Any:
    return select(Photo.id).where(Photo.institution_id == institution.id).scalar_subquery()


@unit_of_work
def change_switches(institution: Institution, *, detection: bool, matching: bool, patrons_see_matches: bool,
                    actor: User | None) -> bool:
    """Set the institution's three face switches; True when anything changed.

    Matching needs detection, and patrons seeing matches needs matching: a switch whose parent is
    off is saved off. Turning matching off clears the encodings of the institution's faces;
    turning detection off deletes its faces and scan records (service.purge_institution). Records an
    ``institution_faces`` event with the changed switches. ``actor`` None is the command line, run
    by whoever runs the site. Raises FaceSettingsError (nothing saved) when ``actor`` is not an active admin.
    """
    if actor is not None and not (actor.is_admin and actor.is_active):
        raise FaceSettingsError("Only an administrator can change face assistance.")
    matching = matching and detection
    wanted = {
        "faces_detection_enabled": bool(detection),
        "faces_matching_enabled": bool(matching),
        "faces_patrons_see_matches": bool(patrons_see_matches and matching),
    }
    before = {key: bool(getattr(institution, key)) for key in SWITCHES}
    changed = [key for key in SWITCHES if before[key] != wanted[key]]
    if not changed:
        return False
    for key in changed:
        setattr(institution, key, wanted[key])
    if not wanted["faces_detection_enabled"]:
        service.purge_institution(institution, actor=actor)  # joins this unit of work
    elif not wanted["faces_matching_enabled"]:
        photos = _photos_of(institution)
        db.session.execute(update(Face).where(Face.photo_id.in_(photos)).values(encoding=None))
        # Scanned without encodings now: turning matching on again scans them again.
        db.session.execute(update(FaceScan).where(FaceScan.photo_id.in_(photos)).values(is_encoded=False))
    record_event(actor=actor, action="institution_faces", target=institution, institution_id=institution.id,
                 before={key: before[key] for key in changed}, after={key: wanted[key] for key in changed})
    return True


@unit_of_work
def mark_do_not_match(record: AuthorityRecord, *, value: bool, editor: User) -> bool:
    """Mark a person "do not match" (or clear it); True when it changed. Face matching never
    suggests a person so marked. Records a ``do_not_match`` event. Raises AuthorityForbidden when
    ``editor`` may not change the record, FaceSettingsError for a record that is not a person."""
    check_may_change(editor, record)
    if record.kind != "person":
        raise FaceSettingsError("Only people can be marked “do not match”.")
    if bool(record.do_not_match) == value:
        return False
    before = bool(record.do_not_match)
    record.do_not_match = value
    record_event(actor=editor, action="do_not_match", target=record, before={"do_not_match": before},
                 after={"do_not_match": value})
    return True
