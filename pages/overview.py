"""Overview: customers, revenue, support load and sentiment at a glance."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cs_data import kpi
from cs_data.targets import Progress
from ui import accounts_view, card_grid, charts, overview_view, prefetch, shell
from ui.card_grid import Card
from ui.errors import show_error
from ui.i18n import format_count, format_date, format_datetime, format_money, plural, t
from ui.kpi_cards import kpi_cards
from ui.overview_trend import RECENT_DAYS
from ui.overview_view import UPCOMING_DAYS
from ui.targets import progress_bars
from ui.text import literal

MAX_TARGETS = 6


def customer_cards(summary: kpi.Overview) -> None:
    upcoming_start, upcoming_end = (format_date(d) for d in summary.upcoming)
    customers = [
        Card(t("overview.accounts"), format_count(summary.accounts), t("overview.accounts_help")),
        Card(
            t("overview.arr"),
            format_money(summary.arr_cents, compact=True),
            t("overview.arr_help", exact=format_money(summary.arr_cents)),
        ),
        Card(
            t("overview.renewals", days=format_count(UPCOMING_DAYS)),
            format_money(summary.renewals_due_arr_cents, compact=True),
            t(
                "overview.renewals_help",
                exact=format_money(summary.renewals_due_arr_cents),
                days=format_count(UPCOMING_DAYS),
                start=upcoming_start,
                end=upcoming_end,
            ),
        ),
        Card(
            t("overview.at_risk", days=format_count(UPCOMING_DAYS)),
            format_money(summary.at_risk_arr_cents, compact=True),
            t(
                "overview.at_risk_help",
                exact=format_money(summary.at_risk_arr_cents),
                definition=t("kpi_text.at_risk_arr.help"),
                start=upcoming_start,
                end=upcoming_end,
            ),
        ),
    ]
    st.subheader(t("overview.customers"), anchor=False)
    card_grid.show(customers, per_row=len(customers))


def target_section(progress: list[Progress]) -> None:
    st.subheader(t("overview.targets"), anchor=False)
    with st.container(border=True):
        if progress:
            progress_bars(progress[:MAX_TARGETS])
        else:
            st.caption(t("overview.targets_empty"))
        more = len(progress) - MAX_TARGETS
        link = (
            plural("overview.targets_more", more, count=format_count(more))
            if more > 0
            else t("overview.targets_link")
        )
        st.page_link("pages/targets.py", label=link, icon=":material/flag:")


def ticket_trend(daily: pd.DataFrame) -> None:
    """Tickets created per day (``daily``: the card's trend, ``period_start`` and ``value``)."""
    if not daily["value"].any():
        st.info(t("overview.chart_empty", days=format_count(RECENT_DAYS)), icon=":material/inbox:")
        return
    chart = charts.daily_bars(
        daily,
        day="period_start",
        value="value",
        title=t("overview.chart_title"),
        subtitle=t("overview.chart_subtitle", days=format_count(RECENT_DAYS)),
        day_title=t("overview.chart_day"),
        value_title=t("overview.chart_tickets"),
    )
    with st.container(border=True):
        charts.show(chart)


settings = shell.page_setup()
st.title(t("overview.title"), anchor=False)
try:
    loaded = overview_view.load(settings)
except Exception as error:
    show_error(error)
    st.stop()
prefetch.keep_warm("overview", overview_view.load_at)
summary, as_of = loaded.summary, loaded.data.as_of

st.caption(
    t(
        "overview.as_of",
        time=format_datetime(as_of, settings.zone),
        zone=literal(settings.time_zone),
        start=format_date(summary.recent[0]),
        end=format_date(summary.recent[1]),
    )
)
if summary.has_data:
    customer_cards(summary)
    st.subheader(t("overview.indicators", days=format_count(RECENT_DAYS)), anchor=False)
    kpi_cards(summary.changes, kpi.CARD_KEYS, series=summary.series)
    target_section(loaded.progress)
    accounts_view.at_risk_card(loaded.at_risk)
    ticket_trend(summary.series["tickets_created"])
else:
    with st.container(border=True):
        st.subheader(t("overview.empty_title"), anchor=False)
        st.markdown(t("overview.empty_body"))
