"""A throwaway PostgreSQL database for a benchmark run: created fresh on the given server, dropped after."""
from __future__ import annotations


def fresh_postgres(url: str, name: str) -> str:
    """Create (or recreate) database ``name`` on the server at ``url``; return its URL."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + "/" + name


def drop_postgres(url: str, name: str) -> None:
    """Drop database ``name`` on the server at ``url``, closing any connection left open to it."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
