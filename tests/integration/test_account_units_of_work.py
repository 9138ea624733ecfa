"""Accounts, emailed proof and the demo loader write through photoid.db.unit_of_work like every
other service: a refusal undoes only its own work, and none of them commits or rolls back by hand."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import select

from photoid.accounts import recovery, service
from photoid.accounts.models import User
from photoid.extensions import db
from photoid.photos.models import Institution
from tests.factories import DEFAULT_PASSWORD, make_institution, make_user

PACKAGE = Path(__file__).resolve().parents[2] / "photoid"
MODULES = ("accounts/service.py", "accounts/recovery.py", "demo/loader.py")


def _committed(model: type, **where: object) -> bool:
    with db.engine.connect() as other:  # what another connection sees: committed rows only
        return other.execute(select(model.id).filter_by(**where)).first() is not None  # type: ignore[attr-defined]


def test_a_refused_password_change_keeps_what_the_caller_had_not_committed(app) -> None:
    user = make_user(email="margaret@example.org")  # flushed by a script's set-up, not committed
    with pytest.raises(service.AccountError, match="current password is not correct"):
        service.change_password(user, current="not my password", new="a new long password")
    assert db.session.get(User, user.id) is user and not _committed(User, email="margaret@example.org")
    service.change_password(user, current=DEFAULT_PASSWORD, new="a new long password")
    assert _committed(User, email="margaret@example.org")


def test_a_sign_in_commits_with_the_callers_work_instead_of_dropping_it(app) -> None:
    user = make_user(email="tom@example.org")
    db.session.commit()
    make_institution(slug="ashford")  # not committed yet
    assert service.authenticate(email="tom@example.org", password=DEFAULT_PASSWORD) is user
    assert user.last_login_at is not None
    assert _committed(Institution, slug="ashford")


def test_a_refused_reset_link_leaves_the_password_as_it_was(app) -> None:
    user = make_user(email="anna@example.org")
    db.session.commit()
    with pytest.raises(service.AccountError):
        recovery.reset_password(recovery.tokens.make(user, "reset"), new="short")
    db.session.expire_all()
    assert service.authenticate(email="anna@example.org", password=DEFAULT_PASSWORD) is not None


@pytest.mark.parametrize("module", MODULES)
def test_the_module_leaves_commit_and_rollback_to_the_unit_of_work(module: str) -> None:
    tree = ast.parse((PACKAGE / module).read_text(encoding="utf-8"))
    calls = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Call)
             and isinstance(node.func, ast.Attribute) and node.func.attr in ("commit", "rollback")]
    assert calls == []
