"""The Team page's tables: one row per person (sortable by any column) and, above it, the team
median of each column for comparison; every column carries its definition as help text."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import streamlit as st

from cs_data.kpi import team
from ui.i18n import t

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
FORMATS = {"count": "%d", "hours": "%.1f", "share": "%.1f%%", "money": "dollar"}
SCALES = {"hours": 1 / MINUTES_PER_HOUR, "money": 1 / CENTS_PER_DOLLAR, "share": PERCENT}


def _display(frame: pd.DataFrame, kinds: Mapping[str, str], who: str) -> pd.DataFrame:
    """The name and ``kinds`` columns, hours and dollars scaled, under translated titles."""
    shown = pd.DataFrame({t(f"team.col_{who}"): frame["name"]})
    for column, kind in kinds.items():
        shown[t(f"team.col_{column}")] = frame[column] * SCALES.get(kind, 1)
    return shown


def _config(kinds: Mapping[str, str], who: str) -> dict[str, object]:
    config: dict[str, object] = {
        t(f"team.col_{who}"): st.column_config.TextColumn(help=t(f"team.col_{who}.help"))
    }
    for column, kind in kinds.items():
        config[t(f"team.col_{column}")] = st.column_config.NumberColumn(
            format=FORMATS[kind],
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
    st.dataframe(
        _display(median_row, kinds, who), hide_index=True, width="stretch", column_config=config
    )
    ordered = frame.sort_values([sort_by, "name"], ascending=[False, True], na_position="last")
    st.dataframe(
        _display(ordered, kinds, who), hide_index=True, width="stretch", column_config=config
    )
