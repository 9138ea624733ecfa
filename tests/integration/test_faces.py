"""Face assistance (issue 24) end to end on real portraits: ingest finds the faces, an approved
identification makes a person matchable, and the other portraits of that person are offered it
first; an institution with matching off gets no suggestions and stores no encodings.

The portraits are public-domain photographs shipped in the face_recognition package's source
distribution (tests/fixtures/faces/ORIGIN.md): three of one man, one of another.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from photoid.contributions import service as contributions
from photoid.contributions.service import Region
from photoid.extensions import db
from photoid.faces import matching, queries
from photoid.faces.models import Face, FaceScan
from photoid.moderation import service as moderation
from photoid.photos.models import Photo
from photoid.photos.service import add_photo
from tests.factories import make_authority, make_collection, make_institution, make_user
from tests.integration.test_jobs import _work, needs_redis, queued  # noqa: F401 - queued is a fixture

FACES = Path(__file__).parent.parent / "fixtures" / "faces"
SAME_MAN = ("obama", "obama2", "obama3")
OTHER_MAN = "biden"


def ingest(collection, name: str) -> Photo:
    return add_photo(collection=collection, image_data=(FACES / f"{name}.jpg").read_bytes(), identifier=name, title=name)


def only_face(photo: Photo) -> Face:
    [face] = queries.faces_of(photo)
    return face


def library(*, matching_on: bool):  # type: ignore[no-untyped-def]
    institution = make_institution(faces_detection_enabled=True, faces_matching_enabled=matching_on)
    collection = make_collection(institution=institution)
    archivist = make_user(role="archivist", institutions=[institution])
    db.session.commit()
    return collection, archivist


def identify_and_approve(photo: Photo, face: Face, person, archivist) -> None:  # type: ignore[no-untyped-def]
    """A patron draws the box on the face and names the person; the archivist approves."""
    patron = make_user()
    db.session.commit()
    suggestion = contributions.identify(photo=photo, contributor=patron, kind="person", authority_id=person.id,
                                        region=Region(face.x, face.y, face.w, face.h), evidence="His official portrait.")
    moderation.approve(suggestion, moderator=archivist)


@pytest.fixture
def portraits(db_session):  # type: ignore[no-untyped-def]
    collection, archivist = library(matching_on=True)
    photos = {name: ingest(collection, name) for name in (*SAME_MAN, OTHER_MAN)}
    person = make_authority(heading="Obama, Barack")
    other = make_authority(heading="Biden, Joseph R.")
    db.session.commit()
    return photos, person, other, archivist


def test_ingest_finds_one_face_on_each_portrait_with_its_encoding(portraits) -> None:
    photos, *_ = portraits
    for photo in photos.values():
        face = only_face(photo)
        assert 0.2 < face.w < 0.7 and 0 <= face.y < 0.4, (photo.identifier, face.box)  # a head near the top
        assert face.encoding is not None and len(face.encoding) == 512 and face.confidence > 0
        assert db.session.get(FaceScan, photo.id).is_encoded


def test_after_one_portrait_is_approved_the_others_of_that_man_suggest_him_first_and_the_other_man_does_not(portraits) -> None:
    photos, person, _other, archivist = portraits
    nobody_yet = {name: matching.candidates(only_face(photo)) for name, photo in photos.items()}
    assert nobody_yet == {name: [] for name in photos}  # no approved face to compare with

    first = photos["obama"]
    identify_and_approve(first, only_face(first), person, archivist)

    for name in ("obama2", "obama3"):
        [best, *_] = matching.candidates(only_face(photos[name]))
        assert (best.person_id, best.heading, best.photo_id) == (person.id, "Obama, Barack", first.id)
        assert best.distance < 0.5
        assert best.face_id == only_face(first).id
    assert all(c.person_id != person.id for c in matching.candidates(only_face(photos[OTHER_MAN])))
    # The approved face is named now: it is no longer a question, and it is not compared with itself.
    assert queries.unnamed_faces(first) == [] and matching.suggestions_for_photo(first) == {}
    assert list(matching.suggestions_for_photo(photos["obama2"]).values())[0][0].person_id == person.id


def test_a_person_marked_do_not_match_is_never_suggested(portraits) -> None:
    photos, person, _other, archivist = portraits
    identify_and_approve(photos["obama"], only_face(photos["obama"]), person, archivist)
    person.do_not_match = True
    db.session.commit()
    assert matching.candidates(only_face(photos["obama2"])) == []


def test_withdrawing_or_deleting_a_photo_deletes_its_faces(portraits) -> None:
    from photoid.photos.service import delete_photo, set_photo_published

    photos, *_ = portraits
    withdrawn, deleted = photos["obama2"], photos["biden"]
    set_photo_published(withdrawn, is_published=False)
    delete_photo(deleted, actor=None)
    assert queries.faces_of(withdrawn) == [] and queries.faces_of(deleted) == []
    assert db.session.get(FaceScan, withdrawn.id) is None and db.session.get(FaceScan, deleted.id) is None
    assert len(queries.faces_of(photos["obama"])) == 1
    from photoid.faces.service import detect_all

    assert [r.photo_id for r in detect_all()] == []  # `photoid faces detect` does not bring them back


def test_with_matching_off_faces_are_found_but_no_encoding_is_stored_and_nothing_is_suggested(db_session) -> None:
    collection, archivist = library(matching_on=False)
    photos = {name: ingest(collection, name) for name in SAME_MAN}
    person = make_authority(heading="Obama, Barack")
    db.session.commit()
    identify_and_approve(photos["obama"], only_face(photos["obama"]), person, archivist)

    assert db.session.scalar(select(func.count()).select_from(Face)) == 3
    assert db.session.scalar(select(func.count()).select_from(Face).where(Face.encoding.is_not(None))) == 0
    assert matching.candidates(only_face(photos["obama2"])) == []
    assert matching.suggestions_for_photo(photos["obama3"]) == {only_face(photos["obama3"]): []}


def test_an_institution_with_detection_off_gets_no_faces_at_all(db_session) -> None:
    collection = make_collection()  # every switch off, as a new institution has them
    db.session.commit()
    photo = ingest(collection, "obama")
    assert queries.faces_of(photo) == [] and db.session.get(FaceScan, photo.id) is None


def test_faces_of_another_institution_with_matching_off_are_never_offered(db_session) -> None:
    """Matching reaches across institutions, but only those whose policy allows it."""
    closed, closed_archivist = library(matching_on=True)
    open_collection, _ = library(matching_on=True)
    first = ingest(closed, "obama")
    later = ingest(open_collection, "obama2")
    person = make_authority(heading="Obama, Barack")
    db.session.commit()
    identify_and_approve(first, only_face(first), person, closed_archivist)
    assert [c.person_id for c in matching.candidates(only_face(later))] == [person.id]  # across institutions

    closed.institution.faces_matching_enabled = False
    db.session.commit()
    assert matching.candidates(only_face(later)) == []


def test_the_demo_shows_a_suggestion_on_its_portraits(app) -> None:
    """`make run` loads the demo: Millbrook's official portraits, one of them identified."""
    from photoid.demo.loader import _accounts, _institutions
    from photoid.demo.portraits import OBAMA, load_portraits

    _institutions()
    assert load_portraits(_accounts(), progress=lambda _: None) == 4
    photos = {p.identifier: p for p in db.session.scalars(select(Photo).where(Photo.identifier.like("MPL-PORTRAIT-%")))}
    [[best, *_]] = matching.suggestions_for_photo(photos["MPL-PORTRAIT-2"]).values()
    assert best.heading == OBAMA and best.photo_id == photos["MPL-PORTRAIT-1"].id
    assert matching.suggestions_for_photo(photos["MPL-PORTRAIT-3"]) == {}  # named by a patron, waiting in the queue
    [[*candidates]] = matching.suggestions_for_photo(photos["MPL-PORTRAIT-4"]).values()
    assert candidates == []
    assert load_portraits(_accounts(), progress=lambda _: None) == 0  # run again: nothing added twice


