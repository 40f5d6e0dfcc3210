"""Canonical CSV import: validate every row, upsert by id, all or nothing.

The file formats are the "Canonical import files" of the KPI definitions: a header row,
columns in any order (names are matched ignoring case), extra columns ignored, UTF-8 with or
without BOM. Each import runs in one transaction: rows are validated one by one and written in
batches while no error has been seen; after the first error the rest of the file is still
validated, so the report lists every error, but nothing more is written and the transaction
is rolled back at the end.

Values are exact or refused: numbers in plain decimal notation only (``cs_data.money``),
timestamps within the calendar once in UTC, no NUL characters; usernames follow the rule of
users created by hand (``cs_data.users``) and are stored in lower case. An unreadable CSV
record stops the import, naming the line where an unclosed quote opened.

Re-importing a file is an idempotent upsert by id. On update, optional columns that the file
does not have keep their stored values; an empty cell sets the value to null.

Renewals settle ``stage``, ``outcome`` and ``forecast_category`` together. An outcome implies
its closed stage and a closed stage implies its outcome; a contradiction is an error. When the
file has neither column, a stored renewal keeps both (a new one starts ``not_started``); when
it has them but the cells are empty, the renewal is open. An empty forecast category means
``closed`` for a closed renewal and ``pipeline`` (or the stored open category when the file
has no such column) for an open one. Each changed renewal gets one ``RenewalChange`` row per
changed column (values as text, money in cents) and ``version + 1``; each new renewal one
``created`` row. ``renewal_history`` files (a CRM's change history) are read by
``cs_data.renewals.history_import``.

Imports may run at once: a user that two of them create is created once. When another import
or writer holds the database too long (SQLite's busy timeout, PostgreSQL's lock_timeout) or
the import loses a deadlock, it raises ``ImportBusy`` and writes nothing.
"""

from __future__ import annotations

import _csv
import csv
import functools
import itertools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import Connection, Date, Engine, Table, insert, select, tuple_
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from cs_data import audit, domain, health
from cs_data.auth import Actor, ensure
from cs_data.data_versions import note_written
from cs_data.db import refresh_statistics, transaction
from cs_data.errors import CockpitError, DatabaseBusy, FieldError, InvalidInput
from cs_data.models import (
    ID_LENGTH,
    Account,
    AccountUsage,
    Contact,
    Interaction,
    Renewal,
    RenewalChange,
    Subscription,
    SurveyResponse,
    Ticket,
    User,
    UTCDateTime,
)
from cs_data.money import parse_cents, parse_plain_decimal
from cs_data.progress import ProgressCallback, no_progress
from cs_data.users import USERNAME_RULE, canonical_username

IMPORT_KINDS = (
    "accounts",
    "subscriptions",
    "tickets",
    "surveys",
    "renewals",
    "renewal_history",
    "interactions",
    "usage",
)

BATCH_ROWS = 5000
"""Rows validated before a batch is written with one executemany."""
REFRESH_STATISTICS_AFTER_ROWS = 10_000
"""An import writing this many rows refreshes PostgreSQL's planner statistics of its table."""
MAX_REPORTED_ERRORS = 1000
SQLITE_IMPORT_CACHE_KIB = 262_144
"""SQLite page cache while an import runs: a large file's index pages stay in memory."""
MAX_CENTS = 2**63 - 1
USERNAME_LENGTH = 64
EMAIL_LENGTH = 320

_SHOWN_VALUE_LENGTH = 60
_CLOSED_STAGE_OUTCOMES = {"closed_won": "won", "closed_lost": "lost"}


@dataclass(frozen=True)
class RowError:
    """One rejected cell or row, numbered as in a spreadsheet (the header is row 1)."""

    row: int
    column: str | None
    reason: str
    finding: str | None = field(default=None, compare=False)
    """For a data-quality finding a translated report names, its code (``finding:...``)."""
    params: dict[str, str] = field(default_factory=dict, compare=False)
    """The values the finding's reason names, as shown in ``reason`` (an error is still
    equal to one of the same row, column and reason)."""

    def __str__(self) -> str:
        where = f"row {self.row}, column {self.column}" if self.column else f"row {self.row}"
        return f"{where}: {self.reason}"


class ImportRejected(CockpitError):
    """The file has errors and nothing was written; holds the first errors and the total."""

    def __init__(self, path: Path, kind: str, errors: list[RowError], error_count: int) -> None:
        self.path = path
        self.kind = kind
        self.errors = sorted(errors, key=lambda error: error.row)[:MAX_REPORTED_ERRORS]
        self.error_count = error_count
        super().__init__(self.summary())

    def summary(self) -> str:
        noun = "error" if self.error_count == 1 else "errors"
        return f"{self.path}: rejected, {self.error_count:,} {noun}, database unchanged"

    def report(self) -> str:
        """The summary line, then one line per kept error (and how many more there were)."""
        lines = [self.summary(), *(str(error) for error in self.errors)]
        if self.error_count > len(self.errors):
            lines.append(f"... and {self.error_count - len(self.errors):,} more")
        return "\n".join(lines)


class UnreadableFile(CockpitError):
    """The import file is missing or cannot be read."""


class ImportBusy(DatabaseBusy):
    """Another import or writer held the database (busy, locked, deadlock or serialization
    failure); nothing was written and the same import can simply be run again."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(
            f"{path}: not imported, the database is busy: another import or writer holds it; "
            f"try again ({reason}; database unchanged)"
        )
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class ImportResult:
    """What an import wrote: data rows, ids new to the database, ids already stored (updated
    where a value differed), and the users it created."""

    kind: str
    rows: int
    inserted: int
    updated: int
    created_users: tuple[str, ...]


# --- cell parsers: a stripped, non-empty cell in, a value out, or _BadCell --------------------


class _BadCell(ValueError):
    """Why a cell is invalid (becomes a RowError)."""


def _shown(text: str) -> str:
    if len(text) > _SHOWN_VALUE_LENGTH:
        text = text[: _SHOWN_VALUE_LENGTH - 1] + "…"
    return repr(text)


def _text(max_length: int | None) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if max_length is not None and len(text) > max_length:
            raise _BadCell(f"too long ({len(text):,} characters, at most {max_length})")
        return text

    return parse


def _timestamp(text: str) -> datetime:
    """ISO 8601 with optional ``Z``/offset (naive means UTC), as a naive UTC datetime."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise _BadCell(
            f"bad timestamp {_shown(text)} (use ISO 8601, e.g. 2025-03-01T09:30:00Z)"
        ) from None
    if value.tzinfo is not None:
        try:
            value = value.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:
            raise _BadCell(
                f"timestamp {_shown(text)} is outside the years 1 to 9999 in UTC"
            ) from None
    return value


