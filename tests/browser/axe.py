"""Run axe-core (vendored by scripts/vendor-assets.sh into tests/browser/vendor/) on a Playwright page.

axe-core is a test tool: it is never served to visitors. A browser context that checks many pages
loads it into each of them from the start with ``axe_in_every_page``; otherwise ``run_axe`` injects
it with ``add_script_tag``. Our Content-Security-Policy forbids inline script, so the browser context
that uses it is opened with ``bypass_csp=True`` (see ``_context`` in test_accessibility.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
#: WCAG 2.0 and 2.1, levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = ("serious", "critical")


@dataclass
class AxeReport:
    """The violations axe found on one page, split into those that fail a test and the rest."""

    url: str
    violations: list[dict[str, Any]] = field(default_factory=list)

    @property
    def blocking(self) -> list[dict[str, Any]]:
        return [v for v in self.violations if v.get("impact") in BLOCKING_IMPACTS]

    @property
    def lesser(self) -> list[dict[str, Any]]:
        return [v for v in self.violations if v.get("impact") not in BLOCKING_IMPACTS]

    def describe(self, violations: list[dict[str, Any]] | None = None) -> str:
        """Each violation's impact, rule id, help text and the CSS targets of the offending nodes."""
        lines = []
        for v in self.violations if violations is None else violations:
            targets = [" ".join(str(t) for t in node.get("target", [])) for node in v.get("nodes", [])]
            lines.append(f"[{v.get('impact')}] {v['id']}: {v.get('help')} ({v.get('helpUrl', '')})")
            for target, node in zip(targets, v.get("nodes", []), strict=False):
                summary = (node.get("failureSummary") or "").replace("\n", " ")
                lines.append(f"    {target}  {summary[:300]}")
        return f"{self.url}\n" + "\n".join(lines)


def axe_in_every_page(context: Any) -> None:
    """Load axe-core into every page ``context`` opens, as it opens (an init script), so ``run_axe``
    finds it there. Compared page by page on the demo (goto and one check, interleaved, load 10):
    0.76 s a page against 1.45 s when ``inject_axe`` added it afterwards. Pages that are never checked
    load it too, so use it for contexts that check most of their pages."""
    if not AXE_JS.exists():
        raise FileNotFoundError(f"{AXE_JS} is missing: run scripts/vendor-assets.sh")
    context.add_init_script(path=str(AXE_JS))


def inject_axe(page: Any) -> None:
    """Load axe-core into the page, from a <script src> or, failing that, by evaluating its text."""
    if page.evaluate("() => typeof window.axe !== 'undefined'"):
        return
    if not AXE_JS.exists():
        raise FileNotFoundError(f"{AXE_JS} is missing: run scripts/vendor-assets.sh")
    try:
        page.add_script_tag(path=str(AXE_JS))
    except Exception:  # noqa: BLE001 - a CSP that blocks the tag; evaluate the source instead
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    page.wait_for_function("() => typeof window.axe !== 'undefined'")


def run_axe(page: Any, *, exclude: list[str] | None = None, tags: list[str] | None = None) -> AxeReport:
    """Check the page as it is now against ``tags`` (WCAG 2.1 A and AA unless told); ``exclude`` lists CSS selectors to skip."""
    inject_axe(page)
    context: dict[str, Any] = {"exclude": [[s] for s in exclude]} if exclude else {}
    result = page.evaluate(
        """async ([context, tags]) => {
            const r = await axe.run(Object.keys(context).length ? context : document,
                                    {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target, failureSummary: n.failureSummary, html: n.html}))}));
        }""",
        [context, tags or WCAG_TAGS],
    )
    return AxeReport(url=page.url, violations=result)
