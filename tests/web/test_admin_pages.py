"""The admin pages as an administrator uses them: find an account, change its role, trust or
suspension, and edit an institution's settings. Controls are found by their labels and buttons."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from photoid.accounts.models import User
from photoid.extensions import db
from photoid.moderation.models import ModerationEvent
from photoid.photos.models import Institution
from tests.factories import make_identification, make_institution, make_photo, make_user
from tests.web.pages import alert, button as named_button, button_form, labelled, parse as _doc, text as _text


# --- reading and filling in pages as a person would ----------------------------------------------

def page_text(response) -> str:  # type: ignore[no-untyped-def]
    return _text(_doc(response).xpath("//main")[0])


def textarea_text(element) -> str:  # type: ignore[no-untyped-def]
    """A text area's content as a browser shows it (the newline right after the tag is not part of it)."""
    text = element.text or ""
    return text[1:] if text.startswith("\n") else text


def _initial_values(form) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """What a browser would send if the person changed nothing."""
    values: list[tuple[str, str]] = []
    for element in form.xpath(".//input|.//textarea|.//select"):
        name, kind = element.get("name"), (element.get("type") or "text").lower()
        if not name:
            continue
        if element.tag == "input" and kind in ("checkbox", "radio"):
            if element.get("checked") is not None:
                values.append((name, element.get("value", "on")))
        elif element.tag == "textarea":
            values.append((name, textarea_text(element)))
        elif element.tag == "select":
            chosen = element.xpath(".//option[@selected]") or element.xpath(".//option")[:1]
            values.extend((name, option.get("value")) for option in chosen)
        elif kind not in ("submit", "button"):
            values.append((name, element.get("value", "")))
    return values


def press(client, page, button: str, fill: dict[str, str | bool] | None = None):  # type: ignore[no-untyped-def]
    """Fill in the controls named in ``fill`` (text, or True/False to tick) and press ``button``."""
    form = button_form(_doc(page), button)
    pressed = named_button(form, button)
    values = _initial_values(form)
    for label, value in (fill or {}).items():
        control = labelled(form, label, prefix=True)
        name, kind = control.get("name"), (control.get("type") or "text").lower()
        if kind == "radio":
            values = [v for v in values if v[0] != name] + [(name, control.get("value"))]
        elif kind == "checkbox":
            values = [v for v in values if v != (name, control.get("value"))]
            if value:
                values.append((name, control.get("value")))
        else:
            values = [v for v in values if v[0] != name] + [(name, str(value))]
    if pressed.get("name"):
        values.append((pressed.get("name"), pressed.get("value", "")))
    return client.post(form.get("action"), data=_multi(values))


def _multi(values: list[tuple[str, str]]):  # type: ignore[no-untyped-def]
    from werkzeug.datastructures import MultiDict

    return MultiDict(values)


def events(action: str) -> list[ModerationEvent]:
    return list(db.session.scalars(select(ModerationEvent).where(ModerationEvent.action == action)))


def fresh(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)  # type: ignore[return-value]


@pytest.fixture
def people(db_session):  # type: ignore[no-untyped-def]
    mill = make_institution(slug="millbrook", name="Millbrook Library")
    harbor = make_institution(slug="harbor", name="Harbor Archives")
    ann = make_user(display_name="Ann Whitfield", email="ann.w@example.org")
    bob = make_user(display_name="Bob Carter", email="bcarter@example.net")
    keeper = make_user(role="archivist", display_name="Keeper Kim", email="kim@example.org", institutions=[mill])
    db.session.commit()
    return {"mill": mill, "harbor": harbor, "ann": ann, "bob": bob, "keeper": keeper}


# --- finding accounts ----------------------------------------------------------------------------

def test_an_admin_finds_accounts_by_name_or_email_and_filters_by_role(client, login_as, people) -> None:
    login_as("admin", display_name="Root Admin")

    by_name = _doc(client.get("/admin/users?q=whit"))
    by_email = _doc(client.get("/admin/users?q=EXAMPLE.NET"))
    archivists = _doc(client.get("/admin/users?role=archivist"))

    def rows(doc) -> list[str]:  # type: ignore[no-untyped-def]
        return [_text(th) for th in doc.xpath("//table//tbody//th")]

    assert rows(by_name) == ["Ann Whitfield"]
    assert "ann.w@example.org" in _text(by_name.xpath("//table")[0])
    assert rows(by_email) == ["Bob Carter"]
    assert rows(archivists) == ["Keeper Kim"]
    assert "Millbrook Library" in _text(archivists.xpath("//table")[0])


def test_a_wildcard_in_the_search_matches_only_itself(client, login_as, people) -> None:
    login_as("admin")
    assert "0 accounts" in page_text(client.get("/admin/users?q=%25"))


def test_a_bad_role_filter_is_explained_not_an_error_page(client, login_as, people) -> None:
    login_as("admin")
    response = client.get("/admin/users?role=king")
    assert response.status_code == 400
    assert "role filter was not understood" in alert(response)


