"""Full-text search: the Whoosh index adapter (index.py builds and opens it, querying.py asks it), keeping it in step
(queue.py), the PostgreSQL back end (pg_index.py writes it in the changing transaction, pg_querying.py asks it;
``PHOTOID_SEARCH=postgres``), ``queries.search`` that asks whichever the site uses, and the page."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the search page (its listeners, which queue changed photos for the index, are in photoid/events.py)."""
    from photoid.search import models  # noqa: F401  (the search_queue table)

    if app.config.get("SEARCH") == "postgres" and not str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        raise RuntimeError("PHOTOID_SEARCH=postgres indexes into the PostgreSQL database itself, but "
                           "PHOTOID_DATABASE_URL is not a PostgreSQL database. Set PHOTOID_SEARCH=whoosh "
                           "(the default) or move the site to PostgreSQL.")
    from photoid.search.routes import bp

    app.register_blueprint(bp)
