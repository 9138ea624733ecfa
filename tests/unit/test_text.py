"""Patrons' text made safe for spreadsheets, XML and one-line headings: each rule with its own example
(test_linkify.py covers the links)."""
from __future__ import annotations

import pytest

from photoid.text import has_broken_characters, is_xml_text, linkify, neutralise, one_line, tidy_lines


@pytest.mark.parametrize("cell", ["=SUM(A1)", "+1 555", "-2", "@cmd", "\tx", "\rx"])
def test_a_cell_a_spreadsheet_would_run_as_a_formula_gets_an_apostrophe(cell) -> None:
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Main Street", "1945", "", " =not first", "a=b"])
def test_other_cells_are_left_alone(cell) -> None:
    assert neutralise(cell) == cell


@pytest.mark.parametrize(("text", "broken"), [
    ("Main Street", False), ("Ünïcode ✓ 😀", False), ("\ud800", True), ("a\udfffb", True), ("\ufdd0", True),
    ("\ufdef", True), ("\ufffe", True), ("\uffff", True), ("\U0001fffe", True), ("\U0010ffff", True),
    ("\ufdcf", False), ("\ufdf0", False), ("\U0001fffd", False),
])
def test_lone_surrogates_and_noncharacters_are_broken(text, broken) -> None:
    assert has_broken_characters(text) is broken


@pytest.mark.parametrize(("text", "allowed"), [
    ("tab\tline\nreturn\r", True), ("space ~", True), ("\ud7ff\ue000\ufffd", True), ("\U00010000\U0010ffff", True),
    ("\x00", False), ("\x08", False), ("\x0b", False), ("\x1f", False), ("\ud800", False), ("\ufffe", False),
    ("\uffff", False),
])
def test_xml_text_is_what_xml_1_0_allows(text, allowed) -> None:
    assert is_xml_text(text) is allowed


@pytest.mark.parametrize(("value", "line"), [
    ("  Main\tStreet\n parade ", "Main Street parade"), ("bell\x07 ring", "bell ring"), ("\x7f\x9f", ""),
    ("del\x7fete", "delete"), (None, ""), (1945, "1945"), ("a\x0bb", "a b"), ("\x0c", ""),
])
def test_one_line_drops_controls_and_folds_whitespace(value, line) -> None:
    assert one_line(value) == line


def test_tidy_lines_keeps_paragraphs_with_at_most_one_blank_line_between() -> None:
    text = "  First\tline \r\nsecond\x07 line\r\r\n\n\n\nNew  paragraph\n\n"
    assert tidy_lines(text) == "First line\nsecond line\n\nNew paragraph"
    assert tidy_lines(None) == "" and tidy_lines("one\n\ntwo") == "one\n\ntwo"


@pytest.mark.parametrize(("text", "href"), [
    ("see https://x.org.", "https://x.org"), ("see https://x.org,", "https://x.org"), ("https://x.org;", "https://x.org"),
    ("https://x.org:", "https://x.org"), ("https://x.org!", "https://x.org"), ("https://x.org?", "https://x.org"),
    ("'https://x.org'", "https://x.org"), ('"https://x.org"', "https://x.org"), ("*https://x.org*", "https://x.org"),
    ("(https://x.org/a)", "https://x.org/a"), ("[https://x.org/a]", "https://x.org/a"),
    ("https://x.org/a_(b)", "https://x.org/a_(b)"), ("https://x.org/[1]", "https://x.org/[1]"),
    ("http://x.org:8080/p", "http://x.org:8080/p"),
])
def test_the_link_ends_where_the_address_does(text, href) -> None:
    assert f'<a href="{href}" rel="nofollow ugc noopener">{href}</a>' in linkify(text)


def test_windows_and_old_mac_line_breaks_become_br() -> None:
    assert linkify("one\r\ntwo\rthree") == "one<br>\ntwo<br>\nthree"


def test_old_mac_line_breaks_are_line_breaks_in_a_description() -> None:
    assert tidy_lines("one\rtwo") == "one\ntwo"


@pytest.mark.parametrize("text", ["https://x.org\ue000", "https://x.org/a\u0378", "https://x.org\u200b", "https://x.orgé"])
def test_an_address_running_into_a_private_unassigned_or_invisible_character_stays_text(text) -> None:
    assert "<a " not in linkify(text)


def test_an_address_after_a_misleading_one_is_still_a_link() -> None:
    assert linkify("not https://eхample.org but https://x.org") == (
        'not https://eхample.org but <a href="https://x.org" rel="nofollow ugc noopener">https://x.org</a>')
