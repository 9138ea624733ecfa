"""Patron contributions: identify, vote, withdraw. Each public function is one use case and commits once."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import select

from photoid.accounts.models import User
from photoid.authorities.matching import words_match
from photoid.authorities.models import AuthorityRecord, fold
from photoid.authorities.queries import survivor_of
from photoid.contributions.models import IDENTIFICATION_KINDS, Confirmation, Identification
from photoid.contributions.workflow import (
    OPEN,
    PENDING_STATE,
    VOTE_STANCES,
    AuthorityStatus,
    IdentificationState,
    VoteStance,
    VoteState,
    WorkflowError,
    cast_again,
    move_identification,
)
from photoid.edtf import EDTFError, parse_phrase
from photoid.db import unit_of_work
from photoid.extensions import db
from photoid.photos.models import Photo
from photoid.text import has_broken_characters

MAX_NAME = 300
MAX_EVIDENCE = 2000
_MARKUP = re.compile(r"<\s*[a-zA-Z/!?]|javascript:", re.IGNORECASE)


class ContributionError(WorkflowError):
    """Input a patron can fix; the message says how."""


@dataclass(frozen=True)
class Region:
    """A box on the photo as fractions of its width and height."""

    x: float
    y: float
    w: float
    h: float


def clean_text(value: str | None, *, label: str, limit: int, required: bool = False, single_line: bool = False) -> str:
    """Plain text, trimmed; refuses markup, control characters, broken characters (a lone surrogate,
    a noncharacter such as U+FFFE) and over-long values with a clear message (ContributionError).

    ``single_line`` for a name or heading: tabs and line breaks become one space, as every run of
    spaces does, so they never reach a catalog record (where marc-lint refuses them)."""
    if has_broken_characters(value or ""):  # before normalising, which cannot encode a lone surrogate
        raise ContributionError(f"{label.capitalize()} contains a broken character (not a letter, digit or sign); "
                                "please retype it.")
    text = unicodedata.normalize("NFC", (value or "").strip())
    if single_line:
        text = " ".join(text.split())
    if required and not text:
        raise ContributionError(f"Please enter {label}.")
    if len(text) > limit:
        raise ContributionError(f"{label.capitalize()} can be at most {limit} characters.")
    if any(unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\n\r\t" for ch in text):
        raise ContributionError(f"{label.capitalize()} contains control or invisible characters; please retype it.")
    if _MARKUP.search(text):
        raise ContributionError(f"Please write {label} as plain text, without HTML or links to scripts.")
    return text


def check_region(region: Region | None) -> Region | None:
    if region is None:
        return None
    values = (region.x, region.y, region.w, region.h)
    if any(v != v or v in (float("inf"), float("-inf")) for v in values):  # NaN or infinite
        raise ContributionError("The box on the photo is not valid; please draw it again.")
    if region.w <= 0 or region.h <= 0:
        raise ContributionError("The box on the photo has no size; please draw it again.")
    if region.x < 0 or region.y < 0 or region.x + region.w > 1.000001 or region.y + region.h > 1.000001:
        raise ContributionError("The box must lie inside the photo; please draw it again.")
    return region


def suggest_authorities(text: str, *, kind: str | None = None, limit: int = 10) -> list[AuthorityRecord]:
    """Known people, places and events whose heading or one variant holds every word of the text, in
    any order (accents and case ignored): "hale dot" finds the record known as "Dot Hale"."""
    folded = fold(text)
    match = words_match(text)
    if len(folded) < 2 or match is None:
        return []
    query = (
        select(AuthorityRecord)
        .where(
            AuthorityRecord.merged_into_id.is_(None),
            AuthorityRecord.status == AuthorityStatus.ACCEPTED,
            match,
        )
        .order_by(AuthorityRecord.heading_folded.not_like(f"{folded}%"), AuthorityRecord.heading_folded)
        .limit(limit)
    )
    if kind:
        query = query.where(AuthorityRecord.kind == kind)
    return list(db.session.scalars(query))


def _authority(authority_id: int, kind: str) -> AuthorityRecord:
    record = db.session.get(AuthorityRecord, authority_id)
    if record is not None:
        record = survivor_of(record)  # a merged duplicate stands for its survivor
    if record is None or record.kind != kind:
        raise ContributionError(f"That {kind} is not in our records; type the name instead.")
    return record


@unit_of_work
def identify(
    *, photo: Photo, contributor: User, kind: str, name: str | None = None, authority_id: int | None = None,
    date_text: str | None = None, region: Region | None = None, evidence: str | None = None,
    disputes: Identification | None = None,
) -> Identification:
    """Record a patron's pending identification of a person, place, event, date or keyword.

    With ``disputes``, the patron says another patron's identification is wrong and offers this
    one instead: a "disagree" vote pointing at the new identification is recorded with it.
    Raises ContributionError for bad input (the message says what to fix); nothing is saved then.
    """
    if disputes is not None:
        if disputes.photo_id != photo.id:
            raise ContributionError("That suggestion belongs to another photo.")
        _check_can_vote(disputes, contributor)
    if not contributor.is_active:
        raise ContributionError("Your account cannot contribute at the moment.")
    if kind not in IDENTIFICATION_KINDS:
        raise ContributionError("Please choose what you are identifying: a person, place, event, date or keyword.")
    identification = Identification(
        photo=photo, kind=kind, contributor=contributor, state=PENDING_STATE,
        evidence=clean_text(evidence, label="your evidence", limit=MAX_EVIDENCE),
    )
    if kind == "date":
        text = clean_text(date_text, label="a date", limit=100, required=True)
        try:
            identification.date_edtf = parse_phrase(text)
        except EDTFError as error:
            raise ContributionError(str(error)) from error
    elif authority_id is not None and kind != "keyword":
        identification.authority = _authority(authority_id, kind)
    else:
        identification.text_value = clean_text(name, label="a name" if kind != "keyword" else "a keyword", limit=MAX_NAME,
                                               required=True, single_line=True)
    checked = check_region(region)
    if checked is not None:
        identification.region_x, identification.region_y = checked.x, checked.y
        identification.region_w, identification.region_h = checked.w, checked.h
    db.session.add(identification)
    if disputes is not None:
        earlier = _earlier_vote(disputes, contributor)
        if earlier is not None:  # a vote taken back earlier: the same row counts again
            cast_again(earlier, stance=VoteStance.DISAGREE, note="")
            earlier.counter_identification = identification
        else:
            db.session.add(Confirmation(
                identification=disputes, voter=contributor, stance=VoteStance.DISAGREE, state=VoteState.ACTIVE,
                counter_identification=identification, note="",
            ))
    return identification


def _check_can_vote(identification: Identification, voter: User) -> None:
    if identification.contributor_id == voter.id:
        raise ContributionError("You cannot confirm your own identification; others will.")
    if identification.state not in OPEN:
        raise ContributionError("This identification is no longer open for votes.")
    existing = _earlier_vote(identification, voter)
    if existing is not None and existing.state == VoteState.ACTIVE:
        raise ContributionError("You have already voted on this identification.")


def _earlier_vote(identification: Identification, voter: User) -> Confirmation | None:
    """The voter's one vote row on it, counting or taken back (the table allows no second)."""
    return db.session.scalar(
        select(Confirmation).where(Confirmation.identification_id == identification.id, Confirmation.voter_id == voter.id)
    )


@unit_of_work
def vote(*, identification: Identification, voter: User, stance: str, note: str | None = None) -> Confirmation:
    """Agree or disagree with someone else's identification; one vote each, never on one's own.

    A vote taken back earlier counts again with the new stance. Raises ContributionError for one's
    own identification, a second vote, or a decided one.
    """
    if stance not in VOTE_STANCES:
        raise ContributionError("Please choose whether you agree or disagree.")
    _check_can_vote(identification, voter)
    earlier = _earlier_vote(identification, voter)
    if earlier is not None:
        cast_again(earlier, stance=VoteStance(stance), note=clean_text(note, label="your note", limit=MAX_EVIDENCE))
        return earlier
    confirmation = Confirmation(
        identification=identification, voter=voter, stance=VoteStance(stance), state=VoteState.ACTIVE,
        note=clean_text(note, label="your note", limit=MAX_EVIDENCE),
    )
    db.session.add(confirmation)
    return confirmation


@unit_of_work
def withdraw(*, identification: Identification, actor: User) -> None:
    """The contributor takes back a pending identification; it stays on record as withdrawn.

    Raises WorkflowError when it is not pending or not theirs.
    """
    move_identification(identification, IdentificationState.WITHDRAWN, actor=actor)
