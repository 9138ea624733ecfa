"""Paged lists shared by every feature: a database page (:func:`paginate`) and the page numbers
that search results use too. Top level, so no feature imports another to page a list."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Select, func, select

from photoid.extensions import db

T = TypeVar("T")


class PageNumbers:
    """Mixin for anything with ``total``, ``page`` and ``per_page``: how many pages, and whether to link on."""

    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


@dataclass
class Page(PageNumbers, Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int


def paginate(query: Select, *, page: int, per_page: int) -> Page:  # type: ignore[type-arg]
    page = max(1, page)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    items = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, page=page, per_page=per_page, total=total)
