"""The one unit of work (photoid.db.unit_of_work): commits once, rolls back and re-raises, and a
nested one joins the outer; and no routes module rolls back (routes never own the transaction)."""
from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Integer, String, create_engine, event, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from photoid.db import FLUSH_TRACKING, RETRIES, RETRY_PAUSE_SECONDS, unit_of_work

PACKAGE = Path(__file__).resolve().parents[2] / "photoid"


class _Base(DeclarativeBase):
    pass


class Note(_Base):
    __tablename__ = "note"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(String(50))


class Refused(ValueError):
    pass


@pytest.fixture
def session() -> Iterator[Session]:
    engine = create_engine("sqlite://")
    _Base.metadata.create_all(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()


def _texts(session: Session) -> list[str]:
    with Session(session.get_bind()) as other:  # what another connection sees: committed rows only
        return list(other.scalars(select(Note.text).order_by(Note.id)))


def _count_commits(session: Session) -> list[int]:
    commits: list[int] = []
    event.listen(session, "after_commit", lambda _session: commits.append(1))
    return commits


def test_a_block_commits_once_at_its_end(session: Session) -> None:
    commits = _count_commits(session)
    with unit_of_work(session=session):
        session.add(Note(text="one"))
        session.flush()
        session.add(Note(text="two"))
        assert commits == []
    assert len(commits) == 1
    assert _texts(session) == ["one", "two"]


def test_a_decorated_function_commits_once_and_returns_its_result(session: Session) -> None:
    commits = _count_commits(session)

    @unit_of_work(session=session)
    def add(text: str) -> str:
        session.add(Note(text=text))
        return text.upper()

    assert add("kept") == "KEPT"
    assert len(commits) == 1
    assert _texts(session) == ["kept"]


def test_an_error_rolls_back_everything_and_is_raised_again(session: Session) -> None:
    commits = _count_commits(session)
    with pytest.raises(Refused, match="no"):
        with unit_of_work(session=session):
            session.add(Note(text="half written"))
            session.flush()
            raise Refused("no")
    assert commits == []
    assert not session.in_transaction()
    assert _texts(session) == []
    assert list(session.scalars(select(Note))) == []


def test_a_nested_unit_joins_the_outer_one_and_commits_nothing_early(session: Session) -> None:
    commits = _count_commits(session)

    @unit_of_work(session=session)
    def inner(text: str) -> None:
        session.add(Note(text=text))

    with unit_of_work(session=session):
        inner("first")
        inner("second")
        assert commits == []
        assert _texts(session) == []
    assert len(commits) == 1
    assert _texts(session) == ["first", "second"]


def test_an_error_after_a_nested_unit_rolls_back_the_nested_work_too(session: Session) -> None:
    @unit_of_work(session=session)
    def inner() -> None:
        session.add(Note(text="inner"))

    with pytest.raises(Refused):
        with unit_of_work(session=session):
            inner()
            raise Refused("outer refuses")
    assert _texts(session) == []
    with unit_of_work(session=session):  # the depth is back to the outermost
        session.add(Note(text="after"))
    assert _texts(session) == ["after"]


def test_a_failing_commit_is_rolled_back_and_its_error_propagates(session: Session) -> None:
    def refuse(_session: Session) -> None:
        raise RuntimeError("database is locked")

    event.listen(session, "before_commit", refuse)
    with pytest.raises(RuntimeError, match="locked"):
        with unit_of_work(session=session):
            session.add(Note(text="lost"))
    event.remove(session, "before_commit", refuse)
    assert not session.in_transaction()
    assert _texts(session) == []


def test_a_refusal_leaves_what_the_caller_had_not_committed_yet(session: Session) -> None:
    for name, listener in FLUSH_TRACKING:  # as photoid/events.py does: how the unit knows the caller has flushed
        event.listen(session, name, listener)
    session.add(Note(text="set up by the caller"))
    session.flush()
    with pytest.raises(Refused):
        with unit_of_work(session=session):
            session.add(Note(text="refused"))
            session.flush()
            raise Refused("no")
    assert [n.text for n in session.scalars(select(Note))] == ["set up by the caller"]
    with unit_of_work(session=session):
        session.add(Note(text="accepted"))
    assert _texts(session) == ["set up by the caller", "accepted"]


def test_the_default_session_is_the_apps(app: object) -> None:
    from photoid.extensions import db

    commits = _count_commits(db.session())
    with unit_of_work():
        db.session.execute(select(1))
    assert len(commits) == 1



class _DatabaseSaid(Exception):
    """A driver error with PostgreSQL's code, as psycopg raises it."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"{sqlstate}: deadlock detected" if sqlstate == "40P01" else sqlstate)
        self.sqlstate = sqlstate


def _refused_by_database(sqlstate: str) -> OperationalError:
    return OperationalError("UPDATE note", {}, _DatabaseSaid(sqlstate))


def test_a_use_case_the_database_asks_to_run_again_runs_again_from_a_clean_start(session: Session) -> None:
    commits = _count_commits(session)
    runs: list[int] = []

    @unit_of_work(session=session)
    def add(text: str) -> str:
        runs.append(1)
        session.add(Note(text=f"{text} {len(runs)}"))
        session.flush()
        if len(runs) <= RETRIES:
            raise _refused_by_database("40P01" if len(runs) == 1 else "40001")
        return text

    assert add("kept") == "kept"
    assert len(runs) == RETRIES + 1
    assert len(commits) == 1
    assert _texts(session) == [f"kept {RETRIES + 1}"]  # the runs that were refused left nothing


def test_each_run_again_waits_a_little_longer_first(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    pauses: list[float] = []
    monkeypatch.setattr(importlib.import_module("photoid.db").time, "sleep", pauses.append)  # photoid.db is also the extension's name

    @unit_of_work(session=session)
    def add() -> None:
        raise _refused_by_database("40P01")

    with pytest.raises(OperationalError):
        add()
    assert len(pauses) == RETRIES  # none before the first run, and none after the last refusal
    for attempt, pause in enumerate(pauses, start=1):
        assert RETRY_PAUSE_SECONDS * attempt / 2 <= pause <= RETRY_PAUSE_SECONDS * attempt


def test_a_use_case_refused_every_time_gives_up_with_the_error_and_nothing_saved(session: Session) -> None:
    runs: list[int] = []

    @unit_of_work(session=session)
    def add() -> None:
        runs.append(1)
        session.add(Note(text="never"))
        session.flush()
        raise _refused_by_database("40P01")

    with pytest.raises(OperationalError, match="deadlock"):
        add()
    assert len(runs) == RETRIES + 1
    assert _texts(session) == []


@pytest.mark.parametrize("sqlstate", ["55P03", "57014", "53300"])
def test_other_database_refusals_are_not_run_again(session: Session, sqlstate: str) -> None:
    runs: list[int] = []

    @unit_of_work(session=session)
    def add() -> None:
        runs.append(1)
        raise _refused_by_database(sqlstate)

    with pytest.raises(OperationalError):
        add()
    assert runs == [1]


def test_a_nested_use_case_is_not_run_again_alone(session: Session) -> None:
    runs: list[int] = []

    @unit_of_work(session=session)
    def inner() -> None:
        runs.append(1)
        session.add(Note(text="inner"))
        session.flush()
        raise _refused_by_database("40P01")

    with pytest.raises(OperationalError):
        with unit_of_work(session=session):
            session.add(Note(text="outer"))
            inner()
    assert runs == [1]  # the outer transaction is broken: only its owner may start again
    assert _texts(session) == []


def _rollbacks_in(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "rollback"]


def test_no_routes_module_rolls_back() -> None:
    """Routes never own the transaction: the service's unit of work rolls back a refused use case, and
    Flask-SQLAlchemy's teardown ends whatever a failed request left open."""
    modules = sorted(PACKAGE.rglob("*routes*.py"))
    assert modules, "no routes modules found"
    found = {str(path.relative_to(PACKAGE.parent)): lines for path in modules if (lines := _rollbacks_in(path))}
    assert found == {}
