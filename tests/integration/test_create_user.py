"""``photoid create-user`` without --display-name: the part before @, or the first free name after it."""
from __future__ import annotations

from sqlalchemy import select

from photoid.accounts.models import User
from photoid.extensions import db
from tests.factories import make_user


def _create(app, monkeypatch, *args: str):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("NEW_PASSWORD", "a strong staff password")
    return app.test_cli_runner().invoke(args=["create-user", *args, "--password-env", "NEW_PASSWORD"])


def _shown_as(email: str) -> str:
    db.session.expire_all()
    return db.session.scalar(select(User.display_name).where(User.email == email))


def test_an_admin_called_admin_is_shown_under_a_free_name_and_told_which(app, monkeypatch) -> None:
    result = _create(app, monkeypatch, "admin@library.example", "--role", "admin")
    assert result.exit_code == 0, result.output
    assert "shown as admin-2" in result.output and "“admin” is taken or reserved" in result.output
    assert _shown_as("admin@library.example") == "admin-2"


def test_a_name_someone_has_goes_to_the_next_free_number(app, monkeypatch) -> None:
    make_user(display_name="ann")
    make_user(display_name="Ann-2")
    db.session.commit()
    result = _create(app, monkeypatch, "ann@library.example")
    assert result.exit_code == 0, result.output
    assert "shown as ann-3" in result.output
    assert _shown_as("ann@library.example") == "ann-3"


def test_a_free_name_is_used_as_it_is(app, monkeypatch) -> None:
    result = _create(app, monkeypatch, "bea@library.example")
    assert result.exit_code == 0, result.output
    assert "(shown as bea)" in result.output and "reserved" not in result.output


def test_a_chosen_name_that_is_taken_is_refused_not_changed(app, monkeypatch) -> None:
    make_user(display_name="Cleo")
    db.session.commit()
    result = _create(app, monkeypatch, "cleo@library.example", "--display-name", "Cleo")
    assert result.exit_code != 0 and "That display name is taken" in result.output
    assert _shown_as("cleo@library.example") is None
