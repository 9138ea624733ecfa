"""Every form and JSON endpoint, fed hostile values: never a 5xx, a 4xx says why, and writes nothing.

The routes come from ``app.url_map``, so a new route is crawled without editing this file:
every POST/PUT/PATCH/DELETE route is sent generated form fields and JSON bodies, and every GET
route is sent generated query arguments (and odd values in its text path segments). Each is sent
as a visitor who may use it (from the role matrix), with a real CSRF token, so the values reach
the validation and not only the permission check.

Values (Hypothesis, derandomized, no example database, no shrinking, so a run is reproducible and
bounded): empty, 100 KB, numbers where text goes and text where numbers go, negative and huge
numbers, lists and nested JSON, malformed JSON, bad dates, right-to-left and zero-width Unicode,
escaped surrogates, and a NUL now and then (the site refuses it up front).

Besides, the values no database, XML document or 64-bit column can hold (``UNSTORABLE``: a
control character, lone surrogates, U+FFFE and U+FFFF, 20-digit integers) go to every route
for sure, not by chance: into each query argument and form field the route reads (noted while it
runs), one at a time, and into each leaf of a JSON body, sent both JSON-escaped (``"\ud800"``)
and raw (the surrogate's own bytes, which Python's JSON reader lets through).

Each answer must be below 500; an HTML 4xx must show a message, a JSON 4xx must carry one; and
a 4xx must leave every table's row count as it was (no half-written record).
"""
from __future__ import annotations

import json
from collections import Counter
import re
import time
import traceback
from io import BytesIO
from typing import Any
from urllib.parse import parse_qsl, quote

import lxml.html
import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, text
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import Rule

from photoid.accounts.models import User
from photoid.extensions import db
from tests.web import test_role_matrix as matrix

world = matrix.world  # the role matrix's fixture: a photo, a pending identification, a comment, a report...

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
#: Write routes deliberately not crawled, with the reason. Every other write route must be crawled.
NOT_CRAWLED: dict[tuple[str, str], str] = {}
#: Query arguments the views read, beyond those found in the site's own GET forms.
QUERY_ARGS = ("page", "q", "next", "kind", "token", "target_id", "period", "into", "disputes", "contributor",
              "campaign", "sort", "verb", "metadataPrefix", "identifier", "set", "from", "until", "resumptionToken",
              "decade", "state", "institution", "action", "actor", "date_from", "date_to", "format")
#: Fields sent to every write route, beyond those found in its form.
EXTRA_FIELDS = (*matrix.PAYLOAD, "title", "identifier", "x", "y", "w", "h", "region_x", "region_y", "region_w",
                "region_h", "date_edtf", "email", "display_name", "password_confirm", "ids", "parent_id", "publish")
EXAMPLES = {"form": 5, "json": 3, "query": 2}
#: 5xx answers a protocol prescribes: oEmbed says "501 Not Implemented" for a format it does not offer.
SPEC_ERRORS = {("/oembed", 501)}

