"""Write the audit trail. Every staff change calls :func:`record_event` inside its own transaction."""
from __future__ import annotations

from typing import Any

from photoid.extensions import db
from photoid.moderation.models import ModerationEvent


def record_event(
    *,
    actor: Any,
    action: str,
    target: Any,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    institution_id: int | None = None,
    note: str = "",
) -> ModerationEvent:
    """Add (not commit) one audit row: who did ``action`` to ``target``, and its before and after."""
    event = ModerationEvent(
        actor_id=getattr(actor, "id", None),
        institution_id=institution_id,
        action=action,
        target_type=target.__tablename__,
        target_id=target.id,
        before=before,
        after=after,
        note=note,
    )
    db.session.add(event)
    return event
