"""The impact dashboard fits two screens of a laptop, each figure once with a small weekly chart (issue 20)."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot
from tests.browser.pages import sign_in


def test_the_dashboard_fits_two_screens_and_says_each_figure_once(page: Page) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, "admin@example.org")
    page.goto("/admin/impact")
    expect(page.get_by_role("heading", name="Impact: The whole consortium")).to_be_visible()
    median = page.get_by_role("region", name="Median time to decision", exact=True)
    expect(median).to_contain_text(re.compile(r"(hours?|minutes?|under a minute)\s+median of \d+ decisions? in the last 12 weeks|No decisions yet"))
    expect(median).not_to_contain_text("0.0 decisions")
    expect(page.get_by_role("img", name="Identifications received, by week")).to_be_visible()
    screenshot(page, "impact-dashboard")
    assert page.evaluate("document.body.scrollHeight") <= 1600
