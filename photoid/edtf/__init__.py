"""Dates the way people say them, recorded as EDTF (Library of Congress, ISO 8601-2).

Supported EDTF subset (levels 0 and 1, years 1000 to next year only):

* dates: ``1945``, ``1952-06``, ``1952-06-03``; seasons ``1952-21`` (spring) to ``1952-24`` (winter);
* a qualifier on a whole date or season: ``?`` uncertain, ``~`` approximate, ``%`` both;
* unspecified trailing year digits: ``194X`` (a decade), ``19XX`` (the hundred years 1900-1999), never qualified;
* intervals of two (optionally qualified) dates or seasons, either end may be open (``..``):
  ``1935/1938``, ``1940~/1950~``, ``../1950``, ``1950/..``.

Not supported: times, negative or ``Y``-prefixed years, unknown ("empty") interval ends,
``X`` in months or days, and every level 2 feature.  Lower-case ``x`` is accepted and canonicalised.

Facet helpers count a season inside its named year (winter 1952 is December 1952 for sorting).

A named century is counted the way people count it: the 19th century is 1801-1900 (``1801/1900``),
not ``18XX`` (1800-1899). Holidays ("Christmas 1949", "Easter 1960") are about their day.
"""
from photoid.edtf.dates import (
    HINT,
    MIN_YEAR,
    MONTH_NAMES,
    SEASON_NAMES,
    EDTFError,
    decades,
    describe,
    is_valid,
    iso8601,
    life_dates,
    sort_key,
    validate,
    words,
    year_bounds,
    year_range,
)
from photoid.edtf.phrases import parse_phrase

__all__ = ["HINT", "MIN_YEAR", "MONTH_NAMES", "SEASON_NAMES", "EDTFError", "decades", "describe", "is_valid", "iso8601",
           "life_dates", "parse_phrase", "sort_key", "validate", "words", "year_bounds", "year_range"]
