"""A renewal's history: field-by-field changes, the timeline, and the state as of an instant.

Every writer (the update command, CSV import, history import, demo data) stores one
``renewal_changes`` row per changed column, values as text (``to_text``: dates ISO, timestamps
ISO with offset, money in cents, user ids as numbers) and the creation as one row with
``field = "created"``. The state **as of** ``t`` is the current row with every change recorded
after ``t`` undone: for each field, the ``old_value`` of its first change after ``t``; a
renewal created after ``t`` is left out. ``renewals_as_of`` builds that in SQL, shaped like the
``renewals`` table, so pipeline queries and the KPI code read either one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CompoundSelect,
    Date,
    Float,
    FromClause,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    select,
    type_coerce,
    union,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from cs_data.auth import Actor
from cs_data.models import Renewal, RenewalChange, UTCDateTime

CREATED = "created"
"""The ``field`` of the change row that records a renewal's creation."""

TRACKED_FIELDS = tuple(
    column.name
    for column in Renewal.__table__.c
    if column.name not in ("id", "version", "updated_at")
)
"""The renewal columns whose changes are recorded (everything a person or import can set)."""

_TABLE = Renewal.__table__


def to_text(value: Any) -> str | None:
    """A column value as history text: ISO dates and timestamps (UTC), numbers as written."""
    if value is None:
        return None
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def from_text(field: str, text: str | None) -> Any:
    """History text of ``field`` back as the column's Python value."""
    if text is None:
        return None
    kind = _TABLE.c[field].type
    if isinstance(kind, UTCDateTime):
        parsed = datetime.fromisoformat(text)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if isinstance(kind, Date):
        return date.fromisoformat(text)
    if isinstance(kind, Float):
        return float(text)
    if isinstance(kind, Integer):
        return int(text)
    return text


def record_changes(
    session: Session,
    actor: Actor,
    renewal_id: str,
    before: dict[str, Any],
    after: dict[str, Any],
    *,
    at: datetime,
    version: int,
) -> list[str]:
    """Add one change row per field whose value differs; the changed field names."""
    changed = [name for name in TRACKED_FIELDS if name in after and after[name] != before.get(name)]
    if not changed:
        return changed
    session.execute(
        RenewalChange.__table__.insert(),
        [
            {
                "renewal_id": renewal_id,
                "changed_at": at,
                "actor_id": actor.user_id,
                "actor_name": actor.name,
                "field": name,
                "old_value": to_text(before.get(name)),
                "new_value": to_text(after[name]),
                "version": version,
            }
            for name in changed
        ],
    )
    return changed


@dataclass(frozen=True)
class Change:
    """One recorded change of one field (or the creation), values as the column's type."""

    changed_at: datetime
    actor_name: str
    field: str
    old_value: Any
    new_value: Any
    version: int | None


def _change(row: Any) -> Change:
    def value(text: str | None) -> Any:
        return from_text(row.field, text) if row.field in TRACKED_FIELDS else text

    return Change(
        changed_at=row.changed_at,
        actor_name=row.actor_name,
        field=row.field,
        old_value=value(row.old_value),
        new_value=value(row.new_value),
        version=row.version,
    )


def changes_of(
    session: Session, renewal_id: str, *, after_version: int | None = None
) -> list[Change]:
    """The renewal's changes, oldest first; only those producing a version above
    ``after_version`` when given."""
    stmt = select(RenewalChange).where(RenewalChange.renewal_id == renewal_id)
    if after_version is not None:
        stmt = stmt.where(RenewalChange.version > after_version)
    stmt = stmt.order_by(RenewalChange.changed_at, RenewalChange.id)
    return [_change(row) for row in session.scalars(stmt)]


# --- the state as of an instant, in SQL ---------------------------------------------------


class _timestamp_text(FunctionElement[datetime]):
    """History text of a timestamp (ISO 8601 with offset) as the database's timestamp."""

    type = UTCDateTime()
    name = "timestamp_text"
    inherit_cache = True


@compiles(_timestamp_text, "sqlite")
def _timestamp_text_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    # the storage format SQLAlchemy writes on SQLite: 'YYYY-MM-DD HH:MM:SS.ffffff'
    return f"strftime('%Y-%m-%d %H:%M:%f000', {compiler.process(element.clauses, **kw)})"


