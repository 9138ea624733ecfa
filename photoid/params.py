"""Whole numbers read from the address (``?page=2``, ``?contributor=17``): one converter for every route.

Record ids must fit a 64-bit column (SQLite's INTEGER and PostgreSQL's BIGINT stop at 2**63 - 1),
so a longer number is refused here instead of overflowing inside the database driver (a 500).
Page numbers stop at ``MAX_PAGE``. Only ASCII digits count: "²" and "١" are digits to Python,
not to a reader, and a sign or a space makes the value not understood.

``whole_number`` is the converter itself and raises ``BadNumber``; a route either turns that into
a 400 with its message (``page_arg``, ``id_arg``) or ignores the value and shows the message, as
the moderation queue does for a filter it cannot apply.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import NoReturn

from flask import abort, request

#: The largest id a 64-bit signed column holds.
MAX_ID = 2**63 - 1
#: No list here is anywhere near 100,000 pages long.
MAX_PAGE = 100_000


class BadNumber(ValueError):
    """A value that is not a whole number in range; the message says what to change."""


def whole_number(raw: str | None, *, what: str, high: int = MAX_ID) -> int | None:
    """``raw`` as a whole number from 1 to ``high``, or None when it is missing or empty.

    Changes nothing. Raises BadNumber, with a message naming ``what`` ("page number"), for
    anything else: letters, signs, non-ASCII digits, 0, or a number above ``high``.
    """
    if raw is None or raw == "":
        return None
    if not (raw.isascii() and raw.isdecimal()) or len(raw) > len(str(high)) or not 1 <= int(raw) <= high:
        limit = "of 1 or more" if high == MAX_ID else f"from 1 to {high:,}"
        raise BadNumber(f"The {what} must be a whole number {limit}. Please check the address.")
    return int(raw)


def _refuse(error: BadNumber) -> NoReturn:
    abort(400, str(error))


def page_arg(name: str = "page", *, high: int = MAX_PAGE) -> int:
    """The page number in ``?page=`` (1 when there is none). A bad one ends the request with a
    400 that says what is wrong."""
    try:
        return whole_number(request.args.get(name), what="page number", high=high) or 1
    except BadNumber as error:
        _refuse(error)


def id_arg(name: str, *, what: str, high: int = MAX_ID) -> int | None:
    """The record id in ``?<name>=``, or None when there is none. A bad one ends the request with
    a 400 that says what is wrong."""
    try:
        return whole_number(request.args.get(name), what=what, high=high)
    except BadNumber as error:
        _refuse(error)


def record_ids(values: Iterable[object]) -> list[int]:
    """The values that are record ids (whole numbers from 1 to MAX_ID), in their order; anything
    else (a ticked box that was tampered with) is left out. Changes nothing, raises nothing."""
    found = []
    for value in values:
        try:
            number = whole_number(value, what="record number") if isinstance(value, str) else None
        except BadNumber:
            continue
        if number is not None:
            found.append(number)
    return found
