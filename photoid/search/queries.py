"""Reading the search index for other features: the process's reader for an app's index folder.

Campaigns choose their photos with the search page's query, so this lives below the search routes,
where any feature's service may read it (features never import another feature's routes).
"""
from __future__ import annotations

from flask import Flask

from photoid.search import index


def reader(app: Flask) -> index.Reader:
    """The process's reader for the app's index folder (its searcher is kept open)."""
    readers = app.extensions.setdefault("photoid_search_readers", {})
    root = str(app.config["INDEX_DIR"])
    if root not in readers:
        readers[root] = index.Reader(app.config["INDEX_DIR"])
    return readers[root]