def _date(text: str) -> date:
    try:
        if len(text) != 10 or text[4] != "-" or text[7] != "-":
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise _BadCell(f"bad date {_shown(text)} (use YYYY-MM-DD, e.g. 2025-03-01)") from None


def _vocabulary(label: str, values: tuple[str, ...]) -> Callable[[str], str]:
    """Accept any case, and spaces or hyphens for underscores (``Closed Won``)."""
    allowed = frozenset(values)
    listed = ", ".join(values)

    def parse(text: str) -> str:
        code = text.lower().replace(" ", "_").replace("-", "_")
        if code not in allowed:
            raise _BadCell(f"unknown {label} {_shown(text)} (use {listed})")
        return code

    return parse


def _cents(text: str) -> int:
    """An amount in plain decimal notation (cs_data.money) as integer cents."""
    try:
        cents = parse_cents(text)
    except ValueError as exc:
        raise _BadCell(
            f"{exc} (use a non-negative amount in plain decimal notation with at most "
            "2 decimals, e.g. 12000.50 or 12,000.50)"
        ) from None
    if cents > MAX_CENTS:
        raise _BadCell(f"amount {_shown(text)} is too large")
    return cents


def _score(text: str) -> int:
    """A whole number in plain decimal notation."""
    try:
        value = parse_plain_decimal(text)
    except ValueError as exc:
        raise _BadCell(f"score: {exc} (use a whole number, e.g. 9)") from None
    if value != value.to_integral_value():
        raise _BadCell(f"score {_shown(text)} is not a whole number")
    return int(value)


def _probability(text: str) -> float:
    """A number from 0 to 1 in plain decimal notation."""
    try:
        value = parse_plain_decimal(text)
    except ValueError as exc:
        raise _BadCell(f"probability: {exc} (use a number from 0 to 1, e.g. 0.75)") from None
    if not 0 <= value <= 1:
        raise _BadCell(f"probability {_shown(text)} is not a number from 0 to 1")
    return float(value)


_canonical_username = functools.lru_cache(maxsize=65_536)(canonical_username)
"""A file names the same few users on many rows: each is checked once."""


def _username(text: str) -> str:
    """A username under the rule of users created by hand, in lower case (``CSM01`` is
    ``csm01``)."""
    name = _canonical_username(text)
    if name is None:
        raise _BadCell(f"username {_shown(text)} breaks the username rule ({USERNAME_RULE})")
    return name


def _count(text: str) -> int:
    """A whole number ≥ 0 (users, seats)."""
    if not (text.isascii() and text.isdigit()):
        raise _BadCell(f"{_shown(text)} is not a whole number of 0 or more")
    return int(text)


def _month(text: str) -> date:
    """``YYYY-MM`` or the month's first day ``YYYY-MM-01``, as the month's first day."""
    day = _date(text + "-01") if len(text) == 7 else _date(text)
    if day.day != 1:
        raise _BadCell(f"month {_shown(text)} is not a month (use YYYY-MM or YYYY-MM-01)")
    return day


def _email(text: str) -> str:
    if len(text) > EMAIL_LENGTH or "@" not in text.strip("@") or any(c.isspace() for c in text):
        raise _BadCell(f"bad email address {_shown(text)}")
    return text


def _tags(text: str) -> str | None:
    tags = [tag for tag in (part.strip() for part in text.split(";")) if tag]
    return ";".join(tags) or None


# --- cross-column checks on a parsed row: None, or what is wrong ----------------------------


class Rejection(NamedTuple):
    """What a cross-column check rejects: the column and why (with ``RowError``'s finding
    and values when a translated report names it)."""

    column: str
    reason: str
    finding: str | None = None
    params: dict[str, str] | None = None


RowCheck = Callable[[dict[str, Any]], Rejection | None]


def _not_before(earlier: str, later: str) -> RowCheck:
    def check(record: dict[str, Any]) -> Rejection | None:
        first, then = record.get(earlier), record.get(later)
        if first is not None and then is not None and then < first:
            return Rejection(
                later, f"{later} {then.isoformat()} is before {earlier} {first.isoformat()}"
            )
        return None

    return check


def _end_after_start(record: dict[str, Any]) -> Rejection | None:
    start, end = record.get("start_date"), record.get("end_date")
    if start is not None and end is not None and end <= start:
        return Rejection(
            "end_date", f"end_date {end} is not after start_date {start} (end is exclusive)"
        )
    return None


def _score_on_scale(record: dict[str, Any]) -> Rejection | None:
    kind, score = record.get("survey_type"), record.get("score")
    if kind is None or score is None:
        return None
    low, high = domain.SURVEY_SCALES[kind]
    if not low <= score <= high:
        return Rejection(
            "score",
            f"score {score} is off the {kind} scale {low}..{high}",
            "finding:score_off_scale",
            {"score": str(score), "kind": kind, "low": str(low), "high": str(high)},
        )
    return None


# --- what each kind of file holds ---------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    """A file column: its header name, the database column it fills, and how to parse it."""

    name: str
    target: str
    parse: Callable[[str], Any]
    required: bool = False


@dataclass(frozen=True)
class _Kind:
    name: str
    table: Table
    columns: tuple[_Column, ...]
    """The id column first."""
    user_column: str | None = None
    """The database column filled from a username; unknown users are created with user_role."""
    user_role: str = "viewer"
    row_checks: tuple[RowCheck, ...] = ()
    key: tuple[str, ...] = ("id",)
    """The database columns a row is upserted by (a unique key of the table)."""
    insert_only: dict[str, Callable[[], Any]] = field(default_factory=dict)
    """Columns filled when a row is inserted (by calling the function) and kept on update."""


def _id(name: str) -> _Column:
    return _Column(name, "id", _text(ID_LENGTH), required=True)


