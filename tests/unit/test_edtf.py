"""Unit tests for photoid.edtf: phrases to EDTF, validation, and rendering for people and facets."""
from __future__ import annotations

import re
from datetime import date

import pytest

from photoid.edtf import (
    EDTFError,
    decades,
    describe,
    is_valid,
    iso8601,
    life_dates,
    parse_phrase,
    sort_key,
    validate,
    words,
    year_bounds,
    year_range,
)

PHRASES = [
    # plain and qualified years
    ("1945", "1945"),
    ("  1945  ", "1945"),
    ("1945.", "1945"),
    ("about 1945", "1945~"),
    ("About   1945", "1945~"),
    ("circa 1945", "1945~"),
    ("ca. 1945", "1945~"),
    ("ca 1945", "1945~"),
    ("c1945", "1945~"),
    ("c. 1945", "1945~"),
    ("c.1945", "1945~"),
    ("around 1945", "1945~"),
    ("approximately 1945", "1945~"),
    ("approx. 1945", "1945~"),
    ("roughly 1945", "1945~"),
    ("1945 or so", "1945~"),
    ("sometime in 1945", "1945"),
    ("1945?", "1945?"),
    ("probably 1945", "1945?"),
    ("maybe 1945", "1945?"),
    ("perhaps 1945", "1945?"),
    ("about 1945?", "1945%"),
    ("possibly about 1945", "1945%"),
    ("[1945]", "1945"),
    ("[1945?]", "1945?"),
    ("[ca. 1945]", "1945~"),
    # decades and centuries
    ("1940s", "194X"),
    ("the 1940s", "194X"),
    ("1940's", "194X"),
    ("1940’s", "194X"),
    ("'40s", "194X"),
    ("forties", "194X"),
    ("the forties", "194X"),
    ("the twenties", "192X"),
    ("in the 1940s", "194X"),
    ("1900s", "190X"),  # a decade, by design (see module)
    ("1800s", "180X"),
    ("the decade 1900–1909", "190X"),
    # a named century is counted as people count it: the 19th is 1801-1900, not 18XX (1800-1899)
    ("19th century", "1801/1900"),
    ("the nineteenth century", "1801/1900"),
    ("20th century", "1901/2000"),
    ("19th c.", "1801/1900"),
    ("late 19th century", "1870/1900"),
    ("early 19th century", "1801/1830"),
    ("mid 19th century", "1830/1870"),
    ("about the 19th century", "1801~/1900~"),
    ("early 1900s", "1900/1930"),  # "early/late 1900s" is the century's start or end, not the decade's
    ("late 1800s", "1870/1899"),
    ("19xx", "19XX"),
    ("about the 1940s", "1940~/1949~"),
    ("1940s?", "1940?/1949?"),
    ("early 1940s", "1940/1943"),
    ("mid 1940s", "1943/1947"),
    ("mid-1940s", "1943/1947"),
    ("mid-forties", "1943/1947"),
    ("late 1940s", "1947/1949"),
    ("in the early 1940s", "1940/1943"),
    ("early 20th century", "1901/1930"),
    # "-ish", two-digit years and holidays
    ("1950ish", "1950~"),
    ("1950-ish", "1950~"),
    ("1950s-ish", "1950~/1959~"),
    ("spring of '52", "1952-21"),
    ("summer '52", "1952-22"),
    ("June '52", "1952-06"),
    ("Christmas 1949", "1949-12-25~"),
    ("Christmas Eve 1949", "1949-12-24~"),
    ("Christmas, 1949", "1949-12-25~"),
    ("Easter 1960", "1960-04-17~"),
    ("Easter Sunday 1949", "1949-04-17~"),
    ("Thanksgiving 1950", "1950-11-23~"),
    ("New Year's Day 1950", "1950-01-01~"),
    ("Fourth of July 1925", "1925-07-04~"),
    ("Halloween 1938", "1938-10-31~"),
    ("autumn of 1938", "1938-23"),
    ("fall of 1938", "1938-23"),
    ("c. 1920", "1920~"),
    ("circa 1920", "1920~"),
    ("1920?", "1920?"),
    ("late 1945", "1945-09/1945-12"),
    # ranges
    ("between 1935 and 1938", "1935/1938"),
    ("1935-1938", "1935/1938"),
    ("1935 - 1938", "1935/1938"),
    ("1935–1938", "1935/1938"),
    ("1935—1938", "1935/1938"),
    ("1935 to 1938", "1935/1938"),
    ("from 1935 to 1938", "1935/1938"),
    ("1935/1938", "1935/1938"),
    ("1935-38", "1935/1938"),
    ("1935 - 38", "1935/1938"),
    ("c. 1935-1938", "1935~/1938~"),
    ("between about 1940 and about 1950", "1940~/1950~"),
    ("1940s to 1950s", "1940/1959"),
    ("1950s-60s", "1950/1969"),
    ("Oct 1952 - Jan 1953", "1952-10/1953-01"),
    ("June to August 1952", "1952-06/1952-08"),
    ("1952-06-03 to 1952-06-10", "1952-06-03/1952-06-10"),
    # seasons
    ("summer 1952", "1952-22"),
    ("Summer of 1952", "1952-22"),
    ("spring 1952", "1952-21"),
    ("autumn 1952", "1952-23"),
    ("fall 1952", "1952-23"),
    ("winter 1952", "1952-24"),
    ("about summer 1952", "1952-22~"),
    # months and days
    ("June 1952", "1952-06"),
    ("Jun 1952", "1952-06"),
    ("Jun. 1952", "1952-06"),
    ("Sept. 1952", "1952-09"),
    ("6/1952", "1952-06"),
    ("June 3, 1952", "1952-06-03"),
    ("3 June 1952", "1952-06-03"),
    ("3rd June 1952", "1952-06-03"),
    ("3rd of June, 1952", "1952-06-03"),
    ("June 3rd 1952", "1952-06-03"),
    ("13/4/1952", "1952-04-13"),  # unambiguous: 13 cannot be a month
    ("4/13/1952", "1952-04-13"),
    ("4/4/1952", "1952-04-04"),
    ("1952-06-03", "1952-06-03"),
    ("1952-06", "1952-06"),
    ("about June 1952", "1952-06~"),
    ("1952-02-29", "1952-02-29"),  # leap year
    # open ends
    ("before 1950", "../1950"),
    ("pre-1950", "../1950"),
    ("Pre 1950", "../1950"),
    ("1950 or earlier", "../1950"),
    ("after 1950", "1950/.."),
    ("post-1950", "1950/.."),
    ("1950 or later", "1950/.."),
    ("before about 1950", "../1950~"),
    ("before the 1940s", "../1940"),
    ("after the 1940s", "1949/.."),
    # EDTF passes through, canonicalised
    ("194X", "194X"),
    ("194x", "194X"),
    ("19XX", "19XX"),
    ("1945~", "1945~"),
    ("1945?", "1945?"),
    ("1945%", "1945%"),
    ("1952-22", "1952-22"),
    ("1940~/1950~", "1940~/1950~"),
    ("../1950", "../1950"),
    ("1950/..", "1950/.."),
    ("194X~", "1940~/1949~"),
]

