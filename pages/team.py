"""Team: per support agent (tickets, response and resolution times, CSAT, SLA) and per CSM
(book of business and renewals), each against the team median."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import streamlit as st

from cs_data import kpi
from cs_data.data_versions import KPI_TABLES
from cs_data.db import get_engine
from cs_data.kpi import team
from ui import prefetch, shell, team_view
from ui.errors import show_error
from ui.filters import Filters, filter_bar
from ui.i18n import t
from ui.kpi_cards import kpi_cards, load_changes
from ui.page_data import CACHE_MAX_ENTRIES, CACHE_TTL_SECONDS, DataKey, page_data

SHOW = ("period", "segment", "region")
CARDS = (
    "tickets_created",
    "frt_median_min",
    "sla_frt_compliance",
    "csat",
    "renewal_rate_count",
)


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=CACHE_MAX_ENTRIES, show_spinner=False)
def load_tables(
    data_key: DataKey, start: date, end: date, as_of: datetime, where: kpi.KpiFilter
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The agent table and the CSM table of the window."""
    engine = get_engine()
    return (
        team.agent_table(engine, start, end, as_of=as_of, filters=where),
        team.csm_table(engine, start, end, as_of=as_of, filters=where),
    )


def load_figures(
    data_key: DataKey, chosen: Filters
) -> tuple[dict[str, kpi.Change], pd.DataFrame, pd.DataFrame]:
    """The cards, the agent table and the CSM table for ``chosen``, through the cached
    loaders."""
    window = (data_key, chosen.start, chosen.end, chosen.as_of, chosen.kpi_filter)
    return (load_changes(*window, CARDS), *load_tables(*window))


settings = shell.page_setup()
actor = shell.require("page.team")
st.title(t("team.title"), anchor=False)
st.caption(t("team.intro"))
try:
    data = page_data(settings, KPI_TABLES)
    chosen = filter_bar("team", data, show=SHOW)
    changes, agents, csms = load_figures(data.key, chosen)
except Exception as error:
    show_error(error)
    st.stop()

if agents.empty and csms.empty:
    st.info(t("team.empty"), icon=":material/group_off:")
    st.stop()
kpi_cards(changes, CARDS)
st.subheader(t("team.agents_title"), anchor=False)
st.caption(t("team.agents_help"))
if agents.empty:
    st.info(t("team.agents_empty"), icon=":material/inbox:")
else:
    team_view.team_table(agents, team_view.AGENT_KINDS, "agent", "tickets")
st.subheader(t("team.csms_title"), anchor=False)
st.caption(t("team.csms_help"))
if csms.empty:
    st.info(t("team.csms_empty"), icon=":material/inbox:")
else:
    team_view.team_table(csms, team_view.CSM_KINDS, "csm", "book_arr_cents")
prefetch.other_periods("team", data, chosen, load_figures)
