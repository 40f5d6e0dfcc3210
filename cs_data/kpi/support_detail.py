"""Support drill-downs behind the Support page: SLA compliance by priority, volume by channel,
tickets by local weekday and hour, and the breached tickets, all aggregated or paged in SQL.

The SLA rules are those of the ``sla_*_compliance`` KPIs (``cs_data.kpi.support``): a ticket
is judged at the window's ``as_of``; tickets still inside their target are neither met nor
breached.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import Integer, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from cs_data.config import get_settings
from cs_data.domain import TICKET_PRIORITIES
from cs_data.kpi.scope import NO_FILTER, KpiFilter, make_window
from cs_data.kpi.sql import Bind, as_int, connect, instant, ms_to_minutes, ratio, value_list
from cs_data.kpi.support import (
    DEFAULT_PRIORITY,
    _sla_outcome,
    _target_ms,
    ticket_conditions,
    waited_ms,
)
from cs_data.models import Account, Ticket, User
from cs_data.paging import Page, paginate_keys

_SLA_COUNTS = ("frt_met", "frt_breached", "res_met", "res_breached")
QUARTER_HOUR = timedelta(minutes=15)
"""The heat map's unit of counting in SQL: every zone offset in use is a multiple of it."""


class quarter_hour(FunctionElement[int]):
    """Whole quarter hours from the first timestamp (on a whole minute) to the second, rounded
    down: 0 for the first quarter hour. Exact to the microsecond on both backends: SQLite's
    date functions round to the millisecond, so there the minute is cut from the stored text."""

    type = Integer()
    name = "quarter_hour"
    inherit_cache = True


@compiles(quarter_hour)
def _quarter_hour_postgresql(element: quarter_hour, compiler: Any, **kw: Any) -> str:
    start, moment = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM ({moment} - {start})) / 900) AS INTEGER)"


@compiles(quarter_hour, "sqlite")
def _quarter_hour_sqlite(element: quarter_hour, compiler: Any, **kw: Any) -> str:
    start, moment = (compiler.process(arg, **kw) for arg in element.clauses)
    minutes = f"ROUND((julianday(substr({moment}, 1, 16)) - julianday({start})) * 1440)"
    return f"(CAST({minutes} AS INTEGER) / 15)"


def _created_in(start: date, end: date, as_of: datetime | None = None) -> tuple[Any, list[Any]]:
    window = make_window(start, end, as_of)
    return window, [Ticket.created_at >= window.lower, Ticket.created_at < window.upper]


def _judged(
    start: date,
    end: date,
    as_of: datetime | None,
    filters: KpiFilter,
    *only: ColumnElement[bool],
) -> Any:
    """Tickets created in the window (and matching ``only``) with their durations, SLA
    outcomes and priority (a CTE)."""
    settings = get_settings()
    window, created = _created_in(start, end, as_of)
    rows = (
        select(
            Ticket.id.label("id"),
            Ticket.created_at.label("created_at"),
            func.coalesce(Ticket.priority, DEFAULT_PRIORITY).label("priority"),
            Ticket.frt_ms.label("frt"),
            Ticket.resolution_ms.label("resolution"),
            waited_ms(window.as_of, Ticket.frt_ms, Ticket.resolution_ms).label("waited"),
            _target_ms(settings.sla_first_response_minutes).label("frt_target"),
            _target_ms(settings.sla_resolution_minutes).label("resolution_target"),
        )
        .where(*created, *ticket_conditions(filters), *only)
        .cte("judged")
    )
    frt_met, frt_breached = _sla_outcome(rows.c.frt, rows.c.waited, rows.c.frt_target)
    res_met, res_breached = _sla_outcome(rows.c.resolution, rows.c.waited, rows.c.resolution_target)
    return rows, (frt_met, frt_breached, res_met, res_breached)


