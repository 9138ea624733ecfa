"""On a phone (390×844, touch): a newcomer registers, draws a box with a finger and names a person.

Also checks what makes a site usable on a phone: no sideways scrolling on the photo and identify
pages, and the main buttons at least 44×44 CSS pixels (WCAG 2.5.5), so older fingers hit them.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import confirm_email, screenshot
from tests.browser.test_identify_journey import watch_for_errors

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
MIN_TARGET = 44


@pytest.fixture
def phone(browser, live_server: str) -> Iterator[Page]:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server, **PHONE)
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def assert_no_sideways_scrolling(page: Page) -> None:
    """Nothing wider than the phone. A mobile browser widens its layout to fit content that overflows,
    so innerWidth is checked against the screen as well as scrollWidth against innerWidth."""
    screen = PHONE["viewport"]["width"]  # type: ignore[index]
    widths = page.evaluate("(screen) => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth,"
                           " too_wide: [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right"
                           " > screen + 1).slice(-5).map(e => e.outerHTML.slice(0, 160))})", screen)
    assert widths["scroll"] <= widths["inner"] <= screen, f"the page scrolls sideways on a phone at {page.url}: {widths}"


def assert_easy_to_tap(target: Locator, what: str) -> None:
    target.scroll_into_view_if_needed()
    box = target.bounding_box()
    assert box is not None, f"{what} is not on the screen"
    assert box["width"] >= MIN_TARGET and box["height"] >= MIN_TARGET, \
        f"{what} is {box['width']:.0f}×{box['height']:.0f} CSS px; it should be at least {MIN_TARGET}×{MIN_TARGET}"


def touch_drag(page: Page, target: Locator, start: tuple[float, float], end: tuple[float, float]) -> None:
    """Drag one finger across ``target`` (points as fractions of it), as real touch input.

    Playwright's touchscreen can only tap, so the touches go through the Chrome DevTools
    protocol; the browser turns them into pointer events with pointerType "touch".
    """
    target.scroll_into_view_if_needed()
    box = target.bounding_box()
    assert box is not None
    x0, y0 = box["x"] + box["width"] * start[0], box["y"] + box["height"] * start[1]
    x1, y1 = box["x"] + box["width"] * end[0], box["y"] + box["height"] * end[1]
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x0, "y": y0}]})
    steps = 10
    for i in range(1, steps + 1):
        x, y = x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
        page.wait_for_timeout(20)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def test_a_newcomer_identifies_a_person_with_a_finger_on_a_phone(phone: Page) -> None:
    page = phone
    errors = watch_for_errors(page)

    page.goto("/register")
    assert_no_sideways_scrolling(page)
    page.get_by_label("Display name").fill("Phone Fiona")
    page.get_by_label("Email").fill("phone-fiona@example.org")
    page.get_by_label("Password", exact=True).fill("the old shop on the corner")
    page.get_by_label("Repeat password").fill("the old shop on the corner")
    create = page.get_by_role("button", name="Create account")
    assert_easy_to_tap(create, "The Create account button")
    create.tap()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    confirm_email(page, "phone-fiona@example.org")
    page.get_by_label("Email").fill("phone-fiona@example.org")
    page.get_by_label("Password").fill("the old shop on the corner")
    page.get_by_role("button", name="Sign in").tap()
    expect(page.get_by_role("status")).to_contain_text("Signed in as Phone Fiona")

    page.goto("/search?q=Town+Hall+steps")
    page.get_by_role("list", name="Results").get_by_role("link", name="Town Hall steps, summer 1952").tap()
    expect(page.get_by_role("heading", name="What we know")).to_be_visible()
    page.wait_for_function("() => window.photoidViewer && window.photoidViewer.world.getItemCount() === 1")
    assert_no_sideways_scrolling(page)
    screenshot(page, "mobile-photo")
    identify = page.get_by_role("link", name="Identify something in this photo")
    assert_easy_to_tap(identify, "The Identify something in this photo button")
    identify.tap()

    page.wait_for_function("() => window.photoidViewer && window.photoidViewer.world.getItemCount() === 1"
                           " && window.photoidViewer.world.getItemAt(0).getFullyLoaded()")
    assert_no_sideways_scrolling(page)
    toolbar = page.get_by_role("toolbar", name="Zoom controls")
    for button in toolbar.get_by_role("button").all():
        assert_easy_to_tap(button, f"The zoom button {button.get_attribute('aria-label')!r}")
    draw = page.get_by_role("button", name="Draw a box on the photo")
    assert_easy_to_tap(draw, "The Draw a box on the photo button")
    draw.tap()
    expect(page.get_by_role("button", pressed=True)).to_be_visible()
    touch_drag(page, page.get_by_role("region", name=re.compile("^Zoomable photo")), (0.40, 0.35), (0.60, 0.65))
    expect(page.get_by_role("status").filter(has_text="Box marked")).to_contain_text("% from the left")

    name = page.get_by_role("combobox", name="Name")
    name.tap()
    name.press_sequentially("mull", delay=40)
    suggestion = page.get_by_role("option", name=re.compile("Müller, Anna, 1902-1988"))
    expect(suggestion).to_be_visible()
    suggestion.tap()
    expect(name).to_have_value("Müller, Anna, 1902-1988")
    expect(page.get_by_role("status").filter(has_text="Linked to a person")).to_be_visible()
    assert_no_sideways_scrolling(page)
    send = page.get_by_role("button", name="Send to the archivists")
    assert_easy_to_tap(send, "The Send to the archivists button")
    screenshot(page, "mobile-identify")
    send.tap()

    expect(page.get_by_role("status")).to_contain_text("Thank you! An archivist will review")
    pending = page.get_by_role("region", name="Suggestions waiting for review")
    expect(pending).to_contain_text("Müller, Anna, 1902-1988")
    expect(pending).to_contain_text("(marked on the photo)")
    assert_no_sideways_scrolling(page)
    screenshot(page, "mobile-photo-with-suggestion")
    assert errors == []
