"""Authority records: edit, accept, merge and undo, and the links and coordinates staff may give them."""
from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import select

from photoid.authorities import service
from photoid.authorities.models import AuthorityRecord
from photoid.authorities.queries import survivor_of
from photoid.authorities.service import AuthorityError, RecordChanges
from photoid.contributions import service as contributions
from photoid.contributions.models import Identification
from photoid.db import utcnow
from photoid.extensions import db
from photoid.moderation import service as moderation
from photoid.moderation.models import ModerationEvent
from photoid.photos.models import Photo
from tests.factories import make_authority, make_collection, make_identification, make_photo, make_user

LONG_AGO = utcnow() - timedelta(days=400)


def fresh(model, item_id):  # type: ignore[no-untyped-def]
    db.session.expire_all()
    return db.session.get(model, item_id)


def events(action: str) -> list[ModerationEvent]:
    return list(db.session.scalars(select(ModerationEvent).where(ModerationEvent.action == action).order_by(ModerationEvent.id)))


def variant_names(record_id: int) -> list[str]:
    return sorted(v.name for v in fresh(AuthorityRecord, record_id).variants)


@pytest.fixture
def duplicates(db_session):  # type: ignore[no-untyped-def]
    """The same man twice: the record that stays, and a duplicate named in approved, pending and rejected claims."""
    collection = make_collection()
    survivor = make_authority(heading="Smith, John, 1890-1962", variants=("J. Smith",))
    loser = make_authority(heading="Smith, Johnny", variants=("Johnny Smith", "J. Smith"))
    approved_photo = make_photo(collection=collection, modified_at=LONG_AGO)
    pending_photo = make_photo(collection=collection, modified_at=LONG_AGO)
    claims = {
        "approved": make_identification(photo=approved_photo, authority=loser, state="approved"),
        "pending": make_identification(photo=pending_photo, authority=loser),
        "rejected": make_identification(photo=pending_photo, authority=loser, state="rejected", review_note="No."),
    }
    own = make_identification(photo=make_photo(collection=collection), authority=survivor, state="approved")
    archivist = make_user(role="archivist", institutions=[collection.institution])
    db.session.commit()
    return {"survivor": survivor, "loser": loser, "claims": claims, "own": own, "archivist": archivist,
            "approved_photo": approved_photo, "pending_photo": pending_photo}


# --- merge and undo ------------------------------------------------------------------------------

def test_merge_moves_every_identification_and_undo_restores_them_exactly(duplicates) -> None:
    survivor, loser, claims = duplicates["survivor"], duplicates["loser"], duplicates["claims"]
    survivor_id, loser_id = survivor.id, loser.id
    claim_ids = sorted(c.id for c in claims.values())

    event = service.merge(loser, survivor, editor=duplicates["archivist"])

    assert {fresh(Identification, i).authority_id for i in claim_ids} == {survivor_id}
    assert fresh(AuthorityRecord, loser_id).merged_into_id == survivor_id
    assert variant_names(survivor_id) == ["J. Smith", "Johnny Smith", "Smith, Johnny"]
    assert event.before["identification_ids"] == claim_ids
    assert sorted(event.before["variants_added"]) == ["Johnny Smith", "Smith, Johnny"]  # not J. Smith: it had that
    assert fresh(Photo, duplicates["approved_photo"].id).modified_at > LONG_AGO  # its published record changed
    assert fresh(Photo, duplicates["pending_photo"].id).modified_at == LONG_AGO  # nothing published changed

    later = make_identification(authority=fresh(AuthorityRecord, survivor_id))  # named after the merge: stays
    db.session.commit()
    restored = service.undo_merge(fresh(ModerationEvent, event.id), editor=duplicates["archivist"])

    assert restored.id == loser_id and fresh(AuthorityRecord, loser_id).merged_into_id is None
    assert sorted(i for i in claim_ids if fresh(Identification, i).authority_id == loser_id) == claim_ids
    assert fresh(Identification, later.id).authority_id == survivor_id
    assert fresh(Identification, duplicates["own"].id).authority_id == survivor_id
    assert variant_names(survivor_id) == ["J. Smith"]
    assert variant_names(loser_id) == ["J. Smith", "Johnny Smith"]
    merge_event, unmerge_event = events("merge")[0], events("unmerge")[0]
    assert merge_event.actor_id == unmerge_event.actor_id == duplicates["archivist"].id
    assert merge_event.target_id == unmerge_event.target_id == loser_id
    assert unmerge_event.after["identification_ids"] == claim_ids
    assert unmerge_event.before["merge_event_id"] == merge_event.id

    with pytest.raises(AuthorityError, match="already been undone"):
        service.undo_merge(fresh(ModerationEvent, event.id), editor=duplicates["archivist"])


