"""Face assistance on the pages (issue 24): "Who is this?" on the photo page, the identify form opened
with the face's box, the candidates staff (and, if allowed, patrons) see, the link button, the
institution's switches, a person's "do not match" mark, Help identify's reason and the privacy page."""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from photoid.contributions.models import Identification
from photoid.contributions.workflow import move_identification
from photoid.db import utcnow
from photoid.extensions import db
from photoid.faces.models import Face
from photoid.moderation.models import ModerationEvent
from tests.factories import (
    make_authority,
    make_collection,
    make_identification,
    make_institution,
    make_photo,
    make_user,
)
from tests.web.pages import alert, parse, text

SOME_FACE = np.eye(128, dtype="<f4")


def encoding(*parts: tuple[int, float]) -> bytes:
    """A made-up encoding: the sum of ``weight`` times unit vector ``axis`` for each part."""
    vector = np.zeros(128, dtype="<f4")
    for axis, weight in parts:
        vector += SOME_FACE[axis] * weight
    return vector.astype("<f4").tobytes()


def make_face(photo: Any, box: tuple[float, float, float, float], *, code: bytes | None = None) -> Face:
    face = Face(photo_id=photo.id, x=box[0], y=box[1], w=box[2], h=box[3], confidence=1.0, encoding=code)
    db.session.add(face)
    db.session.flush()
    return face


def _region(box: tuple[float, float, float, float]) -> dict[str, float]:
    return dict(zip(("region_x", "region_y", "region_w", "region_h"), box))


LEFT, MIDDLE, RIGHT = (0.1, 0.2, 0.1, 0.15), (0.45, 0.2, 0.1, 0.15), (0.8, 0.2, 0.1, 0.15)


