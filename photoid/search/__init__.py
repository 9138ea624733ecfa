"""Full-text search: the Whoosh index adapter (index.py builds and opens it, querying.py asks it), keeping it in step (queue.py), the page."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the search page and the listeners that queue changed photos for the index."""
    from photoid.search import models  # noqa: F401  (the search_queue table)
    from photoid.search.queue import register_listeners
    from photoid.search.routes import bp

    register_listeners()
    app.register_blueprint(bp)
