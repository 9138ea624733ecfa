"""Forms of the admin pages. The service checks every value; these only carry them."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import EqualTo, Optional
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


SLUG_HINT = ("Lowercase letters, digits and hyphens, for example “millbrook”. It appears in addresses such as "
             "/institutions/millbrook and cannot change once the institution has photos.")
INVITED_ROLE_CHOICES = [
    SelectChoice("archivist", "Archivist: moderates the institutions ticked below"),
    SelectChoice("admin", "Administrator: runs the whole site"),
]


class NewInstitutionForm(FlaskForm):
    name = StringField("Name", description="As visitors see it, for example “Millbrook Public Library”.")
    slug = StringField("Short name for addresses", description=SLUG_HINT)
    is_consortium = BooleanField("This is a consortium: other institutions are its members")
    member_of = SelectField("Member of", choices=[], validate_choice=False,
                            description="The consortium this institution belongs to, if any.")


class InstitutionProfileForm(FlaskForm):
    """What the institution's public page says; sent as multipart for the logo."""

    name = StringField("Name")
    slug = StringField("Short name for addresses", description=SLUG_HINT)
    description = TextAreaField("Description", description="Who you are, in a few plain sentences; at most 5,000 "
                                "characters. Leave a blank line between paragraphs.")
    website = URLField("Website", description="The full address, for example https://library.example.org/.")
    contact_email = EmailField("Contact email address", description="Shown on your public page for questions "
                               "about your photos. Use a shared address rather than a person's.")
    logo = FileField("Logo", description="A PNG, JPEG or WebP image of at most 2 MB; it is shown at most 400 pixels wide.")
    remove_logo = BooleanField("Remove the current logo")


class InvitationForm(FlaskForm):
    email = EmailField("Email address of the person you are inviting")
    role = RadioField("Invite as", choices=INVITED_ROLE_CHOICES, default="archivist", validate_choice=False)
    institutions = CheckboxListField("Institutions they will moderate", choices=[], coerce=str,
                                     validate_choice=False, validators=[Optional()])


class InstitutionInviteForm(FlaskForm):
    """The invite form of an institution's public page: an archivist for that institution."""

    email = EmailField("Email address of the new archivist")


class AcceptInvitationForm(FlaskForm):
    display_name = StringField("Display name", description="Shown next to what you review and contribute.")
    password = PasswordField("Password", description="At least 10 characters.")
    confirm = PasswordField("Repeat password", validators=[EqualTo("password", "The two passwords do not match.")])


class ConfirmForm(FlaskForm):
    """A button that needs nothing but its CSRF token (accept as the signed-in account, withdraw)."""
