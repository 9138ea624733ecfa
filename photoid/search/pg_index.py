"""The PostgreSQL search back end's writing side (``PHOTOID_SEARCH=postgres``): ``search_document`` rows
written in the same transaction as the change, so every server sees a change the moment it commits,
and nothing is kept on any server's disk.

The ``before_commit`` listener (registered in photoid/events.py) flushes, reads the ``search_queue``
rows the transaction wrote (``queue.enqueue_changed``), re-reads those photos' documents, upserts or
deletes their rows and deletes the queue rows: all inside the committing transaction. The photo rows
are locked first (``FOR NO KEY UPDATE``, in id order), so two transactions changing one photo write its
document one after the other, the second from what the first committed.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from flask import Flask, current_app, has_app_context
from sqlalchemy import ColumnElement, Connection, delete, exists, func, literal_column, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from photoid.extensions import db
from photoid.photos.models import Photo
from photoid.search.documents import all_documents, documents_for
from photoid.search.index import FACETS, PhotoDocument
from photoid.search.models import SearchDocument, SearchQueueEntry, SearchWord
from photoid.search.words import fold, searchable

#: The text search configuration made by the migration (see ``models.POSTGRES_SETUP``).
CONFIG = "photoid"
#: Put between two values (the title and the names, two names, the description and the identifier): a stop
#: word holds a place without being a lexeme, so a phrase never runs from one value into the next ("dawn
#: millbrook"; "main street" from the names "Anna Main" and "Street fair"), as in the Whoosh back end
#: (``analysis.VALUE``). The texts themselves reach ``to_tsvector`` without stop words (``words.searchable``).
_GAP = " the "
#: The texts ``document_vector`` is made from, in ``plain_values`` but not columns of ``search_document``.
VECTOR_TEXTS = ("title_words", "names_words", "body_words")
#: The weights as untyped literals, which PostgreSQL reads as its ``"char"`` (a bound parameter would be varchar).
_WEIGHT = {weight: literal_column(f"'{weight}'") for weight in "ABC"}
_ENQUEUED = "search_enqueued"  # queue._DIRTY: this transaction wrote search_queue rows


def is_enabled(app: Flask) -> bool:
    return app.config.get("SEARCH") == "postgres"


def facet_keys(doc: PhotoDocument) -> list[str]:
    keys = [f"collection:{doc.collection}", f"institution:{doc.institution}",
            f"unidentified:{'yes' if doc.unidentified else 'no'}"]
    keys += [f"{name}:{value}" for name in ("person", "place", "event", "decade") for value in getattr(doc, name)]
    return sorted({key for key in keys if key.split(":", 1)[1] not in ("", "None") and key.split(":")[0] in FACETS})


def document_vector(title: object, names: object, body: object) -> ColumnElement:
    """The weighted ``tsvector`` of a document from its ``VECTOR_TEXTS`` (values, or columns of a table being
    copied from): the title (weight A), the names (B), the description and identifier (C)."""
    return (func.setweight(func.to_tsvector(CONFIG, title), _WEIGHT["A"])
            .op("||")(func.setweight(func.to_tsvector(CONFIG, func.concat(_GAP, names)), _WEIGHT["B"]))
            .op("||")(func.setweight(func.to_tsvector(CONFIG, func.concat(_GAP, body)), _WEIGHT["C"])))


def plain_values(doc: PhotoDocument) -> dict[str, object]:
    """``doc``'s ``search_document`` row without its ``document``, plus the ``VECTOR_TEXTS`` it is made from:
    each value's words without stop words (``words.searchable``), values apart by ``_GAP``."""
    catalog = doc.catalog_years or (None, None)
    community = doc.community_years or (None, None)
    return {
        "photo_id": doc.photo_id, "title": doc.title, "names": " · ".join(doc.names),
        "description": doc.description, "title_words": searchable(doc.title),
        "names_words": _GAP.join(searchable(name) for name in doc.names),
        "body_words": f"{searchable(doc.description)}{_GAP}{searchable(doc.identifier)}",
        "facets": ",".join(facet_keys(doc)), "date_sort": doc.date_sort,
        "identified_at": doc.identified_at, "catalog_from": catalog[0], "catalog_to": catalog[1],
        "community_from": community[0], "community_to": community[1], "fingerprint": doc.fingerprint(),
    }


