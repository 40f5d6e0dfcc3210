"""KPIs as defined in KPI_DEFINITIONS.md, aggregated in SQL on SQLite and PostgreSQL alike.

Every function takes a bind (an ``Engine``, or a ``Connection`` to run several KPIs on one
connection) and its window. Windows are whole UTC days ``[start, end]``, both included: a
timestamp ``ts`` is in the window when ``start 00:00 UTC <= ts < (end + 1 day) 00:00 UTC``.
Money is integer cents; a ratio whose denominator is 0 is ``None``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pandas as pd
from sqlalchemy import Connection, Date, Engine, case, func, or_, select

from cs_data.models import Account, Renewal, Subscription, SurveyResponse, Ticket

Bind = Engine | Connection

CSAT_SATISFIED_MIN = 4
NPS_PROMOTER_MIN = 9
NPS_DETRACTOR_MAX = 6


@contextmanager
def _connect(bind: Bind) -> Iterator[Connection]:
    """A connection for reads: the caller's, or one from the engine, returned when done."""
    if isinstance(bind, Connection):
        yield bind
        return
    with bind.connect() as connection:
        yield connection


def _check_window(start: date, end: date) -> None:
    if end < start:
        raise ValueError(f"window ends ({end}) before it starts ({start})")


def window_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The half-open UTC instants ``[start 00:00, end + 1 day 00:00)`` of a day window."""
    _check_window(start, end)
    lower = datetime.combine(start, time.min, tzinfo=UTC)
    upper = datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC)
    return lower, upper


def trailing_window(as_of: datetime, days: int) -> tuple[date, date]:
    """The ``days`` whole UTC days ending with the UTC day of ``as_of`` (both ends included)."""
    today = as_of.astimezone(UTC).date()
    return today - timedelta(days=days - 1), today


def leading_window(as_of: datetime, days: int) -> tuple[date, date]:
    """The ``days`` whole UTC days starting with the UTC day of ``as_of`` (both ends included)."""
    today = as_of.astimezone(UTC).date()
    return today, today + timedelta(days=days - 1)


# --- customers and revenue ----------------------------------------------------------------


def account_count(bind: Bind) -> int:
    """Number of accounts."""
    with _connect(bind) as connection:
        return connection.execute(select(func.count()).select_from(Account)).scalar_one()


def arr_total(bind: Bind, as_of: date) -> int:
    """ARR on day ``as_of`` in cents: subscriptions with start <= as_of < end (or no end)."""
    stmt = select(func.coalesce(func.sum(Subscription.arr_cents), 0)).where(
        Subscription.start_date <= as_of,
        or_(Subscription.end_date.is_(None), Subscription.end_date > as_of),
    )
    with _connect(bind) as connection:
        return int(connection.execute(stmt).scalar_one())


def renewals_due_arr(bind: Bind, start: date, end: date) -> int:
    """Σ current ARR (cents) of open renewals (no outcome yet) with renewal_date in the window."""
    _check_window(start, end)
    stmt = select(func.coalesce(func.sum(Renewal.current_arr_cents), 0)).where(
        Renewal.outcome.is_(None),
        Renewal.renewal_date >= start,
        Renewal.renewal_date <= end,
    )
    with _connect(bind) as connection:
        return int(connection.execute(stmt).scalar_one())


# --- support ------------------------------------------------------------------------------


def backlog_open(bind: Bind, as_of: datetime) -> int:
    """Tickets open at ``as_of``: created_at <= as_of and (unresolved or resolved_at > as_of)."""
    stmt = (
        select(func.count())
        .select_from(Ticket)
        .where(
            Ticket.created_at <= as_of,
            or_(Ticket.resolved_at.is_(None), Ticket.resolved_at > as_of),
        )
    )
    with _connect(bind) as connection:
        return connection.execute(stmt).scalar_one()


def tickets_created(bind: Bind, start: date, end: date) -> int:
    """Tickets with created_at in the window."""
    lower, upper = window_bounds(start, end)
    stmt = (
        select(func.count())
        .select_from(Ticket)
        .where(Ticket.created_at >= lower, Ticket.created_at < upper)
    )
    with _connect(bind) as connection:
        return connection.execute(stmt).scalar_one()


def tickets_created_by_day(bind: Bind, start: date, end: date) -> pd.DataFrame:
    """Tickets created per UTC day: columns ``day`` (every day of the window) and ``tickets``."""
    lower, upper = window_bounds(start, end)
    day = func.date(Ticket.created_at, type_=Date)
    stmt = (
        select(day.label("day"), func.count().label("tickets"))
        .where(Ticket.created_at >= lower, Ticket.created_at < upper)
        .group_by(day)
    )
    with _connect(bind) as connection:
        counts = {row.day: row.tickets for row in connection.execute(stmt)}
    days = pd.date_range(start, end, freq="D")
    return pd.DataFrame(
        {"day": days, "tickets": [int(counts.get(d.date(), 0)) for d in days]},
    ).astype({"tickets": "int64"})


# --- surveys ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Csat:
    """CSAT over a window: share of scores 4–5 (0..1), mean score, number of responses."""

    share: float | None
    average: float | None
    responses: int


@dataclass(frozen=True)
class Nps:
    """NPS over a window: 100 × (promoters − detractors) / responses, and the responses."""

    value: float | None
    responses: int


def _survey_window(kind: str, start: date, end: date):
    lower, upper = window_bounds(start, end)
    return (
        SurveyResponse.survey_type == kind,
        SurveyResponse.responded_at >= lower,
        SurveyResponse.responded_at < upper,
    )


def csat(bind: Bind, start: date, end: date) -> Csat:
    """CSAT responses in the window: share scoring 4 or 5, average score, count."""
    satisfied = case((SurveyResponse.score >= CSAT_SATISFIED_MIN, 1), else_=0)
    stmt = select(func.count(), func.sum(satisfied), func.avg(SurveyResponse.score)).where(
        *_survey_window("csat", start, end)
    )
    with _connect(bind) as connection:
        responses, satisfied_count, average = connection.execute(stmt).one()
    if not responses:
        return Csat(share=None, average=None, responses=0)
    return Csat(share=int(satisfied_count) / responses, average=float(average), responses=responses)


def nps(bind: Bind, start: date, end: date) -> Nps:
    """NPS responses in the window: promoters 9–10, detractors 0–6, value −100..100."""
    promoter = case((SurveyResponse.score >= NPS_PROMOTER_MIN, 1), else_=0)
    detractor = case((SurveyResponse.score <= NPS_DETRACTOR_MAX, 1), else_=0)
    stmt = select(func.count(), func.sum(promoter), func.sum(detractor)).where(
        *_survey_window("nps", start, end)
    )
    with _connect(bind) as connection:
        responses, promoters, detractors = connection.execute(stmt).one()
    if not responses:
        return Nps(value=None, responses=0)
    return Nps(value=100 * (int(promoters) - int(detractors)) / responses, responses=responses)


# --- the Overview page --------------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    """The headline numbers of the Overview page, as of one instant."""

    as_of: datetime
    recent: tuple[date, date]
    """Window of the ticket and survey figures (the trailing days up to ``as_of``)."""
    upcoming: tuple[date, date]
    """Window of the renewals due (the days from ``as_of`` on)."""
    accounts: int
    arr_cents: int
    backlog_open: int
    tickets_created: int
    csat: Csat
    nps: Nps
    renewals_due_arr_cents: int

    @property
    def has_data(self) -> bool:
        """False when the database holds nothing any of these figures counts."""
        return any(
            (
                self.accounts,
                self.arr_cents,
                self.backlog_open,
                self.tickets_created,
                self.csat.responses,
                self.nps.responses,
                self.renewals_due_arr_cents,
            )
        )


def overview(
    bind: Bind, *, as_of: datetime, recent_days: int = 30, upcoming_days: int = 90
) -> Overview:
    """Accounts, ARR and backlog at ``as_of``; tickets and surveys over the trailing
    ``recent_days``; open renewal ARR due in the ``upcoming_days`` from ``as_of`` on."""
    recent = trailing_window(as_of, recent_days)
    upcoming = leading_window(as_of, upcoming_days)
    with _connect(bind) as connection:
        return Overview(
            as_of=as_of,
            recent=recent,
            upcoming=upcoming,
            accounts=account_count(connection),
            arr_cents=arr_total(connection, as_of.astimezone(UTC).date()),
            backlog_open=backlog_open(connection, as_of),
            tickets_created=tickets_created(connection, *recent),
            csat=csat(connection, *recent),
            nps=nps(connection, *recent),
            renewals_due_arr_cents=renewals_due_arr(connection, *upcoming),
        )
