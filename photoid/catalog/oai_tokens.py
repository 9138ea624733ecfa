"""OAI-PMH resumption tokens: the list request and the last record sent, signed and timed.

A token carries the whole query (verb, metadataPrefix, from, until, set) plus the keyset
position ``(datestamp, id)`` of the last record on the page it ended, so the next page starts
right after it whatever was added or changed meanwhile. It is signed with the app's
SECRET_KEY (itsdangerous), so a harvester cannot forge or edit one, and it expires.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta

from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

SALT = "photoid.oai.resumption"
VERSION = 1


class TokenError(ValueError):
    """A resumption token that is not ours, was changed, or is too old; the message says which."""


@dataclass(frozen=True)
class ListQuery:
    """One ListIdentifiers/ListRecords harvest, and how far it has come."""

    verb: str
    prefix: str
    #: Inclusive lower bound on datestamps, and exclusive upper bound (until + its granularity).
    start: datetime | None = None
    end: datetime | None = None
    set_spec: str | None = None
    #: The datestamp and photo id of the last record already sent; None before the first page.
    after: tuple[datetime, int] | None = None
    #: How many records were sent before this page, and the size of the whole list.
    cursor: int = 0
    total: int = 0

    def next_page(self, *, last: tuple[datetime, int], sent: int, total: int) -> ListQuery:
        return replace(self, after=last, cursor=self.cursor + sent, total=total)


def now() -> float:
    """The clock tokens are stamped and aged by, in seconds since the epoch (tests move it on)."""
    return time.time()


class _Signer(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(now())


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=SALT, signer=_Signer)


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


def _from_iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value).astimezone(UTC) if value is not None else None


def encode_token(query: ListQuery, *, secret_key: str) -> str:
    """The opaque token for ``query``. Changes nothing, raises nothing."""
    payload = asdict(query)
    payload.update(v=VERSION, start=_iso(query.start), end=_iso(query.end))
    payload["after"] = [_iso(query.after[0]), query.after[1]] if query.after else None
    return _serializer(secret_key).dumps(payload)


def decode_token(token: str, *, secret_key: str, max_age: int) -> ListQuery:
    """The query a token stands for. Raises TokenError when it was tampered with, is not one of
    ours, or is older than ``max_age`` seconds."""
    try:
        payload = _serializer(secret_key).loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise TokenError("This resumption token has expired. Please start the list again without it.") from error
    except BadData as error:
        raise TokenError("This resumption token is not valid. Please start the list again without it.") from error
    try:
        if payload.pop("v") != VERSION:
            raise ValueError("old token version")
        after = payload.pop("after")
        return ListQuery(
            verb=str(payload["verb"]), prefix=str(payload["prefix"]),
            start=_from_iso(payload["start"]), end=_from_iso(payload["end"]),
            set_spec=payload["set_spec"], cursor=int(payload["cursor"]), total=int(payload["total"]),
            after=(_from_iso(after[0]), int(after[1])) if after else None,  # type: ignore[arg-type]
        )
    except (KeyError, TypeError, ValueError) as error:
        raise TokenError("This resumption token is not valid. Please start the list again without it.") from error


def expiration(*, lifetime: int, now: datetime) -> datetime:
    """When a token issued ``now`` stops being accepted."""
    return now + timedelta(seconds=lifetime)
