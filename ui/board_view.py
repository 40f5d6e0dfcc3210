"""Around the board: its filters and highlights, and the flow analytics charts (the columns
and cards themselves are one component: ``ui.board_dnd``)."""

from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from cs_data import boards, domain
from cs_data.auth import Actor
from cs_data.db import get_engine
from ui import charts
from ui.i18n import choice_key, format_date, format_number, label, t
from ui.page_data import CACHE_TTL_SECONDS, DataKey


def _remember_view() -> None:
    """Keep the view in the URL (``?view=titles``), so a shared link shows the same."""
    if st.session_state.boards_collapsed:
        st.query_params["view"] = "titles"
    else:
        st.query_params.pop("view", None)


def filter_bar(view: boards.BoardView) -> tuple[boards.CardFilter, bool]:
    """The filters and highlight of the board view, and whether it is collapsed."""
    top = st.columns([3, 2, 2, 2, 2], vertical_alignment="bottom")
    text = top[0].text_input(
        t("boards.search"), key="boards_search", placeholder=t("boards.search_hint")
    )
    tag = top[1].selectbox(
        t("boards.tag"),
        [None, *view.tags],
        key=choice_key("boards_tag"),
        format_func=lambda v: v or t("boards.any"),
        placeholder=t("boards.any"),  # a kept choice of None shows as no choice
    )
    priority = top[2].selectbox(
        t("boards.priority"),
        [None, *domain.CARD_PRIORITIES],
        key=choice_key("boards_priority"),
        format_func=lambda v: label("priority", v) if v else t("boards.any"),
        placeholder=t("boards.any"),
    )
    people = {member.user_id: member.display_name for member in view.members}
    assignee = top[3].selectbox(
        t("boards.assignee"),
        [None, *people],
        key=choice_key("boards_assignee"),
        format_func=lambda v: people[v] if v else t("boards.any"),
        placeholder=t("boards.any"),
    )
    if "boards_collapsed" not in st.session_state:  # a link may ask for titles only
        st.session_state.boards_collapsed = st.query_params.get("view") == "titles"
    collapsed = top[4].toggle(
        t("boards.collapsed"), key="boards_collapsed", on_change=_remember_view
    )
    highlight = st.segmented_control(
        t("boards.highlight"),
        boards.HIGHLIGHTS,
        key="boards_highlight",
        format_func=lambda v: label("highlight", v),
    )
    where = boards.CardFilter(
        text=text or "", tag=tag, priority=priority, assignee_id=assignee, highlight=highlight
    )
    return where, collapsed


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def load_flow(
    key: DataKey, _actor: Actor, actor_key: tuple, board_id: int, today: date
) -> boards.FlowAnalytics:
    """The board's flow analytics, cached per board, day and user (who may see it), until a
    board's data changes."""
    return boards.flow(get_engine(), _actor, board_id, today=today)


def analytics(actor: Actor, view: boards.BoardView, key: DataKey, today: date) -> None:
    """Cumulative flow, WIP, throughput, cycle time per tag and ageing of the board."""
    flow = load_flow(key, actor, (actor.user_id, actor.role), view.id, today)
    st.caption(
        t("boards.analytics_intro", start=format_date(flow.start), end=format_date(flow.end))
    )
    cfd = (
        alt.Chart(
            flow.cumulative_flow,
            title=alt.TitleParams(
                t("boards.cfd_title"), subtitle=t("boards.cfd_subtitle"), anchor="start"
            ),
        )
        .mark_area()
        .encode(
            x=alt.X("day:T", title=t("boards.day")),
            y=alt.Y("sum(cards):Q", stack=True, title=t("boards.cards")),
            color=alt.Color("column:N", sort=flow.columns[::-1], title=t("boards.column")),
            order=alt.Order("position:Q", sort="descending"),
            tooltip=[
                alt.Tooltip("day:T", title=t("boards.day")),
                alt.Tooltip("column:N", title=t("boards.column")),
                alt.Tooltip("cards:Q", title=t("boards.cards")),
            ],
        )
        .properties(height=charts.CHART_HEIGHT)
    )
    charts.show(cfd)
    left, right = st.columns(2)
    with left:
        wip = flow.wip.assign(day=pd.to_datetime(flow.wip["day"]))
        charts.show(
            charts.trend_lines(
                wip,
                period="day",
                series={"cards": t("boards.wip_series")},
                title=t("boards.wip_title"),
                subtitle=t("boards.wip_subtitle"),
                period_title=t("boards.day"),
                value_title=t("boards.cards"),
            )
        )
    with right:
        weekly = flow.throughput.assign(week=flow.throughput["week_start"].map(format_date))
        charts.show(
            charts.category_bars(
                weekly,
                category="week",
                value="cards",
                title=t("boards.throughput_title"),
                subtitle=t("boards.throughput_subtitle"),
                category_title=t("boards.week"),
                value_title=t("boards.cards"),
            )
        )
    st.subheader(t("boards.cycle_title"), anchor=False)
    if flow.cycle_time.empty:
        st.info(t("boards.cycle_empty"))
    else:
        tags = {boards.ALL_TAGS: t("boards.all_tags"), boards.UNTAGGED: t("boards.no_tag")}
        cycle = flow.cycle_time.assign(
            tag=flow.cycle_time["tag"].map(lambda tag: tags.get(tag, tag)),
            median_days=flow.cycle_time["median_days"].map(lambda v: format_number(v)),
            p85_days=flow.cycle_time["p85_days"].map(lambda v: format_number(v)),
        ).rename(columns=_headers())
        st.dataframe(cycle, hide_index=True, width="stretch")
    st.subheader(t("boards.ageing_title"), anchor=False)
    if flow.ageing.empty:
        st.info(t("boards.ageing_empty"))
    else:
        ageing = flow.ageing.assign(days=flow.ageing["days"].map(lambda v: format_number(v)))
        st.dataframe(ageing.rename(columns=_headers()), hide_index=True, width="stretch")


def _headers() -> dict[str, str]:
    return {
        "tag": t("boards.tag"),
        "cards": t("boards.cards"),
        "median_days": t("boards.median_days"),
        "p85_days": t("boards.p85_days"),
        "column": t("boards.column"),
        "key": t("boards.card"),
        "title": t("boards.title_field"),
        "days": t("boards.days_waiting"),
    }
