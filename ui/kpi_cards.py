"""KPI cards: a registry KPI's value, its change against the previous window (coloured by
whether lower is better), and its definition as help text, in the session's language."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import streamlit as st

from cs_data import kpi
from ui.i18n import format_count, format_money, format_number, format_percent, t

MINUTES_PER_HOUR = 60
MINUTES_PER_DAY = 24 * 60


def format_minutes(minutes: float | None, *, signed: bool = False) -> str:
    """A duration held in minutes: minutes below 2 hours, hours below 2 days, else days."""
    if minutes is None:
        return t("fmt.none")
    sign = "+" if signed else ""
    size = abs(minutes)
    if size < 2 * MINUTES_PER_HOUR:
        return t("fmt.minutes", value=f"{minutes:{sign},.0f}")
    if size < 2 * MINUTES_PER_DAY:
        return t("fmt.hours", value=f"{minutes / MINUTES_PER_HOUR:{sign},.1f}")
    return t("fmt.days", value=f"{minutes / MINUTES_PER_DAY:{sign},.1f}")


def format_kpi(key: str, value: Any, *, signed: bool = False) -> str:
    """A KPI value in its unit (a change when ``signed``: shares then in percentage points)."""
    if value is None:
        return t("fmt.none")
    unit = kpi.KPIS[key].unit
    if unit == "count":
        return f"{value:+,d}" if signed else format_count(value)
    if unit == "minutes":
        return format_minutes(value, signed=signed)
    if unit == "share":
        if signed:
            return t("fmt.points", value=f"{value * 100:+.1f}")
        return format_percent(value)
    if unit == "nps":
        return format_number(value, digits=0, signed=True)
    if unit == "score":
        return format_number(value, digits=2, signed=signed)
    return format_money(value, compact=True)


def delta_color(key: str) -> str:
    """``inverse`` when lower is better, ``normal`` when higher is, ``off`` when neither."""
    lower_is_better = kpi.KPIS[key].lower_is_better
    if lower_is_better is None:
        return "off"
    return "inverse" if lower_is_better else "normal"


def kpi_cards(changes: Mapping[str, kpi.Change], keys: Sequence[str], *, per_row: int = 5) -> None:
    """One bordered metric per key, ``per_row`` to a row."""
    columns = [column for _ in range(0, len(keys), per_row) for column in st.columns(per_row)]
    for column, key in zip(columns, keys, strict=False):
        change = changes[key]
        column.metric(
            t(f"kpi_text.{key}"),
            format_kpi(key, change.current),
            delta=None if change.delta is None else format_kpi(key, change.delta, signed=True),
            delta_color=delta_color(key),
            help=t(
                "kpi_text.help",
                definition=t(f"kpi_text.{key}.help"),
                previous=format_kpi(key, change.previous),
            ),
            border=True,
        )
