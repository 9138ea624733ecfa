"""Staff invitations as people use them: an admin or an archivist invites by email, the invitee
follows the link from the email, chooses a name and a password (or signs in) and arrives with the
right role; used, expired, withdrawn and made-up links say what to do."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from photoid.accounts.models import User
from photoid.admin.models import Invitation
from photoid.db import utcnow
from photoid.extensions import db
from photoid.moderation.models import ModerationEvent
from tests.factories import DEFAULT_PASSWORD, make_institution, make_user
from tests.web.test_admin_pages import _doc, _text, alert, labelled, page_text, press

LINK = re.compile(r"(https?://\S+/invitations/\S+)")
PASSWORD = "a long enough password"


@pytest.fixture
def mailbox(outbox):  # type: ignore[no-untyped-def]
    return outbox


@pytest.fixture
def places(db_session):  # type: ignore[no-untyped-def]
    mill = make_institution(slug="millbrook", name="Millbrook Library")
    harbor = make_institution(slug="harbor", name="Harbor Archives")
    db.session.commit()
    return {"mill": mill, "harbor": harbor}


def link_in(mail: tuple[str, str, str]) -> str:
    match = LINK.search(mail[2])
    assert match, f"no invitation link in {mail[2]!r}"
    return match.group(1)


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def events(action: str) -> list[ModerationEvent]:
    return list(db.session.scalars(select(ModerationEvent).where(ModerationEvent.action == action)))


def test_an_admin_invites_an_archivist_who_joins_from_the_emailed_link(client, login_as, places, mailbox, app) -> None:
    login_as("admin", display_name="Ada Admin")
    page = client.get("/admin/invitations")
    assert "Staff invitations" in _text(_doc(page).xpath("//h1")[0])

    sent = press(client, page, "Send invitation", {
        "Email address of the person you are inviting": "Nora@Example.org", "Archivist": True, "Millbrook Library": True})

    assert sent.status_code == 302
    assert "Invitation sent to nora@example.org" in page_text(client.get(sent.headers["Location"]))
    [mail] = mailbox
    assert mail[0] == "nora@example.org" and "Ada Admin invites you" in mail[2]
    link = link_in(mail)
    assert link.startswith("http://localhost/invitations/")

    invitee = app.test_client()
    form_page = invitee.get(path_of(link))
    assert "Accept your invitation" in _text(_doc(form_page).xpath("//h1")[0])
    assert "an archivist for Millbrook Library" in page_text(form_page)
    joined = press(invitee, form_page, "Create my account and accept", {
        "Display name": "Nora Newcomer", "Password": PASSWORD, "Repeat password": PASSWORD})

    assert joined.status_code == 302 and joined.headers["Location"].endswith("/moderation")
    welcome = invitee.get(joined.headers["Location"])
    assert welcome.status_code == 200
    assert "Welcome, Nora Newcomer! You are now an archivist for Millbrook Library" in page_text(welcome)
    nora = db.session.scalar(select(User).where(User.email == "nora@example.org"))
    assert nora is not None and nora.role == "archivist" and [i.slug for i in nora.institutions] == ["millbrook"]
    listed = _doc(client.get("/admin/invitations"))
    row = [tr for tr in listed.xpath("//tbody/tr") if "nora@example.org" in _text(tr)][0]
    assert "Accepted by Nora Newcomer" in _text(row)

    used = invitee.get(path_of(link))
    assert used.status_code == 410
    assert "already been used" in alert(used)


def test_an_archivist_invites_from_the_institution_page(client, login_as, places, mailbox) -> None:
    login_as("archivist", display_name="Keeper Kim", institutions=[places["mill"]])
    page = client.get("/institutions/millbrook")

    response = press(client, page, "Send invitation", {"Email address of the new archivist": "next@example.org"})

    assert response.status_code == 302 and "/institutions/millbrook" in response.headers["Location"]
    assert "Invitation sent to next@example.org" in page_text(client.get(response.headers["Location"]))
    [invitation] = db.session.scalars(select(Invitation))
    assert (invitation.role, invitation.institution_ids) == ("archivist", [places["mill"].id])
    assert "Keeper Kim invites you to become an archivist for Millbrook Library" in mailbox[0][2]
    [event] = events("invite")
    assert event.institution_id == places["mill"].id


def test_a_bad_address_on_the_institution_page_is_explained_and_kept(client, login_as, places, mailbox) -> None:
    login_as("archivist", institutions=[places["mill"]])
    response = press(client, client.get("/institutions/millbrook"), "Send invitation",
                     {"Email address of the new archivist": "not an address"})
    assert response.status_code == 400
    assert "was not sent" in alert(response)
    assert labelled(_doc(response), "Email address of the new archivist").get("value") == "not an address"
    assert not mailbox and db.session.scalar(select(Invitation.id)) is None


def test_archivists_are_not_offered_the_admin_role_and_a_forged_one_is_refused(client, login_as, places, mailbox,
                                                                               csrf_token) -> None:
    login_as("archivist", institutions=[places["mill"]])
    page = client.get("/admin/invitations")
    assert "Administrator" not in page_text(page)
    assert [_text(label) for label in _doc(page).xpath("//fieldset//label")] == ["Millbrook Library"]

    token = csrf_token("/admin/invitations")
    forged = client.post("/admin/invitations", data={"csrf_token": token, "email": "boss@example.org", "role": "admin"})
    other = client.post("/admin/invitations", data={"csrf_token": token, "email": "x@example.org", "role": "archivist",
                                                    "institutions": str(places["harbor"].id)})

    assert forged.status_code == 400 and "Only an administrator can invite another administrator" in page_text(forged)
    assert other.status_code == 400 and "institutions you moderate" in page_text(other)
    assert not mailbox


def test_mismatched_passwords_keep_the_chosen_name(client, login_as, places, mailbox, app) -> None:
    login_as("admin")
    press(client, client.get("/admin/invitations"), "Send invitation", {
        "Email address of the person you are inviting": "nora@example.org", "Millbrook Library": True})
    invitee = app.test_client()
    page = invitee.get(path_of(link_in(mailbox[0])))

    response = press(invitee, page, "Create my account and accept", {
        "Display name": "Nora", "Password": PASSWORD, "Repeat password": "something else entirely"})
    weak = press(invitee, page, "Create my account and accept", {
        "Display name": "Nora", "Password": "short", "Repeat password": "short"})

    assert response.status_code == 400 and "do not match" in page_text(response)
    assert labelled(_doc(response), "Display name").get("value") == "Nora"
    assert weak.status_code == 400 and "at least 10 characters" in " ".join(
        _text(p) for p in _doc(weak).xpath("//p[@class='error']"))
    assert db.session.scalar(select(User).where(User.email == "nora@example.org")) is None


def test_an_existing_account_signs_in_and_is_upgraded(client, login_as, places, mailbox, app) -> None:
    patron = make_user(email="pat@example.org", display_name="Pat Patron")
    db.session.commit()
    login_as("admin")
    press(client, client.get("/admin/invitations"), "Send invitation", {
        "Email address of the person you are inviting": "pat@example.org", "Harbor Archives": True})
    path = path_of(link_in(mailbox[0]))

    invitee = app.test_client()
    page = invitee.get(path)
    assert "There is already an account with pat@example.org" in page_text(page)
    sign_in = [a.get("href") for a in _doc(page).xpath("//main//a") if _text(a) == "Sign in to accept"][0]
    signed_in = press(invitee, invitee.get(sign_in), "Sign in", {"Email": "pat@example.org", "Password": DEFAULT_PASSWORD})
    assert signed_in.headers["Location"].endswith(path)  # back to the invitation
    accepted = press(invitee, invitee.get(path), "Accept the invitation")

    assert accepted.status_code == 302
    db.session.expire_all()
    upgraded = db.session.get(User, patron.id)
    assert upgraded.role == "archivist" and [i.slug for i in upgraded.institutions] == ["harbor"]
    assert db.session.scalar(select(User.id).where(User.email == "pat@example.org").where(User.id != patron.id)) is None


def test_someone_else_signed_in_cannot_accept(client, login_as, places, mailbox, app, csrf_token) -> None:
    login_as("admin")
    press(client, client.get("/admin/invitations"), "Send invitation", {
        "Email address of the person you are inviting": "nora@example.org", "Millbrook Library": True})
    path = path_of(link_in(mailbox[0]))
    login_as("patron", display_name="Nosy Neighbour")

    page = client.get(path)
    refused = client.post(path, data={"csrf_token": csrf_token(path)})

    assert "whose email address is not the invited one" in page_text(page)
    assert refused.status_code == 403 and "sent to another email address" in alert(refused)
    assert db.session.scalar(select(Invitation)).accepted_at is None


def test_a_withdrawn_an_expired_and_a_made_up_link_say_what_to_do(client, login_as, places, mailbox, app) -> None:
    login_as("admin")
    for email in ("late@example.org", "gone@example.org"):
        press(client, client.get("/admin/invitations"), "Send invitation", {
            "Email address of the person you are inviting": email, "Millbrook Library": True})
    late, gone = (path_of(link_in(mail)) for mail in mailbox)
    invitation = db.session.scalar(select(Invitation).where(Invitation.email == "late@example.org"))
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    withdrawn = press(client, client.get("/admin/invitations"), "Withdraw the invitation to gone@example.org")
    assert withdrawn.status_code == 302
    listed = _doc(client.get("/admin/invitations"))
    states = {_text(tr.xpath("./th")[0]): _text(tr.xpath("./td")[1]) for tr in listed.xpath("//tbody/tr")}
    assert states["gone@example.org"].startswith("Withdrawn") and states["late@example.org"].startswith("Expired")

    visitor = app.test_client()
    answers = {name: visitor.get(path) for name, path in
               (("expired", late), ("withdrawn", gone), ("made up", "/invitations/not-a-real-token"))}

    assert answers["expired"].status_code == 410 and "has expired" in alert(answers["expired"])
    assert answers["withdrawn"].status_code == 410 and "withdrawn" in alert(answers["withdrawn"])
    assert answers["made up"].status_code == 404 and "not valid" in alert(answers["made up"])
    for response in answers.values():
        assert "ask the person who invited you to send a new invitation" in page_text(response)
    assert len(events("revoke_invitation")) == 1


def test_the_audit_log_names_each_invitation_by_its_role_never_by_its_address(client, login_as, places, mailbox) -> None:
    login_as("admin")
    sent = press(client, client.get("/admin/invitations"), "Send invitation", {
        "Email address of the person you are inviting": "secret.person@example.org", "Millbrook Library": True})
    client.get(sent.headers["Location"])  # the page that shows the "sent" message

    log = client.get("/moderation/log")

    row = [tr for tr in _doc(log).xpath("//tbody/tr") if "Invited a staff member" in _text(tr)][0]
    assert "to become an archivist" in _text(row) and "no longer exists" not in _text(row)
    assert [a.get("href") for a in row.xpath(".//a") if "to become" in _text(a)] == ["/admin/invitations"]
    assert "secret.person@example.org" not in log.get_data(as_text=True)
