"""Overview: customers, revenue, support load and sentiment at a glance."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import streamlit as st

from cs_data import kpi
from cs_data.db import get_engine
from cs_data.targets import Progress
from ui import charts, shell
from ui.errors import show_error
from ui.i18n import format_count, format_date, format_datetime, format_money, t
from ui.targets import load_progress, progress_bars
from ui.trend_cards import trend_cards

RECENT_DAYS = 30
UPCOMING_DAYS = 90
CACHE_TTL_SECONDS = 300
MAX_TARGETS = 6
CARDS = (
    "tickets_created",
    "backlog_open",
    "frt_median_min",
    "sla_frt_compliance",
    "csat",
    "nps",
    "grr",
    "nrr",
    "logo_churn_rate",
    "at_risk_arr",
)
"""The KPIs on the Overview's cards: support load and speed, sentiment, retention, risk."""


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


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def load_trends(
    database_key: str, start: date, end: date, as_of: datetime
) -> tuple[dict[str, kpi.Change], pd.DataFrame]:
    """The card KPIs against the previous window, and their daily series in the window."""
    engine = get_engine()
    changes = kpi.compare_previous(engine, start=start, end=end, as_of=as_of, keys=CARDS)
    series = kpi.series_frame(engine, CARDS, start=start, end=end, as_of=as_of)
    return changes, series


def customer_cards(summary: kpi.Overview) -> None:
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
    st.subheader(t("overview.customers"), anchor=False)
    for column, (label, value, help_text) in zip(
        st.columns(len(customers)), customers, strict=True
    ):
        column.metric(label, value, help=help_text, border=True)


def target_section(progress: list[Progress]) -> None:
    st.subheader(t("overview.targets"), anchor=False)
    with st.container(border=True):
        if progress:
            progress_bars(progress[:MAX_TARGETS])
        else:
            st.caption(t("overview.targets_empty"))
        st.page_link("pages/targets.py", label=t("overview.targets_link"), icon=":material/flag:")


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
    changes, series = load_trends(settings.database_url, *summary.recent, as_of)
    progress = load_progress(settings.database_url, as_of)
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
    customer_cards(summary)
    st.subheader(t("overview.indicators", days=RECENT_DAYS), anchor=False)
    trend_cards(changes, series, CARDS)
    target_section(progress)
    ticket_trend(daily)
else:
    with st.container(border=True):
        st.subheader(t("overview.empty_title"), anchor=False)
        st.markdown(t("overview.empty_body"))
