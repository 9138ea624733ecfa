"""PostgreSQL's own client tools for ``photoid backup`` and ``photoid restore``: pg_dump and pg_restore.

They connect exactly as the site does: the same libpq connection string psycopg is given for
``PHOTOID_DATABASE_URL``, with the password moved to ``PGPASSWORD`` in the tool's environment, so
no secret ever appears on a command line (where ``ps`` shows it to every user of the machine).

pg_dump refuses a server newer than itself, and pg_restore an archive from a newer pg_dump, so
both are checked first and the message names the Debian package to install.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine


class ClientError(Exception):
    """A PostgreSQL client tool is missing, too old, or failed; the message says what to do."""


@dataclass(frozen=True)
class Tool:
    """A client tool found on PATH, with its major version (15 for ``pg_dump (PostgreSQL) 15.20``)."""

    path: str
    version: str
    major: int


def server_major(engine: Engine) -> int | None:
    """The server's major version, or None when it cannot be reached."""
    try:
        with engine.connect() as connection:
            return int(connection.scalar(text("SHOW server_version_num"))) // 10000
    except Exception:  # unreachable: the tool's own error will say why, if it is run at all
        return None


def _install_hint(major: int | None) -> str:
    package = f"postgresql-client-{major}" if major else "postgresql-client"
    return (f"Install PostgreSQL's client tools{f' for version {major}' if major else ''} "
            f"(Debian and Ubuntu: `apt install {package}`, from apt.postgresql.org when your release lacks it).")


def find_tool(name: str, *, at_least: int | None) -> Tool:
    """The tool ``name`` on PATH at version ``at_least`` or newer. Raises ClientError when it is
    missing or older, saying what to install."""
    path = shutil.which(name)
    if path is None:
        raise ClientError(f"{name} was not found on PATH, so the PostgreSQL database cannot be "
                          f"{'backed up' if name == 'pg_dump' else 'restored'}. {_install_hint(at_least)}")
    shown = subprocess.run([path, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    found = re.search(r"\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?", shown)
    if found is None:
        raise ClientError(f"{path} did not say which PostgreSQL version it is ({shown!r}). {_install_hint(at_least)}")
    tool = Tool(path=path, version=shown, major=int(found.group(1)))
    if at_least is not None and tool.major < at_least:
        raise ClientError(f"{path} is version {tool.major}, older than the {at_least} it must handle. {_install_hint(at_least)}")
    return tool


def connection(engine: Engine) -> tuple[str, dict[str, str]]:
    """The libpq connection string for the site's database without its password, and an
    environment for the tool in which ``PGPASSWORD`` carries the password (when the URL has one)."""
    from psycopg.conninfo import make_conninfo

    _args, params = engine.dialect.create_connect_args(engine.url)
    params = {key: value for key, value in params.items() if isinstance(value, (str, int)) and not isinstance(value, bool)}
    password = params.pop("password", None)
    env = dict(os.environ)
    if password:
        env["PGPASSWORD"] = str(password)
    return make_conninfo("", **params), env


def _run(argv: list[str], env: dict[str, str], *, what: str) -> None:
    result = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = " ".join(result.stderr.strip().splitlines()[-5:]) or f"exit status {result.returncode}"
        raise ClientError(f"{what} failed: {detail}")


def dump(engine: Engine, target: Path, *, tool: Tool) -> tuple[int, list[str]]:
    """Write the database to ``target`` with pg_dump (custom format) and return the number of
    photos and the checksums naming their folders, as the dump holds them.

    Both are read from one snapshot: this connection exports it and pg_dump imports it
    (``--snapshot``), so the photo list is exactly the dump's, however many writers carry on.
    Changes nothing in the database. Raises ClientError when pg_dump fails.
    """
    conninfo, env = connection(engine)
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
        snapshot = conn.scalar(text("SELECT pg_export_snapshot()"))  # held while this transaction lasts
        count = int(conn.scalar(text("SELECT count(*) FROM photo")))
        checksums = list(conn.scalars(text("SELECT DISTINCT source_checksum FROM photo ORDER BY 1")))
        _run([tool.path, "--format=custom", f"--snapshot={snapshot}", f"--file={target}", f"--dbname={conninfo}"],
             env, what="pg_dump")
    return count, checksums


def restore(engine: Engine, archive: Path, *, tool: Tool) -> None:
    """Replace the site's database with the dump ``archive``: pg_restore --clean --if-exists
    --no-owner, in one transaction, so a failure leaves the database as it was.
    Raises ClientError when pg_restore fails."""
    conninfo, env = connection(engine)
    engine.dispose()  # hold no connection while the tables are dropped and made again
    _run([tool.path, "--clean", "--if-exists", "--no-owner", "--single-transaction", f"--dbname={conninfo}", str(archive)],
         env, what="pg_restore (nothing was changed in the database: it runs in one transaction)")


def has_data(engine: Engine) -> bool:
    """Whether the database holds accounts, institutions or photos (an empty schema does not count)."""
    with engine.connect() as conn:
        return any(conn.scalar(text(f'SELECT EXISTS (SELECT 1 FROM "{table}")'))  # noqa: S608 - fixed names
                   for table in ("account", "photo", "institution") if engine.dialect.has_table(conn, table))


def describe(tool: Tool, server: int | None) -> dict[str, Any]:
    """What the manifest records about the tool and server that made a dump."""
    return {"client_version": tool.version, "client_major": tool.major, "server_major": server}