HUGE = "x" * 100_000
ODD = [
    "", " ", HUGE, "0", "-1", "-99999999999999999999", "99999999999999999999", "1e309", "NaN", "inf", "3.5",
    "[]", "{}", "null", "true", "[1, 2]", '{"a": {"b": [1, {"c": null}]}}', "2023-02-30", "0000-00-00",
    "9999-99-99T99:99", "1945~?%..", "../../../etc/passwd", "%00", "\\ud800", "\\udfff", "\u202egnp.exe",
    "مرحبا بالعالم", "a\u200db\u200bc", "👨‍👩‍👧🎡", "Ω" * 600, "\ufeff", "\x00",
    "\x01", "a\x1fb", "\ud800", "Smith \udfff", "\ufffe", "\uffff", "9223372036854775808", "18446744073709551616",
]
#: What no database, XML document or 64-bit column can hold; each is sent to every route in every
#: argument it reads (explicit examples), besides turning up among the generated values.
UNSTORABLE = ["\x01", "\ud800", "Smith \udfff", "\ufffe", "\uffff", "99999999999999999999"]
#: The same for form fields, where a lone surrogate cannot arrive (Werkzeug decodes forms with
#: replacement characters); U+FFFE and U+FFFF go together, as no route tells them apart.
FORM_UNSTORABLE = ["\x01", "Smith \ufffe\uffff", "99999999999999999999"]
#: Requests some routes need before they read their other arguments: each argument of each is
#: given each UNSTORABLE value in turn (the rest stay as here).
QUERY_BASES: dict[str, list[dict[str, str]]] = {
    "/oai": [{"verb": "GetRecord", "identifier": "oai:localhost:photo/1", "metadataPrefix": "oai_dc"},
             {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2000-01-01", "until": "2100-01-01", "set": "x"},
             {"verb": "ListIdentifiers", "resumptionToken": "x"}, {"verb": "ListSets", "resumptionToken": "x"},
             {"verb": "ListMetadataFormats", "identifier": "oai:localhost:photo/1"}],
    **{rule: [dict(parse_qsl(query.lstrip("?")))] for rule, query in matrix.QUERIES.items()},
}
#: A JSON body each JSON route takes, so values reach its checks: each leaf in turn gets each UNSTORABLE value.
JSON_BASES: dict[str, dict[str, Any]] = {
    "/api/photos/<int:photo_id>/annotations": {
        "@context": "http://www.w3.org/ns/anno.jsonld", "type": "Annotation",
        "body": [{"type": "TextualBody", "purpose": "identifying", "value": "Smith"},
                 {"type": "TextualBody", "purpose": "commenting", "value": "His shop sign"}],
        "target": {"source": "http://localhost/iiif/3/1", "selector": {
            "type": "FragmentSelector", "conformsTo": "http://www.w3.org/TR/media-frags/", "value": "xywh=pixel:1,1,2,2"}},
        "photoid": {"kind": "person", "authority_id": None, "edtf": None},
    },
}
SCALARS = st.one_of(
    st.sampled_from(ODD),
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=30),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
JSON_LEAF = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
                      st.sampled_from([10**20 - 1, -(10**20 - 1), 2**63, 2**64]), st.floats(allow_nan=False),
                      st.sampled_from(ODD))
JSON_VALUES = st.recursive(JSON_LEAF, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                           max_leaves=8)
MALFORMED_JSON = [b"{", b"[1, 2", b'{"a": ', b"\xff\xfe\x00{", b"NaN", b"1e999999", b"'single'", b"{}}",
                  b"[" * 5000 + b"]" * 5000, b'{"a": "\\ud800"}', b""]
SETTINGS = dict(deadline=None, derandomize=True, database=None, phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck))
MESSAGE = ('//*[@role="alert" or contains(concat(" ", @class, " "), " error ")'
           ' or contains(concat(" ", @class, " "), " form-errors ") or contains(concat(" ", @class, " "), " flash-error ")'
           ' or contains(concat(" ", @class, " "), " upload-rejected ")]')  # the upload page: a reason per file
#: (request, status) -> how often, for the summary and the check that values got past CSRF.
ANSWERS: Counter[tuple[str, int]] = Counter()
CSRF_REFUSED: list[str] = []
FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S | re.I)


# --- what to send, and as whom -------------------------------------------------------------------

def actor(rule: str, method: str) -> str:
    """A visitor the role matrix lets use this route: anonymous for public ones, else the least powerful."""
    expected = matrix.MATRIX.get(rule, {}).get(method)
    if expected is None:
        return "admin"
    if expected == matrix.PUBLIC:
        return "anonymous"
    for role in ("patron", "archivist", "admin"):
        if expected[matrix.ROLES.index(role)] == "ok":
            return "contributor" if role == "patron" else role  # the contributor owns the fixture's records
    return "admin"


def client_for(app: Flask, world: dict[str, Any], role: str) -> FlaskClient:
    if role != "contributor":
        return matrix.visitor(app, world, role)
    client = app.test_client()
    user = db.session.get(User, world["values"]["user_id"])
    assert user is not None
    with client.session_transaction() as session:
        session["_user_id"] = user.login_id
        session["_fresh"] = True
    return client


