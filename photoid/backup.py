"""``photoid backup`` and ``photoid restore``: the database and the uploaded photos, together.

A backup is a folder:

    DEST/photoid.sqlite3   SQLite: a consistent copy of the database (SQLite's online backup API)
    DEST/photoid.dump      PostgreSQL: pg_dump's custom-format archive, which photoid runs itself
    DEST/uploads/photos/…  each photo's folder: the original and its derived images
    DEST/manifest.json     written last, so it marks a complete backup: time, photoid version, photo
                           count, the database file (name, size, SHA-256) and each photo folder
                           (number of files, size, SHA-256 over its files)

The database is copied first, at one moment, while writers carry on: SQLite copies it from a live
connection in one step (WAL); on PostgreSQL this connection exports a snapshot and pg_dump reads
that same snapshot. Then only the photo folders that copy refers to are copied. Photo folders are
put in place whole before a photo's row is committed and never change afterwards (they are named by
the original's checksum), so copying them after the snapshot is consistent. Cached region crops are
skipped: the site cuts them again when asked. Without pg_dump a PostgreSQL backup stops before
writing anything: a folder without its database must never look complete.

A restore checks everything in the backup against its manifest before it changes anything, then
puts back, in this order, the database, the photo files and the search index (rebuilt from the
restored database), and moves the page versions on, which ends every kept public page.

The photo files are read, and put back, through the storage adapter (photos/storage.py), so a
backup works whatever holds them. The backup folder and the live SQLite file are not stored objects
but this module's own files on the local disk: it copies, renames and removes those itself.

The database holds email addresses, password hashes and feed tokens, so its copy in a backup, the
file a restore puts in place, and the live SQLite file the site creates are all readable and
writable by their owner only (mode 0600; SQLite gives its -wal and -shm files the same mode).
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import event, inspect, text
from sqlalchemy.engine import make_url

from photoid import backup_postgres as postgres
from photoid import page_versions
from photoid.db import utcnow
from photoid.extensions import db
from photoid.photos.storage import Storage, StorageError, current_storage, photo_prefix
from photoid.search.commands import rebuild as rebuild_search

MANIFEST = "manifest.json"
SQLITE_FILE = "photoid.sqlite3"
PG_DUMP_FILE = "photoid.dump"
UPLOADS = "uploads"
#: 2: PostgreSQL dumps made by photoid itself and a checksum for every photo folder. 1 is still read.
FORMAT = 2
READABLE_FORMATS = frozenset({1, 2})
#: Owner read and write only: for every database file (see the module's docstring).
PRIVATE = 0o600
Echo = Callable[[str], None]


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why and what to do."""


@dataclass
class Outcome:
    """What a backup or restore did, for the command to print."""

    folder: Path
    photos: int
    files: int
    database: str


# --- helpers -------------------------------------------------------------------------------------

def create_private_file(path: Path) -> None:
    """Make ``path`` an empty file only its owner may read and write (mode 0600), or, when it is
    already there, set that mode. Raises OSError when its folder is missing or not writable."""
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE))
    os.chmod(path, PRIVATE)


def keep_new_sqlite_file_private(app: Flask) -> None:
    """When the app's SQLite database file does not exist yet, the first connection (a page, or
    ``photoid db upgrade``) creates it with mode 0600 before SQLite opens it. An existing file
    keeps the mode it has (docs/operations.md says how to tighten it). Does nothing on PostgreSQL."""
    with app.app_context():
        engine = db.engine
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)

    @event.listens_for(engine, "do_connect")
    def _private_file(*_args: Any) -> None:
        if not path.exists() and path.parent.is_dir():
            create_private_file(path)


def _version() -> str:
    try:
        return metadata.version("photoid")
    except metadata.PackageNotFoundError:
        return "unknown"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _file_entry(folder: Path, name: str) -> dict[str, Any]:
    path = folder / name
    return {"file": name, "bytes": path.stat().st_size, "sha256": sha256_file(path)}


def _is_cached(name: str) -> bool:
    """Whether a file inside a photo folder (``name`` relative to it) is one the site makes again on
    demand (a cut crop under ``regions/``) or was being written, and stays out of a backup."""
    return any(part == "regions" or part.endswith(".tmp") or part.startswith(".") for part in name.split("/"))


def _folder_entry(folder: Path) -> dict[str, Any]:
    """A photo folder's files summed up: their number, total size, and one SHA-256 over each
    file's path, size and SHA-256 (one line a photo in the manifest, however many tiles it has)."""
    digest, files, size = hashlib.sha256(), 0, 0
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        stat = path.stat()
        digest.update(f"{path.relative_to(folder).as_posix()}\0{stat.st_size}\0{sha256_file(path)}\n".encode())
        files, size = files + 1, size + stat.st_size
    return {"files": files, "bytes": size, "sha256": digest.hexdigest()}