def _string(table: Table, name: str, *, required: bool = False) -> _Column:
    length = getattr(table.c[name].type, "length", None)
    return _Column(name, name, _text(length), required=required)


def _reference(name: str, target: str, max_length: int, *, required: bool = False) -> _Column:
    return _Column(name, target, _text(max_length), required=required)


def _user(name: str, target: str) -> _Column:
    return _Column(name, target, _username)


_ACCOUNTS = Account.__table__
_SUBSCRIPTIONS = Subscription.__table__
_TICKETS = Ticket.__table__
_SURVEYS = SurveyResponse.__table__
_RENEWALS = Renewal.__table__
_USERS = User.__table__
_RENEWAL_CHANGES = RenewalChange.__table__
_INTERACTIONS = Interaction.__table__
_USAGE = AccountUsage.__table__
_CONTACTS = Contact.__table__


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


_KINDS: dict[str, _Kind] = {
    "accounts": _Kind(
        "accounts",
        _ACCOUNTS,
        (
            _id("account_id"),
            _string(_ACCOUNTS, "name", required=True),
            _Column("segment", "segment", _vocabulary("segment", domain.SEGMENTS)),
            _string(_ACCOUNTS, "region"),
            _string(_ACCOUNTS, "industry"),
            _user("csm", "csm_id"),
            _Column("created_at", "created_at", _timestamp),
        ),
        user_column="csm_id",
        user_role="csm",
    ),
    "subscriptions": _Kind(
        "subscriptions",
        _SUBSCRIPTIONS,
        (
            _id("subscription_id"),
            _reference("account_id", "account_id", ID_LENGTH, required=True),
            _Column("start_date", "start_date", _date, required=True),
            _Column("arr", "arr_cents", _cents, required=True),
            _Column("end_date", "end_date", _date),
            _string(_SUBSCRIPTIONS, "product"),
        ),
        row_checks=(_end_after_start,),
    ),
    "tickets": _Kind(
        "tickets",
        _TICKETS,
        (
            _id("ticket_id"),
            _Column("created_at", "created_at", _timestamp, required=True),
            _reference("account_id", "account_id", ID_LENGTH),
            _string(_TICKETS, "subject"),
            _Column("priority", "priority", _vocabulary("priority", domain.TICKET_PRIORITIES)),
            _string(_TICKETS, "channel"),
            _string(_TICKETS, "status"),
            _user("assignee", "assignee_id"),
            _Column("first_response_at", "first_response_at", _timestamp),
            _Column("resolved_at", "resolved_at", _timestamp),
            _Column("tags", "tags", _tags),
        ),
        user_column="assignee_id",
        user_role="viewer",
        row_checks=(
            _not_before("created_at", "first_response_at"),
            _not_before("created_at", "resolved_at"),
        ),
    ),
    "surveys": _Kind(
        "surveys",
        _SURVEYS,
        (
            _id("response_id"),
            _Column(
                "survey_type",
                "survey_type",
                _vocabulary("survey_type", domain.SURVEY_TYPES),
                required=True,
            ),
            _Column("score", "score", _score, required=True),
            _Column("responded_at", "responded_at", _timestamp, required=True),
            _reference("account_id", "account_id", ID_LENGTH),
            _reference("ticket_id", "ticket_id", ID_LENGTH),
            _Column("comment", "comment", _text(None)),
        ),
        row_checks=(_score_on_scale,),
    ),
    "renewals": _Kind(
        "renewals",
        _RENEWALS,
        (
            _id("renewal_id"),
            _reference("account_id", "account_id", ID_LENGTH, required=True),
            _Column("renewal_date", "renewal_date", _date, required=True),
            _Column("current_arr", "current_arr_cents", _cents, required=True),
            _Column("stage", "stage", _vocabulary("stage", domain.RENEWAL_STAGES)),
            _Column(
                "forecast_category",
                "forecast_category",
                _vocabulary("forecast_category", domain.FORECAST_CATEGORIES),
            ),
            _Column("probability", "probability", _probability),
            _Column("expected_arr", "expected_arr_cents", _cents),
            _user("owner", "owner_id"),
            _string(_RENEWALS, "next_step"),
            _Column("next_step_date", "next_step_date", _date),
            _Column("risk", "risk", _vocabulary("risk", domain.RISK_LEVELS)),
            _Column("outcome", "outcome", _vocabulary("outcome", domain.RENEWAL_OUTCOMES)),
            _Column("renewed_arr", "renewed_arr_cents", _cents),
            _Column("closed_at", "closed_at", _timestamp),
        ),
        user_column="owner_id",
        user_role="csm",
    ),
    "interactions": _Kind(
        "interactions",
        _INTERACTIONS,
        (
            _id("interaction_id"),
            _reference("account_id", "account_id", ID_LENGTH, required=True),
            _Column("kind", "kind", _vocabulary("kind", domain.INTERACTION_KINDS), required=True),
            _Column("occurred_at", "occurred_at", _timestamp, required=True),
            _reference("user", "user_id", USERNAME_LENGTH),
            _Column("contact", "contact_id", _email),
            _Column("summary", "summary", _text(None)),
        ),
        user_column="user_id",
        user_role="csm",
        insert_only={"created_at": _utc_now},
    ),
    "usage": _Kind(
        "usage",
        _USAGE,
        (
            _reference("account_id", "account_id", ID_LENGTH, required=True),
            _Column("month", "month", _month, required=True),
            _Column("active_users", "active_users", _count, required=True),
            _Column("licensed_seats", "licensed_seats", _count, required=True),
        ),
        key=("account_id", "month"),
    ),
}

_RENEWAL_FIELDS = tuple(
    column.name for column in _RENEWALS.c if column.name not in ("id", "version", "updated_at")
)
"""The renewal columns whose changes are recorded as RenewalChange rows."""


# --- writing through the driver -----------------------------------------------------------


def _sqlite_timestamp(value: datetime) -> str:
    return value.isoformat(" ", "microseconds")


