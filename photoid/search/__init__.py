"""Full-text search: the Whoosh index adapter (index.py builds and opens it, querying.py asks it), keeping it in step (queue.py), the page."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the search page (its listeners, which queue changed photos for the index, are in photoid/events.py)."""
    from photoid.search import models  # noqa: F401  (the search_queue table)
    from photoid.search.routes import bp

    app.register_blueprint(bp)
