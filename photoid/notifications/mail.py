"""A small pluggable mail sender: SMTP when PHOTOID_SMTP_HOST is set, the log otherwise.

Services never send mail in the middle of a transaction: ``queue_mail`` keeps the message on
the database session and it leaves only after that session commits (a rolled-back decision
sends nothing). Any mail failure is logged and never reaches the caller.

Every queued message is plain text with an HTML alternative made from it, signed with the site's
name and address; notification emails carry a ``List-Unsubscribe`` header. Links in emails are
built by :func:`link` alone, so they all follow the site's address rule (``PHOTOID_SITE_URL``).

Tests (or another transport) replace the sender with ``app.config["MAIL_SENDER"]``, a callable
``sender(to, subject, body)`` given the plain text; tests/mailbox.py receives the whole message.
"""
from __future__ import annotations

import html
import logging
import re
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_app_context, has_request_context, url_for
from markupsafe import Markup
from sqlalchemy.orm import Session

from photoid import jobs
from photoid.extensions import db

log = logging.getLogger("photoid.mail")

Sender = Callable[[str, str, str], None]
_OUTBOX = "photoid_mail_outbox"


@dataclass(frozen=True)
class Mail:
    """One message: the plain text, its HTML alternative (if any) and extra headers."""

    to: str
    subject: str
    text: str
    html: str | None = None
    headers: tuple[tuple[str, str], ...] = ()


def link(endpoint: str, **values: Any) -> str:
    """The absolute address of a page for an email: the one place emails build links (on
    ``PHOTOID_SITE_URL`` when it is set, see photoid/links.py)."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    anchor = values.pop("_anchor", None)
    site = urlsplit(str(current_app.config["SITE_URL"]))
    adapter = current_app.url_map.bind(site.netloc, script_name=site.path or "/", url_scheme=site.scheme or "http")
    return adapter.build(endpoint, values, force_external=True) + (f"#{anchor}" if anchor else "")


def site_name() -> str:
    """The site's name (``PHOTOID_SITE_NAME``), which every subject and signature carries."""
    return str(current_app.config["SITE_NAME"])


_URL = re.compile(r"https?://[^\s<>\"]+")


def text_to_html(text: str) -> str:
    """The HTML alternative of a plain-text message: its paragraphs, with every address a link."""
    def paragraph(block: str) -> str:
        parts, last = [], 0
        for match in _URL.finditer(block):
            parts.append(html.escape(block[last:match.start()]))
            url = html.escape(match.group(0))
            parts.append(f'<a href="{url}">{url}</a>')
            last = match.end()
        parts.append(html.escape(block[last:]))
        return "<p>" + "".join(parts).replace("\n", "<br>\n") + "</p>"

    blocks = [b for b in re.split(r"\n\s*\n", text.strip()) if b.strip()]
    body = "\n".join(paragraph(b) for b in blocks)
    return str(Markup('<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>\n{}\n</body></html>\n')
               .format(Markup(body)))


def signed(text: str) -> str:
    """The text with the site's signature: its name and address."""
    return f"{text.rstrip()}\n\n-- \n{site_name()}\n{link('photos.home')}\n"


def log_sender(to: str, subject: str, body: str) -> None:
    """Development transport: write the message to the ``photoid.mail`` log."""
    log.info("Mail to %s\nSubject: %s\n\n%s", to, subject, body)


def build_message(mail: Mail) -> EmailMessage:
    """The MIME message: plain text, plus ``multipart/alternative`` HTML when there is some."""
    message = EmailMessage()
    message["From"] = current_app.config["SMTP_FROM"]
    message["To"] = mail.to
    message["Subject"] = mail.subject
    for name, value in mail.headers:
        message[name] = value
    message.set_content(mail.text)
    if mail.html:
        message.add_alternative(mail.html, subtype="html")
    return message


def smtp_sender(to: str, subject: str, body: str, *, mail: Mail | None = None) -> None:
    """Send through the SMTP server in PHOTOID_SMTP_*; raises smtplib/OSError errors on failure."""
    config = current_app.config
    message = build_message(mail or Mail(to=to, subject=subject, text=body))
    with smtplib.SMTP(config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=30) as smtp:
        if config["SMTP_STARTTLS"]:
            smtp.starttls()
        if config["SMTP_USER"]:
            smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"] or "")
        smtp.send_message(message)


def current_sender() -> Sender:
    """The sender in ``MAIL_SENDER`` if set, else SMTP when a host is configured, else the log."""
    config = current_app.config
    custom = config["MAIL_SENDER"]
    if custom is not None:
        return custom  # type: ignore[no-any-return]
    return smtp_sender if config["SMTP_HOST"] else log_sender


def send_mail(to: str, subject: str, body: str, *, mail: Mail | None = None) -> bool:
    """Send one message now through the current sender. Returns False (and logs) when it fails; never raises.

    ``mail`` is the whole message (HTML and headers) for SMTP; other senders get the plain text.
    """
    try:
        _send(mail or Mail(to=to, subject=subject, text=body))
    except Exception:  # noqa: BLE001 - a mail problem must never break the page or the decision
        log.exception("Could not send mail to %s (%s)", to, subject)
        return False
    return True


def _send(mail: Mail) -> None:
    sender = current_sender()
    if sender is smtp_sender:
        smtp_sender(mail.to, mail.subject, mail.text, mail=mail)
    else:
        sender(mail.to, mail.subject, mail.text)


def deliver(*, to: str, subject: str, text: str, html: str | None = None,
            headers: list[tuple[str, str]] | tuple[tuple[str, str], ...] = ()) -> None:
    """The ``mail.send`` job (photoid/jobs.py): send one queued message now. Logs and raises when it
    cannot, so a worker tries again later; in-process, photoid/jobs.py logs and goes on."""
    mail = Mail(to=to, subject=subject, text=text, html=html, headers=tuple((n, v) for n, v in headers))
    try:
        _send(mail)
    except Exception:
        log.exception("Could not send mail to %s (%s)", to, subject)
        raise


def queue_mail(to: str, subject: str, body: str, *, unsubscribe: str | None = None) -> None:
    """Send the message after the current database session commits; drop it if it rolls back.

    The body gets the site's signature and an HTML alternative; ``unsubscribe`` (an address where
    the person turns these emails off) becomes the ``List-Unsubscribe`` header.
    """
    text = signed(body)
    headers = (("List-Unsubscribe", f"<{unsubscribe}>"),) if unsubscribe else ()
    mail = Mail(to=to, subject=subject, text=text, html=text_to_html(text), headers=headers)
    session = db.session()
    session.info.setdefault(_OUTBOX, []).append(mail)


def send_outbox(session: Session) -> None:
    """after_commit (registered in photoid/events.py): send the mail the committed transaction queued."""
    outbox: list[Mail] = session.info.pop(_OUTBOX, [])
    if not outbox:
        return
    if not has_app_context():  # pragma: no cover - sessions are always used inside the app
        log.error("Dropped %d mail(s): no application context at commit", len(outbox))
        return
    for mail in outbox:  # after the commit: in this process, or on the queue for `photoid worker`
        jobs.enqueue("mail.send", description=f"Email to {mail.to}: {mail.subject}", to=mail.to,
                     subject=mail.subject, text=mail.text, html=mail.html, headers=list(mail.headers))


def drop_outbox(session: Session, *_: Any) -> None:
    """after_rollback: a rolled-back transaction sends nothing."""
    session.info.pop(_OUTBOX, None)
