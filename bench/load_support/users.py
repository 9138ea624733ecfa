"""The simulated users: patrons who browse, search, identify and comment, and archivists who
decide from the moderation queue, all through the real pages and forms (CSRF tokens included)."""
from __future__ import annotations

import asyncio
import html
import itertools
import random
import re
import socket
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from load_support.site import PASSWORD, WORDS

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
DECISION = re.compile(r'action="(/moderation/identifications/(\d+)/(approve|reject)[^"]*)"')


@dataclass
class Record:
    """Everything the users saw: latencies and statuses per page type, and every submission."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    server_errors: list[str] = field(default_factory=list)
    #: marker -> (kind, HTTP status) of every identification or comment sent
    submissions: dict[str, tuple[str, int]] = field(default_factory=dict)
    #: identification id -> actions answered with a redirect (success)
    decisions: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    refused_decisions: int = 0

    def note(self, page: str, status: int, seconds: float, url: str) -> None:
        self.latencies[page].append(seconds)
        self.statuses[page][status] += 1
        if status >= 500:
            self.server_errors.append(f"{status} {page} {url}")


def token(body: str) -> str:
    match = CSRF.search(body)
    if match is None:
        raise RuntimeError("no CSRF token on the page")
    return html.unescape(match.group(1) or match.group(2))


class User:
    def __init__(self, base: str, email: str, record: Record, rng: random.Random) -> None:
        self.base, self.email, self.record, self.rng = base, email, record, rng
        self.http = aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True),  # cookies for 127.0.0.1
            timeout=aiohttp.ClientTimeout(total=60),
        )

    async def request(self, page: str, method: str, path: str, **kwargs: Any) -> tuple[int, str, str]:
        started = time.perf_counter()
        async with self.http.request(method, self.base + path, allow_redirects=False, **kwargs) as response:
            body = await response.text()
            self.record.note(page, response.status, time.perf_counter() - started, path)
            return response.status, body, response.headers.get("Location", "")

    async def sign_in(self) -> None:
        status, body, _ = await self.request("login form", "GET", "/login")
        status, body, _ = await self.request("login", "POST", "/login", data={
            "csrf_token": token(body), "email": self.email, "password": PASSWORD})
        if status != 302:
            raise RuntimeError(f"{self.email} could not sign in ({status})")

    async def think(self, mean: float) -> None:
        await asyncio.sleep(self.rng.uniform(0, 2 * mean))

    async def close(self) -> None:
        await self.http.close()


class Patron(User):
    async def run(self, deadline: float, photo_ids: list[int], think: float) -> None:
        while time.monotonic() < deadline:
            roll = self.rng.random()
            photo_id = photo_ids[self.rng.randrange(len(photo_ids))]
            if roll < 0.15:
                await self.request("home", "GET", "/")
            elif roll < 0.55:
                await self.request("photo", "GET", f"/photos/{photo_id}")
            elif roll < 0.75:
                words = " ".join(self.rng.sample(WORDS, self.rng.choice((1, 1, 2))))
                await self.request("search", "GET", "/search", params={"q": words})
            elif roll < 0.88:
                await self.identify(photo_id)
            else:
                await self.comment(photo_id)
            await self.think(think)

    async def identify(self, photo_id: int) -> None:
        _, body, _ = await self.request("identify form", "GET", f"/photos/{photo_id}/identify")
        marker = "lt" + uuid.uuid4().hex[:12]
        status, _, _ = await self.request("identify (POST)", "POST", f"/photos/{photo_id}/identifications", data={
            "csrf_token": token(body), "kind": "person", "name": f"Loadmark {marker}",
            "evidence": "Seen in the load test.", "date_text": "", "authority_id": "", "disputes": ""})
        self.record.submissions[marker] = ("identification", status)

    async def comment(self, photo_id: int) -> None:
        _, body, _ = await self.request("photo", "GET", f"/photos/{photo_id}")
        marker = "lt" + uuid.uuid4().hex[:12]
        status, _, _ = await self.request("comment (POST)", "POST", f"/photos/{photo_id}/comments", data={
            "csrf_token": token(body), "body": f"I remember this place. Marker {marker}.", "parent_id": ""})
        self.record.submissions[marker] = ("comment", status)


class Archivist(User):
    async def run(self, deadline: float, think: float) -> None:
        while time.monotonic() < deadline:
            _, body, _ = await self.request("moderation queue", "GET", "/moderation")
            forms = {}
            for action_url, ident, action in DECISION.findall(body):
                forms.setdefault(int(ident), {})[action] = html.unescape(action_url)
            if not forms:
                await self.think(think)
                continue
            ident = self.rng.choice(sorted(forms)[:10])  # the oldest few, as people work
            action = "approve" if self.rng.random() < 0.7 or "reject" not in forms[ident] else "reject"
            data = {"csrf_token": token(body)}
            if action == "reject":
                data["reason_text"] = "Not enough evidence yet (load test)."
            status, _, _ = await self.request(f"{action} (POST)", "POST", forms[ident][action], data=data)
            if status in (302, 303):
                self.record.decisions[ident].append(action)
            elif status < 500:
                self.record.refused_decisions += 1  # the other archivist was quicker
            await self.think(think)


def spread(base: str | Sequence[str]) -> list[str]:
    """The servers' base URLs: one, or several (``--nodes``) that clients are dealt to in turn."""
    return [base] if isinstance(base, str) else list(base)


