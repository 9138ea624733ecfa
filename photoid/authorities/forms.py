"""Forms of the authority pages. The service checks every value; these only carry them."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

KIND_CHOICES = [
    SelectChoice("", "People, places and events"),
    SelectChoice("person", "People"),
    SelectChoice("place", "Places"),
    SelectChoice("event", "Events"),
]
STATUS_CHOICES = [
    SelectChoice("", "Accepted and proposed"),
    SelectChoice("accepted", "Accepted only"),
    SelectChoice("proposed", "Proposed by patrons, waiting to be accepted"),
]


class BrowseForm(FlaskForm):
    """The staff list's search and filters, sent with GET (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    q = StringField("Name or other name", validators=[Optional()])
    kind = SelectField("Show", choices=KIND_CHOICES, default="", validators=[Optional()])
    status = SelectField("Status", choices=STATUS_CHOICES, default="", validators=[Optional()])


class RecordForm(FlaskForm):
    """Edit a record; the variants to remove come as ``remove_variant`` ids."""

    heading = StringField(
        "Preferred heading", description="In library form, for example: Smith, John, 1890-1962.",
    )
    dates = StringField(
        "Dates", description="Life dates of a person or dates of an event, as EDTF (1890/1962) or in words (1890 to 1962).",
    )
    description = TextAreaField("Description (optional)")
    authority_uri = StringField(
        "Authority link (optional)",
        description="A link to the same record at id.loc.gov, Wikidata, GeoNames or VIAF, "
                    "for example https://www.wikidata.org/wiki/Q42.",
    )
    latitude = StringField("Latitude", description="For a place: degrees north, for example 44.0523 (south is negative).")
    longitude = StringField("Longitude", description="For a place: degrees east, for example -69.9417 (west is negative).")
    new_variant = StringField("Add another name it is known by (optional)")


class ConfirmForm(FlaskForm):
    """Accept, merge or undo: nothing to fill in but the CSRF token."""
