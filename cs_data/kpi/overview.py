"""Everything the Overview page shows, computed on one connection (or two, ``concurrent``)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pandas as pd
from sqlalchemy import Engine

from cs_data.kpi.density import trend_grain
from cs_data.kpi.registry import (
    Change,
    compare_previous,
    compute_kpis,
    retention_trend,
    series_frame,
)
from cs_data.kpi.renewals import renewals_due_arr
from cs_data.kpi.revenue import RETENTION_KEYS, account_count, arr_total
from cs_data.kpi.scope import NO_FILTER, Grain, leading_window, trailing_window
from cs_data.kpi.sql import Bind, connect

CARD_KEYS = (
    "tickets_created",
    "backlog_open",
    "frt_median_min",
    "sla_frt_compliance",
    "csat",
    "nps",
    "grr",
    "nrr",
    "logo_churn_rate",
    "renewal_rate_arr",
)
"""The KPIs on the Overview's cards: support load and speed, sentiment, retention."""
RETENTION_CARD_KEYS = tuple(key for key in CARD_KEYS if key in RETENTION_KEYS)
"""The cards whose trend is ``retention_trend`` (one point per month end)."""
RetentionTrend = Callable[[date, date], pd.DataFrame]
"""The retention cards' trend over ``[start, end]``, as ``retention_trend`` computes it."""


@dataclass(frozen=True)
class Overview:
    """The Overview page's figures as of one instant: the customer base, and each card KPI
    over the trailing ``recent`` days against the days before, with its trend."""

    as_of: datetime
    recent: tuple[date, date]
    """Window of the card KPIs (the trailing days up to ``as_of``)."""
    upcoming: tuple[date, date]
    """Window of the renewals due (the days from ``as_of`` on)."""
    accounts: int
    arr_cents: int
    renewals_due_arr_cents: int
    """Current ARR of the open renewals due in ``upcoming``."""
    at_risk_arr_cents: int
    """``at_risk_arr`` over ``upcoming``: the part of it at high risk or with a red account."""
    changes: dict[str, Change]
    """Each of ``CARD_KEYS`` over ``recent`` against the same number of days before."""
    series: dict[str, pd.DataFrame]
    """Each of ``CARD_KEYS``' trend (``period_start``, ``period_end``, ``value`` and ``n``, the
    count it stands on or None): the retention KPIs over the trailing year at each month end
    (``retention_trend``), the others over ``recent`` at the grain their density allows
    (``density.trend_grain``: by day, unless too few responses, tickets or renewals)."""

    @property
    def has_data(self) -> bool:
        """False when the database holds nothing any of these figures counts."""
        counted = (self.changes[key].current for key in ("tickets_created", "backlog_open"))
        return any((self.accounts, self.arr_cents, self.renewals_due_arr_cents, *counted))


def overview(
    bind: Bind,
    *,
    as_of: datetime,
    recent_days: int = 30,
    upcoming_days: int = 90,
    concurrent: bool = False,
    kept_trend: RetentionTrend | None = None,
) -> Overview:
    """Accounts and ARR at ``as_of``; the card KPIs over the trailing ``recent_days`` (with
    the previous window and a trend); open renewal ARR due in the ``upcoming_days`` from
    ``as_of`` on, and the part of it at risk. With ``concurrent`` and an engine, the retention
    trend (about half the work at scale L) is computed on a connection of its own, in a thread
    beside the rest: the queries run outside Python's lock, so on two cores the Overview takes
    about as long as the longer part (bench/README.md). ``kept_trend`` gives the retention
    trend instead, for a caller that keeps it (it reads fewer tables than the rest)."""
    recent = trailing_window(as_of, recent_days)

    def retention(on: Bind) -> pd.DataFrame:
        if kept_trend is not None:
            return kept_trend(*recent)
        return retention_trend(
            on, RETENTION_CARD_KEYS, start=recent[0], end=recent[1], concurrent=concurrent
        )

    if not (concurrent and isinstance(bind, Engine)):
        return _overview(bind, as_of, recent, upcoming_days, retention=retention)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="retention-trend") as own:
        trend = own.submit(retention, bind)
        return _overview(bind, as_of, recent, upcoming_days, retention=lambda _: trend.result())


def _overview(
    bind: Bind,
    as_of: datetime,
    recent: tuple[date, date],
    upcoming_days: int,
    *,
    retention: Callable[[Bind], pd.DataFrame],
) -> Overview:
    """``overview`` with the retention cards' trend from ``retention`` (given the connection)."""
    upcoming = leading_window(as_of, upcoming_days)
    with connect(bind) as connection:
        changes = compare_previous(
            connection, start=recent[0], end=recent[1], as_of=as_of, keys=CARD_KEYS
        )
        return Overview(
            as_of=as_of,
            recent=recent,
            upcoming=upcoming,
            accounts=account_count(connection),
            arr_cents=arr_total(connection, as_of.astimezone(UTC).date(), filters=NO_FILTER),
            renewals_due_arr_cents=renewals_due_arr(connection, *upcoming),
            at_risk_arr_cents=compute_kpis(
                connection, start=upcoming[0], end=upcoming[1], as_of=as_of, keys=["at_risk_arr"]
            )["at_risk_arr"],
            changes=changes,
            series=card_series(connection, changes, recent, as_of, retention(connection)),
        )


def card_series(
    connection: Bind,
    changes: dict[str, Change],
    recent: tuple[date, date],
    as_of: datetime,
    retention_frame: pd.DataFrame,
) -> dict[str, pd.DataFrame]:
    """The trend of each card KPI (see ``Overview.series``); ``changes`` gives the counts
    that decide each one's grain, ``retention_frame`` is the retention cards' trend."""
    by_grain: dict[Grain, list[str]] = {}
    for key in CARD_KEYS:
        if key not in RETENTION_KEYS:
            grain = trend_grain(key, *recent, changes[key].n)
            by_grain.setdefault(grain, []).append(key)
    frames = {}
    for grain, keys in by_grain.items():
        frame = series_frame(
            connection, keys, start=recent[0], end=recent[1], grain=grain, as_of=as_of
        )
        frames.update({key: _one(frame, key) for key in keys})
    frames.update({key: _one(retention_frame, key) for key in RETENTION_CARD_KEYS})
    return {key: frames[key] for key in CARD_KEYS}


def _one(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """``key``'s columns of a series frame as ``period_start``, ``period_end``, ``value``, ``n``."""
    n = frame[f"{key}_n"] if f"{key}_n" in frame else pd.Series([None] * len(frame), dtype=object)
    return pd.DataFrame(
        {
            "period_start": frame["period_start"],
            "period_end": frame["period_end"],
            "value": frame[key],
            "n": n.to_numpy(),
        }
    )