REJECTED = [
    "",
    "   ",
    "yesterday",
    "unknown",
    "n.d.",
    "?",
    "1945-13",
    "1945-00",
    "1952-02-30",
    "1953-02-29",
    "1950 to 1940",
    "between 1950 and 1940",
    "3/4/1952",
    "9999",
    "999",
    "5th century",
    "<script>",
    "<script>alert(1)</script>",
    "x" * 500,
    "1945" + " " * 200,
    "3/4/52",
    "Bill's wedding",
    "../..",
]

EXAMPLE_FORM = re.compile(r"(try forms like|for example) [^.]*\d{4}", re.IGNORECASE)


@pytest.mark.parametrize(("phrase", "expected"), PHRASES)
def test_parse_phrase(phrase: str, expected: str) -> None:
    assert parse_phrase(phrase) == expected


@pytest.mark.parametrize("phrase", REJECTED)
def test_parse_phrase_rejects_with_a_friendly_message(phrase: str) -> None:
    with pytest.raises(EDTFError) as caught:
        parse_phrase(phrase)
    message = str(caught.value)
    assert message.strip() and message.endswith(".")
    assert len(message) < 250
    assert EXAMPLE_FORM.search(message), message
    assert "<" not in message and "Traceback" not in message and "regex" not in message.lower()


def test_edtf_error_is_a_value_error() -> None:
    assert issubclass(EDTFError, ValueError)
    with pytest.raises(ValueError):
        parse_phrase("blah")


@pytest.mark.parametrize(
    ("phrase", "fragment"),
    [
        ("blah", "We could not read “blah” as a date."),
        ("3/4/1952", "write the month as a word"),
        ("3/4/1952", "3 April 1952 or 4 March 1952"),
        ("9999", "cannot be from the future"),
        ("1945-13", "no month 13"),
        ("1952-02-30", "no 30 February in 1952"),
        ("1950 to 1940", "earlier date first"),
        ("unknown", "leave it blank"),
        ("", "Please enter a date"),
        ("x" * 500, "too long"),
        ("<script>", "We could not read that as a date."),
    ],
)
def test_error_messages_say_what_to_do(phrase: str, fragment: str) -> None:
    with pytest.raises(EDTFError, match=re.escape(fragment)):
        parse_phrase(phrase)


