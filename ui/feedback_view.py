"""The Feedback page's figures: cached loaders of its distributions, comments and detractors,
and what one choice of its filter bar loads (also in the background, ``ui.prefetch``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from cs_data import kpi
from cs_data.db import get_engine
from cs_data.kpi import feedback_detail
from ui import kpi_charts
from ui.filters import Filters
from ui.kpi_cards import load_changes, load_series
from ui.page_data import CACHE_MAX_ENTRIES, CACHE_TTL_SECONDS, DataKey

PAGE_SIZE = 25
CARDS = ("csat", "csat_avg", "csat_responses", "nps", "nps_responses")
ALL_SCORES = (0, 10)


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


@dataclass(frozen=True)
class Figures:
    """What the page shows for one choice of the filter bar, but the comments."""

    changes: dict[str, kpi.Change]
    grains: dict[str, kpi.Grain]
    trends: dict[str, pd.DataFrame]
    nps: pd.DataFrame
    csat: pd.DataFrame
    detractors: feedback_detail.ResponsePage


def load_figures(data_key: DataKey, chosen: Filters, page: int) -> Figures:
    """The page's figures for ``chosen`` with page ``page`` of the detractors, through the
    cached loaders."""
    window = (data_key, chosen.start, chosen.end)
    changes = load_changes(*window, chosen.as_of, chosen.kpi_filter, CARDS)
    grains = kpi_charts.feedback_grains(changes, chosen.start, chosen.end)
    trends = {
        key: load_series(data_key, (key,), *window[1:], chosen.as_of, grain, chosen.kpi_filter)
        for key, grain in grains.items()
    }
    nps, csat = load_distributions(*window, chosen.kpi_filter)
    detractors = load_detractors(*window, chosen.kpi_filter, page)
    return Figures(changes, grains, trends, nps, csat, detractors)


def load_first_view(data_key: DataKey, chosen: Filters) -> None:
    """What a first look at ``chosen`` loads: its figures and the first page of comments."""
    load_figures(data_key, chosen, 1)
    load_comments(data_key, chosen.start, chosen.end, chosen.kpi_filter, "", None, ALL_SCORES, 1)
