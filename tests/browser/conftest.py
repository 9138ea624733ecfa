"""A live photoid server with the demo collection, and Debian's Chromium driven by Playwright.

The browser tests are skipped when no Chromium is installed, unless PHOTOID_REQUIRE_BROWSER=1
(as in CI), where a missing browser is a failure.
"""
from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("PHOTOID_CHROMIUM", "/usr/bin/chromium")
# Without these, Chromium tries to reach Google's services, which this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Serve a fresh site, upgraded by its migrations and loaded with the demo, on a free loopback port."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from config import TestConfig
    from photoid import create_app
    from photoid.demo.loader import load_demo
    from photoid.extensions import db

    tmp = tmp_path_factory.mktemp("live")
    app = create_app(TestConfig(tmp_path=tmp, database_url_=f"sqlite:///{tmp / 'live.sqlite3'}"))
    with app.app_context():
        upgrade()
        load_demo(if_empty=True, progress=lambda _message: None)
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        if os.environ.get("PHOTOID_REQUIRE_BROWSER") == "1":
            pytest.fail(f"Chromium is required for the browser tests but {CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip(f"no Chromium at {CHROMIUM}; install Debian's chromium to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, live_server: str) -> Iterator[object]:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def screenshot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
