"""Which kept public pages a committed change ends: a version per photo, one for the pages that list
photos, and one for what every page shows.

Kept pages (photoid/page_cache.py) are keyed by the versions of what they show. A transaction
that changes something a public page renders raises, in the same commit, the version of each
*scope* it touched:

| scope        | pages keyed by it                                  | raised by                                   |
|--------------|----------------------------------------------------|---------------------------------------------|
| ``photo:<id>`` | that photo's page and its embed                  | its identifications, comments, votes on them, campaign entries, faces found on it, its own catalog fields |
| ``lists``    | the home page, collection and campaign pages (and embeds) | every change that raises a ``photo:`` scope |
| ``site``     | every kept page                                    | institutions, collections, campaigns, authorities, a person's public name or profile, a photo added, moved, published, withdrawn or deleted; any table not named below |

Tables no public page renders raise nothing: a sign-in (``last_login_at``), notifications and
their read marks, reports, the audit trail, invitations, export marks, the search queue and the
impact figures. A table added later raises ``site`` until it is named here, so a new kind of
data can make pages end too often, never show stale ones.

The versions live in ``page_version`` rows, read together by one statement per kept page. They are
raised once per transaction, in sorted order (two transactions never wait on each other's rows
in a cycle), after its last flush, so a reader never sees the data without its new version.
"""
from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy import String, bindparam, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column

from photoid.db import Base

SITE = "site"
LISTS = "lists"
#: No kept page is keyed by it: face matching (photoid/faces/matching.py) reads its approved faces
#: again when it moves, raised by any change to faces or identifications.
FACES = "faces"
FACE_TABLES = frozenset({"face", "identification"})

#: Tables no public page renders: changing them ends no kept page.
UNRENDERED_TABLES = frozenset({
    "page_version", "notification", "report", "moderation_event", "moderation_event_institution",
    "invitation", "export_run", "search_queue", "impact_week", "staff_membership",
})
#: Tables whose rows belong to one photo's page, by their ``photo_id``.
PHOTO_TABLES = frozenset({"identification", "comment", "campaign_photo", "face"})
#: Photo columns that decide where a photo appears (or whether it does): changing them ends every page.
PHOTO_PLACE_COLUMNS = frozenset({"is_published", "collection_id", "institution_id", "withdrawn_at", "deleted_at"})
#: Account columns no public page shows.
PRIVATE_ACCOUNT_COLUMNS = frozenset({
    "email", "pending_email", "email_verified_at", "password_hash", "login_id", "feed_token", "last_login_at",
    "wants_email_notifications", "reset_count", "display_name_key",
})

_SCOPES = "photoid_page_scopes"


class PageVersion(Base):
    """How many committed changes a scope of public pages has seen (no row: none yet)."""

    __tablename__ = "page_version"

    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(default=0)


def photo_scope(photo_id: int) -> str:
    return f"photo:{photo_id}"


def _values(obj: Any, name: str) -> set[Any]:
    """An attribute's values, now and before this flush (None left out)."""
    history = inspect(obj).attrs[name].load_history()
    return {v for v in (*history.added, *history.unchanged, *history.deleted) if v is not None}


def _changed_columns(obj: Any) -> set[str]:
    state = inspect(obj)
    return {attr.key for attr in state.mapper.column_attrs if state.attrs[attr.key].history.has_changes()}


def scopes_of(session: Session) -> set[str]:
    """The scopes this flush's new, changed and deleted rows touch."""
    scopes: set[str] = set()
    confirmations: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(getattr(obj, "__table__", None), "name", None)
        if table is None or table in UNRENDERED_TABLES:
            continue
        is_changed = obj in session.dirty
        if is_changed and not session.is_modified(obj, include_collections=False):
            continue
        if table in FACE_TABLES:
            scopes.add(FACES)
        if table in PHOTO_TABLES:
            scopes |= {photo_scope(i) for i in _values(obj, "photo_id")}
        elif table == "confirmation":
            confirmations |= _values(obj, "identification_id")
        elif table == "photo" and is_changed and not (_changed_columns(obj) & PHOTO_PLACE_COLUMNS):
            scopes.add(photo_scope(obj.id))
        elif table == "account" and is_changed and _changed_columns(obj) <= PRIVATE_ACCOUNT_COLUMNS:
            continue
        elif table == "account" and obj in session.new:
            continue  # a new account has no name on any page yet
        else:
            scopes.add(SITE)
    if confirmations:
        photo_ids = session.connection().scalars(text("SELECT DISTINCT photo_id FROM identification WHERE id IN :ids")
                                                 .bindparams(bindparam("ids", sorted(confirmations), expanding=True)))
        scopes |= {photo_scope(i) for i in photo_ids}
    if any(scope.startswith("photo:") for scope in scopes):
        scopes.add(LISTS)
    return scopes


