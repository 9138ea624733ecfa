"""The search queue (photos whose index entry must be refreshed, written with the change itself), and the
PostgreSQL back end's tables."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Connection, Index, String, Text, event, func, literal_column
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from photoid.db import utcnow
from photoid.extensions import db


class SearchQueueEntry(db.Model):
    """One photo to re-index; rows are added in the changing transaction and removed once indexed.

    No foreign key: a deleted photo must still reach the index writer, to be removed.
    """

    __tablename__ = "search_queue"
    __table_args__ = (Index("ix_search_queue_photo_id", "photo_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    photo_id: Mapped[int]
    enqueued_at: Mapped[datetime] = mapped_column(default=utcnow)


#: PostgreSQL's full-text vector; plain text elsewhere (SQLite has the table, never uses it).
TSVECTOR_OR_TEXT = Text().with_variant(TSVECTOR(), "postgresql")

#: What the PostgreSQL back end needs besides its tables: the extensions, and a text search
#: configuration ``photoid`` that folds accents (``unaccent``) before stemming English words, so
#: "Müller" and "muller" are one word and ``ts_headline`` still shows "Müller" as written.
#: Run by the migration and before ``create_all`` makes these tables (idempotent).
POSTGRES_SETUP = (
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'photoid') THEN
            CREATE TEXT SEARCH CONFIGURATION photoid (COPY = english);
            ALTER TEXT SEARCH CONFIGURATION photoid
                ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;
        END IF;
    END $$""",
)


class SearchDocument(db.Model):
    """One public photo as the PostgreSQL search back end sees it (``PHOTOID_SEARCH=postgres``);
    written in the transaction that changed the photo (photoid/search/pg_index.py)."""

    __tablename__ = "search_document"
    __table_args__ = (Index("ix_search_document_document", "document", postgresql_using="gin"),)

    photo_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: Title (weight A), names (B), description and identifier (C), in the ``photoid`` configuration.
    document: Mapped[str] = mapped_column(TSVECTOR_OR_TEXT)
    title: Mapped[str] = mapped_column(Text)
    names: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    #: Facet keys joined by commas: "collection:1,decade:1940,unidentified:no".
    facets: Mapped[str] = mapped_column(Text)
    date_sort: Mapped[str] = mapped_column(String(10))
    identified_at: Mapped[str] = mapped_column(String(19))
    catalog_from: Mapped[int | None]
    catalog_to: Mapped[int | None]
    community_from: Mapped[int | None]
    community_to: Mapped[int | None]
    fingerprint: Mapped[str] = mapped_column(String(40))


def facet_array(facets: ColumnElement[str]) -> ColumnElement[list[str]]:
    """``string_to_array(facets, ',')``: the facet filter's expression and its index's, which must be the
    same letter for letter (the separator written in the SQL, not a bound parameter) for the index to be used."""
    return func.string_to_array(facets, literal_column("','"))


#: The facet filter (``pg_querying._filter``: ``facet_array(facets) @> ARRAY[...]``) reads this index
#: instead of every row. PostgreSQL only: SQLite has no ``string_to_array`` and never searches this table.
Index("ix_search_document_facets", facet_array(SearchDocument.facets), postgresql_using="gin").ddl_if(dialect="postgresql")


class SearchWord(db.Model):
    """Every word (lower case, accents folded) a document has held: "did you mean" looks here by trigram
    similarity. A suggestion is offered only when some document still has it; the words no document has
    any more are pruned by ``photoid reindex`` and ``photoid purge`` (``pg_index.prune_words``)."""

    __tablename__ = "search_word"
    __table_args__ = (Index("ix_search_word_trigram", "word", postgresql_using="gin",
                            postgresql_ops={"word": "gin_trgm_ops"}),)

    word: Mapped[str] = mapped_column(String(100), primary_key=True)


def _setup_postgres(_table: object, connection: Connection, **_kw: object) -> None:
    if connection.dialect.name == "postgresql":
        for statement in POSTGRES_SETUP:
            connection.exec_driver_sql(statement)


event.listen(SearchDocument.__table__, "before_create", _setup_postgres)
event.listen(SearchWord.__table__, "before_create", _setup_postgres)
