"""A visitor browses the demo collection, and a newcomer joins and signs in, in a real browser."""
from __future__ import annotations

import itertools
import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot

_names = itertools.count(1)


def test_a_visitor_goes_from_the_home_page_to_a_collection_and_a_photo(page: Page) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", name="Collections")).to_be_visible()
    screenshot(page, "home")

    page.get_by_role("link", name="Main Street and Downtown Millbrook, 1900–1960").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Main Street and Downtown Millbrook, 1900–1960")
    photos = page.get_by_role("list").filter(has=page.get_by_role("img")).get_by_role("link")
    expect(photos.first).to_be_visible()
    screenshot(page, "collection")

    photos.first.click()
    expect(page.get_by_role("heading", name="What we know")).to_be_visible()
    image = page.get_by_role("img").first
    expect(image).to_have_attribute("alt", re.compile(r"\w+"))
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", image.element_handle())
    screenshot(page, "photo")


def test_the_photo_page_opens_a_deep_zoom_viewer_fed_by_iiif_tiles(page: Page) -> None:
    tile_statuses: list[int] = []
    page.on("response", lambda r: tile_statuses.append(r.status) if "/iiif/3/" in r.url else None)
    page.goto("/search?q=Town+Hall+steps")
    page.get_by_role("list", name="Results").get_by_role("link").first.click()
    viewer = page.get_by_role("region", name=re.compile("^Zoomable photo: Town Hall steps"))
    expect(viewer).to_be_visible()
    page.wait_for_function("() => window.photoidViewer && window.photoidViewer.world.getItemCount() === 1"
                           " && window.photoidViewer.world.getItemAt(0).getFullyLoaded()")
    page.get_by_role("button", name="Zoom in").click()
    page.wait_for_function("() => window.photoidViewer.viewport.getZoom() > 1.2"
                           " && window.photoidViewer.world.getItemAt(0).getFullyLoaded()")
    screenshot(page, "photo-deep-zoom")
    assert tile_statuses and all(status == 200 for status in tile_statuses), tile_statuses
    assert len(tile_statuses) > 3  # info.json and several tiles


def test_a_photo_with_approved_identifications_shows_them_with_provenance(page: Page) -> None:
    page.goto("/search?q=whitcomb")
    page.get_by_role("list", name="Results").get_by_role("link").first.click()
    known = page.get_by_role("region", name="What we know")
    expect(known).to_contain_text("Whitcomb, Harold J., 1881-1954")
    expect(known).to_contain_text(re.compile(r"contributed by .+, verified by Millbrook Public Library on"))


def test_a_newcomer_registers_signs_out_and_signs_back_in(page: Page) -> None:
    n = next(_names)
    page.goto("/")
    page.get_by_role("link", name="Join to help").click()
    page.get_by_label("Display name").fill(f"Grandson Tom {n}")
    page.get_by_label("Email").fill(f"tom{n}@example.org")
    page.get_by_label("Password", exact=True).fill("my grandfather's shop")
    page.get_by_label("Repeat password").fill("my grandfather's shop")
    screenshot(page, "register")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()  # a link proves the address
    page.get_by_role("main").get_by_role("link", name="sign in").click()
    page.get_by_label("Email").fill(f"tom{n}@example.org")
    page.get_by_label("Password").fill("my grandfather's shop")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Account")).to_contain_text(f"Grandson Tom {n}")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()

    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Email").fill(f"tom{n}@example.org")
    page.get_by_label("Password").fill("wrong password entirely")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("do not match an account")
    page.get_by_label("Password").fill("my grandfather's shop")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Account")).to_contain_text(f"Grandson Tom {n}")


def test_the_keyboard_reaches_the_skip_link_first_and_every_form_control_has_a_label(page: Page) -> None:
    page.goto("/register")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    unlabeled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
               .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.textContent.trim())
               .map(el => el.outerHTML)"""
    )
    assert unlabeled == []
