"""Institutions (a consortium and its member libraries), their collections and photos."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    JSON,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
    text,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from photoid.contributions.workflow import IMPORT_STATES, PROCESSING_STATES, ImportState, PhotoProcessing
from photoid.db import one_of, utcnow
from photoid.extensions import db

COMMENT_POLICIES = ("post", "pre")
DEFAULT_REJECT_REASONS = [
    "We could not verify this identification.",
    "This conflicts with our catalog records.",
    "Please add evidence, for example where the name or date comes from.",
    "Not related to this photo.",
]


class Institution(db.Model):
    """A library or archive; a consortium is an institution whose members name it as parent."""

    __tablename__ = "institution"
    __table_args__ = (one_of("comment_policy", COMMENT_POLICIES, name="comment_policy"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id"))
    is_consortium: Mapped[bool] = mapped_column(Boolean, default=False)
    #: "post": comments appear at once and may be moderated later; "pre": held for review first.
    comment_policy: Mapped[str] = mapped_column(String(8), default="post")
    #: Whether the public sees pending identifications (marked unverified) or only approved ones.
    show_pending_publicly: Mapped[bool] = mapped_column(Boolean, default=True)
    #: The name shown as "verified by"; the institution's name when empty.
    verified_by_name: Mapped[str | None] = mapped_column(String(200))
    reject_reasons: Mapped[list[str]] = mapped_column(JSON, default=lambda: list(DEFAULT_REJECT_REASONS))
    #: Who they are, in a few plain sentences, on the institution's public page.
    description: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    #: The public contact address on the institution's page (not an account's email).
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    #: Storage key of the logo, a small PNG made from the uploaded file; None without a logo.
    logo_key: Mapped[str | None] = mapped_column(String(200))
    #: Face assistance (photoid/faces), each off until an admin turns it on: finding faces on photos,
    #: comparing them with approved people (encodings are stored only then), and showing those
    #: suggestions to patrons as well as staff.
    faces_detection_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    faces_matching_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    faces_patrons_see_matches: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped[Institution | None] = relationship(remote_side=[id], back_populates="members")
    members: Mapped[list[Institution]] = relationship(back_populates="parent", order_by="Institution.name")
    collections: Mapped[list[Collection]] = relationship(
        back_populates="institution", order_by="(Collection.position, Collection.title)"
    )

    @property
    def verifier(self) -> str:
        return self.verified_by_name or self.name


class Collection(db.Model):
    __tablename__ = "collection"
    # (id, institution_id) is unique so photos can reference both and never disagree with it.
    __table_args__ = (UniqueConstraint("id", "institution_id", name="uq_collection_id_institution"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    is_published: Mapped[bool] = mapped_column(Boolean, default=True)
    #: The photo shown on the collection's card on the home page; none when unset.
    cover_photo_id: Mapped[int | None] = mapped_column(
        ForeignKey("photo.id", ondelete="SET NULL", use_alter=True)  # photos point back here
    )
    #: Collections are listed by this number, then by title.
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When the collection last stopped being public; OAI-PMH then reports its photos as deleted.
    withdrawn_at: Mapped[datetime | None]

    institution: Mapped[Institution] = relationship(back_populates="collections")
    cover_photo: Mapped[Photo | None] = relationship(foreign_keys=[cover_photo_id])


class Photo(db.Model):
    """One catalogued photograph. Its files are addressed by ``source_checksum`` in storage."""

    __tablename__ = "photo"
    __table_args__ = (
        ForeignKeyConstraint(
            ["collection_id", "institution_id"],
            ["collection.id", "collection.institution_id"],
            name="fk_photo_collection_institution",
        ),
        # A deleted photo gives its identifier back, so the right scan can be catalogued under it.
        Index("ux_photo_institution_identifier_live", "institution_id", "identifier", unique=True,
              sqlite_where=text("deleted_at IS NULL"), postgresql_where=text("deleted_at IS NULL")),
        CheckConstraint("width > 0 AND height > 0", name="dimensions_positive"),
        CheckConstraint("length(identifier) > 0", name="identifier_not_empty"),
        one_of("processing_state", PROCESSING_STATES, name="processing_state"),
        # Nobody sees a photo whose images are not all made: it is published only once they are.
        CheckConstraint(f"processing_state = '{PhotoProcessing.READY}' OR NOT is_published", name="published_when_ready"),
        Index("ix_photo_published_modified", "is_published", "modified_at"),
        Index("ix_photo_collection_published", "collection_id", "is_published", "id"),
        Index("ix_photo_modified_id", "modified_at", "id"),
        Index("ix_photo_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    collection_id: Mapped[int] = mapped_column()
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"))
    #: The catalog identifier (call number, accession number), unique within the institution.
    identifier: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    #: The cataloged date as EDTF text (``1945~``, ``194X``, ``1935/1938``).
    date_edtf: Mapped[str | None] = mapped_column(String(64))
    creator: Mapped[str] = mapped_column(String(300), default="")
    #: A rightsstatements.org or Creative Commons URI.
    rights_uri: Mapped[str] = mapped_column(String(300), default="")
    #: Subject headings and place names as cataloged by the institution (not community contributions).
    subjects: Mapped[list[str]] = mapped_column(JSON, default=list)
    places: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: SHA-256 of the untouched original, which also names its folder in storage.
    source_checksum: Mapped[str] = mapped_column(String(64), index=True)
    source_size: Mapped[int] = mapped_column(BigInteger)
    source_format: Mapped[str] = mapped_column(String(16))
    width: Mapped[int]
    height: Mapped[int]
    is_published: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Whether its derivatives and tiles are made (photos/processing.py); only a ready photo is published.
    processing_state: Mapped[str] = mapped_column(String(16), default=PhotoProcessing.READY,
                                                  server_default=PhotoProcessing.READY)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When the published metadata last changed (approvals and retractions included): harvesters use it.
    modified_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When the photo last stopped being public; OAI-PMH then reports it as deleted.
    withdrawn_at: Mapped[datetime | None]
    #: When staff deleted it: its files are gone and it answers 404 to everyone, but the row stays
    #: so harvesters keep seeing a deleted record and the audit trail keeps its subject.
    deleted_at: Mapped[datetime | None]

    collection: Mapped[Collection] = relationship(
        foreign_keys=[collection_id], primaryjoin="Photo.collection_id == Collection.id"
    )
    institution: Mapped[Institution] = relationship(foreign_keys=[institution_id])

    @property
    def orientation(self) -> str:
        if self.width == self.height:
            return "square"
        return "landscape" if self.width > self.height else "portrait"


class PhotoUpload(db.Model):
    """An uploaded original waiting for its images to be made (photos/processing.py): kept in storage
    under ``staged_key`` until they are, so nothing uploaded is lost when a worker fails. The row
    goes, with the staged file, once the photo is ready."""

    __tablename__ = "photo_upload"
    __table_args__ = (CheckConstraint("step >= 0 AND step <= steps", name="step_in_range"),)

    photo_id: Mapped[int] = mapped_column(ForeignKey("photo.id", ondelete="CASCADE"), primary_key=True)
    #: Where the original waits in storage, e.g. ``incoming/<uuid>``.
    staged_key: Mapped[str] = mapped_column(String(200))
    #: Whether the archivist asked for the photo to be published once it is ready.
    publish_when_ready: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Progress of the current try: ``step`` of ``steps`` done (photos/processing.py names them).
    step: Mapped[int] = mapped_column(default=0)
    steps: Mapped[int] = mapped_column(default=0)
    #: How many times the job started on it.
    tries: Mapped[int] = mapped_column(default=0)
    #: Why the last try failed; empty when none has.
    error: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    photo: Mapped[Photo] = relationship()


class PhotoSource(db.Model):
    """Where an imported photo came from: the IIIF manifest and canvas, and the library's own catalog
    page for it, which the photo page and the exports link to."""

    __tablename__ = "photo_source"

    photo_id: Mapped[int] = mapped_column(ForeignKey("photo.id", ondelete="CASCADE"), primary_key=True)
    #: SHA-256 of the manifest and canvas ids: a re-run finds the photo by it (photos/iiif_read.py).
    source_key: Mapped[str] = mapped_column(String(64), index=True)
    manifest_url: Mapped[str] = mapped_column(String(2000))
    canvas_id: Mapped[str] = mapped_column(String(2000))
    #: The manifest's ``homepage`` (``related`` in IIIF 2.1); empty when it has none.
    catalog_url: Mapped[str] = mapped_column(String(2000), default="")
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)


#: The library's own catalog page for a photo imported from its IIIF manifest, "" for any other: read
#: with the photo where a page asks for it (``undefer``), rather than by a query of its own.
Photo.catalog_url = column_property(  # type: ignore[attr-defined]
    func.coalesce(select(PhotoSource.catalog_url).where(PhotoSource.photo_id == Photo.id).scalar_subquery(), ""),
    deferred=True,
)


class IiifImport(db.Model):
    """An import from a IIIF address asked for on the collection page, run later by
    ``photoid import-iiif --pending`` (nothing is fetched while a web request waits)."""

    __tablename__ = "iiif_import"
    __table_args__ = (one_of("state", IMPORT_STATES, name="state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    collection_id: Mapped[int] = mapped_column(ForeignKey("collection.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[str] = mapped_column(String(16), default=ImportState.WAITING)
    started_at: Mapped[datetime | None]
    #: Moves after each canvas while running: a run that stopped moving long ago was interrupted.
    updated_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    ingested: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    #: Why it failed, or the canvases that were rejected and why.
    message: Mapped[str] = mapped_column(Text, default="")

    collection: Mapped[Collection] = relationship()
    requested_by: Mapped[Any] = relationship("User")
