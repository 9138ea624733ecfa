"""The photo page, rendered by the photos routes and again by the contributions routes when a
comment form comes back with its errors: here, so neither imports the other's routes."""
from __future__ import annotations

from flask import render_template
from flask_login import current_user

from photoid.contributions.comments import photo_thread
from photoid.contributions.competing import competing_groups
from photoid.contributions.forms import CommentForm, VoteForm, WithdrawForm
from photoid.contributions.workflow import is_pending, is_public_fact
from photoid.faces.panel import unnamed
from photoid.photos import queries
from photoid.photos.dating import shown_date
from photoid.photos.models import Photo


def render_photo_page(photo: Photo, *, comment_form: object = None) -> str:
    """The photo page: what is known, the suggestions waiting for review, the boxes drawn on it, and the
    discussion (a comment form that failed comes back with its errors and the patron's text)."""
    viewer = current_user._get_current_object()  # once: each use of the proxy looks the user up again
    facts = queries.visible_facts(photo, viewer, with_votes=True)
    pending = [f for f in facts if is_pending(f)]
    signed_in = viewer.is_authenticated
    approved = [f for f in facts if is_public_fact(f)]
    return render_template(
        "photos/photo.html",
        photo=photo,
        approved=approved,
        shown_date=shown_date(photo, approved),
        pending_groups=competing_groups(pending),
        regions=[f for f in facts if f.has_region],
        my_votes=queries.votes_by(viewer.id, [f.id for f in pending]) if signed_in else {},
        # Forms only for the signed in: making one issues a CSRF token, which would give every
        # visitor a session cookie and keep their page out of the page cache.
        vote_form=VoteForm(formdata=None) if signed_in else None,
        withdraw_form=WithdrawForm(formdata=None) if signed_in else None,
        thread=photo_thread(photo, viewer),
        comment_form=comment_form or (CommentForm(formdata=None) if signed_in else None),
        catalog_url=photo.catalog_url,
        unnamed_faces=unnamed(photo, viewer),
    )
