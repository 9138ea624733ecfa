"""Writes while visitors read: once a second a patron signs in, suggests a name, votes and comments,
and an archivist approves one suggestion, all through the real forms (issue 22's target: writes no
longer empty the page cache)."""
from __future__ import annotations

import html
import http.cookiejar
import random
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from collections.abc import Sequence

from load_support.site import PASSWORD
from load_support.users import DECISION, Record, spread, token

VOTE = re.compile(r'action="(/identifications/(\d+)/votes)"')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args, **_kwargs):  # type: ignore[no-untyped-def]
        return None  # a redirect is the answer (the form succeeded); don't follow it


class _Browser:
    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())

    def call(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=60) as answer:
                return answer.status, answer.read().decode(errors="replace")
        except urllib.error.HTTPError as answer:  # 3xx (not followed) and 4xx/5xx
            return answer.code, answer.read().decode(errors="replace")


class Writer(threading.Thread):
    """Writes once a second until ``stop()``; ``done`` counts each write by its status."""

    def __init__(self, base: str | Sequence[str], record: Record, *, patron: str, archivist: str, photo_ids: list[int],
                 seed: int = 22) -> None:
        super().__init__(daemon=True)
        self.record, self.patron, self.archivist, self.photo_ids = record, patron, archivist, photo_ids
        # With several servers the patron writes on the first and the archivist decides on the last.
        self.patron_base, self.archivist_base = spread(base)[0], spread(base)[-1]
        self.rng = random.Random(seed)
        self.done: Counter[str] = Counter()
        self._halt = threading.Event()

    def stop(self) -> None:
        self._halt.set()
        self.join()

    def run(self) -> None:
        archivist = self._signed_in(self.archivist, self.archivist_base)
        while not self._halt.is_set():
            started = time.monotonic()
            self._patron_writes()
            self._approve_one(archivist)
            self._halt.wait(max(0.0, 1.0 - (time.monotonic() - started)))

    def _signed_in(self, email: str, base: str) -> _Browser:
        browser = _Browser(base)
        _status, page = browser.call("/login")
        status, _ = browser.call("/login", {"csrf_token": token(page), "email": email, "password": PASSWORD})
        self.done[f"sign in {status}"] += 1
        return browser

    def _patron_writes(self) -> None:
        patron = self._signed_in(self.patron, self.patron_base)  # a new sign-in every second: it writes last_login_at
        photo_id = self.rng.choice(self.photo_ids)
        _status, page = patron.call(f"/photos/{photo_id}")
        votes = VOTE.findall(page)
        if votes:
            path, _ident = self.rng.choice(votes)
            status, _ = patron.call(path, {"csrf_token": token(page), "stance": "agree", "note": ""})
            self.done[f"vote {status}"] += 1
        status, _ = patron.call(f"/photos/{photo_id}/comments", {
            "csrf_token": token(page), "body": f"I remember this corner. Writer {uuid.uuid4().hex[:8]}.", "parent_id": ""})
        self.done[f"comment {status}"] += 1
        _status, form = patron.call(f"/photos/{photo_id}/identify")
        status, _ = patron.call(f"/photos/{photo_id}/identifications", {
            "csrf_token": token(form), "kind": "person", "name": f"Writer {uuid.uuid4().hex[:8]}",
            "evidence": "Seen while the page load ran.", "date_text": "", "authority_id": "", "disputes": ""})
        self.done[f"suggest {status}"] += 1

    def _approve_one(self, archivist: _Browser) -> None:
        _status, queue = archivist.call("/moderation")
        approvals = [(html.unescape(url), int(ident)) for url, ident, action in DECISION.findall(queue) if action == "approve"]
        if approvals:
            url, ident = approvals[0]
            status, _ = archivist.call(url, {"csrf_token": token(queue)})
            self.done[f"approve {status}"] += 1
            if status in (302, 303):  # the load's invariants count every decision
                self.record.decisions[ident].append("approve")