def _row(doc: PhotoDocument) -> dict[str, object]:
    row = plain_values(doc)
    row["document"] = document_vector(*(row.pop(name) for name in VECTOR_TEXTS))
    return row


def words_of(doc: PhotoDocument) -> set[str]:
    text = " ".join([doc.title, *doc.names, doc.description])
    return {fold(word) for word in re.findall(r"[^\W\d_]{3,100}", text)}


def apply(connection: Connection, *, upserts: Iterable[PhotoDocument] = (), removals: Iterable[int] = ()) -> int:
    """Upsert ``upserts`` and delete ``removals`` in ``search_document`` (and note new words), on
    ``connection``'s transaction; the caller commits. Returns the number of changes."""
    upserts, removals = list(upserts), sorted(set(removals))
    if removals:
        connection.execute(delete(SearchDocument).where(SearchDocument.photo_id.in_(removals)))
    for doc in upserts:
        row = _row(doc)
        statement = insert(SearchDocument).values(**row)
        connection.execute(statement.on_conflict_do_update(
            index_elements=["photo_id"], set_={name: statement.excluded[name] for name in row if name != "photo_id"},
            where=SearchDocument.fingerprint != statement.excluded.fingerprint,
        ))
    words = sorted(set().union(*(words_of(doc) for doc in upserts))) if upserts else []
    if words:
        connection.execute(insert(SearchWord).on_conflict_do_nothing(), [{"word": word} for word in words])
    return len(upserts) + len(removals)


def apply_queued(session: Session) -> None:
    """before_commit (registered in photoid/events.py): with ``PHOTOID_SEARCH=postgres``, index the photos
    this transaction queued, in this transaction. Changes ``search_document``, ``search_word`` and
    ``search_queue``; nothing is left for the after-commit drain."""
    if not has_app_context() or not is_enabled(current_app):
        return
    session.flush()  # commit flushes after before_commit: queue what is still pending now
    if not session.info.pop(_ENQUEUED, False):
        return
    connection = session.connection()
    rows = connection.execute(
        select(SearchQueueEntry.id, SearchQueueEntry.photo_id).order_by(SearchQueueEntry.id)
        .with_for_update(skip_locked=True)
    ).all()
    if not rows:
        return
    photo_ids = sorted({photo_id for _, photo_id in rows})
    connection.execute(select(Photo.id).where(Photo.id.in_(photo_ids)).order_by(Photo.id)
                       .with_for_update(key_share=True))
    docs = documents_for(session, photo_ids)
    apply(connection, upserts=docs.values(), removals=set(photo_ids) - docs.keys())
    connection.execute(delete(SearchQueueEntry).where(SearchQueueEntry.id.in_([row_id for row_id, _ in rows])))


def reindex(app: Flask) -> int:
    """Rewrite every ``search_document`` row and the ``search_word`` list from the database in one
    transaction (other servers keep reading the old rows until it commits) and empty the queue. Returns
    the number of photos indexed."""
    count = 0
    with app.app_context(), Session(db.engine) as session:
        session.info["search_drain"] = True
        connection = session.connection()
        connection.execute(delete(SearchDocument))
        connection.execute(delete(SearchWord))  # written again below from today's documents only
        batch: list[PhotoDocument] = []
        for doc in all_documents(session):
            batch.append(doc)
            if len(batch) >= 500:
                count += apply(connection, upserts=batch)
                batch = []
        count += apply(connection, upserts=batch)
        connection.execute(delete(SearchQueueEntry))
        session.commit()
    return count


def indexed_count(app: Flask) -> int:
    with app.app_context(), Session(db.engine) as session:
        return session.scalar(select(func.count()).select_from(SearchDocument)) or 0



def prune_words(app: Flask) -> int:
    """Delete the ``search_word`` rows no document holds any more (its photo deleted, withdrawn or
    retitled), so "did you mean" keeps to today's words and the table stops growing; run by
    ``photoid purge``. A word is kept while some document matches it, the test ``suggest`` applies
    before offering it, and stop words are kept as they are. Commits; returns the number removed."""
    query = func.plainto_tsquery(CONFIG, SearchWord.word)
    held = exists().where(SearchDocument.document.op("@@")(query))
    with app.app_context(), Session(db.engine) as session:
        removed = session.execute(delete(SearchWord).where(~or_(func.numnode(query) == 0, held))).rowcount
        session.commit()
    return removed or 0
