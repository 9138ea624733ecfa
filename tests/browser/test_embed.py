"""The embed card framed by another site (a page served from a different port), and the photo page's
JSON-LD loading without any Content-Security-Policy complaint."""
from __future__ import annotations

import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.local_servers import serving_folder


def _first_photo_path(live_server: str) -> str:
    """The path of a public photo, read from the sitemap as a crawler would."""
    with urllib.request.urlopen(live_server + "/sitemap.xml", timeout=10) as response:
        sitemap = response.read().decode()
    match = re.search(r"<loc>[^<]*?(/photos/\d+)</loc>", sitemap)
    assert match, "the sitemap lists no photo"
    return match.group(1)


@pytest.fixture
def other_site(live_server: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A blog on another origin (another loopback port) that frames one of our photo cards."""
    photo_path = _first_photo_path(live_server)
    (tmp_path / "index.html").write_text(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>A local history blog</title></head>"
        "<body><h1>Our town in old photos</h1>"
        f"<iframe src='{live_server}/embed{photo_path}' width='480' height='560' title='A photo from the library'></iframe>"
        "</body></html>",
        encoding="utf-8",
    )
    with serving_folder(tmp_path) as url:
        yield f"{url}/index.html", photo_path


def test_embed_card_renders_inside_a_frame_on_another_site(page, live_server: str, other_site) -> None:  # type: ignore[no-untyped-def]
    blog_url, photo_path = other_site
    assert not blog_url.startswith(live_server)
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.goto(blog_url)
    card = page.frame_locator("iframe[title='A photo from the library']")
    expect(card.get_by_role("heading", level=1)).to_be_visible()
    image = card.get_by_role("img")
    expect(image).to_be_visible()
    assert image.get_attribute("alt")
    assert image.evaluate("img => img.naturalWidth") > 0
    help_link = card.get_by_role("link", name=re.compile("Help identify"))
    expect(help_link).to_have_attribute("href", re.compile(re.escape(photo_path) + "$"))
    expect(help_link).to_have_attribute("target", "_blank")
    assert not [p for p in problems if "frame" in p.lower() or "Content Security Policy" in p], problems


def test_photo_page_json_ld_raises_no_csp_violation(page, live_server: str, other_site) -> None:  # type: ignore[no-untyped-def]
    _, photo_path = other_site
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.goto(photo_path)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.locator("script[type='application/ld+json']").count() == 1
    data = page.evaluate("JSON.parse(document.querySelector('script[type=\"application/ld+json\"]').textContent)")
    assert data["@type"] == "Photograph"
    page.wait_for_load_state("networkidle")
    assert not [p for p in problems if "Content Security Policy" in p], problems
