"""Forms of the campaign pages. The service checks every value; these only carry them."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectChoice, SelectField, StringField, TextAreaField

SOURCE_CHOICES = [
    SelectChoice("photos", "Photos I choose by number"),
    SelectChoice("collection", "Every published photo of one collection"),
    SelectChoice("search", "The photos a search finds (worked out again when you save or refresh)"),
]


class CampaignForm(FlaskForm):
    """Create or edit a campaign; ``institution`` is only offered when creating one."""

    institution = SelectField("Library running the campaign", choices=[], validate_choice=False)
    title = StringField("Title", description="A question or theme, for example “Who are the 1923 graduates?”")
    summary = TextAreaField(
        "Short text", description="Why this campaign, and what you hope people can tell you. Plain text; "
                                  "a blank line starts a new paragraph.",
    )
    source = RadioField("Which photos", choices=SOURCE_CHOICES, default="photos", validate_choice=False)
    photo_ids = TextAreaField(
        "Photo numbers", description="When choosing by number: the numbers or addresses of the photos, separated by "
                                     "commas or spaces, for example 12, 15, 31.",
    )
    collection = SelectField("Collection", choices=[], validate_choice=False,
                             description="When using a collection: the collection whose photos are in the campaign.")
    search_query = StringField(
        "Saved search", description="When using a search: the words to search for, or the address of a search page "
                                    "with its filters, for example /search?q=main+street&decade=1950.",
    )
    cover_photo = SelectField("Cover photo", choices=[], validate_choice=False,
                              description="Shown on the campaign page, in the list and on the embed card.")
    starts_on = StringField("Starts on", description="Year-month-day, for example 2026-12-01.", render_kw={"type": "date"})
    ends_on = StringField("Ends on (the last day)", description="Year-month-day, for example 2027-01-31.",
                          render_kw={"type": "date"})
    is_published = BooleanField("Published: visitors see the campaign from its start date (leave unticked for a draft)")


class ConfirmForm(FlaskForm):
    """Refresh the photos: nothing to fill in but the CSRF token."""
