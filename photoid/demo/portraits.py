"""The demo's face-matching example: four real public-domain portraits (photoid/demo/portraits/,
ORIGIN.md there), in a Millbrook collection, with face detection and matching turned on for Millbrook.

One portrait of Barack Obama is identified (his face boxed) and approved; the two others are left
for the visitor: staff (and patrons, as Millbrook allows it) see "Obama, Barack" suggested for
their faces; a patron's pending suggestion on the third shows its match strength in the queue.
The portrait of Joe Biden gets no suggestion. Turned on only after the drawn demo photos are in, so
those are not scanned (`photoid faces detect` would).
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from photoid.accounts.models import User
from photoid.authorities.models import Person
from photoid.contributions.models import Identification
from photoid.contributions.workflow import IdentificationState, move_identification
from photoid.db import unit_of_work
from photoid.extensions import db
from photoid.faces.queries import faces_of
from photoid.photos.models import Collection, Institution, Photo
from photoid.photos.service import add_photo

FOLDER = Path(__file__).parent / "portraits"
INSTITUTION = "millbrook"
COLLECTION = "millbrook-official-portraits"
PUBLIC_DOMAIN_US = "http://rightsstatements.org/vocab/NoC-US/1.0/"
OBAMA = "Obama, Barack, 1961-"
BIDEN = "Biden, Joseph R., Jr., 1942-"
#: identifier, file, title, who is named and how: "approved", "pending" or None (left unnamed).
PORTRAITS = (
    ("MPL-PORTRAIT-1", "obama.jpg", "Official portrait of Barack Obama", OBAMA, IdentificationState.APPROVED),
    ("MPL-PORTRAIT-2", "obama2.jpg", "Portrait of a man in a dark suit", None, None),
    ("MPL-PORTRAIT-3", "obama3.jpg", "Portrait of a man at a lectern", OBAMA, IdentificationState.PENDING),
    ("MPL-PORTRAIT-4", "biden.jpg", "Portrait of a man with a flag", None, None),
)


@unit_of_work
def _turn_on() -> Collection:
    institution = db.session.scalar(select(Institution).where(Institution.slug == INSTITUTION))
    institution.faces_detection_enabled = institution.faces_matching_enabled = True
    institution.faces_patrons_see_matches = True
    collection = db.session.scalar(select(Collection).where(Collection.slug == COLLECTION))
    if collection is None:
        collection = Collection(slug=COLLECTION, institution=institution, title="Official portraits",
                                description="Public-domain official portraits, where face matching can be seen at work: "
                                            "one is identified, and the faces of the others are compared with it.")
        db.session.add(collection)
    for heading in (OBAMA, BIDEN):
        if db.session.scalar(select(Person.id).where(Person.heading == heading)) is None:
            person = Person(description="")
            person.set_heading(heading)
            db.session.add(person)
    return collection


@unit_of_work
def _name(photo: Photo, heading: str, state: str, *, patron: User, archivist: User) -> None:
    """A patron boxes the face and names the person; the archivist approves when ``state`` says so."""
    [face] = faces_of(photo) or [None]
    person = db.session.scalar(select(Person).where(Person.heading == heading))
    identification = Identification(photo=photo, kind="person", authority=person, contributor=patron,
                                     state=IdentificationState.PENDING, evidence="The caption on the print names him.")
    if face is not None:
        identification.region_x, identification.region_y, identification.region_w, identification.region_h = face.box
    db.session.add(identification)
    db.session.flush()
    if state == IdentificationState.APPROVED:
        move_identification(identification, IdentificationState.APPROVED, actor=archivist)


def load_portraits(users: dict[str, User], progress: Callable[[str], None]) -> int:
    """Add the portraits that are missing (their faces are found as they are ingested); returns how many."""
    collection = _turn_on()
    added = 0
    for identifier, filename, title, heading, state in PORTRAITS:
        if db.session.scalar(select(Photo.id).where(Photo.institution_id == collection.institution_id,
                                                    Photo.identifier == identifier)) is not None:
            continue
        progress(f"  [portrait] {title}")
        photo = add_photo(collection=collection, image_data=(FOLDER / filename).read_bytes(), identifier=identifier,
                          title=title, rights_uri=PUBLIC_DOMAIN_US,
                          description="An official portrait of a United States federal officeholder; public domain.")
        if heading is not None and state is not None:
            _name(photo, heading, state, patron=users["patron@example.org"], archivist=users["archivist@example.org"])
        added += 1
    return added
