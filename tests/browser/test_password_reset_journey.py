"""A patron signed in on two devices forgets their password: they ask for a link on one, read it from
the email the site really sent, choose a new password and are signed in; the other device is signed
out at its next page, and the link, once used, says clearly that it no longer works."""
from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PHOTOID, copy_site, screenshot, server_env, serving
from tests.browser.pages import sign_in
from tests.mailbox import Mailbox

EMAIL = "rose@millbrook.example"
OLD_PASSWORD = "roses are red in June"
NEW_PASSWORD = "violets are blue in May"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, mailbox: Mailbox, migrated_site: Path) -> Iterator[str]:
    tmp = copy_site(migrated_site, tmp_path_factory.mktemp("reset-site"))
    env = server_env(tmp, PATRON_PASSWORD=OLD_PASSWORD, PHOTOID_SITE_NAME="Millbrook Memories", **mailbox.settings())
    made = subprocess.run([*PHOTOID, "create-user", EMAIL, "--display-name", "Rose", "--password-env", "PATRON_PASSWORD"],
                          env=env, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    with serving(tmp, env) as url:
        yield url


def _device(browser: Browser, site: str) -> Page:
    page = browser.new_context(base_url=site, viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(15_000)
    return page


def _sign_in(page: Page, password: str) -> None:
    sign_in(page, EMAIL, password, welcome=False)


def test_a_forgotten_password_is_reset_from_the_email_and_the_other_device_is_signed_out(
        browser: Browser, site: str, mailbox: Mailbox) -> None:
    laptop, phone = _device(browser, site), _device(browser, site)
    for device in (laptop, phone):
        _sign_in(device, OLD_PASSWORD)
        expect(device.get_by_role("navigation", name="Account")).to_contain_text("Rose")

    # On the laptop, Rose signs out and cannot remember her password.
    laptop.get_by_role("button", name="Sign out").click()
    laptop.get_by_role("link", name="Sign in").click()
    laptop.get_by_role("link", name="Forgot your password?").click()
    laptop.get_by_label("Email").fill(EMAIL)
    laptop.get_by_role("button", name="Send me a link").click()
    expect(laptop.get_by_role("status")).to_contain_text("we have sent it a link")
    screenshot(laptop, "password-reset-sent")

    link = mailbox.link_to(EMAIL, "/password/reset/")
    message = mailbox.wait_for(EMAIL)
    assert "Millbrook Memories" in str(message["Subject"])
    laptop.goto(link)
    laptop.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    laptop.get_by_label("Repeat new password").fill(NEW_PASSWORD)
    laptop.get_by_role("button", name="Set new password").click()
    expect(laptop.get_by_role("status")).to_contain_text("Your new password is set")
    expect(laptop.get_by_role("navigation", name="Account")).to_contain_text("Rose")

    # The phone is signed out at its next page.
    phone.goto("/")
    expect(phone.get_by_role("link", name="Sign in")).to_be_visible()
    _sign_in(phone, OLD_PASSWORD)
    expect(phone.get_by_role("alert")).to_contain_text("do not match an account")
    _sign_in(phone, NEW_PASSWORD)
    expect(phone.get_by_role("navigation", name="Account")).to_contain_text("Rose")

    # The used link says what happened and what to do.
    response = laptop.goto(link)
    assert response is not None and response.status == 410
    expect(laptop.get_by_role("heading", name="This link no longer works")).to_be_visible()
    expect(laptop.get_by_role("alert")).to_contain_text("already been used")
    laptop.get_by_role("link", name="Ask for a new link").click()
    expect(laptop.get_by_role("heading", name="Forgot your password?")).to_be_visible()
    screenshot(laptop, "password-reset-link-used")
