"""Staff curate collections and catalog records: every change is audited, moves the OAI datestamp,
and reaches the search index; publication changes only through the services."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from photoid.extensions import db
from photoid.moderation.models import ModerationEvent
from photoid.photos import collections, service
from photoid.photos.collections import CollectionError, CollectionFields
from photoid.photos.models import Collection, Photo
from photoid.photos.service import PhotoError, PhotoFields
from photoid.photos.storage import photo_prefix
from photoid.search import querying, queue
from photoid.search.queries import reader
from tests.factories import (
    jpeg_bytes,
    make_collection,
    make_comment,
    make_identification,
    make_institution,
    make_photo,
    make_user,
)


def events(action: str) -> list[ModerationEvent]:
    return list(db.session.scalars(select(ModerationEvent).where(ModerationEvent.action == action)))


def found(app, words: str) -> list[int]:  # type: ignore[no-untyped-def]
    return sorted(hit.photo_id for hit in querying.search(reader(app), words, per_page=100).hits)


def test_a_collection_is_created_with_its_fields_checked_and_audited(app) -> None:
    library = make_institution(slug="millbrook")
    archivist = make_user(role="archivist", institutions=[library])
    for slug, field in [("Local History", "slug"), ("new", "slug"), ("-x", "slug"), ("x" * 65, "slug")]:
        with pytest.raises(CollectionError) as refused:
            collections.create_collection(institution=library, slug=slug, fields=CollectionFields(title="T"), actor=archivist)
        assert refused.value.field == field
    with pytest.raises(CollectionError, match="give the collection a title"):
        collections.create_collection(institution=library, slug="box", fields=CollectionFields(title="  "), actor=archivist)
    assert db.session.scalar(select(func.count(Collection.id))) == 0

    made = collections.create_collection(institution=library, slug="local-history",
                                         fields=CollectionFields(title=" Local   history ", position=3), actor=archivist)
    assert (made.title, made.position, made.institution_id) == ("Local history", 3, library.id)
    [created] = events("create_collection")
    assert created.actor_id == archivist.id and created.institution_id == library.id
    with pytest.raises(CollectionError, match="already a collection called local-history"):
        collections.create_collection(institution=library, slug="local-history", fields=CollectionFields(title="Again"))


def test_editing_a_collection_records_before_and_after_and_moves_its_photos_datestamps(app) -> None:
    collection = make_collection(title="Streets")
    photo = make_photo(collection=collection)
    other = make_photo()
    archivist = make_user(role="archivist", institutions=[collection.institution])
    db.session.commit()
    stamp = photo.modified_at
    with pytest.raises(CollectionError, match="one of this collection's photos") as refused:
        collections.update_collection(collection, fields=CollectionFields(title="Streets", cover_photo_id=other.id),
                                      actor=archivist)
    assert refused.value.field == "cover_photo_id"
    db.session.rollback()

    assert collections.update_collection(collection, fields=CollectionFields(
        title="Streets and squares", description="Town centre, 1900-1960", cover_photo_id=photo.id), actor=archivist)
    [edit] = events("edit_collection")
    assert edit.before == {"title": "Streets", "description": "", "cover_photo_id": None}
    assert edit.after == {"title": "Streets and squares", "description": "Town centre, 1900-1960", "cover_photo_id": photo.id}
    assert db.session.get(Photo, photo.id).modified_at > stamp
    assert not collections.update_collection(collection, fields=CollectionFields(
        title="Streets and squares", description="Town centre, 1900-1960", cover_photo_id=photo.id), actor=archivist)
    assert len(events("edit_collection")) == 1


def test_only_an_empty_collection_can_be_deleted(app) -> None:
    full = make_collection(title="Full box")
    make_photo(collection=full)
    empty = make_collection(title="Empty box")
    archivist = make_user(role="archivist", institutions=[full.institution, empty.institution])
    db.session.commit()
    with pytest.raises(CollectionError, match="still holds 1 photo"):
        collections.delete_collection(full, actor=archivist)
    collections.delete_collection(empty, actor=archivist)
    assert db.session.scalar(select(Collection.title)) == "Full box"
    [deleted] = events("delete_collection")
    assert deleted.before["title"] == "Empty box" and deleted.after is None


def test_a_record_edit_is_audited_moves_the_datestamp_and_reaches_the_search_index(app) -> None:
    photo = make_photo(title="scan 1", identifier="scan_1", subjects=["Streets"])
    archivist = make_user(role="archivist", institutions=[photo.institution])
    db.session.commit()
    queue.reindex(app, procs=1)
    assert found(app, "scan") == [photo.id]
    stamp = photo.modified_at
    fields = PhotoFields(identifier="MPL-1952-001", title="Carnival on Quayside", date_edtf="1952",
                         subjects=["Streets", "Carnivals"], creator="Hale Studio")
    assert service.update_record(photo, fields=fields, actor=archivist)
    [edit] = events("edit_record")
    assert edit.before == {"identifier": "scan_1", "title": "scan 1", "date_edtf": None, "creator": "",
                           "subjects": ["Streets"]}
    assert edit.after["title"] == "Carnival on Quayside" and edit.after["subjects"] == ["Streets", "Carnivals"]
    assert photo.modified_at > stamp
    assert found(app, "carnival quayside") == [photo.id]
    assert found(app, "scan") == []


def test_a_record_edit_cannot_take_another_photos_identifier(app) -> None:
    first = make_photo(identifier="A-1")
    second = make_photo(collection=first.collection, identifier="A-2", title="Second")
    db.session.commit()
    with pytest.raises(PhotoError, match="A-1 is already used"):
        service.update_record(second, fields=PhotoFields(identifier="A-1", title="Second"), actor=None)
    db.session.rollback()
    assert db.session.get(Photo, second.id).identifier == "A-2"


def test_a_withdrawn_photo_leaves_search_and_feeds_and_comes_back_when_published(app, client) -> None:
    photo = make_photo(title="Lighthouse keeper's cottage")
    archivist = make_user(role="archivist", institutions=[photo.institution])
    db.session.commit()
    queue.reindex(app, procs=1)
    assert found(app, "lighthouse") == [photo.id]
    assert f"/photos/{photo.id}" in client.get("/feeds/photos.atom").get_data(as_text=True)

    service.set_photo_published(photo, is_published=False, actor=archivist)
    assert photo.withdrawn_at is not None and not photo.is_published
    assert found(app, "lighthouse") == []
    assert f"/photos/{photo.id}" not in client.get("/feeds/photos.atom").get_data(as_text=True)

    service.set_photo_published(photo, is_published=True, actor=archivist)
    assert found(app, "lighthouse") == [photo.id]
    assert [e.action for e in db.session.scalars(select(ModerationEvent).order_by(ModerationEvent.id))] == \
        ["withdraw", "publish"]


def test_deleting_a_photo_removes_its_files_keeps_a_tombstone_and_frees_its_identifier(app) -> None:
    collection = make_collection()
    archivist = make_user(role="archivist", institutions=[collection.institution])
    db.session.commit()
    photo = service.add_photo(collection=collection, image_data=jpeg_bytes(), identifier="MPL-9", title="Wrong scan",
                              actor=archivist)
    folder = Path(app.config["UPLOAD_DIR"]) / photo_prefix(photo.source_checksum)
    assert folder.is_dir()

    service.delete_photo(photo, actor=archivist)
    assert not folder.exists()
    gone = db.session.get(Photo, photo.id)
    assert gone.deleted_at is not None and not gone.is_published and gone.withdrawn_at is not None
    [deleted] = events("delete_photo")
    assert deleted.before["identifier"] == "MPL-9" and deleted.before["title"] == "Wrong scan"
    with pytest.raises(PhotoError, match="already deleted"):
        service.delete_photo(gone, actor=archivist)

    again = service.add_photo(collection=collection, image_data=jpeg_bytes(shade=7), identifier="MPL-9",
                              title="Right scan", actor=archivist)
    assert again.id != photo.id and again.identifier == "MPL-9"


def test_a_photo_patrons_contributed_to_cannot_be_deleted(app) -> None:
    with_name = make_photo()
    make_identification(photo=with_name)
    with_comment = make_photo()
    make_comment(photo=with_comment)
    archivist = make_user(role="admin")
    db.session.commit()
    for photo in (with_name, with_comment):
        with pytest.raises(PhotoError, match="Withdraw the photo instead"):
            service.delete_photo(photo, actor=archivist)
        assert db.session.get(Photo, photo.id).deleted_at is None
    assert events("delete_photo") == []


def test_a_scan_shared_by_two_institutions_keeps_its_files_when_one_deletes_it(app) -> None:
    ours, theirs = make_collection(), make_collection()
    db.session.commit()
    image = jpeg_bytes(shade=3)
    mine = service.add_photo(collection=ours, image_data=image, identifier="X-1")
    service.add_photo(collection=theirs, image_data=image, identifier="Y-1")
    service.delete_photo(mine, actor=make_user(role="admin"))
    assert (Path(app.config["UPLOAD_DIR"]) / photo_prefix(mine.source_checksum)).is_dir()
