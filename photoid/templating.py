"""Filters and globals shared by every template."""
from __future__ import annotations

from flask import Flask

from photoid.text import linkify

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


def register_template_helpers(app: Flask) -> None:
    app.add_template_filter(describe_date, "date_words")
    app.add_template_filter(rights_label, "rights_label")
    app.add_template_filter(linkify, "linkify")

    @app.context_processor
    def _site() -> dict[str, object]:
        return {"site_name": app.config["SITE_NAME"]}
