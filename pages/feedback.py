"""Feedback: CSAT and NPS trends and distributions, the latest comments and the detractors."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cs_data.data_versions import KPI_TABLES
from cs_data.kpi import feedback_detail
from ui import kpi_charts, prefetch, shell
from ui.errors import show_error
from ui.feedback_view import ALL_SCORES, CARDS, load_comments, load_figures, load_first_view
from ui.filters import filter_bar
from ui.i18n import choice_key, label, t
from ui.kpi_cards import kpi_cards
from ui.page_data import page_data
from ui.paging import page_number, pager
from ui.text import literal

COMMENTS_PAGE = "feedback_comments_page"
DETRACTORS_PAGE = "feedback_detractors_page"
SURVEY_CHOICES = (None, "csat", "nps", "ces")


def responses_table(result: feedback_detail.ResponsePage, *, with_type: bool) -> None:
    rows = result.rows
    columns = {
        t("feedback.col_time"): [r.responded_at.astimezone(settings.zone) for r in rows],
        t("feedback.col_account"): [r.account_name or r.account_id for r in rows],
        t("feedback.col_csm"): [r.csm for r in rows],
        t("feedback.col_type"): [label("survey", r.survey_type) for r in rows],
        t("feedback.score"): [r.score for r in rows],
        t("feedback.col_comment"): [r.comment or None for r in rows],
    }
    if not with_type:
        del columns[t("feedback.col_type")]
    config = {
        t("feedback.col_time"): st.column_config.DatetimeColumn(
            width=130, format=t("fmt.datetime_column")
        ),
        t("feedback.col_account"): st.column_config.TextColumn(width=170),
        t("feedback.col_csm"): st.column_config.TextColumn(width=120),
        t("feedback.col_type"): st.column_config.TextColumn(width=70),
        t("feedback.score"): st.column_config.NumberColumn(width=60),
        t("feedback.col_comment"): st.column_config.TextColumn(width="large"),
    }
    st.dataframe(
        pd.DataFrame(columns),
        hide_index=True,
        width="stretch",
        column_config=config,
        placeholder=t("fmt.none"),
    )


def comment_filters() -> tuple[str, str | None, tuple[int, int]]:
    search, kind, scores = st.columns([2, 1, 1])
    text = search.text_input(t("feedback.search"), key="feedback_search")
    survey_type = kind.selectbox(
        t("feedback.col_type"),
        SURVEY_CHOICES,
        format_func=lambda v: t("filters.any") if v is None else label("survey", v),
        placeholder=t("filters.any"),
        key=choice_key("feedback_type"),
    )
    low, high = scores.slider(
        t("feedback.score_range"), *ALL_SCORES, ALL_SCORES, key="feedback_scores"
    )
    return text.strip(), survey_type, (low, high)


settings = shell.page_setup()
actor = shell.require("page.feedback")
st.title(t("feedback.title"), anchor=False)
st.caption(t("feedback.intro", zone=literal(settings.time_zone)))
try:
    data = page_data(settings, KPI_TABLES)
    chosen = filter_bar("feedback", data, show=("period", "segment", "region", "csm"))
    selection = (chosen.start, chosen.end, chosen.kpi_filter)
    shown = load_figures(data.key, chosen, page_number(DETRACTORS_PAGE, *selection))
except Exception as error:
    show_error(error)
    st.stop()

if not any(shown.changes[key].current for key in ("csat_responses", "nps_responses")):
    st.info(t("feedback.empty"), icon=":material/inbox:")
    st.stop()
kpi_cards(shown.changes, CARDS)
kpi_charts.feedback_trends(shown.trends, shown.grains)
kpi_charts.score_distributions(shown.nps, shown.csat)

st.subheader(t("feedback.detractors_title"), anchor=False)
st.caption(t("feedback.detractors_help"))
if shown.detractors.rows:
    responses_table(shown.detractors, with_type=False)
    pager(shown.detractors, DETRACTORS_PAGE, "feedback.count")
else:
    st.info(t("feedback.detractors_empty"), icon=":material/sentiment_satisfied:")

st.subheader(t("feedback.comments_title"), anchor=False)
search, survey_type, scores = comment_filters()
comments = load_comments(
    data.key,
    *selection,
    search,
    survey_type,
    scores,
    page_number(COMMENTS_PAGE, *selection, search, survey_type, scores),
)
if comments.rows:
    responses_table(comments, with_type=True)
    pager(comments, COMMENTS_PAGE, "feedback.count")
else:
    st.info(t("feedback.comments_empty"), icon=":material/search_off:")
prefetch.other_periods("feedback", data, chosen, load_first_view)
