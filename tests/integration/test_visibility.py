"""Who may see an identification or a comment: every state, for every kind of viewer.

One rule (photoid/contributions/visibility.py) in two forms, a Python predicate (``may_see``, what
routes that open one item ask) and SQL (what the photo page, the identify page and the annotation
list read). For every state of every item, on photos of an institution that shows pending
suggestions and of one that hides them, published or not, both must give what the table below
says, and the same as each other.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask_login import AnonymousUserMixin

from photoid.accounts.models import User
from photoid.contributions.comments import photo_thread
from photoid.contributions.models import Comment, Identification
from photoid.contributions.visibility import (
    may_see,
    seen_comment,
    seen_identification,
    visible_comments,
    visible_identifications,
)
from photoid.contributions.workflow import (
    COMMENT_OPEN,
    COMMENT_STATES,
    IDENTIFICATION_STATES,
    OPEN,
    PENDING_STATE,
    PUBLIC_COMMENT_STATE,
    PUBLIC_FACT_STATE,
)
from photoid.db import utcnow
from photoid.extensions import db
from photoid.photos.models import Photo
from photoid.photos.queries import photo_facts, visible_facts
from tests.factories import make_collection, make_comment, make_identification, make_institution, make_photo, make_user

ROLES = ("anonymous", "patron", "author", "other_archivist", "archivist", "admin")
#: How the photo is published: the photo and its collection, only its collection, or neither.
PHOTO_CASES = ("public", "photo unpublished", "collection unpublished")


def expected(role: str, item: Identification | Comment, *, shows_pending: bool, photo_case: str) -> bool:
    """The rule, written out plainly: what each viewer may see."""
    if photo_case != "public" and role not in ("archivist", "admin"):
        return False  # nobody else sees anything of a photo the public cannot see, not even its contributors
    if isinstance(item, Comment):
        return (role == "author" and item.author_id is not None) or item.state == PUBLIC_COMMENT_STATE
    if role == "author" and item.contributor is not None and item.contributor.display_name == "Author":
        return True  # one's own, in every state
    if item.state == PUBLIC_FACT_STATE:
        return True
    return (item.state == PENDING_STATE and shows_pending and item.contributor.suspended_at is None
            and item.contributor.email_verified_at is not None)  # an unproven email waits unseen


@dataclass
class Scene:
    photos: list[tuple[Photo, bool, str]]  # (photo, shows pending, photo case)
    viewers: dict[str, Any]
    identifications: dict[int, list[Identification]]
    comments: dict[int, list[Comment]]


@pytest.fixture
def scene(app) -> Scene:  # type: ignore[no-untyped-def]
    showing = make_institution(name="Shows suggestions", show_pending_publicly=True)
    hiding = make_institution(name="Hides suggestions", show_pending_publicly=False)
    author = make_user(display_name="Author")
    suspended = make_user(display_name="Suspended")
    unproven = make_user(display_name="Unproven", email_verified_at=None)
    viewers: dict[str, Any] = {
        "anonymous": AnonymousUserMixin(),
        "patron": make_user(display_name="Patron"),
        "author": author,
        "other_archivist": make_user(role="archivist", institutions=[make_institution()]),
        "archivist": make_user(role="archivist", institutions=[showing, hiding]),
        "admin": make_user(role="admin"),
    }
    photos, identifications, comments = [], {}, {}
    for institution in (showing, hiding):
        for case in PHOTO_CASES:
            collection = make_collection(institution=institution, is_published=case != "collection unpublished")
            photo = make_photo(collection=collection, is_published=case != "photo unpublished")
            photos.append((photo, institution.show_pending_publicly, case))
            identifications[photo.id] = [
                make_identification(photo=photo, contributor=author, state=state, text_value=f"{state} name")
                for state in IDENTIFICATION_STATES
            ] + [make_identification(photo=photo, contributor=suspended, state=PENDING_STATE, text_value="suspended name"),
               make_identification(photo=photo, contributor=unproven, state=PENDING_STATE, text_value="unproven name")]
            by_state = {state: make_comment(photo=photo, author=author, state=state) for state in COMMENT_STATES}
            # A reply others wrote under the author's comments, so placeholders are exercised too.
            replies = [make_comment(photo=photo, parent=parent, state=PUBLIC_COMMENT_STATE) for parent in by_state.values()]
            comments[photo.id] = list(by_state.values()) + replies
    suspended.suspended_at = utcnow()
    db.session.commit()
    return Scene(photos=photos, viewers=viewers, identifications=identifications, comments=comments)


def _expected_set(scene: Scene, role: str, items: list[Any], shows: bool, case: str) -> set[int]:
    return {item.id for item in items if expected(role, item, shows_pending=shows, photo_case=case)}


def _label(role: str, shows: bool, case: str) -> str:
    return f"{role} on a {case} photo of an institution that {'shows' if shows else 'hides'} suggestions"


@pytest.mark.parametrize("role", ROLES)
def test_may_see_follows_the_rule_for_every_state(scene: Scene, role: str) -> None:
    viewer = scene.viewers[role]
    for photo, shows, case in scene.photos:
        for item in scene.identifications[photo.id] + scene.comments[photo.id]:
            want = expected(role, item, shows_pending=shows, photo_case=case)
            assert may_see(viewer, item) is want, f"{_label(role, shows, case)}: {type(item).__name__} {item.state}"


@pytest.mark.parametrize("role", ROLES)
def test_the_sql_rule_agrees_with_may_see_for_every_state(scene: Scene, role: str) -> None:
    viewer = scene.viewers[role]
    for photo, shows, case in scene.photos:
        label = _label(role, shows, case)
        facts, comments = scene.identifications[photo.id], scene.comments[photo.id]
        by_rule = {i.id for i in facts if may_see(viewer, i)}
        assert {i.id for i in visible_identifications(photo, viewer)} == by_rule, label
        assert by_rule == _expected_set(scene, role, facts, shows, case), label
        assert {c.id for c in visible_comments(photo, viewer)} == {c.id for c in comments if may_see(viewer, c)}, label


@pytest.mark.parametrize("role", ROLES)
def test_the_photo_page_lists_what_may_be_seen_of_what_is_open(scene: Scene, role: str) -> None:
    viewer = scene.viewers[role]
    for photo, shows, case in scene.photos:
        label = _label(role, shows, case)
        listed = {f.id for f in visible_facts(photo, viewer)}
        assert listed == {i.id for i in scene.identifications[photo.id] if may_see(viewer, i) and i.state in OPEN}, label
        thread = photo_thread(photo, viewer)
        shown = {e.comment.id for top in thread for e in [top, *top.replies] if not e.is_hidden}
        assert shown == {c.id for c in scene.comments[photo.id] if may_see(viewer, c) and c.state in COMMENT_OPEN}, label
        placeholders = [e.comment for e in thread if e.is_hidden]
        assert all(not may_see(viewer, c) or c.state not in COMMENT_OPEN for c in placeholders), label


@pytest.mark.parametrize("role", ROLES)
def test_opening_an_item_by_its_number_follows_may_see(scene: Scene, role: str) -> None:
    viewer = scene.viewers[role]
    for photo, shows, case in scene.photos:
        for item in scene.identifications[photo.id]:
            assert (seen_identification(item.id, viewer) is item) is may_see(viewer, item), _label(role, shows, case)
        for comment in scene.comments[photo.id]:
            assert (seen_comment(comment.id, viewer) is comment) is may_see(viewer, comment), _label(role, shows, case)


def test_unknown_and_impossible_numbers_are_simply_not_found(app) -> None:  # type: ignore[no-untyped-def]
    for number in (0, -1, 10**6, 2**63, 10**30):
        assert seen_identification(number, None) is None and seen_comment(number, None) is None


def test_an_anonymous_visitor_given_as_none_sees_what_the_public_sees(scene: Scene) -> None:
    for photo, shows, case in scene.photos:
        assert visible_identifications(photo, None) == visible_identifications(photo, scene.viewers["anonymous"])
        if case == "public":
            assert {f.id for f in visible_facts(photo, None)} == {f.id for f in photo_facts(photo, include_pending=shows)}


def test_a_suspended_account_sees_only_what_the_public_sees(scene: Scene) -> None:
    """A suspended account counts as signed out, so not even its own waiting suggestions are shown to it."""
    suspended = db.session.scalar(db.select(User).where(User.display_name == "Suspended"))
    anonymous = scene.viewers["anonymous"]
    for photo, _shows, _case in scene.photos:
        for item in scene.identifications[photo.id]:
            assert may_see(suspended, item) is may_see(anonymous, item)
        assert visible_identifications(photo, suspended) == visible_identifications(photo, anonymous)