def test_only_admins_see_the_admin_link_and_pages(client, login_as, people) -> None:
    assert client.get("/admin/users").status_code == 302
    login_as("archivist", institutions=[people["mill"]])
    home = _doc(client.get("/"))
    assert not [a for a in home.xpath("//nav//a") if _text(a) == "Admin"]
    assert client.get("/admin/users").status_code == 403
    assert client.get(f"/admin/users/{people['ann'].id}").status_code == 403
    login_as("admin")
    home = _doc(client.get("/"))
    # The header lists its links twice: in the phone's Menu and in the wide screen's row (CSS shows one).
    assert {a.get("href") for a in home.xpath("//nav//a") if _text(a) == "Admin"} == {"/admin/users"}


def test_emails_are_not_shown_on_other_staff_pages(client, login_as, people) -> None:
    photo = make_photo(collection=None)
    make_identification(photo=photo, contributor=people["ann"])
    archivist = login_as("archivist", institutions=[photo.institution])
    db.session.commit()
    for path in ("/moderation", f"/photos/{photo.id}", "/moderation/log"):
        assert "ann.w@example.org" not in client.get(path).get_data(as_text=True), path
    assert archivist.email not in client.get("/moderation").get_data(as_text=True)


# --- roles ---------------------------------------------------------------------------------------

def test_an_admin_makes_a_patron_archivist_of_two_libraries(client, login_as, people) -> None:
    login_as("admin")
    ann = people["ann"]
    page = client.get(f"/admin/users/{ann.id}")

    response = press(client, page, "Save role", {
        "Archivist": True, "Millbrook Library": True, "Harbor Archives": True,
        "Note for the audit log": "New volunteer coordinator",
    })

    assert response.status_code == 302
    shown = client.get(response.headers["Location"])
    assert "is now an archivist for Harbor Archives, Millbrook Library" in page_text(shown)
    ann = fresh(ann)
    assert ann.role == "archivist" and {i.slug for i in ann.institutions} == {"millbrook", "harbor"}
    [event] = events("role_change")
    assert event.note == "New volunteer coordinator"


def test_an_archivist_without_a_library_is_refused_with_a_message(client, login_as, people) -> None:
    login_as("admin")
    page = client.get(f"/admin/users/{people['ann'].id}")
    response = press(client, page, "Save role", {"Archivist": True})
    assert response.status_code == 409
    assert "needs at least one institution" in alert(response)
    assert fresh(people["ann"]).role == "patron"


def test_an_admin_cannot_demote_themselves_but_a_successor_can(client, login_as, people, app) -> None:
    me = login_as("admin", display_name="Outgoing Admin")
    page = client.get(f"/admin/users/{me.id}")
    assert "cannot remove your own administrator role" in page_text(page)

    refused = press(client, page, "Save role", {"Patron": True})
    assert refused.status_code == 409
    assert "cannot remove your own administrator role" in alert(refused)
    assert fresh(me).role == "admin"

    # Hand over: promote the successor, who then demotes the outgoing admin from their own account.
    press(client, client.get(f"/admin/users/{people['bob'].id}"), "Save role", {"Administrator": True})
    successor = app.test_client()
    with successor.session_transaction() as session:
        session["_user_id"] = fresh(people["bob"]).login_id
    done = press(successor, successor.get(f"/admin/users/{me.id}"), "Save role", {"Patron": True})
    assert done.status_code == 302
    assert fresh(me).role == "patron"
    assert client.get("/admin/users").status_code == 403


def test_a_forged_role_is_refused(client, login_as, people, csrf_token) -> None:
    login_as("admin")
    token = csrf_token(f"/admin/users/{people['ann'].id}")
    response = client.post(f"/admin/users/{people['ann'].id}/role", data={"csrf_token": token, "role": "owner"})
    assert response.status_code == 400
    assert "Please choose a role" in alert(response)
    assert fresh(people["ann"]).role == "patron"


def test_a_form_without_its_token_changes_nothing(client, login_as, people) -> None:
    login_as("admin")
    response = client.post(f"/admin/users/{people['ann'].id}/role", data={"role": "admin"})
    assert response.status_code == 400
    assert fresh(people["ann"]).role == "patron"


def test_an_unknown_account_is_not_found(client, login_as, people) -> None:
    login_as("admin")
    assert client.get("/admin/users/999999").status_code == 404


# --- trust and suspension ------------------------------------------------------------------------

def test_trusting_and_untrusting_an_account(client, login_as, people) -> None:
    login_as("admin")
    page = client.get(f"/admin/users/{people['bob'].id}")
    response = press(client, page, "Trust Bob Carter")
    page = client.get(response.headers["Location"])
    assert "Bob Carter is now trusted" in page_text(page)
    assert fresh(people["bob"]).is_trusted
    press(client, page, "Stop trusting Bob Carter")
    assert not fresh(people["bob"]).is_trusted
    assert len(events("trust_change")) == 2


