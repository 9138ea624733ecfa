"""Every word of the date-phrase vocabulary, each with the EDTF it must give, written out by hand.

test_edtf.py covers the shapes of phrases; this file names each word at least once (every season,
month, decade word, ordinal, qualifier, separator and "unknown" word), so deleting one from the
parser's tables, or one alternative from its patterns, fails a test (issue #26, mutation testing).
"""
from __future__ import annotations

from datetime import date

import pytest

from photoid.edtf import EDTFError, is_valid, parse_phrase, validate, words


@pytest.mark.parametrize("text", ["1930/194X", "194X/1950", "19XX/1950", "194X~"])
def test_a_decade_is_never_an_interval_end_or_qualified(text) -> None:
    with pytest.raises(EDTFError):
        validate(text)
    assert not is_valid(text)


@pytest.mark.parametrize(("phrase", "one", "other"), [
    ("12/4/1952", "12 April 1952", "4 December 1952"),
    ("4/12/1952", "4 December 1952", "12 April 1952"),
    ("3/4/1952", "3 April 1952", "4 March 1952"),
])
def test_a_day_and_month_that_could_be_either_way_round_is_asked_about(phrase, one, other) -> None:
    with pytest.raises(EDTFError) as refused:
        parse_phrase(phrase)
    assert str(refused.value) == (f"“{phrase}” could be {one} or {other}. "
                                  f"Please write the month as a word, for example {one}.")


@pytest.mark.parametrize(("phrase", "edtf"), [
    ("13/4/1952", "1952-04-13"), ("4/13/1952", "1952-04-13"), ("4/4/1952", "1952-04-04"),
    ("13.4.1952", "1952-04-13"), ("13-4-1952", "1952-04-13"),
    ("1952/06/03", "1952-06-03"), ("1952.06.03", "1952-06-03"), ("1952/6/3", "1952-06-03"),
    ("6/1952", "1952-06"), ("6.1952", "1952-06"), ("06-1952", "1952-06"),
])
def test_numeric_dates_in_either_order(phrase, edtf) -> None:
    assert parse_phrase(phrase) == edtf


@pytest.mark.parametrize("phrase", ["0/4/1952", "1952/13/03", "2/29/1951"])
def test_numeric_dates_that_do_not_exist_are_refused(phrase) -> None:
    with pytest.raises(EDTFError):
        parse_phrase(phrase)


@pytest.mark.parametrize(("phrase", "edtf"), [
    ("early 1945", "1945-01/1945-04"), ("mid 1945", "1945-05/1945-08"), ("middle 1945", "1945-05/1945-08"),
    ("mid-1945", "1945-05/1945-08"), ("late 1945", "1945-09/1945-12"),
])
def test_early_mid_and_late_in_a_year_are_its_thirds(phrase, edtf) -> None:
    assert parse_phrase(phrase) == edtf


@pytest.mark.parametrize(("phrase", "edtf"), [
    ("spring 1952", "1952-21"), ("summer of 1952", "1952-22"), ("autumn 1952", "1952-23"),
    ("fall 1952", "1952-23"), ("winter 1952", "1952-24"),
])
def test_every_season(phrase, edtf) -> None:
    assert parse_phrase(phrase) == edtf


MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december"]


@pytest.mark.parametrize(("number", "month"), list(enumerate(MONTHS, start=1)))
def test_every_month_by_name_and_by_its_first_three_letters(number, month) -> None:
    assert parse_phrase(f"{month.title()} 1952") == f"1952-{number:02d}"
    assert parse_phrase(f"{month[:3]}. 1952") == f"1952-{number:02d}"
    assert parse_phrase(f"3 {month} 1952") == f"1952-{number:02d}-03"


def test_sept_is_september() -> None:
    assert parse_phrase("Sept 1952") == "1952-09"


@pytest.mark.parametrize(("phrase", "edtf"), [
    ("the teens", "191X"), ("twenties", "192X"), ("the thirties", "193X"), ("forties", "194X"), ("fifties", "195X"),
    ("sixties", "196X"), ("seventies", "197X"), ("eighties", "198X"), ("nineties", "199X"),
])
def test_every_decade_word_is_a_decade_of_the_1900s(phrase, edtf) -> None:
    assert parse_phrase(phrase) == edtf


