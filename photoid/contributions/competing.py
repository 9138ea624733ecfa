"""Which identifications are about the same thing, so the page shows them side by side.

Two patrons who name the same face differently should both be seen with their support,
instead of the later one hiding the earlier. "The same thing" means the same kind and boxes
that mostly overlap; dates compete with every other date of the photo, since a photo has one.
"""
from __future__ import annotations

from typing import Protocol, TypeVar

#: Boxes whose intersection is at least this share of their union are taken as the same region.
SAME_REGION_OVERLAP = 0.5


class Boxed(Protocol):
    kind: str
    region_x: float | None
    region_y: float | None
    region_w: float | None
    region_h: float | None


T = TypeVar("T", bound=Boxed)


def overlap(a: Boxed, b: Boxed) -> float:
    """Intersection over union of two regions (0 when either has none)."""
    if a.region_x is None or b.region_x is None:
        return 0.0
    assert a.region_y is not None and a.region_w is not None and a.region_h is not None
    assert b.region_y is not None and b.region_w is not None and b.region_h is not None
    width = min(a.region_x + a.region_w, b.region_x + b.region_w) - max(a.region_x, b.region_x)
    height = min(a.region_y + a.region_h, b.region_y + b.region_h) - max(a.region_y, b.region_y)
    if width <= 0 or height <= 0:
        return 0.0
    shared = width * height
    return shared / (a.region_w * a.region_h + b.region_w * b.region_h - shared)


def about_the_same(a: Boxed, b: Boxed) -> bool:
    if a.kind != b.kind or a.kind == "keyword":
        return False
    if a.kind == "date":
        return True
    return overlap(a, b) >= SAME_REGION_OVERLAP


def competing_groups(items: list[T]) -> list[list[T]]:
    """The items clustered by :func:`about_the_same`, in their original order (first member decides)."""
    groups: list[list[T]] = []
    for item in items:
        for group in groups:
            if any(about_the_same(item, member) for member in group):
                group.append(item)
                break
        else:
            groups.append([item])
    return groups
