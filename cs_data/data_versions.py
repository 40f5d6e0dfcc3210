"""Data versions: a change counter per table, bumped in the same transaction as every write.

Every engine made by ``cs_data.db.create_engine_for`` notes which tables a transaction writes
(INSERT, UPDATE and DELETE statements that changed rows, whoever issues them: ORM flushes,
the Core ``executemany`` batches of imports and demo data, plain SQL) and, just before it
commits, adds one to those tables' rows in ``data_versions`` and sets their ``changed_at``.
A new command therefore keeps the versions right without doing anything, whether it writes
through ``cs_data.db.transaction()`` or ``engine.begin()``. A rolled-back transaction bumps
nothing.

Readers call ``stamp(engine, tables)``: one small read by primary key that gives the summed
version of the tables they depend on and the moment to compute figures at. That moment is
the start of the current ``as_of`` bucket, or the last change of those tables when later, so
it stays put, and cache entries keyed by it are shared by every user and replica, until the
data changes (then at once) or the bucket ends (time-driven figures such as SLA breaches of
open tickets move on at most one bucket late).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, event, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from cs_data.models import (
    Account,
    AccountUsage,
    AppSetting,
    Base,
    Board,
    BoardColumn,
    BoardMember,
    BoardTag,
    Card,
    CardActivity,
    CardAttachment,
    CardComment,
    CardTag,
    ChecklistItem,
    Contact,
    DataVersion,
    ForecastSnapshot,
    HealthSnapshot,
    Interaction,
    KpiTarget,
    Renewal,
    RenewalChange,
    StoredView,
    Subscription,
    SurveyResponse,
    Ticket,
    User,
    card_assignees,
    utc_now,
)

AS_OF_BUCKET = timedelta(minutes=15)
"""How long figures computed at one moment are shared when no data changes (divides a day)."""

KPI_TABLES = tuple(
    model.__tablename__
    for model in (
        Account,
        Subscription,
        Ticket,
        SurveyResponse,
        Renewal,
        HealthSnapshot,
        User,
        KpiTarget,
        AppSetting,
    )
)
"""The tables the KPI pages read (figures, targets, CSM and agent names, and the stage
probabilities of the weighted forecast)."""
RENEWAL_TABLES = tuple(
    model.__tablename__
    for model in (
        Renewal,
        RenewalChange,
        ForecastSnapshot,
        Account,
        Subscription,
        HealthSnapshot,
        User,
        KpiTarget,
        AppSetting,
    )
)
"""The tables the Renewals and Forecast pages read (renewals with their history and the
accounts, health bands and owners behind them; snapshots, targets and stage probabilities)."""
ACCOUNT_TABLES = tuple(
    model.__tablename__
    for model in (
        Account,
        Contact,
        Subscription,
        AccountUsage,
        Ticket,
        SurveyResponse,
        Renewal,
        RenewalChange,
        Interaction,
        HealthSnapshot,
        User,
        AppSetting,
    )
)
"""The tables the Accounts page and an account 360 read."""
BOARD_TABLES = (
    *(
        model.__tablename__
        for model in (
            Board,
            BoardColumn,
            BoardMember,
            BoardTag,
            Card,
            CardActivity,
            CardTag,
            ChecklistItem,
            CardComment,
            CardAttachment,
            User,
        )
    ),
    card_assignees.name,
)
"""The tables a board's columns, cards (with their counts of checklist items, comments and
files, assignees by name) and flow analytics read."""

_TABLE = DataVersion.__table__
_TRACKED = frozenset(Base.metadata.tables) - {_TABLE.name, StoredView.__tablename__}
"""The app's own tables (not the versions themselves, the figures computed from the others,
Alembic's, or a test's scratch table)."""
_WRITTEN = "cs_data_versions.written"
_UNTRACKED = "cs_data_versions.untracked"
_WRITE = re.compile(
    r"""\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM
    |TRUNCATE(?:\s+TABLE)?)\s+(?:ONLY\s+)?(?:"?\w+"?\.)?"?(\w+)""",
    re.IGNORECASE | re.VERBOSE,
)


@dataclass(frozen=True)
class Stamp:
    """What cached figures depend on: the summed version of the tables read, and the moment
    to compute them at."""

    version: int
    as_of: datetime


