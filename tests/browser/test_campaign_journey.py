"""A campaign from start to end in a real browser: an archivist creates it through the form, a visitor
finds it in the header, reads the landing page (axe-checked), helps identify within the campaign,
and a blog on another port frames its embed card."""
from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.axe import run_axe
from tests.browser.pages import sign_in

TITLE = "Who walked Main Street?"


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def _context(browser, live_server: str, **kw: object) -> BrowserContext:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900}, **kw)
    context.set_default_timeout(15_000)
    return context


@pytest.fixture(scope="module")
def campaign_path(browser, live_server: str) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The landing page of a campaign the demo archivist created through the form."""
    context = _context(browser, live_server)
    page = context.new_page()
    try:
        sign_in(page, "archivist@example.org", welcome=False)
        page.goto("/campaigns")
        page.get_by_role("link", name="Start a campaign").click()
        page.get_by_label("Title").fill(TITLE)
        page.get_by_label("Short text").fill("Do you recognise anyone in these photos?\n\nTell us who they are.")
        page.get_by_label("Every published photo of one collection").check()
        collection = page.get_by_label("Collection", exact=True)
        collection.select_option(index=1)
        page.get_by_label("Ends on (the last day)").fill((date.today() + timedelta(days=14)).isoformat())
        page.get_by_label(re.compile("^Published")).check()
        page.get_by_role("button", name="Create the campaign").click()
        expect(page.get_by_role("status")).to_contain_text(f"Created the campaign “{TITLE}”")
        yield re.sub(r"^https?://[^/]+", "", page.url)
    finally:
        context.close()


def test_a_visitor_finds_the_campaign_and_helps_within_it(browser, live_server: str, campaign_path: str) -> None:  # type: ignore[no-untyped-def]
    context = _context(browser, live_server, bypass_csp=True)  # bypass only so axe can be injected
    page: Page = context.new_page()
    try:
        page.goto("/")
        page.get_by_role("navigation", name="Account").get_by_role("link", name="Campaigns").click()
        page.get_by_role("link", name=TITLE).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
        progress = page.get_by_role("progressbar")
        expect(progress).to_be_visible()
        assert re.fullmatch(r"\d+ of \d+ photos identified \(\d+%\)", page.locator(".campaign-progress-text").inner_text())
        report = run_axe(page)
        assert not report.blocking, report.describe(report.blocking)
        page.get_by_role("link", name="Help identify these photos").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Help identify: {TITLE}")
        page.get_by_role("link", name="Start with the first photo").click()
        campaign_id = campaign_path.rsplit("/", 1)[1]
        expect(page).to_have_url(re.compile(rf"/photos/\d+\?campaign={campaign_id}$"))
        next_link = page.get_by_role("link", name="Next photo that needs help")
        expect(next_link).to_have_attribute("href", re.compile(rf"campaign={campaign_id}"))
    finally:
        context.close()


@pytest.fixture
def blog(live_server: str, campaign_path: str, tmp_path: Path) -> Iterator[str]:
    """A page on another origin (another loopback port) that frames the campaign's card."""
    (tmp_path / "index.html").write_text(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Town history blog</title></head>"
        f"<body><h1>Help the library</h1><iframe src='{live_server}/embed{campaign_path}' width='380' height='460' "
        "title='A campaign of the library'></iframe></body></html>", encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_the_campaign_card_shows_inside_a_frame_on_another_site(page, live_server: str, campaign_path: str, blog: str) -> None:  # type: ignore[no-untyped-def]
    assert not blog.startswith(live_server)
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.goto(blog)
    card = page.frame_locator("iframe[title='A campaign of the library']")
    expect(card.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(card.get_by_role("progressbar")).to_be_visible()
    image = card.get_by_role("img")
    assert image.get_attribute("alt") and image.evaluate("img => img.naturalWidth") > 0
    link = card.get_by_role("link", name=re.compile("Help identify"))
    expect(link).to_have_attribute("href", re.compile(re.escape(campaign_path) + "$"))
    expect(link).to_have_attribute("target", "_blank")
    assert not [p for p in problems if "frame" in p.lower() or "Content Security Policy" in p], problems
