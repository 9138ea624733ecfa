"""Authority records: the people, places and events the library knows, with their name variants."""
from __future__ import annotations

import unicodedata
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from photoid.contributions.workflow import AUTHORITY_STATUSES, AuthorityStatus
from photoid.db import one_of, utcnow
from photoid.extensions import db

AUTHORITY_KINDS = ("person", "place", "event")

def fold(text: str) -> str:
    """Lower-case and strip accents, so "Müller" and "muller" find each other."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


class AuthorityRecord(db.Model):
    """A controlled heading; Person, Place and Event share this table (single-table inheritance)."""

    __tablename__ = "authority"
    __table_args__ = (
        one_of("kind", AUTHORITY_KINDS, name="kind"),
        one_of("status", AUTHORITY_STATUSES, name="status"),
        CheckConstraint("length(heading) > 0", name="heading_not_empty"),
        CheckConstraint(
            "(latitude IS NULL AND longitude IS NULL) OR (kind = 'place'"
            " AND latitude IS NOT NULL AND longitude IS NOT NULL AND latitude BETWEEN -90 AND 90 AND longitude BETWEEN -180 AND 180)",
            name="coordinates",
        ),
        CheckConstraint("merged_into_id IS NULL OR merged_into_id <> id", name="not_merged_into_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    #: The preferred heading in library form, e.g. "Smith, John, 1890-1962".
    heading: Mapped[str] = mapped_column(String(300))
    heading_folded: Mapped[str] = mapped_column(String(300), index=True)
    #: Life dates of a person, dates of an event, as EDTF.
    dates_edtf: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    #: id.loc.gov, Wikidata or GeoNames URI when known.
    authority_uri: Mapped[str | None] = mapped_column(String(500))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), default=AuthorityStatus.ACCEPTED)
    #: A merged duplicate points at its survivor; its page redirects there.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("authority.id"))
    #: Staff marked this person "do not match": face matching never suggests them (photoid/faces).
    do_not_match: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    modified_at: Mapped[datetime] = mapped_column(default=utcnow)

    variants: Mapped[list[AuthorityVariant]] = relationship(
        back_populates="authority", cascade="all, delete-orphan", order_by="AuthorityVariant.name"
    )
    merged_into: Mapped[AuthorityRecord | None] = relationship(remote_side=[id])

    __mapper_args__ = {"polymorphic_on": "kind"}

    def set_heading(self, heading: str) -> None:
        self.heading = heading.strip()
        self.heading_folded = fold(self.heading)

    def add_variant(self, name: str) -> None:
        folded = fold(name)
        if folded and folded != self.heading_folded and all(v.name_folded != folded for v in self.variants):
            self.variants.append(AuthorityVariant(name=name.strip(), name_folded=folded))


class Person(AuthorityRecord):
    __mapper_args__ = {"polymorphic_identity": "person"}


class Place(AuthorityRecord):
    __mapper_args__ = {"polymorphic_identity": "place"}


class Event(AuthorityRecord):
    __mapper_args__ = {"polymorphic_identity": "event"}


AUTHORITY_CLASSES: dict[str, type[AuthorityRecord]] = {"person": Person, "place": Place, "event": Event}


class AuthorityVariant(db.Model):
    """Another name the same record goes by ("Jack Smith"), searched like the heading."""

    __tablename__ = "authority_variant"
    __table_args__ = (UniqueConstraint("authority_id", "name_folded"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(300))
    name_folded: Mapped[str] = mapped_column(String(300), index=True)

    authority: Mapped[AuthorityRecord] = relationship(back_populates="variants")
