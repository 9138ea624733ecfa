"""What the browser tests do as a person would, in one copy (the web tests' page helpers are in tests/web/pages.py)."""
from __future__ import annotations

from playwright.sync_api import Page, expect

#: The password of the demo accounts (`photoid demo`): patron@, archivist@, admin@example.org and the others.
DEMO_PASSWORD = "photoid-demo"


def sign_in(page: Page, email: str, password: str = DEMO_PASSWORD, *, welcome: bool = True) -> None:
    """Fill in the sign-in form and send it; with ``welcome``, wait for the "Signed in as" message.
    Without it the caller checks what follows (a refusal, or its own sign of being signed in)."""
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    if welcome:
        expect(page.get_by_role("status")).to_contain_text("Signed in as")
