"""Write the audit trail. Every staff change calls :func:`record_event` inside its own transaction.

Top level because every feature writes the trail (ten modules did so through ``moderation``). The
rows stay :class:`~photoid.moderation.models.ModerationEvent`, defined in the moderation feature that
reads them (the log and its pages); a shared module may import a feature's models, never its routes,
so moving the model would only rename what the migrations and the log already know.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from photoid.extensions import db
from photoid.moderation.models import ModerationEvent, ModerationEventInstitution


def record_event(
    *,
    actor: Any,
    action: str,
    target: Any,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    institution_id: int | None = None,
    note: str = "",
    institution_ids: Iterable[int] = (),
) -> ModerationEvent:
    """Add (not commit) one audit row: who did ``action`` to ``target``, and its before and after.

    ``institution_ids`` are every institution the change concerns, when there may be more than
    one (a record several institutions' photos use): one of them is kept in ``institution_id``,
    several in ``concerns``; either way the log shows the row to each of them.
    """
    concerned = sorted(set(institution_ids))
    if institution_id is None and len(concerned) == 1:
        institution_id = concerned[0]
    event = ModerationEvent(
        actor_id=getattr(actor, "id", None),
        institution_id=institution_id,
        action=action,
        target_type=target.__tablename__,
        target_id=target.id,
        before=before,
        after=after,
        note=note,
        concerns=[ModerationEventInstitution(institution_id=i) for i in concerned] if len(concerned) > 1 else [],
    )
    db.session.add(event)
    return event
