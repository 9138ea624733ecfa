"""The index follows the database: queued in the same transaction, drained after commit by one writer."""
from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, insert, select, text

from photoid.contributions.models import Identification
from photoid.extensions import db
from photoid.moderation import service as moderation
from photoid.photos.models import Photo
from photoid.search import index, querying, queue
from photoid.search.documents import all_documents
from photoid.search.models import SearchQueueEntry
from photoid.search.queries import reader
from tests.factories import make_authority, make_collection, make_identification, make_photo, make_user

ROOT = Path(__file__).resolve().parents[2]


def found(app: Flask, words: str) -> list[int]:
    return sorted(hit.photo_id for hit in querying.search(reader(app), words, per_page=100).hits)


def indexed_facts(app: Flask) -> dict[int, list[str]]:
    """What the index holds: photo id -> approved names, read back from the stored fields."""
    searcher = reader(app).searcher()
    return {int(s["photo_id"]): sorted(n for n in s["names"].split(" · ") if n) for s in searcher.all_stored_fields()}


def database_facts(app: Flask) -> dict[int, list[str]]:
    with app.app_context():
        return {d.photo_id: sorted(d.names) for d in all_documents(db.session)}


def test_approving_a_name_makes_the_photo_findable_by_it_and_pending_or_rejected_names_never(app) -> None:
    photo = make_photo(title="Two men on a pier")
    archivist = make_user(role="archivist", institutions=[photo.institution])
    person = make_authority(kind="person", heading="Müller, Anna, 1902-1988", variants=("Anna Mueller",))
    waiting = make_identification(photo=photo, kind="person", authority=person)
    refused = make_identification(photo=photo, kind="person", text_value="Zebedee Quartermain")
    db.session.commit()
    queue.reindex(app, procs=1)
    assert found(app, "muller") == []

    moderation.reject(refused, moderator=archivist, reason="Not in this photo")
    assert found(app, "quartermain") == []
    moderation.approve(waiting, moderator=archivist)  # commits; the commit drains the queue
    assert found(app, "muller") == [photo.id]
    assert found(app, "mueller") == [photo.id]  # a variant of the heading
    assert found(app, "quartermain") == []
    assert db.session.scalar(select(func.count()).select_from(SearchQueueEntry)) == 0


def test_a_suggestion_awaiting_review_leaves_the_index_unwritten_until_it_is_approved(app) -> None:
    # A commit of the index was most of the time a patron's identify form took; a suggestion
    # without a box changes nothing the index holds, so nothing is written until it is approved.
    photo = make_photo(title="Two men on a pier")
    archivist = make_user(role="archivist", institutions=[photo.institution])
    db.session.commit()
    queue.reindex(app, procs=1)

    def generation() -> int:
        return index.index.open_dir(str(index.current_path(app.config["INDEX_DIR"]).resolve())).latest_generation()

    before = generation()
    waiting = make_identification(photo=photo, kind="person", text_value="Zebedee Quartermain")
    db.session.commit()  # the commit drains the queue
    assert generation() == before and found(app, "quartermain") == []
    assert db.session.scalar(select(func.count()).select_from(SearchQueueEntry)) == 0

    moderation.approve(waiting, moderator=archivist)
    assert generation() > before and found(app, "quartermain") == [photo.id]


def test_editing_a_heading_reindexes_every_photo_that_shows_it(app) -> None:
    person = make_authority(kind="person", heading="Smith, John")
    photos = [make_photo() for _ in range(2)]
    for photo in photos:
        make_identification(photo=photo, kind="person", authority=person, state="approved")
    db.session.commit()
    queue.reindex(app, procs=1)
    person.set_heading("Smythe, Johann")
    db.session.commit()
    assert found(app, "johann") == sorted(p.id for p in photos)


def test_withdrawing_a_collection_removes_its_photos(app) -> None:
    collection = make_collection()
    photo = make_photo(collection=collection, title="Harbour at dawn")
    db.session.commit()
    queue.reindex(app, procs=1)
    assert found(app, "harbour") == [photo.id]
    collection.is_published = False
    db.session.commit()
    assert found(app, "harbour") == []


