"""Moderation decisions: approve, reject, mark as spam, approve with changes, and in bulk.

Each public function is one use case and commits once. Every decision goes through
``contributions/workflow.py`` (which checks the moderator's institution and forbids
self-review), writes a ModerationEvent with the states before and after, moves the photo's
``modified_at`` when its public record changes, and notifies the patron.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from photoid.accounts.models import User
from photoid.audit import record_event
from photoid.authorities.models import AUTHORITY_CLASSES, AuthorityRecord, fold
from photoid.authorities.queries import holder_of_link, survivor_of
from photoid.authorities.service import AuthorityError, check_authority_uri, check_coordinates
from photoid.contributions.models import Comment, Identification
from photoid.contributions.service import ContributionError, Region, check_region, clean_text
from photoid.contributions.workflow import (
    COMMENT_OPEN,
    AuthorityStatus,
    CommentState,
    IdentificationState,
    InvalidTransition,
    NotAllowed,
    WorkflowError,
    move_comment,
    move_identification,
)
from photoid.db import unit_of_work, utcnow
from photoid.edtf import EDTFError, parse_phrase
from photoid.extensions import db
from photoid.notifications.service import notify_comment_decided, notify_identification_decided

MAX_REASON = 1000
MAX_BULK = 200
BULK_ACTIONS = ("approve", "reject")


class ModerationError(WorkflowError):
    """Input the moderator can fix (a missing reason, a bad date); the message says how."""


class AlreadyDecided(InvalidTransition):
    """Another archivist decided on the item a moment ago."""


@dataclass
class BulkOutcome:
    """What a bulk decision did: the ids decided, and the ids refused with the reason for each."""

    action: str
    done: list[int] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)


# --- helpers (flush at most, never commit) -------------------------------------------------------

def _claim(model: type[Identification] | type[Comment], item_id: int, states: tuple[str, ...]) -> None:
    """Lock the row for this transaction and check it is still undecided.

    A no-op UPDATE takes the row (PostgreSQL) or the database (SQLite) for writing, so when two
    archivists decide at once the second waits, then finds the first one's decision.
    Raises AlreadyDecided when the row is no longer in one of ``states``.
    """
    result = db.session.execute(
        update(model).where(model.id == item_id, model.state.in_(states)).values(modified_at=model.modified_at)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        state = db.session.scalar(select(model.state).where(model.id == item_id))
        now = f" (it is now {state.replace('_', ' ')})" if state else ""
        raise AlreadyDecided(f"This item has already been decided{now}, perhaps by another archivist a moment ago.")


def _check_can_decide(identification: Identification, moderator: User) -> None:
    if not moderator.moderates(identification.photo.institution_id):
        raise NotAllowed("Only an archivist of this photo's institution can decide on it.")


def _snapshot(identification: Identification) -> dict[str, Any]:
    return {
        "state": identification.state,
        "kind": identification.kind,
        "label": identification.label,
        "authority_id": identification.authority_id,
        "date_edtf": identification.date_edtf,
        "region": [identification.region_x, identification.region_y, identification.region_w, identification.region_h]
        if identification.has_region else None,
    }


def _reason(reason: str | None, *, ask: str = "Please choose or write a reason", reader: str = "the contributor") -> str:
    """The reason ``reader`` will see, trimmed and checked: the one rule for every decision that needs one.

    Raises ModerationError saying "{ask}; {reader} will see it." when it is missing or only spaces,
    and with what is wrong when it is unusable (too long, markup, control characters).
    """
    if not (reason or "").strip():
        raise ModerationError(f"{ask}; {reader} will see it.")
    try:
        return clean_text(reason, label="a reason", limit=MAX_REASON, required=True)
    except ContributionError as error:
        raise ModerationError(str(error)) from error


def _note(note: str | None) -> str | None:
    return clean_text(note, label="the note", limit=MAX_REASON) or None


def _decide_identification(
    identification: Identification, target: str, *, moderator: User, note: str | None, action: str
) -> None:
    """Claim, move through the workflow, audit and notify; flushes nothing and commits nothing."""
    _check_can_decide(identification, moderator)
    _claim(Identification, identification.id, (IdentificationState.PENDING,))
    db.session.refresh(identification)
    before = _snapshot(identification)
    move_identification(identification, target, actor=moderator, note=note)
    if target == IdentificationState.APPROVED:
        identification.photo.modified_at = identification.reviewed_at or utcnow()
    record_event(
        actor=moderator, action=action, target=identification, before=before, after=_snapshot(identification),
        institution_id=identification.photo.institution_id, note=note or "",
    )
    notify_identification_decided(identification)


def _commit_decision(
    identification: Identification, target: str, *, moderator: User, note: str | None, action: str
) -> Identification:
    """Decide in the caller's unit of work: a workflow refusal rolls it back (undoing the row claim)."""
    _decide_identification(identification, target, moderator=moderator, note=note, action=action)
    return identification