def sla_by_priority(
    bind: Bind,
    start: date,
    end: date,
    *,
    as_of: datetime | None = None,
    filters: KpiFilter = NO_FILTER,
) -> pd.DataFrame:
    """SLA compliance per priority over tickets created in the window: columns ``priority``
    (low, normal, high, urgent; a null priority counts as normal), ``frt_met``,
    ``frt_breached``, ``frt_compliance``, ``resolution_met``, ``resolution_breached``,
    ``resolution_compliance`` (NaN when nothing is met or breached)."""
    rows, (frt_met, frt_breached, res_met, res_breached) = _judged(start, end, as_of, filters)
    stmt = select(
        rows.c.priority,
        func.sum(frt_met).label("frt_met"),
        func.sum(frt_breached).label("frt_breached"),
        func.sum(res_met).label("res_met"),
        func.sum(res_breached).label("res_breached"),
    ).group_by(rows.c.priority)
    with connect(bind) as connection:
        found = {row.priority: row for row in connection.execute(stmt)}
    priorities = [*TICKET_PRIORITIES, *sorted(set(found) - set(TICKET_PRIORITIES))]
    records = []
    for priority in priorities:
        row = found.get(priority)
        f_met, f_breached, r_met, r_breached = (
            (as_int(getattr(row, name)) for name in _SLA_COUNTS) if row else (0, 0, 0, 0)
        )
        records.append(
            {
                "priority": priority,
                "frt_met": f_met,
                "frt_breached": f_breached,
                "frt_compliance": ratio(f_met, f_met + f_breached),
                "resolution_met": r_met,
                "resolution_breached": r_breached,
                "resolution_compliance": ratio(r_met, r_met + r_breached),
            }
        )
    return pd.DataFrame(records).astype(
        {"frt_compliance": "float64", "resolution_compliance": "float64"}
    )


def volume_by_channel(
    bind: Bind, start: date, end: date, *, filters: KpiFilter = NO_FILTER
) -> pd.DataFrame:
    """Tickets created in the window per channel (``None`` for no channel): columns
    ``channel`` and ``tickets``, most tickets first."""
    _, created = _created_in(start, end)
    stmt = (
        select(Ticket.channel.label("channel"), func.count().label("tickets"))
        .where(*created, *ticket_conditions(filters))
        .group_by(Ticket.channel)
    )
    with connect(bind) as connection:
        rows = [(row.channel, int(row.tickets)) for row in connection.execute(stmt)]
    rows.sort(key=lambda row: (-row[1], row[0] is None, row[0] or ""))
    return pd.DataFrame(
        {
            "channel": pd.Series([channel for channel, _ in rows], dtype=object),
            "tickets": pd.Series([count for _, count in rows], dtype="int64"),
        }
    )


def weekday_hour(
    bind: Bind,
    start: date,
    end: date,
    *,
    filters: KpiFilter = NO_FILTER,
    time_zone: str = "UTC",
) -> pd.DataFrame:
    """Tickets created in the window per weekday (0 = Monday) and hour (0..23) of their
    creation in ``time_zone`` (an IANA name): all 168 cells, columns ``weekday``, ``hour`` and
    ``tickets``. The window stays whole UTC days.

    Each ticket's quarter hour of the window comes from SQL as one list (``value_list``;
    grouping by it made SQLite sort every ticket first), counted with numpy; each quarter hour
    goes to the local weekday and hour of its first instant. Every zone offset in use is a
    multiple of 15 minutes, so a quarter hour lies in one local hour, also across daylight
    saving changes. Where it does not (a change at an odd minute, as in Newfoundland until
    2011), the tickets of that quarter hour are placed one by one.
    """
    zone = ZoneInfo(time_zone)
    window, created = _created_in(start, end)
    quarters = (
        select(
            quarter_hour(instant(window.lower), Ticket.created_at).label("quarter"),
            Ticket.created_at.label("created_at"),
        )
        .where(*created, *ticket_conditions(filters))
        .subquery()
    )
    counts: Counter[tuple[int, int]] = Counter()
    straddling: list[int] = []
    with connect(bind) as connection:
        listed = connection.execute(select(value_list(quarters.c.quarter))).scalar_one()
        per_quarter = np.bincount(np.fromstring(listed or "", dtype=np.int64, sep=","))
        for quarter in np.flatnonzero(per_quarter).tolist():
            first = window.lower + quarter * QUARTER_HOUR
            last = first + QUARTER_HOUR - timedelta(microseconds=1)
            if _one_local_hour(first, last, zone):
                counts[_local_cell(first, zone)] += int(per_quarter[quarter])
            else:
                straddling.append(quarter)
        if straddling:
            one_by_one = select(quarters.c.created_at).where(quarters.c.quarter.in_(straddling))
            counts.update(_local_cell(moment, zone) for moment in connection.scalars(one_by_one))
    return pd.DataFrame(
        [
            {"weekday": day, "hour": hour, "tickets": counts.get((day, hour), 0)}
            for day in range(7)
            for hour in range(24)
        ]
    ).astype({"tickets": "int64"})


