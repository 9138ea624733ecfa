"""Two use cases that lock the same rows in opposite orders on PostgreSQL: the database ends one of
them ("deadlock detected"), and the unit of work runs it again, so both are saved and no one is told
the site is busy (photoid/db.py)."""
from __future__ import annotations

import threading

import pytest
from flask import Flask
from sqlalchemy import text

from photoid.db import unit_of_work
from photoid.extensions import db

pytestmark = pytest.mark.usefixtures("app")


def _raise(scope: str) -> None:
    db.session.execute(text("UPDATE page_version SET version = version + 1 WHERE scope = :scope"), {"scope": scope})


def test_both_of_two_deadlocked_use_cases_are_saved(app: Flask) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: its transactions never wait on each other in a cycle")
    with unit_of_work():
        db.session.execute(text("INSERT INTO page_version (scope, version) VALUES ('left', 0), ('right', 0)"))
    both_hold_one = threading.Barrier(2, timeout=10)
    runs: dict[str, int] = {"left first": 0, "right first": 0}
    failures: list[BaseException] = []

    def use_case(name: str, first: str, second: str) -> None:
        @unit_of_work
        def change() -> None:
            runs[name] += 1
            _raise(first)
            if runs[name] == 1:
                both_hold_one.wait()  # each holds one row and now asks for the other's
            _raise(second)

        with app.app_context():
            try:
                db.session.execute(text("SET deadlock_timeout = '100ms'"))
                db.session.commit()
                change()
            except BaseException as error:  # seen by the test, not lost in the thread
                failures.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=use_case, args=("left first", "left", "right")),
               threading.Thread(target=use_case, args=("right first", "right", "left"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    assert sorted(runs.values()) == [1, 2]  # one was ended by the database and ran again
    versions = dict(db.session.execute(text("SELECT scope, version FROM page_version WHERE scope IN ('left', 'right')")).all())
    assert versions == {"left": 2, "right": 2}
