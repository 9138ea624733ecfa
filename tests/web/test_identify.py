"""The identify page works without JavaScript; votes, disputes and withdrawal too."""
from __future__ import annotations

import re

import lxml.html
from sqlalchemy import select

from photoid.contributions.models import Confirmation, Identification
from photoid.extensions import db
from tests.factories import make_identification, make_photo, make_user


def test_visitors_are_invited_to_sign_in_to_identify(client, csrf_token) -> None:
    photo = make_photo()
    db.session.commit()
    page = client.get(f"/photos/{photo.id}").get_data(as_text=True)
    assert "Do you recognise something?" in page and f"/login?next=/photos/{photo.id}/identify" in page
    form = client.get(f"/photos/{photo.id}/identify")
    assert form.status_code == 302 and form.headers["Location"].startswith("/login?")
    # With a valid CSRF token, so only the missing sign-in can turn the suggestion away.
    posted = client.post(f"/photos/{photo.id}/identifications",
                         data={"csrf_token": csrf_token("/login"), "kind": "person", "name": "X"})
    assert posted.status_code == 302 and posted.headers["Location"].startswith("/login?")
    assert db.session.scalar(select(Identification.id)) is None


def test_a_patron_identifies_a_person_and_sees_it_pending(client, login_as, csrf_token) -> None:
    photo = make_photo(title="Parade")
    db.session.commit()
    login_as("patron", display_name="Margaret H.")
    assert "Identify something in this photo" in client.get(f"/photos/{photo.id}").get_data(as_text=True)
    response = client.post(f"/photos/{photo.id}/identifications", data={
        "csrf_token": csrf_token(f"/photos/{photo.id}/identify"), "kind": "person", "name": "John Smith",
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
        "csrf_token": csrf_token(f"/photos/{photo.id}/identify"), "kind": "date", "date_text": "the day grandad came home"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Try forms like" in page and "the day grandad came home" in page  # the patron's words are kept
    assert "What do you recognise in" in page  # back on the identify page, not the photo page
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


def test_a_patron_takes_back_a_vote_and_may_vote_again(client, login_as, csrf_token) -> None:
    identification = make_identification(photo=make_photo(), contributor=make_user(), text_value="Main Street")
    db.session.commit()
    photo_page, votes = f"/photos/{identification.photo_id}", f"/identifications/{identification.id}/votes"
    login_as("patron", display_name="Tom")
    client.post(votes, data={"csrf_token": csrf_token(photo_page), "stance": "agree"})
    page = client.get(photo_page).get_data(as_text=True)
    assert "1 agree, 0 disagree" in page and "You agree." in page and ">Take back my vote</button>" in page

    taken = client.post(f"{votes}/withdraw", data={"csrf_token": csrf_token(photo_page)}, follow_redirects=True)
    page = taken.get_data(as_text=True)
    assert "Your vote is taken back" in page
    assert "0 agree, 0 disagree" in page and "You agree." not in page and ">I agree</button>" in page
    vote = db.session.scalar(select(Confirmation))
    db.session.refresh(vote)
    assert vote.state == "withdrawn" and vote.withdrawn_at is not None
    assert "Main Street” on" in (mine := client.get("/me/contributions").get_data(as_text=True))
    assert "taken back, not counted" in mine
    twice = client.post(f"{votes}/withdraw", data={"csrf_token": csrf_token(photo_page)}, follow_redirects=True)
    assert "no vote on this identification to take back" in twice.get_data(as_text=True)

    client.post(votes, data={"csrf_token": csrf_token(photo_page), "stance": "disagree"})
    assert "0 agree, 1 disagree" in client.get(photo_page).get_data(as_text=True)
    db.session.expire_all()
    assert [(v.state, v.stance, v.withdrawn_at) for v in db.session.scalars(select(Confirmation))] == [
        ("active", "disagree", None)]

    # Taken back again, then disputed with a name of one's own: the same vote row counts again.
    client.post(f"{votes}/withdraw", data={"csrf_token": csrf_token(photo_page)})
    disputed = client.post(f"{photo_page}/identifications", data={
        "csrf_token": csrf_token(f"{photo_page}/identify"), "kind": "place", "name": "High Street",
        "disputes": str(identification.id)})
    assert disputed.status_code == 302
    db.session.expire_all()
    counter = db.session.scalar(select(Identification).where(Identification.text_value == "High Street"))
    assert [(v.state, v.counter_identification_id) for v in db.session.scalars(select(Confirmation))] == [
        ("active", counter.id)]


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


def test_only_the_identify_page_allows_the_drawing_library_its_eval(client, login_as) -> None:
    photo = make_photo()
    db.session.commit()
    login_as("patron")
    identify = client.get(f"/photos/{photo.id}/identify")
    assert identify.status_code == 200
    assert "'unsafe-eval'" in identify.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in identify.headers["Content-Security-Policy"]  # still no inline script
    page = identify.get_data(as_text=True)
    assert "annotorious-openseadragon.js" in page and 'for="name"' in page and 'for="date_text"' in page
    photo_page = client.get(f"/photos/{photo.id}")
    assert "'unsafe-eval'" not in photo_page.headers["Content-Security-Policy"]
    assert client.get("/me/contributions").headers["Content-Security-Policy"] == photo_page.headers["Content-Security-Policy"]


def test_disagreeing_with_a_name_offers_ones_own_and_both_show_side_by_side(client, login_as, csrf_token) -> None:
    photo = make_photo(title="Choir")
    first = make_identification(photo=photo, text_value="John Smith", region_x=0.1, region_y=0.1, region_w=0.2, region_h=0.3)
    make_identification(photo=photo, text_value="Main Street")  # no box: not part of the dispute
    db.session.commit()
    login_as("patron", display_name="Tom")
    page = client.get(f"/photos/{photo.id}").get_data(as_text=True)
    assert f"/photos/{photo.id}/identify?disputes={first.id}" in page

    form = client.get(f"/photos/{photo.id}/identify?disputes={first.id}").get_data(as_text=True)
    assert "is not right" in form and "John Smith" in form
    assert 'value="0.1"' in form  # the disputed box comes with the form
    client.post(f"/photos/{photo.id}/identifications", data={
        "csrf_token": csrf_token(f"/photos/{photo.id}/identify"), "kind": "person", "name": "James Smith",
        "region_x": "0.11", "region_y": "0.1", "region_w": "0.2", "region_h": "0.3", "disputes": str(first.id),
    })
    counter = db.session.scalar(select(Identification).where(Identification.text_value == "James Smith"))
    vote = db.session.scalar(select(Confirmation).where(Confirmation.identification_id == first.id))
    assert counter is not None and vote is not None
    assert vote.stance == "disagree" and vote.counter_identification_id == counter.id

    page = client.get(f"/photos/{photo.id}").get_data(as_text=True)
    assert "2 different suggestions for the same box" in page
    group = page[page.index("2 different suggestions"):]
    group = group[:group.index("</ul>")]
    assert "John Smith" in group and "James Smith" in group and "Main Street" not in group
    assert "0 agree, 1 disagree" in group


def test_one_cannot_dispute_ones_own_or_a_photo_elsewhere(client, login_as, csrf_token) -> None:
    other_photo = make_photo()
    elsewhere = make_identification(photo=other_photo)
    photo = make_photo()
    db.session.commit()
    user = login_as("patron")
    own = make_identification(photo=photo, contributor=user)
    db.session.commit()
    assert client.get(f"/photos/{photo.id}/identify?disputes={elsewhere.id}").status_code == 404
    response = client.post(f"/photos/{photo.id}/identifications", data={
        "csrf_token": csrf_token(f"/photos/{photo.id}/identify"), "kind": "person", "name": "Someone", "disputes": str(own.id),
    })
    assert response.status_code == 400 and "cannot confirm your own" in response.get_data(as_text=True)
    assert db.session.scalar(select(Identification).where(Identification.text_value == "Someone")) is None


def test_a_suspended_accounts_suggestions_leave_the_public_page(client) -> None:
    from photoid.db import utcnow

    photo = make_photo()
    vandal = make_user(display_name="Vandal")
    make_identification(photo=photo, contributor=vandal, text_value="Something rude")
    make_identification(photo=photo, text_value="Main Street")
    db.session.commit()
    assert "Something rude" in client.get(f"/photos/{photo.id}").get_data(as_text=True)
    vandal.suspended_at = utcnow()
    db.session.commit()
    page = client.get(f"/photos/{photo.id}").get_data(as_text=True)
    assert "Something rude" not in page and "Main Street" in page


def test_a_vote_and_taking_it_back_return_to_the_item_not_the_top(client, login_as, csrf_token) -> None:
    identification = make_identification(photo=make_photo(), contributor=make_user(), text_value="Main Street")
    db.session.commit()
    photo_page, votes = f"/photos/{identification.photo_id}", f"/identifications/{identification.id}/votes"
    login_as("patron", display_name="Tom")
    voted = client.post(votes, data={"csrf_token": csrf_token(photo_page), "stance": "agree"})
    assert voted.status_code == 302
    path, _, anchor = voted.headers["Location"].partition("#")
    assert path.endswith(photo_page) and anchor
    doc = lxml.html.fromstring(client.get(path).get_data(as_text=True))
    [target] = doc.xpath(f"//*[@id='{anchor}']")
    assert target.xpath(".//button[@aria-label='Take back my vote: Person Main Street']")  # the item just voted on

    taken = client.post(f"{votes}/withdraw", data={"csrf_token": csrf_token(photo_page)})
    assert taken.status_code == 302 and taken.headers["Location"].endswith(f"{photo_page}#{anchor}")