def _reraise_as_moderation_error(error: ContributionError) -> ModerationError:
    return ModerationError(str(error))


# --- identifications -----------------------------------------------------------------------------

@unit_of_work
def approve(identification: Identification, *, moderator: User, note: str | None = None) -> Identification:
    """Approve a pending identification: it joins the photo's public record, with provenance.

    Changes the identification's state, reviewer and time, the photo's ``modified_at``; adds an
    audit event and a notification. Raises NotAllowed (not this moderator's institution),
    SelfReviewForbidden (their own contribution), InvalidTransition/AlreadyDecided (no longer
    pending) and ModerationError (a bad note); nothing is saved then.
    """
    try:
        text = _note(note)
    except ContributionError as error:
        raise _reraise_as_moderation_error(error) from error
    return _commit_decision(identification, IdentificationState.APPROVED, moderator=moderator, note=text, action="approve")


@unit_of_work
def reject(identification: Identification, *, moderator: User, reason: str | None) -> Identification:
    """Reject a pending identification with a reason the patron sees; the row stays on record.

    Changes state, reviewer, time and ``review_note``; adds an audit event and a notification.
    Raises ModerationError when the reason is missing or unusable, and the workflow errors of
    :func:`approve`; nothing is saved then.
    """
    text = _reason(reason)
    return _commit_decision(identification, IdentificationState.REJECTED, moderator=moderator, note=text, action="reject")


@unit_of_work
def mark_spam(identification: Identification, *, moderator: User, note: str | None = None) -> Identification:
    """Mark a pending identification as spam (abuse); it leaves the queue and stays on record.

    Same changes and errors as :func:`reject`, with an optional note.
    """
    try:
        text = _note(note)
    except ContributionError as error:
        raise _reraise_as_moderation_error(error) from error
    return _commit_decision(identification, IdentificationState.SPAM, moderator=moderator, note=text, action="spam")


def _new_record_details(kind: str, authority_uri: str | None, latitude: str | float | None,
                        longitude: str | float | None) -> dict[str, Any]:
    """The checked authority link and (for a place) coordinates of a record to create; raises ModerationError."""
    try:
        details: dict[str, Any] = {"authority_uri": check_authority_uri(authority_uri)}
        lat, lon = check_coordinates(latitude, longitude)
    except AuthorityError as error:
        raise ModerationError(str(error)) from error
    if lat is not None:
        if kind != "place":
            raise ModerationError("Only places have coordinates; please leave latitude and longitude empty.")
        details.update(latitude=lat, longitude=lon)
    return {key: value for key, value in details.items() if value is not None}


def _find_or_create_authority(kind: str, heading: str, moderator: User, details: dict[str, Any] | None = None) -> AuthorityRecord:
    """An accepted record with this heading (accents and case ignored), created when missing with
    ``details`` (link, coordinates); flushes. Raises ModerationError when ``details`` are given for an existing record."""
    folded = fold(heading)
    existing = db.session.scalar(
        select(AuthorityRecord).where(
            AuthorityRecord.kind == kind, AuthorityRecord.heading_folded == folded, AuthorityRecord.merged_into_id.is_(None)
        )
    )
    if existing is not None:
        if details:
            raise ModerationError(f"We already have “{existing.heading}” in our records. Leave the link and coordinates "
                                  "empty here to use it; you can change them on that record's own page.")
        return existing
    holder = holder_of_link((details or {}).get("authority_uri"))
    if holder is not None:
        raise ModerationError(f"“{holder.heading}” already has this authority link, so it is the same record: "
                              "choose it instead of typing a new heading.")
    record = AUTHORITY_CLASSES[kind](status=AuthorityStatus.ACCEPTED, created_by_id=moderator.id, **(details or {}))
    record.set_heading(heading)
    db.session.add(record)
    db.session.flush()
    record_event(actor=moderator, action="create_authority", target=record, before=None,
                 after={"kind": kind, "heading": record.heading, **(details or {})})
    return record


