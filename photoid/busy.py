"""What the site answers while its database cannot: busy (SQLite's write lock still taken after the
busy timeout, a PostgreSQL lock or statement timeout), a full disk, or a server that refuses to connect.

Always a 503 with ``Retry-After``, and nothing typed is lost. For any form: a page saying "The site
is busy, please send again" with a form posting back to the same address, carrying every field that
was sent (text as editable, labelled inputs; technical fields hidden; a fresh CSRF token; passwords
never echoed; files cannot be kept, so their inputs come back empty), so one click resends it. For the
API (``/api/...``, or a client asking for JSON): an ``application/problem+json`` body.

The page is rendered without the base layout and its context processors (the menu counts things in
the database), so it answers at once instead of waiting for the database once more.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from flask import Response, current_app, request
from flask_wtf.csrf import generate_csrf
from sqlalchemy.exc import TimeoutError as PoolTimeout

from photoid.db import first_line, saved_in_this_context

#: Seconds the visitor (or their client) is asked to wait before sending again.
RETRY_AFTER = 5
BUSY_MESSAGE = "The site is busy, please send again."
SAVED_MESSAGE = ("Your change was saved, but the site is too busy to show the next page. "
                 "Please do not send it again; open the page again in a moment.")

#: SQLite reports each of these as an OperationalError; anything else it calls that (a missing
#: table, a syntax error) is a bug, answered 500.
SQLITE_CAUSES = (
    ("database is locked", "busy"),
    ("database table is locked", "busy"),
    ("database schema is locked", "busy"),
    ("database or disk is full", "disk full"),
    ("disk i/o error", "disk error"),
    ("unable to open database file", "unreachable"),
)
#: PostgreSQL error codes that mean "not now" rather than "unreachable" (40001 and 40P01 reach the
#: visitor only after photoid/db.py's unit of work has run the use case again and met them each time).
POSTGRESQL_CAUSES = {
    "53100": "disk full",
    "53200": "busy",  # out of memory
    "53300": "busy",  # too many connections
    "55P03": "busy",  # lock not available (lock_timeout)
    "57014": "busy",  # statement timeout
    "40001": "busy",  # serialization failure
    "40P01": "busy",  # deadlock detected
}
#: Field names that are never shown back, whatever the form calls them.
PASSWORD_WORDS = ("password", "passwd", "secret")


def database_trouble(error: BaseException) -> str | None:
    """"busy", "disk full", "disk error" or "unreachable" when the database cannot answer now (worth
    sending again later); None for an error that sending again would not cure."""
    if isinstance(error, PoolTimeout):
        return "busy"  # every pooled connection in use
    original = getattr(error, "orig", None) or error
    if isinstance(original, sqlite3.OperationalError):
        message = str(original).lower()
        return next((cause for needle, cause in SQLITE_CAUSES if needle in message), None)
    if type(original).__module__.startswith("psycopg"):
        import psycopg

        if isinstance(original, psycopg.OperationalError):
            return POSTGRESQL_CAUSES.get(getattr(original, "sqlstate", None) or "", "unreachable")
    return None


# --- the form, sent again -------------------------------------------------------------------------

@dataclass(frozen=True)
class SentField:
    name: str
    value: str
    #: "text", "textarea", "password" (shown empty) or "hidden"
    kind: str
    label: str
    id: str


_RANK = {"hidden": 0, "choice": 1, "text": 2, "textarea": 3, "file": 4, "password": 5}


def _field_kind(field_class: type) -> str:
    from wtforms import fields

    if issubclass(field_class, fields.PasswordField):
        return "password"
    if issubclass(field_class, fields.HiddenField):
        return "hidden"
    if issubclass(field_class, fields.FileField):
        return "file"
    if issubclass(field_class, fields.TextAreaField):
        return "textarea"
    if issubclass(field_class, (fields.SelectFieldBase, fields.BooleanField, fields.SubmitField)):
        return "choice"
    return "text"  # StringField and its kin, numbers, dates


def known_fields(near: str = "") -> dict[str, tuple[str, str]]:
    """Every field of every form of the site: name -> (kind, label).

    Where forms use one name differently, the form nearest ``near`` (the module of the view that
    was sent to: the same module, then the same package) gives the kind and label, and a password
    anywhere is never echoed.
    """
    from flask_wtf import FlaskForm
    from wtforms.fields.core import UnboundField

    candidates: dict[str, list[tuple[int, int, str, str]]] = {}
    package = near.rsplit(".", 1)[0]
    classes, seen = list(FlaskForm.__subclasses__()), set()
    while classes:
        form_class = classes.pop()
        if form_class in seen:
            continue
        seen.add(form_class)
        classes.extend(form_class.__subclasses__())
        module = form_class.__module__
        nearness = 2 if near and module == near else 1 if package and module.startswith(package + ".") else 0
        for name in dir(form_class):
            unbound = getattr(form_class, name, None)
            if not isinstance(unbound, UnboundField):
                continue
            kind = _field_kind(unbound.field_class)
            label = unbound.kwargs.get("label") or (unbound.args[0] if unbound.args else None)
            label = str(label) if isinstance(label, str) else name.replace("_", " ").capitalize()
            candidates.setdefault(name, []).append((nearness, _RANK[kind], kind, label))
    found: dict[str, tuple[str, str]] = {}
    for name, options in candidates.items():
        _nearness, _rank, kind, label = max(options)
        if any(option[2] == "password" for option in options):
            kind = "password"
        found[name] = (kind, label)
    return found


def _view_module() -> str:
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "__module__", "") or ""


def sent_fields(known: dict[str, tuple[str, str]]) -> list[SentField]:
    """What the visitor sent, as the page shows it again (the CSRF token is made afresh)."""
    shown: list[SentField] = []
    for index, (name, value) in enumerate(request.form.items(multi=True)):
        if name == "csrf_token":
            continue
        kind, label = known.get(name, ("hidden", name))
        if kind == "password" or any(word in name.lower() for word in PASSWORD_WORDS):
            if any(f.name == name for f in shown):
                continue
            kind, value = "password", ""
        elif kind == "text" and ("\n" in value or len(value) > 200):
            kind = "textarea"
        elif kind not in ("text", "textarea") or not value.strip():
            kind = "hidden"  # technical, a choice, or left empty (nothing typed to edit; a honeypot stays unseen)
        shown.append(SentField(name=name, value=value, kind=kind, label=label, id=f"resend-{index}"))
    return shown


def sent_files(known: dict[str, tuple[str, str]]) -> list[SentField]:
    """One empty file input per file field that was sent: files cannot be kept."""
    names = list(dict.fromkeys(name for name, upload in request.files.items(multi=True) if upload.filename))
    return [SentField(name=name, value="multiple" if len(request.files.getlist(name)) > 1 or name == "files" else "",
                      kind="file", label=known.get(name, ("file", "Files" if name == "files" else name))[1],
                      id=f"resend-file-{index}") for index, name in enumerate(names)]


def _wants_json() -> bool:
    best = request.accept_mimetypes.best
    return request.path.startswith("/api/") or request.is_json or best in ("application/json", "application/problem+json")


def busy_response() -> Response:
    """The 503 answer for this request (see the module's docstring). Touches no database."""
    saved = saved_in_this_context()
    may_resend = request.method not in ("GET", "HEAD", "OPTIONS") and not saved
    if _wants_json():
        detail = SAVED_MESSAGE if saved else BUSY_MESSAGE if may_resend else "The site is busy, please try again in a moment."
        body = {"type": "about:blank", "title": "Service Unavailable", "status": 503, "detail": detail,
                "retry_after": RETRY_AFTER}
        response = Response(json.dumps(body), status=503, mimetype="application/problem+json")
    else:
        action = request.script_root + request.path
        if request.query_string:
            action += "?" + request.query_string.decode("latin-1")
        known = known_fields(_view_module()) if may_resend else {}
        fields = sent_fields(known) if may_resend else []
        template = current_app.jinja_env.get_template("busy.html")  # not render_template: no context processors
        html = template.render(
            site_name=current_app.config["SITE_NAME"], saved=saved, may_resend=may_resend, action=action,
            fields=fields, files=sent_files(known) if may_resend else [], csrf_token=generate_csrf() if may_resend else "",
            has_password=any(f.kind == "password" for f in fields), retry_after=RETRY_AFTER,
        )
        response = Response(html, status=503, mimetype="text/html")
    response.headers["Retry-After"] = str(RETRY_AFTER)
    response.headers["Cache-Control"] = "no-store"
    return response
