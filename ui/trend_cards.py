"""KPI cards with a trend: value, change against the previous window (coloured by whether
lower is better), the definition as help text, and a sparkline of the window's series."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import streamlit as st

from cs_data import kpi
from ui.i18n import format_money, t
from ui.kpi_cards import delta_color, format_kpi

MAX_PER_ROW = 5


def sparkline(series: pd.DataFrame, key: str) -> list[float]:
    """The KPI's values per period, undefined periods left out."""
    return [float(value) for value in series[key].dropna()]


def format_delta(key: str, delta: float | None) -> str | None:
    """A change in ``key``'s unit with its sign in front (money too: ``-$20K``)."""
    if delta is None:
        return None
    if kpi.KPIS[key].unit == "cents":
        return ("-" if delta < 0 else "+") + format_money(abs(delta), compact=True)
    return format_kpi(key, delta, signed=True)


def trend_cards(
    changes: Mapping[str, kpi.Change], series: pd.DataFrame, keys: Sequence[str]
) -> None:
    """One bordered metric per key, at most ``MAX_PER_ROW`` to a row."""
    for first in range(0, len(keys), MAX_PER_ROW):
        row = keys[first : first + MAX_PER_ROW]
        for column, key in zip(st.columns(MAX_PER_ROW)[: len(row)], row, strict=True):
            change = changes[key]
            column.metric(
                t(f"kpi_text.{key}"),
                format_kpi(key, change.current),
                delta=format_delta(key, change.delta),
                delta_color="off" if change.delta == 0 else delta_color(key),
                help=t(
                    "kpi_text.help",
                    definition=t(f"kpi_text.{key}.help"),
                    previous=format_kpi(key, change.previous),
                ),
                border=True,
                chart_data=sparkline(series, key) or None,
                chart_type="area" if kpi.KPIS[key].unit in ("count", "cents") else "line",
            )
