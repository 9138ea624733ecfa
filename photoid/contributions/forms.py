from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectChoice, StringField, TextAreaField

KIND_CHOICES = [
    SelectChoice("person", "A person"),
    SelectChoice("place", "A place or building"),
    SelectChoice("event", "An event"),
    SelectChoice("date", "When it was taken"),
    SelectChoice("keyword", "Something else (a keyword)"),
]


class IdentifyForm(FlaskForm):
    """What a patron says about a photo. The service checks every value; see contributions/service.py."""

    kind = RadioField("What are you identifying?", choices=KIND_CHOICES, default="person")
    name = StringField("Name", description="For example: John Smith, Main Street, the 1925 parade.")
    authority_id = HiddenField()
    date_text = StringField("Date", description="As you would say it: about 1945, 1940s, between 1935 and 1938, summer 1952.")
    evidence = TextAreaField("How do you know? (optional)", description="For example: my grandmother's album says 1948; the sign reads Main St.")
    region_x = HiddenField()
    region_y = HiddenField()
    region_w = HiddenField()
    region_h = HiddenField()
    #: The suggestion this one answers ("I think it is someone else"), if any.
    disputes = HiddenField()


class VoteForm(FlaskForm):
    note = StringField("Note (optional)")


class WithdrawForm(FlaskForm):
    pass


class CommentForm(FlaskForm):
    """A comment or, with ``parent_id``, a reply. The service checks the text; see contributions/comments.py."""

    body = TextAreaField("Your comment", description="Plain text. Web addresses become links.")
    parent_id = HiddenField()
