"""Every page of the site map, as a visitor, a patron, an archivist and an admin, on a phone and a desktop.

The pages are the GET routes of the role matrix (tests/web/test_role_matrix.py), so a new page is
checked as soon as it is classified there. On each page, at 390×844 and at 1280×800:

- nothing is wider than the window (``scrollWidth`` ≤ ``innerWidth``);
- nothing carrying the ``hidden`` attribute is rendered;
- every visible control a finger uses is large enough, by the rule in ``TARGETS_JS`` below;
- axe-core finds no serious or critical WCAG 2.1 A/AA problem (as test_accessibility.py), checked at
  390×844 only: what differs at 1280×800 is layout, which the other checks cover, and axe is the slow part.

One browser context per role (signed in once) and one page in it, reused for every route; the phone
runs use a second context per role with the same cookies, which loads axe-core into each page as it
opens (``axe_in_every_page``: about half the cost of injecting it into each page afterwards).
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.axe import axe_in_every_page, run_axe
from tests.browser.conftest import screenshot
from tests.browser.pages import sign_in
from tests.web.test_role_matrix import MATRIX, ROLES

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
#: Who visits, and the account each signs in with (the demo's, see photoid/demo/loader.py).
VISITORS = {"visitor": None, "patron": "patron@example.org", "archivist": "archivist@example.org",
            "admin": "admin@example.org"}
MATRIX_ROLE = {"visitor": "anonymous", "patron": "patron", "archivist": "archivist", "admin": "admin"}

#: Routes that answer with data, images or redirects rather than a page a person reads.
NOT_PAGES = re.compile(r"^/(api|static|iiif|feeds|media)/|\.(json|atom|xml|csv|jpg|png|css|txt)$"
                       r"|^/(healthz|metrics|oai|oembed)$|^/admin/exports/<int:run_id>/file$")
#: Routes opened from an emailed or shared token: visited once, with a token that was never issued,
#: to check the "this link no longer works" page.
TOKEN_ROUTES = {"/password/reset/<token>", "/email/verify/<token>", "/email/confirm/<token>", "/invitations/<token>"}
#: Pages the matrix's own fixture hides from everyone but that the demo shows: who sees them in the demo.
DEMO_AUDIENCE = {
    "/contributors/<int:user_id>": ("visitor", "patron", "archivist", "admin"),
    "/comments/<int:comment_id>/report": ("patron",),
}
#: Where to find a real address for each route with parameters: the demo pages whose links are searched
#: (the most discussed photo first, for its comments' Report links).
SEEDS = ["/browse/discussed", "/", "/browse/decades", "/campaigns", "/contributors", "/institutions", "/authorities",
         "/admin/users", "/admin/institutions", "/moderation"]
#: Then the first page of each of these, whose links lead to staff pages, merges and reports.
SECOND_SEEDS = ("/photos/<int:photo_id>", "/collections/<slug>", "/campaigns/<int:campaign_id>",
                "/authorities/<int:record_id>/edit")

MIN_TARGET = 44
#: The target-size rule (WCAG 2.5.5 at 44 px, with the spacing idea of 2.5.8):
#: - targets are the visible links, buttons, form fields, <summary>s and elements with a control role;
#:   a checkbox, radio or field counts together with its <label>s (tapping a label works the field);
#: - a target passes if its box is at least 44×44 CSS px;
#: - a smaller target passes if a circle of 44 px diameter centred on its box overlaps no other target's
#:   box and no other small target's circle (i.e. centres at least 44 px apart);
#: - a link inside a sentence (an inline <a> whose block, a paragraph or list item, has words outside any
#:   link or other control) is exempt,
#:   as WCAG's "inline" exception allows.
TARGETS_JS = """(min) => {
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, '
    + '[role=button], [role=link], [role=checkbox], [role=radio], [role=tab], [role=option], [role=menuitem]';
  const shown = (e) => {
    const s = getComputedStyle(e);
    return e.getClientRects().length && s.visibility !== 'hidden' && !e.closest('.visually-hidden, [aria-hidden=true]');
  };
  const union = (boxes) => boxes.reduce((u, b) => ({left: Math.min(u.left, b.left), top: Math.min(u.top, b.top),
    right: Math.max(u.right, b.right), bottom: Math.max(u.bottom, b.bottom)}));
  const inSentence = (e) => {
    if (e.tagName !== 'A' || getComputedStyle(e).display !== 'inline') return false;
    let block = e.parentElement;
    while (block && /^(inline|contents)/.test(getComputedStyle(block).display)) block = block.parentElement;
    if (!block) return false;
    const text = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    let words = '';
    for (let node = text.nextNode(); node; node = text.nextNode()) {
      if (!node.parentElement.closest('a, button, label, summary, select')) words += node.data;  // not other controls
    }
    return /[\\p{L}\\p{N}]/u.test(words);
  };
  const targets = [];
  for (const e of document.querySelectorAll(selector)) {
    if (!shown(e)) continue;
    const parts = [e.getBoundingClientRect(), ...[...(e.labels || [])].filter(shown).map(l => l.getBoundingClientRect())];
    const box = union(parts.map(r => ({left: r.left, top: r.top, right: r.right, bottom: r.bottom})));
    const w = box.right - box.left, h = box.bottom - box.top;
    if (w <= 2 || h <= 2 || box.right <= 0 || box.bottom + scrollY <= 0) continue;  // off-screen skip links and the like
    targets.push({e, box, w, h, small: w < min - 0.5 || h < min - 0.5,
                  cx: (box.left + box.right) / 2, cy: (box.top + box.bottom) / 2});
  }
  const r = min / 2;
  const distanceToBox = (t, b) => Math.hypot(Math.max(b.left - t.cx, 0, t.cx - b.right), Math.max(b.top - t.cy, 0, t.cy - b.bottom));
  const related = (a, b) => a.e.contains(b.e) || b.e.contains(a.e);
  const problems = [];
  for (const t of targets) {
    if (!t.small || inSentence(t.e)) continue;
    const crowd = targets.find(o => o !== t && !related(o, t)
      && (o.small ? Math.hypot(o.cx - t.cx, o.cy - t.cy) < min - 0.5 : distanceToBox(t, o.box) < r - 0.5));
    if (crowd) {
      const name = (x) => (x.getAttribute('aria-label') || x.textContent || x.value || x.name || x.tagName).trim().replace(/\\s+/g, ' ').slice(0, 40);
      problems.push(`${t.e.tagName.toLowerCase()} "${name(t.e)}" is ${Math.round(t.w)}×${Math.round(t.h)} and `
                    + `too close to ${crowd.e.tagName.toLowerCase()} "${name(crowd.e)}"`);
    }
  }
  return problems;
}"""
LAYOUT_JS = """() => ({
  scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
  too_wide: [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1
    && !e.closest('.visually-hidden')).slice(0, 4).map(e => e.outerHTML.slice(0, 120)),
  hidden_shown: [...document.querySelectorAll('[hidden]')].filter(e => getComputedStyle(e).display !== 'none')
    .map(e => e.outerHTML.slice(0, 120)),
})"""


def _rule_pattern(rule: str) -> re.Pattern[str]:
    parts = re.split(r"<(?:int:)?([^>]+)>", rule)
    regex = "".join(re.escape(p) if i % 2 == 0 else
                    (rf"(?P<{p}>\d+)" if f"<int:{p}>" in rule else rf"(?P<{p}>[^/?#]+)") for i, p in enumerate(parts))
    return re.compile(f"^{regex}$")


def _page_routes() -> dict[str, tuple[str, ...]]:
    """Each page route of the matrix, with the visitors who may open it (in the demo)."""
    routes: dict[str, tuple[str, ...]] = {}
    for rule, methods in MATRIX.items():
        if "GET" not in methods or NOT_PAGES.search(rule):
            continue
        if rule in TOKEN_ROUTES:
            routes[rule] = ("visitor",)
        elif rule in DEMO_AUDIENCE:
            routes[rule] = DEMO_AUDIENCE[rule]
        else:
            expected = dict(zip(ROLES, methods["GET"], strict=True))
            routes[rule] = tuple(v for v, role in MATRIX_ROLE.items() if expected[role] == "ok")
    return routes


ROUTES = _page_routes()


def _links(page: Page, path: str) -> list[str]:
    page.goto(path, wait_until="domcontentloaded")
    return page.evaluate("() => [...document.querySelectorAll('a[href], form[action]')]"
                         ".map(e => new URL(e.href || e.action, location.href)).filter(u => u.origin === location.origin)"
                         ".map(u => u.pathname)")


def _give_the_demo_what_it_lacks(visitors: dict[str, Page]) -> None:
    """The demo has no campaign and no public contributor page: make one of each, as their owners would."""
    archivist, patron = visitors["archivist"], visitors["patron"]
    archivist.goto("/campaigns")
    if not archivist.get_by_role("link", name=re.compile("Who is in the fitting room")).count():
        archivist.get_by_role("link", name="Start a campaign").click()
        archivist.get_by_label("Title").fill("Who is in the fitting room?")
        archivist.get_by_label("Short text").fill("Do you recognise anyone in these photos?")
        archivist.get_by_label("Every published photo of one collection").check()
        archivist.get_by_label("Collection", exact=True).select_option(index=1)
        archivist.get_by_label("Ends on (the last day)").fill((date.today() + timedelta(days=14)).isoformat())
        archivist.get_by_label(re.compile("^Published")).check()
        archivist.get_by_role("button", name="Create the campaign").click()
        expect(archivist.get_by_role("heading", name="Who is in the fitting room?")).to_be_visible()
    patron.goto("/account")
    public = patron.get_by_role("checkbox", name=re.compile("contributor page", re.IGNORECASE))
    if not public.is_checked():
        public.check()
        patron.get_by_role("button", name="Save contributor page setting").click()


def _addresses(visitors: dict[str, Page]) -> dict[str, str]:
    """A real address for every page route: found in the links of the demo's pages, or made from the
    values (a photo's id, a collection's slug) found in the addresses of its sibling routes."""
    found: list[str] = []
    for seed in SEEDS:
        found += _links(visitors["admin"], seed)
    for rule in SECOND_SEEDS:
        first = next((p for p in found if _rule_pattern(rule).match(p)), None)
        if first:
            found += _links(visitors["admin"], first) + _links(visitors["patron"], first)
    values: dict[str, str] = {}
    for rule in ROUTES:
        for address in found:
            if match := _rule_pattern(rule).match(address):
                values = {**match.groupdict(), **values}
    addresses = {}
    for rule in ROUTES:
        if rule in TOKEN_ROUTES:
            addresses[rule] = re.sub(r"<[^>]+>", "never-issued-token", rule)
            continue
        match = next((p for p in found if _rule_pattern(rule).match(p)), None)
        names = _rule_pattern(rule).groupindex
        if match:
            addresses[rule] = match
        elif all(name in values for name in names):
            addresses[rule] = re.sub(r"<(?:int:)?([^>]+)>", lambda m: values[m.group(1)], rule)
    return addresses


@pytest.fixture(scope="module")
def visitors(browser, live_server: str) -> Iterator[dict[str, Page]]:  # type: ignore[no-untyped-def]
    contexts: list[BrowserContext] = []
    pages: dict[str, Page] = {}
    for who, email in VISITORS.items():
        # bypass_csp lets the test inject axe-core; the pages themselves keep their real policy.
        context = browser.new_context(base_url=live_server, viewport=PHONE, bypass_csp=True)
        context.set_default_timeout(15_000)
        contexts.append(context)
        pages[who] = context.new_page()
        if email:
            sign_in(pages[who], email)
    try:
        yield pages
    finally:
        for context in contexts:
            context.close()


@pytest.fixture(scope="module")
def phone_visitors(browser, live_server: str,  # type: ignore[no-untyped-def]
                   visitors: dict[str, Page]) -> Iterator[dict[str, Page]]:
    """Each of ``visitors`` again, signed in with the same cookies, in a context that loads axe-core
    into every page (the phone runs check each page with axe; the desktop runs and the link search do not)."""
    contexts: list[BrowserContext] = []
    pages: dict[str, Page] = {}
    for who, visitor in visitors.items():
        context = browser.new_context(base_url=live_server, viewport=PHONE, bypass_csp=True,
                                      storage_state=visitor.context.storage_state())
        context.set_default_timeout(15_000)
        axe_in_every_page(context)
        contexts.append(context)
        pages[who] = context.new_page()
    try:
        yield pages
    finally:
        for context in contexts:
            context.close()


@pytest.fixture(scope="module")
def addresses(visitors: dict[str, Page]) -> dict[str, str]:
    _give_the_demo_what_it_lacks(visitors)
    return _addresses(visitors)


def test_every_page_route_has_a_real_address_in_the_demo(addresses: dict[str, str]) -> None:
    missing = sorted(set(ROUTES) - set(addresses))
    assert not missing, f"no demo page links to these routes, so their pages go unchecked: {missing}"


def _problems_on(page: Page, address: str | None, *, axe: bool) -> list[str]:
    """What is wrong with the page at ``address`` (or the page as it is, without one)."""
    problems = []
    if address is not None:
        response = page.goto(address)
        if page.locator("figure[data-iiif-info]").count():
            page.wait_for_function("() => !window.OpenSeadragon || document.querySelector('.has-deep-zoom')")
        status = response.status if response else 0
        if status >= 500:
            problems.append(f"answered {status}")
    layout: dict[str, Any] = page.evaluate(LAYOUT_JS)
    if layout["scroll"] > layout["inner"]:
        problems.append(f"is {layout['scroll']} px wide in a {layout['inner']} px window: {layout['too_wide']}")
    if layout["hidden_shown"]:
        problems.append(f"shows elements marked hidden: {layout['hidden_shown']}")
    problems += page.evaluate(TARGETS_JS, MIN_TARGET)
    if axe:
        report = run_axe(page)
        if report.blocking:
            problems.append(report.describe(report.blocking))
    return problems


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("who", list(VISITORS))
def test_every_page_fits_the_screen_and_the_finger(visitors: dict[str, Page], phone_visitors: dict[str, Page],
                                                    addresses: dict[str, str], who: str, size: dict[str, int]) -> None:
    page = phone_visitors[who] if size == PHONE else visitors[who]
    page.set_viewport_size(size)
    problems = {}
    for rule, audience in ROUTES.items():
        if who in audience and rule in addresses:
            found = _problems_on(page, addresses[rule], axe=size == PHONE)
            if found:
                problems[addresses[rule]] = found
    if who == "visitor":
        found = _problems_on(page, "/no-such-page", axe=size == PHONE)
        if found:
            problems["/no-such-page"] = found
    assert not problems, f"as {who} at {size['width']}×{size['height']}:\n" + "\n".join(
        f"{address}\n    " + "\n    ".join(found) for address, found in problems.items())


def test_the_checks_find_each_problem_when_there_is_one(visitors: dict[str, Page]) -> None:
    """Proof the checks can fail: a box wider than the phone, a shown element marked hidden, and two
    small links side by side outside any sentence."""
    page = visitors["visitor"]
    page.set_viewport_size(PHONE)
    page.goto("/")
    page.evaluate("""() => document.querySelector('main').insertAdjacentHTML('beforeend',
        '<div style="width: 500px">wide</div><button type="button" hidden style="display: block !important">Ghost</button>'
        + '<ul><li><a href="/a" style="font-size: 12px">A</a> <a href="/b" style="font-size: 12px">B</a></li></ul>')""")
    problems = "\n".join(_problems_on(page, None, axe=False))
    assert "px wide in a 390 px window" in problems
    assert "Ghost" in problems
    assert 'a "A" is' in problems and 'too close to a "B"' in problems


def test_the_moderation_queue_on_a_phone_for_the_readme(browser, live_server: str,  # type: ignore[no-untyped-def]
                                                        visitors: dict[str, Page]) -> None:
    """The archivist's queue as a sharp phone screenshot (scripts/update-screenshots.sh puts it in the README)."""
    signed_in = visitors["archivist"].context.storage_state()
    context = browser.new_context(base_url=live_server, viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  storage_state=signed_in)
    try:
        page = context.new_page()
        page.goto("/moderation")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        screenshot(page, "phone-moderation-queue")
    finally:
        context.close()
