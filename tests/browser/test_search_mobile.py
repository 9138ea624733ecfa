"""The search page on a phone (390×844): the results come first, the ways to narrow them after."""
from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.test_mobile_journey import assert_no_sideways_scrolling, phone  # noqa: F401 (fixture)


def test_on_a_phone_the_first_result_comes_before_the_facets(phone: Page) -> None:  # noqa: F811
    page = phone
    page.goto("/search?q=street")
    results = page.get_by_role("list", name="Results")
    first = results.get_by_role("listitem").first
    facets = page.get_by_role("navigation", name="Narrow the results")
    expect(first).to_be_visible()
    expect(facets).to_be_attached()

    # In reading order (what a screen reader and the keyboard follow) the results come first...
    order = page.evaluate(
        "([a, b]) => a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING",
        [first.element_handle(), facets.element_handle()],
    )
    assert order, "the facets come before the first result in the page"
    # ...and on screen the first result starts within the first screenful, above the facets.
    result_box, facets_box = first.bounding_box(), facets.bounding_box()
    assert result_box is not None and facets_box is not None
    assert result_box["y"] < 844, f"the first result starts below the first screen: {result_box}"
    assert result_box["y"] < facets_box["y"], f"the facets are above the first result: {facets_box} vs {result_box}"
    assert_no_sideways_scrolling(page)

    # The facets still work from down there.
    facets.get_by_role("link").first.click()
    expect(page.get_by_role("region", name="Showing only")).to_be_visible()
