"""KPIs as defined in KPI_DEFINITIONS.md, aggregated in SQL on SQLite and PostgreSQL alike.

Windows are whole UTC days ``[start, end]``, both included: a timestamp ``ts`` is in the
window when ``start 00:00 UTC <= ts < (end + 1 day) 00:00 UTC``. ``as_of`` defaults to the end
of ``end`` day, or now when that is earlier. Money is integer cents, durations are minutes,
ratios are 0..1 (NPS −100..100), and a ratio whose denominator is 0 is ``None``.

- ``KPIS``: the registry (key → label, definition, unit, direction, applicable filters).
- ``compute_kpis``: every KPI over one window; ``series_frame``/``kpi_series``: per day, week
  or month, with the count behind each point; ``compare_previous``: against the same-length
  window right before, saying when that one has too little data; ``retention_trend``: GRR,
  NRR and churn over the trailing year at each month end.
- ``density``: the counts KPIs stand on, their minimums and the grain a trend can afford.
- ``overview``: everything the Overview page shows; single figures (``arr_total`` …).

Functions take a bind: an ``Engine``, or a ``Connection`` to run several on one connection.
"""

from __future__ import annotations

from cs_data.kpi.density import length_grain, trend_grain
from cs_data.kpi.overview import CARD_KEYS, RETENTION_CARD_KEYS, Overview, overview
from cs_data.kpi.registry import (
    KPIS,
    UNITS,
    Change,
    Kpi,
    compare_previous,
    compute_kpis,
    kpi_series,
    retention_trend,
    series_frame,
    trend,
)
from cs_data.kpi.renewals import renewals_due_arr
from cs_data.kpi.revenue import RETENTION_KEYS as RETENTION_TREND_KEYS
from cs_data.kpi.revenue import account_count, arr_total
from cs_data.kpi.scope import (
    ACCOUNT_FILTERS,
    GRAINS,
    NO_FILTER,
    TICKET_FILTERS,
    Grain,
    KpiFilter,
    Window,
    end_of_day,
    leading_window,
    make_window,
    previous_window,
    split_window,
    trailing_window,
    window_bounds,
)
from cs_data.kpi.sql import Bind
from cs_data.kpi.surveys import CSAT_SATISFIED_MIN, NPS_DETRACTOR_MAX, NPS_PROMOTER_MIN

__all__ = [
    "ACCOUNT_FILTERS",
    "CARD_KEYS",
    "CSAT_SATISFIED_MIN",
    "GRAINS",
    "KPIS",
    "NO_FILTER",
    "NPS_DETRACTOR_MAX",
    "NPS_PROMOTER_MIN",
    "RETENTION_CARD_KEYS",
    "RETENTION_TREND_KEYS",
    "TICKET_FILTERS",
    "UNITS",
    "Bind",
    "Change",
    "Grain",
    "Kpi",
    "KpiFilter",
    "Overview",
    "Window",
    "account_count",
    "arr_total",
    "compare_previous",
    "compute_kpis",
    "end_of_day",
    "kpi_series",
    "leading_window",
    "length_grain",
    "make_window",
    "overview",
    "previous_window",
    "renewals_due_arr",
    "retention_trend",
    "series_frame",
    "split_window",
    "trailing_window",
    "trend",
    "trend_grain",
    "window_bounds",
]