def fillable(rule: Rule, world: dict[str, Any]) -> bool:
    """Whether every argument in the rule's path has a value (a rule's ``defaults`` are not in its path)."""
    return all(name in world["values"] for name in rule.arguments - set(rule.defaults or ()))


def on_the_wire(value: Any) -> Any:
    """A value as the test client can send it: text with a lone surrogate as its own UTF-8 bytes."""
    if isinstance(value, list):
        return [on_the_wire(item) for item in value]
    if isinstance(value, str) and any("\ud800" <= ch <= "\udfff" for ch in value):
        return value.encode("utf-8", "surrogatepass")
    return value


def raw_json(value: Any) -> bytes:
    """JSON with every character as itself, lone surrogates too (as their own bytes)."""
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


def url(rule: Rule, world: dict[str, Any], overrides: dict[str, str] | None = None) -> str:
    values = {**world["values"], **{name: quote(on_the_wire(value), safe="") for name, value in (overrides or {}).items()}}
    return matrix.fill(rule.rule, values, institution_slug=world["institution_slug"])


def forms_on(client: FlaskClient, paths: list[str]) -> tuple[dict[str, set[str]], set[str], set[str]]:
    """The fields of every POST form on these pages, by action path; GET form fields; file inputs."""
    posted: dict[str, set[str]] = {}
    queried: set[str] = set()
    files: set[str] = set()
    for path in paths:
        response = client.get(path, buffered=True)
        if response.mimetype != "text/html" or response.status_code != 200:
            continue
        for form in FORM.findall(response.get_data(as_text=True)):
            names = set(re.findall(r'\bname="([^"]+)"', form)) - {"csrf_token"}
            files |= set(re.findall(r'<input[^>]*type="file"[^>]*name="([^"]+)"', form))
            files |= set(re.findall(r'<input[^>]*name="([^"]+)"[^>]*type="file"', form))
            action = re.search(r'action="([^"]*)"', form)
            target = (action.group(1) if action else path).split("?")[0].replace("&amp;", "&") or path
            if re.search(r'method="post"', form, re.I):
                posted.setdefault(target, set()).update(names)
            else:
                queried |= names
    return posted, queried, files


def row_counts() -> dict[str, int]:
    db.session.remove()
    tables = db.metadata.sorted_tables
    query = " UNION ALL ".join(f"SELECT '{t.name}', COUNT(*) FROM \"{t.name}\"" for t in tables)
    with db.engine.connect() as connection:
        return dict(connection.execute(text(query)).all())  # type: ignore[arg-type]


# --- what an answer must be -----------------------------------------------------------------------

def check(response: Any, where: str, before: dict[str, int]) -> None:
    status = response.status_code
    assert status < 500 or any(where.startswith(f"GET {path} ") and status == code for path, code in SPEC_ERRORS), \
        f"{where} answered {status}"
    if status < 400:
        return
    body = response.get_data(as_text=True)
    if response.mimetype == "text/html":
        doc = lxml.html.document_fromstring(body.replace("\x00", "\ufffd") or "<html></html>")
        said = " ".join(t.strip() for t in doc.xpath(MESSAGE + "//text()") if t.strip())
        assert said or doc.findtext(".//title", "").startswith(str(status)), f"{where}: {status} without a message"
    elif response.is_json:
        data = response.get_json(silent=True)
        items = data if isinstance(data, list) else [data]
        assert all(isinstance(item, dict) and (item.get("error") or item.get("reason") or item.get("errors") or item.get("message"))
                   for item in items), f"{where}: {status} JSON without a message: {body[:200]!r}"
    else:
        assert body.strip(), f"{where}: {status} with an empty body"
    after = row_counts()
    changed = {name: (before[name], after[name]) for name in before if before[name] != after[name]}
    assert not changed, f"{where}: answered {status} but wrote rows {changed}"