def note_flush(session: Session, _context: object) -> None:
    """after_flush: remember which scopes the transaction touched."""
    scopes = scopes_of(session)
    if scopes:
        session.info.setdefault(_SCOPES, set()).update(scopes)


def note_bulk_write(orm_execute_state: Any) -> None:
    """do_orm_execute: an UPDATE or DELETE by statement names no rows. On a table of one photo's
    rows, the photos its WHERE matches (read first) are its scopes; on any other table that public
    pages render, it ends every page."""
    if not (orm_execute_state.is_update or orm_execute_state.is_delete):
        return
    mapper = orm_execute_state.bind_mapper
    table = mapper.local_table if mapper is not None else None
    if table is not None and table.name in UNRENDERED_TABLES:
        return
    scopes = orm_execute_state.session.info.setdefault(_SCOPES, set())
    if table is not None and table.name in FACE_TABLES:
        scopes.add(FACES)
    where = getattr(orm_execute_state.statement, "whereclause", None)
    if table is None or table.name not in PHOTO_TABLES or where is None:
        scopes.add(SITE)
        return
    # (A statement that moved rows to another photo would need that photo too; none does.)
    photo_ids = set(orm_execute_state.session.connection().scalars(select(table.c.photo_id).where(where)))
    if photo_ids:
        scopes |= {photo_scope(i) for i in photo_ids} | {LISTS}


def raise_versions(session: Session) -> None:
    """before_commit: flush what is left, then raise the version of every scope the transaction touched."""
    if session.info.get(_SCOPES) is None and not (session.new or session.dirty or session.deleted):
        return
    session.flush()
    scopes = session.info.pop(_SCOPES, None)
    if scopes:
        bump(session.connection(), scopes)


def forget(session: Session, *_args: Any) -> None:
    """after_rollback: a rolled-back transaction changed nothing."""
    session.info.pop(_SCOPES, None)


_BUMP = text(
    "INSERT INTO page_version (scope, version) VALUES (:scope, 1) "
    "ON CONFLICT (scope) DO UPDATE SET version = page_version.version + 1"
)


def bump(connection: Connection, scopes: Iterable[str]) -> None:
    """Raise each scope's version by one (rows are made as needed), in sorted order."""
    for scope in sorted(set(scopes)):
        connection.execute(_BUMP, {"scope": scope})


def read(dbapi_connection: Any, scopes: tuple[str, ...], *, paramstyle: str) -> tuple[int, ...]:
    """The versions of ``scopes`` in that order, read on a DB-API connection whose driver takes
    ``paramstyle`` ("qmark" for sqlite3, "pyformat" or "format" for psycopg); 0 for a scope never raised."""
    marks = ", ".join(["?" if paramstyle == "qmark" else "%s"] * len(scopes))
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"SELECT scope, version FROM page_version WHERE scope IN ({marks})", scopes)  # noqa: S608
        found = dict(cursor.fetchall())
    finally:
        cursor.close()
    return tuple(int(found.get(scope, 0)) for scope in scopes)


def latest(connection: Connection) -> int:
    """The highest version of any scope (a backup restore moves ``site`` past it)."""
    return int(connection.scalar(select(PageVersion.version).order_by(PageVersion.version.desc()).limit(1)) or 0)


def end_every_page(connection: Connection, *, above: int = 0) -> int:
    """Move the ``site`` version past ``above`` and every version there is: every kept page ends,
    including any kept under versions a restored database had before. Returns the new version."""
    new = max(latest(connection), above) + 1
    connection.execute(text(
        "INSERT INTO page_version (scope, version) VALUES (:scope, :new) "
        "ON CONFLICT (scope) DO UPDATE SET version = :new"), {"scope": SITE, "new": new})
    return new
