"""How much data a KPI figure stands on, and the rules that keep sparse data from misleading:
the count behind each figure (its *basis*), the grain of a trend chosen from the data's
density, and the retention trend's month ends. Pure functions, no database."""

from __future__ import annotations

from datetime import date, timedelta

from cs_data.kpi.scope import GRAINS, Grain

BASIS: dict[str, str] = {
    "frt_median_min": "tickets_responded",
    "frt_p90_min": "tickets_responded",
    "frt_mean_min": "tickets_responded",
    "resolution_median_min": "tickets_resolved",
    "resolution_p90_min": "tickets_resolved",
    "sla_frt_compliance": "sla_frt_judged",
    "sla_resolution_compliance": "sla_resolution_judged",
    "csat": "csat_responses",
    "csat_avg": "csat_responses",
    "nps": "nps_responses",
    "ces_avg": "ces_responses",
    "grr": "cohort_accounts",
    "nrr": "cohort_accounts",
    "logo_churn_rate": "cohort_accounts",
    "revenue_churn_rate": "cohort_accounts",
    "renewal_rate_count": "renewals_closed",
    "renewal_rate_arr": "renewals_closed",
}
"""The count a rate, mean or percentile KPI is computed over (responses, tickets, accounts or
renewals). Counts and amounts (tickets created, backlog, ARR, forecasts) have none: they are
no sample of anything, so they are never too thin."""

MINIMUM: dict[str, int] = {
    "csat_responses": 20,
    "nps_responses": 20,
    "ces_responses": 20,
    "tickets_responded": 10,
    "tickets_resolved": 10,
    "sla_frt_judged": 10,
    "sla_resolution_judged": 10,
    "cohort_accounts": 10,
    "renewals_closed": 10,
}
"""The fewest of a basis a figure needs to mean something. A survey share swings by about
±20 points on 20 responses (NPS more), so surveys need 20; a median time, an SLA share, a
retention rate and a renewal rate need 10 tickets, accounts or renewals."""

PERIOD_DAYS: dict[Grain, float] = {"day": 1, "week": 7, "month": 365.25 / 12}
"""The days of a whole period of each grain (a month on average)."""

RETENTION_TREND_DAYS = 365
"""The cohort of each point of a retention trend: the 365 days ending at a month end."""
RETENTION_TREND_POINTS = 12
"""A retention trend shows at least this many month ends (the year before the window's end
when the window is shorter)."""


def minimum_for(key: str) -> int | None:
    """The fewest of its basis a value of ``key`` needs; None for counts and amounts."""
    basis = BASIS.get(key)
    return None if basis is None else MINIMUM[basis]


def is_thin(key: str, n: int | None) -> bool:
    """Whether a value of ``key`` over ``n`` of its basis is too thin to read."""
    minimum = minimum_for(key)
    return minimum is not None and (n or 0) < minimum


def length_grain(days: int) -> Grain:
    """The finest grain a window's length allows: days for up to a month, weeks up to about
    four months, months beyond (so a chart has between about 4 and 31 points)."""
    if days <= 31:
        return "day"
    return "week" if days <= 120 else "month"


def series_grain(start: date, end: date, events: int | None, minimum: int | None) -> Grain:
    """The grain of a trend over ``[start, end]``: the finest the window's length allows whose
    whole periods hold at least ``minimum`` events on average (``events`` in the whole window,
    spread evenly over its days: a week holds 7 days' worth, a month 30.44); months when even
    those are thinner. Periods clipped by the window hold less and show as thin. Without a
    minimum (counts), the length's grain."""
    days = (end - start).days + 1
    finest = length_grain(days)
    if minimum is None:
        return finest
    for grain in GRAINS[GRAINS.index(finest) :]:
        if (events or 0) * PERIOD_DAYS[grain] >= minimum * days:
            return grain
    return "month"


def trend_grain(key: str, start: date, end: date, events: int | None) -> Grain:
    """``series_grain`` of ``key`` with the minimum of its basis."""
    return series_grain(start, end, events, minimum_for(key))


def month_end(day: date) -> date:
    """The last day of ``day``'s month."""
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def retention_trend_days(start: date, end: date) -> list[date]:
    """The days a retention trend over ``[start, end]`` has a point on: each month end in the
    window, reaching back to at least ``RETENTION_TREND_POINTS`` month ends, and ``end``
    itself when it is no month end (the latest figure)."""
    last = end if month_end(end) == end else date(end.year, end.month, 1) - timedelta(days=1)
    ends: list[date] = []
    day = last
    while day >= start or len(ends) < RETENTION_TREND_POINTS:
        ends.append(day)
        day = date(day.year, day.month, 1) - timedelta(days=1)
    ends.reverse()
    return [*ends, end] if last != end else ends


def trend_window(day: date) -> tuple[date, date]:
    """The cohort window of a retention trend's point on ``day``: the 365 days ending on it."""
    return day - timedelta(days=RETENTION_TREND_DAYS - 1), day
