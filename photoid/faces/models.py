"""A face found on a photo: its box on the display image, how sure the detector was, and its encoding."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, LargeBinary
from sqlalchemy.orm import Mapped, mapped_column, relationship

from photoid.db import utcnow
from photoid.extensions import db
from photoid.photos.models import Photo

#: An encoding is 128 float32 numbers.
ENCODING_BYTES = 128 * 4


class Face(db.Model):
    """One face the detector found on a photo's display image.

    The box is stored as fractions of the image (x, y, width, height in 0..1), as identification
    regions are, so a face and a patron's region can be compared directly. The encoding is stored
    only while the institution has matching on; it never leaves the database (no export, feed,
    API or shareable backup carries it). Deleting the photo's row deletes its faces.
    """

    __tablename__ = "face"
    __table_args__ = (
        CheckConstraint(
            "x >= 0 AND y >= 0 AND w > 0 AND h > 0 AND x + w <= 1.000001 AND y + h <= 1.000001",
            name="box_inside_image",
        ),
        CheckConstraint(f"encoding IS NULL OR length(encoding) = {ENCODING_BYTES}", name="encoding_size"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    photo_id: Mapped[int] = mapped_column(ForeignKey("photo.id", ondelete="CASCADE"), index=True)
    x: Mapped[float] = mapped_column(Float)
    y: Mapped[float] = mapped_column(Float)
    w: Mapped[float] = mapped_column(Float)
    h: Mapped[float] = mapped_column(Float)
    #: The detector's score for the box (dlib's HOG detector: above 0, higher is surer).
    confidence: Mapped[float] = mapped_column(Float)
    #: 128 float32 numbers (little-endian); None when the institution's matching is off.
    encoding: Mapped[bytes | None] = mapped_column(LargeBinary(), deferred=True)
    detected_at: Mapped[datetime] = mapped_column(default=utcnow)

    photo: Mapped[Photo] = relationship()

    @property
    def box(self) -> tuple[float, float, float, float]:
        return (self.x, self.y, self.w, self.h)


class FaceScan(db.Model):
    """That a photo's display image was searched for faces, and how: ``photoid faces detect`` skips the
    photos scanned already (resumable), and scans again those scanned without encodings once the
    institution turns matching on."""

    __tablename__ = "face_scan"

    photo_id: Mapped[int] = mapped_column(ForeignKey("photo.id", ondelete="CASCADE"), primary_key=True)
    scanned_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: How many times the image was doubled (PHOTOID_FACES_UPSAMPLE at the time).
    upsample: Mapped[int] = mapped_column(default=0)
    #: Whether the faces found got encodings (the institution's matching was on).
    is_encoded: Mapped[bool] = mapped_column(Boolean, default=False)
    faces: Mapped[int] = mapped_column(default=0)
