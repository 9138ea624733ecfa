"""The declarative base every model shares (naming convention, UTC timestamps), the one unit of work
that owns commit and rollback (``unit_of_work``), and the two helpers that keep long work away from
SQLite's write lock (``end_read_transaction``, ``read_snapshot``)."""
from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, ParamSpec, TypeVar, overload

from sqlalchemy import CheckConstraint, DateTime, MetaData
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, registry, scoped_session
from sqlalchemy.types import TypeDecorator

# One convention for every constraint, so migrations name them the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every database (SQLite forgets the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use photoid.db.utcnow()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


def one_of(column: str, values: tuple[str, ...], *, name: str) -> CheckConstraint:
    """A CHECK that a text column holds one of the given values (our portable enum)."""
    quoted = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name)


# --- the unit of work -----------------------------------------------------------------------------
# Services write; routes never commit or roll back. Each public service function that writes is one
# unit of work: it commits once at the end, or rolls back and re-raises on any exception (a domain
# error, or an OperationalError from the commit itself, which photoid/errors.py turns into a 503).
# Nesting: a unit of work opened inside another (a service calling another service) joins the outer
# one: it neither commits nor rolls back; the outermost decides for both. Do not catch an inner
# unit's error and carry on inside the outer one: its partial writes would be committed with it.
# Sent again: PostgreSQL ends one of two transactions that wait on each other (a deadlock) or that
# cannot both stand (a serialization failure) and asks that it be run again from the start; an
# outermost ``@unit_of_work`` function is, up to ``RETRIES`` times, before the visitor sees "busy".

log = logging.getLogger(__name__)

_DEPTH = "photoid_unit_of_work_depth"
#: PostgreSQL's "run the transaction again" answers: serialization failure, deadlock detected.
RETRY_SQLSTATES = frozenset({"40001", "40P01"})
#: Runs after the first; each starts with a rolled-back session, so loaded objects read afresh.
RETRIES = 2
#: The pause before a run again, at random between a half and the whole of this times the attempt.
#: Run again at once, the ended transaction could take its first row back before the one that won
#: the deadlock was woken to take it, and the two deadlocked again (seen in tests/integration/
#: test_deadlock.py); the winner needs about a millisecond to finish.
RETRY_PAUSE_SECONDS = 0.05
_P = ParamSpec("_P")
_R = TypeVar("_R")


@contextmanager
def _unit_of_work(session: Session | scoped_session[Session] | None) -> Iterator[bool]:
    """Yields whether this unit owns the whole transaction (outermost, no caller's changes kept in a
    SAVEPOINT): only then may a failed run be run again from the start."""
    if session is None:
        from photoid.extensions import db

        session = db.session
    if isinstance(session, scoped_session):
        session = session()
    info = session.info
    depth = info.get(_DEPTH, 0)
    # A caller already holding uncommitted changes (a script, a test's set-up) keeps them when the use
    # case is refused: only the unit's own work is undone, through a SAVEPOINT. Success commits all.
    savepoint = session.begin_nested() if depth == 0 and _holds_changes(session) else None
    info[_DEPTH] = depth + 1
    try:
        yield depth == 0 and savepoint is None
        if depth == 0:
            if savepoint is not None and savepoint.is_active:  # (a service may have rolled back itself)
                savepoint.commit()
            session.commit()
    except BaseException:
        if depth == 0:
            if savepoint is not None and savepoint.is_active:
                savepoint.rollback()
            else:
                session.rollback()
        raise
    finally:
        info[_DEPTH] = depth


def _holds_changes(session: Session) -> bool:
    return bool(session.in_transaction() and (session.new or session.dirty or session.deleted
                                              or session.info.get(_FLUSHED)))


@overload
def unit_of_work(func: Callable[_P, _R], /) -> Callable[_P, _R]: ...
@overload
def unit_of_work(func: None = None, /, *, session: Session | scoped_session[Session] | None = None) -> Any: ...
def unit_of_work(func: Callable[_P, _R] | None = None, /, *,
                 session: Session | scoped_session[Session] | None = None) -> Any:
    """One use case's transaction: ``@unit_of_work`` on a service function, or ``with unit_of_work():``.

    Commits once when the function (or block) returns; on any exception rolls back (which expires
    the loaded objects: they reload when next read) and re-raises it, so a caller that catches a
    domain error finds nothing half-written. A commit that fails (the database busy) is rolled back
    and its error propagates. Inside another unit of work it joins the outer one (see above).
    ``session`` defaults to the app's ``db.session``. A decorated function that owns the whole
    transaction is run again, up to ``RETRIES`` times and after a short random pause, when PostgreSQL
    answers that it must be (see ``RETRY_SQLSTATES``); it must then do nothing outside the database
    before its commit that may not be done twice. A ``with`` block is not run again.
    """
    if func is None:
        return _Unit(session)
    return _run_again_when_asked(func, session)


class _Unit:
    """``unit_of_work(session=...)``: a ``with`` block, or a decorator (which runs again when asked)."""

    def __init__(self, session: Session | scoped_session[Session] | None) -> None:
        self._session = session
        self._blocks: list[Any] = []

    def __enter__(self) -> bool:
        self._blocks.append(_unit_of_work(self._session))
        return bool(self._blocks[-1].__enter__())

    def __exit__(self, *exc_info: Any) -> bool | None:
        return self._blocks.pop().__exit__(*exc_info)

    def __call__(self, func: Callable[_P, _R]) -> Callable[_P, _R]:
        return _run_again_when_asked(func, self._session)