def _sqlite_conversion(column_type: TypeEngine[Any]) -> Callable[[Any], Any] | None:
    """What SQLAlchemy's SQLite type would hand the driver for a parsed value (None: as is).

    Parsed timestamps are already naive UTC; SQLite stores dates and timestamps as the text
    SQLAlchemy's SQLite types write, so SQL comparisons see one format.
    """
    if isinstance(column_type, UTCDateTime):
        return _sqlite_timestamp
    if isinstance(column_type, Date):
        return date.isoformat
    return None


def _on_conflict_update(
    statement,
    table: Table,
    columns: list[str],
    key: tuple[str, ...] = ("id",),
    insert_only: tuple[str, ...] = (),
):
    """… ON CONFLICT (key) DO UPDATE SET every given column but the key (and the insert-only
    ones), where one differs.

    Leaving identical rows alone makes re-importing an unchanged file cheap: no new row
    versions and no index updates.
    """
    names = [name for name in columns if name not in key and name not in insert_only]
    stored = tuple_(*(table.c[name] for name in names))
    incoming = tuple_(*(statement.excluded[name] for name in names))
    return statement.on_conflict_do_update(
        index_elements=[table.c[name] for name in key],
        set_={name: statement.excluded[name] for name in names},
        where=stored.is_distinct_from(incoming),
    )


class _SqliteWriter:
    """Batches through executemany: a plain INSERT for new ids, an upsert for known ids.

    With foreign keys on, SQLite runs an upsert about twice as slowly as a plain insert, so
    only rows already stored take that path. Values are converted here to the text SQLAlchemy's
    SQLite types write, and the statements run through the driver, skipping SQLAlchemy's
    per-value bind processing (the largest Python cost of a big import).
    """

    def __init__(
        self,
        connection: Connection,
        table: Table,
        columns: list[str],
        key: tuple[str, ...] = ("id",),
        insert_only: tuple[str, ...] = (),
    ) -> None:
        self.connection = connection
        insert_new = sqlite.insert(table)
        new = insert_new.compile(dialect=connection.dialect, column_keys=columns)
        known = _on_conflict_update(insert_new, table, columns, key, insert_only).compile(
            dialect=connection.dialect, column_keys=columns
        )
        self.insert_sql, self.insert_params = str(new), itemgetter(*new.positiontup)
        self.upsert_sql, self.upsert_params = str(known), itemgetter(*known.positiontup)
        self.conversions = [
            (name, convert)
            for name in columns
            if (convert := _sqlite_conversion(table.c[name].type))
        ]

    def write(self, new: list[dict[str, Any]], known: list[dict[str, Any]]) -> None:
        """Insert the new rows and update the known ones (values are converted in place)."""
        for name, convert in self.conversions:
            for record in (*new, *known):
                value = record[name]
                if value is not None:
                    record[name] = convert(value)
        if new:
            self.connection.exec_driver_sql(self.insert_sql, list(map(self.insert_params, new)))
        if known:
            self.connection.exec_driver_sql(self.upsert_sql, list(map(self.upsert_params, known)))


class _PostgresWriter:
    """COPY each batch into a temporary staging table, then one INSERT … SELECT … ON CONFLICT.

    COPY formats rows in psycopg's C code, far cheaper than binding parameters; the staging
    table (the file's columns, no constraints) is dropped at commit or rollback.
    """

    def __init__(
        self,
        connection: Connection,
        table: Table,
        columns: list[str],
        key: tuple[str, ...] = ("id",),
        insert_only: tuple[str, ...] = (),
    ) -> None:
        self.connection = connection
        self.table_name = table.name
        self.staging = f"import_{table.name}"
        self.row = itemgetter(*columns)
        names = ", ".join(columns)
        connection.exec_driver_sql(
            f"CREATE TEMPORARY TABLE {self.staging} ON COMMIT DROP AS "
            f"SELECT {names} FROM {table.name} WITH NO DATA"
        )
        staging = sql_table(self.staging, *(sql_column(name) for name in columns))
        upsert = postgresql.insert(table).from_select(columns, select(staging))
        compiled = _on_conflict_update(upsert, table, columns, key, insert_only).compile(
            dialect=connection.dialect
        )
        self.copy_sql = f"COPY {self.staging} ({names}) FROM STDIN"
        self.upsert_sql = str(compiled)

    def write(self, new: list[dict[str, Any]], known: list[dict[str, Any]]) -> None:
        """Insert the new rows and update the known ones."""
        # the driver's cursor bypasses SQLAlchemy, so the write is noted by hand
        note_written(self.connection, self.table_name)
        with self.connection.connection.cursor() as cursor:
            with cursor.copy(self.copy_sql) as copy:
                for record in (*new, *known):
                    copy.write_row(self.row(record))
            cursor.execute(self.upsert_sql)
            cursor.execute(f"TRUNCATE {self.staging}")


def _writer(
    connection: Connection,
    table: Table,
    columns: list[str],
    key: tuple[str, ...] = ("id",),
    insert_only: tuple[str, ...] = (),
) -> _SqliteWriter | _PostgresWriter:
    dialect = connection.dialect.name
    if dialect == "sqlite":
        return _SqliteWriter(connection, table, columns, key, insert_only)
    if dialect == "postgresql":
        return _PostgresWriter(connection, table, columns, key, insert_only)
    raise CockpitError(f"import needs a SQLite or PostgreSQL database, not {dialect}")


@contextmanager
def _bulk_page_cache(connection: Connection) -> Iterator[None]:
    """On SQLite, a larger page cache for the duration of the import (restored after)."""
    if connection.dialect.name != "sqlite":
        yield
        return
    previous = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size={int(previous)}")


# --- the import ---------------------------------------------------------------------------


class _Fatal(Exception):
    """The import cannot go on (a broken CSV record, or the database refused a batch)."""


@dataclass
class _Batch:
    rows: list[int] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)