@compiles(_timestamp_text, "postgresql")
def _timestamp_text_postgresql(element: Any, compiler: Any, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    return f"(CAST({value} AS TIMESTAMP WITH TIME ZONE) AT TIME ZONE 'UTC')"


def typed(text: ColumnElement[Any], field: str) -> ColumnElement[Any]:
    """History text of ``field`` (a SQL expression) converted to the column's type."""
    column_type = _TABLE.c[field].type
    if isinstance(column_type, UTCDateTime):
        return _timestamp_text(text)
    if isinstance(column_type, Date):
        return _date_text(text)
    if isinstance(column_type, Float):
        return cast(text, Float)
    if isinstance(column_type, BigInteger | Integer):
        return cast(text, column_type)
    return type_coerce(text, String)


class _date_text(FunctionElement[date]):
    """History text of a date (``YYYY-MM-DD``) as the database's date."""

    type = Date()
    name = "date_text"
    inherit_cache = True


@compiles(_date_text, "sqlite")
def _date_text_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)  # SQLite keeps dates as this very text


@compiles(_date_text, "postgresql")
def _date_text_postgresql(element: Any, compiler: Any, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS DATE)"


def renewals_as_of(
    as_of: datetime, *, ids: Iterable[str] | Select[Any] | None = None
) -> FromClause:
    """The renewals as the system knew them at ``as_of``, shaped like the ``renewals`` table
    (same column names and types): each field's first change recorded after ``as_of`` undone,
    renewals created after it left out. ``ids`` narrows to some renewals."""
    later = RenewalChange.__table__
    moment = literal(as_of.astimezone(UTC), UTCDateTime())
    ranked = select(
        later.c.renewal_id,
        later.c.field,
        later.c.old_value,
        later.c.version,
        func.row_number()
        .over(
            partition_by=(later.c.renewal_id, later.c.field),
            order_by=(later.c.changed_at, later.c.id),
        )
        .label("rank"),
    ).where(later.c.changed_at > moment)
    if ids is not None:
        ranked = ranked.where(later.c.renewal_id.in_(_id_list(ids)))
    ranked = ranked.subquery("later_changes")
    undone_fields = [*TRACKED_FIELDS, CREATED]
    undo = (
        select(
            ranked.c.renewal_id,
            func.min(ranked.c.version).label("first_version"),
            *(
                func.max(case((ranked.c.field == name, 1), else_=0)).label(f"has_{name}")
                for name in undone_fields
            ),
            *(
                func.max(case((ranked.c.field == name, ranked.c.old_value))).label(f"old_{name}")
                for name in TRACKED_FIELDS
            ),
        )
        .where(ranked.c.rank == 1)
        .group_by(ranked.c.renewal_id)
        .subquery("undo")
    )
    columns: list[ColumnElement[Any]] = [_TABLE.c.id]
    for name in TRACKED_FIELDS:
        restored = typed(undo.c[f"old_{name}"], name)
        columns.append(
            case((undo.c[f"has_{name}"] == 1, restored), else_=_TABLE.c[name]).label(name)
        )
    columns.append(
        case(
            (undo.c.first_version.is_not(None), undo.c.first_version - 1),
            else_=_TABLE.c.version,
        ).label("version")
    )
    columns.append(_TABLE.c.updated_at)
    stmt = (
        select(*columns)
        .select_from(_TABLE.outerjoin(undo, undo.c.renewal_id == _TABLE.c.id))
        .where(and_(func.coalesce(undo.c[f"has_{CREATED}"], 0) == 0))
    )
    if ids is not None:
        stmt = stmt.where(_TABLE.c.id.in_(_id_list(ids)))
    return stmt.subquery("renewals_as_of")


def _id_list(ids: Iterable[str] | Select[Any]) -> Any:
    return ids if isinstance(ids, Select | CompoundSelect) else list(ids)


def renewal_source(
    as_of: datetime | None, *, due_from: date | None = None, due_to: date | None = None
) -> FromClause:
    """The renewals table, or the renewals as of ``as_of`` when one is given. ``due_from`` and
    ``due_to`` let the as-of view skip renewals that were never due in that window (neither
    now nor by any recorded earlier renewal date); the caller still filters by the date."""
    if as_of is None:
        return _TABLE
    if due_from is None and due_to is None:
        return renewals_as_of(as_of)
    return renewals_as_of(as_of, ids=_ever_due(due_from, due_to))


def _ever_due(due_from: date | None, due_to: date | None) -> CompoundSelect:
    """Ids of renewals due in the window now or by an earlier recorded renewal date."""
    change = RenewalChange.__table__
    now_due = select(_TABLE.c.id)
    was_due = select(change.c.renewal_id).where(change.c.field == "renewal_date")
    if due_from is not None:
        now_due = now_due.where(_TABLE.c.renewal_date >= due_from)
        was_due = was_due.where(change.c.old_value >= due_from.isoformat())
    if due_to is not None:
        now_due = now_due.where(_TABLE.c.renewal_date <= due_to)
        was_due = was_due.where(change.c.old_value <= due_to.isoformat())
    return union(now_due, was_due)
