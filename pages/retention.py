"""Retention: ARR, gross and net revenue retention, logo and revenue churn, the ARR waterfall
of the window and the accounts that churned in it."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial
from typing import NamedTuple

import pandas as pd
import streamlit as st

from cs_data import kpi
from cs_data.data_versions import KPI_TABLES
from cs_data.db import get_engine
from cs_data.kpi import density, retention_detail
from ui import prefetch, retention_view, shell
from ui.errors import show_error
from ui.filters import Filters, filter_bar
from ui.i18n import format_date, t
from ui.kpi_cards import kpi_cards, load_changes, load_retention_trend, load_series
from ui.page_data import CACHE_MAX_ENTRIES, CACHE_TTL_SECONDS, DataKey, page_data
from ui.paging import page_number, pager

PAGE_SIZE = 50
PAGE_KEY = "retention_churned_page"
SHOW = ("period", "segment", "region", "csm")
CARDS = ("arr_total", "grr", "nrr", "logo_churn_rate", "revenue_churn_rate")


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=CACHE_MAX_ENTRIES, show_spinner=False)
def load_waterfall(
    data_key: DataKey, start: date, end: date, where: kpi.KpiFilter
) -> retention_detail.Waterfall:
    """The ARR waterfall of the window."""
    return retention_detail.arr_waterfall(get_engine(), start, end, filters=where)


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=CACHE_MAX_ENTRIES, show_spinner=False)
def load_churned(
    data_key: DataKey, start: date, end: date, where: kpi.KpiFilter, page: int
) -> retention_detail.ChurnedPage:
    """One page of churned accounts, largest starting ARR first."""
    return retention_detail.churned_accounts(
        get_engine(), start, end, filters=where, page=page, page_size=PAGE_SIZE
    )


class Figures(NamedTuple):
    """Everything the page shows for one choice of filters."""

    changes: dict[str, kpi.Change]
    cohorts: pd.DataFrame
    arr: pd.DataFrame
    flow: retention_detail.Waterfall
    churned: retention_detail.ChurnedPage


def load_figures(data_key: DataKey, chosen: Filters, page: int) -> Figures:
    """The page's figures for ``chosen`` with page ``page`` of the churned accounts, through
    the cached loaders."""
    window = (data_key, chosen.start, chosen.end)
    return Figures(
        load_changes(*window, chosen.as_of, chosen.kpi_filter, CARDS),
        load_retention_trend(
            data_key,
            tuple(density.retention_trend_days(chosen.start, chosen.end)),
            chosen.kpi_filter,
        ),
        load_series(
            data_key, ("arr_total",), *window[1:], chosen.as_of, chosen.grain, chosen.kpi_filter
        ),
        load_waterfall(*window, chosen.kpi_filter),
        load_churned(*window, chosen.kpi_filter, page),
    )


settings = shell.page_setup()
actor = shell.require("page.retention")
st.title(t("retention.title"), anchor=False)
st.caption(t("retention.intro"))
try:
    data = page_data(settings, KPI_TABLES)
    chosen = filter_bar("retention", data, show=SHOW)
    number = page_number(PAGE_KEY, chosen.start, chosen.end, chosen.kpi_filter)
    shown = load_figures(data.key, chosen, number)
except Exception as error:
    show_error(error)
    st.stop()

if not shown.flow.starting and not shown.flow.ending and not shown.changes["arr_total"].current:
    st.info(t("retention.empty"), icon=":material/inbox:")
    st.stop()
kpi_cards(shown.changes, CARDS)
retention_view.retention_trends(shown.cohorts, shown.arr, chosen.grain)
ending_day = chosen.end + timedelta(days=1)
retention_view.waterfall_chart(
    shown.flow,
    t(
        "retention.waterfall_subtitle",
        start=format_date(chosen.start),
        end=format_date(ending_day),
    ),
)
st.subheader(t("retention.churned_title"), anchor=False)
st.caption(t("retention.churned_help"))
if shown.churned.rows:
    retention_view.churned_table(shown.churned)
    pager(shown.churned, PAGE_KEY, "retention.count")
else:
    st.info(t("retention.churned_empty"), icon=":material/verified:")
prefetch.other_periods("retention", data, chosen, partial(load_figures, page=1))