def test_the_site_writer_skips_when_another_process_holds_the_lock_and_the_queue_waits(app) -> None:
    photo = make_photo(title="Harbour at dawn")
    db.session.commit()
    queue.reindex(app, procs=1)
    with queue.writer_lock(app.config["INDEX_DIR"], wait=True):
        photo.title = "Harbour at dusk"
        db.session.commit()
        assert found(app, "dusk") == []  # not indexed yet, and the commit did not wait
    assert db.session.scalar(select(func.count()).select_from(SearchQueueEntry)) == 1
    queue.drain(app)
    assert found(app, "dusk") == [photo.id]


def test_reindex_check_reports_and_fixes_entries_that_differ_from_the_database(app) -> None:
    kept, changed, gone = (make_photo(title=f"Photo of {w}") for w in ("boats", "carts", "trains"))
    db.session.commit()
    queue.reindex(app, procs=1)
    # Changes behind the ORM's back (as a restore or a manual fix would): nothing is queued.
    db.session.execute(text("UPDATE photo SET title = 'Photo of wagons' WHERE id = :id"), {"id": changed.id})
    db.session.execute(text("UPDATE photo SET is_published = :no WHERE id = :id"), {"id": gone.id, "no": False})
    db.session.commit()
    report = queue.check(app)
    assert report.stale == [changed.id] and report.extra == [gone.id] and report.missing == []
    assert found(app, "wagons") == [changed.id] and found(app, "trains") == []
    assert queue.check(app).problems == 0
    assert found(app, "boats") == [kept.id]


# --------------------------------------------------------------------------- several processes

def _worker(database_url: str, tmp: str, photo_ids: list[int], archivist_id: int, patron_id: int, n: int) -> None:
    from config import TestConfig
    from photoid import create_app
    from photoid.accounts.models import User

    config = TestConfig(tmp_path=Path(tmp), database_url_=database_url)
    app = create_app(config)
    with app.app_context():
        archivist = db.session.get(User, archivist_id)
        patron = db.session.get(User, patron_id)
        for i in range(8):
            photo_id = photo_ids[(n + i) % len(photo_ids)]
            fact = Identification(photo_id=photo_id, kind="keyword", text_value=f"worker{n} item{i}",
                                  contributor=patron, state="pending")
            db.session.add(fact)
            db.session.commit()  # a contribution, drained (or left to the lock holder) after commit
            if i % 3 != 2:
                moderation.approve(fact, moderator=archivist)
        db.engine.dispose()


@pytest.mark.skipif(sys.platform != "linux", reason="fcntl locks and spawn on Linux")
def test_several_processes_saving_and_approving_at_once_leave_the_index_equal_to_the_database(
    app, database_url: str, tmp_path: Path
) -> None:
    collection = make_collection()
    photos = [make_photo(collection=collection, title=f"Crowd {i}") for i in range(4)]
    archivist = make_user(role="archivist", institutions=[photos[0].institution])
    patron = make_user()
    db.session.commit()
    queue.reindex(app, procs=1)
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_worker, args=(database_url, str(tmp_path), [p.id for p in photos],
                                                 archivist.id, patron.id, n)) for n in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    assert [w.exitcode for w in workers] == [0, 0, 0]
    queue.drain(app, wait=True)
    db.session.expire_all()
    approved = db.session.scalar(select(func.count()).where(Identification.state == "approved"))
    assert approved == 3 * 6
    assert indexed_facts(app) == database_facts(app)
    assert sum(len(names) for names in indexed_facts(app).values()) == approved


