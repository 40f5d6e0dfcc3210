"""Feedback: CSAT and NPS trends and distributions, the latest comments and the detractors."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from cs_data import kpi
from cs_data.data_versions import KPI_TABLES
from cs_data.db import get_engine
from cs_data.kpi import feedback_detail
from ui import kpi_charts, shell
from ui.errors import show_error
from ui.filters import filter_bar
from ui.i18n import choice_key, label, t
from ui.kpi_cards import kpi_cards, load_changes, load_series
from ui.page_data import CACHE_MAX_ENTRIES, CACHE_TTL_SECONDS, DataKey, page_data
from ui.paging import page_number, pager
from ui.text import literal

PAGE_SIZE = 25
COMMENTS_PAGE = "feedback_comments_page"
DETRACTORS_PAGE = "feedback_detractors_page"
CARDS = ("csat", "csat_avg", "csat_responses", "nps", "nps_responses")
SURVEY_CHOICES = (None, "csat", "nps", "ces")


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=CACHE_MAX_ENTRIES, show_spinner=False)
def load_distributions(
    data_key: DataKey, start: date, end: date, where: kpi.KpiFilter
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Responses per NPS score and per CSAT score."""
    engine = get_engine()
    return (
        feedback_detail.score_distribution(engine, "nps", start, end, filters=where),
        feedback_detail.score_distribution(engine, "csat", start, end, filters=where),
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=CACHE_MAX_ENTRIES, show_spinner=False)
def load_comments(
    data_key: DataKey,
    start: date,
    end: date,
    where: kpi.KpiFilter,
    search: str,
    survey_type: str | None,
    scores: tuple[int, int],
    page: int,
) -> feedback_detail.ResponsePage:
    """One page of the latest comments matching the search and filters."""
    return feedback_detail.latest_comments(
        get_engine(),
        start,
        end,
        filters=where,
        search=search,
        survey_type=survey_type,
        min_score=scores[0],
        max_score=scores[1],
        page=page,
        page_size=PAGE_SIZE,
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=CACHE_MAX_ENTRIES, show_spinner=False)
def load_detractors(
    data_key: DataKey, start: date, end: date, where: kpi.KpiFilter, page: int
) -> feedback_detail.ResponsePage:
    """One page of NPS detractors to follow up."""
    return feedback_detail.detractors(
        get_engine(), start, end, filters=where, page=page, page_size=PAGE_SIZE
    )


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
    low, high = scores.slider(t("feedback.score_range"), 0, 10, (0, 10), key="feedback_scores")
    return text.strip(), survey_type, (low, high)


settings = shell.page_setup()
actor = shell.require("page.feedback")
st.title(t("feedback.title"), anchor=False)
st.caption(t("feedback.intro", zone=literal(settings.time_zone)))
try:
    data = page_data(settings, KPI_TABLES)
    chosen = filter_bar("feedback", data, show=("period", "segment", "region", "csm"))
    window = (data.key, chosen.start, chosen.end)
    changes = load_changes(*window, chosen.as_of, chosen.kpi_filter, CARDS)
    grains = kpi_charts.feedback_grains(changes, chosen.start, chosen.end)
    trends = {
        key: load_series(*window[:1], (key,), *window[1:], chosen.as_of, grain, chosen.kpi_filter)
        for key, grain in grains.items()
    }
    nps, csat = load_distributions(*window, chosen.kpi_filter)
except Exception as error:
    show_error(error)
    st.stop()

if not any(changes[key].current for key in ("csat_responses", "nps_responses")):
    st.info(t("feedback.empty"), icon=":material/inbox:")
    st.stop()
kpi_cards(changes, CARDS)
kpi_charts.feedback_trends(trends, grains)
kpi_charts.score_distributions(nps, csat)

st.subheader(t("feedback.detractors_title"), anchor=False)
st.caption(t("feedback.detractors_help"))
selection = (chosen.start, chosen.end, chosen.kpi_filter)
detractors = load_detractors(*window, chosen.kpi_filter, page_number(DETRACTORS_PAGE, *selection))
if detractors.rows:
    responses_table(detractors, with_type=False)
    pager(detractors, DETRACTORS_PAGE, "feedback.count")
else:
    st.info(t("feedback.detractors_empty"), icon=":material/sentiment_satisfied:")

st.subheader(t("feedback.comments_title"), anchor=False)
search, survey_type, scores = comment_filters()
comments = load_comments(
    *window,
    chosen.kpi_filter,
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
