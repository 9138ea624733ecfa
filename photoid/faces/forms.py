from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField


class FaceSettingsForm(FlaskForm):
    """An institution's three face switches (admin only); each is off until ticked."""

    detection = BooleanField(
        "Find faces on this institution's photos",
        description="Faces are outlined on photo pages as “Who is this?”, and photos with unnamed faces are listed under Help identify.",
    )
    matching = BooleanField(
        "Compare faces with the people already identified",
        description="Each face is reduced to 128 numbers, kept only in the database, and compared with the faces of approved "
                    "people. Staff see up to three likely people for each face; a person always decides.",
    )
    patrons_see_matches = BooleanField(
        "Patrons see the likely people too",
        description="Otherwise only staff see them. Signed-out visitors never do.",
    )


class DoNotMatchForm(FlaskForm):
    """Staff mark a person "do not match" (or clear the mark): face matching never suggests them."""

    do_not_match = BooleanField("Never suggest this person from face matching")


class ConfirmForm(FlaskForm):
    """Staff confirm one of the people face matching suggests (``authority_id`` is read by the route)."""
