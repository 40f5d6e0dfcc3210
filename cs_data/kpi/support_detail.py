"""Support drill-downs behind the Support page: SLA compliance by priority, volume by channel,
tickets by weekday and hour (UTC), and the breached tickets, all aggregated or paged in SQL.

The SLA rules are those of the ``sla_*_compliance`` KPIs (``cs_data.kpi.support``): a ticket
is judged at the window's ``as_of``; tickets still inside their target are neither met nor
breached.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Integer, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from cs_data.config import get_settings
from cs_data.domain import TICKET_PRIORITIES
from cs_data.kpi.scope import NO_FILTER, KpiFilter, make_window
from cs_data.kpi.sql import Bind, as_int, connect, duration_ms, instant, ms_to_minutes, ratio
from cs_data.kpi.support import DEFAULT_PRIORITY, _sla_outcome, _target_ms, ticket_conditions
from cs_data.models import Account, Ticket, User

MAX_PAGE_SIZE = 500
_SLA_COUNTS = ("frt_met", "frt_breached", "res_met", "res_breached")


class utc_weekday(FunctionElement[int]):
    """Day of the week of a UTC timestamp, 0 = Monday … 6 = Sunday."""

    type = Integer()
    name = "utc_weekday"
    inherit_cache = True


@compiles(utc_weekday)
def _weekday_postgresql(element: utc_weekday, compiler: Any, **kw: Any) -> str:
    (moment,) = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(EXTRACT(ISODOW FROM {moment}) AS INTEGER) - 1"


@compiles(utc_weekday, "sqlite")
def _weekday_sqlite(element: utc_weekday, compiler: Any, **kw: Any) -> str:
    (moment,) = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"(CAST(strftime('%w', {moment}) AS INTEGER) + 6) % 7"


class utc_hour(FunctionElement[int]):
    """Hour of the day (0..23) of a UTC timestamp."""

    type = Integer()
    name = "utc_hour"
    inherit_cache = True


@compiles(utc_hour)
def _hour_postgresql(element: utc_hour, compiler: Any, **kw: Any) -> str:
    (moment,) = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(EXTRACT(HOUR FROM {moment}) AS INTEGER)"


@compiles(utc_hour, "sqlite")
def _hour_sqlite(element: utc_hour, compiler: Any, **kw: Any) -> str:
    (moment,) = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(strftime('%H', {moment}) AS INTEGER)"


def _created_in(start: date, end: date, as_of: datetime | None = None) -> tuple[Any, list[Any]]:
    window = make_window(start, end, as_of)
    return window, [Ticket.created_at >= window.lower, Ticket.created_at < window.upper]


def _judged(start: date, end: date, as_of: datetime | None, filters: KpiFilter) -> Any:
    """Tickets created in the window with their durations, SLA outcomes and priority (a CTE)."""
    settings = get_settings()
    window, created = _created_in(start, end, as_of)
    rows = (
        select(
            Ticket.id.label("id"),
            func.coalesce(Ticket.priority, DEFAULT_PRIORITY).label("priority"),
            duration_ms(Ticket.created_at, Ticket.first_response_at).label("frt"),
            duration_ms(Ticket.created_at, Ticket.resolved_at).label("resolution"),
            duration_ms(Ticket.created_at, instant(window.as_of)).label("waited"),
            _target_ms(settings.sla_first_response_minutes).label("frt_target"),
            _target_ms(settings.sla_resolution_minutes).label("resolution_target"),
        )
        .where(*created, *ticket_conditions(filters))
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
    bind: Bind, start: date, end: date, *, filters: KpiFilter = NO_FILTER
) -> pd.DataFrame:
    """Tickets created in the window per UTC weekday (0 = Monday) and hour (0..23): all 168
    cells, columns ``weekday``, ``hour`` and ``tickets``."""
    _, created = _created_in(start, end)
    weekday, hour = utc_weekday(Ticket.created_at), utc_hour(Ticket.created_at)
    cells = (
        select(weekday.label("weekday"), hour.label("hour"))
        .where(*created, *ticket_conditions(filters))
        .subquery()
    )
    stmt = select(cells.c.weekday, cells.c.hour, func.count().label("tickets")).group_by(
        cells.c.weekday, cells.c.hour
    )
    with connect(bind) as connection:
        counts = {(int(r.weekday), int(r.hour)): int(r.tickets) for r in connection.execute(stmt)}
    return pd.DataFrame(
        [
            {"weekday": day, "hour": hour, "tickets": counts.get((day, hour), 0)}
            for day in range(7)
            for hour in range(24)
        ]
    ).astype({"tickets": "int64"})


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


@dataclass(frozen=True)
class BreachedPage:
    """One page of breached tickets, newest first, and how many there are in all."""

    rows: list[BreachedTicket]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


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
    SLA target at ``as_of``, newest first (then by id), paged in SQL."""
    page_size = min(max(1, page_size), MAX_PAGE_SIZE)
    rows, (_, frt_breached, _, res_breached) = _judged(start, end, as_of, filters)
    breached = or_(frt_breached == 1, res_breached == 1)
    with connect(bind) as connection:
        total = int(
            connection.execute(select(func.count()).select_from(rows).where(breached)).scalar_one()
        )
        pages = max(1, -(-total // page_size))
        page = min(max(1, page), pages)
        stmt = (
            select(
                Ticket.id,
                Ticket.created_at,
                Ticket.subject,
                Ticket.account_id,
                Account.name.label("account_name"),
                rows.c.priority,
                Ticket.channel,
                Ticket.status,
                User.display_name.label("assignee"),
                rows.c.frt,
                rows.c.resolution,
                frt_breached.label("frt_breached"),
                res_breached.label("res_breached"),
            )
            .select_from(rows)
            .join(Ticket, Ticket.id == rows.c.id)
            .outerjoin(Account, Account.id == Ticket.account_id)
            .outerjoin(User, User.id == Ticket.assignee_id)
            .where(breached)
            .order_by(Ticket.created_at.desc(), Ticket.id.desc())
            .limit(page_size)
            .offset((page - 1) * page_size)
        )
        found = [
            BreachedTicket(
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
            for row in connection.execute(stmt)
        ]
    return BreachedPage(rows=found, total=total, page=page, page_size=page_size)