@pytest.fixture
def world(app) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Millbrook with detection and matching on: Anna approved on one photo; a group photo with three faces,
    the left one looking like Anna, the middle one like nobody, the right one already named by a patron."""
    mill = make_institution(slug="millbrook", name="Millbrook Library", faces_detection_enabled=True,
                            faces_matching_enabled=True)
    collection = make_collection(institution=mill)
    archivist = make_user(role="archivist", display_name="Mill Archivist", institutions=[mill])
    anna = make_authority(heading="Müller, Anna, 1902-1988")
    bert = make_authority(heading="Brandt, Bert, 1900-1970")
    portrait = make_photo(collection=collection, title="Anna at the school")
    make_face(portrait, MIDDLE, code=encoding((0, 0.5)))
    approved = make_identification(photo=portrait, authority=anna, **_region(MIDDLE))
    move_identification(approved, "approved", actor=archivist)
    group = make_photo(collection=collection, title="The choir in 1931")
    left = make_face(group, LEFT, code=encoding((0, 0.5), (1, 0.2)))
    middle = make_face(group, MIDDLE, code=encoding((5, 0.5)))
    right = make_face(group, RIGHT, code=encoding((0, 0.5), (2, 0.45)))
    patron = make_user(display_name="Grandson Tom")
    suggestion = make_identification(photo=group, contributor=patron, authority=anna, evidence="My grandmother.",
                                     **_region(RIGHT))
    db.session.commit()
    return {"mill": mill, "group": group, "portrait": portrait, "anna": anna, "bert": bert, "archivist": archivist,
            "left": left, "middle": middle, "right": right, "suggestion": suggestion, "patron": patron}


def _sign_in(client, user) -> None:  # type: ignore[no-untyped-def]
    with client.session_transaction() as session:
        session["_user_id"] = user.login_id
        session["_fresh"] = True


def _csrf(client) -> str:  # type: ignore[no-untyped-def]
    from tests.conftest import CSRF_PATTERN

    match = CSRF_PATTERN.search(client.get("/privacy").get_data(as_text=True)) or \
        CSRF_PATTERN.search(client.get("/login").get_data(as_text=True))
    assert match
    return match.group(1) or match.group(2)


def _who_is_this(page) -> list[Any]:  # type: ignore[no-untyped-def]
    return page.xpath("//section[@aria-labelledby='unnamed-heading']//a[starts-with(@aria-label, 'Who is this?')]")


# --- "Who is this?" ----------------------------------------------------------------------------------

def test_unnamed_faces_are_links_to_the_identify_form_with_their_box(client, world, login_as) -> None:  # type: ignore[no-untyped-def]
    login_as("patron")
    page = parse(client.get(f"/photos/{world['group'].id}"))
    links = _who_is_this(page)
    # The right face is named by a pending suggestion; the two others are questions, left to right.
    assert [a.get("aria-label") for a in links] == ["Who is this? Face 1 of 2", "Who is this? Face 2 of 2"]
    assert links[0].get("href") == f"/photos/{world['group'].id}/identify?face={world['left'].id}"
    items = page.xpath("//li[@data-state='question']")
    assert [i.get("data-region") for i in items] == [",".join(map(str, LEFT)), ",".join(map(str, MIDDLE))]

    form_page = client.get(links[1].get("href"))
    assert form_page.status_code == 200
    form = parse(form_page).xpath("//form[contains(@class, 'identify-form')]")[0]
    drawn = [form.xpath(f".//input[@name='{n}']")[0].get("value") for n in ("region_x", "region_y", "region_w", "region_h")]
    assert [float(v) for v in drawn] == list(MIDDLE)
    assert form.xpath(".//input[@name='kind'][@checked]")[0].get("value") == "person"
    assert parse(form_page).xpath("//img[@alt='The face you chose on the photo']")


def test_visitors_are_asked_to_sign_in_first_and_no_faces_without_detection(client, world) -> None:  # type: ignore[no-untyped-def]
    links = _who_is_this(parse(client.get(f"/photos/{world['group'].id}")))
    assert len(links) == 2 and links[0].get("href").startswith("/login?next=")
    world["mill"].faces_detection_enabled = False
    db.session.commit()
    assert _who_is_this(parse(client.get(f"/photos/{world['group'].id}"))) == []


def test_a_bad_face_number_is_refused_with_a_reason(client, world, login_as) -> None:  # type: ignore[no-untyped-def]
    login_as("patron")
    group = world["group"].id
    response = client.get(f"/photos/{group}/identify?face=abc")
    assert response.status_code == 400
    assert "face number" in response.get_data(as_text=True)
    assert client.get(f"/photos/{world['portrait'].id}/identify?face={world['left'].id}").status_code == 404
    assert client.get(f"/photos/{group}/identify?face=999999").status_code == 404
    assert client.get(f"/photos/{world['portrait'].id}/faces/{world['left'].id}.jpg").status_code == 404


# --- candidates ----------------------------------------------------------------------------------------

def _candidates_of(page, face: Face) -> list[str]:  # type: ignore[no-untyped-def]
    return [text(p) for p in page.xpath(f"//li[@id='face-{face.id}']//li[contains(@class, 'face-candidate')]/p[1]")]


def test_staff_see_candidates_beside_the_face_and_patrons_only_if_allowed(client, world) -> None:  # type: ignore[no-untyped-def]
    _sign_in(client, world["archivist"])
    page = parse(client.get(f"/photos/{world['group'].id}"))
    found = _candidates_of(page, world["left"])
    assert found and found[0].startswith("Possibly Müller, Anna, 1902-1988: Strong match (distance 0.20)")
    assert _candidates_of(page, world["middle"]) == []  # looks like nobody approved
    pictures = page.xpath(f"//li[@id='face-{world['left'].id}']//div[@class='face-pair']/img/@alt")
    assert pictures == ["The face on this photo", "Müller, Anna, 1902-1988, in an approved photo"]

    _sign_in(client, world["patron"])
    assert _candidates_of(parse(client.get(f"/photos/{world['group'].id}")), world["left"]) == []
    world["mill"].faces_patrons_see_matches = True
    db.session.commit()
    page = parse(client.get(f"/photos/{world['group'].id}"))
    assert _candidates_of(page, world["left"])[0].startswith("Possibly Müller, Anna")
    assert not page.xpath("//button[starts-with(normalize-space(.), 'Link and approve')]")  # patrons only suggest
    say = page.xpath("//a[normalize-space(.)='It is Müller, Anna, 1902-1988 (face 1 of 2)']")[0]
    form_page = parse(client.get(say.get("href")))
    form = form_page.xpath("//form[contains(@class, 'identify-form')]")[0]
    assert form.xpath(".//input[@name='name']")[0].get("value") == "Müller, Anna, 1902-1988"
    assert form.xpath(".//input[@name='authority_id']")[0].get("value") == str(world["anna"].id)
    assert float(form.xpath(".//input[@name='region_x']")[0].get("value")) == LEFT[0]
    place = make_authority(kind="place", heading="Main Street")
    db.session.commit()
    group, left = world["group"].id, world["left"].id
    assert client.get(f"/photos/{group}/identify?face={left}&person=anna").status_code == 400
    assert client.get(f"/photos/{group}/identify?face={left}&person={place.id}").status_code == 404


def test_the_archivist_sees_the_match_strength_of_a_patrons_suggestion_and_links_with_one_button(client, world) -> None:  # type: ignore[no-untyped-def]
    _sign_in(client, world["archivist"])
    page = parse(client.get("/moderation"))
    item = page.xpath(f"//article[@id='item-{world['suggestion'].id}']")[0]
    facts = {text(dt): text(dt.getnext()) for dt in item.xpath(".//dl/dt")}
    assert facts["Face matching"] == "Good match (distance 0.45) with approved photos of Müller, Anna, 1902-1988"
    link = item.xpath(".//div[@class='queue-faces']//button[@data-link]")
    assert len(link) == 1 and text(link[0]).startswith("Link and approve")
    form = link[0].xpath("ancestor::form[1]")[0]
    data = {i.get("name"): i.get("value") for i in form.xpath(".//input")}
    response = client.post(form.get("action"), data=data)
    assert response.status_code == 302
    linked = db.session.scalars(select(Identification).where(Identification.supersedes_id == world["suggestion"].id)).one()
    assert (linked.state, linked.authority_id) == ("approved", world["anna"].id)


def _queue_link_form(client, world) -> tuple[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    """The queue's first "Link and approve" beside a face-matching candidate (the one the ``l`` key presses)."""
    item = parse(client.get("/moderation")).xpath(f"//article[@id='item-{world['suggestion'].id}']")[0]
    [button] = item.xpath(".//div[@class='queue-faces']//button[@data-link]")
    form = button.xpath("ancestor::form[1]")[0]
    return form.get("action"), {i.get("name"): i.get("value") for i in form.xpath(".//input")}