def test_a_merge_cannot_be_undone_once_its_survivor_was_merged_on(duplicates) -> None:
    editor = duplicates["archivist"]
    first = service.merge(duplicates["loser"], duplicates["survivor"], editor=editor)
    third = make_authority(heading="Smith, J.")
    db.session.commit()
    service.merge(fresh(AuthorityRecord, duplicates["survivor"].id), third, editor=editor)
    with pytest.raises(AuthorityError, match="Undo that later merge first"):
        service.undo_merge(fresh(ModerationEvent, first.id), editor=editor)


@pytest.mark.parametrize("case", ["itself", "another kind", "a merged record", "already merged"])
def test_merge_refuses_what_cannot_be_merged(duplicates, case: str) -> None:
    loser, survivor, editor = duplicates["loser"], duplicates["survivor"], duplicates["archivist"]
    if case == "itself":
        target, message = loser, "into itself"
    elif case == "another kind":
        target, message = make_authority(kind="place", heading="Smith Street"), "only be merged into another person"
    elif case == "a merged record":
        gone = make_authority(heading="Smyth, John")
        service.merge(gone, survivor, editor=editor)
        target, message = fresh(AuthorityRecord, gone.id), "was itself merged"
    else:
        service.merge(loser, survivor, editor=editor)
        loser, target, message = fresh(AuthorityRecord, loser.id), make_authority(heading="Smith, J."), "already merged"
    db.session.commit()
    before = len(events("merge"))
    with pytest.raises(AuthorityError, match=message):
        service.merge(loser, target, editor=editor)
    db.session.rollback()
    assert len(events("merge")) == before
    assert {fresh(Identification, c.id).authority_id for c in duplicates["claims"].values()} == (
        {duplicates["survivor"].id} if case == "already merged" else {duplicates["loser"].id})


# --- editing -------------------------------------------------------------------------------------

def test_a_new_heading_moves_the_photos_that_publish_it_and_is_audited(duplicates) -> None:
    loser = duplicates["loser"]
    changed = service.update_record(
        loser, RecordChanges(heading="Smith, John Jr., 1925-1990", dates="1925 to 1990", add_variants=["Jack Smith"],
                             remove_variant_ids=[v.id for v in loser.variants if v.name == "Johnny Smith"]),
        editor=duplicates["archivist"],
    )
    assert changed
    record = fresh(AuthorityRecord, loser.id)
    assert (record.heading, record.heading_folded, record.dates_edtf) == ("Smith, John Jr., 1925-1990", "smith, john jr., 1925-1990", "1925/1990")
    assert variant_names(loser.id) == ["J. Smith", "Jack Smith"]
    assert fresh(Photo, duplicates["approved_photo"].id).modified_at > LONG_AGO
    assert fresh(Photo, duplicates["pending_photo"].id).modified_at == LONG_AGO
    edit = events("edit_authority")[0]
    assert edit.before["heading"] == "Smith, Johnny" and edit.after["heading"] == "Smith, John Jr., 1925-1990"
    assert edit.before["variants"] == ["J. Smith", "Johnny Smith"] and edit.after["variants"] == ["J. Smith", "Jack Smith"]


def test_an_edit_that_changes_nothing_records_nothing(duplicates) -> None:
    survivor = duplicates["survivor"]
    assert not service.update_record(survivor, RecordChanges(heading=" Smith, John, 1890-1962 "), editor=duplicates["archivist"])
    assert events("edit_authority") == []


def test_a_name_removed_and_typed_again_in_one_edit_is_kept(duplicates) -> None:
    survivor = duplicates["survivor"]
    variant = survivor.variants[0]
    service.update_record(survivor, RecordChanges(heading=survivor.heading, add_variants=["j. smith"],
                                                  remove_variant_ids=[variant.id]), editor=duplicates["archivist"])
    assert variant_names(survivor.id) == ["j. smith"]


@pytest.mark.parametrize(("uri", "canonical"), [
    ("https://id.loc.gov/authorities/names/n79021164", "http://id.loc.gov/authorities/names/n79021164"),
    ("https://id.loc.gov/authorities/names/n79021164.html", "http://id.loc.gov/authorities/names/n79021164"),
    ("http://id.loc.gov/authorities/subjects/sh85098685", "http://id.loc.gov/authorities/subjects/sh85098685"),
    ("http://www.wikidata.org/entity/Q42", "http://www.wikidata.org/entity/Q42"),
    ("https://www.wikidata.org/wiki/Q42", "http://www.wikidata.org/entity/Q42"),
    ("https://www.wikidata.org/entity/Q42", "http://www.wikidata.org/entity/Q42"),
    ("https://sws.geonames.org/5128581/", "https://sws.geonames.org/5128581/"),
    ("https://geonames.org/5128581", "https://sws.geonames.org/5128581/"),
    ("https://www.geonames.org/5128581/new-york-city.html", "https://sws.geonames.org/5128581/"),
    ("https://viaf.org/viaf/102333412", "http://viaf.org/viaf/102333412"),
    ("https://viaf.org/viaf/102333412/", "http://viaf.org/viaf/102333412"),
])
def test_links_to_the_known_authorities_are_stored_in_one_canonical_form(uri: str, canonical: str) -> None:
    """A record's web page and its entity URI are one record: each is stored as the entity URI."""
    assert service.check_authority_uri(f"  {uri} ") == canonical