def _database_url() -> Any:
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _engine() -> Any:
    return db.engine


def _sqlite_path(url: Any) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("The database is held in memory only, so there is nothing to back up.")
    return Path(url.database)


def _photos(connection: sqlite3.Connection) -> tuple[int, list[str]]:
    """How many photos the database holds, and the checksums naming their folders."""
    count = connection.execute("SELECT count(*) FROM photo").fetchone()[0]
    return count, [row[0] for row in connection.execute("SELECT DISTINCT source_checksum FROM photo ORDER BY 1")]


def _original(folder: Path) -> Path | None:
    return next(iter(sorted(folder.glob("original.*"))), None)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _prepare_destination(dest: Path) -> None:
    if dest.exists() and not dest.is_dir():
        raise BackupError(f"{dest} is a file. Please give a new or empty folder for the backup.")
    if dest.is_dir() and any(dest.iterdir()):
        raise BackupError(f"{dest} is not empty. Please give a new or empty folder, so no older backup is mixed in.")
    dest.mkdir(parents=True, exist_ok=True)


def _write_manifest(dest: Path, manifest: dict[str, Any]) -> None:
    partial = dest / (MANIFEST + ".part")
    partial.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    partial.replace(dest / MANIFEST)


# --- backup --------------------------------------------------------------------------------------

def backup(dest: Path, *, echo: Echo = lambda _m: None) -> Outcome:
    """Write a backup of the database and the uploaded photos into the new or empty folder ``dest``.

    The database first (SQLite: an online, consistent copy; PostgreSQL: pg_dump of one snapshot),
    then the photo folders it refers to, then ``manifest.json``. Changes nothing in the site.
    Raises BackupError, having written no manifest, for a non-empty destination, an in-memory
    database, pg_dump missing, older than the server or failing, or a damaged original.
    """
    dest = Path(dest)
    url = _database_url()
    kind = url.get_backend_name()
    store = current_storage()
    manifest: dict[str, Any] = {"format": FORMAT, "created_at": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
                                "photoid_version": _version(), "database": {"kind": kind}}
    if kind == "sqlite":
        _prepare_destination(dest)
        photo_count, checksums = _backup_sqlite(_sqlite_path(url), dest / SQLITE_FILE)
        manifest["database"].update(_file_entry(dest, SQLITE_FILE))
        echo(f"Database copied: {_plural(photo_count, 'photo')}.")
    else:
        photo_count, checksums = _backup_postgresql(dest, manifest["database"], echo=echo)
    folders, missing = _copy_photo_folders(checksums, store, dest / UPLOADS)
    for checksum in missing:
        echo(f"Warning: the files of the photo with checksum {checksum} are missing from {store}.")
    # Each photo folder is named by the SHA-256 of its original, checked as it was copied.
    manifest.update(photos=photo_count, files=sum(f["files"] for f in folders.values()), missing_photo_files=missing,
                    photo_checksums=sorted(folders), photo_folders=folders)
    _write_manifest(dest, manifest)
    return Outcome(folder=dest, photos=photo_count, files=manifest["files"], database=kind)


def _backup_sqlite(source_path: Path, target_path: Path) -> tuple[int, list[str]]:
    """Copy the live database in one step of SQLite's backup API; returns what :func:`_photos` finds in the copy."""
    if not source_path.is_file():
        raise BackupError(f"There is no database at {source_path}. Run `photoid db upgrade` first.")
    source = sqlite3.connect(source_path, timeout=30)
    create_private_file(target_path)  # before SQLite writes a page of it
    target = sqlite3.connect(target_path)
    try:
        source.execute("PRAGMA busy_timeout=30000")
        source.backup(target)  # pages=-1: all at once, one read transaction, so one moment in time
        target.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        result = target.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise BackupError(f"The copied database failed SQLite's integrity check: {result}")
        return _photos(target)
    finally:
        target.close()
        source.close()


