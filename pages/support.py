"""Support: response and resolution times, SLA compliance, backlog, volume and breached tickets."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import streamlit as st

from cs_data import kpi
from cs_data.db import get_engine
from cs_data.kpi import support_detail
from ui import kpi_charts, shell
from ui.errors import show_error
from ui.filters import filter_bar
from ui.i18n import format_datetime, label, t
from ui.kpi_cards import format_minutes, kpi_cards
from ui.paging import pager

CACHE_TTL_SECONDS = 300
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


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def load_cards(
    database_key: str, start: date, end: date, as_of: datetime, where: kpi.KpiFilter
) -> dict[str, kpi.Change]:
    """The card KPIs and their change against the previous window."""
    return kpi.compare_previous(
        get_engine(), start=start, end=end, as_of=as_of, filters=where, keys=CARDS
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def load_trends(
    database_key: str, start: date, end: date, as_of: datetime, grain: str, where: kpi.KpiFilter
) -> pd.DataFrame:
    """Response and resolution times and the backlog per period."""
    keys = (*kpi_charts.TIME_TRENDS, "backlog_open")
    return kpi.series_frame(
        get_engine(), keys, start=start, end=end, grain=grain, as_of=as_of, filters=where
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def load_breakdowns(
    database_key: str, start: date, end: date, as_of: datetime, where: kpi.KpiFilter
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """SLA compliance by priority, volume by channel and tickets by weekday and hour."""
    engine = get_engine()
    return (
        support_detail.sla_by_priority(engine, start, end, as_of=as_of, filters=where),
        support_detail.volume_by_channel(engine, start, end, filters=where),
        support_detail.weekday_hour(engine, start, end, filters=where),
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def load_breached(
    database_key: str, start: date, end: date, as_of: datetime, where: kpi.KpiFilter, page: int
) -> support_detail.BreachedPage:
    """One page of breached tickets, newest first."""
    return support_detail.breached_tickets(
        get_engine(), start, end, as_of=as_of, filters=where, page=page, page_size=PAGE_SIZE
    )


def breached_table(result: support_detail.BreachedPage) -> None:
    def breached(row: support_detail.BreachedTicket) -> str:
        which = [("frt", row.frt_breached), ("resolution", row.resolution_breached)]
        return t("list.separator").join(t(f"support.target_{k}") for k, hit in which if hit)

    rows = result.rows
    frame = pd.DataFrame(
        {
            t("support.col_created"): [format_datetime(r.created_at, settings.zone) for r in rows],
            t("support.col_ticket"): [r.id for r in rows],
            t("support.col_subject"): [r.subject or "" for r in rows],
            t("support.col_account"): [r.account_name or r.account_id or "" for r in rows],
            t("support.priority"): [label("priority", r.priority) for r in rows],
            t("support.col_assignee"): [r.assignee or "" for r in rows],
            t("support.col_frt"): [format_minutes(r.frt_minutes) for r in rows],
            t("support.col_resolution"): [format_minutes(r.resolution_minutes) for r in rows],
            t("support.col_breached"): [breached(r) for r in rows],
        }
    )
    st.dataframe(frame, hide_index=True, width="stretch")


settings = shell.page_setup()
actor = shell.require("page.support")
st.title(t("support.title"), anchor=False)
st.caption(t("support.intro", zone=settings.time_zone))
try:
    chosen = filter_bar("support", settings.database_url)
    window = (settings.database_url, chosen.start, chosen.end, chosen.as_of)
    changes = load_cards(*window, chosen.kpi_filter)
    trends = load_trends(*window, chosen.grain, chosen.kpi_filter)
    sla, channels, cells = load_breakdowns(*window, chosen.kpi_filter)
    number = int(st.session_state.get(PAGE_KEY, 1))
    breached = load_breached(*window, chosen.kpi_filter, number)
except Exception as error:
    show_error(error)
    st.stop()

if not changes["tickets_created"].current and not changes["backlog_open"].current:
    st.info(t("support.empty"), icon=":material/inbox:")
    st.stop()
kpi_cards(changes, CARDS, per_row=3)
kpi_charts.support_trends(trends, chosen.grain)
kpi_charts.support_breakdowns(sla, channels, cells)
st.subheader(t("support.breached_title"), anchor=False)
if not breached.rows:
    st.info(t("support.breached_empty"), icon=":material/verified:")
    st.stop()
breached_table(breached)
pager(breached, PAGE_KEY, "support.count")
