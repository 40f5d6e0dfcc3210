"""SQL building blocks of the KPI queries: durations, buckets, percentiles and filters.

Everything here produces the same numbers on SQLite and PostgreSQL: durations are whole
milliseconds (``elapsed_ms``; tickets store theirs in ``frt_ms`` and ``resolution_ms``),
bucketing compares timestamps (no date arithmetic), and percentiles are interpolated in
Python from the one or two ranked rows SQL hands back.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from fractions import Fraction
from typing import Any

import numpy as np
from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    Row,
    Text,
    case,
    func,
    literal,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from cs_data.kpi.scope import KpiFilter, Window
from cs_data.models import Account, UTCDateTime

Bind = Engine | Connection
MS_PER_MINUTE = 60_000

MEDIAN = Fraction(1, 2)
P90 = Fraction(9, 10)


@contextmanager
def connect(bind: Bind) -> Iterator[Connection]:
    """A connection for reads: the caller's, or one from the engine, returned when done."""
    if isinstance(bind, Connection):
        yield bind
        return
    with bind.connect() as connection:
        yield connection


def instant(value: Any) -> ColumnElement[Any]:
    """A timestamp parameter stored the way timestamp columns are (naive UTC)."""
    return literal(value, UTCDateTime())


def bucket_index(
    column: ColumnElement[Any], uppers: Sequence[Any], *, inclusive: bool = False
) -> ColumnElement[int]:
    """Index of the bucket holding ``column``: bucket ``k`` ends before ``uppers[k]`` (or at it,
    when ``inclusive``). A binary search of CASE expressions, so a year by day costs about nine
    comparisons a row; the caller's WHERE keeps values inside the buckets."""

    def pick(low: int, high: int) -> ColumnElement[int]:
        if low == high:
            return literal_column(str(low), Integer)
        middle = (low + high) // 2
        upper = uppers[middle]
        inside = column <= upper if inclusive else column < upper
        return case((inside, pick(low, middle)), else_=pick(middle + 1, high))

    return pick(0, len(uppers) - 1)


UNION_BRANCHES = 100
"""Windows per statement of ``per_window`` (SQLite allows 500 SELECTs in one compound)."""


def per_window(
    connection: Connection,
    column: ColumnElement[Any],
    windows: Sequence[Window],
    aggregates: Sequence[ColumnElement[Any]],
    where: Sequence[ColumnElement[bool]] = (),
) -> list[Row[Any]]:
    """Per window, one row of ``aggregates`` over the rows matching ``where`` whose timestamp
    ``column`` lies in it. Each window is a SELECT over its own range of ``column``'s index,
    joined by UNION ALL: SQLite groups by an expression (``bucket_index``) by sorting every
    row first, which made a series two to three times as costly as one pass over its rows."""
    found: dict[int, Row[Any]] = {}
    for first in range(0, len(windows), UNION_BRANCHES):
        branches = [
            select(literal_column(str(index), Integer).label("window"), *aggregates).where(
                column >= window.lower, column < window.upper, *where
            )
            for index, window in enumerate(windows[first : first + UNION_BRANCHES], first)
        ]
        statement = branches[0] if len(branches) == 1 else union_all(*branches)
        found.update((row.window, row) for row in connection.execute(statement))
    return [found[index] for index in range(len(windows))]


def lookup(index: ColumnElement[int], values: Sequence[Any], type_: Any) -> ColumnElement[Any]:
    """``values[index]`` as SQL: a binary search of CASE expressions over the integer index."""

    def pick(low: int, high: int) -> ColumnElement[Any]:
        if low == high:
            return literal(values[low], type_)
        middle = (low + high) // 2
        return case((index <= middle, pick(low, middle)), else_=pick(middle + 1, high))

    return pick(0, len(values) - 1)


class value_list(FunctionElement[str]):
    """An aggregate: the group's integer values joined by commas, for ``quantiles_of``. Neither
    database ranks fast enough across backends (SQLite has no percentile function and its
    window functions are several times slower than handing the values over once)."""

    type = Text()
    name = "value_list"
    inherit_cache = True


