"""``photoid backup`` and ``photoid restore``: the database and the uploaded photos, together.

A backup is a folder:

    DEST/manifest.json     written last: time, photoid version, photo count, checksums
    DEST/photoid.sqlite3   a consistent copy of the SQLite database (SQLite's online backup API)
    DEST/photoid.dump      PostgreSQL only, when the administrator ran the printed pg_dump command
    DEST/uploads/photos/…  each photo's folder: the original and its derived images

On SQLite the database is copied first, from a live connection, in one step: writers carry on
(WAL), and the copy is the database as it was at one moment. Then only the photo folders that copy
refers to are copied. Photo folders are put in place whole before a photo's row is committed and
never change afterwards (they are named by the original's checksum), so copying them after the
snapshot is consistent. Cached region crops are skipped: the site cuts them again when asked.

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
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url

from photoid.db import utcnow
from photoid.photos.storage import photo_prefix

MANIFEST = "manifest.json"
SQLITE_FILE = "photoid.sqlite3"
PG_DUMP_FILE = "photoid.dump"
UPLOADS = "uploads"
FORMAT = 1
#: Owner read and write only: for every database file (see the module's docstring).
PRIVATE = 0o600
#: Cached files inside a photo folder that the site makes again on demand.
_SKIP = shutil.ignore_patterns("regions", "*.tmp", ".*")
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
    from photoid.extensions import db

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


def _database_url() -> Any:
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


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


def _copy_photo_folders(checksums: list[str], source_root: Path, target_root: Path, *, verify: bool) -> tuple[int, list[str]]:
    """Copy each photo's folder; returns the number of files copied and the checksums found missing.

    With ``verify`` each copied original is hashed and must match its folder's name.
    Raises BackupError when an original does not match (a damaged file).
    """
    files, missing = 0, []
    for checksum in checksums:
        key = photo_prefix(checksum)
        source, target = source_root / key, target_root / key
        if not source.is_dir():
            missing.append(checksum)
            continue
        if target.is_dir():
            shutil.rmtree(target)
        shutil.copytree(source, target, ignore=_SKIP)
        files += sum(1 for p in target.rglob("*") if p.is_file())
        original = _original(target)
        if verify and original is not None and sha256_file(original) != checksum:
            raise BackupError(f"The original image in {source} is damaged: its checksum does not match. "
                              "Restore that photo from another copy, then run the backup again.")
    return files, missing


def _prepare_destination(dest: Path, *, allowed: frozenset[str] = frozenset()) -> None:
    if dest.exists() and not dest.is_dir():
        raise BackupError(f"{dest} is a file. Please give a new or empty folder for the backup.")
    if dest.is_dir() and any(p.name not in allowed for p in dest.iterdir()):
        raise BackupError(f"{dest} is not empty. Please give a new or empty folder, so no older backup is mixed in.")
    dest.mkdir(parents=True, exist_ok=True)


def _write_manifest(dest: Path, manifest: dict[str, Any]) -> None:
    partial = dest / (MANIFEST + ".part")
    partial.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    partial.replace(dest / MANIFEST)


def postgres_commands(url: Any, folder: Path) -> tuple[str, str]:
    """The pg_dump and pg_restore commands for this database (password hidden; libpq reads PGPASSWORD or ~/.pgpass)."""
    plain = URL.create("postgresql", username=url.username, host=url.host, port=url.port, database=url.database,
                       query=url.query).render_as_string(hide_password=False)
    dump = f"pg_dump --format=custom --no-owner --file '{folder / PG_DUMP_FILE}' '{plain}'"
    restore = f"pg_restore --clean --if-exists --no-owner --dbname '{plain}' '{folder / PG_DUMP_FILE}'"
    return dump, restore


# --- backup --------------------------------------------------------------------------------------

def backup(dest: Path, *, echo: Echo = lambda _m: None) -> Outcome:
    """Write a backup of the database and the uploaded photos into the new or empty folder ``dest``.

    SQLite: an online, consistent copy of the database, then the photo folders it refers to, then
    ``manifest.json``. PostgreSQL: prints the pg_dump command (a ``photoid.dump`` already in
    ``dest`` is included) and copies every stored photo folder. Changes nothing in the site.
    Raises BackupError for a non-empty destination, an in-memory database or a damaged original.
    """
    dest = Path(dest)
    url = _database_url()
    upload_root = Path(current_app.config["UPLOAD_DIR"])
    manifest: dict[str, Any] = {"format": FORMAT, "created_at": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
                                "photoid_version": _version(), "database": {"kind": url.get_backend_name()}}
    if url.get_backend_name() == "sqlite":
        _prepare_destination(dest)
        photo_count, checksums = _backup_sqlite(_sqlite_path(url), dest / SQLITE_FILE)
        manifest["database"].update(file=SQLITE_FILE, sha256=sha256_file(dest / SQLITE_FILE),
                                    bytes=(dest / SQLITE_FILE).stat().st_size)
        echo(f"Database copied: {photo_count} photo{'' if photo_count == 1 else 's'}.")
    else:
        _prepare_destination(dest, allowed=frozenset({PG_DUMP_FILE}))
        dump_cmd, _restore_cmd = postgres_commands(url, dest)
        dump = dest / PG_DUMP_FILE
        if dump.is_file():
            manifest["database"].update(file=PG_DUMP_FILE, sha256=sha256_file(dump), bytes=dump.stat().st_size)
            echo(f"Including the PostgreSQL dump {dump}.")
        else:
            echo("PostgreSQL: this command does not copy the database. Take a dump FIRST, then run "
                 "`photoid backup` again into the same folder:")
            echo(f"  {dump_cmd}")
        # Every photo folder in storage: a superset of those the dump (taken earlier) refers to.
        photos_dir = upload_root / "photos"
        checksums = sorted(p.name for p in photos_dir.glob("*/*") if p.is_dir()) if photos_dir.is_dir() else []
        photo_count = len(checksums)
    files, missing = _copy_photo_folders(checksums, upload_root, dest / UPLOADS, verify=True)
    for checksum in missing:
        echo(f"Warning: the files of the photo with checksum {checksum} are missing from {upload_root}.")
    # Each photo folder is named by the SHA-256 of its original, checked as it was copied.
    manifest.update(photos=photo_count, files=files, missing_photo_files=missing,
                    photo_checksums=[c for c in checksums if c not in missing])
    _write_manifest(dest, manifest)
    return Outcome(folder=dest, photos=photo_count, files=files, database=manifest["database"]["kind"])


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


# --- restore -------------------------------------------------------------------------------------

def read_manifest(src: Path) -> dict[str, Any]:
    """The backup's manifest. Raises BackupError when ``src`` is not a complete photoid backup."""
    path = Path(src) / MANIFEST
    if not path.is_file():
        raise BackupError(f"{src} is not a complete photoid backup: it has no {MANIFEST}.")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(f"The backup's {MANIFEST} cannot be read: {error}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"The backup in {src} was made by a different version of photoid and cannot be restored here.")
    return manifest


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


def restore(src: Path, *, force: bool = False, echo: Echo = lambda _m: None) -> Outcome:
    """Bring back a backup made by :func:`backup`: the database (SQLite) and the photo folders.

    Stop the site first. Replaces the SQLite database file (and removes its stale WAL files) and
    copies the photo folders into the upload folder; on PostgreSQL prints the pg_restore command.
    Raises BackupError when the backup is incomplete or damaged, when its database kind differs,
    or when the database already holds data and ``force`` is not set.
    """
    from photoid.extensions import db

    src = Path(src)
    manifest = read_manifest(src)
    url = _database_url()
    kind = url.get_backend_name()
    if manifest["database"].get("kind") != kind:
        raise BackupError(f"This backup holds a {manifest['database'].get('kind')} database, but the site uses {kind}.")
    database = manifest["database"]
    if database.get("file"):
        copied = src / database["file"]
        if not copied.is_file() or sha256_file(copied) != database.get("sha256"):
            raise BackupError(f"The database file in {src} is missing or damaged (its checksum does not match). Nothing was restored.")
    upload_root = Path(current_app.config["UPLOAD_DIR"])
    if kind == "sqlite":
        target = _sqlite_path(url)
        if _sqlite_has_data(target) and not force:
            raise BackupError(f"The database {target} already holds data. Nothing was restored. "
                              "To replace it with the backup, run the command again with --force.")
        db.engine.dispose()  # let go of the file before replacing it
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".restoring")
        create_private_file(partial)
        shutil.copyfile(src / SQLITE_FILE, partial)  # into the private file, which keeps its mode
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        os.replace(partial, target)
        echo(f"Database restored to {target}.")
    else:
        _dump, restore_cmd = postgres_commands(url, src)
        if database.get("file"):
            echo("PostgreSQL: restore the database with (it replaces what is there):")
            echo(f"  {restore_cmd}")
        else:
            echo("This backup has no PostgreSQL dump; restore the database from the dump you took with pg_dump.")
    checksums = sorted(manifest.get("photo_checksums", []))
    files, missing = _copy_photo_folders(checksums, src / UPLOADS, upload_root, verify=True)
    if missing:
        raise BackupError(f"The backup is missing the files of {len(missing)} photo(s); the database was restored, the files are incomplete.")
    echo(f"Photo files restored: {len(checksums)} folders ({files} files) into {upload_root}.")
    return Outcome(folder=src, photos=int(manifest.get("photos", len(checksums))), files=files, database=kind)
