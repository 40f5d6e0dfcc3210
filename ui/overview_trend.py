"""The Overview's retention trend (the retention cards' sparklines): its loader, and the
computation a fresh server starts before it imports the rest of the app (``ui.warm_up``).

The trend is about half the Overview's work at scale L, and it reads only ``RETENTION_TABLES``:
the Overview's figures are computed again at each ``as_of`` bucket and after any write, this
trend only when its days or its tables change. It is also most of a fresh process's
computation, and one or two long statements that run outside Python's lock, so a fresh server
computes it on a core that would wait for the server's imports otherwise. This module imports
no more than that computation needs, so that a thread can run it while the server goes on
importing (a test checks that the computation imports nothing).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from cs_data import kpi
from cs_data.config import Settings
from cs_data.db import get_engine
from cs_data.models import Account, Subscription
from ui.page_data import CACHE_MAX_ENTRIES, CACHE_TTL_SECONDS, DataKey, page_data, stored

RECENT_DAYS = 30
"""The Overview's cards compare the trailing 30 days; the trend's last point is their end."""
RETENTION_TABLES = (Account.__tablename__, Subscription.__tablename__)
"""What the retention cards' trend reads: a write to any other table (a ticket, a survey, a
renewal) keeps it."""


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=CACHE_MAX_ENTRIES, show_spinner=False)
def load_retention_trend(data_key: DataKey, start: date, end: date) -> pd.DataFrame:
    """The retention cards' trend over ``[start, end]``, keyed by ``RETENTION_TABLES``: read
    from ``stored_views`` when a process stored it, else computed (its two halves at once)."""
    return stored(
        "overview.retention_trend",
        pd.DataFrame,
        data_key,
        start,
        end,
        compute=lambda: kpi.retention_trend(
            get_engine(), kpi.RETENTION_CARD_KEYS, start=start, end=end, concurrent=True
        ),
    )


def load_current(settings: Settings) -> pd.DataFrame:
    """The trend the Overview shows now, through ``load_retention_trend`` (what a fresh server
    starts with, ``ui.warm_up.start_trend``)."""
    data = page_data(settings, RETENTION_TABLES)
    return load_retention_trend(data.key, *kpi.trailing_window(data.as_of, RECENT_DAYS))