def _run_again_when_asked(func: Callable[_P, _R], session: Session | scoped_session[Session] | None) -> Callable[_P, _R]:
    @functools.wraps(func)
    def in_unit_of_work(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        for attempt in range(RETRIES + 1):
            owns_transaction = False
            try:
                with _unit_of_work(session) as owns_transaction:
                    return func(*args, **kwargs)
            except Exception as error:
                if not (owns_transaction and attempt < RETRIES and must_run_again(error)):
                    raise
                log.info("%s run again after %s", func.__qualname__, first_line(error))
                time.sleep(RETRY_PAUSE_SECONDS * (attempt + 1) * random.uniform(0.5, 1))
        raise AssertionError("unreachable")  # pragma: no cover  (the last attempt returns or raises)

    return in_unit_of_work


def must_run_again(error: BaseException) -> bool:
    """Whether the database asked for the transaction to be run again from the start."""
    original = getattr(error, "orig", None) or error
    return getattr(original, "sqlstate", None) in RETRY_SQLSTATES


def first_line(error: BaseException) -> str:
    """The driver's own message, first line only (a log line, not a traceback)."""
    text = str(getattr(error, "orig", None) or error).strip()
    return (text.splitlines() or [type(error).__name__])[0][:300]


# --- transactions and SQLite's write lock ---------------------------------------------------------
# A request that may write holds SQLite's one write lock from its first query to its commit (see
# ``_configure_sqlite`` in photoid/__init__.py). Slow work (an image's derivatives, a long download)
# must not sit inside that: it would keep every other writer waiting, then failing.

_FLUSHED = "photoid_flushed"
#: Set on ``flask.g`` while a ``read_snapshot`` is open: the app context's next transaction begins as a
#: plain reader. (On ``g``, not a context variable: a download's snapshot stays open between the pieces
#: it sends, and must not change how other requests served meanwhile by the same thread begin.)
_READING_SNAPSHOT = "photoid_reading_snapshot"


_SAVED = "photoid_saved"


def note_flush(session: Session, _context: object) -> None:
    """after_flush (registered in photoid/events.py): the transaction has written something
    (``end_read_transaction`` and the unit of work ask)."""
    session.info[_FLUSHED] = True


def note_commit(session: Session) -> None:
    """after_commit: note on the app context that a commit saved something (``saved_in_this_context``)."""
    from flask import g, has_app_context

    if session.info.get(_FLUSHED) and has_app_context():
        setattr(g, _SAVED, True)


def saved_in_this_context() -> bool:
    """Whether a commit in this app context (this request) saved a change: then sending the form
    again would save it twice."""
    from flask import g, has_app_context

    return has_app_context() and bool(g.get(_SAVED))


def forget_flush(session: Session, transaction: Any) -> None:
    """after_transaction_end: a new transaction has written nothing yet."""
    if transaction.parent is None:
        session.info.pop(_FLUSHED, None)


def end_read_transaction(session: Session | scoped_session[Session]) -> bool:
    """End the session's transaction if it has only read, so that no lock is held during the slow
    work that follows; the next query begins a new one (and takes the write lock again).

    Rolls back (nothing to undo), which expires the loaded objects: they reload when next read.
    Returns True when no transaction is left open; False, leaving it alone, when it holds changes
    (pending or flushed), which must not be lost. Raises nothing of its own.
    """
    if isinstance(session, scoped_session):
        session = session()
    if not session.in_transaction():
        return True
    if session.new or session.dirty or session.deleted or session.info.get(_FLUSHED):
        return False
    session.rollback()
    return True


def reading_snapshot() -> bool:
    """Whether the transaction about to begin belongs to a ``read_snapshot``."""
    from flask import g, has_app_context

    return has_app_context() and bool(g.get(_READING_SNAPSHOT))


@contextmanager
def read_snapshot(session: Session | scoped_session[Session]) -> Iterator[None]:
    """Read inside the block from one consistent snapshot of the database, holding no write lock.

    Ends the session's read-only transaction first (see ``end_read_transaction``) and rolls the
    snapshot back at the end, so the session is ready for a short write transaction afterwards. On
    SQLite the snapshot is a plain ``BEGIN``, which in WAL mode never blocks writers; on PostgreSQL it
    is a REPEATABLE READ transaction. Writing inside the block is a mistake. Raises RuntimeError when
    the session holds changes not yet committed.
    """
    if not end_read_transaction(session):
        raise RuntimeError("commit the changes before reading from a snapshot")
    from flask import g

    previous = g.get(_READING_SNAPSHOT, False)
    setattr(g, _READING_SNAPSHOT, True)
    try:
        bind = session.get_bind()
        if bind.dialect.name == "postgresql":
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        yield
    finally:
        setattr(g, _READING_SNAPSHOT, previous)
        session.rollback()


#: The listeners above, in the order photoid/events.py registers them.
FLUSH_TRACKING = (("after_flush", note_flush), ("after_commit", note_commit), ("after_transaction_end", forget_flush))
