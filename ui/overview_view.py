"""The Overview's data: one call loads, through the caches, everything the page shows.

The page and the server's cache warm-up (``ui.warm_up``) both call ``load``, so the entries the
warm-up fills are exactly the ones the page reads (same loaders, same keys).
"""

from __future__ import annotations

from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from functools import partial

import streamlit as st

from cs_data import accounts, data_versions, kpi
from cs_data.config import Settings
from cs_data.data_versions import KPI_TABLES
from cs_data.db import get_engine
from cs_data.paging import Page
from cs_data.targets import Progress
from ui.accounts_view import load_at_risk_top, today
from ui.overview_trend import RECENT_DAYS, RETENTION_TABLES, load_retention_trend
from ui.page_data import (
    CACHE_MAX_ENTRIES,
    CACHE_TTL_SECONDS,
    DataKey,
    PageData,
    page_data,
    stored,
)
from ui.targets import load_progress

UPCOMING_DAYS = 90
PAGE_LOADS = ThreadPoolExecutor(max_workers=3, thread_name_prefix="overview-loads")
"""The page runs' threads for the three loads (``load_at``), shared by every run: a load
waits for no other load of this pool but one already computing its entry, so it cannot
deadlock."""


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=CACHE_MAX_ENTRIES, show_spinner=False)
def load_overview(data_key: DataKey, as_of: datetime) -> kpi.Overview:
    """Everything the page shows but the targets and the at-risk accounts."""

    def compute() -> kpi.Overview:
        version = data_versions.stamp(get_engine(), RETENTION_TABLES).version
        return kpi.overview(
            get_engine(),
            as_of=as_of,
            recent_days=RECENT_DAYS,
            upcoming_days=UPCOMING_DAYS,
            concurrent=True,
            kept_trend=partial(load_retention_trend, DataKey(data_key.database, version)),
        )

    return stored("overview", kpi.Overview, data_key, as_of, compute=compute)


@dataclass(frozen=True)
class OverviewData:
    """The run's cache key and moment, and the page's figures."""

    data: PageData
    summary: kpi.Overview
    progress: list[Progress]
    at_risk: Page[accounts.AtRiskRow]


def load(settings: Settings, pool: Executor = PAGE_LOADS) -> OverviewData:
    """The Overview's figures now: from the caches, computed on a miss (see ``load_at``)."""
    return load_at(page_data(settings, KPI_TABLES), pool)


def load_at(data: PageData, pool: Executor | None = None) -> OverviewData:
    """The Overview's figures at ``data``'s key and moment. With ``pool`` (a page run's, or the
    server's warm-up), its three loads run at once in the pool's threads: their queries run
    outside Python's lock, so computing them takes about the longest one's time instead of
    their sum (at scale L on SQLite, 2.0 instead of 2.8 s); without, one after the other (the
    low-priority rewarm at a new bucket, ``prefetch.keep_warm``)."""
    loads = (
        partial(load_overview, data.key, data.as_of),
        partial(load_progress, data.key, data.as_of),
        partial(load_at_risk_top, data.key, today()),
    )
    if pool is None:
        summary, progress, at_risk = (run() for run in loads)
    else:
        futures = [pool.submit(run) for run in loads]
        summary, progress, at_risk = (future.result() for future in futures)
    return OverviewData(data=data, summary=summary, progress=progress, at_risk=at_risk)
