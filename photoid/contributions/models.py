"""What patrons contribute: identifications (with an optional region), votes and comments."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from photoid.accounts.models import User
from photoid.authorities.models import AuthorityRecord
from photoid.contributions.workflow import (
    COMMENT_REVIEWED_STATES,
    COMMENT_STATES,
    IDENTIFICATION_STATES,
    REVIEWED_STATES,
    VOTE_STANCES,
    VOTE_STATES,
    CommentState,
    IdentificationState,
    VoteState,
)
from photoid.db import one_of, utcnow
from photoid.extensions import db
from photoid.photos.models import Photo

IDENTIFICATION_KINDS = ("person", "place", "event", "date", "keyword")
_reviewed = ", ".join(f"'{s}'" for s in REVIEWED_STATES)
_comment_reviewed = ", ".join(f"'{s}'" for s in COMMENT_REVIEWED_STATES)


class Identification(db.Model):
    """A claim about a photo: who, where, what event, when, or a keyword; append-only.

    A region is stored as fractions of the image (x, y, width, height in 0..1), so it fits
    every derivative size. A correction never edits an approved row: a new row ``supersedes`` it.
    """

    __tablename__ = "identification"
    __table_args__ = (
        one_of("kind", IDENTIFICATION_KINDS, name="kind"),
        one_of("state", IDENTIFICATION_STATES, name="state"),
        CheckConstraint(
            f"state NOT IN ({_reviewed}) OR (reviewer_id IS NOT NULL AND reviewed_at IS NOT NULL)",
            name="reviewed_has_reviewer",
        ),
        CheckConstraint(
            "(region_x IS NULL AND region_y IS NULL AND region_w IS NULL AND region_h IS NULL) OR "
            "(region_x IS NOT NULL AND region_y IS NOT NULL AND region_w IS NOT NULL AND region_h IS NOT NULL"
            " AND region_x >= 0 AND region_y >= 0 AND region_w > 0 AND region_h > 0"
            " AND region_x + region_w <= 1.000001 AND region_y + region_h <= 1.000001)",
            name="region_inside_image",
        ),
        CheckConstraint(
            "(kind = 'date' AND date_edtf IS NOT NULL) OR (kind = 'keyword' AND text_value IS NOT NULL)"
            " OR (kind IN ('person', 'place', 'event') AND (authority_id IS NOT NULL OR text_value IS NOT NULL))",
            name="has_value",
        ),
        CheckConstraint("supersedes_id IS NULL OR supersedes_id <> id", name="not_superseding_self"),
        # created_at too: the impact dashboard counts an institution's waiting items from the index alone.
        Index("ix_identification_photo_state", "photo_id", "state", "created_at"),
        Index("ix_identification_state_created", "state", "created_at"),
        # The impact dashboard's weekly figures read a range of these times.
        Index("ix_identification_created_at", "created_at"),
        Index("ix_identification_reviewed_at", "reviewed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    photo_id: Mapped[int] = mapped_column(ForeignKey("photo.id"))
    kind: Mapped[str] = mapped_column(String(16))
    authority_id: Mapped[int | None] = mapped_column(ForeignKey("authority.id"), index=True)
    #: A name not (yet) under authority control, or the keyword itself.
    text_value: Mapped[str | None] = mapped_column(String(300))
    date_edtf: Mapped[str | None] = mapped_column(String(64))
    region_x: Mapped[float | None] = mapped_column(Float)
    region_y: Mapped[float | None] = mapped_column(Float)
    region_w: Mapped[float | None] = mapped_column(Float)
    region_h: Mapped[float | None] = mapped_column(Float)
    #: The patron's reason: "my grandmother's album says 1948".
    evidence: Mapped[str] = mapped_column(Text, default="")
    contributor_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    state: Mapped[str] = mapped_column(String(24), default=IdentificationState.PENDING)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    reviewed_at: Mapped[datetime | None]
    #: The archivist's note; the patron sees it with a rejection.
    review_note: Mapped[str | None] = mapped_column(Text)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("identification.id"), index=True)
    #: Face matching suggested who this is and a person confirmed it (photoid/faces/linking.py), from the
    #: photo page or the moderation queue; its provenance says so (photos/identified.py ``provenance``).
    is_face_matching_suggestion: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    modified_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Active agree and disagree votes, filled only by a query that asks for them (photos/queries.py,
    #: ``with_expression``) so the photo page needs no query of its own for them; None otherwise.
    agree_votes: Mapped[int | None] = query_expression()
    disagree_votes: Mapped[int | None] = query_expression()

    photo: Mapped[Photo] = relationship()
    authority: Mapped[AuthorityRecord | None] = relationship()
    contributor: Mapped[User | None] = relationship(foreign_keys=[contributor_id])
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])
    supersedes: Mapped[Identification | None] = relationship(remote_side=[id])

    @property
    def has_region(self) -> bool:
        return self.region_x is not None

    @property
    def label(self) -> str:
        """What the identification says, for people: the heading, the free text or the date."""
        if self.authority is not None:
            return self.authority.heading
        if self.kind == "date" and self.date_edtf:
            return self.date_edtf
        return self.text_value or ""


#: Identifications as their contributors sent them. An archivist's corrected version ("approve with
#: changes") is a row that ``supersedes`` the original and keeps its contributor, so the photo page
#: credits them; it belongs to that original, so a patron's lists and counts leave it out and hold
#: each contribution once. The audit trail keeps who changed what, and when.
AS_SENT = Identification.supersedes_id.is_(None)


class Confirmation(db.Model):
    """Another patron's vote on an identification: agree, or disagree (optionally with their own)."""

    __tablename__ = "confirmation"
    __table_args__ = (
        UniqueConstraint("identification_id", "voter_id"),
        one_of("stance", VOTE_STANCES, name="stance"),
        one_of("state", VOTE_STATES, name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    identification_id: Mapped[int] = mapped_column(ForeignKey("identification.id"))
    voter_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    stance: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    #: The identification a disagreeing patron proposed instead.
    counter_identification_id: Mapped[int | None] = mapped_column(ForeignKey("identification.id"))
    state: Mapped[str] = mapped_column(String(16), default=VoteState.ACTIVE)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]

    identification: Mapped[Identification] = relationship(foreign_keys=[identification_id])
    counter_identification: Mapped[Identification | None] = relationship(foreign_keys=[counter_identification_id])
    voter: Mapped[User | None] = relationship()


class Comment(db.Model):
    """A note in the discussion under a photo; replies go one level deep."""

    __tablename__ = "comment"
    __table_args__ = (
        one_of("state", COMMENT_STATES, name="state"),
        CheckConstraint(
            f"state NOT IN ({_comment_reviewed}) OR (reviewer_id IS NOT NULL AND reviewed_at IS NOT NULL)",
            name="reviewed_has_reviewer",
        ),
        CheckConstraint("length(body) > 0", name="body_not_empty"),
        Index("ix_comment_photo_state", "photo_id", "state", "created_at"),
        Index("ix_comment_state_created", "state", "created_at"),
        Index("ix_comment_created_at", "created_at"),
        Index("ix_comment_reviewed_at", "reviewed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    photo_id: Mapped[int] = mapped_column(ForeignKey("photo.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id"))
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default=CommentState.PUBLISHED)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    reviewed_at: Mapped[datetime | None]
    review_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    modified_at: Mapped[datetime] = mapped_column(default=utcnow)

    photo: Mapped[Photo] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    parent: Mapped[Comment | None] = relationship(remote_side=[id])
