"""Fetching IIIF documents and images from other sites, politely and safely (``photoid import-iiif``).

Standard library only (``http.client``). What it guards against, because the address comes from a
person or from someone else's manifest:

- only ``http`` and ``https`` addresses, also after a redirect (at most :data:`MAX_REDIRECTS`);
- no connection to a loopback, private, link-local or otherwise non-public address unless
  ``IMPORT_ALLOW_PRIVATE`` is on. The host name is resolved here and the connection is made to the
  very address that was checked (so a second DNS answer cannot swap it), on every hop;
- bodies are read up to a limit (``MAX_IMAGE_BYTES`` for images, :data:`MAX_DOCUMENT_BYTES` for JSON);
- one request at a time, at least ``IMPORT_DELAY`` seconds apart, with a ``User-Agent`` naming the site.

Every failure is a :class:`FetchError` whose message a person understands (404, not found; too
large; no answer in time; a private address refused).
"""
from __future__ import annotations

import http.client
import ipaddress
import json
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote, urljoin, urlsplit

#: A IIIF manifest or collection is text; a few megabytes is already a very large one.
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
MAX_REDIRECTS = 5
CHUNK = 64 * 1024
ALLOW_PRIVATE_HINT = "set PHOTOID_IMPORT_ALLOW_PRIVATE=1 to allow it"
#: Characters left as they are in a request's path and query (the rest, such as spaces, are %-encoded).
_SAFE = "/:@!$&'()*+,;=?%~-._[]"


class FetchError(Exception):
    """A request that could not be made or answered usefully; the message says why, in plain words."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether an address is on the public internet (not loopback, private, link-local, shared, reserved)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return address.is_global and not address.is_multicast


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str


def parse_target(url: str) -> Target:
    """The parts of an http(s) URL; FetchError for any other scheme or a URL without a host."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise FetchError(f"“{url[:200]}” is not a web address.") from error
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError(f"Only http and https addresses can be imported, not “{url[:200]}”.")
    if not parts.hostname:
        raise FetchError(f"“{url[:200]}” has no host name.")
    path = quote((parts.path or "/") + (f"?{parts.query}" if parts.query else ""), safe=_SAFE)  # a space becomes %20
    return Target(scheme, parts.hostname, port or (443 if scheme == "https" else 80), path)


class Fetcher:
    """Makes GET requests one at a time, ``delay`` seconds apart, to public addresses only (unless
    ``allow_private``). ``resolve`` and ``public`` are the name lookup and the address policy, ``tls``
    the certificates trusted (the system's by default); tests replace them, and ``sleep`` and ``clock``."""

    def __init__(
        self, *, user_agent: str, delay: float, timeout: float, allow_private: bool,
        resolve: Callable[[str, int], list[str]] | None = None,
        public: Callable[[ipaddress.IPv4Address | ipaddress.IPv6Address], bool] = is_public,
        sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.user_agent, self.delay, self.timeout, self.allow_private = user_agent, delay, timeout, allow_private
        self.resolve = resolve or _resolve
        self.public, self.sleep, self.clock = public, sleep, clock
        self.tls = tls or ssl.create_default_context()
        self._last: float | None = None

    # --- the two kinds of body we want ----------------------------------------------------------------

    def json(self, url: str) -> tuple[str, Any]:
        """The JSON document at ``url`` and the address it finally came from (after redirects)."""
        with self._open(url, accept="application/ld+json, application/json;q=0.9, */*;q=0.1") as (final, response):
            data = _read_limited(response, MAX_DOCUMENT_BYTES, what="document")
        try:
            return final, json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError, RecursionError) as error:
            raise FetchError(f"{final} is not a JSON document (a IIIF manifest is JSON).") from error

    def download(self, url: str, destination: Path, *, max_bytes: int) -> str:
        """Write the body at ``url`` into ``destination``, refusing more than ``max_bytes``; returns
        the final address."""
        with self._open(url, accept="image/jpeg, image/*;q=0.9, */*;q=0.1") as (final, response):
            length = response.getheader("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise FetchError(_too_large(max_bytes))
            with destination.open("wb") as handle:
                _copy_limited(response, handle, max_bytes)
        return final

    # --- one request, with its redirects -------------------------------------------------------------

    def _open(self, url: str, *, accept: str) -> _Opened:
        return _Opened(self, url, accept)

    def _wait_turn(self) -> None:
        if self._last is not None:
            left = self.delay - (self.clock() - self._last)
            if left > 0:
                self.sleep(left)
        self._last = self.clock()

    def request(self, url: str, *, accept: str) -> tuple[str, http.client.HTTPConnection, http.client.HTTPResponse]:
        """GET ``url``, following redirects; the final address, the open connection and its 200 response."""
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            target = parse_target(current)
            self._wait_turn()
            connection = self._connect(target)
            try:
                connection.request("GET", target.path, headers={
                    "User-Agent": self.user_agent, "Accept": accept, "Accept-Encoding": "identity",
                })
                response = connection.getresponse()
            except TimeoutError as error:
                connection.close()
                raise FetchError(f"{current} did not answer within {self.timeout:g} seconds.") from error
            except (OSError, http.client.HTTPException, ValueError) as error:  # ValueError: http.client's InvalidURL
                connection.close()
                raise FetchError(f"{current} could not be reached ({_plain(error)}).") from error
            if response.status in (301, 302, 303, 307, 308) and response.getheader("Location"):
                location = urljoin(current, response.getheader("Location", ""))
                _close(connection, response)
                current = location
                continue
            if response.status != 200:
                _close(connection, response)
                raise FetchError(_status_message(current, response.status, response.reason), status=response.status)
            return current, connection, response
        raise FetchError(f"{url} redirected more than {MAX_REDIRECTS} times.")

    def _connect(self, target: Target) -> http.client.HTTPConnection:
        addresses = self._checked_addresses(target)
        if target.scheme == "https":
            return _PinnedHTTPS(target.host, target.port, addresses=addresses, timeout=self.timeout, context=self.tls)
        return _PinnedHTTP(target.host, target.port, addresses=addresses, timeout=self.timeout)

    def _checked_addresses(self, target: Target) -> list[str]:
        """Every address the name resolves to, each checked: one refused address refuses the host."""
        try:
            addresses = self.resolve(target.host, target.port)
        except OSError as error:
            raise FetchError(f"The host name {target.host} could not be found.") from error
        if not addresses:
            raise FetchError(f"The host name {target.host} could not be found.")
        if not self.allow_private:
            for text in addresses:
                if not self.public(ipaddress.ip_address(text.split("%", 1)[0])):
                    raise FetchError(
                        f"{target.host} is a private, loopback or link-local address ({text}), which photoid "
                        f"does not fetch from; {ALLOW_PRIVATE_HINT}."
                    )
        return addresses


class _Opened:
    """``with fetcher._open(url) as (final_url, response):`` closes the connection afterwards."""

    def __init__(self, fetcher: Fetcher, url: str, accept: str) -> None:
        self.fetcher, self.url, self.accept = fetcher, url, accept
        self.opened: tuple[http.client.HTTPConnection, http.client.HTTPResponse] | None = None

    def __enter__(self) -> tuple[str, http.client.HTTPResponse]:
        final, connection, response = self.fetcher.request(self.url, accept=self.accept)
        self.opened = (connection, response)
        return final, response

    def __exit__(self, *exc: object) -> None:
        if self.opened is not None:
            _close(*self.opened)


def _close(connection: http.client.HTTPConnection, response: http.client.HTTPResponse) -> None:
    response.close()  # its file holds the socket open until closed too
    connection.close()


def _resolve(host: str, port: int) -> list[str]:
    return list(dict.fromkeys(info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)))