@pytest.mark.parametrize(("phrase", "edtf"), [
    ("eleventh century", "1001/1100"), ("twelfth century", "1101/1200"), ("thirteenth century", "1201/1300"),
    ("fourteenth century", "1301/1400"), ("fifteenth century", "1401/1500"), ("sixteenth century", "1501/1600"),
    ("seventeenth century", "1601/1700"), ("eighteenth century", "1701/1800"), ("nineteenth century", "1801/1900"),
    ("twentieth century", "1901/2000"),
])
def test_every_ordinal_century_word(phrase, edtf) -> None:
    assert parse_phrase(phrase) == edtf


@pytest.mark.parametrize("phrase", ["twenty-first century", "twenty first century"])
def test_this_century_ends_next_year_at_the_latest(phrase) -> None:
    assert parse_phrase(phrase) == f"2001/{date.today().year + 1}"


@pytest.mark.parametrize("phrase", ["unknown", "n.d.", "nd", "no date", "undated", "not known", "?", "s.d.", "date unknown"])
def test_every_unknown_word_asks_to_leave_the_date_blank(phrase) -> None:
    with pytest.raises(EDTFError) as refused:
        parse_phrase(phrase)
    assert str(refused.value).startswith("If nobody knows the date yet, please leave it blank. If you have a rough idea, try forms like ")


@pytest.mark.parametrize(("phrase", "edtf"), [
    ("circa 1945", "1945~"), ("approximately 1945", "1945~"), ("approx. 1945", "1945~"), ("approx 1945", "1945~"),
    ("about 1945", "1945~"), ("around 1945", "1945~"), ("roughly 1945", "1945~"), ("ca. 1945", "1945~"),
    ("ca 1945", "1945~"), ("c. 1945", "1945~"), ("c1945", "1945~"),
    ("1945 or so", "1945~"), ("1945 or thereabouts", "1945~"), ("1945 circa", "1945~"), ("1945 ca", "1945~"),
    ("1945 approx", "1945~"), ("1945 approximately", "1945~"), ("1945ish", "1945~"), ("1945-ish", "1945~"),
    ("maybe 1945", "1945?"), ("probably 1945", "1945?"), ("perhaps 1945", "1945?"), ("possibly 1945", "1945?"),
    ("likely 1945", "1945?"), ("presumably 1945", "1945?"), ("probably about 1945", "1945%"),
])
def test_every_qualifier_word(phrase, edtf) -> None:
    assert parse_phrase(phrase) == edtf


@pytest.mark.parametrize(("phrase", "edtf"), [
    ("1935 to 1938", "1935/1938"), ("1935 until 1938", "1935/1938"), ("1935 till 1938", "1935/1938"),
    ("1935 through 1938", "1935/1938"), ("1935 thru 1938", "1935/1938"), ("1935 and 1938", "1935/1938"),
    ("1935-1938", "1935/1938"), ("1935 / 1938", "1935/1938"), ("between 1935 and 1938", "1935/1938"),
    ("from 1935 to 1938", "1935/1938"), ("1935-38", "1935/1938"),
])
def test_every_range_word(phrase, edtf) -> None:
    assert parse_phrase(phrase) == edtf


@pytest.mark.parametrize(("phrase", "edtf"), [
    ("during 1945", "1945"), ("in 1945", "1945"), ("taken in 1945", "1945"), ("sometime in 1945", "1945"),
    ("some time during 1945", "1945"),
])
def test_filler_words_before_a_date_are_dropped(phrase, edtf) -> None:
    assert parse_phrase(phrase) == edtf


@pytest.mark.parametrize("phrase", ["to 1945", "-1945", "1945-", "until", "1935 to"])
def test_a_range_with_one_end_missing_is_refused_not_made_a_single_year(phrase) -> None:
    with pytest.raises(EDTFError):
        parse_phrase(phrase)


@pytest.mark.parametrize(("phrase", "edtf"), [
    ("before 1945", "../1945"), ("prior to 1945", "../1945"), ("earlier than 1945", "../1945"),
    ("no later than 1945", "../1945"), ("until 1945", "../1945"), ("up to 1945", "../1945"), ("pre-1945", "../1945"),
    ("1945 or earlier", "../1945"), ("1945 and before", "../1945"),
    ("after 1950", "1950/.."), ("since 1950", "1950/.."), ("later than 1950", "1950/.."),
    ("no earlier than 1950", "1950/.."), ("post-1950", "1950/.."), ("1950 or later", "1950/.."),
    ("1950 and after", "1950/.."), ("1950 onwards", "1950/.."), ("1950 onward", "1950/.."),
    ("probably after 1950", "1950?/.."), ("about before 1945", "../1945~"),
])
def test_open_ranges_keep_their_qualifier(phrase, edtf) -> None:
    assert parse_phrase(phrase) == edtf


