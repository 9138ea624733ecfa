"""A photo's IIIF manifest in the pinned Mirador (tests/browser/vendor/mirador), as a library's own
viewer on another site opens it: the approved name shows in Mirador's annotation panel.

Mirador runs from a page on another origin (another loopback port), so the manifest, info.json and
tiles are fetched across origins, as they are from a real viewer. Nothing outside the two test
servers is reachable: the viewer works offline.
"""
from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from playwright.sync_api import Page, Route, expect

from tests.local_servers import serving_folder

MIRADOR = Path(__file__).resolve().parent / "vendor" / "mirador" / "mirador.min.js"
PHOTO = "Whitcomb's Dry Goods, interior"  # MPL-1923-007 in the demo: one approved, boxed, linked name
PERSON = "Whitcomb, Harold J., 1881-1954"

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Mirador</title>
<style>html, body, #viewer { margin: 0; width: 100%; height: 100%; }</style></head>
<body><div id="viewer"></div>
<script src="mirador.min.js"></script>
<script>
  const manifestId = new URLSearchParams(location.search).get("manifest");
  Mirador.viewer({
    id: "viewer",
    windows: [{ manifestId, sideBarOpen: true }],
  });
</script></body></html>
"""


@pytest.fixture
def viewer_site(tmp_path: Path) -> Iterator[str]:
    """Mirador's page, served from another origin than the site."""
    (tmp_path / "index.html").write_text(PAGE, encoding="utf-8")
    shutil.copy(MIRADOR, tmp_path / "mirador.min.js")
    with serving_folder(tmp_path) as url:
        yield url


def photo_id(page: Page, title: str) -> int:
    page.goto("/search?q=" + quote(f'"{title}"'))
    page.get_by_role("list", name="Results").get_by_role("link", name=title).click()
    match = re.search(r"/photos/(\d+)$", page.url)
    assert match, page.url
    return int(match.group(1))


def test_mirador_shows_the_approved_name_in_its_annotation_panel(page: Page, live_server: str, viewer_site: str) -> None:
    manifest = f"{live_server}/iiif/3/{photo_id(page, PHOTO)}/manifest"
    allowed = {urlsplit(live_server).netloc, urlsplit(viewer_site).netloc}
    elsewhere: list[str] = []

    def offline(route: Route) -> None:
        if urlsplit(route.request.url).netloc in allowed:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", offline)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{viewer_site}/index.html?manifest={quote(manifest, safe='')}")

    page.get_by_role("tab", name="Annotations").click()
    panel = page.get_by_role("complementary", name="Annotations")
    expect(panel.get_by_text("Showing 1 annotation", exact=True)).to_be_visible(timeout=30_000)
    expect(panel.get_by_role("menuitem", name=PERSON)).to_be_visible()
    assert errors == [] and elsewhere == []
