"""The migrations are the schema: upgrading an empty database gives exactly the models' tables."""
from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from config import TestConfig, database_url
from photoid import create_app
from photoid.extensions import db


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it: a new SQLite file, or a new PostgreSQL database next to the test one."""
    pg = os.environ.get("PHOTOID_TEST_DATABASE_URL")
    if not pg:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    url = make_url(database_url(pg))
    name = f"photoid_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_to_head_matches_models_and_downgrade_empties(empty_database: str, tmp_path: Path) -> None:
    app = create_app(TestConfig(tmp_path=tmp_path, database_url_=empty_database))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn, warnings.catch_warnings():
            # PostgreSQL-only expression indexes (ddl_if) are not made on SQLite, which could not read them back.
            warnings.filterwarnings("ignore", message=r"autogenerate skipping metadata-specified expression-based index "
                                    r"'ix_search_document_facets'; dialect 'sqlite'")
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        assert differences == [], f"models and migrations disagree: {differences}"
        assert set(inspect(db.engine).get_table_names()) >= {t.name for t in db.metadata.sorted_tables}

        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_authority_links_become_canonical_on_upgrade(empty_database: str, tmp_path: Path) -> None:
    """A Wikidata page link and its entity URI stored before the change end up as the same URI."""
    app = create_app(TestConfig(tmp_path=tmp_path, database_url_=empty_database))
    links = {1: "https://www.wikidata.org/wiki/Q42", 2: "http://www.wikidata.org/entity/Q42",
             3: "https://id.loc.gov/authorities/names/n79021164.html", 4: "http://sws.geonames.org/5165418",
             5: "https://viaf.org/viaf/102333412/", 6: None}
    with app.app_context():
        upgrade(revision="e3b8d5a1c947-1")  # the revision before the change
        with db.engine.begin() as conn:
            for id_, uri in links.items():
                conn.execute(text("INSERT INTO authority (id, kind, heading, heading_folded, description, authority_uri, "
                                  "status, created_at, modified_at) VALUES (:id, 'person', :h, :h, '', :uri, 'accepted', "
                                  "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"), {"id": id_, "h": f"Name {id_}", "uri": uri})
        upgrade(revision="e3b8d5a1c947")
        with db.engine.connect() as conn:
            stored = dict(conn.execute(text("SELECT id, authority_uri FROM authority")).all())
        db.engine.dispose()
    assert stored == {1: "http://www.wikidata.org/entity/Q42", 2: "http://www.wikidata.org/entity/Q42",
                      3: "http://id.loc.gov/authorities/names/n79021164", 4: "https://sws.geonames.org/5165418/",
                      5: "http://viaf.org/viaf/102333412", 6: None}
