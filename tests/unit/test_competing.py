"""Suggestions about the same face or building are grouped so the page can show them side by side."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from photoid.contributions.competing import competing_groups, overlap


@dataclass
class Claim:
    name: str
    kind: str = "person"
    region_x: float | None = None
    region_y: float | None = None
    region_w: float | None = None
    region_h: float | None = None


def box(name: str, x: float, y: float, w: float, h: float, kind: str = "person") -> Claim:
    return Claim(name, kind, x, y, w, h)


def names(groups: list[list[Claim]]) -> list[list[str]]:
    return [[c.name for c in group] for group in groups]


def test_overlap_is_intersection_over_union() -> None:
    assert overlap(box("a", 0, 0, 0.2, 0.2), box("b", 0, 0, 0.2, 0.2)) == pytest.approx(1.0)
    assert overlap(box("a", 0, 0, 0.2, 0.2), box("b", 0.1, 0, 0.2, 0.2)) == pytest.approx(1 / 3)
    assert overlap(box("a", 0, 0, 0.1, 0.1), box("b", 0.5, 0.5, 0.1, 0.1)) == 0
    assert overlap(box("a", 0, 0, 0.1, 0.1), Claim("no box")) == 0


def test_two_names_for_one_face_compete_and_a_neighbour_does_not() -> None:
    claims = [
        box("John Smith", 0.10, 0.10, 0.20, 0.30),
        box("Mary Jones", 0.40, 0.10, 0.20, 0.30),  # the person next to him
        box("James Smith", 0.12, 0.11, 0.19, 0.29),
    ]
    assert names(competing_groups(claims)) == [["John Smith", "James Smith"], ["Mary Jones"]]


def test_same_box_different_kinds_do_not_compete() -> None:
    claims = [box("Town Hall", 0.1, 0.1, 0.5, 0.5, kind="place"), box("Mayor's day", 0.1, 0.1, 0.5, 0.5, kind="event")]
    assert names(competing_groups(claims)) == [["Town Hall"], ["Mayor's day"]]


def test_dates_compete_with_each_other_and_keywords_never() -> None:
    claims = [Claim("1945~", "date"), Claim("horses", "keyword"), Claim("1948", "date"), Claim("horses", "keyword")]
    assert names(competing_groups(claims)) == [["1945~", "1948"], ["horses"], ["horses"]]


def test_names_without_a_box_stand_alone() -> None:
    assert names(competing_groups([Claim("John"), Claim("James")])) == [["John"], ["James"]]
