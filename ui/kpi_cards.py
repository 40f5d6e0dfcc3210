"""KPI cards, the one helper for them: a registry KPI's value, its change against the previous
window (an arrow, and a colour saying whether the change is good; or a note that the window
before has too little data to compare with), its definition as help text and, when a trend is
given, a sparkline, drawn by ``ui.card_grid``; the formatter of KPI values and changes; and
the cached loaders of the changes and trends the KPI pages show."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import pandas as pd
import streamlit as st

from cs_data import kpi
from cs_data.db import get_engine
from cs_data.kpi import density
from ui import card_grid
from ui.card_grid import Arrow, Card, Tone
from ui.i18n import format_count, format_money, format_number, format_percent, t
from ui.page_data import CACHE_MAX_ENTRIES, CACHE_TTL_SECONDS, DataKey

MINUTES_PER_HOUR = 60
MINUTES_PER_DAY = 24 * 60
MINUS = "\u2212"
"""The minus sign of signed figures (as in the charts' axes), not the hyphen."""
MAX_PER_ROW = 5
"""Cards per row; the labels (``kpi_text.<key>``) are kept short enough for five at 1440 px."""
_NONZERO = re.compile(r"[1-9]")


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=CACHE_MAX_ENTRIES, show_spinner=False)
def load_changes(
    data_key: DataKey,
    start: date,
    end: date,
    as_of: datetime,
    where: kpi.KpiFilter,
    keys: tuple[str, ...],
) -> dict[str, kpi.Change]:
    """``keys`` over the window and their change against the window before; the cache is keyed
    by every argument."""
    return kpi.compare_previous(
        get_engine(), start=start, end=end, as_of=as_of, filters=where, keys=keys
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=CACHE_MAX_ENTRIES, show_spinner=False)
def load_series(
    data_key: DataKey,
    keys: tuple[str, ...],
    start: date,
    end: date,
    as_of: datetime,
    grain: kpi.Grain,
    where: kpi.KpiFilter,
) -> pd.DataFrame:
    """``keys`` per period of ``grain`` with the counts behind them (``kpi.series_frame``)."""
    return kpi.series_frame(
        get_engine(), keys, start=start, end=end, grain=grain, as_of=as_of, filters=where
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=CACHE_MAX_ENTRIES, show_spinner=False)
def load_retention_trend(
    data_key: DataKey, days: tuple[date, ...], where: kpi.KpiFilter
) -> pd.DataFrame:
    """GRR, NRR and churn over the trailing year at each of ``days``, the points of a window
    (``density.retention_trend_days``): ``kpi.retention_trend`` from the first to the last
    gives those points again. Keyed by the points, the trend is shared by every window that
    ends on the same day and starts within the year before it."""
    return kpi.retention_trend(
        get_engine(), start=days[0], end=days[-1], filters=where, concurrent=True
    )


def format_minutes(minutes: float | None) -> str:
    """A duration held in minutes: minutes below 2 hours, hours below 2 days, else days."""
    if minutes is None:
        return t("fmt.none")
    size = abs(minutes)
    sign = MINUS if minutes < 0 else ""
    if size < 2 * MINUTES_PER_HOUR:
        return sign + t("fmt.minutes", value=f"{size:,.0f}")
    if size < 2 * MINUTES_PER_DAY:
        return sign + t("fmt.hours", value=f"{size / MINUTES_PER_HOUR:,.1f}")
    return sign + t("fmt.days", value=f"{size / MINUTES_PER_DAY:,.1f}")


def _size(unit: str, size: Any, *, change: bool) -> str:
    """A non-negative value (or size of a change) of ``unit``, without a sign."""
    if unit == "count":
        return format_count(size)
    if unit == "minutes":
        return format_minutes(size)
    if unit == "share":
        return t("fmt.points", value=f"{size * 100:.1f}") if change else format_percent(size)
    if unit == "nps":
        return format_number(size, digits=0)
    if unit == "score":
        return format_number(size, digits=2)
    return format_money(size, compact=True)


