"""The ``photoid`` shell commands an administrator uses."""
from __future__ import annotations

from sqlalchemy import func, select

from photoid.accounts.models import User
from photoid.extensions import db
from photoid.moderation.models import ModerationEvent
from tests.factories import make_institution


def test_create_user_makes_an_archivist_for_an_institution_and_audits_it(app, monkeypatch) -> None:
    make_institution(slug="millbrook", name="Millbrook Public Library")
    db.session.commit()
    monkeypatch.setenv("NEW_PASSWORD", "a strong staff password")
    result = app.test_cli_runner().invoke(
        args=["create-user", "Ann@Library.org", "--role", "archivist", "--institution", "millbrook", "--password-env", "NEW_PASSWORD"]
    )
    assert result.exit_code == 0, result.output
    assert "Created archivist ann@library.org" in result.output and "millbrook" in result.output
    user = db.session.scalar(select(User).where(User.email == "ann@library.org"))
    assert user is not None and user.role == "archivist" and [i.slug for i in user.institutions] == ["millbrook"]
    event = db.session.scalar(select(ModerationEvent).where(ModerationEvent.action == "role_change"))
    assert event is not None and event.after == {"role": "archivist", "institutions": ["millbrook"]}


def test_create_user_explains_what_is_wrong_and_creates_nothing(app, monkeypatch) -> None:
    monkeypatch.setenv("NEW_PASSWORD", "a strong staff password")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "a@library.org", "--role", "archivist", "--password-env", "NEW_PASSWORD"])
    assert result.exit_code != 0 and "needs at least one institution" in result.output
    result = runner.invoke(args=["create-user", "a@library.org", "--role", "archivist", "--institution", "nowhere", "--password-env", "NEW_PASSWORD"])
    assert result.exit_code != 0 and "No institution with the slug 'nowhere'" in result.output
    monkeypatch.setenv("NEW_PASSWORD", "short")
    result = runner.invoke(args=["create-user", "a@library.org", "--role", "admin", "--password-env", "NEW_PASSWORD"])
    assert result.exit_code != 0 and "at least 10 characters" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0