@pytest.mark.parametrize(("uri", "message"), [
    ("https://example.com/people/1", "“example.com” is not one of them"),
    ("https://wikidata.org.evil.net/wiki/Q42", "is not one of them"),
    ("javascript:alert(1)", "must start with https://"),
    ("ftp://id.loc.gov/authorities/names/n1", "must start with https://"),
    ("https://user@www.wikidata.org/wiki/Q42", "is not one of them"),
    ("https://www.wikidata.org/", "home page"),
    ("https://www.wikidata.org/wiki/Q 42", "not a web address"),
])
def test_other_links_are_refused_with_a_clear_message(uri: str, message: str) -> None:
    with pytest.raises(AuthorityError, match=message) as refused:
        service.check_authority_uri(uri)
    assert "id.loc.gov" in str(refused.value) or "home page" in str(refused.value)


def test_bad_links_coordinates_and_dates_are_refused_and_nothing_is_saved(duplicates) -> None:
    place = make_authority(kind="place", heading="Main Street (Millbrook)")
    db.session.commit()
    editor = duplicates["archivist"]
    refusals = [
        (place, RecordChanges(heading="Main Street", latitude="91", longitude="10"), "between -90 and 90"),
        (place, RecordChanges(heading="Main Street", latitude="44.05", longitude=""), "both the latitude and the longitude"),
        (place, RecordChanges(heading="Main Street", latitude="north", longitude="10"), "must be a number"),
        (place, RecordChanges(heading="Main Street", authority_uri="https://maps.example.org/x"), "not one of them"),
        (duplicates["survivor"], RecordChanges(heading="Smith", latitude="44", longitude="-69"), "Only places have coordinates"),
        (duplicates["survivor"], RecordChanges(heading="Smith", dates="sometime maybe"), "."),
        (duplicates["survivor"], RecordChanges(heading="  "), "Please enter a heading"),
    ]
    for record, changes, message in refusals:
        with pytest.raises(AuthorityError, match=message):
            service.update_record(record, changes, editor=editor)
        db.session.rollback()
    assert fresh(AuthorityRecord, place.id).heading == "Main Street (Millbrook)"
    assert events("edit_authority") == []

    service.update_record(fresh(AuthorityRecord, place.id), RecordChanges(
        heading="Main Street (Millbrook)", latitude="44.0523", longitude="−69.9417",
        authority_uri="https://sws.geonames.org/4971068/"), editor=editor)
    saved = fresh(AuthorityRecord, place.id)
    assert (saved.latitude, saved.longitude, saved.authority_uri) == (44.0523, -69.9417, "https://sws.geonames.org/4971068/")


def test_accepting_a_proposed_record(duplicates) -> None:
    proposed = make_authority(heading="Okafor, Samuel", status="proposed")
    db.session.commit()
    service.accept_record(proposed, editor=duplicates["archivist"])
    assert fresh(AuthorityRecord, proposed.id).status == "accepted"
    assert events("accept_authority")[0].after == {"status": "accepted"}
    with pytest.raises(AuthorityError, match="already accepted"):
        service.accept_record(fresh(AuthorityRecord, proposed.id), editor=duplicates["archivist"])


# --- a new record made while approving with changes ----------------------------------------------

def test_approve_with_changes_gives_a_new_place_its_link_and_coordinates(db_session) -> None:
    claim = make_identification(kind="place", text_value="the old mill")
    archivist = make_user(role="archivist", institutions=[claim.photo.institution])
    db.session.commit()

    with pytest.raises(moderation.ModerationError, match="not one of them"):
        moderation.approve_with_changes(claim, moderator=archivist, new_heading="Millbrook Mill (Millbrook)",
                                        authority_uri="https://maps.example.org/mill")
    with pytest.raises(moderation.ModerationError, match="between -180 and 180"):
        moderation.approve_with_changes(fresh(Identification, claim.id), moderator=archivist,
                                        new_heading="Millbrook Mill (Millbrook)", latitude="44", longitude="200")
    assert fresh(Identification, claim.id).state == "pending"
    assert db.session.scalar(select(AuthorityRecord).where(AuthorityRecord.heading == "Millbrook Mill (Millbrook)")) is None

    corrected = moderation.approve_with_changes(
        fresh(Identification, claim.id), moderator=archivist, new_heading="Millbrook Mill (Millbrook)",
        authority_uri="https://sws.geonames.org/4971068/", latitude="44.05", longitude="-69.94",
    )
    record = fresh(Identification, corrected.id).authority
    assert (record.heading, record.authority_uri, record.latitude, record.longitude) == (
        "Millbrook Mill (Millbrook)", "https://sws.geonames.org/4971068/", 44.05, -69.94)


