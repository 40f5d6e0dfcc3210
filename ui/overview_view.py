"""The Overview's data: one call loads, through the caches, everything the page shows.

The page and the server's cache warm-up (``ui.warm_up``) both call ``load``, so the entries the
warm-up fills are exactly the ones the page reads (same loaders, same keys).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import streamlit as st

from cs_data import accounts, kpi
from cs_data.config import Settings
from cs_data.data_versions import KPI_TABLES
from cs_data.db import get_engine
from cs_data.paging import Page
from cs_data.targets import Progress
from ui.accounts_view import load_at_risk_top, today
from ui.page_data import CACHE_MAX_ENTRIES, CACHE_TTL_SECONDS, DataKey, PageData, page_data
from ui.targets import load_progress

RECENT_DAYS = 30
UPCOMING_DAYS = 90


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=CACHE_MAX_ENTRIES, show_spinner=False)
def load_overview(data_key: DataKey, as_of: datetime) -> kpi.Overview:
    """Everything the page shows but the targets and the at-risk accounts."""
    return kpi.overview(
        get_engine(), as_of=as_of, recent_days=RECENT_DAYS, upcoming_days=UPCOMING_DAYS
    )


@dataclass(frozen=True)
class OverviewData:
    """The run's cache key and moment, and the page's figures."""

    data: PageData
    summary: kpi.Overview
    progress: list[Progress]
    at_risk: Page[accounts.AtRiskRow]


def load(settings: Settings) -> OverviewData:
    """The Overview's figures now: from the caches, computed on a miss."""
    return load_at(page_data(settings, KPI_TABLES))


def load_at(data: PageData) -> OverviewData:
    """The Overview's figures at ``data``'s key and moment."""
    return OverviewData(
        data=data,
        summary=load_overview(data.key, data.as_of),
        progress=load_progress(data.key, data.as_of),
        at_risk=load_at_risk_top(data.key, today()),
    )
