"""A small pluggable mail sender: SMTP when PHOTOID_SMTP_HOST is set, the log otherwise.

Services never send mail in the middle of a transaction: ``queue_mail`` keeps the message on
the database session and it leaves only after that session commits (a rolled-back decision
sends nothing). Any mail failure is logged and never reaches the caller.

Tests (or another transport) replace the sender with ``app.config["MAIL_SENDER"]``, a callable
``sender(to, subject, body)``.
"""
from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from photoid.extensions import db

log = logging.getLogger("photoid.mail")

Sender = Callable[[str, str, str], None]
_OUTBOX = "photoid_mail_outbox"


def log_sender(to: str, subject: str, body: str) -> None:
    """Development transport: write the message to the ``photoid.mail`` log."""
    log.info("Mail to %s\nSubject: %s\n\n%s", to, subject, body)


def smtp_sender(to: str, subject: str, body: str) -> None:
    """Send through the SMTP server in PHOTOID_SMTP_*; raises smtplib/OSError errors on failure."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["SMTP_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=30) as smtp:
        if config.get("SMTP_STARTTLS"):
            smtp.starttls()
        if config.get("SMTP_USER"):
            smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
        smtp.send_message(message)


def current_sender() -> Sender:
    """The sender in ``MAIL_SENDER`` if set, else SMTP when a host is configured, else the log."""
    config = current_app.config
    custom = config.get("MAIL_SENDER")
    if custom is not None:
        return custom  # type: ignore[no-any-return]
    return smtp_sender if config.get("SMTP_HOST") else log_sender


def send_mail(to: str, subject: str, body: str) -> bool:
    """Send one message now through the current sender. Returns False (and logs) when it fails; never raises."""
    try:
        current_sender()(to, subject, body)
    except Exception:  # noqa: BLE001 - a mail problem must never break the page or the decision
        log.exception("Could not send mail to %s (%s)", to, subject)
        return False
    return True


def queue_mail(to: str, subject: str, body: str) -> None:
    """Send the message after the current database session commits; drop it if it rolls back."""
    _install_listeners()
    session = db.session()
    session.info.setdefault(_OUTBOX, []).append((to, subject, body))


def _send_outbox(session: Session) -> None:
    outbox: list[tuple[str, str, str]] = session.info.pop(_OUTBOX, [])
    if not outbox:
        return
    if not has_app_context():  # pragma: no cover - sessions are always used inside the app
        log.error("Dropped %d mail(s): no application context at commit", len(outbox))
        return
    for to, subject, body in outbox:
        send_mail(to, subject, body)


def _drop_outbox(session: Session, *_: Any) -> None:
    session.info.pop(_OUTBOX, None)


def _install_listeners() -> None:
    if not event.contains(Session, "after_commit", _send_outbox):
        event.listen(Session, "after_commit", _send_outbox)
        event.listen(Session, "after_rollback", _drop_outbox)