def test_approve_with_changes_refuses_a_link_it_would_not_use(db_session) -> None:
    existing = make_authority(heading="Smith, John, 1890-1962")
    claim = make_identification(text_value="John Smith")
    person_claim = make_identification(text_value="Anna")
    archivist = make_user(role="archivist", institutions=[claim.photo.institution, person_claim.photo.institution])
    db.session.commit()
    with pytest.raises(moderation.ModerationError, match="already have “Smith, John, 1890-1962”"):
        moderation.approve_with_changes(claim, moderator=archivist, new_heading="smith, john, 1890-1962",
                                        authority_uri="https://www.wikidata.org/wiki/Q1")
    with pytest.raises(moderation.ModerationError, match="only used for a new record"):
        moderation.approve_with_changes(fresh(Identification, claim.id), moderator=archivist, authority_id=existing.id,
                                        authority_uri="https://www.wikidata.org/wiki/Q1")
    with pytest.raises(moderation.ModerationError, match="Only places have coordinates"):
        moderation.approve_with_changes(fresh(Identification, person_claim.id), moderator=archivist,
                                        new_heading="Müller, Anna", latitude="1", longitude="2")
    assert fresh(Identification, claim.id).state == "pending"
    assert fresh(AuthorityRecord, existing.id).authority_uri is None


# --- following merges: one function, with a guard against cycles -------------------------------

@contextmanager
def at_most(seconds: float) -> Iterator[None]:
    """Fail, rather than hang the run, when the block takes longer (a loop that never ends)."""
    def stop(_signum, _frame):  # type: ignore[no-untyped-def]
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def merge_cycle() -> tuple[AuthorityRecord, AuthorityRecord]:
    """A merged into B and B into A: merge_records refuses this, but a hand-edited database may hold it."""
    first = make_authority(heading="Loop, Anna")
    second = make_authority(heading="Loop, Anne", merged_into_id=first.id)
    first.merged_into_id = second.id
    db.session.flush()
    db.session.expire_all()
    return first, second


def test_a_chain_of_merges_resolves_to_its_end_and_a_cycle_ends_on_the_last_new_record(db_session) -> None:
    end = make_authority(heading="Smith, John, 1890-1962")
    middle = make_authority(heading="Smith, J.", merged_into_id=end.id)
    start = make_authority(heading="J. Smith", merged_into_id=middle.id)
    assert survivor_of(start) is end and survivor_of(middle) is end and survivor_of(end) is end

    first, second = merge_cycle()
    with at_most(5):
        assert survivor_of(first) is second and survivor_of(second) is first


def test_identifying_or_correcting_with_a_record_in_a_merge_cycle_does_not_hang(db_session) -> None:
    first, second = merge_cycle()
    claim = make_identification(text_value="Anna Loop")
    archivist = make_user(role="archivist", institutions=[claim.photo.institution])
    db.session.commit()
    with at_most(5):
        suggested = contributions.identify(photo=make_photo(), contributor=make_user(), kind="person",
                                           authority_id=first.id)
        corrected = moderation.approve_with_changes(claim, moderator=archivist, authority_id=second.id)
    assert suggested.authority_id == second.id and corrected.authority_id == first.id


def test_a_link_another_record_already_has_is_refused_as_the_same_record(db_session) -> None:
    """Pasted as a Wikidata page or as its entity URI, the link names one record; a second record is refused."""
    hale = make_authority(heading="Hale, Dorothy", authority_uri="http://www.wikidata.org/entity/Q42")
    other = make_authority(heading="Benson, Dot")
    claim = make_identification(text_value="Dorothy Hale Benson")
    archivist = make_user(role="admin")
    db.session.commit()
    with pytest.raises(AuthorityError, match="“Hale, Dorothy” already has this authority link"):
        service.update_record(other, RecordChanges(heading="Benson, Dot", authority_uri="https://www.wikidata.org/wiki/Q42"),
                              editor=archivist)
    assert fresh(AuthorityRecord, other.id).authority_uri is None
    with pytest.raises(moderation.ModerationError, match="“Hale, Dorothy” already has this authority link"):
        moderation.approve_with_changes(claim, moderator=archivist, new_heading="Benson, Dorothy Hale",
                                        authority_uri="https://www.wikidata.org/wiki/Q42")
    assert service.update_record(hale, RecordChanges(heading="Hale, Dorothy", dates="1928/2015",
                                                     authority_uri="https://www.wikidata.org/wiki/Q42"), editor=archivist)
