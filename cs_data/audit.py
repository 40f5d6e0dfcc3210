"""The audit log: every write records who, when, what entity, and the values before and after."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cs_data.auth import Actor
from cs_data.models import AuditEntry


def record(
    session: Session,
    actor: Actor,
    *,
    action: str,
    entity_type: str,
    entity_id: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Add an audit entry to the caller's transaction (committed or rolled back with it)."""
    session.add(
        AuditEntry(
            actor_id=actor.user_id,
            actor_name=actor.name,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            before=before,
            after=after,
        )
    )
