"""Filters and globals shared by every template."""
from __future__ import annotations

from typing import Any

from flask import Flask, current_app, has_request_context, request, url_for

from photoid.text import linkify

#: How many built links each app remembers before it starts afresh.
REMEMBERED_URLS = 20_000

RIGHTS_LABELS = {
    "http://rightsstatements.org/vocab/NoC-US/1.0/": "No Copyright - United States",
    "http://rightsstatements.org/vocab/InC/1.0/": "In Copyright",
    "http://rightsstatements.org/vocab/CNE/1.0/": "Copyright Not Evaluated",
    "http://rightsstatements.org/vocab/UND/1.0/": "Copyright Undetermined",
    "http://rightsstatements.org/vocab/NKC/1.0/": "No Known Copyright",
}


def describe_date(edtf: str | None) -> str:
    """An EDTF date in words ("about 1945"); the raw text if it is outside what we can read."""
    if not edtf:
        return ""
    from photoid.edtf import EDTFError, describe

    try:
        return describe(edtf)
    except EDTFError:
        return edtf


def rights_label(uri: str | None) -> str:
    return RIGHTS_LABELS.get(uri or "", uri or "")


def remembered_url_for(endpoint: str, **values: Any) -> str:
    """``url_for`` for templates, remembering the links it built.

    Building a link is a tenth of the photo page's time: about forty a page, most of them the same
    on every page (the menu, the stylesheet). A link depends only on the site's address as this
    request reached it, the endpoint and its values once the URL defaults are in, so those are the key.
    """
    if endpoint.startswith(".") or not has_request_context():
        return url_for(endpoint, **values)
    app, here = current_app._get_current_object(), request._get_current_object()  # type: ignore[attr-defined]
    app.inject_url_defaults(endpoint, values)
    key = (here.root_url, endpoint, *sorted(values.items()))
    remembered: dict[tuple[Any, ...], str] = app.extensions["remembered_urls"]
    try:
        return remembered[key]
    except TypeError:  # a value that cannot be a key (a list): build it every time
        return url_for(endpoint, **values)
    except KeyError:
        pass
    built = url_for(endpoint, **values)
    if len(remembered) >= REMEMBERED_URLS:
        remembered.clear()
    remembered[key] = built
    return built


def register_template_helpers(app: Flask) -> None:
    app.extensions["remembered_urls"] = {}
    app.jinja_env.globals["url_for"] = remembered_url_for
    app.add_template_filter(describe_date, "date_words")
    app.add_template_filter(rights_label, "rights_label")
    app.add_template_filter(linkify, "linkify")

    @app.context_processor
    def _site() -> dict[str, object]:
        return {"site_name": app.config["SITE_NAME"]}
