"""The configured currency of amounts, read once per run for ``ui.i18n``'s money formats."""

from __future__ import annotations

import streamlit as st

from cs_data import app_settings
from cs_data.config import Settings
from cs_data.db import get_engine
from ui.i18n import CURRENCY_KEY
from ui.page_data import CACHE_MAX_ENTRIES, CACHE_TTL_SECONDS, DataKey, page_data

TABLES = ("app_settings",)


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=CACHE_MAX_ENTRIES, show_spinner=False)
def load_currency(data_key: DataKey) -> str:
    """The stored currency; cached until ``app_settings`` changes (on any replica)."""
    return app_settings.get_currency(get_engine())


def init_currency(settings: Settings) -> str:
    """Read the configured currency for this run (one small read when nothing changed)."""
    currency = load_currency(page_data(settings, TABLES).key)
    st.session_state[CURRENCY_KEY] = currency
    return currency
