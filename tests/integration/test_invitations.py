"""Invitation use cases: who may invite whom, the emailed single-use link, accepting it as a new or
an existing account, revoking, expiry, and the audit trail of each."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from photoid.accounts.models import User
from photoid.admin import invitations as service
from photoid.admin.invitations import InvitationError, InvitationGone
from photoid.admin.models import Invitation
from photoid.db import utcnow
from photoid.extensions import db
from photoid.moderation.models import ModerationEvent
from tests.factories import make_institution, make_user

PASSWORD = "a long enough password"
LINK = re.compile(r"https?://\S+/invitations/(\S+)")


@pytest.fixture
def sent(outbox):  # type: ignore[no-untyped-def]
    return outbox


@pytest.fixture
def people(app):  # type: ignore[no-untyped-def]
    mill = make_institution(slug="millbrook", name="Millbrook Library")
    harbor = make_institution(slug="harbor", name="Harbor Archives")
    admin = make_user(role="admin", display_name="Ada Admin")
    keeper = make_user(role="archivist", display_name="Keeper Kim", institutions=[mill])
    db.session.commit()
    return {"mill": mill, "harbor": harbor, "admin": admin, "keeper": keeper}


def _events(action: str) -> list[ModerationEvent]:
    return list(db.session.scalars(select(ModerationEvent).where(ModerationEvent.action == action)
                                   .order_by(ModerationEvent.id)))


def token_of(body: str) -> str:
    match = LINK.search(body)
    assert match, f"no invitation link in {body!r}"
    return match.group(1)


# --- inviting ------------------------------------------------------------------------------------

def test_an_archivist_invites_an_archivist_for_their_library_by_email(people, sent) -> None:
    invitation, link = service.create_invitation(email=" New.Person@Example.org ", role="archivist",
                                                 institution_ids=[people["mill"].id], actor=people["keeper"])

    [(to, subject, body)] = sent
    assert to == "new.person@example.org" and "archivist" in subject
    assert link in body and link.startswith("http://localhost:5000/invitations/")
    assert "Keeper Kim invites you to become an archivist for Millbrook Library" in body
    assert "within 7 days" in body
    db.session.expire_all()
    assert invitation.token_hash == service.token_hash(token_of(body)) and token_of(body) not in invitation.token_hash
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)
    [event] = _events("invite")
    assert (event.actor_id, event.institution_id, event.after["institutions"]) == (
        people["keeper"].id, people["mill"].id, ["millbrook"])


def test_the_link_lasts_as_many_days_as_configured(people, sent, app) -> None:
    app.config["INVITATION_DAYS"] = 2
    invitation, _ = service.create_invitation(email="a@example.org", role="admin", institution_ids=[],
                                              actor=people["admin"])
    assert invitation.expires_at - invitation.created_at == timedelta(days=2)
    assert "within 2 days" in sent[0][2]


@pytest.mark.parametrize(("who", "role", "where", "field", "words"), [
    ("keeper", "admin", [], "role", "Only an administrator can invite another administrator"),
    ("keeper", "archivist", ["harbor"], "institutions", "only invite archivists for the institutions you moderate"),
    ("keeper", "archivist", ["millbrook", "harbor"], "institutions", "institutions you moderate"),
    ("admin", "archivist", [], "institutions", "tick at least one institution"),
    ("admin", "owner", [], "role", "archivist or an administrator"),
])
def test_who_may_invite_whom(people, sent, who, role, where, field, words) -> None:
    ids = [people["mill" if slug == "millbrook" else "harbor"].id for slug in where]
    with pytest.raises(InvitationError, match=words) as refused:
        service.create_invitation(email="x@example.org", role=role, institution_ids=ids, actor=people[who])
    assert refused.value.field == field
    assert not sent and db.session.scalar(select(Invitation.id)) is None and not _events("invite")


@pytest.mark.parametrize("email", ["", "not-an-address", "a@b", "x" * 250 + "@example.org"])
def test_a_bad_address_is_refused(people, sent, email) -> None:
    with pytest.raises(InvitationError) as refused:
        service.create_invitation(email=email, role="admin", institution_ids=[], actor=people["admin"])
    assert refused.value.field == "email" and not sent


def test_patrons_cannot_invite(people, sent) -> None:
    patron = make_user()
    db.session.commit()
    with pytest.raises(InvitationError, match="Only archivists and administrators"):
        service.create_invitation(email="x@example.org", role="archivist", institution_ids=[people["mill"].id],
                                  actor=patron)


def test_an_invitation_for_an_admin_keeps_no_institutions(people, sent) -> None:
    invitation, _ = service.create_invitation(email="boss@example.org", role="admin",
                                              institution_ids=[people["mill"].id], actor=people["admin"])
    assert invitation.institution_ids == []


# --- accepting -----------------------------------------------------------------------------------

def _invite(people, sent, *, role: str = "archivist", email: str = "new@example.org", by: str = "admin") -> str:  # type: ignore[no-untyped-def]
    service.create_invitation(email=email, role=role, institution_ids=[people["mill"].id] if role == "archivist" else [],
                              actor=people[by])
    return token_of(sent[-1][2])


def test_accepting_creates_the_account_with_the_role_and_uses_the_link_up(people, sent) -> None:
    token = _invite(people, sent, by="keeper")

    user = service.accept_as_new_account(token, display_name="  Nora   New ", password=PASSWORD)

    db.session.expire_all()
    assert (user.email, user.display_name, user.role) == ("new@example.org", "Nora New", "archivist")
    assert [i.slug for i in user.institutions] == ["millbrook"]
    invitation = db.session.scalar(select(Invitation))
    assert invitation.accepted_by_id == user.id and service.status(invitation) == "accepted"
    [accepted] = _events("accept_invitation")
    [role_change] = _events("role_change")
    assert accepted.actor_id == user.id and accepted.institution_id == people["mill"].id
    assert role_change.after == {"role": "archivist", "institutions": ["millbrook"]}
    assert "from Keeper Kim" in role_change.note
    with pytest.raises(InvitationGone) as again:
        service.accept_as_new_account(token, display_name="Someone Else", password=PASSWORD)
    assert again.value.reason == "accepted"
    assert db.session.scalar(select(User).where(User.display_name == "Someone Else")) is None


@pytest.mark.parametrize(("name", "password", "field"), [
    ("", PASSWORD, "display_name"),
    ("admin", PASSWORD, "display_name"),
    ("me@example.org", PASSWORD, "display_name"),
    ("Keeper Kim", PASSWORD, "display_name"),
    ("Nora", "short", "password"),
])
def test_registration_rules_apply_and_the_link_stays_usable(people, sent, name, password, field) -> None:
    token = _invite(people, sent)
    with pytest.raises(InvitationError) as refused:
        service.accept_as_new_account(token, display_name=name, password=password)
    assert refused.value.field == field
    assert service.status(db.session.scalar(select(Invitation))) == "open"
    assert db.session.scalar(select(User).where(User.email == "new@example.org")) is None


def test_an_existing_account_must_sign_in_and_is_upgraded_not_duplicated(people, sent) -> None:
    patron = make_user(email="Known@Example.org", display_name="Known Patron")
    db.session.commit()
    token = _invite(people, sent, email="known@example.org")

    with pytest.raises(InvitationError, match="already exists"):
        service.accept_as_new_account(token, display_name="Another Me", password=PASSWORD)
    user = service.accept_as_account(token, account=patron)

    db.session.expire_all()
    assert user.id == patron.id and user.role == "archivist" and [i.slug for i in user.institutions] == ["millbrook"]
    assert db.session.scalar(select(User).where(User.display_name == "Another Me")) is None
    [role_change] = _events("role_change")
    assert role_change.before == {"role": "patron", "institutions": []}


def test_an_archivist_keeps_their_libraries_and_an_admin_stays_admin(people, sent) -> None:
    harbor_keeper = make_user(role="archivist", email="h@example.org", institutions=[people["harbor"]])
    other_admin = make_user(role="admin", email="boss@example.org")
    db.session.commit()

    service.accept_as_account(_invite(people, sent, email="h@example.org"), account=harbor_keeper)
    service.accept_as_account(_invite(people, sent, email="boss@example.org"), account=other_admin)

    db.session.expire_all()
    assert [i.slug for i in harbor_keeper.institutions] == ["harbor", "millbrook"]
    assert other_admin.role == "admin"


def test_an_admin_invitation_makes_an_archivist_an_admin(people, sent) -> None:
    token = _invite(people, sent, role="admin", email=people["keeper"].email)
    user = service.accept_as_account(token, account=people["keeper"])
    assert user.role == "admin" and user.institutions == []


def test_another_account_cannot_accept(people, sent) -> None:
    token = _invite(people, sent)
    intruder = make_user(email="intruder@example.org")
    db.session.commit()
    with pytest.raises(InvitationError, match="sent to another email address"):
        service.accept_as_account(token, account=intruder)
    db.session.expire_all()
    assert intruder.role == "patron" and service.status(db.session.scalar(select(Invitation))) == "open"


def test_an_expired_or_revoked_or_unknown_link_cannot_be_used(people, sent) -> None:
    expired = _invite(people, sent, email="late@example.org")
    revoked = _invite(people, sent, email="gone@example.org")
    for invitation in db.session.scalars(select(Invitation).where(Invitation.email == "late@example.org")):
        invitation.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    service.revoke_invitation(db.session.scalar(select(Invitation).where(Invitation.email == "gone@example.org")),
                              actor=people["keeper"])

    reasons = []
    for token in (expired, revoked, "made-up-token", ""):
        with pytest.raises(InvitationGone) as gone:
            service.accept_as_new_account(token, display_name="Late Comer", password=PASSWORD)
        reasons.append(gone.value.reason)

    assert reasons == ["expired", "revoked", "unknown", "unknown"]
    assert db.session.scalar(select(User).where(User.display_name == "Late Comer")) is None
    [event] = _events("revoke_invitation")
    assert event.actor_id == people["keeper"].id and event.after == {"status": "revoked"}


def test_revoking_is_for_staff_of_every_institution_of_the_invitation_and_only_once(people, sent) -> None:
    service.create_invitation(email="two@example.org", role="archivist",
                              institution_ids=[people["mill"].id, people["harbor"].id], actor=people["admin"])
    invitation = db.session.scalar(select(Invitation))
    with pytest.raises(InvitationError, match="institutions you moderate"):
        service.revoke_invitation(invitation, actor=people["keeper"])
    service.revoke_invitation(invitation, actor=people["admin"])
    with pytest.raises(InvitationError, match="revoked already"):
        service.revoke_invitation(invitation, actor=people["admin"])
    assert len(_events("revoke_invitation")) == 1


def test_archivists_see_the_invitations_of_their_libraries(people, sent) -> None:
    _invite(people, sent, email="mill@example.org")
    service.create_invitation(email="harbor@example.org", role="archivist", institution_ids=[people["harbor"].id],
                              actor=people["admin"])
    _invite(people, sent, role="admin", email="boss@example.org")

    assert [i.email for i in service.visible_to(people["keeper"])] == ["mill@example.org"]
    assert len(service.visible_to(people["admin"])) == 3
