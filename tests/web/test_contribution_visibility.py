"""Routes that open one identification or comment by its number show it only to whom may see it.

A patron who walks the numbers (``/comments/1/report``, ``/comments/2/report`` …) must not read a
comment held for review, a withdrawn one, a rejected or spam identification, or a suggestion the
institution keeps from the public; nor vote on it or dispute it. Everything answers "not found",
as for a number that does not exist. (The rule itself, state by viewer, is tested in
tests/integration/test_visibility.py.)
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from photoid.contributions.models import Confirmation, Identification
from photoid.db import utcnow
from photoid.extensions import db
from photoid.moderation.models import Report
from tests.factories import make_collection, make_comment, make_identification, make_institution, make_photo, make_user


@pytest.fixture
def hidden(app):  # type: ignore[no-untyped-def]
    """A photo whose institution hides suggestions, with one item in every hidden state, and a photo that shows them."""
    private = make_institution(name="Quiet Library", show_pending_publicly=False)
    photo = make_photo(collection=make_collection(institution=private), title="Harbour")
    open_photo = make_photo(title="Market")
    author = make_user(display_name="Quinn Author")
    vandal = make_user(display_name="Vandal")
    items = {
        "hidden pending": make_identification(photo=photo, contributor=author, text_value="Secret Suggestion"),
        "rejected": make_identification(photo=open_photo, contributor=author, state="rejected", text_value="Rejected Name"),
        "spam": make_identification(photo=open_photo, contributor=author, state="spam", text_value="Spam Name"),
        "withdrawn": make_identification(photo=open_photo, contributor=author, state="withdrawn", text_value="Taken Back Name"),
        "suspended pending": make_identification(photo=open_photo, contributor=vandal, text_value="Rude Name"),
    }
    comments = {
        "held": make_comment(photo=open_photo, author=author, state="pending", body="Held for review text"),
        "withdrawn": make_comment(photo=open_photo, author=author, state="withdrawn", body="Withdrawn comment text"),
        "rejected": make_comment(photo=open_photo, author=author, state="rejected", body="Rejected comment text"),
        "spam": make_comment(photo=open_photo, author=author, state="spam", body="Spam comment text"),
    }
    shown = {
        "public pending": make_identification(photo=open_photo, contributor=author, text_value="Open Suggestion"),
        "approved": make_identification(photo=open_photo, contributor=author, state="approved", text_value="Known Name"),
    }
    published = make_comment(photo=open_photo, author=author, body="Published comment text")
    vandal.suspended_at = utcnow()
    db.session.commit()
    return {"photo": photo, "open_photo": open_photo, "author": author, "items": items, "comments": comments,
            "shown": shown, "published": published}


def _votes() -> int:
    return db.session.scalar(select(func.count(Confirmation.id))) or 0


def test_report_pages_of_hidden_identifications_are_not_found(client, login_as, hidden) -> None:  # type: ignore[no-untyped-def]
    login_as("patron")
    for state, item in hidden["items"].items():
        response = client.get(f"/identifications/{item.id}/report")
        assert response.status_code == 404, state
        assert item.text_value not in response.get_data(as_text=True), state


def test_report_pages_of_hidden_comments_are_not_found(client, login_as, hidden) -> None:  # type: ignore[no-untyped-def]
    login_as("patron")
    for state, item in hidden["comments"].items():
        response = client.get(f"/comments/{item.id}/report")
        assert response.status_code == 404, state
        assert item.body not in response.get_data(as_text=True) and "Quinn Author" not in response.get_data(as_text=True)


def test_a_report_on_a_hidden_item_is_not_found_and_not_saved(client, login_as, csrf_token, hidden) -> None:  # type: ignore[no-untyped-def]
    login_as("patron")
    token = csrf_token(f"/photos/{hidden['open_photo'].id}/identify")
    held = hidden["comments"]["held"]
    response = client.post(f"/comments/{held.id}/report", data={"csrf_token": token, "reason": "This is spam"})
    assert response.status_code == 404
    assert db.session.scalar(select(func.count(Report.id))) == 0


def test_report_pages_of_what_the_public_sees_still_open(client, login_as, hidden) -> None:  # type: ignore[no-untyped-def]
    login_as("patron")
    for state, item in hidden["shown"].items():
        response = client.get(f"/identifications/{item.id}/report")
        assert response.status_code == 200 and item.text_value in response.get_data(as_text=True), state
    response = client.get(f"/comments/{hidden['published'].id}/report")
    assert response.status_code == 200 and "Quinn Author" in response.get_data(as_text=True)


def test_a_hidden_suggestion_cannot_be_disputed(client, login_as, csrf_token, hidden) -> None:  # type: ignore[no-untyped-def]
    login_as("patron")
    secret = hidden["items"]["hidden pending"]
    photo = hidden["photo"]
    response = client.get(f"/photos/{photo.id}/identify?disputes={secret.id}")
    assert response.status_code == 404 and "Secret Suggestion" not in response.get_data(as_text=True)
    response = client.post(f"/photos/{photo.id}/identifications", data={
        "csrf_token": csrf_token(f"/photos/{photo.id}/identify"), "kind": "person", "name": "My Own Guess",
        "disputes": str(secret.id),
    })
    assert response.status_code == 404
    assert db.session.scalar(select(Identification).where(Identification.text_value == "My Own Guess")) is None
    assert _votes() == 0


def test_a_suspended_accounts_suggestion_cannot_be_disputed(client, login_as, hidden) -> None:  # type: ignore[no-untyped-def]
    login_as("patron")
    rude = hidden["items"]["suspended pending"]
    response = client.get(f"/photos/{hidden['open_photo'].id}/identify?disputes={rude.id}")
    assert response.status_code == 404 and "Rude Name" not in response.get_data(as_text=True)


def test_hidden_suggestions_take_no_votes(client, login_as, csrf_token, hidden) -> None:  # type: ignore[no-untyped-def]
    login_as("patron")
    token = csrf_token(f"/photos/{hidden['open_photo'].id}/identify")
    for state in ("hidden pending", "suspended pending"):
        item = hidden["items"][state]
        response = client.post(f"/identifications/{item.id}/votes", data={"csrf_token": token, "stance": "agree"})
        assert response.status_code == 404, state
    assert _votes() == 0
    shown = hidden["shown"]["public pending"]
    client.post(f"/identifications/{shown.id}/votes", data={"csrf_token": token, "stance": "agree"})
    assert _votes() == 1


def test_someone_elses_hidden_items_cannot_be_withdrawn_or_probed(client, login_as, csrf_token, hidden) -> None:  # type: ignore[no-untyped-def]
    login_as("patron")
    token = csrf_token(f"/photos/{hidden['open_photo'].id}/identify")
    secret = hidden["items"]["hidden pending"]
    assert client.post(f"/identifications/{secret.id}/withdraw", data={"csrf_token": token}).status_code == 404
    held = hidden["comments"]["held"]
    assert client.post(f"/comments/{held.id}/withdraw", data={"csrf_token": token}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Identification, secret.id).state == "pending"


def test_the_author_still_opens_and_withdraws_their_own_hidden_items(client, hidden, csrf_token) -> None:  # type: ignore[no-untyped-def]
    with client.session_transaction() as session:
        session["_user_id"] = hidden["author"].login_id
    secret = hidden["items"]["hidden pending"]
    page = client.get(f"/photos/{hidden['photo'].id}").get_data(as_text=True)
    assert "Secret Suggestion" in page
    token = csrf_token(f"/photos/{hidden['photo'].id}/identify")
    assert client.post(f"/identifications/{secret.id}/withdraw", data={"csrf_token": token}).status_code == 302
    held = hidden["comments"]["held"]
    assert client.post(f"/comments/{held.id}/withdraw", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Identification, secret.id).state == "withdrawn"


def test_the_annotation_api_hides_a_suspended_accounts_suggestion(client, hidden) -> None:  # type: ignore[no-untyped-def]
    rude = hidden["items"]["suspended pending"]
    response = client.get(f"/api/annotations/{rude.id}")
    assert response.status_code == 404 and "Rude Name" not in response.get_data(as_text=True)
    listed = client.get(f"/api/photos/{hidden['open_photo'].id}/annotations").get_data(as_text=True)
    assert "Rude Name" not in listed and "Open Suggestion" in listed


def test_staff_of_another_institution_see_no_more_than_a_patron(client, login_as, hidden) -> None:  # type: ignore[no-untyped-def]
    login_as("archivist", institutions=[make_institution()])
    db.session.commit()
    secret = hidden["items"]["hidden pending"]
    assert client.get(f"/identifications/{secret.id}/report").status_code == 404
    assert client.get(f"/comments/{hidden['comments']['held'].id}/report").status_code == 404
    assert client.get(f"/api/annotations/{secret.id}").status_code == 404