async def simulate(base: str | Sequence[str], *, patrons: list[str], archivists: list[str], photo_ids: list[int],
                   seconds: float, think: float, seed: int = 8) -> tuple[Record, float]:
    """Run everyone for ``seconds``; returns the record and the wall time taken. With several servers,
    patrons and archivists are dealt to them in turn (each keeps to one, as behind a load balancer
    with sticky sessions), so each server takes writes and decisions on the same items."""
    record = Record()
    rng = random.Random(seed)
    bases = spread(base)
    people: list[User] = [Patron(bases[n % len(bases)], email, record, random.Random(rng.random()))
                          for n, email in enumerate(patrons)]
    people += [Archivist(bases[n % len(bases)], email, record, random.Random(rng.random()))
               for n, email in enumerate(archivists)]
    # Everyone signs in through the form first, a few at a time: each sign-in costs the server a
    # deliberate scrypt hash, and fifty at once would fill the timed window with nothing else.
    gate = asyncio.Semaphore(4)

    async def sign_in(person: User) -> None:
        async with gate:
            await person.sign_in()

    try:
        await asyncio.gather(*(sign_in(p) for p in people))
    except BaseException:
        for person in people:
            await person.close()
        raise
    started = time.monotonic()
    deadline = started + seconds
    try:
        tasks = [p.run(deadline, photo_ids, think) if isinstance(p, Patron) else p.run(deadline, think)  # type: ignore[attr-defined]
                 for p in people]
        results = await asyncio.gather(*tasks, return_exceptions=True)
        failures = [r for r in results if isinstance(r, BaseException)]
        if failures:
            raise RuntimeError(f"{len(failures)} simulated user(s) failed; first: {failures[0]!r}")
    finally:
        for person in people:
            await person.close()
    return record, time.monotonic() - started


def paced(base: str | Sequence[str], path_for: Any, *, rate: float, connections: int,
          seconds: float) -> tuple[list[float], int, int]:
    """Open-loop load: ``connections`` clients together sending ``rate`` requests a second on a fixed
    schedule for ``seconds``. Latency counts from the scheduled send time, so a server that falls
    behind is charged for the wait (no coordinated omission). Returns latencies, non-200s and sent.
    With several servers, client ``n`` sends to server ``n`` modulo their number.

    Each client is a thread sending plain HTTP/1.1 over a socket of its own per request (gunicorn's
    sync workers close the connection after each answer). Client and server share the machine's
    cores, so the client must cost little: measured here, aiohttp spent 1.1-1.4 ms of CPU per request,
    a third of a core at 500 requests/s, and this client 0.3-0.4 ms."""
    addresses = [urlsplit(one) for one in spread(base)]
    interval = connections / rate
    start = time.perf_counter() + 0.05
    results: list[tuple[list[float], int]] = []

    def client(lane: int) -> None:
        address = addresses[lane % len(addresses)]
        host, port = address.hostname or "127.0.0.1", address.port or 80
        latencies: list[float] = []
        bad = 0
        for n in itertools.count():
            due = start + lane * interval / connections + n * interval
            if due - start > seconds:
                break
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            request = f"GET {path_for(lane + n * connections)} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n"
            try:
                with socket.create_connection((host, port), timeout=60) as sock:
                    sock.sendall(request.encode())
                    first = sock.recv(65536)
                    while sock.recv(65536):
                        pass
                bad += first[9:12] != b"200"  # "HTTP/1.1 200 OK"
            except OSError:  # refused or reset: a failure, timed like any answer
                bad += 1
            latencies.append(time.perf_counter() - due)
        results.append((latencies, bad))  # list.append is atomic: no lock needed

    lanes = [threading.Thread(target=client, args=(lane,)) for lane in range(connections)]
    for lane in lanes:
        lane.start()
    for lane in lanes:
        lane.join()
    latencies = [value for found, _bad in results for value in found]
    return latencies, sum(bad for _found, bad in results), len(latencies)
