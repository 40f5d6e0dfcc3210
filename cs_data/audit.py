"""The audit log: every write records who, when, what entity, and the values before and after.

Reading it (``list_entries``, ``choices``) is for the roles allowed ``audit.view``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from cs_data.auth import Actor, ensure
from cs_data.db import read_session
from cs_data.models import AuditEntry
from cs_data.paging import Page, paginate


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


@dataclass(frozen=True)
class AuditFilter:
    """What the Audit page narrows the log to; None means any."""

    start: date | None = None
    """First UTC day shown (inclusive)."""
    end: date | None = None
    """Last UTC day shown (inclusive)."""
    actor_name: str | None = None
    action: str | None = None
    entity_type: str | None = None


@dataclass(frozen=True)
class Change:
    """One field of an entry: its value before and after (None where it had none)."""

    field: str
    before: Any
    after: Any


def changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[Change]:
    """What an entry changed, field by field: the fields whose value differs, in the order
    they were recorded (a created record: every field from None; a deleted one: every field
    to None)."""
    before, after = before or {}, after or {}
    fields = [*before, *(name for name in after if name not in before)]
    return [
        Change(name, before.get(name), after.get(name))
        for name in fields
        if before.get(name) != after.get(name)
    ]


@dataclass(frozen=True)
class AuditRow:
    """One audit entry as shown to people."""

    id: int
    occurred_at: datetime
    actor_name: str
    action: str
    entity_type: str
    entity_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    @property
    def changes(self) -> list[Change]:
        """The entry's changes, field by field (see ``changes``)."""
        return changes(self.before, self.after)


AuditPage = Page[AuditRow]
"""One page of entries, newest first, and how many entries match in all."""


@dataclass(frozen=True)
class AuditChoices:
    """The distinct values the filters offer."""

    actor_names: list[str]
    actions: list[str]
    entity_types: list[str]


MAX_PAGE_SIZE = 200


def _conditions(where: AuditFilter) -> list[Any]:
    conditions = []
    if where.start is not None:
        conditions.append(AuditEntry.occurred_at >= datetime.combine(where.start, time(), UTC))
    if where.end is not None:
        after_end = datetime.combine(where.end + timedelta(days=1), time(), UTC)
        conditions.append(AuditEntry.occurred_at < after_end)
    if where.actor_name:
        conditions.append(AuditEntry.actor_name == where.actor_name)
    if where.action:
        conditions.append(AuditEntry.action == where.action)
    if where.entity_type:
        conditions.append(AuditEntry.entity_type == where.entity_type)
    return conditions


def list_entries(
    engine: Engine,
    actor: Actor,
    where: AuditFilter | None = None,
    *,
    page: int = 1,
    page_size: int = 50,
) -> AuditPage:
    """One page (1-based) of the entries matching ``where``, newest first, paged in SQL."""
    stmt = (
        select(
            AuditEntry.id,
            AuditEntry.occurred_at,
            AuditEntry.actor_name,
            AuditEntry.action,
            AuditEntry.entity_type,
            AuditEntry.entity_id,
            AuditEntry.before,
            AuditEntry.after,
        )
        .where(*_conditions(where or AuditFilter()))
        .order_by(AuditEntry.occurred_at.desc(), AuditEntry.id.desc())
    )
    with engine.connect() as connection:
        ensure(connection, actor, "audit.view")
        return paginate(
            connection,
            stmt,
            page=page,
            page_size=page_size,
            max_page_size=MAX_PAGE_SIZE,
            into=lambda row: AuditRow(**row._asdict()),
        )


def choices(engine: Engine, actor: Actor) -> AuditChoices:
    """The actors, actions and entity types that occur in the log, sorted."""
    with read_session(engine) as session:
        ensure(session, actor, "audit.view")

        def distinct(column: Any) -> list[str]:
            return list(session.scalars(select(column).distinct().order_by(column)))

        return AuditChoices(
            actor_names=distinct(AuditEntry.actor_name),
            actions=distinct(AuditEntry.action),
            entity_types=distinct(AuditEntry.entity_type),
        )
