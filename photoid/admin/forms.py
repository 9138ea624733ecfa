"""Forms of the admin pages. The service checks every value; these only carry them."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

ROLE_CHOICES = [
    SelectChoice("patron", "Patron: contributes identifications and comments"),
    SelectChoice("archivist", "Archivist: moderates the institutions ticked below"),
    SelectChoice("admin", "Administrator: runs the whole site"),
]
ROLE_FILTER_CHOICES = [
    SelectChoice("", "Everyone"),
    SelectChoice("patron", "Patrons"),
    SelectChoice("archivist", "Archivists"),
    SelectChoice("admin", "Administrators"),
]
POLICY_CHOICES = [
    SelectChoice("post", "Comments appear at once; archivists can review them later"),
    SelectChoice("pre", "Comments wait for an archivist before they appear"),
]
YES_NO = [
    SelectChoice("yes", "Yes: visitors see suggestions waiting for review, marked as not yet checked"),
    SelectChoice("no", "No: visitors see only approved facts"),
]


class UserSearchForm(FlaskForm):
    """Find accounts, sent with GET (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    q = StringField("Display name or email", validators=[Optional()])
    role = SelectField("Role", choices=ROLE_FILTER_CHOICES, default="", validators=[Optional()])


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RoleForm(FlaskForm):
    role = RadioField("Role", choices=ROLE_CHOICES)
    institutions = CheckboxListField("Institutions this archivist moderates", choices=[], coerce=str,
                                     validate_choice=False, validators=[Optional()])
    role_note = StringField("Note for the audit log (optional)")


class TrustForm(FlaskForm):
    """Trusted or not: the value comes from the button pressed."""

    is_trusted = StringField("Trusted")


class SuspensionForm(FlaskForm):
    note = TextAreaField("Why (required; kept in the audit log, not shown to the account holder)")


class InstitutionForm(FlaskForm):
    comment_policy = RadioField("Comments", choices=POLICY_CHOICES)
    show_pending_publicly = RadioField("Show suggestions waiting for review to the public?", choices=YES_NO)
    reject_reasons = TextAreaField(
        "Reasons archivists can choose when rejecting",
        description="One reason a line, at most 20, each up to 200 characters. The contributor sees the reason.",
    )
    verified_by_name = StringField(
        "Name shown as “verified by”",
        description="Shown next to every approved fact. Leave empty to show the institution's name.",
    )
