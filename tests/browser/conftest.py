"""A live photoid server with the demo collection, and Debian's Chromium driven by Playwright.

The browser tests are skipped when no Chromium is installed, unless PHOTOID_REQUIRE_BROWSER=1
(as in CI), where a missing browser is a failure.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.mailbox import Mailbox

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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_env(tmp: Path, **extra: str) -> dict[str, str]:
    """The environment of a test server with its own database, uploads, instance and index folders."""
    return {
        **os.environ,
        "PHOTOID_DATABASE_URL": f"sqlite:///{tmp / 'live.sqlite3'}",
        "PHOTOID_UPLOAD_DIR": str(tmp / "uploads"),
        "PHOTOID_INSTANCE_DIR": str(tmp / "instance"),
        "PHOTOID_INDEX_DIR": str(tmp / "index"),
        "PHOTOID_SECRET_KEY": "browser-tests",
        "PHOTOID_RATELIMIT": "0",
        "PHOTOID_REGISTER_MIN_SECONDS": "0",  # the browser fills the form faster than a person
        **extra,
    }


PHOTOID = [sys.executable, "-m", "photoid.cli"]


@contextmanager
def serving(tmp: Path, env: dict[str, str]) -> Iterator[str]:
    """``photoid run`` on a free port with ``env``, until the block ends; yields its address."""
    port = _free_port()
    log = (tmp / "server.log").open("w")
    server = subprocess.Popen([*PHOTOID, "run", "--host", "127.0.0.1", "--port", str(port)], env=env, stdout=log,
                              stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url + "/", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the test server did not start; see {tmp / 'server.log'}") from None
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


@pytest.fixture(scope="session")
def mailbox() -> Iterator[Mailbox]:
    """A real SMTP server that every test server of the session sends its mail to."""
    box = Mailbox().start()
    _mailboxes.append(box)
    try:
        yield box
    finally:
        box.stop()


_mailboxes: list[Mailbox] = []


@pytest.fixture(scope="session")
def migrated_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folders of a new site (database, uploads, instance, index; see ``server_env``) after
    ``photoid db upgrade``, made once per run. A server that starts from an empty site copies them
    (``copy_site``) instead of migrating again: each ``photoid`` command costs seconds of start-up."""
    tmp = tmp_path_factory.mktemp("migrated-site")
    subprocess.run([*PHOTOID, "db", "upgrade"], env=server_env(tmp), check=True, capture_output=True)
    return tmp


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory: pytest.TempPathFactory, migrated_site: Path) -> Path:
    """``migrated_site`` loaded with ``photoid demo``, made once per run (about 20 s of loading) for
    every server that starts from the demo: ``live_server`` and the faces journey's own."""
    tmp = copy_site(migrated_site, tmp_path_factory.mktemp("demo-site"))
    subprocess.run([*PHOTOID, "demo", "--if-empty"], env=server_env(tmp), check=True, capture_output=True)
    return tmp


def copy_site(site: Path, tmp: Path) -> Path:
    """A copy of ``site``'s folders in ``tmp`` (empty, made by mktemp), for a server of its own; returns ``tmp``.
    Nothing in them names its folder: uploads are stored by relative path and the index's ``current``
    is a relative link."""
    shutil.copytree(site, tmp, symlinks=True, dirs_exist_ok=True, ignore=shutil.ignore_patterns("server.log"))
    return tmp


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, mailbox: Mailbox, demo_site: Path) -> Iterator[str]:
    """A separate server process with its own database and uploads, migrated and loaded with the demo.

    A process of its own, as in production: what the server does (say, a download the browser
    abandons) never surfaces inside the test process. Its mail (newcomers confirm their email from
    the message) goes to ``mailbox``.
    """
    tmp = copy_site(demo_site, tmp_path_factory.mktemp("live"))
    env = server_env(tmp, **mailbox.settings())
    with serving(tmp, env) as url:
        yield url


def confirm_email(page, email: str) -> None:  # type: ignore[no-untyped-def]
    """Open the confirmation link the live server emailed to ``email``, as its owner would."""
    page.goto(_mailboxes[-1].link_to(email, "/email/verify/"))


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