def _local_cell(moment: datetime, zone: ZoneInfo) -> tuple[int, int]:
    """Weekday (0 = Monday) and hour of ``moment`` on the clocks of ``zone``."""
    local = moment.astimezone(zone)
    return local.weekday(), local.hour


def _one_local_hour(first: datetime, last: datetime, zone: ZoneInfo) -> bool:
    """Whether the instants ``first`` to ``last`` (less than an hour apart) all fall in one
    hour of one day on the clocks of ``zone``: the same offset at both ends (no clock change
    between, so the local time runs straight) and the same day and hour."""
    before, after = first.astimezone(zone), last.astimezone(zone)
    return before.utcoffset() == after.utcoffset() and (before.date(), before.hour) == (
        after.date(),
        after.hour,
    )


@dataclass(frozen=True)
class BreachedTicket:
    """A ticket created in the window that breached its first response or resolution SLA."""

    id: str
    created_at: datetime
    subject: str | None
    account_id: str | None
    account_name: str | None
    priority: str
    channel: str | None
    status: str | None
    assignee: str | None
    frt_minutes: float | None
    resolution_minutes: float | None
    frt_breached: bool
    resolution_breached: bool


BreachedPage = Page[BreachedTicket]
"""One page of breached tickets, newest first, and how many there are in all."""


def breached_tickets(
    bind: Bind,
    start: date,
    end: date,
    *,
    as_of: datetime | None = None,
    filters: KpiFilter = NO_FILTER,
    page: int = 1,
    page_size: int = 50,
) -> BreachedPage:
    """One page (1-based, clamped) of the tickets created in the window that breached either
    SLA target at ``as_of``, newest first (then by id), paged in SQL: the breached tickets'
    ids are counted and paged first, then the page's tickets read with their account and
    assignee."""
    rows, (_, frt_breached, _, res_breached) = _judged(start, end, as_of, filters)
    keys = (
        select(rows.c.id)
        .where(or_(frt_breached == 1, res_breached == 1))
        .order_by(rows.c.created_at.desc(), rows.c.id.desc())
    )
    with connect(bind) as connection:

        def load(ids: list[str]) -> list[BreachedTicket]:
            page_rows, (_, frt, _, resolution) = _judged(
                start, end, as_of, filters, Ticket.id.in_(ids)
            )
            stmt = (
                select(
                    Ticket.id,
                    Ticket.created_at,
                    Ticket.subject,
                    Ticket.account_id,
                    Account.name.label("account_name"),
                    page_rows.c.priority,
                    Ticket.channel,
                    Ticket.status,
                    User.display_name.label("assignee"),
                    page_rows.c.frt,
                    page_rows.c.resolution,
                    frt.label("frt_breached"),
                    resolution.label("res_breached"),
                )
                .select_from(page_rows)
                .join(Ticket, Ticket.id == page_rows.c.id)
                .outerjoin(Account, Account.id == Ticket.account_id)
                .outerjoin(User, User.id == Ticket.assignee_id)
            )
            found = {row.id: _breached_ticket(row) for row in connection.execute(stmt)}
            return [found[key] for key in ids if key in found]

        return paginate_keys(connection, keys, page=page, page_size=page_size, load=load)


def _breached_ticket(row: Any) -> BreachedTicket:
    return BreachedTicket(
        id=row.id,
        created_at=row.created_at,
        subject=row.subject,
        account_id=row.account_id,
        account_name=row.account_name,
        priority=row.priority,
        channel=row.channel,
        status=row.status,
        assignee=row.assignee,
        frt_minutes=ms_to_minutes(row.frt),
        resolution_minutes=ms_to_minutes(row.resolution),
        frt_breached=bool(row.frt_breached),
        resolution_breached=bool(row.res_breached),
    )
