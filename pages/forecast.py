"""Forecast: what we will renew in a fiscal quarter, what is at risk, and how far to trust it
(the forecast's movement and accuracy from weekly snapshots, and probability calibration)."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from cs_data import domain
from cs_data.errors import CockpitError
from cs_data.fiscal import quarter_of, quarters_around
from ui import charts, shell
from ui import forecast_view as view
from ui.errors import show_error
from ui.i18n import choice_key, format_date, label, t
from ui.text import literal

settings = shell.page_setup()
actor = shell.require("page.forecast")
now = datetime.now(UTC)
st.title(t("forecast.title"), anchor=False)

current = quarter_of(now.date())
quarters = quarters_around(now.date(), before=4, after=2)
left, right = st.columns(2)
quarter = left.selectbox(
    t("forecast.quarter"),
    quarters,
    index=quarters.index(view.quarter_from_url(quarters, current)),
    key=choice_key("fc_quarter"),
    format_func=lambda q: t(
        "forecast.quarter_label", label=q.label, start=format_date(q.start), end=format_date(q.end)
    ),
)
view.keep_quarter_in_url(quarter, current)
segment = right.selectbox(
    t("forecast.segment"),
    [None, *domain.SEGMENTS],
    key=choice_key("fc_segment"),
    format_func=lambda s: t("forecast.all_segments") if s is None else label("segment", s),
    placeholder=t("forecast.all_segments"),
)
try:
    loaded = view.load(settings, actor, quarter, segment, now)
except CockpitError as failure:
    show_error(failure)
    st.stop()
result, moved, at_risk = loaded.result, loaded.moved, loaded.at_risk

st.caption(t("forecast.intro", quarter=literal(quarter.label)))
if result.total.renewals == 0:
    st.info(t("forecast.empty"), icon=":material/event_busy:")
view.figure_cards(result.total)
if result.targets:
    st.subheader(t("forecast.targets"), anchor=False)
    st.dataframe(view.targets_frame(result.targets), hide_index=True, width="stretch")

charts.show(view.month_chart(result))
st.subheader(t("forecast.by_segment"), anchor=False)  # full width: every figure readable
st.dataframe(view.segment_frame(result), hide_index=True, width="stretch")

st.subheader(t("forecast.at_risk_renewals"), anchor=False)
if at_risk:
    st.dataframe(view.at_risk_frame(at_risk), hide_index=True, width="stretch")
else:
    st.caption(t("forecast.no_at_risk"))

st.subheader(t("forecast.movement"), anchor=False)
if moved.snapshots:
    charts.show(view.movement_chart(moved))
    with st.expander(t("forecast.accuracy_table")):
        st.caption(t("forecast.accuracy.help"))
        st.dataframe(view.accuracy_frame(moved), hide_index=True, width="stretch")
else:
    st.caption(t("forecast.no_snapshots"))

st.subheader(t("forecast.calibration"), anchor=False)
st.caption(t("forecast.calibration.help"))
st.dataframe(view.calibration_frame(loaded.calibration), hide_index=True, width="stretch")
