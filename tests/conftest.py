"""Shared fixtures: ``app``, ``db_session``, ``client``, ``login_as(role)``, ``csrf_token``, ``outbox``.

The schema is created once per run on the test database (SQLite in a temporary folder, or
PostgreSQL when PHOTOID_TEST_DATABASE_URL is set); every test starts from empty tables and
its own upload folder.

Under pytest-xdist (``make test`` runs ``-n auto``) each worker is a run of its own: its temporary
folder (so its SQLite file) is its own, and on PostgreSQL it works in a database of its own,
``<name>_<worker>`` next to the one given, made at its start and dropped at its end. Tests that
share Redis already keep apart by fresh key prefixes or secrets, so workers never see each
other's keys.
"""
from __future__ import annotations

import gc
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.globals import _cv_app
from flask.testing import FlaskClient
from jinja2.bccache import BytecodeCache, Bucket
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.orm import scoped_session
from werkzeug.routing import Rule
from werkzeug.security import generate_password_hash

from config import TestConfig
from config import database_url as normalised_url
from photoid import create_app
from photoid.accounts import service as accounts
from photoid.accounts.models import User
from photoid.extensions import db
from tests.factories import make_user

PG_URL = os.environ.get("PHOTOID_TEST_DATABASE_URL")


#: "gw0", "gw1"... in a pytest-xdist worker; None in a plain run.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under ``--dist loadgroup`` the browser tests share one worker, so the session's live server
    (migrated and loaded with the demo, about half a minute) and Chromium start once, not per worker.

    They stay one group: split over two workers (two live servers and two Chromiums), make test took
    longer, 485 s against 436 s, because Chromium's own CPU (two thirds of what a browser test costs)
    then competes with the rest of the suite for the two cores.

    First of the hooks: xdist reads the group mark in its own hook, which is called before this
    file's; marked after it, the browser tests ran on every worker, each starting a live server
    and a Chromium of its own."""
    for item in items:
        if "tests/browser/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """A worker tells xdist its tests' ids, and xdist keeps a group together by the ``@<group>`` its
    own hook appends to each id. On pytest 9.2 that append no longer changes the id
    (pytest-dev/pytest-xdist#1386), so the group is appended here, before the ids are sent.

    Also the garbage collector's settings for the run (``_collect_garbage_less_often``)."""
    _collect_garbage_less_often()
    if not getattr(session.config.option, "loadgroup", False):  # set in xdist's workers only
        return
    for item in session.items:
        mark = item.get_closest_marker("xdist_group")
        if mark and not item.nodeid.endswith(suffix := f"@{mark.args[0]}"):
            if not hasattr(item, "_id"):
                raise pytest.UsageError(f"pytest-xdist did not group {item.nodeid}; see tests/conftest.py")
            from _pytest.nodeid import NodeId  # pytest 9.2 and later

            item._id = NodeId.parse(item.nodeid + suffix)


def _collect_garbage_less_often() -> None:
    """Python's cyclic garbage collector runs after every 700 new objects by default, and each test
    makes an app (a hundred and forty URL rules, a Jinja environment, an engine): its collections were a
    fifth of the suite's CPU time. Everything imported and collected by now lives for the whole run, so it
    is moved out of the collector's sight (``gc.freeze``), and young objects are collected after 50,000
    new ones instead of 700. What a test leaves is still collected: the largest process's peak memory in
    make test went from 624 to 694-720 MB."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


#: The site's scrypt with 32 times fewer rounds: the same algorithm, salt and format, at about 3 ms a hash.
QUICK_PASSWORD_METHOD = "scrypt:1024:8:1"
_QUICK_DUMMY_HASH = generate_password_hash("not-a-real-password", method=QUICK_PASSWORD_METHOD)


@pytest.fixture(autouse=True)
def _quick_password_hashing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Passwords are hashed and checked with ``QUICK_PASSWORD_METHOD`` unless the test asks for
    ``real_password_hashing``.

    The site's scrypt costs about 80 ms of CPU a hash on purpose, and the tests sign in, register
    and change passwords through the forms hundreds of times: two thirds of the CPU time of the
    sign-in, lockout and session tests, for no check of theirs. The tests of the method itself and
    of how long the answers take (tests/web/test_account_discovery.py) use the real one."""
    if "real_password_hashing" in request.fixturenames:
        return
    monkeypatch.setattr(accounts, "PASSWORD_METHOD", QUICK_PASSWORD_METHOD)
    monkeypatch.setattr(accounts, "_DUMMY_HASH", _QUICK_DUMMY_HASH)  # what an unknown address is checked against


@pytest.fixture
def real_password_hashing() -> None:
    """The site's own password hashing (see ``_quick_password_hashing``)."""


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not PG_URL:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    elif not XDIST_WORKER:
        yield PG_URL
    else:
        yield from _worker_database(PG_URL, XDIST_WORKER)


def _worker_database(url: str, worker: str) -> Iterator[str]:
    """A PostgreSQL database for one xdist worker, next to ``url``'s, dropped when the worker ends."""
    given = make_url(normalised_url(url))
    name = f"{given.database}_{worker}"
    admin = create_engine(given, isolation_level="AUTOCOMMIT")

    def run(statement: str) -> None:
        with admin.connect() as conn:
            conn.execute(text(statement))
        admin.dispose()  # no idle connection to the given database while the worker runs

    run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # left over by a run that was killed
    run(f'CREATE DATABASE "{name}"')
    try:
        yield given.set(database=name).render_as_string(hide_password=False)
    finally:
        run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def _schema(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    app = create_app(TestConfig(tmp_path=tmp_path_factory.mktemp("schema"), database_url_=database_url))
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.engine.dispose()
    yield
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


def _empty_tables() -> None:
    # page_version keeps its rows: versions only rise, so a page kept (in Redis) by an earlier test is never served again.
    # Plain SQL strings: each test's app has an engine of its own, whose statement cache starts empty.
    tables = [f'"{t.name}"' for t in reversed(db.metadata.sorted_tables) if t.name != "page_version"]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                conn.exec_driver_sql(f"DELETE FROM {table}")


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    Tests hold an app context for their factories; without this, requests would reuse it and
    share ``g`` (the signed-in user, the CSRF token) and the database session with each other.
    """

    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        token = _cv_app.set(None)  # type: ignore[arg-type]
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)


class SharedTemplateCode(BytecodeCache):
    """Compiled templates kept for the whole run, for every app a test makes.

    Each test makes an app of its own, and each app's Jinja environment compiled every template it
    rendered again: a fifth of the CPU time of tests that render a few pages (test_hostile_input.py).
    Every test app comes from the same ``create_app`` (same filters, globals and options), so the
    code compiled for one serves all; a template whose source changed has another checksum and is
    compiled afresh.
    """

    def __init__(self) -> None:
        self._code: dict[str, tuple[str, object]] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        checksum, code = self._code.get(bucket.key, (None, None))
        if checksum == bucket.checksum:
            bucket.code = code  # type: ignore[assignment]

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = (bucket.checksum, bucket.code)


_template_code = SharedTemplateCode()


def _share_compiled_rules() -> None:
    """Every test app compiles the same URL rules: Werkzeug parses each rule into regular-expression
    parts (``Rule.compile``) and writes and compiles a Python function to build its URLs
    (``Rule._compile_builder``, twice per rule). That was four fifths of the CPU time of
    ``create_app``, which every test runs. What they make depends only on the rule's text, its
    defaults and the converter classes it names, so what was made for one app serves every app: the
    parts are shared (the matcher only reads them), each app gets converters of its own, and a rule
    whose converter class differs in another app, or with a default for one of its own variables
    (converted by its app's converter), is compiled as before."""
    compile_rule = Rule.compile
    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None or not hasattr(Rule, "_parse_rule"):  # another Werkzeug: compile as it does
        return
    builders: dict[tuple[object, ...], Callable[..., tuple[str, str]]] = {}
    compiled: dict[tuple[object, ...], tuple[list[object], list[tuple[bool, str]], list[tuple[object, ...]]]] = {}

    def shared_builder(rule: Rule, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        defaults = rule.defaults or {}
        if any(dynamic and name in defaults for dynamic, name in rule._trace):
            return compile_builder(rule, append_unknown)
        key = (rule.rule, tuple(rule._trace), tuple(defaults), append_unknown)
        if key not in builders:
            builders[key] = compile_builder(rule, append_unknown)
        return builders[key]

    def shared_compile(rule: Rule) -> None:
        key = (rule.rule, rule.map.host_matching, rule.host if rule.map.host_matching else rule.subdomain,
               rule.merge_slashes)
        made = compiled.get(key)
        if made and all(rule.map.converters.get(name) is cls for _, name, cls, _, _ in made[2]):
            parts, trace, converters = made
            rule._parts, rule._trace = list(parts), list(trace)  # type: ignore[assignment]
            rule._converters = {var: rule.get_converter(var, name, args, kwargs) for var, name, _, args, kwargs in converters}
            rule.arguments.update(rule._converters)
            rule._build = rule._compile_builder(False).__get__(rule, None)
            rule._build_unknown = rule._compile_builder(True).__get__(rule, None)
            return
        used: list[tuple[object, ...]] = []
        get_converter = rule.get_converter

        def recording(var: str, name: str, args: tuple[object, ...], kwargs: dict[str, object]) -> object:
            used.append((var, name, rule.map.converters.get(name), args, kwargs))
            return get_converter(var, name, args, kwargs)

        rule.get_converter = recording  # type: ignore[method-assign]
        try:
            compile_rule(rule)
        finally:
            del rule.get_converter
        compiled[key] = (list(rule._parts), list(rule._trace), used)

    Rule._compile_builder = shared_builder  # type: ignore[method-assign]
    Rule.compile = shared_compile  # type: ignore[method-assign]


_share_compiled_rules()
_apps_made: list[Flask] = []


def make_test_app(tmp_path: Path, database_url: str, **overrides: object) -> Flask:
    config = TestConfig(tmp_path=tmp_path, database_url_=database_url)
    for key, value in overrides.items():
        setattr(config, key, value)
    app = create_app(config)
    app.jinja_env.bytecode_cache = _template_code
    app.test_client_class = IsolatedClient
    _apps_made.append(app)
    return app


@pytest.fixture(autouse=True)
def _close_connections_of_apps_made() -> Iterator[None]:
    """Every app a test made gives its database connections back when the test ends, so an
    unclosed connection is never garbage-collected (a ResourceWarning) during a later test."""
    yield
    while _apps_made:
        with _apps_made.pop().app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(_schema: None, database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = make_test_app(tmp_path, database_url)
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            _empty_tables()
            db.engine.dispose()


@pytest.fixture
def db_session(app: Flask) -> scoped_session:  # type: ignore[type-arg]
    return db.session


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def login_as(client: FlaskClient) -> Callable[..., User]:
    """Sign the test client in as a new account with ``role`` and return that account."""

    def _login(role: str = "patron", **kwargs: object) -> User:
        user = make_user(role=role, **kwargs)  # type: ignore[arg-type]
        db.session.commit()
        with client.session_transaction() as session:
            session["_user_id"] = user.login_id
            session["_fresh"] = True
        return user

    return _login


CSRF_PATTERN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


@pytest.fixture
def csrf_token(client: FlaskClient) -> Callable[[str], str]:
    """The CSRF token a real browser would find in the form on ``path``."""

    def _token(path: str = "/login") -> str:
        page = client.get(path).get_data(as_text=True)
        match = CSRF_PATTERN.search(page)
        assert match, f"no CSRF token in the form on {path}"
        return match.group(1) or match.group(2)

    return _token


@pytest.fixture
def outbox(app: Flask) -> list[tuple[str, str, str]]:
    """Every email the app sends during the test, as (to, subject, body), instead of SMTP or the log."""
    sent: list[tuple[str, str, str]] = []
    app.config["MAIL_SENDER"] = lambda to, subject, body: sent.append((to, subject, body))
    return sent
