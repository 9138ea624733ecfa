"""What a patron sees of privacy: the privacy page, downloading their data and deleting their account."""
from __future__ import annotations

import json

from sqlalchemy import select

from photoid.accounts.models import User
from photoid.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_collection, make_comment, make_identification, make_institution, make_photo, make_user
from tests.web.pages import button_form, labelled, parse as _doc, text as _text


def link(doc, name: str) -> str:  # type: ignore[no-untyped-def]
    for a in doc.xpath("//a"):
        if _text(a) == name:
            return a.get("href")
    raise AssertionError(f"no link named {name!r}")


def _delete(client, password: str):  # type: ignore[no-untyped-def]
    """Open the account page, follow "Delete your account" and confirm with ``password``."""
    page = _doc(client.get(link(_doc(client.get("/account")), "Delete your account")))
    form = button_form(page, "Delete my account")
    field = labelled(form, "Your password")
    token = form.xpath(".//input[@name='csrf_token']/@value")[0]
    return client.post(form.get("action"), data={"csrf_token": token, field.get("name"): password})


def test_the_footer_links_to_a_privacy_page_that_says_how_long_technical_data_is_kept(app, client) -> None:
    app.config["RETENTION_DAYS"] = 21
    page = _doc(client.get("/privacy"))
    assert _text(page.xpath("//h1")[0]) == "Privacy"
    text = _text(page)
    assert "at most 21 days" in text
    assert "never shown on the site and never included in anything the library exports" in text
    assert "a former contributor" in text
    assert link(_doc(client.get("/")), "Privacy") == "/privacy"


def test_a_patron_downloads_all_their_data_as_a_json_file(client, login_as) -> None:
    patron = login_as("patron", email="margaret@example.org", display_name="Margaret H.")
    photo = make_photo(title="Main Street, 1948")
    reviewer = make_user(role="archivist", email="ann.archivist@library.org", institutions=[photo.institution])
    make_identification(photo=photo, contributor=patron, text_value="John Smith", state="approved", reviewer=reviewer)
    db.session.commit()

    response = client.get(link(_doc(client.get("/account")), "Download all your data"))

    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.get_data(as_text=True))
    assert data["profile"]["email"] == "margaret@example.org"
    assert [(i["value"], i["photo"]["title"]) for i in data["identifications"]] == [("John Smith", "Main Street, 1948")]
    assert "ann.archivist@library.org" not in response.get_data(as_text=True)


def test_signed_out_visitors_are_asked_to_sign_in_for_data_and_deletion(client) -> None:
    for path in ("/account/data.json", "/account/delete"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.location


def test_a_patron_deletes_their_account_and_their_contributions_show_a_former_contributor(client, login_as) -> None:
    institution = make_institution()
    photo = make_photo(collection=make_collection(institution=institution), title="Parade")
    patron = login_as("patron", email="margaret@example.org", display_name="Margaret H.")
    make_identification(photo=photo, contributor=patron, text_value="John Smith", state="approved")
    make_identification(photo=photo, contributor=patron, text_value="Harbour master")
    make_comment(photo=photo, author=patron, body="My father built that porch.")
    db.session.commit()

    refused = _delete(client, "not my password")
    assert refused.status_code == 400 and "password is not correct" in refused.get_data(as_text=True)

    response = _delete(client, DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert "Your account is deleted" in client.get(response.location).get_data(as_text=True)
    assert "/login" in client.get("/account").location  # signed out

    page = client.get(f"/photos/{photo.id}").get_data(as_text=True)
    assert "My father built that porch." in page and "John Smith" in page
    assert "Margaret H." not in page and "a former contributor" in page
    login_as("archivist", institutions=[institution])
    queue = _doc(client.get("/moderation"))
    assert "Harbour master" in _text(queue)
    sent_by = queue.xpath("//dt[normalize-space()='Sent by']/following-sibling::dd[1]")
    assert [_text(dd).startswith("a former contributor") for dd in sent_by] == [True]
    assert "Margaret H." not in _text(queue)
    db.session.expire_all()
    assert db.session.scalar(select(User.email).where(User.id == patron.id)) == f"deleted-{patron.id}@invalid"


def test_deleting_needs_the_form_token(client, login_as) -> None:
    patron = login_as("patron")
    response = client.post("/account/delete", data={"password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(User, patron.id).deleted_at is None  # type: ignore[union-attr]


def test_the_only_administrator_is_told_why_they_cannot_delete_their_account(client, login_as) -> None:
    admin = login_as("admin")
    response = _delete(client, DEFAULT_PASSWORD)
    assert response.status_code == 400
    assert "You are the only administrator" in _text(_doc(response))
    db.session.expire_all()
    assert db.session.get(User, admin.id).deleted_at is None  # type: ignore[union-attr]