def test_linking_a_candidate_from_the_queue_leaves_the_same_trail_as_from_the_photo_page(client, world) -> None:  # type: ignore[no-untyped-def]
    _sign_in(client, world["archivist"])
    action, data = _queue_link_form(client, world)
    # A face the suggestion does not mark, or a bad face number: refused, nothing approved.
    refused = client.post(action, data={**data, "face_id": str(world["middle"].id)})
    assert refused.status_code == 409 and "does not mark that face" in refused.get_data(as_text=True)
    assert client.post(action, data={**data, "face_id": "x"}).status_code == 400
    assert db.session.scalar(select(ModerationEvent).where(ModerationEvent.action == "confirm_face_match")) is None

    assert client.post(action, data=data).status_code == 302
    linked = db.session.scalars(select(Identification).where(Identification.supersedes_id == world["suggestion"].id)).one()
    assert (linked.state, linked.authority_id, linked.contributor_id) == ("approved", world["anna"].id, world["patron"].id)
    [event] = db.session.scalars(select(ModerationEvent).where(ModerationEvent.action == "confirm_face_match"))
    assert (event.target_id, event.actor_id) == (linked.id, world["archivist"].id)
    assert event.after["provenance"] == "suggested by face matching, confirmed by Mill Archivist"
    assert (event.after["face_id"], event.after["person_id"]) == (world["right"].id, world["anna"].id)
    known = text(parse(client.get(f"/photos/{world['group'].id}")).xpath(f"//li[@id='identification-{linked.id}']")[0])
    assert "— contributed by Grandson Tom, suggested by face matching, confirmed by Millbrook Library on" in known


def test_the_feed_the_annotations_and_the_exports_say_face_matching_suggested_it(client, world) -> None:  # type: ignore[no-untyped-def]
    from photoid.catalog.records import catalog_records, verification_note
    from photoid.faces.linking import confirm_match

    made = confirm_match(world["left"], authority_id=world["anna"].id, moderator=world["archivist"])
    feed = client.get(f"/feeds/collections/{world['group'].collection.slug}/identified.atom").get_data(as_text=True)
    assert "suggested by face matching, confirmed by Millbrook Library on" in feed
    assert "verified by Millbrook Library" not in feed.split("The choir in 1931", 1)[1].split("</entry>", 1)[0]
    annotations = client.get(f"/api/photos/{world['group'].id}/annotations").get_json(force=True)
    [mine] = [a for a in annotations["items"] if a["id"].endswith(f"/{made.id}")]
    assert mine["creator"] == {"type": "Software", "name": "face matching"}
    [record] = catalog_records([world["group"].id], base_url="http://localhost")
    assert verification_note(record).startswith("Identifications suggested by face matching and confirmed by Millbrook Library on ")
    [portrait] = catalog_records([world["portrait"].id], base_url="http://localhost")
    assert "face matching" not in verification_note(portrait)