class _Import:
    """One pass over one file inside the caller's transaction."""

    def __init__(
        self,
        session: Session,
        actor: Actor,
        kind: _Kind,
        path: Path,
        progress: ProgressCallback,
        *,
        label: Path | None = None,
        audit_details: dict[str, Any] | None = None,
    ) -> None:
        self.session = session
        self.connection = session.connection()
        self.actor = actor
        self.kind = kind
        self.path = path
        self.label = label or path
        """The file named in reports and the audit log (the user's file, for a converted one)."""
        self.audit_details = audit_details or {}
        self.progress = progress
        self.phase = f"import {kind.name}"
        self.errors: list[RowError] = []
        self.error_count = 0
        self.rows = 0
        self.inserted = 0
        self.updated = 0
        self.first_row: dict[Any, int] = {}
        self.created_users: list[str] = []
        self.now = datetime.now(UTC).replace(tzinfo=None)
        self.header: list[str] = []
        self.present: list[tuple[int, _Column]] = []
        self.writer: _SqliteWriter | _PostgresWriter | None = None
        self.user_ids: dict[str, int] = {}
        self.account_ids: frozenset[str] = frozenset()

    def error(
        self,
        row: int,
        column: str | None,
        reason: str,
        finding: str | None = None,
        params: dict[str, str] | None = None,
    ) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(RowError(row, column, reason, finding, params or {}))

    def rejected(self) -> ImportRejected:
        return ImportRejected(self.label, self.kind.name, self.errors, self.error_count)

    @property
    def writing(self) -> bool:
        return self.error_count == 0

    def run(self) -> ImportResult:
        try:
            handle = self.path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="")
        except OSError as exc:
            raise UnreadableFile(
                f"cannot read {self.kind.name} file {self.path}: {exc.strerror or exc}"
            ) from None
        with handle, _bulk_page_cache(self.connection):
            total = os.fstat(handle.fileno()).st_size
            try:
                self._read(handle, total)
            except _CsvError as broken:
                self._broken_record(broken)
            except _Fatal:
                pass  # its error is recorded
            except OSError as exc:
                raise UnreadableFile(
                    f"cannot read {self.kind.name} file {self.path}: {exc.strerror or exc}"
                ) from None
        if self.error_count:
            raise self.rejected()
        self.progress(self.phase, total, total)
        result = ImportResult(
            kind=self.kind.name,
            rows=self.rows,
            inserted=self.inserted,
            updated=self.updated,
            created_users=tuple(self.created_users),
        )
        audit.record(
            self.session,
            self.actor,
            action="import",
            entity_type=self.kind.name,
            entity_id=self.label.name[:ID_LENGTH],
            after={
                "rows": result.rows,
                "inserted": result.inserted,
                "updated": result.updated,
                "created_users": list(result.created_users),
                **self.audit_details,
            },
        )
        return result

    # reading and validating

    def _broken_record(self, broken: _CsvError) -> None:
        """Record why a CSV record cannot be read, saying where an unclosed quote opened."""
        with self.path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="") as f:
            quote = _unclosed_quote(itertools.islice(f, broken.line - 1, None), broken.line)
        if quote is None:
            self.error(broken.row, None, f"not a readable CSV record ({broken.reason})")
            return
        line, cell = quote
        column = self.header[cell] if cell < len(self.header) and self.header[cell] else None
        if broken.reason == "unexpected end of data":
            reason = "is never closed: the cell would run to the end of the file"
        else:
            reason = f"is not closed within {csv.field_size_limit():,} characters (the cell limit)"
        self.error(broken.row, column, f"the quote opened on line {line} {reason}")

    def _read(self, handle, total: int) -> None:
        records = _records(csv.reader(handle, strict=True))
        first = next(records, None)
        if first is None:
            self.error(1, None, "the file is empty (expected a header row)")
            return
        _, header_cells = first
        if problem := _not_utf8(1, header_cells, []) or _nul(1, header_cells, []):
            self.error(1, None, problem.reason)
            return
        self.header = header = [cell.strip().lower() for cell in header_cells]
        if not self._bind_header(header):
            return
        self._load_references()
        self.progress(self.phase, 0, total)
        raw = handle.buffer
        width = len(header)
        batch = _Batch()
        for row, cells in records:
            if len(cells) != width:
                if any(cell.strip() for cell in cells):
                    self.error(row, None, f"has {len(cells)} cells but the header has {width}")
                continue
            joined = "".join(cells)
            if not joined.isascii() and (problem := _not_utf8(row, cells, header)):
                self.error(row, problem.column, problem.reason)
                continue
            if "\x00" in joined and (problem := _nul(row, cells, header)):
                self.error(row, problem.column, problem.reason)
                continue
            record = self._parse(row, cells)
            if not record:  # invalid, or a blank spreadsheet row
                continue
            self.rows += 1
            batch.rows.append(row)
            batch.records.append(record)
            if len(batch.rows) >= BATCH_ROWS:
                self._flush(batch)
                batch = _Batch()
                self.progress(self.phase, raw.tell(), total)
        if batch.rows:
            self._flush(batch)

    def _bind_header(self, header: list[str]) -> bool:
        positions: dict[str, int] = {}
        known = {column.name for column in self.kind.columns}
        for index, name in enumerate(header):
            if name in positions and name in known:
                self.error(
                    1,
                    name,
                    f"column {name} appears twice (columns {positions[name] + 1} and {index + 1})",
                )
            positions.setdefault(name, index)
        required = [column.name for column in self.kind.columns if column.required]
        for name in required:
            if name not in positions:
                self.error(
                    1,
                    name,
                    f"missing required column {name} "
                    f"(a {self.kind.name} file needs {', '.join(required)})",
                )
        if self.error_count:
            return False
        self.present = [
            (positions[column.name], column)
            for column in self.kind.columns
            if column.name in positions
        ]
        if self.kind.name != "renewals":
            targets = [column.target for _, column in self.present]
            insert_only = tuple(self.kind.insert_only)
            self.writer = _writer(
                self.connection,
                self.kind.table,
                targets + list(insert_only),
                self.kind.key,
                insert_only,
            )
        return True

    def _load_references(self) -> None:
        """Users and account ids, read once: rows are checked against these sets."""
        names = {column.name for _, column in self.present}
        if self.kind.user_column and self.kind.user_column in self._targets():
            for username, user_id in self.connection.execute(
                select(_USERS.c.username, _USERS.c.id).order_by(_USERS.c.id)
            ):
                # Matched ignoring case; of users stored before lower case was enforced
                # (CSM01 and csm01), the one stored in lower case wins.
                name = username.lower()
                if name == username or name not in self.user_ids:
                    self.user_ids[name] = user_id
        if "account_id" in names:
            self.account_ids = frozenset(self.connection.scalars(select(_ACCOUNTS.c.id)))

    def _targets(self) -> set[str]:
        return {column.target for _, column in self.present}

    def _parse(self, row: int, cells: list[str]) -> dict[str, Any] | None:
        """The row's values by database column; None if invalid; {} for a blank row."""
        record: dict[str, Any] = {}
        valid = True
        blank = True
        for index, column in self.present:
            text = cells[index].strip()
            if text:
                blank = False
                try:
                    record[column.target] = column.parse(text)
                except _BadCell as bad:
                    self.error(row, column.name, str(bad))
                    valid = False
            else:
                record[column.target] = None
                if column.required:
                    if blank and not any(cell.strip() for cell in cells):
                        return {}
                    self.error(row, column.name, f"{column.name} is empty (required)")
                    valid = False
        identifier = _key_of(record, self.kind.key)
        if identifier is not None:
            first = self.first_row.setdefault(identifier, row)
            if first != row:
                self.error(row, *self._duplicate(record, first))
                valid = False
        account = record.get("account_id")
        if account is not None and account not in self.account_ids:
            shown = _shown(account)
            self.error(
                row,
                "account_id",
                f"unknown account_id {shown} (import accounts first)",
                "finding:unknown_account",
                {"value": shown},
            )
            valid = False
        for check in self.kind.row_checks:
            if problem := check(record):
                self.error(row, *problem)
                valid = False
        return record if valid else None

    # writing

    def _flush(self, batch: _Batch) -> None:
        if self.kind.name == "surveys":
            self._check_tickets(batch)
        if self.kind.name == "renewals":
            self._flush_renewals(batch)
            return
        if not self.writing:
            return
        self._resolve_users(batch.records)
        if "contact_id" in self._targets():
            self._resolve_contacts(batch.records)
        for target, make in self.kind.insert_only.items():
            for record in batch.records:
                record[target] = make()
        table = self.kind.table
        key = self.kind.key
        keys = [_key_of(record, key) for record in batch.records]
        if len(key) == 1:
            stored = select(table.c[key[0]]).where(table.c[key[0]].in_(keys))
            known_ids = set(self.connection.scalars(stored))
        else:
            columns = [table.c[name] for name in key]
            stored = select(*columns).where(tuple_(*columns).in_(keys))
            known_ids = {tuple(found) for found in self.connection.execute(stored)}
        new = [record for record in batch.records if _key_of(record, key) not in known_ids]
        known = [record for record in batch.records if _key_of(record, key) in known_ids]
        self.inserted += len(new)
        self.updated += len(known)
        writer = self.writer
        assert writer is not None
        self._write(batch, lambda: writer.write(new, known))

    def _write(self, batch: _Batch, write: Callable[[], Any]) -> None:
        """Run one batch write; a refusal by the database ends the import with a row error
        (a busy database is no fault of the rows: that error goes on to ``import_file``)."""
        driver_error = self.connection.dialect.loaded_dbapi.Error  # raised by COPY on PostgreSQL
        try:
            write()
        except (DBAPIError, driver_error) as exc:
            if _busy_reason(exc) is not None:
                raise
            reason = _first_line(exc)
            self.error(
                batch.rows[0],
                None,
                f"the database refused rows {batch.rows[0]}-{batch.rows[-1]}: {reason}",
            )
            raise _Fatal from None

    def _resolve_users(self, records: list[dict[str, Any]]) -> None:
        """Replace usernames by user ids, creating unknown users (no password, cannot log in).

        A user that another import creates at the same time is not an error: the insert skips
        usernames stored meanwhile (it waits for the other transaction to end), and the ids
        are read back after it.
        """
        target = self.kind.user_column
        if target is None or target not in self._targets():
            return
        names = {record[target] for record in records} - {None}
        missing = sorted(names - self.user_ids.keys())
        if missing:
            dialect_insert = (
                postgresql.insert if self.connection.dialect.name == "postgresql" else sqlite.insert
            )
            created = self.connection.scalars(
                dialect_insert(_USERS)
                .on_conflict_do_nothing(index_elements=[_USERS.c.username])
                .returning(_USERS.c.username),
                [
                    {
                        "username": name,
                        "display_name": name,
                        "role": self.kind.user_role,
                        "password_hash": None,
                        "is_active": True,
                        "created_at": self.now,
                    }
                    for name in missing
                ],
            )
            self.created_users.extend(sorted(created))
            stored = select(_USERS.c.username, _USERS.c.id).where(_USERS.c.username.in_(missing))
            self.user_ids.update(
                (username, user_id) for username, user_id in self.connection.execute(stored)
            )
        for record in records:
            name = record[target]
            if name is not None:
                record[target] = self.user_ids[name]

    def _duplicate(self, record: dict[str, Any], first: int) -> Rejection:
        """What is wrong with a row whose key an earlier row already has."""
        if self.kind.key == ("id",):
            name = self.kind.columns[0].name
            shown = f"{name} {_shown(record['id'])}"
        else:
            names = {column.target: column.name for column in self.kind.columns}
            name = names[self.kind.key[-1]]
            shown = ", ".join(
                f"{names[target]} {_as_text(record[target])}" for target in self.kind.key
            )
        return Rejection(
            name,
            f"duplicate {shown} (first in row {first})",
            "finding:duplicate_id",
            {"value": shown, "first": str(first)},
        )

    def _resolve_contacts(self, records: list[dict[str, Any]]) -> None:
        """Replace contact emails by the account's contact with that email (any case),
        creating a contact named by the email when the account has none."""
        wanted = {
            (record["account_id"], record["contact_id"].lower())
            for record in records
            if record.get("contact_id") is not None
        }
        if not wanted:
            return
        accounts = {account for account, _ in wanted}
        found: dict[tuple[str, str], int] = {}
        for contact_id, account, email in self.connection.execute(
            select(_CONTACTS.c.id, _CONTACTS.c.account_id, _CONTACTS.c.email)
            .where(_CONTACTS.c.account_id.in_(accounts), _CONTACTS.c.email.is_not(None))
            .order_by(_CONTACTS.c.id)
        ):
            found.setdefault((account, email.lower()), contact_id)
        missing = sorted(wanted - found.keys())
        if missing:
            emails = {
                (record["account_id"], record["contact_id"].lower()): record["contact_id"]
                for record in records
                if record.get("contact_id") is not None
            }
            created = self.connection.execute(
                insert(_CONTACTS).returning(
                    _CONTACTS.c.account_id, _CONTACTS.c.email, _CONTACTS.c.id
                ),
                [
                    {
                        "account_id": account,
                        "name": emails[(account, email)][:200],
                        "email": emails[(account, email)],
                        "is_primary": False,
                    }
                    for account, email in missing
                ],
            )
            for account, email, contact_id in created:
                found[(account, email.lower())] = contact_id
        for record in records:
            email = record.get("contact_id")
            if email is not None:
                record["contact_id"] = found[(record["account_id"], email.lower())]

    def _check_tickets(self, batch: _Batch) -> None:
        wanted = {record["ticket_id"] for record in batch.records if record.get("ticket_id")}
        if not wanted:
            return
        known = set(self.connection.scalars(select(_TICKETS.c.id).where(_TICKETS.c.id.in_(wanted))))
        for row, record in zip(batch.rows, batch.records, strict=True):
            ticket = record.get("ticket_id")
            if ticket is not None and ticket not in known:
                shown = _shown(ticket)
                self.error(
                    row,
                    "ticket_id",
                    f"unknown ticket_id {shown} (import tickets first)",
                    "finding:unknown_ticket",
                    {"value": shown},
                )

    def _flush_renewals(self, batch: _Batch) -> None:
        ids = [record["id"] for record in batch.records]
        stored = {
            row["id"]: {name: _naive(value) for name, value in row.items()}
            for row in self.connection.execute(
                select(_RENEWALS).where(_RENEWALS.c.id.in_(ids)).with_for_update()
            ).mappings()
        }
        present = self._targets()
        settled: list[dict[str, Any]] = []
        for row, record in zip(batch.rows, batch.records, strict=True):
            outcome = _settle_renewal(record, stored.get(record["id"]), present)
            if isinstance(outcome, tuple):
                self.error(row, *outcome)
            else:
                settled.append(outcome)
        if not self.writing:
            return
        self._resolve_users(settled)
        new: list[dict[str, Any]] = []
        known: list[dict[str, Any]] = []
        changes: list[dict[str, Any]] = []
        for renewal in settled:
            before = stored.get(renewal["id"])
            if before is None:
                new.append(renewal | {"version": 1, "updated_at": self.now})
                changes.append(self._change(renewal["id"], "created", None, None, 1))
                continue
            changed = [name for name in _RENEWAL_FIELDS if renewal[name] != before[name]]
            if not changed:
                continue
            known.append(renewal | {"version": before["version"] + 1, "updated_at": self.now})
            changes.extend(
                self._change(
                    renewal["id"],
                    name,
                    _as_text(before[name]),
                    _as_text(renewal[name]),
                    before["version"] + 1,
                )
                for name in changed
            )
        self.inserted += len(new)
        self.updated += len(settled) - len(new)
        if new or known:
            if self.writer is None:
                self.writer = _writer(self.connection, _RENEWALS, list((new or known)[0]))
            writer = self.writer
            self._write(batch, lambda: writer.write(new, known))
        if changes:
            statement = insert(_RENEWAL_CHANGES)
            self._write(batch, lambda: self.connection.execute(statement, changes))

    def _change(
        self, renewal_id: str, name: str, old: str | None, new: str | None, version: int
    ) -> dict[str, Any]:
        return {
            "renewal_id": renewal_id,
            "changed_at": self.now,
            "actor_id": self.actor.user_id,
            "actor_name": self.actor.name,
            "field": name,
            "old_value": old,
            "new_value": new,
            "version": version,
        }


