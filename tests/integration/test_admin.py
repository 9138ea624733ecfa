"""Admin use cases: roles, trust, suspension and institution settings, each audited."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from photoid.admin import service
from photoid.admin.service import AdminError
from photoid.contributions.models import Comment, Identification
from photoid.db import utcnow
from photoid.extensions import db
from photoid.moderation import queries
from photoid.moderation.models import ModerationEvent
from tests.factories import make_comment, make_identification, make_institution, make_photo, make_user


def _events(action: str) -> list[ModerationEvent]:
    return list(db.session.scalars(select(ModerationEvent).where(ModerationEvent.action == action).order_by(ModerationEvent.id)))


def _queue_ids(moderator) -> tuple[list[int], list[int]]:  # type: ignore[no-untyped-def]
    found = queries.queue(moderator, queries.QueueFilters(), page=1, per_page=50)
    return [item.identification.id for item in found.identifications.items], [c.id for c in found.comments]


def test_promoting_a_patron_to_archivist_of_two_institutions_is_recorded_with_before_and_after(app) -> None:
    admin = make_user(role="admin")
    mill, harbor = make_institution(slug="mill"), make_institution(slug="harbor")
    patron = make_user()
    db.session.commit()

    assert service.change_role(patron, role="archivist", institution_ids=[mill.id, harbor.id], actor=admin) is True

    db.session.expire_all()
    assert patron.role == "archivist"
    assert patron.moderates(mill.id) and patron.moderates(harbor.id)
    [event] = _events("role_change")
    assert event.actor_id == admin.id and event.target_type == "account" and event.target_id == patron.id
    assert event.before == {"role": "patron", "institutions": []}
    assert event.after == {"role": "archivist", "institutions": ["harbor", "mill"]}


def test_an_archivist_needs_an_institution_and_an_unknown_role_is_refused(app) -> None:
    admin, patron = make_user(role="admin"), make_user()
    db.session.commit()
    with pytest.raises(AdminError, match="at least one institution"):
        service.change_role(patron, role="archivist", institution_ids=[], actor=admin)
    with pytest.raises(AdminError, match="choose patron, archivist or admin"):
        service.change_role(patron, role="owner", institution_ids=[], actor=admin)
    db.session.rollback()
    assert patron.role == "patron" and _events("role_change") == []


def test_demoting_an_archivist_to_patron_drops_their_institutions(app) -> None:
    admin = make_user(role="admin")
    mill = make_institution()
    archivist = make_user(role="archivist", institutions=[mill])
    db.session.commit()
    service.change_role(archivist, role="patron", institution_ids=[mill.id], actor=admin)
    db.session.expire_all()
    assert archivist.role == "patron" and archivist.institutions == [] and not archivist.moderates(mill.id)


def test_saving_the_same_role_records_nothing(app) -> None:
    admin, patron = make_user(role="admin"), make_user()
    db.session.commit()
    assert service.change_role(patron, role="patron", institution_ids=[], actor=admin) is False
    assert _events("role_change") == []


def test_an_admin_cannot_remove_their_own_admin_role(app) -> None:
    admin, other_admin = make_user(role="admin"), make_user(role="admin")
    db.session.commit()
    with pytest.raises(AdminError, match="cannot remove your own administrator role"):
        service.change_role(admin, role="patron", institution_ids=[], actor=admin)
    db.session.rollback()
    assert admin.role == "admin" and other_admin.role == "admin"


def test_a_successor_takes_over_and_then_demotes_the_old_admin(app) -> None:
    old, successor = make_user(role="admin"), make_user()
    db.session.commit()
    service.change_role(successor, role="admin", institution_ids=[], actor=old)
    service.change_role(old, role="patron", institution_ids=[], actor=successor)
    db.session.expire_all()
    assert (old.role, successor.role) == ("patron", "admin")
    # The former admin can no longer change anyone, so the site keeps its one admin.
    with pytest.raises(AdminError, match="Only an administrator"):
        service.change_role(successor, role="patron", institution_ids=[], actor=old)


def test_the_last_active_admin_cannot_be_demoted_or_suspended_by_anyone(app) -> None:
    admin = make_user(role="admin")
    suspended_admin = make_user(role="admin")
    db.session.commit()
    service.suspend(suspended_admin, note="Left the library", actor=admin)
    # A suspended admin cannot act, and nobody can act on the only admin left.
    with pytest.raises(AdminError):
        service.change_role(admin, role="patron", institution_ids=[], actor=suspended_admin)
    with pytest.raises(AdminError, match="cannot suspend your own account"):
        service.suspend(admin, note="oops", actor=admin)
    db.session.rollback()
    assert admin.role == "admin" and admin.suspended_at is None


def test_trust_is_set_and_unset_with_an_event_each_time(app) -> None:
    admin, patron = make_user(role="admin"), make_user()
    db.session.commit()
    assert service.set_trusted(patron, is_trusted=True, actor=admin) is True
    assert service.set_trusted(patron, is_trusted=True, actor=admin) is False
    assert service.set_trusted(patron, is_trusted=False, actor=admin) is True
    events = _events("trust_change")
    assert [(e.before, e.after) for e in events] == [
        ({"trusted": False}, {"trusted": True}), ({"trusted": True}, {"trusted": False}),
    ]
    assert patron.is_trusted is False


def test_suspending_needs_a_note_and_ends_every_session(app) -> None:
    admin, patron = make_user(role="admin"), make_user()
    db.session.commit()
    old_login_id = patron.login_id
    with pytest.raises(AdminError, match="short note"):
        service.suspend(patron, note="   ", actor=admin)
    db.session.rollback()
    assert patron.suspended_at is None

    service.suspend(patron, note="Posted abuse twice", actor=admin)

    db.session.expire_all()
    assert patron.suspended_at is not None and not patron.is_active
    assert patron.login_id != old_login_id
    [event] = _events("suspend")
    assert (event.before, event.after, event.note) == ({"suspended": False}, {"suspended": True}, "Posted abuse twice")
    with pytest.raises(AdminError, match="already suspended"):
        service.suspend(patron, note="again", actor=admin)


def test_an_admin_cannot_suspend_themselves(app) -> None:
    admin = make_user(role="admin")
    make_user(role="admin")
    db.session.commit()
    with pytest.raises(AdminError, match="your own account"):
        service.suspend(admin, note="testing", actor=admin)


def test_a_suspended_accounts_waiting_items_leave_the_queue_and_come_back(app) -> None:
    admin = make_user(role="admin")
    photo = make_photo()
    archivist = make_user(role="archivist", institutions=[photo.institution])
    patron, neighbour = make_user(), make_user()
    theirs = make_identification(photo=photo, contributor=patron, created_at=utcnow() - timedelta(days=3))
    their_comment = make_comment(photo=photo, author=patron, state="pending", created_at=utcnow() - timedelta(days=2))
    kept = make_identification(photo=photo, contributor=neighbour, created_at=utcnow() - timedelta(days=1))
    db.session.commit()
    assert _queue_ids(archivist) == ([theirs.id, kept.id], [their_comment.id])
    assert queries.summary(archivist)[0] == 3

    service.suspend(patron, note="Spamming names", actor=admin)
    assert _queue_ids(archivist) == ([kept.id], [])
    assert queries.summary(archivist) == (1, kept.created_at)  # not the older item of the suspended account
    assert queries.summary(admin) == (1, kept.created_at)
    # Nothing is deleted or decided.
    assert db.session.get(Identification, theirs.id).state == "pending"
    assert db.session.get(Comment, their_comment.id).state == "pending"

    service.unsuspend(patron, note="Apologised", actor=admin)
    assert _queue_ids(archivist) == ([theirs.id, kept.id], [their_comment.id])
    [event] = _events("unsuspend")
    assert event.after == {"suspended": False} and event.note == "Apologised"


def test_institution_settings_are_saved_and_only_the_changes_audited(app) -> None:
    admin = make_user(role="admin")
    mill = make_institution(name="Millbrook Library")
    db.session.commit()

    changed = service.update_institution(
        mill, comment_policy="pre", show_pending_publicly=mill.show_pending_publicly,
        reject_reasons="Not this photo\n\n  Not this photo \nWrong decade", verified_by_name="  Millbrook Archives ",
        actor=admin,
    )

    assert changed is True
    db.session.expire_all()
    assert mill.comment_policy == "pre" and mill.reject_reasons == ["Not this photo", "Wrong decade"]
    assert mill.verifier == "Millbrook Archives"
    [event] = _events("institution_settings")
    assert event.institution_id == mill.id
    assert set(event.before) == {"comment_policy", "reject_reasons", "verified_by_name"}
    assert event.after["comment_policy"] == "pre" and event.before["comment_policy"] == "post"
    assert service.update_institution(
        mill, comment_policy="pre", show_pending_publicly=mill.show_pending_publicly,
        reject_reasons="Not this photo\nWrong decade", verified_by_name="Millbrook Archives", actor=admin,
    ) is False
    assert len(_events("institution_settings")) == 1


@pytest.mark.parametrize(("reasons", "message"), [
    ("\n".join(f"Reason {n}" for n in range(21)), "at most 20"),
    ("Fine\n" + "x" * 201, "Reject reason 2 is too long"),
])
def test_too_many_or_too_long_reject_reasons_are_refused(app, reasons: str, message: str) -> None:
    admin = make_user(role="admin")
    mill = make_institution()
    db.session.commit()
    before = list(mill.reject_reasons)
    with pytest.raises(AdminError, match=message):
        service.update_institution(mill, comment_policy="post", show_pending_publicly=True, reject_reasons=reasons,
                                   verified_by_name="", actor=admin)
    db.session.rollback()
    assert mill.reject_reasons == before and _events("institution_settings") == []


def test_only_an_admin_can_use_the_admin_services(app) -> None:
    mill = make_institution()
    archivist = make_user(role="archivist", institutions=[mill])
    patron = make_user()
    db.session.commit()
    with pytest.raises(AdminError, match="Only an administrator"):
        service.change_role(patron, role="admin", institution_ids=[], actor=archivist)
    with pytest.raises(AdminError, match="Only an administrator"):
        service.update_institution(mill, comment_policy="pre", show_pending_publicly=True, reject_reasons="",
                                   verified_by_name="", actor=archivist)
    with pytest.raises(AdminError, match="Only an administrator"):
        service.suspend(patron, note="x", actor=archivist)
    db.session.rollback()
    assert patron.role == "patron" and patron.suspended_at is None and mill.comment_policy == "post"