def _corrected_copy(
    original: Identification, *, moderator: User, authority_id: int | None, new_heading: str | None,
    date_text: str | None, region: Region | None, details: dict[str, Any] | None = None,
) -> Identification:
    """The edited fact as a new pending row (moved to approved by the caller); raises ModerationError."""
    if details and (original.kind not in AUTHORITY_CLASSES or authority_id is not None or not (new_heading or "").strip()):
        raise ModerationError("An authority link and coordinates are only used for a new record: please type its "
                              "heading too, or leave them empty.")
    corrected = Identification(
        photo=original.photo, kind=original.kind, contributor_id=original.contributor_id, state=IdentificationState.PENDING,
        evidence=original.evidence, authority_id=original.authority_id, text_value=original.text_value,
        date_edtf=original.date_edtf, region_x=original.region_x, region_y=original.region_y,
        region_w=original.region_w, region_h=original.region_h, supersedes=original,
    )
    changed = False
    if original.kind == "date" and (date_text or "").strip():
        try:
            corrected.date_edtf = parse_phrase(clean_text(date_text, label="a date", limit=100))
        except EDTFError as error:
            raise ModerationError(str(error)) from error
        changed = True
    if original.kind in AUTHORITY_CLASSES:
        if authority_id is not None:
            record = db.session.get(AuthorityRecord, authority_id)
            if record is not None:
                record = survivor_of(record)
            if record is None or record.kind != original.kind:
                raise ModerationError(f"That {original.kind} is not in our records; choose another or type a heading.")
            corrected.authority, corrected.text_value = record, None
            changed = True
        elif (new_heading or "").strip():
            heading = clean_text(new_heading, label="the heading", limit=300, single_line=True)
            corrected.authority, corrected.text_value = _find_or_create_authority(original.kind, heading, moderator, details), None
            changed = True
    elif original.kind == "keyword" and (new_heading or "").strip():
        corrected.text_value = clean_text(new_heading, label="the keyword", limit=300, single_line=True)
        changed = True
    checked = check_region(region)
    if checked is not None:
        corrected.region_x, corrected.region_y, corrected.region_w, corrected.region_h = checked.x, checked.y, checked.w, checked.h
        changed = True
    if not changed:
        raise ModerationError("Nothing was changed. Link a record, correct the name, date or box, or simply approve it.")
    return corrected


@unit_of_work
def approve_with_changes(
    identification: Identification, *, moderator: User, authority_id: int | None = None, new_heading: str | None = None,
    date_text: str | None = None, region: Region | None = None, note: str | None = None,
    authority_uri: str | None = None, latitude: str | float | None = None, longitude: str | float | None = None,
) -> Identification:
    """Approve a pending identification after correcting it; returns the new, approved fact.

    The original moves to ``approved_with_changes`` and stays unchanged; a new approved
    identification (same contributor, reviewed by the moderator) ``supersedes`` it, linked to
    an existing authority record or to a new one with ``new_heading``, and/or with a corrected
    date or region. A new record may get an ``authority_uri`` (id.loc.gov, Wikidata, GeoNames, VIAF)
    and, for a place, ``latitude``/``longitude``. Moves the photo's ``modified_at``, adds audit events
    and a notification. Raises ModerationError for bad or missing changes (a link from another
    site, coordinates out of range or for an existing record), and the workflow errors of :func:`approve`.
    """
    try:
        text = _note(note)
        details = _new_record_details(identification.kind, authority_uri, latitude, longitude)
        _check_can_decide(identification, moderator)
        _claim(Identification, identification.id, (IdentificationState.PENDING,))
        db.session.refresh(identification)
        before = _snapshot(identification)
        move_identification(identification, IdentificationState.APPROVED_WITH_CHANGES, actor=moderator, note=text)
        corrected = _corrected_copy(identification, moderator=moderator, authority_id=authority_id,
                                    new_heading=new_heading, date_text=date_text, region=region, details=details)
        db.session.add(corrected)
        move_identification(corrected, IdentificationState.APPROVED, actor=moderator, note=text)
        db.session.flush()
        identification.photo.modified_at = corrected.reviewed_at or utcnow()
        record_event(actor=moderator, action="approve_with_changes", target=identification, before=before,
                     after={**_snapshot(identification), "superseded_by": corrected.id, "approved": _snapshot(corrected)},
                     institution_id=identification.photo.institution_id, note=text or "")
        notify_identification_decided(identification)
    except ContributionError as error:
        raise ModerationError(str(error)) from error
    return corrected


# --- comments ------------------------------------------------------------------------------------

