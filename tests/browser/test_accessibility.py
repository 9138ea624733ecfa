"""axe-core's WCAG 2.1 A/AA checks on the main pages, as a visitor, a patron and an archivist see them.

A violation of "serious" or "critical" impact fails the test, with the rule, its help text and
the offending elements. Lesser ones, and what axe's best-practice rules (outside WCAG) find, are
written to test-artifacts/accessibility.txt for review.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.axe import AxeReport, axe_in_every_page, run_axe
from tests.browser.conftest import SCREENSHOTS
from tests.browser.pages import sign_in

REPORT = SCREENSHOTS.parent / "accessibility.txt"
_lesser: dict[str, str] = {}


def _context(browser, live_server: str) -> BrowserContext:  # type: ignore[no-untyped-def]
    # bypass_csp lets the test inject axe-core; the pages themselves are served with their real policy.
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900}, bypass_csp=True)
    context.set_default_timeout(15_000)
    axe_in_every_page(context)
    return context


def _sign_in(context: BrowserContext, email: str) -> None:
    page = context.new_page()
    sign_in(page, email)
    page.close()


@pytest.fixture(scope="module")
def contexts(browser, live_server: str) -> Iterator[dict[str, BrowserContext]]:  # type: ignore[no-untyped-def]
    opened = {"visitor": _context(browser, live_server), "patron": _context(browser, live_server),
              "archivist": _context(browser, live_server)}
    _sign_in(opened["patron"], "patron@example.org")
    _sign_in(opened["archivist"], "archivist@example.org")
    try:
        yield opened
    finally:
        for context in opened.values():
            context.close()
        if _lesser:
            REPORT.parent.mkdir(parents=True, exist_ok=True)
            REPORT.write_text("\n\n".join(f"== {name}\n{text}" for name, text in sorted(_lesser.items())) + "\n", encoding="utf-8")


def _photo(page: Page) -> None:
    """The demo's Town Hall photo, which has boxes, suggestions and a discussion with a reply."""
    page.goto("/search?q=Town+Hall+steps")
    page.get_by_role("list", name="Results").get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="What we know")).to_be_visible()
    _viewer_ready(page)


def _viewer_ready(page: Page) -> None:
    page.wait_for_function("() => window.photoidViewer && window.photoidViewer.world.getItemCount() === 1"
                           " && window.photoidViewer.world.getItemAt(0).getFullyLoaded()")


def _identify(page: Page) -> None:
    _photo(page)
    page.get_by_role("link", name="Identify something in this photo").click()
    _viewer_ready(page)
    expect(page.get_by_role("button", name="Draw a box on the photo")).to_be_visible()


def _collection(page: Page) -> None:
    page.goto("/")
    page.get_by_role("region", name="Collections").get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"/collections/"))


def _goto(path: str) -> Callable[[Page], None]:
    def _open(page: Page) -> None:
        response = page.goto(path)
        assert response is not None
    return _open


PAGES: list[tuple[str, str, Callable[[Page], None]]] = [
    ("home", "visitor", _goto("/")),
    ("collection", "visitor", _collection),
    ("photo (visitor)", "visitor", _photo),
    ("photo (signed in)", "patron", _photo),
    ("identify", "patron", _identify),
    ("search results", "visitor", _goto("/search?q=Town+Hall")),
    ("help identify", "visitor", _goto("/help")),
    ("register", "visitor", _goto("/register")),
    ("sign in", "visitor", _goto("/login")),
    ("forgot your password", "visitor", _goto("/password/forgot")),
    ("your account", "patron", _goto("/account")),
    ("my contributions", "patron", _goto("/me/contributions")),
    ("notifications", "patron", _goto("/me/notifications")),
    ("moderation queue", "archivist", _goto("/moderation")),
    ("institutions", "visitor", _goto("/institutions")),
    ("institution page (its archivist)", "archivist", _goto("/institutions/millbrook")),
    ("staff invitations", "archivist", _goto("/admin/invitations")),
    ("page not found", "visitor", _goto("/no-such-page")),
]


@pytest.mark.parametrize(("name", "who", "open_page"), PAGES, ids=[p[0] for p in PAGES])
def test_page_has_no_serious_accessibility_problems(contexts: dict[str, BrowserContext], name: str, who: str,
                                                    open_page: Callable[[Page], None]) -> None:
    page = contexts[who].new_page()
    try:
        open_page(page)
        expect(page.get_by_role("main")).to_be_visible()
        report: AxeReport = run_axe(page)
        advice = run_axe(page, tags=["best-practice"])
    finally:
        page.close()
    if report.lesser or advice.violations:
        _lesser[name] = report.describe(report.lesser + advice.violations)
    assert not report.blocking, f"serious accessibility problems on {name}:\n{report.describe(report.blocking)}"


def test_the_checker_finds_a_problem_when_there_is_one(contexts: dict[str, BrowserContext]) -> None:
    """Proof the check can fail: an image without a text alternative and an unlabelled field."""
    page = contexts["visitor"].new_page()
    try:
        page.goto("/")
        page.evaluate("""() => {
            const main = document.querySelector('main');
            main.insertAdjacentHTML('beforeend', '<img src="/static/favicon.svg"><input type="text" name="x">'
                + '<p style="color:#bbb;background:#fff">faint</p>');
        }""")
        report = run_axe(page)
    finally:
        page.close()
    found = {v["id"] for v in report.blocking}
    assert {"image-alt", "label", "color-contrast"} <= found, report.describe()