def _backup_postgresql(dest: Path, entry: dict[str, Any], *, echo: Echo) -> tuple[int, list[str]]:
    """pg_dump the database into ``dest`` (checked for first: nothing is written without it) and
    fill the manifest's database ``entry``; returns the dump's photo count and checksums."""
    engine = _engine()
    server = postgres.server_major(engine)
    try:
        tool = postgres.find_tool("pg_dump", at_least=server)
    except postgres.ClientError as error:
        raise BackupError(f"{error} No backup was written.") from None
    _prepare_destination(dest)
    target = dest / PG_DUMP_FILE
    create_private_file(target)  # pg_dump writes into it and the mode stays
    try:
        photo_count, checksums = postgres.dump(engine, target, tool=tool)
    except postgres.ClientError as error:
        target.unlink(missing_ok=True)
        raise BackupError(f"{error} No backup was written.") from None
    entry.update(_file_entry(dest, PG_DUMP_FILE), **postgres.describe(tool, server))
    echo(f"Database dumped with {tool.version} (server version {server}): {_plural(photo_count, 'photo')}, "
         f"{entry['bytes']:,} bytes.")
    return photo_count, checksums


def _copy_photo_folders(checksums: list[str], store: Storage, target_root: Path) -> tuple[dict[str, Any], list[str]]:
    """Copy each photo's stored files into a backup; returns each copied folder's manifest entry and
    the checksums whose files are missing. Raises BackupError when an original does not match its
    folder's name (a damaged file)."""
    folders: dict[str, Any] = {}
    missing = []
    for checksum in checksums:
        key = photo_prefix(checksum)
        target = target_root / key
        names = [name for name in (k[len(key) + 1:] for k in store.keys(key)) if not _is_cached(name)]
        if not names:
            missing.append(checksum)
            continue
        for name in names:
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            with store.open(f"{key}/{name}") as stored, (target / name).open("wb") as copy:
                shutil.copyfileobj(stored, copy)
        original = _original(target)
        if original is not None and sha256_file(original) != checksum:
            raise BackupError(f"The original image in {store}/{key} is damaged: its checksum does not match. "
                              "Restore that photo from another copy, then run the backup again.")
        folders[checksum] = _folder_entry(target)
    return folders, missing


# --- restore -------------------------------------------------------------------------------------

def read_manifest(src: Path) -> dict[str, Any]:
    """The backup's manifest. Raises BackupError when ``src`` is not a complete photoid backup."""
    path = Path(src) / MANIFEST
    if not path.is_file():
        raise BackupError(f"{src} is not a complete photoid backup: it has no {MANIFEST}. Nothing was restored.")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(f"The backup's {MANIFEST} cannot be read: {error}. Nothing was restored.") from None
    if not isinstance(manifest, dict) or manifest.get("format") not in READABLE_FORMATS:
        raise BackupError(f"The backup in {src} was made by a different version of photoid and cannot be restored here.")
    return manifest


def check_backup(src: Path, manifest: dict[str, Any]) -> None:
    """Compare every file the manifest lists with the backup: the database file and each photo
    folder (its original's checksum, and for format 2 its files). Reads only. Raises BackupError
    naming the first file that is missing or differs."""
    database = manifest["database"]
    if not database.get("file"):
        raise BackupError(f"The backup in {src} holds no database (a PostgreSQL backup made before photoid ran "
                          "pg_dump itself). Nothing was restored.")
    copied = src / database["file"]
    if not copied.is_file() or sha256_file(copied) != database.get("sha256"):
        raise BackupError(f"The database file {copied} is missing or damaged (its checksum does not match the "
                          "manifest). Nothing was restored.")
    folders = manifest.get("photo_folders")
    for checksum in manifest.get("photo_checksums", []):
        folder = src / UPLOADS / photo_prefix(checksum)
        original = _original(folder) if folder.is_dir() else None
        damaged = original is None or sha256_file(original) != checksum
        if not damaged and folders is not None:
            damaged = _folder_entry(folder) != folders.get(checksum)
        if damaged:
            raise BackupError(f"The files in {folder} are missing or damaged (they do not match the manifest). "
                              "Nothing was restored.")


def _sqlite_has_data(path: Path) -> bool:
    if not path.is_file() or path.stat().st_size == 0:
        return False
    connection = sqlite3.connect(path, timeout=30)
    try:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        return any(connection.execute(f'SELECT 1 FROM "{t}" LIMIT 1').fetchone()  # noqa: S608 - names from sqlite_master
                   for t in ("account", "photo", "institution") if t in tables)
    finally:
        connection.close()


def _page_version(engine: Any) -> int | None:
    """The highest version of kept public pages (see photoid/page_versions.py), or None before there is one."""
    with engine.connect() as conn:
        if not inspect(conn).has_table(page_versions.PageVersion.__tablename__):
            return None
        return page_versions.latest(conn)


