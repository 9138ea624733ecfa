"""A newcomer identifies a person with a box, dates the photo in words and comments; a neighbour agrees.

This is the journey the contributions issue is done by, in a real Chromium against a live server.
"""
from __future__ import annotations

import itertools
import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import confirm_email, screenshot
from tests.browser.pages import sign_in

_names = itertools.count(1)


def watch_for_errors(page: Page) -> list[str]:
    """Script errors and blocked content (a CSP violation is a console error) seen on the page."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return errors


def register(page: Page, name: str) -> None:
    n = next(_names)
    email = f"journey{n}-{name.split()[0].lower()}@example.org"
    page.goto("/register")
    page.get_by_label("Display name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill("the old shop on the corner")
    page.get_by_label("Repeat password").fill("the old shop on the corner")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    confirm_email(page, email)  # the link leads to the sign-in page
    expect(page.get_by_role("status")).to_contain_text("your email address is confirmed")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("the old shop on the corner")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Account")).to_contain_text(name)


def open_photo(page: Page, query: str) -> str:
    page.goto(f"/search?q={query}")
    page.get_by_role("list", name="Results").get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="What we know")).to_be_visible()
    return page.url


def wait_for_viewer(page: Page) -> None:
    page.wait_for_function("() => window.photoidViewer && window.photoidViewer.world.getItemCount() === 1"
                           " && window.photoidViewer.world.getItemAt(0).getFullyLoaded()")


def drag_box(page: Page, start: tuple[float, float], end: tuple[float, float]) -> None:
    """Drag from one point of the zoomable photo to another, given as fractions of the viewer."""
    viewer = page.get_by_role("region", name=re.compile("^Zoomable photo"))
    viewer.scroll_into_view_if_needed()
    box = viewer.bounding_box()
    assert box is not None
    x0, y0 = box["x"] + box["width"] * start[0], box["y"] + box["height"] * start[1]
    x1, y1 = box["x"] + box["width"] * end[0], box["y"] + box["height"] * end[1]
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=5)
    page.mouse.move(x1, y1, steps=5)
    page.mouse.up()


def identify_a_person_with_a_box(page: Page) -> None:
    page.get_by_role("link", name="Identify something in this photo").click()
    wait_for_viewer(page)
    draw = page.get_by_role("button", name="Draw a box on the photo")
    draw.click()
    expect(page.get_by_role("button", pressed=True)).to_be_visible()
    drag_box(page, (0.40, 0.35), (0.55, 0.60))
    expect(page.get_by_role("status").filter(has_text="Box marked")).to_contain_text("% from the left")

    name = page.get_by_role("combobox", name="Name")
    name.press_sequentially("mull", delay=40)
    suggestion = page.get_by_role("option", name=re.compile("Müller, Anna, 1902-1988"))
    expect(suggestion).to_be_visible()  # found without the accent, and by a variant
    name.press("ArrowDown")
    name.press("Enter")
    expect(name).to_have_value("Müller, Anna, 1902-1988")
    expect(page.get_by_role("status").filter(has_text="Linked to a person")).to_be_visible()
    page.get_by_label("How do you know? (optional)").fill("She was my grandmother's teacher.")
    screenshot(page, "identify-person-with-box")
    page.get_by_role("button", name="Send to the archivists").click()
    expect(page.get_by_role("status")).to_contain_text("Thank you! An archivist will review")


def date_the_photo_in_words(page: Page) -> None:
    page.get_by_role("link", name="Identify something in this photo").click()
    page.get_by_label("When it was taken").check()
    expect(page.get_by_label("Name")).to_be_hidden()  # only the field that matters is shown
    page.get_by_label("Date", exact=True).fill("summer 1952")
    expect(page.get_by_role("status").filter(has_text="We will record this as")).to_have_text(
        "We will record this as summer 1952.")
    page.get_by_role("button", name="Send to the archivists").click()
    expect(page.get_by_role("status")).to_contain_text("Thank you!")


def test_a_newcomer_identifies_with_a_box_dates_comments_and_a_neighbour_agrees(page: Page, browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    errors = watch_for_errors(page)
    register(page, "Grandson Tom")
    photo_url = open_photo(page, "Town+Hall+steps")

    identify_a_person_with_a_box(page)
    pending = page.get_by_role("region", name="Suggestions waiting for review")
    expect(pending).to_contain_text("Müller, Anna, 1902-1988")
    expect(pending).to_contain_text("(marked on the photo)")
    wait_for_viewer(page)
    show = page.get_by_role("button", name="Show on the photo: Müller, Anna, 1902-1988")
    expect(show).to_be_visible()  # the box is drawn on the photo and tied to the name
    show.hover()
    expect(page.locator(".region-box.is-highlighted")).to_have_count(1)

    date_the_photo_in_words(page)
    expect(pending).to_contain_text("summer 1952")

    page.get_by_label("Your comment").fill("The bunting was for the 1952 centenary. See https://example.org/centenary")
    page.get_by_role("button", name="Post comment").click()
    discussion = page.get_by_role("region", name="Discussion")
    expect(discussion).to_contain_text("The bunting was for the 1952 centenary")
    expect(discussion.get_by_role("link", name="https://example.org/centenary")).to_be_visible()
    screenshot(page, "photo-with-suggestions")

    page.get_by_role("link", name="My contributions").click()
    mine = page.get_by_role("main")
    expect(mine).to_contain_text("Müller, Anna, 1902-1988")
    expect(mine).to_contain_text("summer 1952")
    expect(mine).to_contain_text("The bunting was for the 1952 centenary")
    expect(mine.get_by_text("Waiting for review").first).to_be_visible()
    screenshot(page, "my-contributions")
    assert errors == []

    neighbour = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900}).new_page()
    neighbour_errors = watch_for_errors(neighbour)
    sign_in(neighbour, "neighbour@example.org", welcome=False)
    neighbour.goto(photo_url)
    neighbour.get_by_role("button", name="I agree: Person Müller, Anna, 1902-1988").click()
    expect(neighbour.get_by_role("status")).to_contain_text("Thank you for your vote")
    suggestion = neighbour.get_by_role("listitem").filter(has_text="Müller, Anna, 1902-1988").filter(has_text="agree")
    expect(suggestion.first).to_contain_text("1 agree, 0 disagree")
    expect(suggestion.first).to_contain_text("You agree.")
    neighbour.context.close()
    assert neighbour_errors == []


def test_a_box_can_be_placed_with_the_keyboard_alone(page: Page) -> None:
    errors = watch_for_errors(page)
    register(page, "Keyboard Kate")
    open_photo(page, "Town+Hall+steps")
    page.get_by_role("link", name="Identify something in this photo").click()
    wait_for_viewer(page)
    page.get_by_text("Place the box with the keyboard instead").click()
    page.get_by_role("button", name="Add a box in the middle of the view").click()
    status = page.get_by_role("status").filter(has_text="Box marked")
    expect(status).to_contain_text("25% from the left")
    page.get_by_label("Width (%)").fill("10")
    page.get_by_label("Width (%)").press("Tab")
    expect(status).to_contain_text("10% wide")
    page.get_by_label("A place or building").check()
    page.get_by_role("combobox", name="Name").fill("The bandstand")
    page.get_by_role("button", name="Send to the archivists").click()
    expect(page.get_by_role("status")).to_contain_text("Thank you!")
    expect(page.get_by_role("button", name="Show on the photo: The bandstand")).to_be_visible()
    assert errors == []