def test_suspending_needs_a_note_and_signs_the_account_out_at_once(client, login_as, people, app) -> None:
    bob_browser = app.test_client()
    with bob_browser.session_transaction() as session:
        session["_user_id"] = people["bob"].login_id
    assert bob_browser.get("/me/contributions").status_code == 200
    login_as("admin")
    page = client.get(f"/admin/users/{people['bob'].id}")

    refused = press(client, page, "Suspend Bob Carter", {"Why": "  "})
    assert refused.status_code == 400
    assert "Please write a short note" in alert(refused)
    assert fresh(people["bob"]).suspended_at is None

    done = press(client, page, "Suspend Bob Carter", {"Why": "Abusive comments"})
    assert done.status_code == 302
    assert "Suspended since" in page_text(client.get(done.headers["Location"]))
    assert bob_browser.get("/me/contributions").status_code == 302  # signed out: sent to sign in
    assert "/login" in bob_browser.get("/me/contributions").headers["Location"]


def test_an_admin_is_not_offered_to_suspend_themselves_and_a_forged_request_is_refused(client, login_as, csrf_token) -> None:
    me = login_as("admin", display_name="Solo Admin")
    page = client.get(f"/admin/users/{me.id}")
    assert "You cannot suspend your own account." in page_text(page)
    assert not [b for b in _doc(page).xpath("//button") if _text(b).startswith("Suspend")]
    token = csrf_token(f"/admin/users/{me.id}")
    response = client.post(f"/admin/users/{me.id}/suspend", data={"csrf_token": token, "note": "bye"})
    assert response.status_code == 409
    assert fresh(me).suspended_at is None


def test_a_suspended_patrons_suggestion_leaves_the_queue_until_restored(client, login_as, people, app) -> None:
    photo = make_photo(title="Mill picnic")
    make_identification(photo=photo, contributor=people["bob"], text_value="Uncle Ted")
    archivist = make_user(role="archivist", institutions=[photo.institution])
    db.session.commit()
    desk = app.test_client()
    with desk.session_transaction() as session:
        session["_user_id"] = archivist.login_id
    assert "Uncle Ted" in desk.get("/moderation").get_data(as_text=True)

    login_as("admin")
    press(client, client.get(f"/admin/users/{people['bob'].id}"), "Suspend Bob Carter", {"Why": "Fake names"})
    assert "Uncle Ted" not in desk.get("/moderation").get_data(as_text=True)

    press(client, client.get(f"/admin/users/{people['bob'].id}"), "Restore Bob Carter", {"Why": "Cleared up"})
    assert "Uncle Ted" in desk.get("/moderation").get_data(as_text=True)


# --- institution settings ------------------------------------------------------------------------

def test_an_admin_changes_an_institutions_settings(client, login_as, people) -> None:
    login_as("admin")
    listing = _doc(client.get("/admin/institutions"))
    link = [a.get("href") for a in listing.xpath("//table//a") if _text(a) == "Millbrook Library"][0]
    page = client.get(link)
    assert textarea_text(labelled(_doc(page), "Reasons archivists can choose", prefix=True)).startswith("We could not verify")

    response = press(client, page, "Save settings", {
        "Comments wait for an archivist": True,
        "No: visitors see only approved facts": True,
        "Reasons archivists can choose": "Wrong photo\nWrong decade",
        "Name shown as": "Millbrook Local History Room",
    })

    assert response.status_code == 302
    assert "Settings of Millbrook Library saved" in page_text(client.get(response.headers["Location"]))
    db.session.expire_all()
    mill = db.session.get(Institution, people["mill"].id)
    assert (mill.comment_policy, mill.show_pending_publicly) == ("pre", False)
    assert mill.reject_reasons == ["Wrong photo", "Wrong decade"]
    row = [tr for tr in _doc(client.get("/admin/institutions")).xpath("//tbody/tr") if "Millbrook" in _text(tr)][0]
    assert "Reviewed first" in _text(row) and "Millbrook Local History Room" in _text(row)
    [event] = events("institution_settings")
    assert event.after["verified_by_name"] == "Millbrook Local History Room"


def test_too_many_reject_reasons_are_explained(client, login_as, people) -> None:
    login_as("admin")
    page = client.get("/admin/institutions/millbrook")
    reasons = "\n".join(f"Reason number {n}" for n in range(1, 23))
    response = press(client, page, "Save settings", {"Reasons archivists can choose": reasons})
    assert response.status_code == 400
    assert "at most 20 reject reasons (you have 22)" in alert(response)
    # What was typed is kept, so nothing is lost.
    assert "Reason number 22" in textarea_text(labelled(_doc(response), "Reasons archivists can choose", prefix=True))


def test_a_forged_comment_policy_is_refused(client, login_as, people, csrf_token) -> None:
    login_as("admin")
    token = csrf_token("/admin/institutions/millbrook")
    response = client.post("/admin/institutions/millbrook", data={
        "csrf_token": token, "comment_policy": "never", "show_pending_publicly": "yes", "reject_reasons": "",
    })
    assert response.status_code == 400
    assert "Please choose one answer for each question" in alert(response)
    assert client.get("/admin/institutions/nowhere").status_code == 404