def test_a_reindex_killed_half_way_leaves_the_old_index_answering(app, database_url: str, tmp_path: Path) -> None:
    if database_url.startswith("postgresql"):
        pytest.skip("the bulk insert below is written for the SQLite test database")
    photo = make_photo(title="Harbour at dawn")
    db.session.commit()
    queue.reindex(app, procs=1)
    before = os.path.realpath(index.current_path(app.config["INDEX_DIR"]))
    base = {c: getattr(photo, c) for c in ("collection_id", "institution_id", "width", "height", "source_format",
                                           "source_size")}
    db.session.execute(insert(Photo), [
        {**base, "identifier": f"BULK-{i}", "title": f"Bulk photo {i}", "description": "word " * 60,
         "source_checksum": f"{i:064d}"} for i in range(6000)
    ])
    db.session.commit()
    env = {**os.environ, "PHOTOID_DATABASE_URL": database_url, "PHOTOID_INDEX_DIR": str(app.config["INDEX_DIR"]),
           "PHOTOID_INSTANCE_DIR": str(tmp_path / "instance"), "PHOTOID_UPLOAD_DIR": str(tmp_path / "uploads")}
    process = subprocess.Popen([str(Path(sys.executable).parent / "photoid"), "reindex", "--procs", "1"], env=env,
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    root = Path(app.config["INDEX_DIR"])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(p.resolve() != Path(before) for p in root.glob("build-*")):
        time.sleep(0.05)
    time.sleep(0.5)  # well inside the build of 6,000 photos
    os.kill(process.pid, signal.SIGKILL)
    process.wait(10)
    assert os.path.realpath(index.current_path(root)) == before
    assert found(app, "harbour") == [photo.id]
    queue.reindex(app, procs=1)  # the next rebuild cleans up the half-written folder
    assert found(app, "bulk") and len(list(root.glob("build-*"))) == 2


def test_reindex_check_also_empties_the_queue_a_killed_drain_left_behind(app) -> None:
    """After a SIGKILL during a burst of approvals one queue row stayed; --check fixed the index but
    left the row, so every later drain indexed that photo again."""
    photo = make_photo(title="Photo of boats")
    db.session.commit()
    queue.reindex(app, procs=1)
    # A change committed with its queue row, and the worker killed before draining it.
    db.session.execute(text("UPDATE photo SET title = 'Photo of wagons' WHERE id = :id"), {"id": photo.id})
    db.session.execute(insert(SearchQueueEntry).values(photo_id=photo.id))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["reindex", "--check"])
    assert result.exit_code == 0, result.output
    assert "Fixed 1 photo(s)." in result.output and "Emptied the queue of 1 change(s)" in result.output
    assert found(app, "wagons") == [photo.id]
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(SearchQueueEntry)) == 0


def test_an_index_built_by_an_older_release_is_rebuilt_by_the_upgrade(app, monkeypatch: pytest.MonkeyPatch) -> None:
    # An index without the year fields (built before years were searchable) would match years only as
    # words until someone remembered `photoid reindex`; `photoid db upgrade` (which calls this) rebuilds it.
    from whoosh import fields as whoosh_fields

    from photoid.search.commands import ensure_index

    make_photo(collection=make_collection(), title="Parade on Main Street", date_edtf="1925")
    db.session.commit()
    full = index.schema()
    older = whoosh_fields.Schema(**{name: full[name] for name in full.names() if not name.endswith(("_from", "_to"))})
    monkeypatch.setattr(index, "schema", lambda: older)
    index.build(app.config["INDEX_DIR"], iter([]), procs=1)  # (documents of today would not fit it)
    monkeypatch.undo()
    assert index.missing_fields(app.config["INDEX_DIR"]) == ["catalog_from", "catalog_to", "community_from", "community_to"]

    said: list[str] = []
    ensure_index(rebuild=False, echo=said.append)
    assert said == ["Search index built: 1 photos (the old one lacked catalog_from, catalog_to, community_from, community_to)."]
    assert index.missing_fields(app.config["INDEX_DIR"]) == []
    ensure_index(rebuild=False, echo=said.append)  # up to date: nothing to do
    assert len(said) == 1


def test_an_index_that_reads_words_as_an_older_release_did_is_rebuilt_by_the_upgrade(app) -> None:
    # Before issue 23's phrase fix, single letters were not indexed and pairs ran from one name into the
    # next: such an index would answer "John F Kennedy" with nothing until `photoid reindex`.
    from photoid.search.commands import ensure_index

    photo = make_photo(collection=make_collection(), title="Father John F. Kennedy")
    db.session.commit()
    index.build(app.config["INDEX_DIR"], iter([]), procs=1)
    (index.current_path(app.config["INDEX_DIR"]).resolve() / index.ANALYSIS_FILE).unlink()  # as older releases built

    said: list[str] = []
    ensure_index(rebuild=False, echo=said.append)
    assert said == ["Search index built: 1 photos (the old one read words as an older release did)."]
    assert found(app, '"john f kennedy"') == [photo.id]
    ensure_index(rebuild=False, echo=said.append)  # up to date: nothing to do
    assert len(said) == 1
