"""The team tables behind the Team page: per support agent and per CSM, with team medians.

Each figure is a registry KPI's definition narrowed to one person, built from the engine's own
SQL pieces and grouped by that person:

- agents (the ticket's assignee): ``tickets`` (created in the window), ``frt_median_min`` and
  ``sla_frt_compliance`` (of those tickets), ``resolution_median_min`` (tickets resolved in the
  window), ``csat`` and ``csat_responses`` (CSAT responses in the window linked to a ticket of
  theirs) — so an agent's row equals the KPIs with ``KpiFilter(assignee_id=…)``;
- CSMs (the account's CSM): ``accounts``, ``book_arr_cents`` (ARR on the UTC day of ``as_of``,
  as ``arr_total``), ``renewals_due`` and ``renewals_due_arr_cents`` (renewals with
  renewal_date in the window, Σ current ARR) and ``renewal_rate`` (``renewal_rate_count``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Connection, case, func, select

from cs_data.config import get_settings
from cs_data.kpi.revenue import _active_on
from cs_data.kpi.scope import NO_FILTER, KpiFilter, Window, make_window
from cs_data.kpi.sql import (
    MEDIAN,
    Bind,
    account_conditions,
    as_int,
    connect,
    ms_to_minutes,
    percentiles,
    ratio,
)
from cs_data.kpi.support import _sla_outcome, _target_ms, ticket_conditions, waited_ms
from cs_data.kpi.surveys import CSAT_SATISFIED_MIN
from cs_data.models import Account, Renewal, Subscription, SurveyResponse, Ticket, User

AGENT_COLUMNS = (
    "tickets",
    "frt_median_min",
    "resolution_median_min",
    "csat",
    "csat_responses",
    "sla_frt_compliance",
)
CSM_COLUMNS = (
    "accounts",
    "book_arr_cents",
    "renewals_due",
    "renewals_due_arr_cents",
    "renewal_rate",
)
_WHOLE = (
    "tickets",
    "csat_responses",
    "accounts",
    "book_arr_cents",
    "renewals_due",
    "renewals_due_arr_cents",
)


def _created(window: Window) -> list[Any]:
    return [Ticket.created_at >= window.lower, Ticket.created_at < window.upper]


def _handled(connection: Connection, window: Window, filters: KpiFilter) -> dict[int, dict]:
    """Per assignee: tickets created in the window and first response SLA compliance."""
    settings = get_settings()
    rows = (
        select(
            Ticket.assignee_id.label("agent"),
            Ticket.frt_ms.label("frt"),
            waited_ms(window.as_of, Ticket.frt_ms).label("waited"),
            _target_ms(settings.sla_first_response_minutes).label("target"),
        )
        .where(*_created(window), Ticket.assignee_id.is_not(None), *ticket_conditions(filters))
        .subquery()
    )
    met, breached = _sla_outcome(rows.c.frt, rows.c.waited, rows.c.target)
    stmt = select(rows.c.agent, func.count(), func.sum(met), func.sum(breached)).group_by(
        rows.c.agent
    )
    found = {}
    for agent, tickets, met_n, breached_n in connection.execute(stmt):
        met_n, breached_n = as_int(met_n), as_int(breached_n)
        found[int(agent)] = {
            "tickets": int(tickets),
            "sla_frt_compliance": ratio(met_n, met_n + breached_n),
        }
    return found


def _medians(connection: Connection, window: Window, filters: KpiFilter) -> dict[int, dict]:
    """Per assignee: median first response (tickets created in the window) and median
    resolution time (tickets resolved in it), in minutes."""
    assigned = [Ticket.assignee_id.is_not(None), *ticket_conditions(filters)]
    frt = percentiles(
        connection,
        Ticket.assignee_id,
        Ticket.frt_ms,
        [*_created(window), Ticket.frt_ms.is_not(None), *assigned],
        (MEDIAN,),
    )
    resolution = percentiles(
        connection,
        Ticket.assignee_id,
        Ticket.resolution_ms,
        [Ticket.resolved_at >= window.lower, Ticket.resolved_at < window.upper, *assigned],
        (MEDIAN,),
    )
    found: dict[int, dict] = {}
    for key, values in frt.items():
        found.setdefault(key, {})["frt_median_min"] = ms_to_minutes(values[0])
    for key, values in resolution.items():
        found.setdefault(key, {})["resolution_median_min"] = ms_to_minutes(values[0])
    return found


def _csat(connection: Connection, window: Window, filters: KpiFilter) -> dict[int, dict]:
    """Per assignee: CSAT share (4–5) and count of CSAT responses in the window linked to
    their tickets."""
    stmt = (
        select(
            Ticket.assignee_id,
            func.count(),
            func.sum(case((SurveyResponse.score >= CSAT_SATISFIED_MIN, 1), else_=0)),
        )
        .join_from(SurveyResponse, Ticket, Ticket.id == SurveyResponse.ticket_id)
        .where(
            SurveyResponse.survey_type == "csat",
            SurveyResponse.responded_at >= window.lower,
            SurveyResponse.responded_at < window.upper,
            Ticket.assignee_id.is_not(None),
            *account_conditions(SurveyResponse.account_id, filters),
        )
        .group_by(Ticket.assignee_id)
    )
    return {
        int(agent): {"csat": ratio(as_int(satisfied), int(n)), "csat_responses": int(n)}
        for agent, n, satisfied in connection.execute(stmt)
    }


def _names(connection: Connection, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    stmt = select(User.id, User.display_name).where(User.id.in_(ids))
    return {int(user_id): name for user_id, name in connection.execute(stmt)}


def _frame(found: dict[int, dict], names: dict[int, str], columns: Sequence[str]) -> pd.DataFrame:
    """Rows by name (then id): ``user_id``, ``name`` and ``columns`` (missing counts 0, other
    missing values NaN)."""
    order = sorted(found, key=lambda key: (names.get(key, ""), key))
    frame = pd.DataFrame(
        {
            "user_id": pd.Series(order, dtype="int64"),
            "name": pd.Series([names.get(key, "") for key in order], dtype=object),
        }
    )
    for column in columns:
        values = [found[key].get(column) for key in order]
        if column in _WHOLE:
            frame[column] = pd.Series([v or 0 for v in values], dtype="int64")
        else:
            frame[column] = pd.Series(values, dtype="float64")
    return frame


def agent_table(
    bind: Bind,
    start: date,
    end: date,
    *,
    as_of: datetime | None = None,
    filters: KpiFilter = NO_FILTER,
) -> pd.DataFrame:
    """Per support agent with tickets or CSAT in the window: columns ``user_id``, ``name`` and
    ``AGENT_COLUMNS`` (see the module docstring), by name."""
    window = make_window(start, end, as_of)
    found: dict[int, dict] = {}
    with connect(bind) as connection:
        for part in (_handled, _medians, _csat):
            for key, values in part(connection, window, filters).items():
                found.setdefault(key, {}).update(values)
        names = _names(connection, list(found))
    return _frame(found, names, AGENT_COLUMNS)


def csm_table(
    bind: Bind,
    start: date,
    end: date,
    *,
    as_of: datetime | None = None,
    filters: KpiFilter = NO_FILTER,
) -> pd.DataFrame:
    """Per CSM of at least one account: columns ``user_id``, ``name`` and ``CSM_COLUMNS`` (see
    the module docstring), by name."""
    window = make_window(start, end, as_of)
    on_accounts = [Account.csm_id.is_not(None), *account_conditions(Account.id, filters)]
    accounts = select(Account.csm_id, func.count()).where(*on_accounts).group_by(Account.csm_id)
    book = (
        select(Account.csm_id, func.sum(Subscription.arr_cents))
        .join_from(Subscription, Account, Account.id == Subscription.account_id)
        .where(*_active_on(window.as_of_day), *on_accounts)
        .group_by(Account.csm_id)
    )
    won = case((Renewal.outcome == "won", 1), else_=0)
    closed = case((Renewal.outcome.in_(("won", "lost")), 1), else_=0)
    renewals = (
        select(
            Account.csm_id,
            func.count(),
            func.sum(Renewal.current_arr_cents),
            func.sum(won),
            func.sum(closed),
        )
        .join_from(Renewal, Account, Account.id == Renewal.account_id)
        .where(Renewal.renewal_date >= window.start, Renewal.renewal_date <= window.end)
        .where(*on_accounts)
        .group_by(Account.csm_id)
    )
    found: dict[int, dict] = {}
    with connect(bind) as connection:
        for csm, n in connection.execute(accounts):
            found[int(csm)] = {"accounts": int(n)}
        for csm, arr in connection.execute(book):
            found[int(csm)]["book_arr_cents"] = as_int(arr)
        for csm, due, due_arr, won_n, closed_n in connection.execute(renewals):
            found[int(csm)].update(
                {
                    "renewals_due": int(due),
                    "renewals_due_arr_cents": as_int(due_arr),
                    "renewal_rate": ratio(as_int(won_n), as_int(closed_n)),
                }
            )
        names = _names(connection, list(found))
    return _frame(found, names, CSM_COLUMNS)


def team_medians(frame: pd.DataFrame, columns: Sequence[str]) -> dict[str, float | None]:
    """The median of each column over the people who have a value; None when nobody has one.

    Rates and durations take the usual median (the mean of the middle two of an even team).
    Counts and amounts take the lower median, a figure one person really has: the mean of
    0 and 1 renewals due is half a renewal (shown as 0) next to half an ARR (not 0); with the
    lower median a median of 0 renewals due comes with 0 renewals-due ARR, since at least half
    the team then has none due.
    """
    medians: dict[str, float | None] = {}
    for column in columns:
        values = frame[column].dropna().sort_values(ignore_index=True)
        if not len(values):
            medians[column] = None
        elif column in _WHOLE:
            medians[column] = float(values[(len(values) - 1) // 2])
        else:
            medians[column] = float(values.median())
    return medians
