"""SQL building blocks of the KPI queries: durations, buckets, percentiles and filters.

Everything here produces the same numbers on SQLite and PostgreSQL: durations are whole
milliseconds (exact in a double), bucketing compares timestamps (no date arithmetic), and
percentiles are interpolated in Python from the one or two ranked rows SQL hands back.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from fractions import Fraction
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Float,
    Integer,
    case,
    func,
    literal,
    literal_column,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from cs_data.kpi.scope import KpiFilter
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


class duration_ms(FunctionElement[float]):
    """Whole milliseconds from the first timestamp to the second (null if either is null)."""

    type = Float()
    name = "duration_ms"
    inherit_cache = True


@compiles(duration_ms)
def _duration_ms_postgresql(element: duration_ms, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(ROUND(EXTRACT(EPOCH FROM ({end} - {start})) * 1000) AS DOUBLE PRECISION)"


@compiles(duration_ms, "sqlite")
def _duration_ms_sqlite(element: duration_ms, compiler: Any, **kw: Any) -> str:
    # julianday keeps whole milliseconds; rounding the scaled difference recovers them exactly
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"ROUND((julianday({end}) - julianday({start})) * 86400000.0)"


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


def lookup(index: ColumnElement[int], values: Sequence[Any], type_: Any) -> ColumnElement[Any]:
    """``values[index]`` as SQL: a binary search of CASE expressions over the integer index."""

    def pick(low: int, high: int) -> ColumnElement[Any]:
        if low == high:
            return literal(values[low], type_)
        middle = (low + high) // 2
        return case((index <= middle, pick(low, middle)), else_=pick(middle + 1, high))

    return pick(0, len(values) - 1)


def percentiles(
    connection: Connection,
    bucket: ColumnElement[int],
    value: ColumnElement[float],
    where: Sequence[ColumnElement[bool]],
    quantiles: Sequence[Fraction],
) -> dict[int, list[float]]:
    """Per bucket, each quantile of ``value`` by linear interpolation between closest ranks
    (numpy's default, PostgreSQL's percentile_cont). SQL counts the values of each bucket,
    then ranks them and returns only the one or two rows around each quantile's rank."""
    values = select(bucket.label("bucket"), value.label("value")).where(*where).subquery()
    counted = select(values.c.bucket, func.count()).group_by(values.c.bucket)
    counts = {int(key): int(n) for key, n in connection.execute(counted)}
    if not counts:
        return {}
    stride = max(counts.values()) + 1
    wanted = sorted(
        key * stride + rank
        for key, n in counts.items()
        for q in quantiles
        for rank in _ranks_around(n, q)
    )
    ranked = select(
        values.c.bucket,
        values.c.value,
        (func.row_number().over(partition_by=values.c.bucket, order_by=values.c.value) - 1).label(
            "rank"
        ),
    ).subquery()
    stmt = select(ranked.c.bucket, ranked.c.rank, ranked.c.value).where(
        (ranked.c.bucket * stride + ranked.c.rank).in_(wanted)
    )
    ranks: dict[int, dict[int, float]] = {key: {} for key in counts}
    for row in connection.execute(stmt):
        ranks[int(row.bucket)][int(row.rank)] = float(row.value)
    return {key: [_interpolate(ranks[key], n, q) for q in quantiles] for key, n in counts.items()}


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
