"""Support: response and resolution times, SLA compliance, backlog, volume and breached tickets."""

from __future__ import annotations

from datetime import date, datetime
from functools import partial
from typing import NamedTuple

import pandas as pd
import streamlit as st

from cs_data import kpi
from cs_data.data_versions import KPI_TABLES
from cs_data.db import get_engine
from cs_data.kpi import support_detail
from ui import kpi_charts, prefetch, shell
from ui.errors import show_error
from ui.filters import Filters, filter_bar
from ui.i18n import label, t
from ui.kpi_cards import kpi_cards, load_changes, load_series
from ui.page_data import CACHE_MAX_ENTRIES, CACHE_TTL_SECONDS, DataKey, page_data
from ui.paging import page_number, pager
from ui.tables import WRAPPED_ROW_HEIGHT, wrapped_height
from ui.text import literal

PAGE_SIZE = 50
PAGE_KEY = "support_breached_page"
CARDS = (
    "tickets_created",
    "frt_median_min",
    "resolution_median_min",
    "backlog_open",
    "sla_frt_compliance",
    "sla_resolution_compliance",
)


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=CACHE_MAX_ENTRIES, show_spinner=False)
def load_breakdowns(
    data_key: DataKey,
    start: date,
    end: date,
    as_of: datetime,
    where: kpi.KpiFilter,
    time_zone: str,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """SLA compliance by priority, volume by channel and tickets by weekday and hour (in
    ``time_zone``)."""
    engine = get_engine()
    return (
        support_detail.sla_by_priority(engine, start, end, as_of=as_of, filters=where),
        support_detail.volume_by_channel(engine, start, end, filters=where),
        support_detail.weekday_hour(engine, start, end, filters=where, time_zone=time_zone),
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=CACHE_MAX_ENTRIES, show_spinner=False)
def load_breached(
    data_key: DataKey, start: date, end: date, as_of: datetime, where: kpi.KpiFilter, page: int
) -> support_detail.BreachedPage:
    """One page of breached tickets, newest first."""
    return support_detail.breached_tickets(
        get_engine(), start, end, as_of=as_of, filters=where, page=page, page_size=PAGE_SIZE
    )


BREACHED_WIDTHS = {
    "created": 125,
    "ticket": 80,
    "subject": 190,
    "account": 140,
    "priority": 65,
    "assignee": 105,
    "frt": 90,
    "resolution": 95,
    "missed": 90,
}
"""Column widths in pixels: the table fits the page at 1440 px without scrolling sideways;
subjects and account names wrap (``ui.tables``)."""
MINUTES_PER_HOUR = 60


def hours(minutes: float | None) -> float | None:
    return None if minutes is None else minutes / MINUTES_PER_HOUR


def breached_table(result: support_detail.BreachedPage) -> None:
    def missed(row: support_detail.BreachedTicket) -> str:
        if row.frt_breached and row.resolution_breached:
            return t("support.missed_both")
        return t("support.missed_frt") if row.frt_breached else t("support.missed_resolution")

    rows = result.rows
    columns = {
        "created": [r.created_at.astimezone(settings.zone) for r in rows],
        "ticket": [r.id for r in rows],
        "subject": [r.subject or None for r in rows],
        "account": [r.account_name or r.account_id for r in rows],
        "priority": [label("priority", r.priority) for r in rows],
        "assignee": [r.assignee for r in rows],
        "frt": [hours(r.frt_minutes) for r in rows],
        "resolution": [hours(r.resolution_minutes) for r in rows],
        "missed": [missed(r) for r in rows],
    }
    config = {
        t(f"support.col_{name}"): st.column_config.Column(width=width)
        for name, width in BREACHED_WIDTHS.items()
    }
    config[t("support.col_created")] = st.column_config.DatetimeColumn(
        width=BREACHED_WIDTHS["created"], format=t("fmt.datetime_column")
    )
    for name in ("frt", "resolution"):
        config[t(f"support.col_{name}")] = st.column_config.NumberColumn(
            width=BREACHED_WIDTHS[name], format="%.1f", help=t(f"support.col_{name}.help")
        )
    st.dataframe(
        pd.DataFrame({t(f"support.col_{name}"): values for name, values in columns.items()}),
        hide_index=True,
        width="stretch",
        column_config=config,
        placeholder=t("fmt.none"),
        row_height=WRAPPED_ROW_HEIGHT,
        height=wrapped_height(len(rows)),
    )


class Figures(NamedTuple):
    """Everything the page shows for one choice of filters."""

    changes: dict[str, kpi.Change]
    grains: dict[str, kpi.Grain]
    trends: dict[str, pd.DataFrame]
    sla: pd.DataFrame
    channels: pd.DataFrame
    cells: pd.DataFrame
    breached: support_detail.BreachedPage


def load_figures(data_key: DataKey, chosen: Filters, page: int, time_zone: str) -> Figures:
    """The page's figures for ``chosen`` with page ``page`` of the breached tickets, through
    the cached loaders."""
    window = (data_key, chosen.start, chosen.end, chosen.as_of)
    changes = load_changes(*window, chosen.kpi_filter, CARDS)
    grains = kpi_charts.support_grains(changes, chosen.start, chosen.end)
    trends = {
        name: load_series(data_key, keys, *window[1:], grains[name], chosen.kpi_filter)
        for name, keys in kpi_charts.SUPPORT_TRENDS.items()
    }
    breakdowns = load_breakdowns(*window, chosen.kpi_filter, time_zone)
    breached = load_breached(*window, chosen.kpi_filter, page)
    return Figures(changes, grains, trends, *breakdowns, breached)


settings = shell.page_setup()
actor = shell.require("page.support")
st.title(t("support.title"), anchor=False)
st.caption(t("support.intro", zone=literal(settings.time_zone)))
try:
    data = page_data(settings, KPI_TABLES)
    chosen = filter_bar("support", data)
    number = page_number(PAGE_KEY, chosen.start, chosen.end, chosen.kpi_filter)
    shown = load_figures(data.key, chosen, number, settings.time_zone)
except Exception as error:
    show_error(error)
    st.stop()

if not shown.changes["tickets_created"].current and not shown.changes["backlog_open"].current:
    st.info(t("support.empty"), icon=":material/inbox:")
    st.stop()
kpi_cards(shown.changes, CARDS, per_row=3)
kpi_charts.support_trends(shown.trends, shown.grains)
kpi_charts.support_breakdowns(shown.sla, shown.channels, shown.cells, zone=settings.time_zone)
st.subheader(t("support.breached_title"), anchor=False)
if shown.breached.rows:
    breached_table(shown.breached)
    pager(shown.breached, PAGE_KEY, "support.count")
else:
    st.info(t("support.breached_empty"), icon=":material/verified:")
prefetch.other_periods(
    "support", data, chosen, partial(load_figures, page=1, time_zone=settings.time_zone)
)
