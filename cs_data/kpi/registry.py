"""The KPI registry: every KPI of KPI_DEFINITIONS.md with its definition, unit and direction,
and the three ways to ask for them (one window, a time series, against the previous window)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, NamedTuple

import pandas as pd
from sqlalchemy import Connection, Engine

from cs_data.kpi import renewals, revenue, support, surveys
from cs_data.kpi.density import BASIS, is_thin, retention_trend_days, trend_window
from cs_data.kpi.scope import (
    ACCOUNT_FILTERS,
    NO_FILTER,
    TICKET_FILTERS,
    Grain,
    KpiFilter,
    Window,
    end_of_day,
    make_window,
    previous_window,
    split_window,
)
from cs_data.kpi.sql import Bind, connect, first_day
from cs_data.models import Renewal, Subscription, SurveyResponse, Ticket

UNITS: dict[str, str] = {
    "count": "number of items",
    "minutes": "minutes",
    "share": "share 0..1",
    "nps": "NPS −100..100",
    "score": "mean survey score",
    "cents": "money in cents",
}
"""Unit of each KPI value; money is integer cents, ratios are shares 0..1 (NPS −100..100)."""

WHOLE_UNITS = ("count", "cents")
"""Units whose values are integers and never undefined."""


@dataclass(frozen=True)
class _Group:
    """KPIs computed together: ``compute(connection, windows, filters)`` returns one dict of
    values per window of a run of consecutive windows. Point-in-time groups are measured at
    each window's own ``as_of``; groups ``judged_at_as_of`` judge every window at the first
    one's ``as_of`` (so windows with another ``as_of`` need a call of their own); the others
    do not look at ``as_of``. ``since`` is the column whose earliest value is where the
    group's data begins. Besides the KPIs, ``compute`` returns the counts they stand on
    (``density.BASIS``)."""

    compute: Callable[[Connection, Sequence[Window], KpiFilter], list[dict[str, Any]]]
    since: Any
    point_in_time: bool = False
    judged_at_as_of: bool = False


_CREATED = _Group(support.created_stats, Ticket.created_at, judged_at_as_of=True)
_RESOLUTION = _Group(support.resolution_percentiles, Ticket.created_at)
_BACKLOG = _Group(support.backlog_stats, Ticket.created_at, point_in_time=True)
_SURVEYS = _Group(surveys.survey_stats, SurveyResponse.responded_at)
_RETENTION = _Group(revenue.retention_stats, Subscription.start_date)
_ARR = _Group(revenue.arr_stats, Subscription.start_date, point_in_time=True)
_RENEWALS = _Group(renewals.renewal_stats, Renewal.renewal_date, judged_at_as_of=True)


@dataclass(frozen=True)
class Kpi:
    """One KPI: its key, a short label, the definition shown next to it, its unit, whether a
    lower value is better (None: neither, e.g. volumes) and the filters that narrow it."""

    key: str
    label: str
    unit: str
    definition: str
    lower_is_better: bool | None
    filters: tuple[str, ...]
    group: _Group = field(repr=False, compare=False)

    def compute(
        self,
        bind: Bind,
        *,
        start: date,
        end: date,
        as_of: datetime | None = None,
        filters: KpiFilter = NO_FILTER,
    ) -> Any:
        """This KPI's value over ``[start, end]`` (see ``compute_kpis``)."""
        values = compute_kpis(
            bind, start=start, end=end, as_of=as_of, filters=filters, keys=[self.key]
        )
        return values[self.key]


def _kpi(
    key: str,
    label: str,
    unit: str,
    group: _Group,
    definition: str,
    *,
    lower_is_better: bool | None = False,
    filters: tuple[str, ...] = ACCOUNT_FILTERS,
) -> Kpi:
    return Kpi(key, label, unit, " ".join(definition.split()), lower_is_better, filters, group)


_SLA_RULE = (
    "met = done within the target for the ticket's priority (null = normal); breached = done "
    "after it, or not done and as_of − created_at > target; tickets still inside their target "
    "are not counted. Null when nothing is met or breached."
)