class Visitors:
    """A signed-in client and its CSRF token per role. After a write that may have changed the
    world (any answer below 400), the world is rebuilt from scratch before the next write, so each
    example meets the same pending identification, comment and report."""

    def __init__(self, app: Flask, world: dict[str, Any]) -> None:
        self.app, self.world, self.changed = app, {**world, "institution_slug": world["mill"].slug}, False
        self._sign_in()

    def _sign_in(self) -> None:
        self.clients = {role: client_for(self.app, self.world, role) for role in ("anonymous", "contributor", "archivist", "admin")}
        self.tokens = {role: matrix.token(client) for role, client in self.clients.items()}

    def rebuild(self) -> None:
        db.session.remove()
        tables = [t for t in reversed(db.metadata.sorted_tables) if t.name != "page_version"]  # versions only rise
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":  # DELETE, not TRUNCATE, and one round trip: many times faster
                sequences = connection.execute(text("SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()")).scalars()
                connection.exec_driver_sql("; ".join([*(f'DELETE FROM "{t.name}"' for t in tables),
                                                      *(f'ALTER SEQUENCE "{name}" RESTART' for name in sequences)]))
            else:
                for table in tables:
                    connection.execute(table.delete())
        world = matrix.world.__wrapped__(self.app, db.session)  # ids restart, so paths stay valid
        self.world = {**world, "institution_slug": world["mill"].slug}
        users = {**world["users"], "contributor": db.session.get(User, world["values"]["user_id"])}
        for role, client in self.clients.items():  # the same browsers, signed in as the new accounts
            with client.session_transaction() as session:
                if role != "anonymous":
                    session["_user_id"] = users[role].login_id
                    session["_fresh"] = True
                has_token = "csrf_token" in session
            if not has_token:  # signing out cleared the session
                self.tokens[role] = matrix.token(client)
        self.changed = False


def send(visitors: Visitors, role: str, method: str, path: str, where: str, **kwargs: Any) -> None:
    if method != "GET" and visitors.changed:
        visitors.rebuild()
    if callable(kwargs.get("data")):
        kwargs["data"] = kwargs["data"](visitors.tokens[role])
    for part in ("data", "query_string"):
        if isinstance(kwargs.get(part), dict):
            kwargs[part] = {name: on_the_wire(value) for name, value in kwargs[part].items()}
    kwargs.setdefault("headers", {})["X-CSRFToken"] = visitors.tokens[role]
    before = row_counts()
    try:
        response = visitors.clients[role].open(path, method=method, buffered=True, **kwargs)
    except Exception as error:  # a test client re-raises what would be a 500
        frames = traceback.extract_tb(error.__traceback__)
        ours = [f for f in frames if "/photoid/" in f.filename] or frames
        raise AssertionError(f"{where} raised {type(error).__name__}: {str(error)[:200]} at "
                             f"{ours[-1].filename.split('/work/main/')[-1]}:{ours[-1].lineno}") from None
    ANSWERS[(where.split(" with ")[0], response.status_code)] += 1
    if response.status_code == 400 and "form expired" in response.get_data(as_text=True):
        CSRF_REFUSED.append(where)
    visitors.changed = visitors.changed or (method != "GET" and response.status_code < 400)
    check(response, where, before)


def short(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) < 160 else shown[:150] + f"...({len(shown)} chars)"


def run(probe: Any, problems: list[str]) -> None:
    """Run a Hypothesis probe; collect its failure instead of stopping the crawl."""
    try:
        probe()
    except AssertionError as failure:
        problems.append(str(failure).splitlines()[0] if str(failure) else repr(failure))


# --- the probes: one Hypothesis test per route and kind of body -----------------------------------

