"""``photoid demo``: a small consortium, four collections and 34 photos to explore (four of them real portraits, for face matching).

Everything goes through the real code paths: accounts through the account service, photos
through the ingest pipeline, identifications approved through the workflow. Running it again
adds only what is missing.
"""
from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select

from photoid.accounts.models import User
from photoid.accounts.service import create_user
from photoid.authorities.models import AUTHORITY_CLASSES, AuthorityRecord
from photoid.contributions.competing import about_the_same
from photoid.contributions.models import Comment, Confirmation, Identification
from photoid.contributions.workflow import CommentState, IdentificationState, VoteStance, VoteState, move_identification
from photoid.db import unit_of_work
from photoid.demo import catalog
from photoid.demo.portraits import load_portraits
from photoid.demo.scenes import figure_boxes, render_scene
from photoid.extensions import db
from photoid.photos.models import Collection, Institution, Photo
from photoid.photos.service import add_photo


class DemoError(Exception):
    pass


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    display_name: str
    password: str
    institutions: tuple[str, ...] = ()


#: Known passwords, for a local demo database only; the README and `make run` say so.
DEMO_ACCOUNTS = (
    DemoAccount("admin", "admin@example.org", "Site Admin", "photoid-demo"),
    DemoAccount("archivist", "archivist@example.org", "Archivist Ann", "photoid-demo", ("millbrook", "ashford")),
    DemoAccount("patron", "patron@example.org", "Margaret H.", "photoid-demo"),
    DemoAccount("patron", "neighbour@example.org", "Tom from Ashford", "photoid-demo"),
)


def _accounts() -> dict[str, User]:
    users = {}
    for account in DEMO_ACCOUNTS:
        user = db.session.scalar(select(User).where(User.email == account.email))
        if user is None:
            user = create_user(email=account.email, display_name=account.display_name, password=account.password,
                               role=account.role, institution_slugs=account.institutions)
        users[account.email] = user
    return users


@unit_of_work
def _institutions() -> None:
    for spec in catalog.INSTITUTIONS:
        if db.session.scalar(select(Institution.id).where(Institution.slug == spec.slug)) is None:
            parent = db.session.scalar(select(Institution).where(Institution.slug == spec.parent)) if spec.parent else None
            db.session.add(Institution(slug=spec.slug, name=spec.name, is_consortium=spec.is_consortium, parent=parent))
            db.session.flush()
    for spec in catalog.COLLECTIONS:
        if db.session.scalar(select(Collection.id).where(Collection.slug == spec.slug)) is None:
            institution = db.session.scalar(select(Institution).where(Institution.slug == spec.institution))
            db.session.add(Collection(slug=spec.slug, title=spec.title, description=spec.description, institution=institution))


@unit_of_work
def _authorities() -> dict[str, AuthorityRecord]:
    records: dict[str, AuthorityRecord] = {}
    specs: list[tuple[str, object]] = [("person", p) for p in catalog.PEOPLE]
    specs += [("place", p) for p in catalog.PLACES] + [("event", e) for e in catalog.EVENTS]
    for kind, spec in specs:
        heading = spec.heading  # type: ignore[attr-defined]
        record = db.session.scalar(select(AuthorityRecord).where(AuthorityRecord.heading == heading))
        if record is None:
            record = AUTHORITY_CLASSES[kind](
                description=spec.description,  # type: ignore[attr-defined]
                authority_uri=getattr(spec, "authority_uri", None),
                dates_edtf=getattr(spec, "dates", None) or getattr(spec, "date", None),
                latitude=getattr(spec, "latitude", None), longitude=getattr(spec, "longitude", None),
            )
            record.set_heading(heading)
            for variant in spec.variants:  # type: ignore[attr-defined]
                record.add_variant(variant)
            db.session.add(record)
        records[heading] = record
    return records


def _jpeg(spec: catalog.DemoPhoto) -> bytes:
    buffer = io.BytesIO()
    render_scene(spec.scene, seed=spec.seed, size=spec.size).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


@unit_of_work
def _identify(photo: Photo, spec: catalog.DemoPhoto, records: dict[str, AuthorityRecord], users: dict[str, User], n: int) -> None:
    archivist = users["archivist@example.org"]
    patrons = [users["patron@example.org"], users["neighbour@example.org"]]
    made: list[Identification] = []
    for i, claim in enumerate(spec.identifications):
        identification = Identification(photo=photo, kind=claim.kind, contributor=patrons[(n + i) % 2], state=IdentificationState.PENDING)
        if claim.kind == "date":
            identification.date_edtf = claim.edtf
        elif claim.kind == "keyword" or claim.heading not in records:
            identification.text_value = claim.heading
        else:
            identification.authority = records[claim.heading]  # type: ignore[index]
        if claim.figure is not None:
            box = figure_boxes(spec.scene, seed=spec.seed, size=spec.size)[claim.figure]
            identification.region_x, identification.region_y, identification.region_w, identification.region_h = box
        db.session.add(identification)
        db.session.flush()
        if claim.state == IdentificationState.APPROVED:
            move_identification(identification, IdentificationState.APPROVED, actor=archivist)
        rival = next((earlier for earlier in made if earlier.state == IdentificationState.PENDING and about_the_same(earlier, identification)), None)
        if rival is not None:  # the rival's author disagrees with the earlier name, offering theirs
            db.session.add(Confirmation(identification=rival, voter=identification.contributor, stance=VoteStance.DISAGREE,
                                        state=VoteState.ACTIVE, counter_identification=identification))
        made.append(identification)


@unit_of_work
def _discuss(photo: Photo, users: dict[str, User]) -> None:
    """The demo conversations under this photo, published as the institution's policy allows."""
    posted: dict[int, Comment] = {}
    for index, spec in enumerate(catalog.COMMENTS):
        if spec.photo != photo.identifier:
            continue
        parent = posted.get(spec.reply_to) if spec.reply_to is not None else None
        comment = Comment(photo=photo, author=users[spec.author], body=spec.body, parent=parent, state=CommentState.PUBLISHED)
        db.session.add(comment)
        posted[index] = comment


def load_demo(*, if_empty: bool = False, progress: Callable[[str], None] = print) -> int:
    """Load what is missing of the demo; returns how many photos were added.

    With ``if_empty``, does nothing when the database already has any photo.
    """
    if if_empty and db.session.scalar(select(func.count(Photo.id))):
        return 0
    _institutions()
    users = _accounts()
    records = _authorities()
    added = 0
    total = len(catalog.PHOTOS)
    for n, spec in enumerate(catalog.PHOTOS, start=1):
        collection = db.session.scalar(select(Collection).where(Collection.slug == spec.collection))
        if collection is None:
            raise DemoError(f"demo collection {spec.collection} is missing")
        exists = db.session.scalar(
            select(Photo.id).where(Photo.institution_id == collection.institution_id, Photo.identifier == spec.identifier)
        )
        if exists is not None:
            continue
        progress(f"  [{n:>2}/{total}] {spec.title}")
        photo = add_photo(
            collection=collection, image_data=_jpeg(spec), identifier=spec.identifier, title=spec.title,
            description=spec.description, date_edtf=spec.date, creator=spec.creator, rights_uri=spec.rights,
        )
        _identify(photo, spec, records, users, n)
        _discuss(photo, users)
        added += 1
    return added + load_portraits(users, progress)
