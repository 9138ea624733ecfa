"""A real SMTP server on a free local port that keeps every message it receives, for tests that follow
links from emails as a person would (aiosmtpd; photoid talks to it through PHOTOID_SMTP_*)."""
from __future__ import annotations

import email
import email.policy
import re
import socket
import threading
import time
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


class Mailbox:
    """Messages received, newest last; ``link_to(address, path_start)`` finds a link in one."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._arrived = threading.Condition()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # aiosmtpd's handler hook
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._arrived:
            self.messages.append(message)  # type: ignore[arg-type]
            self._arrived.notify_all()
        return "250 Message accepted"

    def start(self) -> Mailbox:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def settings(self) -> dict[str, str]:
        """The environment that points photoid at this server."""
        return {"PHOTOID_SMTP_HOST": "127.0.0.1", "PHOTOID_SMTP_PORT": str(self.port), "PHOTOID_SMTP_STARTTLS": "0"}

    def wait_for(self, to: str, *, timeout: float = 15) -> EmailMessage:
        """The newest message to ``to``, waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                found = [m for m in self.messages if to.lower() in str(m["To"]).lower()]
                if found:
                    return found[-1]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no email to {to} arrived within {timeout} s")
                self._arrived.wait(left)

    @staticmethod
    def text(message: EmailMessage) -> str:
        part = message.get_body(preferencelist=("plain",))
        assert part is not None, "the email has no plain-text part"
        return str(part.get_content())

    def link_to(self, to: str, path_start: str, *, timeout: float = 15) -> str:
        """The first link in the newest email to ``to`` whose path starts with ``path_start``."""
        body = self.text(self.wait_for(to, timeout=timeout))
        match = re.search(r"https?://[^\s<>\"]+" + re.escape(path_start) + r"[^\s<>\"]*", body)
        assert match, f"no link to {path_start} in the email to {to}:\n{body}"
        return match.group(0)