_BUSY_SQLSTATES = frozenset({"40001", "40P01", "55P03"})
"""PostgreSQL: serialization failure, deadlock detected, lock not available (lock_timeout)."""
_SQLITE_BUSY_CODES = frozenset({5, 6})
"""SQLite: SQLITE_BUSY, SQLITE_LOCKED (primary result codes)."""


def _first_line(error: Exception) -> str:
    cause = error.orig if isinstance(error, DBAPIError) and error.orig else error
    return str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__


def _busy_reason(error: Exception) -> str | None:
    """The driver's message when ``error`` means another writer held the database (busy,
    locked, deadlock, serialization failure); None for any other error."""
    cause = error.orig if isinstance(error, DBAPIError) and error.orig else error
    sqlstate = getattr(cause, "sqlstate", None)
    sqlite_code = getattr(cause, "sqlite_errorcode", None)
    if sqlstate in _BUSY_SQLSTATES or (
        sqlite_code is not None and sqlite_code & 0xFF in _SQLITE_BUSY_CODES
    ):
        return _first_line(error)
    return None


def _records(reader: _csv.Reader) -> Iterator[tuple[int, list[str]]]:
    """(spreadsheet row number, cells) per CSV record; a malformed record raises _CsvError."""
    row = 0
    while True:
        row += 1
        first_line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _CsvError(row, first_line, str(exc)) from None
        yield row, cells


