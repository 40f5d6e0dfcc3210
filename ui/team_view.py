"""The Team page's tables: one row per person (sortable by any column) and, above it, the team
median of each column for comparison; every column carries its definition as help text."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import streamlit as st

from cs_data.kpi import team
from ui.i18n import money_column_format, t

MINUTES_PER_HOUR = 60
CENTS_PER_DOLLAR = 100
AGENT_KINDS = {
    "tickets": "count",
    "frt_median_min": "hours",
    "resolution_median_min": "hours",
    "sla_frt_compliance": "share",
    "csat": "share",
    "csat_responses": "count",
}
CSM_KINDS = {
    "accounts": "count",
    "book_arr_cents": "money",
    "renewals_due": "count",
    "renewals_due_arr_cents": "money",
    "renewal_rate": "share",
}
PERCENT = 100
FORMATS = {"count": "%d", "hours": "%.1f", "share": "%.1f%%"}
"""printf formats of the columns; amounts take the currency's (``money_column_format``)."""
WIDTHS = {"name": 170, "count": 105, "hours": 165, "share": 120, "money": 150}
"""Column widths in pixels, the same in the median table and the table under it, so that
their columns line up."""
MAX_ROWS_IN_FULL = 20
"""A team of up to this many people is shown without scrolling inside the table."""
SCALES = {"hours": 1 / MINUTES_PER_HOUR, "money": 1 / CENTS_PER_DOLLAR, "share": PERCENT}


def _display(frame: pd.DataFrame, kinds: Mapping[str, str], who: str) -> pd.DataFrame:
    """The name and ``kinds`` columns, hours and dollars scaled, under translated titles."""
    shown = pd.DataFrame({t(f"team.col_{who}"): frame["name"]})
    for column, kind in kinds.items():
        shown[t(f"team.col_{column}")] = frame[column] * SCALES.get(kind, 1)
    return shown


def _config(kinds: Mapping[str, str], who: str) -> dict[str, object]:
    config: dict[str, object] = {
        t(f"team.col_{who}"): st.column_config.TextColumn(
            width=WIDTHS["name"], help=t(f"team.col_{who}.help")
        )
    }
    for column, kind in kinds.items():
        config[t(f"team.col_{column}")] = st.column_config.NumberColumn(
            format=money_column_format() if kind == "money" else FORMATS[kind],
            width=WIDTHS[kind],
            step=1 if kind == "money" else None,
            help=t(f"team.col_{column}.help"),
        )
    return config


def team_table(frame: pd.DataFrame, kinds: Mapping[str, str], who: str, sort_by: str) -> None:
    """The team median row, then one row per person, largest ``sort_by`` first."""
    medians = team.team_medians(frame, list(kinds))
    median_row = pd.DataFrame(
        {
            "name": [t("team.median")],
            **{key: pd.Series([value], dtype="float64") for key, value in medians.items()},
        }
    )
    config = _config(kinds, who)
    st.caption(t("team.median_caption"))
    shown = {"hide_index": True, "column_config": config, "placeholder": t("fmt.none")}
    st.dataframe(_display(median_row, kinds, who), width="stretch", **shown)
    ordered = frame.sort_values([sort_by, "name"], ascending=[False, True], na_position="last")
    height = "content" if len(ordered) <= MAX_ROWS_IN_FULL else "auto"
    st.dataframe(_display(ordered, kinds, who), width="stretch", height=height, **shown)
