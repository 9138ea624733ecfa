"""Opt-in contributor pages: private by default, switched on and off from the account page, and
linked from a contributor's name only while public."""
from __future__ import annotations

import json
from typing import Any

from flask import Flask
from lxml import html
from sqlalchemy import select

from photoid.accounts.models import User
from photoid.db import utcnow
from photoid.extensions import db
from photoid.moderation.models import ModerationEvent
from tests.factories import make_collection, make_comment, make_identification, make_photo, make_user
from tests.web.pages import parse as _doc, text as _text

LABEL = "Show my public contributor page"
SAVE = "Save contributor page setting"


def _settings_form(client):  # type: ignore[no-untyped-def]
    """The contributor-page form on the account page, found by its button, and its labelled checkbox."""
    page = _doc(client.get("/account"))
    form = next(b.xpath("ancestor::form[1]")[0] for b in page.xpath("//button") if _text(b) == SAVE)
    label = next(label for label in form.xpath(".//label") if _text(label) == LABEL)
    checkbox = form.xpath(f".//input[@id='{label.get('for')}']")[0]
    return page, form, checkbox


def _set_public(client, is_public: bool):  # type: ignore[no-untyped-def]
    """Tick or untick the box on the account page and save, as a browser would."""
    _, form, checkbox = _settings_form(client)
    data = {"csrf_token": form.xpath(".//input[@name='csrf_token']/@value")[0]}
    if is_public:
        data[checkbox.get("name")] = checkbox.get("value") or "y"
    return client.post(form.get("action"), data=data)


def _counts(doc) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {_text(row.xpath("th")[0]): _text(row.xpath("td")[0]) for row in doc.xpath("//table//tbody/tr")}


def _world() -> dict[str, Any]:
    """A patron's hand-countable work: what counts (approved, on public photos) and what must not."""
    patron = make_user(display_name="Margaret H.", email="margaret@example.org")
    other = make_user(display_name="Somebody Else")
    collection = make_collection(title="Main Street")
    hidden_collection = make_collection(title="Not yet public", is_published=False)
    mill = make_photo(collection=collection, title="The mill in winter")
    parade = make_photo(collection=collection, title="Parade on Main Street")
    unpublished = make_photo(collection=collection, title="Unpublished negative", is_published=False)
    in_hidden = make_photo(collection=hidden_collection, title="Photo in a hidden collection")
    approved = dict(contributor=patron, state="approved")
    # Counted: 2 people, 1 place, 1 event, 0 dates.
    make_identification(photo=mill, kind="person", **approved)
    make_identification(photo=parade, kind="person", **approved)
    make_identification(photo=parade, kind="place", **approved)
    make_identification(photo=mill, kind="event", **approved)
    # Not counted: waiting, declined, replaced, or on photos the public cannot see; someone else's.
    make_identification(photo=mill, kind="person", contributor=patron, state="pending")
    make_identification(photo=mill, kind="date", contributor=patron, state="rejected", review_note="No")
    make_identification(photo=parade, kind="place", contributor=patron, state="approved_with_changes", review_note="Corrected")
    make_identification(photo=unpublished, kind="person", **approved)
    make_identification(photo=in_hidden, kind="date", **approved)
    make_identification(photo=mill, kind="date", contributor=other, state="approved")
    # Comments: 2 published on public photos count; waiting, rejected and hidden ones do not.
    make_comment(photo=mill, author=patron, state="published")
    make_comment(photo=parade, author=patron, state="published")
    make_comment(photo=mill, author=patron, state="pending")
    make_comment(photo=mill, author=patron, state="rejected")
    make_comment(photo=unpublished, author=patron, state="published")
    db.session.commit()
    return {"patron": patron, "other": other, "mill": mill, "parade": parade}


def _sign_in(client, user: User) -> None:  # type: ignore[no-untyped-def]
    with client.session_transaction() as session:
        session["_user_id"] = user.login_id
        session["_fresh"] = True


def test_a_contributor_page_is_private_by_default_and_looks_like_a_missing_one(app: Flask, client) -> None:
    world = _world()
    private = client.get(f"/contributors/{world['patron'].id}")
    unknown = client.get("/contributors/999999")
    assert private.status_code == unknown.status_code == 404
    assert _text(_doc(private).xpath("//main")[0]) == _text(_doc(unknown).xpath("//main")[0])
    assert "Margaret" not in private.get_data(as_text=True)
    assert "Margaret" not in client.get("/contributors").get_data(as_text=True)


def test_the_account_page_explains_what_becomes_public(app: Flask, client) -> None:
    world = _world()
    _sign_in(client, world["patron"])
    page, _, checkbox = _settings_form(client)
    assert checkbox.get("type") == "checkbox" and checkbox.get("checked") is None
    hint = page.xpath(f"//*[@id='{checkbox.get('aria-describedby')}']")[0]
    for words in ("display name", "month you joined", "people, places, events, dates and keywords", "comments",
                  "email", "never shown", "private again"):
        assert words in _text(hint), words
    assert "private" in _text(page.xpath("//section[@aria-labelledby='profile-heading']")[0])