def format_kpi(key: str, value: Any, *, signed: bool = False) -> str:
    """A KPI value in its unit (``—`` when undefined); with ``signed``, a change against the
    previous window: ``+`` or ``−`` in front of its size (``+$20K``, ``−25 min``, shares in
    percentage points: ``−1.2 pp``), and no sign when it shows as zero (``$0``, ``0.0 pp``).
    NPS values carry their sign too (``+39``)."""
    if value is None:
        return t("fmt.none")
    unit = kpi.KPIS[key].unit
    text = _size(unit, abs(value), change=signed)
    if not _NONZERO.search(text):
        return text
    if value < 0:
        return MINUS + text
    return "+" + text if signed or unit == "nps" else text


def delta_style(key: str, delta: Any) -> tuple[Tone, Arrow]:
    """The card's delta colour and arrow for a change of ``key``: gray without an arrow when the
    change shows as zero or is undefined; else the arrow of its sign, green when it is good
    (down when lower is better) and red when bad, gray for volumes (neither)."""
    text = format_kpi(key, delta, signed=True)
    sign = 1 if text.startswith("+") else -1 if text.startswith(MINUS) else 0
    if not sign:
        return "gray", "off"
    arrow = "up" if sign > 0 else "down"
    lower_is_better = kpi.KPIS[key].lower_is_better
    if lower_is_better is None:
        return "gray", arrow
    return ("green" if (sign < 0) == lower_is_better else "red"), arrow


def sparkline(trend: pd.DataFrame, key: str) -> list[float]:
    """The KPI's values per period (``value`` and ``n`` columns), leaving out undefined periods
    and those standing on fewer than the minimum responses, tickets or accounts."""
    kept = [
        float(value)
        for value, n in zip(trend["value"], trend["n"], strict=True)
        if not pd.isna(value) and not density.is_thin(key, None if pd.isna(n) else int(n))
    ]
    return kept if len(kept) > 1 else []


def card_help(key: str, change: kpi.Change, *, trailing_year: bool = False) -> str:
    """The card's help: the definition, the previous value, the counts both stand on and,
    for a trend over the trailing year, what its line shows."""
    parts = [
        t(
            "kpi_text.help",
            definition=t(f"kpi_text.{key}.help"),
            previous=format_kpi(key, change.previous),
        )
    ]
    basis = density.BASIS.get(key)
    if basis is not None:
        parts.append(
            t(
                "kpi_text.basis_help",
                basis=t(f"chart.basis.{basis}"),
                current=format_count(change.n or 0),
                previous=format_count(change.previous_n or 0),
            )
        )
    if not change.comparable:
        parts.append(t("kpi_text.thin_previous_help"))
    if trailing_year:
        parts.append(t("kpi_text.trend_year_help"))
    return " ".join(parts)


def kpi_card(key: str, change: kpi.Change, trend: pd.DataFrame | None = None) -> Card:
    """The card of ``key``: value, change, definition (and previous value) as help text and,
    when ``trend`` (``value`` and ``n`` per period) is given, its sparkline. When the window
    before has too little data, the change gives way to a note saying so."""
    tone, arrow = delta_style(key, change.delta)
    delta = None if change.delta is None else format_kpi(key, change.delta, signed=True)
    if not change.comparable:
        delta, tone, arrow = t("kpi_text.thin_previous"), "gray", "off"
    return Card(
        label=t(f"kpi_text.{key}"),
        value=format_kpi(key, change.current),
        help=card_help(
            key, change, trailing_year=trend is not None and key in kpi.RETENTION_TREND_KEYS
        ),
        delta=delta,
        tone=tone,
        arrow=arrow,
        trend=sparkline(trend, key) if trend is not None else (),
        area=kpi.KPIS[key].unit in ("count", "cents"),
    )


def kpi_cards(
    changes: Mapping[str, kpi.Change],
    keys: Sequence[str],
    *,
    series: Mapping[str, pd.DataFrame] | None = None,
    per_row: int = MAX_PER_ROW,
) -> None:
    """One card per key, ``per_row`` to a row, drawn as one element (``ui.card_grid``); with
    ``series`` (key → trend with ``value`` and ``n``), each card has a sparkline."""
    card_grid.show(
        [kpi_card(key, changes[key], None if series is None else series[key]) for key in keys],
        per_row=per_row,
    )
