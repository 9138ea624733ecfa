"""The demo archivist clears part of the queue with the keyboard alone; the patron hears both outcomes.

Issue 5's journey: j/k to move, ``a`` to approve, ``e`` to approve with changes (linking the name to
a record that has an authority link), ``r`` and a reason to reject; then the approved fact shows
on the public photo page with its provenance, and the patron finds every decision in Notifications.
"""
from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import screenshot
from tests.browser.pages import sign_in
from tests.browser.test_identify_journey import watch_for_errors

APPROVE = "Person: Okafor, Samuel, 1919-2001"  # the demo patron's, on "Portrait of a man in a jacket and tie"
CHANGE = "Person: Pratt, Ezra, 1870-1941"  # the demo patron's; the record has a Wikidata link
REJECT = "Person: Beaulieu, Marie-Louise, 1895-1979"  # the demo patron's
RECORD = "Pratt, Ezra, 1870-1941"


def current_item(page: Page) -> str:
    """The heading of the queue item that has the keyboard focus ("" when none has)."""
    return page.evaluate("""() => {
        const item = document.activeElement && document.activeElement.closest('[data-queue-item]');
        const heading = item && document.getElementById(item.getAttribute('aria-labelledby'));
        return heading ? heading.textContent.replace(/\\s+/g, ' ').trim() : '';
    }""")


def move_to(page: Page, title: str) -> None:
    """Press j until the item titled ``title`` is the current one (k first, to start from the top)."""
    page.keyboard.press("k")
    for _ in range(60):
        if current_item(page) == title:
            return
        page.keyboard.press("j")
    raise AssertionError(f"pressing j never reached {title!r}; last was {current_item(page)!r}")


def tab_to(page: Page, target: Locator) -> None:
    """Press Tab until ``target`` has the focus."""
    for _ in range(80):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError("Tab never reached the control")


def decided(page: Page, text: str) -> None:
    expect(page.get_by_role("status")).to_contain_text(text)
    expect(page.get_by_role("heading", name="Moderation queue")).to_be_visible()


def test_an_archivist_clears_the_queue_by_keyboard_and_the_patron_hears_both_outcomes(page: Page, browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    errors = watch_for_errors(page)
    sign_in(page, "archivist@example.org")
    page.goto("/moderation")
    expect(page.get_by_role("heading", name=re.compile(r"^Identifications waiting: \d+"))).to_be_visible()

    page.keyboard.press("j")
    first = current_item(page)
    assert first, "j should make the first item current"
    page.keyboard.press("j")
    assert current_item(page) not in ("", first)
    page.keyboard.press("k")
    assert current_item(page) == first
    screenshot(page, "moderation-queue")

    # a: approve
    move_to(page, APPROVE)
    page.keyboard.press("a")
    decided(page, "Approved: Person “Okafor, Samuel, 1919-2001”")
    expect(page.get_by_role("heading", name=APPROVE)).to_have_count(0)

    # e: approve with changes, linking the name to the record with its authority link
    move_to(page, CHANGE)
    page.keyboard.press("e")
    expect(page.get_by_role("heading", name="Approve with changes")).to_be_visible()
    record = page.get_by_role("radio", name=RECORD)
    tab_to(page, record)
    page.keyboard.press("Space")
    expect(record).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Approve with these changes"))
    screenshot(page, "moderation-approve-with-changes")
    page.keyboard.press("Enter")
    decided(page, f"Approved with changes: Person “{RECORD}”")

    # r: reject, choosing a reason from the list
    move_to(page, REJECT)
    page.keyboard.press("r")
    reason = page.get_by_role("article", name=REJECT).get_by_label("Reason", exact=True)
    expect(reason).to_be_focused()
    page.keyboard.press("ArrowDown")
    chosen = reason.evaluate("select => select.options[select.selectedIndex].text")
    assert chosen and chosen != "Choose a reason…"
    tab_to(page, page.get_by_role("button", name=f"Reject {REJECT}"))
    page.keyboard.press("Enter")
    decided(page, "Rejected: Person “Beaulieu, Marie-Louise, 1895-1979”")
    screenshot(page, "moderation-after-decisions")
    assert errors == []

    # The public photo page shows the approved fact with its provenance.
    page.goto("/search?q=jacket+and+tie")
    page.get_by_role("main").get_by_role("list").get_by_role("link", name=re.compile("Portrait of a man in a jacket and tie")).first.click()
    known = page.get_by_role("region", name="What we know")
    fact = known.get_by_role("listitem").filter(has_text="Okafor, Samuel, 1919-2001")
    expect(fact).to_contain_text("contributed by Margaret H.")
    expect(fact).to_contain_text("verified by")
    screenshot(page, "photo-with-verified-fact")

    # The patron who sent them sees every outcome in Notifications.
    patron = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900}).new_page()
    patron_errors = watch_for_errors(patron)
    sign_in(patron, "patron@example.org")
    patron.get_by_role("link", name=re.compile("^Notifications")).click()
    main = patron.get_by_role("main")
    expect(main).to_contain_text("Your identification of Okafor, Samuel, 1919-2001 in 'Portrait of a man in a jacket and tie' was approved.")
    expect(main).to_contain_text(f"Your identification of {RECORD} in 'Centennial Parade on Main Street' was approved with a correction")
    expect(main).to_contain_text("Your identification of Beaulieu, Marie-Louise, 1895-1979 in 'Town Hall steps, summer 1952' was not accepted.")
    screenshot(patron, "patron-notifications")
    patron.context.close()
    assert patron_errors == []
