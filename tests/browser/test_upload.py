"""An archivist adds photos from the browser and sees each file's outcome."""
from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot
from tests.browser.pages import sign_in


def _sign_in_as_archivist(page: Page) -> None:
    sign_in(page, "archivist@example.org", welcome=False)
    expect(page.get_by_role("navigation", name="Account")).to_contain_text("Archivist Ann")


def test_an_archivist_uploads_files_with_a_progress_bar_each(page: Page, tmp_path: Path) -> None:
    good = tmp_path / "AHS-2026-001.jpg"
    buffer = io.BytesIO()
    Image.radial_gradient("L").resize((1800, 1200)).convert("RGB").save(buffer, "JPEG")
    good.write_bytes(buffer.getvalue())
    bad = tmp_path / "shopping-list.jpg"
    bad.write_text("eggs, flour, stamps")

    _sign_in_as_archivist(page)
    page.goto("/collections/ashford-harbour")
    page.get_by_role("link", name="Add photos").click()
    page.get_by_label("Image files").set_input_files([str(good), str(bad)])
    page.get_by_role("button", name="Upload").click()

    results = page.get_by_role("region", name="Results")
    expect(results.get_by_role("progressbar", name="Upload of AHS-2026-001.jpg")).to_be_visible()
    expect(results).to_contain_text("added as AHS-2026-001", timeout=45_000)  # processing runs in the request
    expect(results).to_contain_text("shopping-list.jpg not added. This file is not an image")
    screenshot(page, "upload")

    results.get_by_role("link", name="AHS-2026-001").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("AHS-2026-001")


def test_patrons_do_not_see_the_upload_form(page: Page) -> None:
    page.goto("/collections/ashford-harbour")
    expect(page.get_by_role("link", name="Add photos")).to_have_count(0)
    response = page.goto("/collections/ashford-harbour/upload")
    assert response is not None and response.url.endswith("/login?next=%2Fcollections%2Fashford-harbour%2Fupload")
