"""The Settings page's currency section: which currency amounts are in (admins)."""

from __future__ import annotations

import streamlit as st
from babel.numbers import list_currencies

from cs_data import app_settings
from cs_data.db import get_engine
from ui import locale_format, shell
from ui.errors import show_field_errors
from ui.forms import form_error, submit
from ui.i18n import choice_key, current_language, format_money, t
from ui.text import literal

FORM = "currency"
FIELD = "currency_code"
EXAMPLE_CENTS = 123_456_789
"""The amount shown as an example of the chosen currency (1,234,567.89 units)."""


def _option_label(code: str) -> str:
    return f"{code} — {locale_format.currency_name(code, current_language())}"


def save_currency() -> str:
    saved = app_settings.set_currency(get_engine(), shell.current_actor(), st.session_state[FIELD])
    return t("settings.currency_saved", currency=literal(_option_label(saved)))


def currency_section(stored: str) -> None:
    """Choose the currency (``stored`` now): a note that a change relabels amounts and converts
    nothing, an example amount, and the save button."""
    st.subheader(t("settings.currency_title"), anchor=False)
    st.caption(t("settings.currency_help"))
    error = form_error(FORM)
    codes = sorted(list_currencies())
    st.session_state.setdefault(FIELD, stored)
    with st.form("currency_form"):
        st.selectbox(
            t("settings.currency"),
            options=codes,
            format_func=_option_label,
            key=choice_key(FIELD),
        )
        show_field_errors(error, "currency")
        st.form_submit_button(
            t("settings.currency_save"), type="primary", on_click=submit, args=(FORM, save_currency)
        )
    st.caption(
        t(
            "settings.currency_example",
            compact=format_money(EXAMPLE_CENTS, compact=True),
            full=format_money(EXAMPLE_CENTS),
        )
    )
