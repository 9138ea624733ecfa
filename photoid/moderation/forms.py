"""Forms of the moderation queue. The service checks every value; these only carry them."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

KIND_CHOICES = [
    SelectChoice("", "Everything"),
    SelectChoice("person", "People"),
    SelectChoice("place", "Places"),
    SelectChoice("event", "Events"),
    SelectChoice("date", "Dates"),
    SelectChoice("keyword", "Keywords"),
    SelectChoice("comment", "Comments"),
]
SORT_CHOICES = [
    SelectChoice("oldest", "Oldest first"),
    SelectChoice("support", "Most supported first"),
]


AGE_CHOICES = [
    SelectChoice("", "Any time"),
    SelectChoice("1", "More than a day"),
    SelectChoice("7", "More than a week"),
    SelectChoice("30", "More than a month"),
]


class FilterForm(FlaskForm):
    """The queue's filters, sent with GET (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    kind = SelectField("Show", choices=KIND_CHOICES, default="", validators=[Optional()])
    collection = SelectField("Collection", choices=[], default="", validators=[Optional()])
    contributor = HiddenField()
    has_region = BooleanField("Only items with a box on the photo")
    contested = BooleanField("Only contested items (disputed, or a competing suggestion)")
    age = SelectField("Waiting", choices=AGE_CHOICES, default="", validators=[Optional()])
    sort = SelectField("Order", choices=SORT_CHOICES, default="oldest", validators=[Optional()])


class DecisionForm(FlaskForm):
    """Approve or mark as spam: nothing to fill in but the CSRF token."""


class RejectForm(FlaskForm):
    """A reason chosen from the institution's list, or written, or both: the written words are added to the chosen reason."""

    reason = StringField("Reason")
    reason_text = TextAreaField("Or write your own reason")


class BulkForm(FlaskForm):
    """The bar under the queue: what to do with the ticked items (the ids come as ``ids``)."""

    action = StringField("Action")
    reason = StringField("Reason for rejecting")
    reason_text = StringField("Or write your own reason")


class ApproveWithChangesForm(FlaskForm):
    """Corrections an archivist makes before approving; only the filled-in ones apply."""

    authority_id = RadioField("Link to a record we already have", choices=[], validate_choice=False, validators=[Optional()])
    new_heading = StringField(
        "Or type the preferred heading",
        description="In library form, for example: Smith, John, 1890-1962. A new record is made if we have none.",
    )
    date_text = StringField("Corrected date", description="As you would say it: about 1945, 1940s, summer 1952.")
    authority_uri = StringField(
        "Authority link for the new record (optional)",
        description="A link to the same person, place or event at id.loc.gov, Wikidata, GeoNames or VIAF.",
    )
    latitude = StringField("Latitude of the new place (optional)", description="Degrees north, for example 44.0523.")
    longitude = StringField("Longitude of the new place (optional)", description="Degrees east, for example -69.9417 (west is negative).")
    region_left = StringField("Box: left edge (% of the width)")
    region_top = StringField("Box: top edge (% of the height)")
    region_width = StringField("Box: width (% of the width)")
    region_height = StringField("Box: height (% of the height)")
    note = TextAreaField("Note to the contributor (optional)")
