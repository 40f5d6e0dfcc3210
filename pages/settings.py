"""Settings (admins): the health score weights, the renewal stage probabilities, recomputing
today's health snapshots, and the currency of amounts."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cs_data import health
from cs_data.db import get_engine
from ui import accounts_view, currency_settings, shell, stage_probabilities
from ui.errors import show_error, show_field_errors
from ui.forms import form_error, show_notice, submit
from ui.i18n import current_currency, format_count, label, t

settings = shell.page_setup()
actor = shell.require("page.settings")
st.title(t("settings.title"), anchor=False)
st.caption(t("settings.intro"))


def save_weights() -> str:
    weights = {name: st.session_state[f"weight_{name}"] for name in health.COMPONENTS}
    health.set_health_weights(get_engine(), actor, weights)
    return t("settings.weights_saved")


def recompute_today() -> str:
    result = health.recompute(get_engine(), actor, accounts_view.today())
    return t("settings.recomputed", count=format_count(result.scored))


try:
    stored = health.get_weights(get_engine())
except Exception as error:
    show_error(error)
    st.stop()

show_notice()
st.subheader(t("settings.weights_title"), anchor=False)
st.caption(t("settings.weights_help"))
error = form_error("weights")
with st.form("weights_form"):
    for column, name in zip(st.columns(len(health.COMPONENTS)), health.COMPONENTS, strict=True):
        with column:
            st.session_state.setdefault(f"weight_{name}", float(stored[name]))
            st.number_input(
                label("health_component", name),
                min_value=None,
                step=1.0,
                key=f"weight_{name}",
                help=t(f"health_component_help.{name}"),
            )
            show_field_errors(error, name)
    show_field_errors(error, "weights")
    st.form_submit_button(
        t("settings.weights_save"), type="primary", on_click=submit, args=("weights", save_weights)
    )
total = sum(stored.values())
shares = pd.DataFrame(
    {
        t("settings.component"): [label("health_component", n) for n in health.COMPONENTS],
        t("settings.weight"): [stored[n] for n in health.COMPONENTS],
        t("settings.share"): [stored[n] / total if total else None for n in health.COMPONENTS],
    }
)
st.dataframe(
    shares,
    hide_index=True,
    column_config={t("settings.share"): st.column_config.NumberColumn(format="percent")},
)

stage_probabilities.section(actor)

st.subheader(t("settings.recompute_title"), anchor=False)
st.caption(t("settings.recompute_help"))
form_error("recompute")
st.button(
    t("settings.recompute"),
    icon=":material/refresh:",
    key="health_recompute",
    on_click=submit,
    args=("recompute", recompute_today),
)

currency_settings.currency_section(current_currency())
