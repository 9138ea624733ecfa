"""PostgreSQL search (``PHOTOID_SEARCH=postgres``) follows the database in the changing transaction: two
servers on one database answer alike at once, with no index folder (issue #23)."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import delete, func, insert, select, text

from photoid.extensions import db
from photoid.moderation import service as moderation
from photoid.photos.models import Photo
from photoid.search import pg_index, pg_querying, queries
from photoid.search.models import SearchDocument, SearchQueueEntry, SearchWord
from tests.conftest import make_test_app
from tests.factories import make_authority, make_collection, make_identification, make_photo, make_user
from tests.integration.test_search_backends import NOT_ON_POSTGRES, ON_POSTGRES

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason=NOT_ON_POSTGRES)


@pytest.fixture
def servers(app: Flask, database_url: str, tmp_path: Path) -> tuple[Flask, Flask]:
    """Two apps on the test database, each with folders of its own (``app`` empties the tables after)."""
    return (make_test_app(tmp_path / "a", database_url, SEARCH="postgres"),
            make_test_app(tmp_path / "b", database_url, SEARCH="postgres"))


def found(server: Flask, words: str) -> list[int]:
    with server.app_context():
        return sorted(hit.photo_id for hit in queries.search(server, words, per_page=100).hits)


def test_a_fact_approved_on_one_server_is_found_on_the_other_at_once(servers, tmp_path: Path) -> None:
    server_a, server_b = servers
    with server_a.app_context():
        photo = make_photo(title="Two men on a pier")
        archivist = make_user(role="archivist", institutions=[photo.institution])
        person = make_authority(kind="person", heading="Müller, Anna, 1902-1988", variants=("Anna Mueller",))
        waiting = make_identification(photo=photo, kind="person", authority=person)
        refused = make_identification(photo=photo, kind="person", text_value="Zebedee Quartermain")
        db.session.commit()
        photo_id = photo.id
        assert found(server_b, "pier") == [photo_id]
        assert found(server_b, "muller") == []  # awaiting review

        moderation.reject(refused, moderator=archivist, reason="Not in this photo")
        moderation.approve(waiting, moderator=archivist)
    assert found(server_b, "muller") == found(server_b, "mueller") == [photo_id]
    assert found(server_b, "quartermain") == []
    page = server_b.test_client().get("/search?q=mueller")
    assert page.status_code == 200 and "Two men on a pier" in page.get_data(as_text=True)
    with server_b.app_context():
        assert db.session.scalar(select(func.count()).select_from(SearchQueueEntry)) == 0
    assert not (tmp_path / "a" / "index").exists() and not (tmp_path / "b" / "index").exists()
    assert server_b.test_client().get("/healthz").get_json()["search"] == "ok"  # not "not built": no folder needed


def test_a_rolled_back_change_is_never_found(servers) -> None:
    server_a, server_b = servers
    with server_a.app_context():
        make_photo(title="Lighthouse keeper")
        db.session.flush()
        db.session.rollback()
    assert found(server_b, "lighthouse") == []


def test_withdrawing_a_collection_removes_its_photos_everywhere(servers) -> None:
    server_a, server_b = servers
    with server_a.app_context():
        collection = make_collection()
        photo = make_photo(collection=collection, title="Harbour at dawn")
        db.session.commit()
        assert found(server_b, "harbour") == [photo.id]
        collection.is_published = False
        db.session.commit()
    assert found(server_b, "harbour") == []


def test_reindex_rewrites_every_document_from_the_database(servers) -> None:
    server_a, server_b = servers
    with server_a.app_context():
        photo_id = make_photo(title="Harbour at dawn").id
        db.session.commit()
        db.session.execute(delete(SearchDocument))  # lost, or written before a change of the document's shape
        db.session.commit()
    assert found(server_b, "harbour") == []
    with server_a.app_context():  # the command runs in the current app's context (the ``app`` fixture's otherwise)
        result = server_a.test_cli_runner().invoke(args=["reindex"])
    assert result.exit_code == 0 and "rebuilt in PostgreSQL: 1 photos" in result.output
    assert found(server_b, "harbour") == [photo_id]


def test_two_servers_naming_one_photo_at_once_both_end_up_in_its_document(servers, monkeypatch) -> None:
    # Each transaction writes the photo's whole document; the second waits for the first's lock on the
    # photo and then reads what it committed, so neither name is lost. A pause after reading the
    # documents lets the other transaction read too, were it not waiting.
    server_a, server_b = servers
    read_documents = pg_index.documents_for

    def slow_read(*args, **kwargs):  # type: ignore[no-untyped-def]
        documents = read_documents(*args, **kwargs)
        time.sleep(0.5)
        return documents

    monkeypatch.setattr(pg_index, "documents_for", slow_read)
    with server_a.app_context():
        photo_id = make_photo(title="Picnic").id
        db.session.commit()
    barrier = threading.Barrier(2, timeout=20)
    errors: list[BaseException] = []

    def name_it(server: Flask, name: str) -> None:
        try:
            with server.app_context():
                make_identification(photo=db.session.get(Photo, photo_id), kind="person", text_value=name,
                                    state="approved")
                db.session.flush()
                barrier.wait()  # both have written; both commit now
                db.session.commit()
        except BaseException as error:  # noqa: BLE001  (reported by the test below)
            errors.append(error)

    threads = [threading.Thread(target=name_it, args=(server, name))
               for server, name in ((server_a, "Zebedee Quartermain"), (server_b, "Ottoline Fairweather"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert found(server_a, "quartermain fairweather") == found(server_b, "quartermain fairweather") == [photo_id]


def test_the_search_page_filters_sorts_and_pages_from_postgres(servers) -> None:
    server_a, server_b = servers
    with server_a.app_context():
        make_photo(title="Harbour in winter", date_edtf="1925")
        newer = make_photo(title="Harbour in summer", date_edtf="1948")
        make_photo(title="Harbour lights")
        db.session.commit()
        collection_id = newer.collection_id
    client = server_b.test_client()
    page = client.get("/search?q=harbour&sort=date").get_data(as_text=True)
    assert "3 photos found for “harbour”" in page
    assert page.index("Harbour in winter") < page.index("Harbour in summer") < page.index("Harbour lights")
    decade = client.get("/search?q=harbour&decade=1940").get_data(as_text=True)
    assert "Harbour in summer" in decade and "Harbour in winter" not in decade
    years = client.get("/search?q=harbour+1920s").get_data(as_text=True)
    assert "Harbour in winter" in years and "Harbour in summer" not in years
    filtered = client.get(f"/search?from_year=1940&collection={collection_id}").get_data(as_text=True)
    assert "1 photo found" in filtered and "Harbour in summer" in filtered
    assert client.get("/search?q=harbour&from_year=1950&to_year=1940").status_code == 400
    assert client.get("/search?q=harbour&page=9").status_code == 404


def _plan(session, statement) -> str:  # type: ignore[no-untyped-def]
    """PostgreSQL's plan for ``statement`` with its parameters bound as the app binds them."""
    compiled = statement.compile(dialect=db.engine.dialect)
    rows = session.connection().exec_driver_sql("EXPLAIN " + str(compiled), compiled.params).all()
    return "\n".join(row[0] for row in rows)