def test_a_photo_whose_images_are_made_later_is_scanned_when_it_becomes_ready(db_session) -> None:
    """An upload is catalogued first and its images made by the photos.process job; its faces are
    looked for when that job marks it ready, not before (there is no display image to read yet)."""
    from photoid.contributions.workflow import PhotoProcessing

    collection, _archivist = library(matching_on=True)
    collection.institution.faces_detection_enabled = False
    db.session.commit()
    photo = ingest(collection, "obama")  # stands for the upload: its files are there, as the job leaves them
    photo.is_published, photo.processing_state = False, PhotoProcessing.PROCESSING
    collection.institution.faces_detection_enabled = True
    db.session.commit()
    assert queries.faces_of(photo) == []

    photo.processing_state = PhotoProcessing.READY
    db.session.commit()
    assert len(queries.faces_of(photo)) == 1


def test_withdrawing_a_collection_or_a_photo_deletes_their_faces_and_publishing_again_finds_them_again(portraits) -> None:
    from photoid.faces.service import detect_all
    from photoid.photos.collections import set_collection_published
    from photoid.photos.service import set_photo_published

    photos, *_ = portraits
    collection = photos["obama"].collection
    set_collection_published(collection, is_published=False)
    assert db.session.scalar(select(func.count()).select_from(Face)) == 0
    set_collection_published(collection, is_published=True)
    assert db.session.scalar(select(func.count()).select_from(Face)) == 0  # its photos wait for `photoid faces detect`
    assert len(detect_all()) == 4 and db.session.scalar(select(func.count()).select_from(Face)) == 4

    set_photo_published(photos["obama2"], is_published=False)
    assert queries.faces_of(photos["obama2"]) == []
    set_photo_published(photos["obama2"], is_published=True)
    assert len(queries.faces_of(photos["obama2"])) == 1


