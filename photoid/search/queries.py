"""Asking the search back end, for the search page and other features: ``search`` answers from Whoosh (the
process's reader for the app's index folder) or from PostgreSQL (``PHOTOID_SEARCH=postgres``), alike.

Campaigns choose their photos with the search page's query, so this lives below the search routes,
where any feature's service may read it (features never import another feature's routes).
"""
from __future__ import annotations

from typing import Any

from flask import Flask

from photoid.extensions import db
from photoid.search import index, pg_index, pg_querying, querying
from photoid.search.records import Results


def reader(app: Flask) -> index.Reader:
    """The process's reader for the app's index folder (its searcher is kept open)."""
    readers = app.extensions.setdefault("photoid_search_readers", {})
    root = str(app.config["INDEX_DIR"])
    if root not in readers:
        readers[root] = index.Reader(app.config["INDEX_DIR"])
    return readers[root]


def search(app: Flask, text: str, **options: Any) -> Results:
    """One page of results from the app's search back end (options as ``querying.search``). Reads only.
    Raises index.IndexMissing when the Whoosh back end has no index yet."""
    if pg_index.is_enabled(app):
        return pg_querying.search(db.session, text, **options)
    return querying.search(reader(app), text, **options)
