"""The one chart helper: Altair charts with the app's colours, axis formats and tooltips.

Every chart has a title, axis titles that carry the unit, and a tooltip. Data reaching a
chart is already aggregated (Altair ships its whole dataset to the browser).
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from ui.i18n import t

CHART_HEIGHT = 320
FALLBACK_COLOR = "#2563EB"


def _primary_color() -> str:
    return st.get_option("theme.primaryColor") or FALLBACK_COLOR


def daily_bars(
    data: pd.DataFrame,
    *,
    day: str,
    value: str,
    title: str,
    subtitle: str,
    day_title: str,
    value_title: str,
    value_format: str = ",d",
) -> alt.Chart:
    """Bars per calendar day: ``day`` holds midnight timestamps, ``value`` the bar heights."""
    return (
        alt.Chart(data, title=alt.TitleParams(title, subtitle=subtitle, anchor="start"))
        .mark_bar(color=_primary_color(), cornerRadiusTopLeft=3, cornerRadiusTopRight=3)
        .encode(
            x=alt.X(
                f"{day}:T",
                timeUnit="yearmonthdate",
                title=day_title,
                axis=alt.Axis(format=t("chart.axis_day"), labelAngle=0, tickCount="week"),
            ),
            y=alt.Y(
                f"{value}:Q",
                title=value_title,
                axis=alt.Axis(format=value_format, tickMinStep=1),
            ),
            tooltip=[
                alt.Tooltip(
                    f"{day}:T",
                    timeUnit="yearmonthdate",
                    title=day_title,
                    format=t("chart.tooltip_day"),
                ),
                alt.Tooltip(f"{value}:Q", title=value_title, format=value_format),
            ],
        )
        .properties(height=CHART_HEIGHT)
    )


def show(chart: alt.Chart) -> None:
    """Render a chart from this module at the full width of its container."""
    st.altair_chart(chart, width="stretch")
