"""Around the board: the switch between its views, the toolbar (new card, search, highlight,
filters, titles only) and the flow analytics charts (the columns and cards themselves are one
component: ``ui.board_dnd``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from cs_data import boards, domain
from cs_data.auth import Actor
from cs_data.db import get_engine
from ui import charts
from ui.errors import show_field_errors
from ui.forms import form_error, submit
from ui.i18n import choice_key, format_count, format_date, format_number, label, t
from ui.page_data import CACHE_MAX_ENTRIES, CACHE_TTL_SECONDS, DataKey
from ui.text import literal

VIEW_KEY = "board_view"
"""The view switch's widget key: which view of the board runs and is drawn."""
FILTER_KEYS = ("boards_tag", "boards_priority", "boards_assignee")
"""The filters kept in the "Filters" popover."""


def view_switch(views: list[str], *, keep: Iterable[str] = ()) -> str:
    """Board, flow analytics, archive or settings: only the chosen view runs and is drawn.

    A row of buttons above the view rather than tabs around it: a tab strip is drawn again
    with every element that arrives inside its tabs, which on the board costs more than
    the cards. Streamlit forgets the state of a widget a run does not draw, so the widgets
    ``keep`` are carried over and come back as they were when their view opens again."""
    for name in keep:
        if name in st.session_state:
            st.session_state[name] = st.session_state[name]
    if st.session_state.get(VIEW_KEY) not in views:
        st.session_state[VIEW_KEY] = views[0]
    return st.segmented_control(
        t("boards.view"),
        views,
        key=VIEW_KEY,
        required=True,
        format_func=lambda v: t(f"boards.tab_{v}"),
        label_visibility="collapsed",
    )


def board_menu(
    keys: dict[str, boards.BoardSummary], create: Callable[[], str] | None
) -> str | None:
    """The board shown (``boards_board``), chosen in a menu named after it that also holds the
    "New board" form when ``create`` may make one; None when there is no board yet.

    A menu rather than a select box: its list is drawn only once opened, so a load draws
    one button."""
    shown = st.session_state.get("boards_board")
    caption = f"{literal(keys[shown].name)} ({shown})" if keys else t("boards.new_board")
    icon = ":material/view_kanban:" if keys else ":material/add:"
    with st.popover(caption, icon=icon, key="boards_menu"):
        if keys:
            st.radio(
                t("boards.board"),
                list(keys),
                key="boards_board",
                format_func=lambda k: f"{literal(keys[k].name)} ({k})",
                on_change=lambda: st.query_params.update(board=st.session_state.boards_board),
            )
        if create is not None:
            _new_board_form(create)
    return shown if keys else None


def _new_board_form(create: Callable[[], str]) -> None:
    with st.form("board_create", clear_on_submit=True):
        st.markdown(f"**{t('boards.new_board')}**")
        st.text_input(t("boards.name"), key="new_board_name")
        st.selectbox(
            t("boards.template"),
            boards.TEMPLATES,
            key="new_board_template",
            format_func=lambda v: label("template", v),
        )
        st.form_submit_button(
            t("boards.create"), type="primary", on_click=submit, args=("board_create", create)
        )
    show_field_errors(form_error("board_create"), "name")


def _remember_view() -> None:
    """Keep the view in the URL (``?view=titles``), so a shared link shows the same."""
    if st.session_state.boards_collapsed:
        st.query_params["view"] = "titles"
    else:
        st.query_params.pop("view", None)


def _new_card_form(view: boards.BoardView, command: Callable[[], str]) -> None:
    """A card's title and column, added by ``command`` (kept open for the next card)."""
    with st.form("card_add", clear_on_submit=False, border=False):
        st.text_input(
            t("boards.title_field"), key="new_card_title", placeholder=t("boards.new_card_hint")
        )
        columns = {column.id: column.name for column in view.columns}
        st.selectbox(
            t("boards.column"), list(columns), format_func=columns.get, key="new_card_column"
        )
        st.form_submit_button(
            t("boards.add"), type="primary", on_click=submit, args=("card_add", command)
        )
    error = form_error("card_add")
    for field in ("title", "column"):
        show_field_errors(error, field)


