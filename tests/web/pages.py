"""Reading and filling in pages as a person would, for the web tests: one copy of the helpers.

Elements are found the way a person (or a screen reader) finds them: a button by its name, a control by
its label, a link by its words, a message by its role. Pages are parsed with lxml from the test
client's responses; the browser tests use Playwright's own locators instead.
"""
from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from lxml import html
from werkzeug.test import TestResponse

from tests.conftest import CSRF_PATTERN


def parse(response: TestResponse) -> html.HtmlElement:
    """The response's page, to find things in."""
    return html.fromstring(response.get_data(as_text=True))


def text(element: html.HtmlElement) -> str:
    """What the element reads as on screen: its text with runs of white space folded to one space."""
    return " ".join(element.text_content().split())


def alert(response: TestResponse) -> str:
    """Every message the page shows with role="alert" (errors), as one line."""
    return " ".join(text(e) for e in parse(response).xpath("//*[@role='alert']"))


def button(scope: html.HtmlElement, name: str) -> html.HtmlElement:
    """The button inside ``scope`` whose accessible name (its text) is ``name``."""
    for found in scope.xpath(".//button"):
        if text(found) == name:
            return found
    raise AssertionError(f"no button named {name!r}")


def button_form(scope: html.HtmlElement, name: str) -> html.HtmlElement:
    """The form that the button named ``name`` sends."""
    return button(scope, name).xpath("ancestor::form[1]")[0]


def labelled(scope: html.HtmlElement, label: str, *, prefix: bool = False) -> html.HtmlElement:
    """The control inside ``scope`` whose label reads ``label`` (with ``prefix``, the first whose label
    starts with it): the one its ``for`` names, else the control inside the label. Two controls with
    the same label fail, as they would confuse a screen reader's user."""
    labels = scope.xpath(".//label")
    found = [e for e in labels if text(e) == label] or [e for e in labels if prefix and text(e).startswith(label)][:1]
    if not found:
        raise AssertionError(f"no control labelled {label!r}")
    assert len(found) == 1, f"{len(found)} controls labelled {label!r}"
    target = found[0].get("for")
    return scope.xpath(f".//*[@id='{target}']")[0] if target else found[0].xpath(".//input|.//select|.//textarea")[0]


def link(scope: html.HtmlElement, name: str) -> html.HtmlElement:
    """The link inside ``scope`` named ``name``, by its words or its aria-label."""
    for found in scope.xpath(".//a"):
        if text(found) == name or found.get("aria-label") == name:
            return found
    raise AssertionError(f"no link named {name!r}")


def submit(client: FlaskClient, form: html.HtmlElement, **data: Any) -> TestResponse:
    """Send a form as the browser would: its hidden fields (the CSRF token), then what the person filled in."""
    fields = {i.get("name"): i.get("value") or "" for i in form.xpath(".//input[@type='hidden']")}
    return client.post(form.get("action") or "", data={**fields, **data})


def csrf_token_on(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token of the first form on the page at ``path``."""
    match = CSRF_PATTERN.search(client.get(path).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


def sign_in(client: FlaskClient, user: Any) -> None:
    """Sign ``user`` in on this client (a fresh session), without going through the sign-in form."""
    with client.session_transaction() as session:
        session.clear()
        session["_user_id"] = user.login_id
        session["_fresh"] = True
