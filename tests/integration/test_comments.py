"""Comments under a photo: the institution's policy, who skips the queue, replies, bad text, withdrawal."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from photoid.contributions.comments import photo_thread, post_comment, withdraw_comment
from photoid.contributions.models import Comment
from photoid.contributions.service import ContributionError
from photoid.contributions.workflow import InvalidTransition, NotAllowed
from photoid.extensions import db
from tests.factories import make_collection, make_institution, make_photo, make_user


def _photo(policy: str = "post"):  # type: ignore[no-untyped-def]
    return make_photo(collection=make_collection(institution=make_institution(comment_policy=policy)))


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Comment)) or 0


def test_under_the_post_policy_a_comment_is_published_at_once(db_session) -> None:
    photo = _photo("post")
    comment = post_comment(photo=photo, author=make_user(), body="My uncle ran the bakery on the left. See https://example.org/bakery")
    assert comment.state == "published"
    assert comment.body.endswith("https://example.org/bakery")  # plain web addresses are welcome
    assert [e.comment.id for e in photo_thread(photo, None)] == [comment.id]


def test_under_the_pre_policy_a_comment_waits_and_only_its_author_sees_it(db_session) -> None:
    photo = _photo("pre")
    author, neighbour = make_user(), make_user()
    comment = post_comment(photo=photo, author=author, body="Was this taken before the fire?")
    assert comment.state == "pending"
    assert photo_thread(photo, None) == [] and photo_thread(photo, neighbour) == []
    [entry] = photo_thread(photo, author)
    assert entry.comment.id == comment.id and entry.is_waiting


@pytest.mark.parametrize("who", ["trusted patron", "archivist of the institution", "admin"])
def test_trusted_patrons_and_staff_skip_the_queue(db_session, who) -> None:
    photo = _photo("pre")
    author = {
        "trusted patron": lambda: make_user(is_trusted=True),
        "archivist of the institution": lambda: make_user(role="archivist", institutions=[photo.institution]),
        "admin": lambda: make_user(role="admin"),
    }[who]()
    assert post_comment(photo=photo, author=author, body="Taken in 1952.").state == "published"


def test_an_archivist_of_another_institution_waits_like_everyone_else(db_session) -> None:
    photo = _photo("pre")
    outsider = make_user(role="archivist", institutions=[make_institution()])
    assert post_comment(photo=photo, author=outsider, body="Hello").state == "pending"


def test_replies_go_one_level_deep(db_session) -> None:
    photo = _photo()
    top = post_comment(photo=photo, author=make_user(), body="Who owned the shop?")
    reply = post_comment(photo=photo, author=make_user(), body="The Millers.", parent_id=top.id)
    reply_to_reply = post_comment(photo=photo, author=make_user(), body="Yes, until 1960.", parent_id=reply.id)
    assert reply.parent_id == top.id and reply_to_reply.parent_id == top.id
    [entry] = photo_thread(photo, None)
    assert [r.comment.body for r in entry.replies] == ["The Millers.", "Yes, until 1960."]


@pytest.mark.parametrize("case", ["another photo", "does not exist", "withdrawn", "waiting for review"])
def test_a_reply_must_answer_a_visible_comment_on_the_same_photo(db_session, case) -> None:
    photo = _photo()
    if case == "another photo":
        parent_id = post_comment(photo=_photo(), author=make_user(), body="Elsewhere").id
    elif case == "does not exist":
        parent_id = 999_999
    elif case == "withdrawn":
        parent = post_comment(photo=photo, author=make_user(), body="Oops")
        withdraw_comment(comment=parent, actor=parent.author)
        parent_id = parent.id
    else:
        pre = _photo("pre")
        parent_id = post_comment(photo=pre, author=make_user(), body="Held").id
        photo = pre
    before = _count()
    with pytest.raises(ContributionError, match="not available any more"):
        post_comment(photo=photo, author=make_user(), body="A reply", parent_id=parent_id)
    assert _count() == before


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Please enter your comment."),
        ("   \n  ", "Please enter your comment."),
        ("x" * 5001, "at most 5000 characters"),
        ("<script>alert(1)</script>", "plain text"),
        ('<a href="https://example.org">here</a>', "plain text"),
        ("click javascript:alert(1)", "plain text"),
        ("Hello\x00there", "control or invisible characters"),
        ("Hello \u202eereht", "control or invisible characters"),
    ],
)
def test_bad_text_is_refused_with_a_clear_message_and_nothing_is_saved(db_session, body, message) -> None:
    with pytest.raises(ContributionError, match=message):
        post_comment(photo=_photo(), author=make_user(), body=body)
    assert _count() == 0


def test_five_thousand_characters_with_line_breaks_fit(db_session) -> None:
    body = ("a" * 99 + "\r\n") * 50  # 5000 characters as typed; a browser sends each break as two
    comment = post_comment(photo=_photo(), author=make_user(), body=body.strip())
    assert "\r" not in comment.body and comment.body.count("\n") == 49


def test_a_suspended_account_cannot_comment(db_session) -> None:
    from photoid.db import utcnow

    with pytest.raises(ContributionError, match="cannot contribute"):
        post_comment(photo=_photo(), author=make_user(suspended_at=utcnow()), body="Hello")
    assert _count() == 0


def test_only_the_author_withdraws_and_the_comment_stays_on_record(db_session) -> None:
    photo = _photo()
    comment = post_comment(photo=photo, author=make_user(), body="I was there.")
    with pytest.raises(NotAllowed):
        withdraw_comment(comment=comment, actor=make_user())
    with pytest.raises(NotAllowed):
        withdraw_comment(comment=comment, actor=make_user(role="admin"))  # staff reject; they do not withdraw
    withdraw_comment(comment=comment, actor=comment.author)
    db.session.expire_all()
    stored = db.session.get(Comment, comment.id)
    assert stored is not None and stored.state == "withdrawn" and stored.body == "I was there."
    assert photo_thread(photo, comment.author) == []
    with pytest.raises(InvalidTransition):
        withdraw_comment(comment=stored, actor=stored.author)


def test_a_withdrawn_comment_with_replies_leaves_a_placeholder(db_session) -> None:
    photo = _photo()
    top = post_comment(photo=photo, author=make_user(), body="Is that the old mill?")
    post_comment(photo=photo, author=make_user(), body="Yes, it burned in 1961.", parent_id=top.id)
    withdraw_comment(comment=top, actor=top.author)
    [entry] = photo_thread(photo, None)
    assert entry.is_hidden and [r.comment.body for r in entry.replies] == ["Yes, it burned in 1961."]
