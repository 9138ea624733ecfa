"""OAI-PMH below the web layer: resumption tokens, the keyset pages, and publishing/withdrawing
photos and collections moving the datestamps harvesters rely on."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from photoid.photos.collections import set_collection_published
from photoid.photos.service import set_photo_published
from photoid.catalog.oai_queries import header_for, list_page, list_size
from photoid.catalog.oai_tokens import ListQuery, TokenError, decode_token, encode_token
from photoid.db import utcnow
from photoid.extensions import db
from photoid.moderation.models import ModerationEvent
from photoid.moderation.service import approve
from photoid.photos.models import Photo
from tests.factories import make_collection, make_identification, make_photo, make_user

SECRET = "test-secret"


def fresh(photo: Photo) -> Photo:
    db.session.expire_all()
    return db.session.get(Photo, photo.id)  # type: ignore[return-value]


# --- tokens --------------------------------------------------------------------------------------

def test_a_token_carries_the_whole_query_and_position() -> None:
    stamp = datetime(2024, 5, 31, 12, 0, 0, 123456, tzinfo=UTC)
    query = ListQuery(verb="ListRecords", prefix="marc21", start=stamp - timedelta(days=3), end=stamp,
                      set_spec="millbrook:harbour", after=(stamp, 42), cursor=100, total=250)
    assert decode_token(encode_token(query, secret_key=SECRET), secret_key=SECRET, max_age=60) == query


def test_a_token_signed_with_another_key_or_edited_is_refused() -> None:
    token = encode_token(ListQuery(verb="ListIdentifiers", prefix="oai_dc"), secret_key=SECRET)
    with pytest.raises(TokenError, match="not valid"):
        decode_token(token, secret_key="another-site", max_age=60)
    with pytest.raises(TokenError, match="not valid"):
        decode_token(token.replace(".", "x", 1), secret_key=SECRET, max_age=60)


# --- pages ---------------------------------------------------------------------------------------

def test_pages_follow_datestamp_then_id_even_when_datestamps_are_equal(app) -> None:  # type: ignore[no-untyped-def]
    same = utcnow() - timedelta(hours=1)
    collection = make_collection()
    photos = [make_photo(collection=collection, modified_at=same) for _ in range(5)]
    db.session.commit()
    query, seen = ListQuery(verb="ListIdentifiers", prefix="oai_dc"), []
    while page := list_page(query, size=2):
        seen += [header.photo_id for header in page]
        query = query.next_page(last=(page[-1].datestamp, page[-1].photo_id), sent=len(page), total=5)
    assert seen == [photo.id for photo in photos]
    assert list_size(ListQuery(verb="ListIdentifiers", prefix="oai_dc")) == 5


def test_approving_an_identification_moves_the_photo_to_the_end_of_the_list(app) -> None:  # type: ignore[no-untyped-def]
    collection = make_collection()
    photos = [make_photo(collection=collection, modified_at=utcnow() - timedelta(hours=2 - n)) for n in range(3)]
    moderator = make_user(role="archivist", institutions=[collection.institution])
    db.session.commit()
    approve(make_identification(photo=photos[0]), moderator=moderator)
    order = [header.photo_id for header in list_page(ListQuery(verb="ListIdentifiers", prefix="oai_dc"), size=10)]
    assert order == [photos[1].id, photos[2].id, photos[0].id]


# --- publishing and withdrawing ------------------------------------------------------------------

def test_withdrawing_a_photo_makes_it_a_deleted_record_with_a_new_datestamp(app) -> None:  # type: ignore[no-untyped-def]
    photo = make_photo(modified_at=utcnow() - timedelta(days=1))
    archivist = make_user(role="archivist", institutions=[photo.institution])
    db.session.commit()
    before = utcnow()
    set_photo_published(photo, is_published=False, actor=archivist)
    photo = fresh(photo)
    assert photo.withdrawn_at is not None and photo.modified_at >= before
    header = header_for(photo.id)
    assert header is not None and header.is_deleted and header.datestamp == photo.modified_at
    events = db.session.scalars(select(ModerationEvent).where(ModerationEvent.target_id == photo.id)).all()
    assert [(e.action, e.target_type, e.after) for e in events] == [("withdraw", "photo", {"is_published": False})]

    set_photo_published(photo, is_published=True, actor=archivist)
    assert header_for(photo.id).is_deleted is False  # type: ignore[union-attr]


def test_a_photo_that_was_never_public_is_unknown_until_published(app) -> None:  # type: ignore[no-untyped-def]
    draft = make_photo(is_published=False)
    db.session.commit()
    assert header_for(draft.id) is None
    set_photo_published(draft, is_published=True)
    header = header_for(draft.id)
    assert header is not None and not header.is_deleted


def test_withdrawing_a_collection_moves_its_published_photos_only(app) -> None:  # type: ignore[no-untyped-def]
    long_ago = utcnow() - timedelta(days=3)
    collection = make_collection()
    public = make_photo(collection=collection, modified_at=long_ago)
    draft = make_photo(collection=collection, is_published=False, modified_at=long_ago)
    db.session.commit()
    set_collection_published(collection, is_published=False)
    assert fresh(public).modified_at > long_ago
    assert fresh(draft).modified_at == long_ago
    assert header_for(public.id).is_deleted  # type: ignore[union-attr]
    assert header_for(draft.id) is None


def test_publishing_a_draft_collection_announces_its_photos(app) -> None:  # type: ignore[no-untyped-def]
    collection = make_collection(is_published=False)
    photo = make_photo(collection=collection, modified_at=utcnow() - timedelta(days=3))
    db.session.commit()
    assert header_for(photo.id) is None
    before = utcnow()
    set_collection_published(collection, is_published=True)
    header = header_for(photo.id)
    assert header is not None and not header.is_deleted and header.datestamp >= before


def test_setting_the_same_state_changes_nothing(app) -> None:  # type: ignore[no-untyped-def]
    long_ago = utcnow() - timedelta(days=3)
    photo = make_photo(modified_at=long_ago)
    db.session.commit()
    set_photo_published(photo, is_published=True)
    set_collection_published(photo.collection, is_published=True)
    assert fresh(photo).modified_at == long_ago