def _connect_first(addresses: list[str], port: int, timeout: float) -> socket.socket:
    """A connection to the first of the checked addresses that answers (``localhost`` is ::1 and 127.0.0.1)."""
    error: OSError | None = None
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout)
        except TimeoutError:
            raise
        except OSError as failed:
            error = failed
    assert error is not None
    raise error


class _PinnedHTTP(http.client.HTTPConnection):
    """An HTTP connection to addresses already checked, with the Host header of the name."""

    def __init__(self, host: str, port: int, *, addresses: list[str], timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.addresses = addresses

    def connect(self) -> None:
        self.sock = _connect_first(self.addresses, self.port, self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """An HTTPS connection to addresses already checked; the certificate is checked for the name."""

    def __init__(self, host: str, port: int, *, addresses: list[str], timeout: float, context: ssl.SSLContext) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self.addresses, self.tls = addresses, context

    def connect(self) -> None:
        raw = _connect_first(self.addresses, self.port, self.timeout)
        try:
            self.sock = self.tls.wrap_socket(raw, server_hostname=self.host)
        except BaseException:
            raw.close()
            raise


def _read_limited(response: http.client.HTTPResponse, limit: int, *, what: str) -> bytes:
    try:
        data = response.read(limit + 1)
    except (TimeoutError, http.client.IncompleteRead) as error:
        raise FetchError(f"The {what} arrived incomplete (the server stopped answering).") from error
    if len(data) > limit:
        raise FetchError(f"The {what} is larger than the {limit // (1024 * 1024)} MB limit.")
    return data


def _copy_limited(response: http.client.HTTPResponse, handle: BinaryIO, limit: int) -> None:
    written = 0
    try:
        while chunk := response.read(CHUNK):
            written += len(chunk)
            if written > limit:
                raise FetchError(_too_large(limit))
            handle.write(chunk)
    except TimeoutError as error:
        raise FetchError("The image server stopped answering in the middle of the image.") from error
    except http.client.IncompleteRead as error:
        raise FetchError("The image arrived incomplete.") from error


def _too_large(limit: int) -> str:
    return f"The image is larger than the {limit // (1024 * 1024)} MB limit."


def _status_message(url: str, status: int, reason: str) -> str:
    if status == 404:
        return f"Not found (404) at {url}."
    if status in (401, 403):
        return f"The server refused access ({status}) to {url}."
    if status == 429:
        return f"The server asked us to slow down (429) at {url}; raise PHOTOID_IMPORT_DELAY and run again."
    if status >= 500:
        return f"The server had an error ({status}) at {url}; try again later."
    return f"The server answered {status} {reason} at {url}."


def _plain(error: BaseException) -> str:
    if isinstance(error, ssl.SSLCertVerificationError):
        return "its certificate is not valid"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    return getattr(error, "strerror", None) or str(error) or type(error).__name__
