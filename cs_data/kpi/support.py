"""Support KPIs over tickets: volume, first response and resolution times, backlog, SLA."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import Connection, and_, case, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from cs_data.config import get_settings
from cs_data.elapsed import elapsed_ms
from cs_data.kpi.scope import KpiFilter, Window
from cs_data.kpi.sql import (
    MEDIAN,
    MS_PER_MINUTE,
    P90,
    account_conditions,
    as_int,
    instant,
    ms_to_minutes,
    per_window,
    quantiles_of,
    ratio,
    value_list,
)
from cs_data.models import Ticket

DEFAULT_PRIORITY = "normal"
"""The priority of a ticket that has none (for SLA targets and the priority filter)."""


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
        {priority: minutes * MS_PER_MINUTE for priority, minutes in targets.items()},
        value=Ticket.priority,
        else_=targets[DEFAULT_PRIORITY] * MS_PER_MINUTE,
    )


def _sla_outcome(
    elapsed: ColumnElement[Any], waited: ColumnElement[Any], target: ColumnElement[int]
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


def frt_sla_sums(as_of: datetime) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """SUM expressions (met, judged) of ``sla_frt_compliance`` over the grouped tickets, judged
    at ``as_of`` exactly as ``created_stats`` does: compliance = met / judged (null when 0).
    For per-account figures (the health score's SLA component)."""
    target = _target_ms(get_settings().sla_first_response_minutes)
    waited = elapsed_ms(Ticket.created_at, instant(as_of))
    met = func.sum(case((Ticket.frt_ms <= target, 1), else_=0))
    overdue = case((Ticket.frt_ms.is_(None), case((waited > target, 1), else_=0)), else_=0)
    judged = func.sum(case((Ticket.frt_ms.is_not(None), 1), else_=overdue))
    return met, judged


def waited_ms(as_of: datetime, *durations: ColumnElement[Any]) -> ColumnElement[Any]:
    """Milliseconds from the ticket's creation to ``as_of``, worked out only for tickets
    missing one of ``durations`` (the only ones it can decide about), else null."""
    unfinished = or_(*(duration.is_(None) for duration in durations))
    return case((unfinished, elapsed_ms(Ticket.created_at, instant(as_of))))


def created_stats(
    connection: Connection, windows: Sequence[Window], filters: KpiFilter
) -> list[dict[str, Any]]:
    """Per window, over the tickets created in it: how many, first response time (mean,
    median, 90th percentile) and both SLA compliances, with the counts they stand on
    (``tickets_responded``, ``sla_frt_judged``, ``sla_resolution_judged``).

    The windows share ``as_of`` (the instant unanswered tickets are judged at); one query
    serves them all (``per_window``), reading the created_at index alone when no ticket filter
    is set. A ticket answered (resolved) is met or breached by its duration; one not yet
    answered is breached when it has waited beyond its target at ``as_of``."""
    settings = get_settings()
    frt_target = _target_ms(settings.sla_first_response_minutes)
    res_target = _target_ms(settings.sla_resolution_minutes)
    waited = elapsed_ms(Ticket.created_at, instant(windows[0].as_of))

    def within(duration: ColumnElement[Any], target: ColumnElement[int]) -> ColumnElement[Any]:
        return func.sum(case((duration <= target, 1), else_=0))

    def overdue(duration: ColumnElement[Any], target: ColumnElement[int]) -> ColumnElement[Any]:
        # the time waited is worked out for the unfinished tickets only
        return func.sum(case((duration.is_(None), case((waited > target, 1), else_=0)), else_=0))

    aggregates = [
        func.count().label("tickets"),
        func.count(Ticket.frt_ms).label("responded"),
        func.count(Ticket.resolution_ms).label("resolved"),
        func.sum(Ticket.frt_ms).label("frt_total"),
        value_list(Ticket.frt_ms).label("frt_values"),
        within(Ticket.frt_ms, frt_target).label("frt_met"),
        overdue(Ticket.frt_ms, frt_target).label("frt_overdue"),
        within(Ticket.resolution_ms, res_target).label("res_met"),
        overdue(Ticket.resolution_ms, res_target).label("res_overdue"),
    ]
    rows = per_window(
        connection, Ticket.created_at, windows, aggregates, ticket_conditions(filters)
    )
    return [_created_figures(row) for row in rows]


def _created_figures(row: Any) -> dict[str, Any]:
    """The created-ticket KPIs from one window's row of ``created_stats``."""
    tickets = int(row.tickets)
    if not tickets:
        return {
            "tickets_created": 0,
            "frt_median_min": None,
            "frt_p90_min": None,
            "frt_mean_min": None,
            "sla_frt_compliance": None,
            "sla_resolution_compliance": None,
            "tickets_responded": 0,
            "sla_frt_judged": 0,
            "sla_resolution_judged": 0,
        }
    responded, resolved = int(row.responded), int(row.resolved)
    frt_met, res_met = as_int(row.frt_met), as_int(row.res_met)
    # every answered ticket is met or breached; unanswered ones count when overdue
    frt_judged = responded + as_int(row.frt_overdue)
    res_judged = resolved + as_int(row.res_overdue)
    return {
        "tickets_created": tickets,
        **_minutes(quantiles_of(row.frt_values, (MEDIAN, P90)), "frt_median_min", "frt_p90_min"),
        "frt_mean_min": float(row.frt_total) / (responded * MS_PER_MINUTE) if responded else None,
        "sla_frt_compliance": ratio(frt_met, frt_judged),
        "sla_resolution_compliance": ratio(res_met, res_judged),
        "tickets_responded": responded,
        "sla_frt_judged": frt_judged,
        "sla_resolution_judged": res_judged,
    }


def resolution_percentiles(
    connection: Connection, windows: Sequence[Window], filters: KpiFilter
) -> list[dict[str, Any]]:
    """Per window: median and 90th percentile resolution time of tickets resolved in it, and
    how many they are (``tickets_resolved``)."""
    aggregates = [
        func.count().label("resolved"),
        value_list(Ticket.resolution_ms).label("durations"),
    ]
    where = [*ticket_conditions(filters), Ticket.resolution_ms.is_not(None)]
    median, p90 = "resolution_median_min", "resolution_p90_min"
    results = []
    for row in per_window(connection, Ticket.resolved_at, windows, aggregates, where):
        quantiles = quantiles_of(row.durations, (MEDIAN, P90))
        results.append({**_minutes(quantiles, median, p90), "tickets_resolved": int(row.resolved)})
    return results


def _minutes(values: list[float] | None, *keys: str) -> dict[str, float | None]:
    if values is None:
        return dict.fromkeys(keys)
    return {key: ms_to_minutes(value) for key, value in zip(keys, values, strict=True)}


def backlog_at(
    connection: Connection, instants: Sequence[datetime], filters: KpiFilter
) -> list[int]:
    """Tickets open at each instant (non-decreasing instants): created at or before it and not
    resolved at or before it. The first instant is counted; each later one adds the tickets
    opened and takes away those closed since the instant before, every figure a count over an
    index range, all in one statement."""
    conditions = ticket_conditions(filters)

    def count(*where: ColumnElement[bool]) -> Any:
        return select(func.count()).select_from(Ticket).where(*where, *conditions)

    first = instants[0]
    # the unresolved and those resolved later, each found through the resolved_at index
    counts = [
        count(Ticket.resolved_at.is_(None), Ticket.created_at <= first),
        count(Ticket.resolved_at > first, Ticket.created_at <= first),
    ]
    for before, after in pairwise(instants):
        # A ticket is open from created_at until resolved_at, or never when resolved_at is
        # earlier: it closes at the later of the two. Closed in (before, after]: resolved then
        # (and created by then), or created then having been resolved before (resolution_ms
        # <= 0 narrows those down from the index first).
        counts += [
            count(Ticket.created_at > before, Ticket.created_at <= after),
            count(
                Ticket.resolved_at > before,
                Ticket.resolved_at <= after,
                Ticket.created_at <= after,
            ),
            count(
                Ticket.created_at > before,
                Ticket.created_at <= after,
                Ticket.resolution_ms <= 0,
                Ticket.resolved_at <= before,
            ),
        ]
    row = connection.execute(select(*(c.scalar_subquery() for c in counts))).one()
    running = int(row[0]) + int(row[1])
    results = [running]
    for index in range(len(instants) - 1):
        opened, resolved, resolved_earlier = row[2 + 3 * index : 5 + 3 * index]
        running += int(opened) - int(resolved) - int(resolved_earlier)
        results.append(running)
    return results


def backlog_stats(
    connection: Connection, windows: Sequence[Window], filters: KpiFilter
) -> list[dict[str, Any]]:
    """Per window: the backlog at its ``as_of``."""
    counts = backlog_at(connection, [w.as_of for w in windows], filters)
    return [{"backlog_open": count} for count in counts]
