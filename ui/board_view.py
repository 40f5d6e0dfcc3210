"""The board itself: filters and highlights, columns side by side with counts and WIP limits,
cards expanded or collapsed (titles only), and the flow analytics charts.

Titles are user text: card buttons show them through ``ui.text.literal``.
"""

from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from cs_data import boards, domain
from cs_data.auth import Actor
from cs_data.db import get_engine
from ui import charts
from ui.board_card import due_text, open_card
from ui.i18n import format_count, format_date, format_number, label, t
from ui.text import literal

CACHE_TTL_SECONDS = 60


def filter_bar(view: boards.BoardView) -> tuple[boards.CardFilter, bool]:
    """The filters and highlight of the board view, and whether it is collapsed."""
    top = st.columns([3, 2, 2, 2, 2], vertical_alignment="bottom")
    text = top[0].text_input(
        t("boards.search"), key="boards_search", placeholder=t("boards.search_hint")
    )
    tag = top[1].selectbox(
        t("boards.tag"),
        [None, *view.tags],
        key="boards_tag",
        format_func=lambda v: v or t("boards.any"),
    )
    priority = top[2].selectbox(
        t("boards.priority"),
        [None, *domain.CARD_PRIORITIES],
        key="boards_priority",
        format_func=lambda v: label("priority", v) if v else t("boards.any"),
    )
    people = {member.user_id: member.display_name for member in view.members}
    assignee = top[3].selectbox(
        t("boards.assignee"),
        [None, *people],
        key="boards_assignee",
        format_func=lambda v: people[v] if v else t("boards.any"),
    )
    collapsed = top[4].toggle(t("boards.collapsed"), key="boards_collapsed")
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


def column_header(column: boards.ColumnView, shown: int) -> str:
    """``Name 3/5`` (red when over the limit, orange at it), and how many cards the filters
    show when they hide some."""
    count = f"{column.count}/{column.wip_limit}" if column.wip_limit else str(column.count)
    if column.over_limit:
        count = f":red[{count}]"
    elif column.at_limit:
        count = f":orange[{count}]"
    filtered = t("boards.shown", shown=format_count(shown)) if shown != column.count else ""
    return f"**{literal(column.name)}** {count} {filtered}".strip()


CARDS_SHOWN = {False: 20, True: 60}
"""Cards drawn per column until "show all", expanded and collapsed: a big board stays quick."""


def _show_all(column_id: int) -> None:
    st.session_state[f"boards_all_{column_id}"] = True


def board_columns(
    view: boards.BoardView,
    where: boards.CardFilter,
    *,
    collapsed: bool,
    me: int | None,
    today: date,
) -> None:
    """The columns side by side, each with its header and its (filtered) cards in order, with
    their details or collapsed to titles; the first ``CARDS_SHOWN`` of a column, then on
    request all."""
    if not view.columns:
        st.info(t("boards.no_columns"))
        return
    for column, slot in zip(view.columns, st.columns(len(view.columns)), strict=True):
        cards = [c for c in column.cards if boards.card_matches(c, where, me=me, today=today)]
        with slot:
            st.markdown(column_header(column, len(cards)))
            if column.over_limit:
                st.caption(t("boards.over_limit", mode=label("wip_mode", column.wip_mode)))
            if not cards:
                st.caption(t("boards.column_empty"))
            everything = st.session_state.get(f"boards_all_{column.id}")
            shown = cards if everything else cards[: CARDS_SHOWN[collapsed]]
            for card in shown:
                if collapsed:
                    _title(card)
                else:
                    _card(card, today=today)
            if len(shown) < len(cards):
                st.button(
                    t("boards.show_all", count=format_count(len(cards))),
                    key=f"show_all_{column.id}",
                    on_click=_show_all,
                    args=(column.id,),
                    type="tertiary",
                )


def _title(card: boards.CardSummary) -> None:
    st.button(
        f"{literal(card.key)} · {literal(card.title)}",
        key=f"card_{card.id}",
        on_click=open_card,
        args=(card.key,),
        width="stretch",
        type="tertiary",
    )


def _card(card: boards.CardSummary, *, today: date) -> None:
    title = f"{literal(card.key)} · {literal(card.title)}"
    with st.container(border=True):
        st.button(
            title, key=f"card_{card.id}", on_click=open_card, args=(card.key,), type="tertiary"
        )
        facts = []
        if card.status != "normal":
            facts.append(f":violet[{label('card_status', card.status)}]")
        if card.priority in ("high", "urgent"):
            facts.append(f":red[{label('priority', card.priority)}]")
        if due := due_text(card, today):
            facts.append(due)
        if card.checklist_total:
            facts.append(f":material/checklist: {card.checklist_done}/{card.checklist_total}")
        if card.comments:
            facts.append(f":material/chat: {card.comments}")
        if card.attachments:
            facts.append(f":material/attach_file: {card.attachments}")
        if facts:
            st.caption(" · ".join(facts))
        if card.tags or card.assignee_names:
            st.caption(literal(" · ".join([*card.tags, *card.assignee_names])))


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def load_flow(
    database_url: str, _actor: Actor, actor_key: tuple, board_id: int, today: date
) -> boards.FlowAnalytics:
    """The board's flow analytics, cached a minute per user, board and day."""
    return boards.flow(get_engine(), _actor, board_id, today=today)


def analytics(actor: Actor, view: boards.BoardView, database_url: str, today: date) -> None:
    """Cumulative flow, WIP, throughput, cycle time per tag and ageing of the board."""
    flow = load_flow(database_url, actor, (actor.user_id, actor.role), view.id, today)
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
