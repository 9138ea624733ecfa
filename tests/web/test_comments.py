"""The discussion under a photo, as visitors and patrons use it, without JavaScript."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from photoid.contributions.models import Comment
from photoid.extensions import db
from tests.conftest import make_test_app
from tests.factories import make_collection, make_comment, make_institution, make_photo, make_user
from tests.web.pages import parse as _page


def _photo(policy: str = "post"):  # type: ignore[no-untyped-def]
    photo = make_photo(collection=make_collection(institution=make_institution(comment_policy=policy), is_published=True),
                       is_published=True)
    db.session.commit()
    return photo


def _discussion(page):  # type: ignore[no-untyped-def]
    """The section headed "Discussion"."""
    [heading] = [h for h in page.iter("h2") if h.text_content().strip() == "Discussion"]
    return heading.getparent()


def _control(page, label_text: str):  # type: ignore[no-untyped-def]
    """The form control whose label reads ``label_text``, or None."""
    for label in page.iter("label"):
        if label.text_content().strip() == label_text:
            found = page.get_element_by_id(label.get("for"), None)
            if found is not None:
                return found
    return None


def _buttons(page, name: str) -> list:  # type: ignore[type-arg]
    return [b for b in page.iter("button") if b.text_content().strip() == name]


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Comment)) or 0


def _post(client, csrf_token, photo, body: str, **extra: str):  # type: ignore[no-untyped-def]
    return client.post(f"/photos/{photo.id}/comments",
                       data={"csrf_token": csrf_token(f"/photos/{photo.id}"), "body": body, **extra})


def test_visitors_read_the_discussion_and_are_invited_to_sign_in(client) -> None:
    photo = _photo()
    make_comment(photo=photo, author=make_user(display_name="Margaret H."), body="My father built that porch.")
    db.session.commit()
    page = _page(client.get(f"/photos/{photo.id}"))
    discussion = _discussion(page)
    text = discussion.text_content()
    assert "My father built that porch." in text and "Margaret H." in text
    assert _control(page, "Your comment") is None and not _buttons(discussion, "Reply")
    assert any(a.text_content() == "sign in" for a in discussion.iter("a"))
    refused = client.post(f"/photos/{photo.id}/comments", data={"body": "Hi"})
    assert refused.status_code in (302, 400) and _count() == 1


def test_a_patron_posts_a_comment_and_sees_it_published(client, login_as, csrf_token) -> None:
    photo = _photo("post")
    login_as("patron", display_name="Tom B.")
    page = _page(client.get(f"/photos/{photo.id}"))
    assert _control(page, "Your comment").tag == "textarea"
    response = _post(client, csrf_token, photo, "I delivered milk to that house in 1950.")
    stored = db.session.scalar(select(Comment))
    assert response.status_code == 302 and response.location.endswith(f"/photos/{photo.id}#comment-{stored.id}")
    page = _page(client.get(response.location))
    assert "Your comment is published" in page.text_content()
    discussion = _discussion(page)
    assert "I delivered milk to that house in 1950." in discussion.text_content() and "Tom B." in discussion.text_content()
    assert _buttons(discussion, "Withdraw") and "Waiting for review" not in discussion.text_content()


def test_a_held_comment_is_seen_only_by_its_author_as_waiting(app, client, login_as, csrf_token) -> None:
    photo = _photo("pre")
    login_as("patron")
    response = _post(client, csrf_token, photo, "Is this the church on Elm Street?")
    assert response.status_code == 302
    own = _page(client.get(response.location))
    assert "an archivist will review it first" in own.text_content().lower()
    mine = _discussion(own).text_content()
    assert "Is this the church on Elm Street?" in mine and "Waiting for review" in mine

    visitor = app.test_client()
    assert "Elm Street" not in _discussion(_page(visitor.get(f"/photos/{photo.id}"))).text_content()
    neighbour = app.test_client()
    with neighbour.session_transaction() as session:
        session["_user_id"] = make_user().login_id
    db.session.commit()
    assert "Elm Street" not in _discussion(_page(neighbour.get(f"/photos/{photo.id}"))).text_content()


def test_a_reply_without_javascript_and_a_reply_to_a_reply_joins_the_thread(client, login_as, csrf_token) -> None:
    photo = _photo()
    top = make_comment(photo=photo, author=make_user(display_name="Ann"), body="Who ran the shop?")
    answer = make_comment(photo=photo, parent=top, body="The Millers.")
    db.session.commit()
    login_as("patron")
    page = _page(client.get(f"/photos/{photo.id}"))
    reply_box = _control(page, "Your reply to Ann")
    assert reply_box is not None and reply_box.tag == "textarea"
    assert [s.text_content() for s in _discussion(page).iter("summary")] == ["Reply to Ann"]
    response = _post(client, csrf_token, photo, "Until 1960, I think.", parent_id=str(answer.id))
    assert response.status_code == 302
    thread = _discussion(_page(client.get(response.location)))
    [top_item] = [li for li in thread.iter("li") if li.get("id") == f"comment-{top.id}"]
    nested = [li.text_content() for li in top_item.iter("li")]
    assert any("The Millers." in t for t in nested) and any("Until 1960, I think." in t for t in nested)


def test_bad_text_comes_back_with_the_reason_and_the_patrons_words(client, login_as, csrf_token) -> None:
    photo = _photo()
    top = make_comment(photo=photo, author=make_user(display_name="Ann"), body="Who ran the shop?")
    db.session.commit()
    login_as("patron")
    response = _post(client, csrf_token, photo, "See <b>this</b> shop")
    assert response.status_code == 400
    page = _page(response)
    assert "Please write your comment as plain text" in page.text_content()
    assert _control(page, "Your comment").text_content() == "See <b>this</b> shop"

    too_long = _post(client, csrf_token, photo, "x" * 5001, parent_id=str(top.id))
    assert too_long.status_code == 400
    page = _page(too_long)
    reply_box = _control(page, "Your reply to Ann")
    assert reply_box.text_content() == "x" * 5001
    details = reply_box.getparent().getparent().getparent()
    assert details.tag == "details" and details.get("open") is not None
    assert "at most 5000 characters" in details.text_content()

    empty = _post(client, csrf_token, photo, "   ", parent_id="not a number")
    assert empty.status_code == 400 and "not available any more" in _page(empty).text_content()
    assert _count() == 1


def test_a_comment_without_the_form_token_is_refused(client, login_as) -> None:
    photo = _photo()
    login_as("patron")
    response = client.post(f"/photos/{photo.id}/comments", data={"body": "Hello"})
    assert response.status_code == 400 and "reload the page" in response.get_data(as_text=True)
    assert _count() == 0


def test_links_are_clickable_and_scripts_stay_text(client) -> None:
    photo = _photo()
    # Stored directly: the service refuses markup, but the page must stay safe whatever the database holds.
    make_comment(photo=photo, body='More at https://example.org/mill?a=1&b=2\n<script>alert("x")</script>'
                                   ' "><img src=x onerror=alert(1)> javascript:alert(2)')
    db.session.commit()
    page = _page(client.get(f"/photos/{photo.id}"))
    discussion = _discussion(page)
    links = [a for a in discussion.iter("a") if a.text_content().startswith("https://example.org")]
    assert [a.get("href") for a in links] == ["https://example.org/mill?a=1&b=2"]
    assert "nofollow" in links[0].get("rel")
    assert not list(discussion.iter("script")) and not list(discussion.iter("img"))
    assert not [a for a in discussion.iter("a") if "javascript" in (a.get("href") or "")]
    assert '<script>alert("x")</script>' in discussion.text_content()  # shown as the words typed


def test_the_author_withdraws_a_comment_and_finds_it_under_my_contributions(app, client, login_as, csrf_token) -> None:
    photo = _photo()
    author = login_as("patron")
    mine = make_comment(photo=photo, author=author, body="Wrong photo, sorry.")
    held = make_comment(photo=photo, author=author, body="Still thinking.", state="pending")
    theirs = make_comment(photo=photo, body="Someone else's memory.")
    db.session.commit()
    token = csrf_token(f"/photos/{photo.id}")
    refused = client.post(f"/comments/{theirs.id}/withdraw", data={"csrf_token": token}, follow_redirects=True)
    assert "Only the person who wrote this comment" in refused.get_data(as_text=True)
    response = client.post(f"/comments/{mine.id}/withdraw", data={"csrf_token": token}, follow_redirects=True)
    page = _page(response)
    assert "Your comment is withdrawn" in page.text_content()
    assert "Wrong photo, sorry." not in _discussion(page).text_content()
    assert "Someone else's memory." in _discussion(page).text_content()

    listing = _page(client.get("/me/contributions"))
    [heading] = [h for h in listing.iter("h2") if h.text_content() == "Comments"]
    rows = {tr.xpath("td")[1].text_content(): tr.xpath("td")[2].text_content()
            for tr in heading.getparent().iter("tr") if tr.xpath("td")}
    assert rows == {"Wrong photo, sorry.": "Withdrawn by you", "Still thinking.": "Waiting for review"}
    client.post(f"/comments/{held.id}/withdraw", data={"csrf_token": token, "back": "mine"})
    db.session.expire_all()
    assert {c.state for c in db.session.scalars(select(Comment).where(Comment.author_id == author.id))} == {"withdrawn"}
    assert db.session.get(Comment, theirs.id).state == "published"
    assert client.post("/comments/99999999999999999999999/withdraw", data={"csrf_token": token}).status_code == 404


def test_posting_too_many_comments_is_slowed_down_politely(app, tmp_path, database_url) -> None:
    photo = _photo()
    patron, other = make_user(), make_user()
    db.session.commit()
    limited = make_test_app(tmp_path / "limited", database_url, RATELIMIT_ENABLED=True, WTF_CSRF_ENABLED=False)
    try:
        client = limited.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = patron.login_id
        statuses = [client.post(f"/photos/{photo.id}/comments", data={"body": f"Memory {n}"}).status_code for n in range(21)]
        assert statuses[:20] == [302] * 20 and statuses[20] == 429
        last = client.post(f"/photos/{photo.id}/comments", data={"body": "One more"})
        assert last.status_code == 429 and re.search(r"Please try again in (about \d+ minutes|less than a minute)",
                                                     last.get_data(as_text=True))
        neighbour = limited.test_client()  # another account on the same computer is not held back
        with neighbour.session_transaction() as session:
            session["_user_id"] = other.login_id
        assert neighbour.post(f"/photos/{photo.id}/comments", data={"body": "My turn"}).status_code == 302
        assert _count() == 21
    finally:
        with limited.app_context():
            db.engine.dispose()


def test_many_accounts_from_one_address_are_held_back_too(app, tmp_path, database_url) -> None:
    photo = _photo()
    patrons = [make_user() for _ in range(3)]
    db.session.commit()
    limited = make_test_app(tmp_path / "limited", database_url, RATELIMIT_ENABLED=True, WTF_CSRF_ENABLED=False,
                            CONTRIBUTION_ADDRESS_LIMIT="5 per hour")
    try:
        statuses = []
        for patron in patrons:
            client = limited.test_client()
            with client.session_transaction() as session:
                session["_user_id"] = patron.login_id
            statuses += [client.post(f"/photos/{photo.id}/comments", data={"body": "Hello"}).status_code for _ in range(2)]
        assert statuses == [302] * 5 + [429] and _count() == 5
    finally:
        with limited.app_context():
            db.engine.dispose()


def test_a_withdrawn_comment_that_was_answered_leaves_a_note_and_its_replies(client) -> None:
    photo = _photo()
    top = make_comment(photo=photo, body="Taken at the fair, I think.", state="withdrawn")
    make_comment(photo=photo, parent=top, body="No, it was the 1925 parade.")
    make_comment(photo=photo, body="Removed words", state="spam")
    db.session.commit()
    text = _discussion(_page(client.get(f"/photos/{photo.id}"))).text_content()
    assert "This comment was withdrawn by its author." in text and "No, it was the 1925 parade." in text
    assert "Taken at the fair" not in text and "Removed words" not in text
