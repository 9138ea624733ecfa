"""Patrons' reports (flags) on identifications and comments, and how staff handle them.

A signed-in patron reports an identification that is waiting or approved, or a published comment,
that is not their own, once while the report is open. The report waits in the moderation queue of
the item's institution; an archivist resolves it (optionally acting on the item through the
moderation services) or dismisses it. Either way every open report on that item is closed, each
is audited, and each reporter is told.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.orm import aliased, selectinload

from photoid.accounts.models import User
from photoid.audit import record_event
from photoid.contributions.models import Comment, Identification
from photoid.contributions.service import ContributionError, clean_text
from photoid.contributions.workflow import (
    CommentState,
    IdentificationState,
    InvalidTransition,
    NotAllowed,
    ReportState,
    SelfReviewForbidden,
)
from photoid.db import unit_of_work, utcnow
from photoid.extensions import db
from photoid.moderation import service
from photoid.moderation.models import Report
from photoid.moderation.queries import moderated_institution_ids
from photoid.notifications.service import notify_report_handled
from photoid.photos.models import Photo

REPORT_REASONS = ("This is wrong", "This is offensive or abusive", "This is spam", "Something else")
MAX_DETAILS = 1000
#: What an archivist may do to the item when resolving, by the item's kind and state.
ACTIONS = {
    ("identification", IdentificationState.APPROVED): ("none", "retract"),
    ("identification", IdentificationState.PENDING): ("none", "reject", "spam"),
    ("comment", CommentState.PUBLISHED): ("none", "reject", "spam"),
}
ACTION_WORDS = {
    "none": "Leave it as it is",
    "retract": "Retract the fact from the photo's record",
    "reject": "Reject it (with the reason below)",
    "spam": "Mark it as spam",
}


class ReportError(ValueError):
    """A report that cannot be sent (own item, duplicate, no reason); the message says why."""


Item = Identification | Comment


@dataclass
class ReportGroup:
    """The open reports on one item, oldest first, for the queue."""

    item: Item
    reports: list[Report] = field(default_factory=list)
    reporters: dict[int, User] = field(default_factory=dict)

    @property
    def is_identification(self) -> bool:
        return isinstance(self.item, Identification)

    @property
    def first(self) -> Report:
        return self.reports[0]

    @property
    def actions(self) -> tuple[str, ...]:
        return actions_for(self.item)


def _kind(item: Item) -> str:
    return "identification" if isinstance(item, Identification) else "comment"


def _author_id(item: Item) -> int | None:
    return item.contributor_id if isinstance(item, Identification) else item.author_id


def actions_for(item: Item) -> tuple[str, ...]:
    """What resolving a report on this item can do to it now; just ("none",) when nothing fits."""
    return ACTIONS.get((_kind(item), item.state), ("none",))


def can_report(item: Item, user: object) -> bool:
    """Whether the Report link is offered to this visitor: signed in, not the author, and the item reportable."""
    if not getattr(user, "is_authenticated", False) or _author_id(item) == getattr(user, "id", None):
        return False
    return (_kind(item), item.state) in ACTIONS


def item_of(report: Report) -> Item | None:
    """The identification or comment a report is about."""
    if report.identification_id is not None:
        return db.session.get(Identification, report.identification_id)
    return db.session.get(Comment, report.comment_id) if report.comment_id is not None else None


def _open_reports_on(item: Item) -> list[Report]:
    column = Report.identification_id if isinstance(item, Identification) else Report.comment_id
    return list(db.session.scalars(select(Report).where(column == item.id, Report.state == ReportState.OPEN).order_by(Report.id)))


# --- patrons -------------------------------------------------------------------------------------

@unit_of_work
def create_report(*, reporter: User, item: Item, reason: str | None, details: str | None = None) -> Report:
    """Record a patron's report on an identification or a comment; commits once.

    Raises ReportError when the item cannot be reported (not public, not waiting or approved, the
    reporter's own), when the reason is not one of REPORT_REASONS (or is "Something else" with no
    explanation), when the explanation is unusable, or when the reporter already has an open report
    on it; nothing is saved then.
    """
    photo = item.photo
    if not (photo.is_published and photo.collection.is_published):
        raise ReportError("This photo is not public, so its contributions cannot be reported.")
    if _author_id(item) == reporter.id:
        raise ReportError("You cannot report what you sent yourself. You can withdraw it instead.")
    if (_kind(item), item.state) not in ACTIONS or (
        isinstance(item, Identification) and item.state == IdentificationState.PENDING and not photo.institution.show_pending_publicly
    ):
        raise ReportError("This can no longer be reported: an archivist has already dealt with it.")
    if reason not in REPORT_REASONS:
        raise ReportError("Please choose what the problem is.")
    try:
        text = clean_text(details, label="your explanation", limit=MAX_DETAILS, required=reason == "Something else")
    except ContributionError as error:
        raise ReportError(str(error)) from error
    if any(report.reporter_id == reporter.id for report in _open_reports_on(item)):
        raise ReportError("You have already reported this. Thank you; an archivist will look at it soon.")
    report = Report(reporter_id=reporter.id, reason=f"{reason}: {text}" if text else reason, state=ReportState.OPEN)
    if isinstance(item, Identification):
        report.identification_id = item.id
    else:
        report.comment_id = item.id
    db.session.add(report)
    return report


# --- staff ---------------------------------------------------------------------------------------

def _check_staff(report: Report, moderator: User) -> Item:
    item = item_of(report)
    if item is None:
        raise InvalidTransition("The reported item no longer exists.")
    if not moderator.moderates(item.photo.institution_id):
        raise NotAllowed("Only an archivist of this photo's institution can handle reports on it.")
    if _author_id(item) == moderator.id:
        raise SelfReviewForbidden("This report is about something you sent; another archivist must handle it.")
    if report.state != ReportState.OPEN:
        raise InvalidTransition("This report has already been handled, perhaps by another archivist a moment ago.")
    return item


def _close(item: Item, *, moderator: User, state: str, action: str) -> list[Report]:
    """Close every open report on the item, with an audit event and a notification each; flushes."""
    now = utcnow()
    closed: list[Report] = []
    for report in _open_reports_on(item):
        result = db.session.execute(
            update(Report).where(Report.id == report.id, Report.state == ReportState.OPEN)
            .values(state=state, resolved_by_id=moderator.id, resolved_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            continue
        db.session.refresh(report)
        record_event(actor=moderator, action="resolve_report" if state == ReportState.RESOLVED else "dismiss_report",
                     target=report, before={"state": ReportState.OPEN}, after={"state": state, "action": action},
                     institution_id=item.photo.institution_id, note=report.reason)
        notify_report_handled(report, action_taken=action != "none")
        closed.append(report)
    return closed


@unit_of_work
def resolve_report(report: Report, *, moderator: User, action: str = "none", reason: str | None = None) -> list[Report]:
    """Resolve a report, optionally acting on the item; returns the reports closed.

    ``action`` is one of :func:`actions_for` the item: "retract" an approved identification,
    "reject" or "spam" a waiting identification or a published comment (through the moderation
    services, which audit and notify the contributor, joining this unit of work), or "none". Then
    every open report on the item is resolved, audited and its reporter notified; all of it is
    committed once. Raises
    NotAllowed, SelfReviewForbidden, InvalidTransition (already handled, or the item changed) and
    ModerationError (an action that does not fit, a missing reason); nothing is saved then.
    """
    item = _check_staff(report, moderator)
    if action not in actions_for(item):
        raise service.ModerationError("That action does not fit this item any more. Please choose again.")
    if action == "retract":
        service.retract(item, moderator=moderator, reason=reason)  # type: ignore[arg-type]
    elif action == "reject":
        if isinstance(item, Identification):
            service.reject(item, moderator=moderator, reason=reason)
        else:
            service.reject_comment(item, moderator=moderator, reason=reason)
    elif action == "spam":
        if isinstance(item, Identification):
            service.mark_spam(item, moderator=moderator)
        else:
            service.mark_comment_spam(item, moderator=moderator)
    return _close(item, moderator=moderator, state=ReportState.RESOLVED, action=action)


@unit_of_work
def dismiss_report(report: Report, *, moderator: User) -> list[Report]:
    """Dismiss a report (nothing was wrong): closes every open report on the item, each audited and
    its reporter notified; commits once. Raises the errors of :func:`resolve_report` except ModerationError."""
    item = _check_staff(report, moderator)
    return _close(item, moderator=moderator, state=ReportState.DISMISSED, action="none")


# --- the queue -----------------------------------------------------------------------------------

def _open_in_scope(user: User):  # type: ignore[no-untyped-def]
    identification, comment = aliased(Identification), aliased(Comment)
    query = (
        select(Report)
        .outerjoin(identification, identification.id == Report.identification_id)
        .outerjoin(comment, comment.id == Report.comment_id)
        .join(Photo, Photo.id == func.coalesce(identification.photo_id, comment.photo_id))
        .where(Report.state == ReportState.OPEN)
    )
    institution_ids = moderated_institution_ids(user)
    if institution_ids is not None:
        query = query.where(Photo.institution_id.in_(institution_ids or [-1]))
    return query


def open_report_count(user: User) -> int:
    """How many reported items wait in the user's institutions. Reads only."""
    query = _open_in_scope(user).with_only_columns(
        func.count(func.distinct(func.coalesce(Report.identification_id, -Report.comment_id)))
    )
    return db.session.scalar(query) or 0