def query_probe(visitors: Visitors, rule: Rule, role: str, names: list[str]) -> Any:
    """Odd query arguments, and odd values in the route's text path segments."""
    text_args = [name for name, converter in rule._converters.items() if type(converter).__name__ == "UnicodeConverter"]
    queries = st.dictionaries(st.sampled_from(names), st.one_of(SCALARS, st.lists(SCALARS, max_size=3)), max_size=4)
    segments = st.fixed_dictionaries({}, optional={name: SCALARS.filter(bool) for name in text_args})

    @settings(max_examples=EXAMPLES["query"], **SETTINGS)
    @given(args=queries, overrides=segments)
    def probe(args: dict[str, Any], overrides: dict[str, str]) -> None:
        send(visitors, role, "GET", url(rule, visitors.world, overrides), f"GET {rule.rule} as {role} with {short(args)} {short(overrides)}",
             query_string=args)

    return probe


def form_probe(visitors: Visitors, method: str, path: str, role: str, fields: list[str], uploads: list[str]) -> Any:
    """A form with the right CSRF token and odd values (one or several) in its fields and files."""
    values = st.dictionaries(st.sampled_from(fields), st.one_of(SCALARS, st.lists(SCALARS, max_size=3)), max_size=6)
    files = st.lists(st.tuples(st.binary(max_size=2048) | st.sampled_from([b"", b"\xff\xd8\xff" + b"\x00" * 64]),
                               st.sampled_from(["photo.jpg", "", "../../x.png", "a" * 300 + ".tif", "\u202egpj.exe"])),
                     max_size=2)

    @settings(max_examples=EXAMPLES["form"], **SETTINGS)
    @given(data=values, sent=files)
    def probe(data: dict[str, Any], sent: list[tuple[bytes, str]]) -> None:
        def body(csrf: str) -> dict[str, Any]:
            return {**data, "csrf_token": csrf, **{field: [(BytesIO(content), name) for content, name in sent] for field in uploads}}

        send(visitors, role, method, path, f"{method} {path} as {role} with form {short(data)} files {short(sent)}", data=body)

    return probe


def json_probe(visitors: Visitors, method: str, path: str, role: str, fields: list[str]) -> Any:
    """Malformed JSON, JSON of the wrong shape, and objects with the form's field names holding anything."""
    bodies = st.one_of(
        st.sampled_from(MALFORMED_JSON),
        st.dictionaries(st.sampled_from(fields), JSON_VALUES, max_size=6).map(lambda d: json.dumps(d).encode()),
        st.dictionaries(st.sampled_from(fields), JSON_VALUES, max_size=6).map(raw_json),
        JSON_VALUES.map(lambda v: json.dumps(v).encode()),
    )

    @settings(max_examples=EXAMPLES["json"], **SETTINGS)
    @given(raw=bodies)
    def probe(raw: bytes) -> None:
        send(visitors, role, method, path, f"{method} {path} as {role} with JSON {short(raw)}", data=raw,
             content_type="application/json", headers={"Accept": "application/json"})

    return probe


# --- the unstorable values, for sure: each in each argument a route reads -------------------------

#: Names the view looked up in ``request.args`` or ``request.form`` during the last request.
READ: set[str] = set()


class NotingArguments(ImmutableMultiDict):  # type: ignore[type-arg]
    """``request.args`` and ``request.form`` that note each name the view looks up."""

    def __getitem__(self, key: Any) -> Any:
        READ.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        READ.add(key)  # type: ignore[arg-type]
        return super().__contains__(key)

    def get(self, key: Any, default: Any = None, type: Any = None) -> Any:  # noqa: A002 (werkzeug's name)
        READ.add(key)
        return super().get(key, default, type)

    def getlist(self, key: Any, type: Any = None) -> Any:  # noqa: A002
        READ.add(key)
        return super().getlist(key, type)


def names_read(visitors: Visitors, role: str, method: str, path: str, where: str, **kwargs: Any) -> set[str]:
    """Send one request and return the argument names the view looked up."""
    READ.clear()
    send(visitors, role, method, path, where, **kwargs)
    return {name for name in READ if isinstance(name, str)} - {"csrf_token"}


def leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path to every scalar in a JSON document."""
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in leaves(item, (*path, key))]
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in leaves(item, (*path, index))]
    return [path]


def replaced(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    copy = list(document) if isinstance(document, list) else dict(document)
    copy[path[0]] = replaced(document[path[0]], path[1:], value)
    return copy


def unstorable_query_probe(visitors: Visitors, rule: Rule, role: str) -> Any:
    """Each UNSTORABLE value in each query argument the page reads (and each of its QUERY_BASES)."""

    def probe() -> None:
        path = url(rule, visitors.world)
        for base in QUERY_BASES.get(rule.rule, [{}]):
            read = names_read(visitors, role, "GET", path, f"GET {rule.rule} as {role} with {short(base)}", query_string=base)
            for name in sorted(read | set(base)):
                for value in UNSTORABLE:
                    args = {**base, name: value}
                    send(visitors, role, "GET", path, f"GET {rule.rule} as {role} with {short(args)}", query_string=args)

    return probe


def unstorable_write_probe(visitors: Visitors, method: str, path: str, role: str, plausible: dict[str, str]) -> Any:
    """Each UNSTORABLE value in each form field the route reads, the others plausible; and in each
    field of a JSON body, and each leaf of the route's JSON_BASES, JSON-escaped and raw."""

    def probe() -> None:
        where = f"{method} {path} as {role}"
        read = names_read(visitors, role, method, path, f"{where} with an empty form", data=lambda csrf: {"csrf_token": csrf})
        others = {name: plausible.get(name, "Smith") for name in read}
        for name in sorted(read):
            for value in FORM_UNSTORABLE:
                form = {**others, name: value}
                send(visitors, role, method, path, f"{where} with form {short(form)}",
                     data=lambda csrf, form=form: {**form, "csrf_token": csrf})
        rule = next((r for r, p in JSON_ROUTES.items() if p == path), None)
        documents = [{name: value for name in sorted(read) or ["value"]} for value in [*UNSTORABLE, 10**20 - 1]]
        if rule in JSON_BASES:
            base = JSON_BASES[rule]
            documents += [replaced(base, leaf, value) for leaf in leaves(base) for value in UNSTORABLE]
        for document in documents:
            for body in dict.fromkeys([json.dumps(document).encode(), raw_json(document)]):
                send(visitors, role, method, path, f"{where} with JSON {short(body)}", data=body,
                     content_type="application/json", headers={"Accept": "application/json"})

    return probe


#: JSON_BASES rules -> their path in the crawl's world (filled in by the crawl).
JSON_ROUTES: dict[str, str] = {}


# --- the crawl ------------------------------------------------------------------------------------

def _routes(app: Flask) -> list[tuple[Rule, str]]:
    return sorted(((rule, method) for rule in app.url_map.iter_rules() for method in sorted(rule.methods or ())
                   if method not in ("HEAD", "OPTIONS")), key=lambda pair: (pair[0].rule, pair[1]))


def test_every_write_route_is_crawled_or_excused(app: Flask, world: dict[str, Any]) -> None:
    unreachable = [f"{method} {rule.rule}" for rule, method in _routes(app)
                   if method in WRITE_METHODS and not fillable(rule, world) and (rule.rule, method) not in NOT_CRAWLED]
    assert not unreachable, ("These write routes cannot be crawled: give their path arguments a value in the role "
                             "matrix's world, or list them in NOT_CRAWLED with a reason:\n" + "\n".join(unreachable))
    stale = [key for key in NOT_CRAWLED if key not in {(rule.rule, method) for rule, method in _routes(app)}]
    assert not stale, f"NOT_CRAWLED names routes that are gone: {stale}"