class _CsvError(_Fatal):
    """A CSV record that cannot be read: its row, the file line it starts on, and why."""

    def __init__(self, row: int, line: int, reason: str) -> None:
        super().__init__(reason)
        self.row = row
        self.line = line
        self.reason = reason


def _unclosed_quote(lines: Iterator[str], first_line: int) -> tuple[int, int] | None:
    """Where a quote of the record starting on ``first_line`` opens that is not closed before
    the end of the file or the CSV cell size limit: (line, cell index); None when every quote
    of the record closes. ``lines`` are the file's lines from ``first_line`` on."""
    limit = csv.field_size_limit()
    cell, opened, quoted, at_cell_start, quoted_length = 0, (0, 0), False, True, 0
    for number, line in enumerate(lines, first_line):
        index = 0
        while index < len(line):
            char = line[index]
            if quoted:
                quoted_length += 1
                if quoted_length > limit:
                    return opened
                if char == '"':
                    if line[index + 1 : index + 2] == '"':
                        index += 1  # an escaped quote
                    else:
                        quoted = False
            elif char == '"' and at_cell_start:
                quoted, opened, quoted_length = True, (number, cell), 0
            elif char == ",":
                cell += 1
            elif char in "\r\n":
                return None  # the record ended with every quote closed
            at_cell_start = not quoted and char == ","
            index += 1
    return opened if quoted else None


