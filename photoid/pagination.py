"""Page numbers shared by every paged list: database pages and search results alike."""
from __future__ import annotations


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
