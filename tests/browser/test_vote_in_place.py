"""A vote, and taking it back, bring the voter back to the suggestion, not to the top of the page (issue 20)."""
from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.test_identify_journey import open_photo, watch_for_errors
from tests.browser.test_moderation_journey import sign_in


def test_voting_and_taking_the_vote_back_keep_the_suggestion_in_view(page: Page, browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, "patron@example.org")
    photo_url = open_photo(page, "parade")
    page.get_by_role("link", name="Identify something in this photo").click()
    page.get_by_label("When it was taken").check()
    page.get_by_label("Date", exact=True).fill("spring 1921")
    page.get_by_role("button", name="Send to the archivists").click()
    expect(page.get_by_role("status")).to_contain_text("Thank you!")

    neighbour = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 800}).new_page()
    errors = watch_for_errors(neighbour)
    sign_in(neighbour, "neighbour@example.org")
    neighbour.goto(photo_url)
    neighbour.get_by_role("button", name="I agree: Date spring 1921").click()
    take_back = neighbour.get_by_role("button", name="Take back my vote: Date spring 1921")
    expect(take_back).to_be_in_viewport()
    assert neighbour.evaluate("window.scrollY") > 0  # not the top of the page
    take_back.click()
    expect(neighbour.get_by_role("button", name="I agree: Date spring 1921")).to_be_in_viewport()
    assert neighbour.evaluate("window.scrollY") > 0
    neighbour.context.close()
    assert errors == []
