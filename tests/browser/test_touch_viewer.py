"""The zoomable photo on a touch screen does not trap the page (issue 21).

One finger swiping over the photo scrolls the page, as it would anywhere else, and the first time a
hint says to use two fingers; two fingers pinching zoom the photo. The viewer takes the photo's shape.
Touches go through the Chrome DevTools protocol, so the browser handles them as a finger's: it
decides from ``touch-action`` whether to scroll, and sends the page pointer events.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot
from tests.browser.test_mobile_journey import phone  # noqa: F401 - the fixture: a 390×844 touch screen

ZOOM = "() => window.photoidViewer.viewport.getZoom()"
_ZOOMABLE = "Zoomable photo"


def _open_landscape_photo(page: Page) -> dict[str, float]:
    page.goto("/search?q=Town+Hall+steps")
    page.get_by_role("list", name="Results").get_by_role("link", name="Town Hall steps, summer 1952").click()
    page.wait_for_function("() => window.photoidViewer && window.photoidViewer.world.getItemCount() === 1"
                           " && window.photoidViewer.world.getItemAt(0).getFullyLoaded()")
    box = page.get_by_role("region", name=_ZOOMABLE).bounding_box()
    assert box is not None
    return box



def _touch(page: Page, moves: list[list[tuple[float, float]]]) -> None:
    """Fingers down at the first points, through the others, then up: ``moves[i]`` is every finger's point at step i."""
    cdp = page.context.new_cdp_session(page)

    def points(step: list[tuple[float, float]]) -> list[dict[str, float]]:
        return [{"x": x, "y": y, "id": finger} for finger, (x, y) in enumerate(step)]

    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": points(moves[0])})
    for step in moves[1:]:
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": points(step)})
        page.wait_for_timeout(16)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def _back_to_top(page: Page) -> dict[str, float]:
    """Let a swipe's momentum die out, scroll to the top, and return where the photo is now."""
    page.wait_for_function("""() => new Promise(done => { const y = window.scrollY;
        setTimeout(() => done(window.scrollY === y), 250); })""", polling=300)
    page.evaluate("() => window.scrollTo(0, 0)")
    box = page.get_by_role("region", name=_ZOOMABLE).bounding_box()
    assert box is not None
    return box


def _swipe_up(page: Page, box: dict[str, float]) -> None:
    x = box["x"] + box["width"] / 2
    top, bottom = box["y"] + box["height"] * 0.2, box["y"] + box["height"] * 0.9
    _touch(page, [[(x, bottom - (bottom - top) * i / 12)] for i in range(13)])


def test_one_finger_scrolls_the_page_and_two_fingers_zoom_the_photo(phone: Page) -> None:  # noqa: F811
    page = phone
    box = _open_landscape_photo(page)
    screenshot(page, "phone-photo")  # for the README (scripts/update-screenshots.sh)
    # The viewer has the photo's shape: a landscape photo is not letterboxed in a tall box.
    shape = page.evaluate("() => { const img = document.querySelector('.photo-figure img');"
                          " return img.getAttribute('height') / img.getAttribute('width'); }")
    assert shape < 1
    assert box["height"] == pytest.approx(box["width"] * shape, abs=3), box

    zoom, scrolled = page.evaluate(ZOOM), page.evaluate("() => window.scrollY")
    _swipe_up(page, box)
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.scrollY") > scrolled + 50, "one finger on the photo should scroll the page"
    assert page.evaluate(ZOOM) == pytest.approx(zoom)
    hint = page.locator(".openseadragon-cooperative-overlay")
    expect(hint).to_have_text("Use two fingers to move the photo")
    expect(hint).to_have_css("opacity", "1")
    # The hint fades, and is not shown again: the visitor has learnt it.
    expect(hint).to_have_css("opacity", "0", timeout=5_000)
    box = _back_to_top(page)
    _swipe_up(page, box)
    assert page.evaluate("() => window.scrollY") > 50
    expect(hint).to_have_css("opacity", "0")

    # A pinch, fingers moving apart from the middle of the photo, zooms the photo and not the page.
    box = _back_to_top(page)
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    scrolled = page.evaluate("() => window.scrollY")
    _touch(page, [[(cx - 20 - 8 * i, cy), (cx + 20 + 8 * i, cy)] for i in range(13)])
    page.wait_for_function("(before) => window.photoidViewer.viewport.getZoom() > before * 1.5", arg=zoom)
    assert page.evaluate("() => window.scrollY") == scrolled