def _publish_again_as(client, collection, archivist) -> str:  # type: ignore[no-untyped-def]
    """The curator presses "Publish again" on the collection's page; the page they land on, as text."""
    from tests.conftest import CSRF_PATTERN

    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = archivist.login_id, True
    match = CSRF_PATTERN.search(client.get(f"/collections/{collection.slug}/edit").get_data(as_text=True))
    assert match
    response = client.post(f"/collections/{collection.slug}/publish", data={"csrf_token": match.group(1) or match.group(2)},
                           follow_redirects=True)
    assert response.status_code == 200
    return " ".join(response.get_data(as_text=True).split())


def test_in_process_a_collection_published_again_waits_for_faces_detect_and_the_curator_is_told(portraits, client) -> None:  # type: ignore[no-untyped-def]
    from photoid.faces.service import photos_to_scan
    from photoid.photos.collections import set_collection_published

    photos, _person, _other, archivist = portraits
    collection = photos["obama"].collection
    set_collection_published(collection, is_published=False, actor=archivist)
    page = _publish_again_as(client, collection, archivist)
    assert (f"Faces on its 4 photos are not looked for now (it would keep you waiting): they will be found when "
            f"“photoid faces detect --collection {collection.slug}” runs on the server") in page
    assert db.session.scalar(select(func.count()).select_from(Face)) == 0  # not scanned in the request
    assert photos_to_scan(collection=collection) == sorted(p.id for p in photos.values())


@needs_redis
def test_with_a_queue_a_collection_published_again_has_its_photos_queued_for_the_worker(queued, client) -> None:  # type: ignore[no-untyped-def]
    from photoid.photos.collections import set_collection_published

    collection, archivist = library(matching_on=True)
    photos = [ingest(collection, name) for name in SAME_MAN]
    _work()
    set_collection_published(collection, is_published=False, actor=archivist)
    assert db.session.scalar(select(func.count()).select_from(Face)) == 0
    page = _publish_again_as(client, collection, archivist)
    assert "Faces on its 3 photos are being looked for in the background" in page
    assert db.session.scalar(select(func.count()).select_from(Face)) == 0  # the request did not scan them
    _work()
    db.session.expire_all()
    assert [len(queries.faces_of(p)) for p in photos] == [1, 1, 1]


@needs_redis
def test_with_a_queue_the_faces_are_found_by_the_worker_not_by_the_request(queued) -> None:
    """PHOTOID_JOBS=redis: ingest queues faces.detect, and `photoid worker` runs it."""
    collection, _archivist = library(matching_on=True)
    photo = ingest(collection, "obama")
    assert queries.faces_of(photo) == []  # nothing found in the request that catalogued it
    _work()
    db.session.expire_all()
    [face] = queries.faces_of(photo)
    assert face.encoding is not None


def test_staff_confirming_a_suggestion_leave_a_trail_saying_face_matching_suggested_it_and_who_confirmed(portraits) -> None:
    from photoid.faces.linking import confirm_match
    from photoid.moderation.models import ModerationEvent

    photos, person, _other, archivist = portraits
    identify_and_approve(photos["obama"], only_face(photos["obama"]), person, archivist)
    confirmed = confirm_match(only_face(photos["obama2"]), authority_id=person.id, moderator=archivist)
    assert confirmed.state == "approved" and confirmed.reviewer_id == archivist.id and confirmed.contributor_id is None
    [event] = db.session.scalars(select(ModerationEvent).where(ModerationEvent.action == "confirm_face_match"))
    assert event.actor_id == archivist.id and event.target_id == confirmed.id
    assert event.after["provenance"] == f"suggested by face matching, confirmed by {archivist.public_name}"
    assert event.after["person_id"] == person.id and 0 < event.after["distance"] < 0.5


def test_an_upload_made_ready_by_the_processing_job_has_its_faces_found(db_session) -> None:
    """The upload form's path: photos.process makes the images, then faces.detect finds the face."""
    from photoid.contributions.workflow import PhotoProcessing
    from photoid.photos.processing import accept_upload

    collection, _archivist = library(matching_on=True)
    photo = accept_upload(collection=collection, image_data=(FACES / "obama.jpg").read_bytes(), identifier="upload-1")
    db.session.expire_all()
    assert db.session.get(Photo, photo.id).processing_state == PhotoProcessing.READY
    [face] = queries.faces_of(photo)
    assert face.encoding is not None
