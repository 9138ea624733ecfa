"""Whole numbers in the address (``?page=``, ``?contributor=``): one converter for every route, so
a 20-digit id or an absurd page number gets a 400 with a message (or is ignored with one, as the
moderation queue does for its filters), never an overflow inside the database driver (a 500).
"""
from __future__ import annotations

import pytest

from photoid.params import MAX_ID, BadNumber, record_ids, whole_number
from tests.factories import make_collection, make_institution


def test_a_twenty_digit_contributor_filter_is_ignored_with_a_message(client, login_as) -> None:  # type: ignore[no-untyped-def]
    institution = make_institution()
    make_collection(institution=institution)
    login_as("archivist", institutions=[institution])
    response = client.get("/moderation?contributor=99999999999999999999")
    assert response.status_code == 400
    assert "contributor filter was not understood" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/contributors", "/browse/recent", "/browse/discussed", "/campaigns", "/help",
                                  "/collections/main-street", "/moderation", "/moderation/log", "/authorities"])
@pytest.mark.parametrize("page", ["99999999999999999999", "0", "abc", "²", "9" * 5000])
def test_every_paged_list_refuses_a_page_number_out_of_range_the_same_way(client, login_as, path: str, page: str) -> None:  # type: ignore[no-untyped-def]
    institution = make_institution()
    make_collection(institution=institution, slug="main-street", is_published=True)
    login_as("archivist", institutions=[institution])
    response = client.get(path, query_string={"page": page})
    assert response.status_code == 400
    assert "The page number must be a whole number from 1 to 100,000" in response.get_data(as_text=True)


@pytest.mark.parametrize("raw", ["99999999999999999999", str(MAX_ID + 1), "0", "-1", "1e3", " 1", "١", "9" * 5000])
def test_the_converter_refuses_what_no_id_column_holds(raw: str) -> None:
    with pytest.raises(BadNumber, match="whole number"):
        whole_number(raw, what="record number")


def test_the_converter_keeps_ids_up_to_64_bits_and_drops_the_rest_of_a_list() -> None:
    assert whole_number(str(MAX_ID), what="record number") == MAX_ID
    assert whole_number("", what="record number") is None and whole_number(None, what="page number") is None
    assert record_ids(["3", "99999999999999999999", "x", "7", 5]) == [3, 7]