def _filters(view: boards.BoardView) -> tuple[str, str | None, str | None, int | None]:
    """Search, tag, priority and assignee, in a popover whose label counts the ones in use."""
    people = {member.user_id: member.display_name for member in view.members}
    options = {
        "boards_tag": [None, *view.tags],
        "boards_priority": [None, *domain.CARD_PRIORITIES],
        "boards_assignee": [None, *people],
    }
    used = bool(st.session_state.get("boards_search")) + sum(
        st.session_state.get(key) is not None and st.session_state.get(key) in choices
        for key, choices in options.items()
    )
    caption = t("boards.filters_used", count=format_count(used)) if used else t("boards.filters")
    with st.popover(caption, icon=":material/filter_list:", key="boards_filters"):
        text = st.text_input(
            t("boards.search"), key="boards_search", placeholder=t("boards.search_hint")
        )
        tag = st.selectbox(
            t("boards.tag"),
            options["boards_tag"],
            key=choice_key("boards_tag"),
            format_func=lambda v: v or t("boards.any"),
            placeholder=t("boards.any"),  # a kept choice of None shows as no choice
        )
        priority = st.selectbox(
            t("boards.priority"),
            options["boards_priority"],
            key=choice_key("boards_priority"),
            format_func=lambda v: label("priority", v) if v else t("boards.any"),
            placeholder=t("boards.any"),
        )
        assignee = st.selectbox(
            t("boards.assignee"),
            options["boards_assignee"],
            key=choice_key("boards_assignee"),
            format_func=lambda v: people[v] if v else t("boards.any"),
            placeholder=t("boards.any"),
        )
    return text or "", tag, priority, assignee


def toolbar(
    view: boards.BoardView, new_card: Callable[[], str] | None
) -> tuple[boards.CardFilter, bool]:
    """One row of buttons above the board: "New card" (for those who may add one, added by
    ``new_card``), the filters, the highlight, titles only. Returns the filter and whether the
    board is collapsed.

    The forms and fields open in popovers, whose content the browser draws only once opened:
    a load draws buttons of one kind, not a form, a text field, three select boxes and a
    toggle (each kind of widget is also code the browser loads on every page load)."""
    with st.container(horizontal=True, vertical_alignment="center"):
        if new_card is not None:
            with st.popover(t("boards.new_card"), icon=":material/add:", type="primary"):
                _new_card_form(view, new_card)
        text, tag, priority, assignee = _filters(view)
        highlight = st.segmented_control(
            t("boards.highlight"),
            boards.HIGHLIGHTS,
            key="boards_highlight",
            format_func=lambda v: label("highlight", v),
            label_visibility="collapsed",
        )
        if "boards_collapsed" not in st.session_state:  # a link may ask for titles only
            st.session_state.boards_collapsed = (
                "titles" if st.query_params.get("view") == "titles" else None
            )
        collapsed = st.segmented_control(
            t("boards.card_size"),
            ["titles"],
            key="boards_collapsed",
            format_func=lambda _: t("boards.collapsed"),
            on_change=_remember_view,
            label_visibility="collapsed",
        )
    where = boards.CardFilter(
        text=text, tag=tag, priority=priority, assignee_id=assignee, highlight=highlight
    )
    return where, collapsed == "titles"


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=CACHE_MAX_ENTRIES, show_spinner=False)
def load_boards(key: DataKey, _actor: Actor, actor_key: tuple) -> list[boards.BoardSummary]:
    """The boards the user may see, cached per user (who may see which) until boards change."""
    return boards.list_boards(get_engine(), _actor)


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=CACHE_MAX_ENTRIES, show_spinner=False)
def load_board(key: DataKey, _actor: Actor, actor_key: tuple, board_id: int) -> boards.BoardView:
    """A board's columns and cards, cached per user (their board role) until a board's data,
    a member or a name changes: a visit, a filter or a highlight reads nothing again."""
    return boards.get_board(get_engine(), _actor, board_id)


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
    axis_format, tooltip_format = charts.period_formats(flow.cumulative_flow["day"])
    cfd = (
        alt.Chart(
            flow.cumulative_flow,
            title=alt.TitleParams(
                t("boards.cfd_title"), subtitle=t("boards.cfd_subtitle"), anchor="start"
            ),
        )
        .mark_area()
        .encode(
            x=alt.X(
                "day:T",
                timeUnit="yearmonthdate",
                title=t("boards.day"),
                axis=alt.Axis(format=axis_format, labelAngle=0),
            ),
            y=alt.Y("sum(cards):Q", stack=True, title=t("boards.cards")),
            color=alt.Color("column:N", sort=flow.columns[::-1], title=t("boards.column")),
            order=alt.Order("position:Q", sort="descending"),
            tooltip=[
                alt.Tooltip(
                    "day:T", timeUnit="yearmonthdate", title=t("boards.day"), format=tooltip_format
                ),
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