def test_a_facet_filter_reads_the_facet_index_instead_of_every_document(app: Flask) -> None:
    # 20,000 documents, one of them in collection 999: the filter must find it through
    # ix_search_document_facets (a Bitmap Index Scan), not by reading all 20,000 (a Seq Scan).
    with app.app_context():
        db.session.execute(text(
            "INSERT INTO search_document (photo_id, document, title, names, description, facets, date_sort,"
            " identified_at, fingerprint) SELECT n, to_tsvector('photoid', 'harbour ' || n), 'Harbour ' || n, '', '',"
            " 'collection:' || CASE WHEN n = 7 THEN 999 ELSE n % 20 END || ',institution:1,unidentified:no', '', '', ''"
            " FROM generate_series(1, 20000) AS n"))
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE search_document")  # as autovacuum would: moves GIN's pending list into the index
        where = pg_querying._filter({"collection": ["999"]})
        count_plan = _plan(db.session, select(func.count()).select_from(SearchDocument).where(where))
        page_plan = _plan(db.session, select(SearchDocument.photo_id).where(where)
                          .order_by(SearchDocument.photo_id).limit(24))
        results = pg_querying.search(db.session, "", filters={"collection": ["999"]})
    for plan in (count_plan, page_plan):
        assert "Index Scan on ix_search_document_facets" in plan and "Seq Scan" not in plan, plan
    assert [hit.photo_id for hit in results.hits] == [7] and results.total == 1


def _words(server: Flask) -> set[str]:
    with server.app_context():
        return set(db.session.scalars(select(SearchWord.word)))


def test_words_no_photo_holds_any_more_are_pruned_by_purge_and_reindex(servers) -> None:
    server_a, server_b = servers
    with server_a.app_context():
        gone = make_collection()
        make_photo(collection=gone, title="Lighthouse keeper Müller")
        make_photo(title="Harbour at dawn")
        db.session.commit()
        assert {"lighthouse", "keeper", "muller", "harbour", "dawn"} <= _words(server_a)
        gone.is_published = False  # its photos leave search; their words stayed in "did you mean"'s list
        db.session.commit()
        assert "lighthouse" in _words(server_a)

        result = server_a.test_cli_runner().invoke(args=["purge"])
        assert result.exit_code == 0, result.output
    assert "search_word: 3 words no photo holds any more removed" in result.output
    assert not {"lighthouse", "keeper", "muller"} & _words(server_b)
    assert {"harbour", "dawn"} <= _words(server_b)
    with server_b.app_context():
        assert queries.search(server_b, "harbuor").suggestion == "harbour"

        db.session.execute(insert(SearchWord).values(word="zebedee"))  # left by a document since rewritten
        db.session.commit()
        result = server_b.test_cli_runner().invoke(args=["reindex"])
    assert result.exit_code == 0, result.output
    assert "zebedee" not in _words(server_a) and {"harbour", "dawn"} <= _words(server_a)
