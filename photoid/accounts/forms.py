from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length


class RegisterForm(FlaskForm):
    display_name = StringField(
        "Display name",
        validators=[DataRequired("Please choose a display name."), Length(max=60)],
        description="Shown next to what you contribute. You can use a nickname.",
    )
    email = EmailField(
        "Email",
        validators=[DataRequired("Please enter your email address."), Email("Please enter a valid email address."), Length(max=254)],
        description="Never shown to anyone. Used to sign in.",
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired("Please choose a password."), Length(min=10, max=200, message="Use 10 to 200 characters.")],
        description="At least 10 characters.",
    )
    confirm = PasswordField(
        "Repeat password",
        validators=[DataRequired("Please repeat the password."), EqualTo("password", "The two passwords do not match.")],
    )
    #: The honeypot (see accounts/abuse.py): hidden from sight and from the tab order, left empty by people.
    website = StringField("Leave this empty")
    #: The signed time the form was shown (see accounts/abuse.py).
    form_started = HiddenField()


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired("Please enter your email address."), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired("Please enter your password."), Length(max=200)])
    remember = BooleanField("Keep me signed in on this device")


class ChangePasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired("Please enter your current password."), Length(max=200)])
    new = PasswordField(
        "New password",
        validators=[DataRequired("Please choose a new password."), Length(min=10, max=200, message="Use 10 to 200 characters.")],
    )
    confirm = PasswordField(
        "Repeat new password", validators=[DataRequired("Please repeat the new password."), EqualTo("new", "The two passwords do not match.")]
    )


class LogoutForm(FlaskForm):
    """Logout is a POST with a CSRF token, so another site cannot sign a patron out."""


class ProfileVisibilityForm(FlaskForm):
    """The opt-in for a public contributor page (accounts/profiles.py); unticked means private."""

    is_public = BooleanField(
        "Show my public contributor page",
        description=(
            "Anyone could then see a page with your display name, the month you joined, how many of your "
            "identifications (people, places, events, dates and keywords) and comments the library approved, and a few "
            "photos you helped identify. Your name next to your approved contributions would link to it. "
            "Your email, what is still waiting for review and what was declined are never shown. "
            "Untick and save to make the page private again at any time."
        ),
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        "Email",
        validators=[DataRequired("Please enter your email address."), Email("Please enter a valid email address."),
                    Length(max=254)],
        description="The address you signed up with. We will email it a link to choose a new password.",
    )


class ResetPasswordForm(FlaskForm):
    new = PasswordField(
        "New password",
        validators=[DataRequired("Please choose a new password."), Length(min=10, max=200, message="Use 10 to 200 characters.")],
        description="At least 10 characters.",
    )
    confirm = PasswordField(
        "Repeat new password", validators=[DataRequired("Please repeat the new password."), EqualTo("new", "The two passwords do not match.")]
    )


class DisplayNameForm(FlaskForm):
    # Named apart from the registration form's fields, so a page that resends a form (photoid/busy.py)
    # labels each field as its own form does.
    new_display_name = StringField(
        "New display name",
        validators=[DataRequired("Please choose a display name."), Length(max=60)],
        description="Shown next to everything you contribute, also what you contributed before.",
    )


class ChangeEmailForm(FlaskForm):
    new_email = EmailField(
        "New email",
        validators=[DataRequired("Please enter your new email address."), Email("Please enter a valid email address."),
                    Length(max=254)],
        description="We send a link there; your account keeps its current address until you open it.",
    )
    password = PasswordField("Your password", validators=[DataRequired("Please enter your password to confirm."), Length(max=200)])


class ResendVerificationForm(FlaskForm):
    """Sends the email confirmation link again (a button with a CSRF token)."""


class EmailNotificationsForm(FlaskForm):
    wants_email = BooleanField(
        "Email me when an archivist decides on what I sent",
        description="Notifications always appear on the site under “Notifications”; this only turns the emails on or off.",
    )