KPIS: dict[str, Kpi] = {
    kpi.key: kpi
    for kpi in (
        _kpi(
            "tickets_created",
            "Tickets created",
            "count",
            _CREATED,
            "Tickets with created_at in the window.",
            lower_is_better=None,
            filters=TICKET_FILTERS,
        ),
        _kpi(
            "frt_median_min",
            "First response time, median",
            "minutes",
            _CREATED,
            """Median of first_response_at − created_at over tickets created in the window
            that have a first response (linear interpolation).""",
            lower_is_better=True,
            filters=TICKET_FILTERS,
        ),
        _kpi(
            "frt_p90_min",
            "First response time, 90th percentile",
            "minutes",
            _CREATED,
            """90th percentile of first_response_at − created_at over tickets created in the
            window that have a first response (linear interpolation).""",
            lower_is_better=True,
            filters=TICKET_FILTERS,
        ),
        _kpi(
            "frt_mean_min",
            "First response time, mean",
            "minutes",
            _CREATED,
            """Mean of first_response_at − created_at over tickets created in the window that
            have a first response.""",
            lower_is_better=True,
            filters=TICKET_FILTERS,
        ),
        _kpi(
            "resolution_median_min",
            "Resolution time, median",
            "minutes",
            _RESOLUTION,
            """Median of resolved_at − created_at over tickets with resolved_at in the window
            (linear interpolation).""",
            lower_is_better=True,
            filters=TICKET_FILTERS,
        ),
        _kpi(
            "resolution_p90_min",
            "Resolution time, 90th percentile",
            "minutes",
            _RESOLUTION,
            """90th percentile of resolved_at − created_at over tickets with resolved_at in
            the window (linear interpolation).""",
            lower_is_better=True,
            filters=TICKET_FILTERS,
        ),
        _kpi(
            "backlog_open",
            "Open backlog",
            "count",
            _BACKLOG,
            """Tickets open at as_of: created_at <= as_of and resolved_at null or after
            as_of.""",
            lower_is_better=True,
            filters=TICKET_FILTERS,
        ),
        _kpi(
            "sla_frt_compliance",
            "First response SLA compliance",
            "share",
            _CREATED,
            f"Over tickets created in the window, met / (met + breached) for first response: "
            f"{_SLA_RULE}",
            filters=TICKET_FILTERS,
        ),
        _kpi(
            "sla_resolution_compliance",
            "Resolution SLA compliance",
            "share",
            _CREATED,
            f"Over tickets created in the window, met / (met + breached) for resolution: "
            f"{_SLA_RULE}",
            filters=TICKET_FILTERS,
        ),
        _kpi(
            "csat",
            "CSAT",
            "share",
            _SURVEYS,
            "Share of CSAT responses (1..5) in the window scoring 4 or 5.",
        ),
        _kpi("csat_avg", "CSAT, mean score", "score", _SURVEYS, "Mean CSAT score (1..5)."),
        _kpi(
            "csat_responses",
            "CSAT responses",
            "count",
            _SURVEYS,
            "CSAT responses in the window.",
            lower_is_better=None,
        ),
        _kpi(
            "nps",
            "NPS",
            "nps",
            _SURVEYS,
            """100 × (promoters 9–10 − detractors 0–6) / NPS responses in the window
            (−100..100).""",
        ),
        _kpi(
            "nps_responses",
            "NPS responses",
            "count",
            _SURVEYS,
            "NPS responses in the window.",
            lower_is_better=None,
        ),
        _kpi(
            "ces_avg",
            "CES, mean score",
            "score",
            _SURVEYS,
            "Mean CES score (1..7, higher = easier) of responses in the window.",
        ),
        _kpi(
            "grr",
            "Gross revenue retention",
            "share",
            _RETENTION,
            """Σ min(ending, starting) / Σ starting over the accounts with ARR > 0 on start;
            ending ARR is the same accounts' ARR on end + 1 day.""",
        ),
        _kpi(
            "nrr",
            "Net revenue retention",
            "share",
            _RETENTION,
            """Σ ending / Σ starting over the accounts with ARR > 0 on start; ending ARR is
            their ARR on end + 1 day.""",
        ),
        _kpi(
            "logo_churn_rate",
            "Logo churn rate",
            "share",
            _RETENTION,
            """Accounts with ARR > 0 on start and ARR 0 on end + 1 day, over the accounts
            with ARR > 0 on start.""",
            lower_is_better=True,
        ),
        _kpi(
            "revenue_churn_rate",
            "Revenue churn rate",
            "share",
            _RETENTION,
            "1 − GRR.",
            lower_is_better=True,
        ),
        _kpi(
            "arr_total",
            "ARR",
            "cents",
            _ARR,
            """Σ ARR of all accounts on the UTC day of as_of: subscriptions with start_date <=
            day < end_date (null end = open-ended).""",
        ),
        _kpi(
            "renewal_rate_count",
            "Renewal rate (count)",
            "share",
            _RENEWALS,
            "Over renewals due in the window with an outcome: won / (won + lost).",
        ),
        _kpi(
            "renewal_rate_arr",
            "Renewal rate (ARR)",
            "share",
            _RENEWALS,
            """Over renewals due in the window: Σ over won of min(renewed_arr, current_arr) /
            Σ over won and lost of current_arr.""",
        ),
        _kpi(
            "weighted_forecast_arr",
            "Weighted forecast",
            "cents",
            _RENEWALS,
            """Σ over open renewals due in the window not in the omitted category of
            expected_arr (or current_arr) × probability (explicit, else the stage default),
            plus Σ renewed_arr of the renewals due in the window already won.""",
        ),
        _kpi(
            "commit_arr",
            "Commit",
            "cents",
            _RENEWALS,
            """Σ expected_arr (or current_arr) of open renewals due in the window in the
            commit category, plus Σ renewed_arr of those already won.""",
        ),
        _kpi(
            "best_case_arr",
            "Best case",
            "cents",
            _RENEWALS,
            """Σ expected_arr (or current_arr) of open renewals due in the window in the
            commit or best_case categories, plus Σ renewed_arr of those already won.""",
        ),
        _kpi(
            "pipeline_arr",
            "Pipeline",
            "cents",
            _RENEWALS,
            """Σ expected_arr (or current_arr) of open renewals due in the window in the
            commit, best_case or pipeline categories, plus Σ renewed_arr of those already
            won.""",
        ),
        _kpi(
            "at_risk_arr",
            "ARR at risk",
            "cents",
            _RENEWALS,
            """Σ current_arr of open renewals due in the window with risk = high or whose
            account's latest health snapshot on or before as_of is in the red band.""",
            lower_is_better=True,
        ),
    )
}
"""Every KPI by key, in the order of KPI_DEFINITIONS.md."""