def test_staff_link_an_unnamed_face_and_the_record_says_face_matching_suggested_it(client, world) -> None:  # type: ignore[no-untyped-def]
    _sign_in(client, world["archivist"])
    page = parse(client.get(f"/photos/{world['group'].id}"))
    button = page.xpath("//button[normalize-space(.)='Link and approve face 1 of 2 as Müller, Anna, 1902-1988']")[0]
    form = button.xpath("ancestor::form[1]")[0]
    data = {i.get("name"): i.get("value") for i in form.xpath(".//input")}
    assert client.post(form.get("action"), data=data).status_code == 302
    made = db.session.scalars(select(Identification).where(Identification.photo_id == world["group"].id,
                                                           Identification.state == "approved")).one()
    assert (made.authority_id, made.contributor_id, made.region_x) == (world["anna"].id, None, LEFT[0])
    known = text(parse(client.get(f"/photos/{world['group'].id}")).xpath("//li[@id='identification-%d']" % made.id)[0])
    assert "— suggested by face matching, confirmed by Millbrook Library on" in known
    # The same button again: the face is named now.
    again = client.post(form.get("action"), data=data, follow_redirects=True)
    assert "Someone has named this face" in again.get_data(as_text=True)
    # A person never suggested for the face, a bad number, a patron: refused, nothing made.
    assert client.post(form.get("action"), data={**data, "authority_id": "x"}).status_code == 400
    _sign_in(client, world["patron"])
    assert client.post(form.get("action"), data=data).status_code == 403


# --- switches ----------------------------------------------------------------------------------------