def _nul(row: int, cells: list[str], header: list[str]) -> RowError | None:
    """A RowError naming the first cell that holds a NUL character (no database column can
    store it; PostgreSQL would refuse the whole batch)."""
    for index, cell in enumerate(cells):
        if "\x00" in cell:
            column = header[index] if index < len(header) and header[index] else None
            where = "" if column else f"cell {index + 1} "
            return RowError(row, column, f"{where}holds a NUL character (\\x00); remove it")
    return None


def _not_utf8(row: int, cells: list[str], header: list[str]) -> RowError | None:
    """A RowError if a cell held bytes that are not UTF-8 (decoded as lone surrogates)."""
    for index, cell in enumerate(cells):
        if cell.isascii():
            continue
        try:
            cell.encode("utf-8")
        except UnicodeEncodeError as exc:
            bad = cell[exc.start : exc.end].encode("utf-8", "surrogateescape")
            column = header[index] if index < len(header) and header[index] else None
            return RowError(
                row, column, f"not valid UTF-8 (bytes {bad.hex(' ')}); save the file as UTF-8"
            )
    return None


def _key_of(record: dict[str, Any], key: tuple[str, ...]) -> Any:
    """The row's upsert key (the id, or a tuple for a composite key); None if a part is."""
    if key == ("id",):
        return record.get("id")
    values = tuple(record.get(name) for name in key)
    return None if None in values else values


def _naive(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _settle_renewal(
    record: dict[str, Any], stored: dict[str, Any] | None, present: set[str]
) -> dict[str, Any] | tuple[str, str]:
    """The renewal as it will be stored, or (column, reason) when the row contradicts itself."""
    renewal = dict.fromkeys(_RENEWAL_FIELDS) if stored is None else dict(stored)
    renewal.pop("version", None)
    renewal.pop("updated_at", None)
    renewal.update(record)
    stage, outcome = record.get("stage"), record.get("outcome")
    if stage and outcome:
        if _CLOSED_STAGE_OUTCOMES.get(stage) != outcome:
            return "outcome", f"outcome {outcome!r} contradicts stage {stage!r}"
    elif stage:
        outcome = _CLOSED_STAGE_OUTCOMES.get(stage)
    elif outcome:
        stage = f"closed_{outcome}"
    elif "stage" not in present and "outcome" not in present:
        stage = stored["stage"] if stored else "not_started"
        outcome = stored["outcome"] if stored else None
    else:
        keep_open = (
            stored is not None
            and "stage" not in present
            and stored["stage"] not in _CLOSED_STAGE_OUTCOMES
        )
        stage = stored["stage"] if keep_open else "not_started"
    renewal["stage"], renewal["outcome"] = stage, outcome
    if outcome == "won" and renewal["renewed_arr_cents"] is None:
        return "renewed_arr", f"a won renewal (stage {stage}) needs renewed_arr"
    if not record.get("forecast_category"):
        kept = (
            stored["forecast_category"] if stored and "forecast_category" not in present else None
        )
        if stage in _CLOSED_STAGE_OUTCOMES:
            renewal["forecast_category"] = "closed"
        elif kept and kept != "closed":
            renewal["forecast_category"] = kept
        else:
            renewal["forecast_category"] = "pipeline"
    return renewal


class _DryRun(Exception):
    """Carries a dry run's result out of its transaction, which is then rolled back."""

    def __init__(self, result: ImportResult) -> None:
        self.result = result


def import_file(
    engine: Engine,
    actor: Actor,
    kind: str,
    path: Path,
    *,
    progress: ProgressCallback | None = None,
    dry_run: bool = False,
    label: Path | None = None,
    audit_details: dict[str, Any] | None = None,
) -> ImportResult:
    """Import one canonical CSV file of ``kind`` in one transaction: every row or none.

    Raises ``ImportRejected`` listing the row errors when any row is invalid (the database is
    unchanged), ``UnreadableFile`` when the file cannot be read and ``InvalidInput`` for an
    unknown kind; ``PermissionDenied`` when the actor may not import; ``ImportBusy`` when
    another import or writer held the database (nothing written; run it again).

    ``dry_run`` does everything but commit: the result counts what would be inserted and
    updated. ``label`` is the file named in reports and the audit entry instead of ``path``
    (the user's file when ``path`` is its canonical conversion); ``audit_details`` are added
    to that entry (e.g. the preset used).
    """
    if kind == "renewal_history":
        from cs_data.renewals.history_import import import_renewal_history

        return import_renewal_history(
            engine,
            actor,
            Path(path),
            progress=progress,
            dry_run=dry_run,
            label=label,
            audit_details=audit_details,
        )
    spec = _KINDS.get(kind)
    if spec is None:
        message = f"unknown import kind {kind!r} (use {', '.join(IMPORT_KINDS)})"
        raise InvalidInput([FieldError("kind", "unknown", message)])
    path = Path(path)
    if not path.is_file():
        reason = "no such file" if not path.exists() else "not a file"
        raise UnreadableFile(f"cannot read {kind} file {path}: {reason}")
    try:
        with transaction(engine) as session:
            actor = ensure(session, actor, "data.import")
            result = _Import(
                session,
                actor,
                spec,
                path,
                progress or no_progress,
                label=label,
                audit_details=audit_details,
            ).run()
            if dry_run:
                raise _DryRun(result)
            health.mark_stale(session)
    except _DryRun as dry:
        return dry.result
    except (DBAPIError, engine.dialect.loaded_dbapi.Error) as exc:
        if (reason := _busy_reason(exc)) is None:
            raise
        raise ImportBusy(label or path, reason) from None
    if result.inserted + result.updated >= REFRESH_STATISTICS_AFTER_ROWS:
        refresh_statistics(engine, (spec.table.name, "users"))
    return result


def file_columns(kind: str) -> list[tuple[str, bool]]:
    """The columns an import file of ``kind`` may have, in order: ``(header, required)``."""
    if kind == "renewal_history":
        from cs_data.renewals.history_import import COLUMNS, REQUIRED

        return [(name, name in REQUIRED) for name in COLUMNS]
    return [(column.name, column.required) for column in _KINDS[kind].columns]
