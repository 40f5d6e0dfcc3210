"""Overview: customers, revenue, support load and sentiment at a glance."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import streamlit as st

from cs_data import kpi
from cs_data.db import get_engine
from ui import charts, shell
from ui.errors import show_error
from ui.i18n import (
    format_count,
    format_date,
    format_datetime,
    format_money,
    format_number,
    format_percent,
    t,
)

RECENT_DAYS = 30
UPCOMING_DAYS = 90
CACHE_TTL_SECONDS = 300


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def load_overview(database_key: str, as_of: datetime) -> kpi.Overview:
    """The headline figures; ``database_key`` (the configured database) keys the cache."""
    return kpi.overview(
        get_engine(), as_of=as_of, recent_days=RECENT_DAYS, upcoming_days=UPCOMING_DAYS
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def load_daily_tickets(database_key: str, start: date, end: date) -> pd.DataFrame:
    """Tickets created per UTC day of the window."""
    return kpi.tickets_created_by_day(get_engine(), start, end)


def metric_cards(summary: kpi.Overview) -> None:
    recent_start, recent_end = (format_date(d) for d in summary.recent)
    upcoming_start, upcoming_end = (format_date(d) for d in summary.upcoming)
    customers = [
        (t("overview.accounts"), format_count(summary.accounts), t("overview.accounts_help")),
        (
            t("overview.arr"),
            format_money(summary.arr_cents, compact=True),
            t("overview.arr_help", exact=format_money(summary.arr_cents)),
        ),
        (
            t("overview.renewals", days=UPCOMING_DAYS),
            format_money(summary.renewals_due_arr_cents, compact=True),
            t(
                "overview.renewals_help",
                exact=format_money(summary.renewals_due_arr_cents),
                days=UPCOMING_DAYS,
                start=upcoming_start,
                end=upcoming_end,
            ),
        ),
    ]
    support = [
        (t("overview.backlog"), format_count(summary.backlog_open), t("overview.backlog_help")),
        (
            t("overview.tickets", days=RECENT_DAYS),
            format_count(summary.tickets_created),
            t("overview.tickets_help", days=RECENT_DAYS, start=recent_start, end=recent_end),
        ),
        (
            t("overview.csat", days=RECENT_DAYS),
            format_percent(summary.csat.share),
            t(
                "overview.csat_help",
                days=RECENT_DAYS,
                average=format_number(summary.csat.average, digits=2),
                responses=format_count(summary.csat.responses),
            ),
        ),
        (
            t("overview.nps", days=RECENT_DAYS),
            format_number(summary.nps.value, digits=0, signed=True),
            t("overview.nps_help", days=RECENT_DAYS, responses=format_count(summary.nps.responses)),
        ),
    ]
    for heading, cards in ((t("overview.customers"), customers), (t("overview.support"), support)):
        st.subheader(heading, anchor=False)
        for column, (label, value, help_text) in zip(st.columns(len(cards)), cards, strict=True):
            column.metric(label, value, help=help_text, border=True)


def ticket_trend(daily: pd.DataFrame) -> None:
    if not daily["tickets"].any():
        st.info(t("overview.chart_empty", days=RECENT_DAYS), icon=":material/inbox:")
        return
    chart = charts.daily_bars(
        daily,
        day="day",
        value="tickets",
        title=t("overview.chart_title"),
        subtitle=t("overview.chart_subtitle", days=RECENT_DAYS),
        day_title=t("overview.chart_day"),
        value_title=t("overview.chart_tickets"),
    )
    with st.container(border=True):
        charts.show(chart)


settings = shell.page_setup()
st.title(t("overview.title"), anchor=False)
as_of = datetime.now(UTC).replace(second=0, microsecond=0)
try:
    summary = load_overview(settings.database_url, as_of)
    daily = load_daily_tickets(settings.database_url, *summary.recent)
except Exception as error:
    show_error(error)
    st.stop()

st.caption(
    t(
        "overview.as_of",
        time=format_datetime(as_of, settings.zone),
        zone=settings.time_zone,
        start=format_date(summary.recent[0]),
        end=format_date(summary.recent[1]),
    )
)
if summary.has_data:
    metric_cards(summary)
    ticket_trend(daily)
else:
    with st.container(border=True):
        st.subheader(t("overview.empty_title"), anchor=False)
        st.markdown(t("overview.empty_body"))
