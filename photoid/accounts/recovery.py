"""Emailed proof of an address: reset a forgotten password, confirm an email, move to a new one.

Each use case commits once; the email leaves after that commit (notifications/mail.py). The links
are signed tokens (accounts/tokens.py), so nothing secret is stored.

No answer here tells a visitor whether an address has an account: asking for a reset link sends
one email whether or not the address has an account (a link, or a note that it has none), and
registering a taken address sends that address a note instead of creating anything. Each path
does the same work — one lookup, one email — so the timing tells nothing either.
"""
from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from werkzeug.security import check_password_hash

from photoid.accounts import tokens
from photoid.accounts.models import User, new_login_id
from photoid.accounts.service import AccountError, check_password, hash_password, normalise_email
from photoid.audit import record_event
from photoid.db import end_read_transaction, unit_of_work, utcnow
from photoid.extensions import db
from photoid.notifications.mail import link, queue_mail, site_name

MAX_EMAIL = 254


def _hours(seconds: int) -> str:
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hour{'s' if hours != 1 else ''}"
    minutes = max(1, seconds // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _reset_link(user: User) -> str:
    user.reset_count = (user.reset_count or 0) + 1  # this link replaces every earlier one
    return link("accounts.reset_password", token=tokens.make(user, "reset"))


# --- messages --------------------------------------------------------------------------------------

def queue_verification(user: User) -> None:
    """Queue (sent after commit) the link that proves the account's email. Changes nothing else."""
    days = tokens.max_age("verify") // (24 * 3600)
    url = link("accounts.verify_email", token=tokens.make(user, "verify"))
    queue_mail(user.email, f"Confirm your email for {site_name()}", (
        f"Hello {user.display_name},\n\n"
        f"Thank you for joining {site_name()}. Please confirm that this is your email address by opening this link:\n\n"
        f"{url}\n\n"
        "Until you do, what you suggest waits for an archivist like everyone's, marked as coming from an "
        f"unconfirmed address, and an account not confirmed within {days} day{'s' if days != 1 else ''} is "
        "removed with what it sent.\n\n"
        "If you did not create this account, you can ignore this email.\n"
    ))


def queue_already_registered_note(user: User) -> None:
    """Queue the note for someone registering an address that already has an account (it may be
    its owner who forgot, or a stranger): a sign-in link and a reset link. Changes nothing else."""
    queue_mail(user.email, f"You already have an account on {site_name()}", (
        "Hello,\n\n"
        f"Someone, perhaps you, tried to create an account on {site_name()} with this email address. "
        "This address already has an account, so nothing new was created.\n\n"
        f"To sign in: {link('accounts.login')}\n\n"
        f"If you have forgotten your password, set a new one here: {_reset_link(user)}\n\n"
        "If it was not you, you can ignore this email: your account has not changed.\n"
    ))


def _queue_reset(user: User, *, by_staff: bool = False) -> None:
    seconds = tokens.max_age("reset")
    why = ("An administrator of the site sent you this link so you can choose a new password."
           if by_staff else f"Someone, hopefully you, asked to reset the password of your account on {site_name()}.")
    queue_mail(user.email, f"Reset your password on {site_name()}", (
        f"Hello {user.display_name},\n\n{why}\n\n"
        f"To choose a new password, open this link within {_hours(seconds)}:\n\n{_reset_link(user)}\n\n"
        "The link works once, and only the newest link you were sent works. Setting a new password signs "
        "your account out on every other device.\n\n"
        "If you did not ask for this, you can ignore this email: your password has not changed.\n"
    ))


def _queue_no_account_note(address: str) -> None:
    queue_mail(address, f"Password reset on {site_name()}", (
        "Hello,\n\n"
        f"Someone, perhaps you, asked to reset the password of an account on {site_name()} with this email "
        "address, but no account uses this address. Perhaps you signed up with another address?\n\n"
        f"To create an account: {link('accounts.register')}\n\n"
        "If it was not you, you can ignore this email.\n"
    ))


# --- forgotten password ----------------------------------------------------------------------------

@unit_of_work
def request_password_reset(email: str) -> None:
    """Email a reset link to the address's account, or a note that no account uses it.

    Sending a link ends every earlier link of the account (``reset_count``). A suspended account is
    told it cannot sign in; a deleted one no longer has the address. Commits once; raises nothing:
    the page is the same in every case.
    """
    address = normalise_email(email)
    user = db.session.scalar(select(User).where(User.email == address)) if address else None
    if user is not None and user.is_active:
        _queue_reset(user)
    elif user is not None and user.deleted_at is None:  # suspended: a new password would not let them in
        queue_mail(user.email, f"Password reset on {site_name()}", (
            f"Hello {user.display_name},\n\nSomeone, perhaps you, asked to reset the password of your account on "
            f"{site_name()}. The account is suspended, so it cannot sign in and no link was sent. "
            "Please contact the library if you think this is a mistake.\n"
        ))
    elif address and len(address) <= MAX_EMAIL:
        _queue_no_account_note(address)


@unit_of_work
def send_reset_by_staff(account: User, *, actor: User) -> None:
    """An administrator sends an account a password reset link; they never see or set the password.

    Records a ``send_password_reset`` audit event (without the address). Commits once. Raises
    AccountError when the actor is not an active administrator or the account is deleted or suspended.
    """
    if not actor.is_active or not actor.is_admin:
        raise AccountError("Only an administrator can send a password reset link.")
    if not account.is_active:
        raise AccountError("This account is suspended or deleted, so it cannot sign in with a new password.")
    _queue_reset(account, by_staff=True)
    record_event(actor=actor, action="send_password_reset", target=account, before=None,
                 after={"sent_at": utcnow().isoformat(timespec="seconds")})


@unit_of_work
def reset_password(token: str, *, new: str) -> User:
    """Set a new password from a reset link: every session of the account ends (new login id), the
    link and any other reset link stop working, and the email counts as proven (the owner read it).

    Commits once. Raises tokens.LinkGone for a bad, old, used or replaced link, and AccountError
    for a weak password (the link then still works).
    """
    user = tokens.read(token, "reset")
    check_password(new)
    stored_hash = user.password_hash
    end_read_transaction(db.session)  # the slow hash follows: hold no write lock meanwhile (see service.authenticate)
    new_hash = hash_password(new)
    if user.password_hash != stored_hash:  # the password changed meanwhile: this link is spent
        raise tokens.LinkGone(tokens.GONE["reset"])
    user.password_hash = new_hash
    user.login_id = new_login_id()
    user.reset_count = (user.reset_count or 0) + 1
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    return user


# --- a proven email --------------------------------------------------------------------------------

@unit_of_work
def resend_verification(user: User) -> bool:
    """Email the account a new confirmation link; False (nothing sent) when its email is already
    proven. Commits once. Raises nothing."""
    if user.email_verified_at is not None or not user.is_active:
        return False
    queue_verification(user)
    return True


@unit_of_work
def verify_email(token: str) -> User:
    """Mark the account's email as proven from the emailed link (again is harmless). Its waiting
    contributions lose the "email not verified" mark. Commits once. Raises tokens.LinkGone."""
    user = tokens.read(token, "verify")
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    return user


def clean_new_email(value: str | None) -> str:
    """A normalised, well-formed address. Raises AccountError otherwise."""
    address = normalise_email(value or "")
    if not address:
        raise AccountError("Please enter your new email address.")
    if len(address) > MAX_EMAIL:
        raise AccountError(f"An email address can be at most {MAX_EMAIL} characters.")
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        raise AccountError("Please enter a valid email address, for example “name@example.org”.") from None
    return address


@unit_of_work
def request_email_change(user: User, *, new_email: str, password: str) -> None:
    """Start moving the account to a new address: it becomes ``pending_email``, the new address is
    sent a confirmation link (or, when another account already uses it, a note saying so — the page
    is the same, so it tells nobody who has an account), and the current address is told. The
    account keeps its current address until the link is opened.

    Commits once. Raises AccountError for a wrong password, a bad address or the current address.
    """
    address = clean_new_email(new_email)
    stored_hash = user.password_hash
    end_read_transaction(db.session)  # the slow hash check follows: hold no write lock meanwhile
    if not check_password_hash(stored_hash, password or ""):
        raise AccountError("Your password is not correct, so your email was not changed.")
    if address == user.email:
        raise AccountError("That is already your account's email address.")
    user.pending_email = address
    taken = db.session.scalar(select(User.id).where(User.email == address, User.id != user.id)) is not None
    if taken:
        queue_mail(address, f"An email change on {site_name()}", (
            "Hello,\n\n"
            f"Someone signed in to an account on {site_name()} asked to use this email address for it, but this "
            "address already belongs to another account, so nothing was changed.\n\n"
            "If it was not you, you can ignore this email.\n"
        ))
    else:
        url = link("accounts.confirm_email", token=tokens.make(user, "email"))
        queue_mail(address, f"Confirm your new email for {site_name()}", (
            f"Hello {user.display_name},\n\n"
            f"To use this address for your account on {site_name()}, open this link within a day:\n\n{url}\n\n"
            "Until you do, your account keeps its previous address. If you did not ask for this, ignore this email.\n"
        ))
    queue_mail(user.email, f"Your email on {site_name()} may change", (
        f"Hello {user.display_name},\n\n"
        f"Someone signed in to your account on {site_name()} asked to change its email address to "
        f"{address}. It changes only when the link sent to that address is opened; until then this address "
        "stays.\n\n"
        "If this was not you, change your password at once: "
        f"{link('accounts.forgot_password')}\n"
    ))


@unit_of_work
def confirm_email_change(token: str) -> User:
    """Move the account to its ``pending_email`` from the link sent there: that address is now
    proven. Records an ``email_change`` audit event (without addresses). Commits once.

    Raises tokens.LinkGone for a bad, old or replaced link, and AccountError when another account
    took the address meanwhile.
    """
    user = tokens.read(token, "email")
    address = user.pending_email or ""
    if db.session.scalar(select(User.id).where(User.email == address, User.id != user.id)) is not None:
        raise AccountError("This address now belongs to another account, so your email was not changed.")
    now = utcnow()
    user.email, user.pending_email, user.email_verified_at = address, None, now
    record_event(actor=user, action="email_change", target=user, before=None,
                 after={"changed_at": now.isoformat(timespec="seconds")})
    return user
