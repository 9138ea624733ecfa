"""Who may see an identification or a comment: one rule, as a Python predicate and as SQL.

:func:`may_see` decides for one item; every route that opens an item by its number (report,
vote, dispute, withdraw, the annotation API) asks it and answers 404 when it says no, exactly
as for a number that does not exist. The photo page, the identify page and the annotation list
read the same rule in SQL (:func:`identification_rule`, :func:`comment_rule`), narrowed to the
items still open on the photo (``OPEN``, ``COMMENT_OPEN``).
tests/integration/test_visibility.py checks, for every state and every kind of viewer, that the
predicate and the SQL agree.

The rule. Nobody sees anything of a photo they may not see (unpublished photo or collection:
only the institution's archivists and admins see those). Of a photo they may see:

- the contributor or author sees their own item in every state (as under "My contributions");
- everyone sees approved identifications and published comments;
- everyone sees pending identifications when the photo's institution shows them publicly,
  except those of a suspended account or of one whose email is not proven yet;
- nothing else: a comment held for review, anything rejected, spam, withdrawn, superseded or
  retracted. Archivists read those in the moderation queue and log, not through these pages.
"""
from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, or_, select

from photoid.accounts.models import User
from photoid.contributions.models import Comment, Identification
from photoid.contributions.workflow import PENDING_STATE, PUBLIC_COMMENT_STATE, PUBLIC_FACT_STATE
from photoid.extensions import db
from photoid.photos.models import Photo

Item = Identification | Comment

#: Ids beyond this cannot exist, and some databases refuse to look them up.
_LARGEST_ID = 2**63 - 1


def viewer_id(viewer: Any) -> int | None:
    """The signed-in viewer's account id; None for an anonymous visitor."""
    return viewer.id if viewer is not None and getattr(viewer, "is_authenticated", False) else None


def photo_is_visible(viewer: Any, photo: Photo) -> bool:
    """Published in a published collection, or the viewer moderates the photo's institution."""
    if photo.is_published and photo.collection.is_published:
        return True
    return viewer_id(viewer) is not None and bool(viewer.moderates(photo.institution_id))


def _is_suspended(account: User | None) -> bool:
    return account is not None and account.suspended_at is not None


def _is_unproven(account: User | None) -> bool:
    return account is not None and account.email_verified_at is None


def may_see(viewer: Any, item: Item) -> bool:
    """Whether this viewer (a User, Flask-Login's anonymous user, or None) may see the item's text and author.

    The rule is in the module docstring; :func:`identification_rule` and :func:`comment_rule` are
    the same rule in SQL. Reads only.
    """
    if not photo_is_visible(viewer, item.photo):
        return False
    me = viewer_id(viewer)
    if isinstance(item, Identification):
        if me is not None and item.contributor_id == me:
            return True
        if item.state == PUBLIC_FACT_STATE:
            return True
        return (item.state == PENDING_STATE and bool(item.photo.institution.show_pending_publicly)
                and not _is_suspended(item.contributor) and not _is_unproven(item.contributor))
    if me is not None and item.author_id == me:
        return True
    return item.state == PUBLIC_COMMENT_STATE


@cache
def identification_rule(*, shows_pending: bool, signed_in: bool) -> ColumnElement[bool]:
    """:func:`may_see` in SQL, for the identifications of one photo the viewer may see.

    ``shows_pending`` is the photo's institution's setting; with ``signed_in``, the statement
    takes the viewer's account id as the ``viewer_id`` parameter. Built once per combination.
    """
    shown: list[ColumnElement[bool]] = [Identification.state == PUBLIC_FACT_STATE]
    if shows_pending:
        shown.append(and_(Identification.state == PENDING_STATE,
                          ~Identification.contributor.has(
                              or_(User.suspended_at.is_not(None), User.email_verified_at.is_(None)))))
    if signed_in:
        shown.append(Identification.contributor_id == bindparam("viewer_id"))
    return or_(*shown)


@cache
def comment_rule(*, signed_in: bool) -> ColumnElement[bool]:
    """:func:`may_see` in SQL, for the comments of one photo the viewer may see (``viewer_id`` as for
    :func:`identification_rule`)."""
    shown: list[ColumnElement[bool]] = [Comment.state == PUBLIC_COMMENT_STATE]
    if signed_in:
        shown.append(Comment.author_id == bindparam("viewer_id"))
    return or_(*shown)


def rule_parameters(photo: Photo, viewer: Any) -> dict[str, int]:
    """The parameters a statement built on the rules above needs: the photo's id, and the viewer's when signed in."""
    me = viewer_id(viewer)
    return {"photo_id": photo.id} if me is None else {"photo_id": photo.id, "viewer_id": me}


def visible_identifications(photo: Photo, viewer: Any) -> list[Identification]:
    """Every identification of the photo the viewer may see, in any state, oldest first. Reads only."""
    if not photo_is_visible(viewer, photo):
        return []
    rule = identification_rule(shows_pending=bool(photo.institution.show_pending_publicly),
                               signed_in=viewer_id(viewer) is not None)
    statement = (select(Identification).where(Identification.photo_id == bindparam("photo_id"), rule)
                 .order_by(Identification.created_at, Identification.id))
    return list(db.session.scalars(statement, rule_parameters(photo, viewer)))


def visible_comments(photo: Photo, viewer: Any) -> list[Comment]:
    """Every comment under the photo the viewer may see, in any state, oldest first. Reads only."""
    if not photo_is_visible(viewer, photo):
        return []
    statement = (select(Comment).where(Comment.photo_id == bindparam("photo_id"),
                                       comment_rule(signed_in=viewer_id(viewer) is not None))
                 .order_by(Comment.created_at, Comment.id))
    return list(db.session.scalars(statement, rule_parameters(photo, viewer)))


def _seen(model: type[Item], item_id: int | None, viewer: Any) -> Any:
    if item_id is None or not 0 < item_id <= _LARGEST_ID:
        return None
    found = db.session.get(model, item_id)
    return found if found is not None and may_see(viewer, found) else None


def seen_identification(identification_id: int | None, viewer: Any) -> Identification | None:
    """The identification with this id if the viewer may see it; None when it does not exist or they may not.

    Routes answer 404 to None, so a hidden item looks the same as a missing one. Reads only.
    """
    return _seen(Identification, identification_id, viewer)  # type: ignore[no-any-return]


def seen_comment(comment_id: int | None, viewer: Any) -> Comment | None:
    """The comment with this id if the viewer may see it; None otherwise (as :func:`seen_identification`)."""
    return _seen(Comment, comment_id, viewer)  # type: ignore[no-any-return]