def _end_kept_pages(engine: Any, before: int | None) -> tuple[int, int] | None:
    """Move the restored database's page versions past both its own and the ones the site had
    before the restore. Kept public pages are keyed by those versions, and the restored ones may be
    versions workers (or Redis) already kept pages under, showing the data since replaced. Returns
    (restored, new) versions, or None when the database has none yet (an older backup:
    ``photoid db upgrade`` adds them)."""
    with engine.begin() as conn:
        if not inspect(conn).has_table(page_versions.PageVersion.__tablename__):
            return None
        restored = page_versions.latest(conn)
        new = page_versions.end_every_page(conn, above=before or 0)
    return restored, new


def restore(src: Path, *, force: bool = False, echo: Echo = lambda _m: None) -> Outcome:
    """Bring back a backup made by :func:`backup`. Stop the site first.

    Checks the whole backup against its manifest, then replaces, in this order and saying so:
    the database (the SQLite file, removing its stale WAL files, or pg_restore into the configured
    PostgreSQL database), the photo folders in the upload folder, and the search index (rebuilt
    from the restored database); it moves the page versions on, so no kept public page outlives it.
    Raises BackupError, having changed nothing, when the backup is incomplete or damaged, its
    database kind differs, pg_restore is missing or too old, or the database already holds data
    and ``force`` is not set.
    """
    src = Path(src)
    manifest = read_manifest(src)
    url = _database_url()
    kind = url.get_backend_name()
    if manifest["database"].get("kind") != kind:
        raise BackupError(f"This backup holds a {manifest['database'].get('kind')} database, but the site uses {kind}. "
                          "Nothing was restored.")
    check_backup(src, manifest)
    engine = _engine()
    store = current_storage()
    if kind == "sqlite":
        target = _sqlite_path(url)
        has_data, where = _sqlite_has_data(target), str(target)
        before = _page_version(engine) if target.is_file() else None
    else:
        try:
            tool = postgres.find_tool("pg_restore", at_least=manifest["database"].get("client_major"))
        except postgres.ClientError as error:
            raise BackupError(f"{error} Nothing was restored.") from None
        has_data, where = postgres.has_data(engine), f"{url.database} on {url.host or 'the local server'}"
        before = _page_version(engine)
    if has_data and not force:
        raise BackupError(f"The database {where} already holds data. Nothing was restored. "
                          "To replace it with the backup, run the command again with --force.")
    echo(f"The backup in {src} matches its manifest ({_plural(int(manifest.get('photos', 0)), 'photo')}, "
         f"made {manifest.get('created_at', 'at an unknown time')}). Restoring 1. the database, 2. the photo files, "
         "3. the search index.")

    if kind == "sqlite":
        engine.dispose()  # let go of the file before replacing it
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".restoring")
        create_private_file(partial)
        shutil.copyfile(src / SQLITE_FILE, partial)  # into the private file, which keeps its mode
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        os.replace(partial, target)
    else:
        try:
            postgres.restore(engine, src / PG_DUMP_FILE, tool=tool)
        except postgres.ClientError as error:
            raise BackupError(str(error)) from None
    echo(f"1. Database restored into {where}.")
    versions = _end_kept_pages(engine, before)
    if versions is not None:
        echo(f"   Kept public pages end with the page version, which is now {versions[1]} "
             f"(it was {before if before is not None else 'unset'} before, {versions[0]} in the backup).")

    checksums = sorted(manifest.get("photo_checksums", []))
    try:
        for checksum in checksums:
            key = photo_prefix(checksum)
            store.delete_prefix(key)
            store.put_folder(key, src / UPLOADS / key)
    except (OSError, StorageError) as error:
        raise BackupError(f"The database was restored, but copying the photo files into {store} failed: {error}. "
                          "Fix that, then run the restore again with --force.") from None
    files = sum(len(store.keys(photo_prefix(checksum))) for checksum in checksums)
    echo(f"2. Photo files restored: {_plural(len(checksums), 'folder')} ({_plural(files, 'file')}) into {store}.")

    try:
        indexed = rebuild_search(current_app._get_current_object())  # type: ignore[attr-defined]
    except Exception as error:  # whatever the index or its folder raise: the rest is done, say so
        raise BackupError(f"The database and the photo files were restored, but the search index could not be "
                          f"rebuilt: {error}. Fix that, then run `photoid reindex`.") from None
    echo(f"3. Search index rebuilt from the restored database: {_plural(indexed, 'public photo')}.")
    with engine.connect() as conn:
        photos = int(conn.scalar(text("SELECT count(*) FROM photo")))
    return Outcome(folder=src, photos=photos, files=files, database=kind)