@compiles(value_list, "postgresql")
def _value_list_postgresql(element: value_list, compiler: Any, **kw: Any) -> str:
    return f"string_agg(CAST({compiler.process(element.clauses, **kw)} AS TEXT), ',')"


@compiles(value_list, "sqlite")
def _value_list_sqlite(element: value_list, compiler: Any, **kw: Any) -> str:
    return f"group_concat({compiler.process(element.clauses, **kw)}, ',')"


def quantiles_of(values: str | None, quantiles: Sequence[Fraction]) -> list[float] | None:
    """Each quantile of the comma-joined integers ``values`` (a ``value_list``) by linear
    interpolation between closest ranks (numpy's default, PostgreSQL's percentile_cont);
    None when there are no values."""
    if not values:
        return None
    numbers = np.fromstring(values, dtype=np.int64, sep=",")
    n = len(numbers)
    ranks = sorted({rank for q in quantiles for rank in _ranks_around(n, q)})
    ordered = np.partition(numbers, ranks)
    ranked = {rank: float(ordered[rank]) for rank in ranks}
    return [_interpolate(ranked, n, q) for q in quantiles]


def percentiles(
    connection: Connection,
    bucket: ColumnElement[Any],
    value: ColumnElement[int],
    where: Sequence[ColumnElement[bool]],
    quantiles: Sequence[Fraction],
) -> dict[Any, list[float]]:
    """Per bucket, each quantile of the integer ``value`` (see ``quantiles_of``); buckets
    without a value are left out."""
    rows = select(bucket.label("bucket"), value.label("value"))
    rows = rows.where(*where, value.is_not(None)).subquery()
    stmt = select(rows.c.bucket, value_list(rows.c.value)).group_by(rows.c.bucket)
    return {key: quantiles_of(values, quantiles) for key, values in connection.execute(stmt)}


def _ranks_around(n: int, q: Fraction) -> tuple[int, ...]:
    """The 0-based ranks interpolated between for quantile ``q`` of ``n`` values."""
    position = (n - 1) * q
    below = position.numerator // position.denominator
    return (below, below + 1) if below + 1 < n else (below,)


def _interpolate(ranked: dict[int, float], n: int, q: Fraction) -> float:
    position = (n - 1) * q
    below = position.numerator // position.denominator
    low = ranked[below]
    high = ranked.get(below + 1, low)
    return low + float(position - below) * (high - low)


def ms_to_minutes(milliseconds: float | None) -> float | None:
    return None if milliseconds is None else milliseconds / MS_PER_MINUTE


def account_conditions(
    account_id: ColumnElement[Any], filters: KpiFilter
) -> list[ColumnElement[bool]]:
    """Conditions selecting rows whose account matches the account-level filters."""
    conditions: list[ColumnElement[bool]] = []
    if filters.account_id is not None:
        conditions.append(account_id == filters.account_id)
    on_account = [
        getattr(Account, name) == getattr(filters, name)
        for name in ("segment", "region", "csm_id")
        if getattr(filters, name) is not None
    ]
    if on_account:
        conditions.append(account_id.in_(select(Account.id).where(*on_account)))
    return conditions


def ratio(numerator: int, denominator: int) -> float | None:
    """``numerator / denominator``, or None when the denominator is 0."""
    return numerator / denominator if denominator else None


def as_int(value: Any) -> int:
    """A SQL SUM or COUNT as an int (PostgreSQL returns Decimal for SUM over bigint)."""
    return int(value) if value is not None else 0


def first_day(connection: Connection, column: Any) -> date | None:
    """The UTC day of the earliest value of a date or timestamp ``column`` (None when its
    table is empty): where the data of that table begins."""
    earliest = connection.execute(select(func.min(column))).scalar_one()
    if earliest is None or not isinstance(earliest, datetime):
        return earliest
    if earliest.tzinfo is None:
        return earliest.date()
    return earliest.astimezone(UTC).date()