def test_an_admin_turns_face_assistance_on_and_off(client, world) -> None:  # type: ignore[no-untyped-def]
    admin = make_user(role="admin")
    db.session.commit()
    _sign_in(client, admin)
    page = parse(client.get("/admin/institutions/millbrook"))
    section = page.xpath("//section[@aria-labelledby='faces-heading']")[0]
    labels = [text(label) for label in section.xpath(".//label")]
    assert labels == ["Find faces on this institution’s photos", "Compare faces with the people already identified",
                      "Patrons see the likely people too"]
    token = _csrf(client)
    response = client.post("/admin/institutions/millbrook/faces",
                           data={"csrf_token": token, "detection": "y", "patrons_see_matches": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    mill = world["mill"]
    # Matching off: patrons cannot see matches there are none of, and the encodings are forgotten.
    assert (mill.faces_detection_enabled, mill.faces_matching_enabled, mill.faces_patrons_see_matches) == (True, False, False)
    assert db.session.scalars(select(Face.encoding).where(Face.encoding.is_not(None))).all() == []
    assert db.session.scalar(select(ModerationEvent).where(ModerationEvent.action == "institution_faces")) is not None
    client.post("/admin/institutions/millbrook/faces", data={"csrf_token": token})
    assert db.session.scalars(select(Face)).all() == []


def test_only_admins_change_the_switches_and_a_form_without_its_token_is_refused(client, world) -> None:  # type: ignore[no-untyped-def]
    _sign_in(client, world["archivist"])
    token = _csrf(client)
    assert client.post("/admin/institutions/millbrook/faces", data={"csrf_token": token}).status_code == 403
    admin = make_user(role="admin")
    db.session.commit()
    _sign_in(client, admin)
    assert client.post("/admin/institutions/millbrook/faces", data={"detection": ""}).status_code == 400
    assert client.post("/admin/institutions/nowhere/faces", data={"csrf_token": _csrf(client)}).status_code == 404
    db.session.expire_all()
    assert world["mill"].faces_detection_enabled and world["mill"].faces_matching_enabled


def test_staff_mark_a_person_do_not_match_and_face_matching_stops_suggesting_them(client, world) -> None:  # type: ignore[no-untyped-def]
    _sign_in(client, world["archivist"])
    page = parse(client.get(f"/people/{world['anna'].id}"))
    button = page.xpath("//section[@aria-labelledby='face-matching']//button")[0]
    assert text(button) == "Mark “do not match”: never suggest this person"
    form = button.xpath("ancestor::form[1]")[0]
    data = {i.get("name"): i.get("value") for i in form.xpath(".//input")}
    assert client.post(form.get("action"), data=data).status_code == 302
    db.session.expire_all()
    assert world["anna"].do_not_match is True
    assert _candidates_of(parse(client.get(f"/photos/{world['group'].id}")), world["left"]) == []
    place = make_authority(kind="place", heading="Main Street")
    db.session.commit()
    assert client.post(f"/authorities/{place.id}/do-not-match", data=data).status_code == 400
    _sign_in(client, world["patron"])
    assert client.post(form.get("action"), data={**data, "do_not_match": ""}).status_code == 403
    db.session.expire_all()
    assert world["anna"].do_not_match is True


# --- Help identify, privacy ------------------------------------------------------------------------------

def test_help_identify_lists_photos_with_unnamed_faces(client, world) -> None:  # type: ignore[no-untyped-def]
    rejected = world["suggestion"]  # the right face is a question again
    rejected.reviewer_id, rejected.reviewed_at, rejected.state = world["archivist"].id, utcnow(), "rejected"
    db.session.commit()
    page = parse(client.get("/help"))
    cards = {text(li.xpath(".//h2")[0]): text(li.xpath(".//p")[0]) for li in page.xpath("//main//ul/li[.//h2]")}
    assert cards["The choir in 1931"] == "3 unnamed faces"
    assert "Anna at the school" not in cards  # its one face is named


def test_the_privacy_page_says_what_is_computed_for_what_who_sees_it_and_how_to_ask_for_removal(client) -> None:  # type: ignore[no-untyped-def]
    page = parse(client.get("/privacy"))
    section = page.xpath("//h2[@id='faces']/following-sibling::dl[1]")[0]
    assert [text(dt) for dt in section.xpath("./dt")] == ["What is computed", "What for", "Who sees it", "How to ask for removal"]
    assert "never leave the site’s database" in text(section)
    assert alert(client.get("/privacy")) == ""


def test_a_faces_picture_is_cut_from_the_photo_for_whoever_may_see_it(client, world) -> None:  # type: ignore[no-untyped-def]
    import io

    from PIL import Image

    from photoid.photos.service import add_photo

    buffer = io.BytesIO()
    Image.linear_gradient("L").resize((1200, 900)).convert("RGB").save(buffer, "JPEG")
    photo = add_photo(collection=world["group"].collection, image_data=buffer.getvalue(), identifier="F-1", title="Faces")
    db.session.commit()  # the detector finds no face on a gradient; the test puts one there
    face = make_face(photo, (0.4, 0.4, 0.1, 0.1))
    db.session.commit()
    address = f"/photos/{photo.id}/faces/{face.id}.jpg"
    response = client.get(address)
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    with Image.open(io.BytesIO(response.data)) as cut:
        # The box and a quarter of it on each side: 1.5 times 120 by 90 pixels of the display image.
        assert max(cut.size) <= 240 and cut.size[0] > cut.size[1]
    photo.is_published = False  # withdrawn: not shown, and its faces are forgotten
    db.session.commit()
    assert client.get(address).status_code == 404


def test_nobody_sees_candidates_where_matching_is_off(client, world) -> None:  # type: ignore[no-untyped-def]
    world["mill"].faces_matching_enabled = False
    db.session.commit()
    _sign_in(client, world["archivist"])
    page = parse(client.get(f"/photos/{world['group'].id}"))
    assert len(_who_is_this(page)) == 2 and _candidates_of(page, world["left"]) == []
    item = parse(client.get("/moderation")).xpath(f"//article[@id='item-{world['suggestion'].id}']")[0]
    assert "Face matching" not in [text(dt) for dt in item.xpath(".//dl/dt")]


def test_the_shell_may_change_the_switches_and_a_patron_may_not(world) -> None:  # type: ignore[no-untyped-def]
    from photoid.faces import settings

    mill = world["mill"]
    assert settings.change_switches(mill, detection=True, matching=True, patrons_see_matches=True, actor=None) is True
    event = db.session.scalars(select(ModerationEvent).where(ModerationEvent.action == "institution_faces")).one()
    assert (event.actor_id, event.after) == (None, {"faces_patrons_see_matches": True})
    assert settings.change_switches(mill, detection=True, matching=True, patrons_see_matches=True, actor=None) is False
    with pytest.raises(settings.FaceSettingsError):
        settings.change_switches(mill, detection=False, matching=False, patrons_see_matches=False, actor=world["patron"])
    db.session.expire_all()
    assert mill.faces_detection_enabled and len(db.session.scalars(select(Face)).all()) == 4