def test_years_up_to_next_year_only() -> None:
    this_year = date.today().year
    assert parse_phrase(str(this_year)) == str(this_year)
    assert parse_phrase(f"about {this_year + 1}") == f"{this_year + 1}~"
    with pytest.raises(EDTFError, match="future"):
        parse_phrase(str(this_year + 2))
    with pytest.raises(EDTFError, match="future"):
        validate(f"1990/{this_year + 2}")
    assert parse_phrase("1000") == "1000"
    with pytest.raises(EDTFError, match="1000 onwards"):
        validate("0999")


@pytest.mark.parametrize("phrase", [p for p, _ in PHRASES])
def test_every_accepted_phrase_is_valid_describable_edtf(phrase: str) -> None:
    edtf = parse_phrase(phrase)
    assert validate(edtf) == edtf
    assert is_valid(edtf)
    assert describe(edtf)
    assert sort_key(edtf)
    assert parse_phrase(edtf) == edtf


@pytest.mark.parametrize(
    ("edtf", "canonical"),
    [
        ("1945", "1945"),
        (" 1945 ", "1945"),
        ("194x", "194X"),
        ("19xx", "19XX"),
        ("1952-06-03", "1952-06-03"),
        ("1952-06-03%", "1952-06-03%"),
        ("1952-24?", "1952-24?"),
        ("1935/1938", "1935/1938"),
        ("1952-06/1953", "1952-06/1953"),
        ("1945/1945", "1945/1945"),
        ("../1950~", "../1950~"),
    ],
)
def test_validate_canonicalises(edtf: str, canonical: str) -> None:
    assert validate(edtf) == canonical
    assert is_valid(edtf)


@pytest.mark.parametrize(
    "edtf",
    [
        "", "   ", "about 1945", "1945-13", "1945-00", "1952-02-30", "1952-25", "194X~", "194X/1950",
        "1950/1940", "../..", "/1950", "1950/", "1945/1950/1955", "0999", "9999", "45", "1945-6",
        "1985-04-12T23:20:30", "Y170000002", "-1945", "[1667,1668]", "1XXX", "1945~~", "x" * 200,
    ],
)
def test_validate_rejects(edtf: str) -> None:
    with pytest.raises(EDTFError) as caught:
        validate(edtf)
    assert str(caught.value)
    assert not is_valid(edtf)


@pytest.mark.parametrize("value", [None, 1945, b"1945"])
def test_non_strings_are_rejected_politely(value: object) -> None:
    assert not is_valid(value)  # type: ignore[arg-type]
    with pytest.raises(EDTFError, match="Please enter a date"):
        parse_phrase(value)  # type: ignore[arg-type]


DESCRIPTIONS = [
    ("1945", "1945"),
    ("1945~", "about 1945"),
    ("1945?", "possibly 1945"),
    ("1945%", "possibly about 1945"),
    ("194X", "the 1940s"),
    ("192X", "the 1920s"),
    ("190X", "the decade 1900–1909"),
    ("19XX", "the 1900s"),
    ("18XX", "the 1800s"),
    ("1935/1938", "between 1935 and 1938"),
    ("1952-21", "spring 1952"),
    ("1952-22", "summer 1952"),
    ("1952-23", "autumn 1952"),
    ("1952-24", "winter 1952"),
    ("1952-22?", "possibly summer 1952"),
    ("1952-06", "June 1952"),
    ("1952-06~", "about June 1952"),
    ("1952-06-03", "3 June 1952"),
    ("1952-06-03?", "possibly 3 June 1952"),
    ("../1950", "before 1950"),
    ("../1950~", "before about 1950"),
    ("1950/..", "after 1950"),
    ("1940~/1950~", "between about 1940 and about 1950"),
    ("1940~/1949~", "between about 1940 and about 1949"),
    ("1952-06/1952-08", "between June 1952 and August 1952"),
    ("1943/1947", "between 1943 and 1947"),
    ("1801/1900", "the 19th century"),
    ("1901/2000", "the 20th century"),
    ("1201/1300", "the 13th century"),
]


@pytest.mark.parametrize(("edtf", "words"), DESCRIPTIONS)
def test_describe(edtf: str, words: str) -> None:
    assert describe(edtf) == words


@pytest.mark.parametrize(("edtf", "words"), [(e, w) for e, w in DESCRIPTIONS if not e.endswith("XX")])
def test_descriptions_read_back_as_the_same_edtf(edtf: str, words: str) -> None:
    # Centuries are the exception: "the 1900s" is read back as the decade 190X (see module).
    assert parse_phrase(words) == edtf