@pytest.mark.parametrize(("phrase", "edtf"), [
    ("easter 1943", "1943-04-25~"), ("easter 1818", "1818-03-22~"), ("Easter 2008", "2008-03-23~"),
    ("easter sunday 1954", "1954-04-18~"), ("easter day 1962", "1962-04-22~"), ("Easter of 1961", "1961-04-02~"),
    ("thanksgiving 1946", "1946-11-28~"), ("thanksgiving day 1950", "1950-11-23~"),
    ("probably christmas 1949", "1949-12-25%"),
])
def test_holidays_worked_out_each_year_are_about_their_day(phrase, edtf) -> None:
    """Easter's earliest (22 March 1818) and latest (25 April 1943) days; Thanksgiving when 1 November is a Friday."""
    assert parse_phrase(phrase) == edtf


@pytest.mark.parametrize(("phrase", "edtf"), [
    ("the 19xx", "19XX"), ("early 19xx", "1900/1930"), ("decade 1940-1949", "194X"), ("the the 1940s", "194X"),
    ("probably June to August 1952", "1952-06?/1952-08?"),
])
def test_less_common_forms(phrase, edtf) -> None:
    assert parse_phrase(phrase) == edtf


@pytest.mark.parametrize(("phrase", "message"), [
    ("decade 1940-1959", "We could not read “decade 1940-1959” as a date."),
    ("1/2/1952", "“1/2/1952” could be 1 February 1952 or 2 January 1952."),
    ("30 february to march 1952", "There is no 30 February in 1952."),  # the reason, not "could not read"
])
def test_a_phrase_that_cannot_be_a_date_says_why(phrase, message) -> None:
    with pytest.raises(EDTFError) as refused:
        parse_phrase(phrase)
    assert str(refused.value).startswith(message)


@pytest.mark.parametrize(("edtf", "said"), [
    ("1001/1100", "the 11th century"), ("1101/1200", "the 12th century"), ("1201/1300", "the 13th century"),
    ("1801/1900", "the 19th century"), ("1901/2000", "the 20th century"), ("2001/2026", "between 2001 and 2026"),
    ("1801~/1900", "between about 1801 and 1900"), ("1801/1900~", "between 1801 and about 1900"),
    ("1800/1899", "between 1800 and 1899"), ("1811/1910", "between 1811 and 1910"),
    ("1801-01/1900", "between January 1801 and 1900"),
])
def test_a_century_is_said_as_one_only_when_it_is_exactly_one(edtf, said) -> None:
    assert words(edtf) == said


@pytest.mark.parametrize(("phrase", "edtf"), [
    ("about 1945-01", "1945-01~"), ("about 1945-12", "1945-12~"), ("about 1945-21", "1945-21~"),
    ("about 1945-24", "1945-24~"), ("1945-46", "1945/1946"), ("spring of ‘52", "1952-21"), ("summer of ’52", "1952-22"),
])
def test_a_year_and_two_digits_is_a_month_a_season_or_a_later_year(phrase, edtf) -> None:
    assert parse_phrase(phrase) == edtf


@pytest.mark.parametrize("phrase", ["1945-13", "1945-20", "1945-45"])
def test_two_digits_that_are_neither_a_month_nor_a_later_year_are_a_bad_month(phrase) -> None:
    with pytest.raises(EDTFError) as refused:
        parse_phrase(phrase)
    assert str(refused.value) == (f"There is no month {phrase[-2:]} in “{phrase}”. "
                                  "Please write the month as a word, for example June 1952.")


@pytest.mark.parametrize(("holiday", "day"), [
    ("Christmas Eve", "12-24"), ("Christmas", "12-25"), ("Christmas Day", "12-25"), ("Xmas", "12-25"),
    ("Boxing Day", "12-26"), ("New Year's Eve", "12-31"), ("New Years Eve", "12-31"), ("New Year's Day", "01-01"),
    ("New Years Day", "01-01"), ("New Year's", "01-01"), ("New Year", "01-01"), ("Valentine's Day", "02-14"),
    ("Halloween", "10-31"), ("Hallowe'en", "10-31"), ("Independence Day", "07-04"), ("Fourth of July", "07-04"),
    ("the Fourth of July", "07-04"), ("July 4th", "07-04"), ("Armistice Day", "11-11"), ("Remembrance Day", "11-11"),
    ("Veterans Day", "11-11"),
])
def test_every_fixed_holiday_is_about_its_day(holiday, day) -> None:
    assert parse_phrase(f"{holiday} 1949") == f"1949-{day}~"