def test_opting_in_shows_the_hand_counted_approved_work_and_no_email(app: Flask, client) -> None:
    world = _world()
    _sign_in(client, world["patron"])
    response = _set_public(client, True)
    assert response.status_code == 302
    assert "now public" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert _settings_form(client)[2].get("checked") is not None

    visitor = app.test_client()
    response = visitor.get(f"/contributors/{world['patron'].id}")
    assert response.status_code == 200
    page = _doc(response)
    assert _text(page.xpath("//h1")[0]) == "Margaret H."
    created = world["patron"].created_at
    assert f"Contributor since {created.strftime('%B %Y')}" in _text(page)
    assert _counts(page) == {
        "People identified": "2", "Places identified": "1", "Events identified": "1", "Dates identified": "0",
        "Comments published": "2",
    }
    assert "helped with 4 approved identifications" in _text(page)
    thumbnails = {img.get("alt") for img in page.xpath("//section[@aria-labelledby='profile-photos-heading']//img")}
    assert thumbnails == {"The mill in winter", "Parade on Main Street"}
    body = response.get_data(as_text=True)
    for secret in ("margaret@example.org", "Unpublished negative", "hidden collection", "Somebody Else"):
        assert secret not in body
    listing = _doc(visitor.get("/contributors"))
    assert [_text(a) for a in listing.xpath("//table//a")] == ["Margaret H."]


def test_opting_out_again_makes_the_page_not_found_and_both_changes_are_logged(app: Flask, client) -> None:
    world = _world()
    _sign_in(client, world["patron"])
    _set_public(client, True)
    assert client.get(f"/contributors/{world['patron'].id}").status_code == 200
    response = _set_public(client, False)
    assert response.status_code == 302
    assert "now private" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert app.test_client().get(f"/contributors/{world['patron'].id}").status_code == 404
    events = db.session.scalars(
        select(ModerationEvent).where(ModerationEvent.action == "profile_visibility").order_by(ModerationEvent.id)
    ).all()
    assert [(e.actor_id, e.target_id, e.after) for e in events] == [
        (world["patron"].id, world["patron"].id, {"is_profile_public": True}),
        (world["patron"].id, world["patron"].id, {"is_profile_public": False}),
    ]


def test_suspended_and_deleted_contributors_have_no_page(app: Flask, client) -> None:
    suspended = make_user(display_name="Suspended Sue", is_profile_public=True, suspended_at=utcnow())
    deleted = make_user(display_name="Gone Gary", is_profile_public=True, deleted_at=utcnow())
    shown = make_user(display_name="Public Pat", is_profile_public=True)
    db.session.commit()
    assert client.get(f"/contributors/{suspended.id}").status_code == 404
    assert client.get(f"/contributors/{deleted.id}").status_code == 404
    assert client.get(f"/contributors/{shown.id}").status_code == 200
    names = [_text(a) for a in _doc(client.get("/contributors")).xpath("//table//a")]
    assert names == ["Public Pat"]


def test_the_photo_page_links_a_contributor_name_only_while_the_page_is_public(app: Flask, client) -> None:
    world = _world()
    photo, patron = world["mill"], world["patron"]
    href = f"/contributors/{patron.id}"

    def links_to_profile() -> list[str]:
        return [_text(a) for a in _doc(client.get(f"/photos/{photo.id}")).xpath(f"//a[@href='{href}']")]

    page = client.get(f"/photos/{photo.id}").get_data(as_text=True)
    assert "contributed by Margaret H." in " ".join(html.fromstring(page).text_content().split())
    assert links_to_profile() == []
    patron.is_profile_public = True
    db.session.commit()
    # The approved facts' provenance and the published comments link the name.
    assert links_to_profile() and set(links_to_profile()) == {"Margaret H."}
    assert "Somebody Else" not in [_text(a) for a in _doc(client.get(f"/photos/{photo.id}")).xpath("//a")]
    patron.suspended_at = utcnow()
    db.session.commit()
    assert links_to_profile() == []


def test_the_setting_is_not_saved_without_a_csrf_token(app: Flask, client) -> None:
    world = _world()
    _sign_in(client, world["patron"])
    _, form, checkbox = _settings_form(client)
    response = client.post(form.get("action"), data={checkbox.get("name"): "y"})
    assert response.status_code == 400
    assert "reload the page" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, world["patron"].id).is_profile_public is False


def test_signing_in_is_needed_to_change_the_setting(app: Flask, client, csrf_token) -> None:
    response = client.post("/account/profile", data={"csrf_token": csrf_token("/login"), "is_public": "y"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db.session.scalar(select(ModerationEvent.id)) is None


def test_the_list_is_sorted_by_approved_identifications_and_paginated(app: Flask, client) -> None:
    app.config["PROFILES_PER_PAGE"] = 2
    photo = make_photo()
    people = {name: make_user(display_name=name, is_profile_public=True) for name in ("Ann", "Bob", "Cy")}
    private = make_user(display_name="Private Pia")
    for name, count in (("Ann", 1), ("Bob", 3), ("Cy", 2)):
        for _ in range(count):
            make_identification(photo=photo, contributor=people[name], state="approved")
    for _ in range(5):
        make_identification(photo=photo, contributor=private, state="approved")
    db.session.commit()
    first = _doc(client.get("/contributors"))
    assert [[_text(c) for c in row.xpath("th|td")] for row in first.xpath("//table//tbody/tr")] == [["Bob", "3"], ["Cy", "2"]]
    second = _doc(client.get("/contributors?page=2"))
    assert [_text(a) for a in second.xpath("//table//a")] == ["Ann"]
    assert "Page 2 of 2" in _text(second)
    footer = _doc(client.get("/")).xpath("//footer//a[normalize-space()='Our contributors']")
    assert footer and footer[0].get("href") == "/contributors"
    assert client.get("/contributors?page=zero").status_code == 400


def test_the_data_download_says_whether_the_page_is_public(app: Flask, client) -> None:
    world = _world()
    _sign_in(client, world["patron"])
    data = json.loads(client.get("/account/data.json").get_data(as_text=True))
    assert data["profile"]["is_profile_public"] is False and data["profile"]["profile_url"] is None
    _set_public(client, True)
    data = json.loads(client.get("/account/data.json").get_data(as_text=True))
    assert data["profile"]["is_profile_public"] is True
    assert data["profile"]["profile_url"].endswith(f"/contributors/{world['patron'].id}")