def written_table(statement: str) -> str | None:
    """The table an INSERT, UPDATE, DELETE or TRUNCATE statement writes (None for reads)."""
    match = _WRITE.match(statement)
    return match.group(1).lower() if match else None


def note_written(connection: Connection, *tables: str) -> None:
    """Bump ``tables`` when ``connection``'s transaction commits. Writes through SQLAlchemy
    are noted by themselves; this is for statements run on the driver's own cursor (COPY)."""
    if not connection.info.get(_UNTRACKED):
        noted = connection.info.setdefault(_WRITTEN, set())
        noted.update(name for name in tables if name in _TRACKED)


def _note_write(connection, cursor, statement, _parameters, _context, _executemany) -> None:
    table = written_table(statement)
    # a statement that changed no rows (a login's DELETE of no failures) bumps nothing; the
    # count is unknown (-1) for some drivers and not yet counted with RETURNING rows unread
    if table is not None and (cursor.rowcount != 0 or cursor.description is not None):
        note_written(connection, table)


def _bump_written(connection: Connection) -> None:
    written = connection.info.pop(_WRITTEN, None)
    if written:
        bump(connection, written)


def _forget_written(connection: Connection, *_args) -> None:
    connection.info.pop(_WRITTEN, None)


def track_writes(engine: Engine) -> None:
    """Bump the versions of the tables each transaction on ``engine`` writes, as it commits."""
    event.listen(engine, "begin", _forget_written)
    event.listen(engine, "after_cursor_execute", _note_write)
    event.listen(engine, "commit", _bump_written)
    event.listen(engine, "rollback", _forget_written)


@contextmanager
def untracked(connection: Connection) -> Iterator[Connection]:
    """Writes on ``connection`` bump nothing (schema migrations: the table may not exist yet)."""
    connection.info[_UNTRACKED] = True
    try:
        yield connection
    finally:
        connection.info.pop(_UNTRACKED, None)
        connection.info.pop(_WRITTEN, None)


def bump(connection: Connection, tables: Iterable[str], *, now: datetime | None = None) -> None:
    """Add one to the versions of ``tables`` (rows in name order, so concurrent writers lock
    them in the same order) and set their ``changed_at``, in the connection's transaction."""
    now = now or utc_now()
    names = sorted(set(tables))
    dialect = connection.dialect.name
    if dialect in ("sqlite", "postgresql"):
        insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
        statement = insert(_TABLE).values(
            [{"table_name": name, "version": 1, "changed_at": now} for name in names]
        )
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=[_TABLE.c.table_name],
                set_={
                    "version": _TABLE.c.version + 1,
                    "changed_at": statement.excluded.changed_at,
                },
            )
        )
        return
    for name in names:
        changed = connection.execute(
            update(_TABLE)
            .where(_TABLE.c.table_name == name)
            .values(version=_TABLE.c.version + 1, changed_at=now)
        )
        if changed.rowcount == 0:
            connection.execute(_TABLE.insert().values(table_name=name, version=1, changed_at=now))


def bucket_start(moment: datetime, bucket: timedelta | None = None) -> datetime:
    """The start of the ``bucket`` (default ``AS_OF_BUCKET``, counted from midnight UTC)
    that ``moment`` falls in."""
    bucket = bucket or AS_OF_BUCKET
    moment = moment.astimezone(UTC)
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight + ((moment - midnight) // bucket) * bucket


def stamp(
    engine: Engine,
    tables: Iterable[str] | None = None,
    *,
    now: datetime | None = None,
    bucket: timedelta | None = None,
) -> Stamp:
    """The summed version of ``tables`` (default: every table) and the moment to compute
    figures at: the start of ``now``'s bucket, or the tables' last change when later (never
    after ``now``, should a writer's clock run ahead)."""
    now = (now or utc_now()).astimezone(UTC)
    query = select(func.coalesce(func.sum(_TABLE.c.version), 0), func.max(_TABLE.c.changed_at))
    if tables is not None:
        query = query.where(_TABLE.c.table_name.in_(sorted(set(tables))))
    with engine.connect() as connection:
        version, changed_at = connection.execute(query).one()
    as_of = bucket_start(now, bucket or AS_OF_BUCKET)
    if changed_at is not None and changed_at > as_of:
        as_of = min(changed_at, now)
    return Stamp(version=int(version), as_of=as_of)
