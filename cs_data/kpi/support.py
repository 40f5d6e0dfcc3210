"""Support KPIs over tickets: volume, first response and resolution times, backlog, SLA."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Any

import pandas as pd
from sqlalchemy import Connection, and_, case, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from cs_data.config import get_settings
from cs_data.kpi.scope import NO_FILTER, KpiFilter, Window, day_start, window_bounds
from cs_data.kpi.sql import (
    MEDIAN,
    MS_PER_MINUTE,
    P90,
    Bind,
    account_conditions,
    as_int,
    bucket_index,
    connect,
    duration_ms,
    instant,
    ms_to_minutes,
    percentiles,
    ratio,
)
from cs_data.models import Ticket

DEFAULT_PRIORITY = "normal"
"""The priority of a ticket that has none (for SLA targets and the priority filter)."""
DAYS_PER_QUERY = 366
"""Days counted in one statement by ``tickets_created_by_day`` (one column per day)."""


def ticket_conditions(filters: KpiFilter) -> list[ColumnElement[bool]]:
    """Conditions for the ticket filters (account-level ones through the ticket's account)."""
    conditions = account_conditions(Ticket.account_id, filters)
    if filters.priority is not None:
        conditions.append(func.coalesce(Ticket.priority, DEFAULT_PRIORITY) == filters.priority)
    if filters.channel is not None:
        conditions.append(Ticket.channel == filters.channel)
    if filters.assignee_id is not None:
        conditions.append(Ticket.assignee_id == filters.assignee_id)
    return conditions


def _target_ms(targets: Mapping[str, int]) -> ColumnElement[int]:
    """The ticket's SLA target in milliseconds, by priority (null priority = normal)."""
    return case(
        *(
            (func.coalesce(Ticket.priority, DEFAULT_PRIORITY) == priority, minutes * MS_PER_MINUTE)
            for priority, minutes in targets.items()
        ),
        else_=targets[DEFAULT_PRIORITY] * MS_PER_MINUTE,
    )


def _sla_outcome(
    elapsed: ColumnElement[float], waited: ColumnElement[float], target: ColumnElement[int]
) -> tuple[ColumnElement[int], ColumnElement[int]]:
    """(met, breached) as 0/1 columns: done within target; done late, or not done (elapsed is
    null) and waited beyond the target at as_of. Not done and still inside it: neither."""
    met = case((elapsed <= target, 1), else_=0)
    breached = case(
        (elapsed > target, 1),
        (and_(elapsed.is_(None), waited > target), 1),
        else_=0,
    )
    return met, breached


def _in_windows(column: ColumnElement[Any], windows: Sequence[Window]) -> list[Any]:
    return [column >= windows[0].lower, column < windows[-1].upper]


def created_stats(
    connection: Connection, windows: Sequence[Window], filters: KpiFilter
) -> list[dict[str, Any]]:
    """Per window: tickets created, mean first response time and both SLA compliances.

    The windows are consecutive and share ``as_of`` (the instant unanswered tickets are judged
    at); one grouped query serves them all."""
    settings = get_settings()
    # each duration once per ticket (SQLite would otherwise repeat them in every CASE)
    rows = (
        select(
            bucket_index(Ticket.created_at, [w.upper for w in windows]).label("bucket"),
            duration_ms(Ticket.created_at, Ticket.first_response_at).label("frt"),
            duration_ms(Ticket.created_at, Ticket.resolved_at).label("resolution"),
            duration_ms(Ticket.created_at, instant(windows[0].as_of)).label("waited"),
            _target_ms(settings.sla_first_response_minutes).label("frt_target"),
            _target_ms(settings.sla_resolution_minutes).label("resolution_target"),
        )
        .where(*_in_windows(Ticket.created_at, windows), *ticket_conditions(filters))
        .cte("created")
        .prefix_with("MATERIALIZED", dialect="sqlite")
    )
    frt_met, frt_breached = _sla_outcome(rows.c.frt, rows.c.waited, rows.c.frt_target)
    res_met, res_breached = _sla_outcome(rows.c.resolution, rows.c.waited, rows.c.resolution_target)
    stmt = select(
        rows.c.bucket,
        func.count().label("tickets"),
        func.count(rows.c.frt).label("responded"),
        func.sum(rows.c.frt).label("frt_total"),
        func.sum(frt_met).label("frt_met"),
        func.sum(frt_breached).label("frt_breached"),
        func.sum(res_met).label("res_met"),
        func.sum(res_breached).label("res_breached"),
    ).group_by(rows.c.bucket)
    found = {row.bucket: row for row in connection.execute(stmt)}
    results = []
    for index in range(len(windows)):
        row = found.get(index)
        if row is None:
            results.append(
                {
                    "tickets_created": 0,
                    "frt_mean_min": None,
                    "sla_frt_compliance": None,
                    "sla_resolution_compliance": None,
                }
            )
            continue
        responded = int(row.responded)
        frt_met, frt_breached = as_int(row.frt_met), as_int(row.frt_breached)
        res_met, res_breached = as_int(row.res_met), as_int(row.res_breached)
        results.append(
            {
                "tickets_created": int(row.tickets),
                "frt_mean_min": (
                    float(row.frt_total) / (responded * MS_PER_MINUTE) if responded else None
                ),
                "sla_frt_compliance": ratio(frt_met, frt_met + frt_breached),
                "sla_resolution_compliance": ratio(res_met, res_met + res_breached),
            }
        )
    return results


def frt_percentiles(
    connection: Connection, windows: Sequence[Window], filters: KpiFilter
) -> list[dict[str, Any]]:
    """Per window: median and 90th percentile first response time of tickets created in it."""
    found = percentiles(
        connection,
        bucket_index(Ticket.created_at, [w.upper for w in windows]),
        duration_ms(Ticket.created_at, Ticket.first_response_at),
        [
            *_in_windows(Ticket.created_at, windows),
            Ticket.first_response_at.is_not(None),
            *ticket_conditions(filters),
        ],
        (MEDIAN, P90),
    )
    median, p90 = "frt_median_min", "frt_p90_min"
    return [_minutes(found.get(index), median, p90) for index in range(len(windows))]


def resolution_percentiles(
    connection: Connection, windows: Sequence[Window], filters: KpiFilter
) -> list[dict[str, Any]]:
    """Per window: median and 90th percentile resolution time of tickets resolved in it."""
    found = percentiles(
        connection,
        bucket_index(Ticket.resolved_at, [w.upper for w in windows]),
        duration_ms(Ticket.created_at, Ticket.resolved_at),
        [*_in_windows(Ticket.resolved_at, windows), *ticket_conditions(filters)],
        (MEDIAN, P90),
    )
    median, p90 = "resolution_median_min", "resolution_p90_min"
    return [_minutes(found.get(index), median, p90) for index in range(len(windows))]


def _minutes(values: list[float] | None, *keys: str) -> dict[str, float | None]:
    if values is None:
        return dict.fromkeys(keys)
    return {key: ms_to_minutes(value) for key, value in zip(keys, values, strict=True)}


def backlog_at(
    connection: Connection, instants: Sequence[datetime], filters: KpiFilter
) -> list[int]:
    """Tickets open at each instant (non-decreasing instants): created at or before it and not
    resolved at or before it. The first instant is counted; the others add the tickets opened
    and take away those closed since the instant before, so only tickets created or resolved
    between the first and the last instant are read."""
    conditions = ticket_conditions(filters)
    first, last = instants[0], instants[-1]
    # two counts, each found through the resolved_at index: unresolved, resolved later
    counts = [
        select(func.count())
        .select_from(Ticket)
        .where(still_open, Ticket.created_at <= first, *conditions)
        .scalar_subquery()
        for still_open in (Ticket.resolved_at.is_(None), Ticket.resolved_at > first)
    ]
    running = int(connection.execute(select(counts[0] + counts[1])).scalar_one())
    if len(instants) == 1:
        return [running]
    # a ticket stops being open at resolved_at, or never opens when resolved_at <= created_at
    closed_at = case(
        (Ticket.resolved_at > Ticket.created_at, Ticket.resolved_at), else_=Ticket.created_at
    )
    opened = _count_by_bucket(
        connection,
        bucket_index(Ticket.created_at, instants, inclusive=True),
        [Ticket.created_at > first, Ticket.created_at <= last, *conditions],
    )
    closed = _count_by_bucket(
        connection,
        bucket_index(closed_at, instants, inclusive=True),
        [
            # closed_at in (first, last]: resolved then, or created then if resolved earlier
            or_(
                and_(Ticket.resolved_at > first, Ticket.resolved_at <= last),
                and_(
                    Ticket.resolved_at <= first,
                    Ticket.created_at > first,
                    Ticket.created_at <= last,
                ),
            ),
            Ticket.created_at <= last,
            *conditions,
        ],
    )
    results = [running]
    for index in range(1, len(instants)):
        running += opened.get(index, 0) - closed.get(index, 0)
        results.append(running)
    return results


def _count_by_bucket(
    connection: Connection, bucket: ColumnElement[int], where: Sequence[ColumnElement[bool]]
) -> dict[int, int]:
    rows = select(bucket.label("bucket")).where(*where).subquery()
    stmt = select(rows.c.bucket, func.count()).group_by(rows.c.bucket)
    return {bucket: int(count) for bucket, count in connection.execute(stmt)}


def backlog_stats(
    connection: Connection, windows: Sequence[Window], filters: KpiFilter
) -> list[dict[str, Any]]:
    """Per window: the backlog at its ``as_of``."""
    counts = backlog_at(connection, [w.as_of for w in windows], filters)
    return [{"backlog_open": count} for count in counts]


# --- single figures -----------------------------------------------------------------------


def backlog_open(bind: Bind, as_of: datetime, *, filters: KpiFilter = NO_FILTER) -> int:
    """Tickets open at ``as_of``: created_at <= as_of and (unresolved or resolved_at > as_of)."""
    with connect(bind) as connection:
        return backlog_at(connection, [as_of], filters)[0]


def tickets_created(bind: Bind, start: date, end: date, *, filters: KpiFilter = NO_FILTER) -> int:
    """Tickets with created_at in the window ``[start, end]``."""
    lower, upper = window_bounds(start, end)
    # a plain count, read from the created_at index (created_stats also times every ticket)
    stmt = (
        select(func.count())
        .select_from(Ticket)
        .where(Ticket.created_at >= lower, Ticket.created_at < upper, *ticket_conditions(filters))
    )
    with connect(bind) as connection:
        return int(connection.execute(stmt).scalar_one())


def tickets_created_by_day(
    bind: Bind, start: date, end: date, *, filters: KpiFilter = NO_FILTER
) -> pd.DataFrame:
    """Tickets created per UTC day: columns ``day`` (every day of the window) and ``tickets``.

    Each day is a count of its own over the created_at index (no per-row date function and
    no grouping), up to ``DAYS_PER_QUERY`` days in one statement."""
    window_bounds(start, end)  # refuses a window that ends before it starts
    conditions = ticket_conditions(filters)
    days = pd.date_range(start, end, freq="D")
    bounds = [day_start(d.date()) for d in days] + [day_start(end + timedelta(days=1))]
    counts: list[int] = []
    with connect(bind) as connection:
        for first in range(0, len(days), DAYS_PER_QUERY):
            stmt = select(
                *(
                    select(func.count())
                    .select_from(Ticket)
                    .where(Ticket.created_at >= lower, Ticket.created_at < upper, *conditions)
                    .scalar_subquery()
                    for lower, upper in pairwise(bounds[first : first + DAYS_PER_QUERY + 1])
                )
            )
            counts.extend(int(n) for n in connection.execute(stmt).one())
    return pd.DataFrame({"day": days, "tickets": counts}).astype({"tickets": "int64"})