def _decide_comment(comment: Comment, target: str, *, moderator: User, note: str | None, action: str) -> Comment:
    if not moderator.moderates(comment.photo.institution_id):
        raise NotAllowed("Only an archivist of this photo's institution can decide on it.")
    _claim(Comment, comment.id, (CommentState.PENDING,) if target == CommentState.PUBLISHED else tuple(COMMENT_OPEN))
    db.session.refresh(comment)
    before = {"state": comment.state}
    move_comment(comment, target, actor=moderator, note=note)
    record_event(actor=moderator, action=action, target=comment, before=before,
                 after={"state": comment.state}, institution_id=comment.photo.institution_id, note=note or "")
    notify_comment_decided(comment)
    return comment


@unit_of_work
def approve_comment(comment: Comment, *, moderator: User) -> Comment:
    """Publish a comment held for review; adds an audit event and a notification.

    Raises NotAllowed, SelfReviewForbidden and InvalidTransition/AlreadyDecided; nothing is saved then.
    """
    return _decide_comment(comment, CommentState.PUBLISHED, moderator=moderator, note=None, action="approve_comment")


@unit_of_work
def reject_comment(comment: Comment, *, moderator: User, reason: str | None) -> Comment:
    """Hide a pending or published comment with a reason the author sees; the row stays on record.

    Raises ModerationError without a reason, and the errors of :func:`approve_comment`.
    """
    text = _reason(reason, reader="the author")
    return _decide_comment(comment, CommentState.REJECTED, moderator=moderator, note=text, action="reject_comment")


@unit_of_work
def mark_comment_spam(comment: Comment, *, moderator: User) -> Comment:
    """Hide a comment as spam; same changes and errors as :func:`approve_comment`."""
    return _decide_comment(comment, CommentState.SPAM, moderator=moderator, note=None, action="spam_comment")


# --- bulk ----------------------------------------------------------------------------------------

@unit_of_work
def bulk_decide(ids: list[int], action: str, *, moderator: User, reason: str | None = None) -> BulkOutcome:
    """Approve or reject many pending identifications at once; each one is decided or refused whole.

    Items that cannot be decided (missing, another institution, one's own, already decided) are
    refused with the reason and left untouched; the others are decided, audited and notified,
    then everything is committed once. Raises ModerationError, before changing anything, for an
    unknown action, an empty or too large selection, or a rejection without a reason.
    """
    if action not in BULK_ACTIONS:
        raise ModerationError("Please choose whether to approve or reject the selected items.")
    unique = list(dict.fromkeys(ids))
    if not unique:
        raise ModerationError("Please tick at least one item first.")
    if len(unique) > MAX_BULK:
        raise ModerationError(f"Please select at most {MAX_BULK} items at a time.")
    note: str | None = None
    if action == "reject":
        note = _reason(reason, ask="Please choose or write a reason for rejecting them", reader="the contributors")
    found = {i.id: i for i in db.session.scalars(
        select(Identification).where(Identification.id.in_(unique)).options(selectinload(Identification.photo))
    )}
    outcome = BulkOutcome(action=action)
    for item_id in unique:
        identification = found.get(item_id)
        if identification is None:
            outcome.refused.append((item_id, "This item no longer exists."))
            continue
        try:  # the workflow checks everything before it changes anything, so a refusal leaves no trace
            _decide_identification(identification, IdentificationState.APPROVED if action == "approve" else IdentificationState.REJECTED,
                                   moderator=moderator, note=note, action=action)
        except WorkflowError as error:
            outcome.refused.append((item_id, str(error)))
        else:
            outcome.done.append(item_id)
    return outcome


# --- retraction ----------------------------------------------------------------------------------

@unit_of_work
def retract(identification: Identification, *, moderator: User, reason: str | None) -> Identification:
    """Withdraw an approved fact from the photo's public record, with a reason the contributor sees.

    The identification moves to ``retracted`` and stays in the history (reviewer, time, note); the
    photo's ``modified_at`` moves so harvesters see the change; adds an audit event (before and
    after) and a notification. Raises ModerationError without a usable reason, NotAllowed,
    SelfReviewForbidden, and InvalidTransition/AlreadyDecided when it is not (or no longer)
    approved; nothing is saved then.
    """
    text = _reason(reason, ask="Please write why the fact is retracted")
    _check_can_decide(identification, moderator)
    _claim(Identification, identification.id, (IdentificationState.APPROVED,))
    db.session.refresh(identification)
    before = _snapshot(identification)
    move_identification(identification, IdentificationState.RETRACTED, actor=moderator, note=text)
    identification.photo.modified_at = identification.reviewed_at or utcnow()
    record_event(actor=moderator, action="retract", target=identification, before=before,
                 after=_snapshot(identification), institution_id=identification.photo.institution_id, note=text)
    notify_identification_decided(identification)
    return identification