def without_waiting_for_the_disk() -> None:
    """Commits stop waiting for fsync on this test's own connections: the crawl commits hundreds of
    times and checks validation, not durability (on a busy CI disk this halves its time)."""
    db.session.remove()
    db.engine.dispose()

    @event.listens_for(db.engine, "connect")
    def _fast(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA synchronous = OFF" if db.engine.dialect.name == "sqlite" else "SET synchronous_commit = off")
        cursor.close()


#: The crawl is cut into this many tests, each taking every SHARDS-th route, so that parallel workers
#: share it (whole, it was the suite's longest test by far, and one worker ran it alone at the end).
SHARDS = 6


@pytest.mark.parametrize("shard", range(SHARDS))
def test_hostile_values_never_break_a_route(app: Flask, world: dict[str, Any], shard: int) -> None:
    started = time.process_time()  # this process's own work: CI machines are shared, wall time is noise
    ANSWERS.clear()
    CSRF_REFUSED.clear()
    routes = [(rule, method) for rule, method in _routes(app) if fillable(rule, world) and (rule.rule, method) not in NOT_CRAWLED]
    app.request_class = type("NotingRequest", (app.request_class,), {"parameter_storage_class": NotingArguments})
    visitors = Visitors(app, world)
    without_waiting_for_the_disk()
    JSON_ROUTES.update({rule: url(next(r for r, _ in routes if r.rule == rule), visitors.world) for rule in JSON_BASES})
    plausible = {**matrix.PAYLOAD, "ids": str(world["ids"][0]), "name": "Smith", "kind": "person", "x": "0.1", "y": "0.1",
                 "w": "0.2", "h": "0.2", "region_x": "0.1", "region_y": "0.1", "region_w": "0.2", "region_h": "0.2",
                 "date_edtf": "1945", "email": "someone@example.org", "page": "1"}
    pages: dict[str, list[str]] = {role: [] for role in visitors.clients}
    for rule, method in routes:
        if method == "GET" and not rule.rule.startswith("/static/"):
            role = actor(rule.rule, method)
            # A public page shows more forms to a signed-in contributor or an archivist than to a passer-by.
            for seen_by in ("contributor", "archivist") if role == "anonymous" else (role,):
                pages[seen_by].append(url(rule, visitors.world) + matrix.QUERIES.get(rule.rule, ""))
    pages["anonymous"] = ["/login", "/register"]
    forms: dict[str, set[str]] = {}
    query_names = set(QUERY_ARGS)
    file_fields = {"files"}
    for role, client in visitors.clients.items():
        posted, queried, files = forms_on(client, pages[role])
        for target, names in posted.items():
            forms.setdefault(target, set()).update(names)
        query_names |= queried
        file_fields |= files
    problems: list[str] = []

    for rule, method in routes[shard::SHARDS]:
        role = actor(rule.rule, method)
        if method == "GET":
            run(query_probe(visitors, rule, role, sorted(query_names)), problems)
            if not rule.rule.startswith("/static/"):
                run(unstorable_query_probe(visitors, rule, role), problems)
            continue
        path = url(rule, visitors.world)
        fields = sorted(forms.get(path, set()) | set(EXTRA_FIELDS))
        uploads = sorted(file_fields & (forms.get(path, set()) | {"files"}))
        run(form_probe(visitors, method, path, role, fields, uploads), problems)
        run(json_probe(visitors, method, path, role, fields), problems)
        run(unstorable_write_probe(visitors, method, path, role, plausible), problems)

    assert not problems, f"{len(problems)} routes broke on hostile input:\n" + "\n".join(problems)
    assert not CSRF_REFUSED, f"the crawl's own CSRF token was refused, so values never reached validation: {CSRF_REFUSED[:3]}"
    # A note, not a verdict: timings never decide a test (EXAMPLES bounds the crawl's cost).
    print(f"the crawl used {time.process_time() - started:.1f} s of CPU; lower EXAMPLES if that grows")


def test_undoing_a_merge_whose_record_names_no_survivor_says_why(app: Flask, world: dict[str, Any]) -> None:
    """Found by the crawl: a merge event without ``merged_into_id`` made the undo look up a record by
    a NULL key (an SAWarning, a 500 where warnings are errors) instead of refusing with a reason."""
    client = client_for(app, world, "archivist")
    csrf = matrix.token(client)
    before = row_counts()
    response = client.post(f"/authorities/merges/{world['values']['event_id']}/undo", data={"csrf_token": csrf})
    assert response.status_code == 409
    assert "cannot be undone" in response.get_data(as_text=True)
    assert row_counts() == before
