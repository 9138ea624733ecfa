"""The identify form on the photo page works without JavaScript; votes and withdrawal too."""
from __future__ import annotations

import re

from sqlalchemy import select

from photoid.contributions.models import Confirmation, Identification
from photoid.extensions import db
from tests.factories import make_identification, make_photo, make_user


def test_visitors_are_invited_to_sign_in_to_identify(client) -> None:
    photo = make_photo()
    db.session.commit()
    page = client.get(f"/photos/{photo.id}").get_data(as_text=True)
    assert "Do you recognise something?" in page and f"/login?next=/photos/{photo.id}" in page
    assert client.post(f"/photos/{photo.id}/identifications", data={"kind": "person", "name": "X"}).status_code in (302, 400)
    assert db.session.scalar(select(Identification.id)) is None


def test_a_patron_identifies_a_person_and_sees_it_pending(client, login_as, csrf_token) -> None:
    photo = make_photo(title="Parade")
    db.session.commit()
    login_as("patron", display_name="Margaret H.")
    response = client.post(f"/photos/{photo.id}/identifications", data={
        "csrf_token": csrf_token(f"/photos/{photo.id}"), "kind": "person", "name": "John Smith",
        "evidence": "He was my grandfather.", "region_x": "0.1", "region_y": "0.2", "region_w": "0.05", "region_h": "0.08",
    }, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Thank you! An archivist will review" in page
    assert "John Smith" in page and "Unverified" in page and "Withdraw my identification" in page
    stored = db.session.scalar(select(Identification))
    assert stored is not None and stored.state == "pending" and stored.region_w == 0.05

    mine = client.get("/me/contributions").get_data(as_text=True)
    assert "John Smith" in mine and "Waiting for review" in mine


def test_a_bad_identification_is_shown_again_with_the_reason(client, login_as, csrf_token) -> None:
    photo = make_photo()
    db.session.commit()
    login_as("patron")
    response = client.post(f"/photos/{photo.id}/identifications", data={
        "csrf_token": csrf_token(f"/photos/{photo.id}"), "kind": "date", "date_text": "the day grandad came home"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Try forms like" in page and "the day grandad came home" in page  # the patron's words are kept
    bad_region = client.post(f"/photos/{photo.id}/identifications", data={
        "csrf_token": csrf_token(f"/photos/{photo.id}"), "kind": "person", "name": "A", "region_x": "abc",
        "region_y": "0", "region_w": "0.1", "region_h": "0.1"})
    assert bad_region.status_code == 400 and "please draw it again" in bad_region.get_data(as_text=True)
    assert db.session.scalar(select(Identification.id)) is None


def test_another_patron_agrees_once_and_the_author_withdraws(app, client, login_as, csrf_token) -> None:
    author = make_user(display_name="Margaret H.")
    identification = make_identification(photo=make_photo(), contributor=author, text_value="Main Street")
    db.session.commit()
    login_as("patron", display_name="Tom")
    token = csrf_token(f"/photos/{identification.photo_id}")
    client.post(f"/identifications/{identification.id}/votes", data={"csrf_token": token, "stance": "agree"})
    page = client.get(f"/photos/{identification.photo_id}").get_data(as_text=True)
    assert "1 agree, 0 disagree" in page and "You agree." in page
    again = client.post(f"/identifications/{identification.id}/votes", data={"csrf_token": token, "stance": "disagree"}, follow_redirects=True)
    assert "already voted" in again.get_data(as_text=True)
    assert db.session.scalar(select(Confirmation).where(Confirmation.stance == "disagree")) is None

    own = app.test_client()
    with own.session_transaction() as session:
        session["_user_id"] = author.login_id
    page = own.get(f"/photos/{identification.photo_id}").get_data(as_text=True)
    assert "I agree" not in page  # nobody votes on their own
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    own.post(f"/identifications/{identification.id}/withdraw", data={"csrf_token": token, "back": "mine"})
    db.session.expire_all()
    assert db.session.get(Identification, identification.id).state == "withdrawn"


def test_type_ahead_and_date_preview_endpoints(client) -> None:
    from tests.factories import make_authority

    make_authority(kind="person", heading="Müller, Anna, 1902-1988", variants=("Anna Muller",))
    db.session.commit()
    found = client.get("/api/authorities?q=muller&kind=person").json
    assert [f["heading"] for f in found] == ["Müller, Anna, 1902-1988"]
    preview = client.get("/api/edtf?q=between 1935 and 1938")
    assert preview.json == {"edtf": "1935/1938", "words": "between 1935 and 1938"}
    bad = client.get("/api/edtf?q=soon")
    assert bad.status_code == 400 and "Try forms like" in bad.json["error"]