def _keys(keys: Iterable[str] | None) -> list[str]:
    chosen = list(KPIS) if keys is None else list(keys)
    unknown = [key for key in chosen if key not in KPIS]
    if unknown:
        raise ValueError(f"unknown KPI {', '.join(unknown)} (known: {', '.join(KPIS)})")
    return chosen


def _groups(keys: Sequence[str]) -> list[_Group]:
    groups: list[_Group] = []
    for key in keys:
        if KPIS[key].group not in groups:
            groups.append(KPIS[key].group)
    return groups


def _compute(
    connection: Connection, window: Window, filters: KpiFilter, keys: Sequence[str]
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for group in _groups(keys):
        values.update(group.compute(connection, [window], filters)[0])
    return {key: values[key] for key in keys}


def compute_kpis(
    bind: Bind,
    *,
    start: date,
    end: date,
    as_of: datetime | None = None,
    filters: KpiFilter = NO_FILTER,
    keys: Iterable[str] | None = None,
) -> dict[str, Any]:
    """Every KPI (or those in ``keys``) over the whole UTC days ``[start, end]``, by key in
    registry order. ``as_of`` defaults to the end of ``end`` day, or now when that is earlier.
    Counts and money (cents) are ints, ratios floats 0..1 (NPS −100..100), durations minutes;
    None where a KPI is undefined (nothing to divide by)."""
    chosen = _keys(keys)
    window = make_window(start, end, as_of)
    with connect(bind) as connection:
        return _compute(connection, window, filters, chosen)


def series_frame(
    bind: Bind,
    keys: Iterable[str] | None = None,
    *,
    start: date,
    end: date,
    grain: Grain = "day",
    as_of: datetime | None = None,
    filters: KpiFilter = NO_FILTER,
) -> pd.DataFrame:
    """KPIs per period of ``grain`` (weeks start on Monday, months are calendar months, both
    clipped to the window): columns ``period_start``, ``period_end``, one per key and, for
    each key that stands on a count (``density.BASIS``), ``<key>_n``: that count.

    Each period is computed as ``compute_kpis(start=period start, end=period end, as_of)``,
    except ``backlog_open`` and ``arr_total``, measured at the period's end (or at ``as_of``
    when that is earlier). Undefined values are NaN."""
    chosen = _keys(keys)
    window = make_window(start, end, as_of)
    buckets = split_window(window, grain)
    columns: dict[str, list[Any]] = {}
    with connect(bind) as connection:
        for group in _groups(chosen):
            windows = buckets
            if group.point_in_time:
                windows = [replace(b, as_of=min(end_of_day(b.end), window.as_of)) for b in buckets]
            for values in group.compute(connection, windows, filters):
                for key, value in values.items():
                    columns.setdefault(key, []).append(value)
    frame = pd.DataFrame(
        {
            "period_start": pd.to_datetime([b.start for b in buckets]),
            "period_end": pd.to_datetime([b.end for b in buckets]),
        }
    )
    for key in chosen:
        whole = KPIS[key].unit in WHOLE_UNITS
        frame[key] = pd.Series(columns[key], dtype="int64" if whole else "float64")
        if key in BASIS:
            frame[f"{key}_n"] = pd.Series(columns[BASIS[key]], dtype="int64")
    return frame


def kpi_series(
    bind: Bind,
    key: str,
    *,
    start: date,
    end: date,
    grain: Grain = "day",
    as_of: datetime | None = None,
    filters: KpiFilter = NO_FILTER,
) -> pd.DataFrame:
    """One KPI per period: columns ``period_start`` and ``value`` (see ``series_frame``)."""
    frame = series_frame(
        bind, [key], start=start, end=end, grain=grain, as_of=as_of, filters=filters
    )
    return frame[["period_start", key]].rename(columns={key: "value"})


class Change(NamedTuple):
    """A KPI in a window and in the window before: ``delta`` = current − previous (None when
    either is undefined). ``n`` and ``previous_n``: the count each value stands on (None for
    counts and amounts, see ``density.BASIS``). ``comparable`` is False when the window before
    has too little data to compare with: the data begins after its first day, or its value
    stands on fewer than the basis' minimum (``density.MINIMUM``)."""

    current: Any
    previous: Any
    delta: Any
    n: int | None = None
    previous_n: int | None = None
    comparable: bool = True


def compare_previous(
    bind: Bind,
    *,
    start: date,
    end: date,
    as_of: datetime | None = None,
    filters: KpiFilter = NO_FILTER,
    keys: Iterable[str] | None = None,
) -> dict[str, Change]:
    """Each KPI over ``[start, end]`` and over the window of the same length right before it
    (its ``as_of`` moved back by the window's length), with the difference, the counts both
    stand on and whether the window before has enough data to compare with."""
    chosen = _keys(keys)
    window = make_window(start, end, as_of)
    before = previous_window(window)
    current: dict[str, Any] = {}
    previous: dict[str, Any] = {}
    covered: dict[str, bool] = {}
    begins: dict[str, date | None] = {}
    with connect(bind) as connection:
        for group in _groups(chosen):
            if group.judged_at_as_of:
                pair = [group.compute(connection, [w], filters)[0] for w in (before, window)]
            else:  # the two windows are consecutive: one run
                pair = group.compute(connection, [before, window], filters)
            previous.update(pair[0])
            current.update(pair[1])
            column = str(group.since)
            if column not in begins:
                begins[column] = first_day(connection, group.since)
            since = begins[column]
            for key in pair[0]:
                covered[key] = since is not None and since <= before.start
    changes = {}
    for key in chosen:
        basis = BASIS.get(key)
        n, previous_n = (None, None) if basis is None else (current[basis], previous[basis])
        now, then = current[key], previous[key]
        changes[key] = Change(
            now,
            then,
            None if now is None or then is None else now - then,
            n,
            previous_n,
            covered[key] and not is_thin(key, previous_n),
        )
    return changes


def trend(
    bind: Bind,
    keys: Iterable[str] | None = None,
    *,
    start: date,
    end: date,
    grain: Grain = "day",
    as_of: datetime | None = None,
    filters: KpiFilter = NO_FILTER,
) -> tuple[dict[str, Change], pd.DataFrame]:
    """``compare_previous`` and ``series_frame`` of the same KPIs and window, on one
    connection: what a row of KPI cards with sparklines shows."""
    with connect(bind) as connection:
        changes = compare_previous(
            connection, start=start, end=end, as_of=as_of, filters=filters, keys=keys
        )
        series = series_frame(
            connection, keys, start=start, end=end, grain=grain, as_of=as_of, filters=filters
        )
    return changes, series


def retention_trend(
    bind: Bind,
    keys: Iterable[str] = revenue.RETENTION_KEYS,
    *,
    start: date,
    end: date,
    filters: KpiFilter = NO_FILTER,
    concurrent: bool = False,
) -> pd.DataFrame:
    """Retention KPIs over meaningful cohorts: one point per month end of ``[start, end]``
    (at least the last ``density.RETENTION_TREND_POINTS``, and ``end`` itself when it is no
    month end), each over the 365 days ending that day (``density.trend_window``). Columns
    ``period_start`` (the cohort's day), ``period_end`` (the point's day), one per key and
    ``<key>_n`` (the cohort's accounts). With ``concurrent`` and an engine, the points are
    computed in two halves at once, each on a connection and thread of its own: each half
    reads every subscription, but does half the sums, which are most of the work (at scale
    L on SQLite, 0.84 instead of 1.5 s on two idle cores, bench/README.md)."""
    chosen = _keys(keys)
    outside = [key for key in chosen if KPIS[key].group is not _RETENTION]
    if outside:
        raise ValueError(f"not a retention KPI: {', '.join(outside)}")
    days = retention_trend_days(start, end)
    windows = [make_window(*trend_window(day)) for day in days]
    values = _retention_over(bind, windows, filters, concurrent=concurrent)
    frame = pd.DataFrame(
        {
            "period_start": pd.to_datetime([w.start for w in windows]),
            "period_end": pd.to_datetime(days),
        }
    )
    for key in chosen:
        frame[key] = pd.Series([v[key] for v in values], dtype="float64")
        frame[f"{key}_n"] = pd.Series([v["cohort_accounts"] for v in values], dtype="int64")
    return frame


def _retention_over(
    bind: Bind, windows: list[Window], filters: KpiFilter, *, concurrent: bool
) -> list[dict[str, Any]]:
    """``revenue.retention_over`` of ``windows``; with ``concurrent`` and an engine, its two
    halves at once (see ``retention_trend``)."""

    def over(some: list[Window]) -> list[dict[str, Any]]:
        with connect(bind) as connection:
            return revenue.retention_over(connection, some, filters)

    if not (concurrent and isinstance(bind, Engine)) or len(windows) < 2:
        return over(windows)
    half = len(windows) // 2
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="retention-trend-half") as own:
        later = own.submit(over, windows[half:])
        return over(windows[:half]) + later.result()