@pytest.mark.parametrize("edtf", ["about 1945", "1945-13", "", "1950/1940", "<b>1945</b>"])
def test_describe_rejects_invalid(edtf: str) -> None:
    with pytest.raises(EDTFError):
        describe(edtf)


@pytest.mark.parametrize(
    ("edtf", "years", "decade_list"),
    [
        ("1945", (1945, 1945), [1940]),
        ("1945~", (1945, 1945), [1940]),
        ("1945%", (1945, 1945), [1940]),
        ("194X", (1940, 1949), [1940]),
        ("19XX", (1900, 1999), [1900, 1910, 1920, 1930, 1940, 1950, 1960, 1970, 1980, 1990]),
        ("1935/1938", (1935, 1938), [1930]),
        ("1935/1948", (1935, 1948), [1930, 1940]),
        ("1940~/1950~", (1940, 1950), [1940, 1950]),
        ("1952-24", (1952, 1952), [1950]),
        ("1959-12-31/1960-01-01", (1959, 1960), [1950, 1960]),
        ("../1950", None, []),
        ("1950/..", None, []),
        ("not a date", None, []),
        ("", None, []),
    ],
)
def test_year_range_and_decades(edtf: str, years: tuple[int, int] | None, decade_list: list[int]) -> None:
    assert year_range(edtf) == years
    assert decades(edtf) == decade_list


@pytest.mark.parametrize(
    ("edtf", "key"),
    [
        ("1945", "1945-01-01"),
        ("1945~", "1945-01-01"),
        ("194X", "1940-01-01"),
        ("1952-06", "1952-06-01"),
        ("1952-06-03?", "1952-06-03"),
        ("1952-22", "1952-06-01"),
        ("1935/1938", "1935-01-01"),
        ("../1950", "1950-01-01"),
        ("1950/..", "1950-01-01"),
        ("rubbish", "9999-12-31"),
    ],
)
def test_sort_key(edtf: str, key: str) -> None:
    assert sort_key(edtf) == key


def test_sort_key_orders_chronologically() -> None:
    values = ["1952-06-03", "194X", "1945~", "1952-22", "../1930", "1952", "19XX", "rubbish"]
    expected = ["19XX", "../1930", "194X", "1945~", "1952", "1952-22", "1952-06-03", "rubbish"]
    assert sorted(values, key=sort_key) == expected


def test_the_current_century_ends_next_year_at_the_latest() -> None:
    assert parse_phrase("21st century") == f"2001/{date.today().year + 1}"


@pytest.mark.parametrize("phrase", ["10th century", "Easter", "Christmas 1949 1950", "Groundhog Day 1950"])
def test_more_phrases_rejected(phrase: str) -> None:
    with pytest.raises(EDTFError):
        parse_phrase(phrase)


@pytest.mark.parametrize(
    ("edtf", "text"),
    [(None, ""), ("", ""), ("1952-22", "summer 1952"), ("sometime", "sometime"), ("1950/1940", "1950/1940")],
)
def test_words_never_raise(edtf: str | None, text: str) -> None:
    assert words(edtf) == text


@pytest.mark.parametrize(
    ("edtf", "text"),
    [
        ("1881/1954", "1881–1954"),
        ("1881~/1954", "about 1881–1954"),
        ("1881/..", "born 1881"),
        ("../1954", "died 1954"),
        ("1881", "1881"),
        (None, ""),
        ("not a date", "not a date"),
    ],
)
def test_life_dates_read_as_a_heading_gives_them(edtf: str | None, text: str) -> None:
    assert life_dates(edtf) == text


@pytest.mark.parametrize(
    ("edtf", "iso"),
    [
        ("1925", "1925"),
        ("1925-07-04", "1925-07-04"),
        ("1952-06", "1952-06"),
        ("1945~", None),
        ("1945?", None),
        ("194X", "1940/1949"),
        ("19XX", "1900/1999"),
        ("1935/1938", "1935/1938"),
        ("1940~/1950~", None),
        ("1952-06/1952-08", "1952-06/1952-08"),
        ("1801/1900", "1801/1900"),
        ("1952-22", None),
        ("1952-22/1952-23", None),
        ("../1950", None),
        ("1950/..", None),
        ("rubbish", None),
        (None, None),
    ],
)
def test_iso8601(edtf: str | None, iso: str | None) -> None:
    assert iso8601(edtf) == iso


def test_year_bounds_reach_the_open_ends() -> None:
    assert year_bounds("1952-22") == (1952, 1952)
    assert year_bounds("194X") == (1940, 1949)
    assert year_bounds("../1950") == (1000, 1950)
    assert year_bounds("1950/..") == (1950, date.today().year + 1)
    assert year_bounds("rubbish") is None
    assert year_bounds(None) is None