def open_report_groups(user: User, *, limit: int = 50) -> list[ReportGroup]:
    """The open reports in the user's institutions grouped by item, oldest report first. Reads only
    (a fixed number of queries: reports, their items with photos, and the reporters)."""
    reports = list(db.session.scalars(_open_in_scope(user).order_by(Report.created_at, Report.id).limit(limit * 5)))
    if not reports:
        return []
    identifications = {i.id: i for i in db.session.scalars(
        select(Identification).where(Identification.id.in_({r.identification_id for r in reports} - {None}))
        .options(selectinload(Identification.photo).selectinload(Photo.institution), selectinload(Identification.contributor),
                 selectinload(Identification.authority))
    )}
    comments = {c.id: c for c in db.session.scalars(
        select(Comment).where(Comment.id.in_({r.comment_id for r in reports} - {None}))
        .options(selectinload(Comment.photo).selectinload(Photo.institution), selectinload(Comment.author))
    )}
    reporters = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_({r.reporter_id for r in reports} - {None})))}
    groups: dict[tuple[str, int], ReportGroup] = {}
    for report in reports:
        item: Item | None = (identifications.get(report.identification_id) if report.identification_id is not None  # type: ignore[arg-type]
                             else comments.get(report.comment_id))  # type: ignore[arg-type]
        if item is None:
            continue
        group = groups.setdefault((_kind(item), item.id), ReportGroup(item=item, reporters=reporters))
        group.reports.append(report)
    return list(groups.values())[:limit]


__all__ = [
    "ACTION_WORDS", "REPORT_REASONS", "ReportError", "ReportGroup", "actions_for", "can_report", "create_report",
    "dismiss_report", "open_report_count", "open_report_groups", "resolve_report",
]
