"""Boards: the team's Kanban boards — columns side by side, card details by click or by URL
(``?card=CS-42``), a move control, settings, the archive and the board's flow analytics."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from cs_data import boards
from cs_data.auth import can
from cs_data.data_versions import BOARD_TABLES
from cs_data.db import get_engine
from cs_data.errors import CockpitError
from ui import board_settings, shell
from ui.board_card import OPEN_CARD, close_card, show_card
from ui.board_dnd import draw_board
from ui.board_view import analytics, filter_bar
from ui.errors import show_error, show_field_errors
from ui.forms import form_error, show_notice, submit
from ui.i18n import label, t
from ui.page_data import page_data
from ui.text import literal

KEPT_WIDGETS = (
    *(f"boards_{name}" for name in ("search", "tag", "priority", "assignee", "collapsed")),
    "boards_highlight",
    "settings_column",
)
"""Widgets inside the tabs whose choice outlives a visit to another tab."""

settings = shell.page_setup()
actor = shell.require("page.boards")
engine = get_engine()
today = datetime.now(settings.zone).date()
st.title(t("boards.title"), anchor=False)
show_notice(toast=True)


def pick_board(key: str) -> None:
    st.session_state.boards_board = key
    st.query_params["board"] = key


def create() -> str:
    made = boards.create_board(
        engine,
        actor,
        name=st.session_state.new_board_name,
        template=st.session_state.new_board_template,
    )
    pick_board(made.key)
    return t("boards.created", name=literal(made.name), prefix=literal(made.key))


def add_card(board_id: int, column_id: int) -> str:
    card = boards.add_card(
        engine, actor, board_id, column_id=column_id, title=st.session_state.new_card_title
    )
    st.session_state.new_card_title = ""
    return t("boards.card_added", card=literal(card.key))


try:
    listed = boards.list_boards(engine, actor)
except CockpitError as error:
    show_error(error)
    st.stop()
if (wanted := st.query_params.get("card")) and st.session_state.get(OPEN_CARD) != wanted:
    st.session_state[OPEN_CARD] = wanted
    st.session_state.boards_board = wanted.rsplit("-", 1)[0].upper()
if (key := st.query_params.get("board")) and "boards_board" not in st.session_state:
    st.session_state.boards_board = key.upper()
keys = {summary.key: summary for summary in listed}
if st.session_state.get("boards_board") not in keys and keys:
    st.session_state.boards_board = next(iter(keys))

top = st.columns([3, 2], vertical_alignment="bottom")
chosen = top[0].selectbox(
    t("boards.board"),
    list(keys),
    key="boards_board",
    format_func=lambda k: f"{keys[k].name} ({k})",  # stable: the browser knows it by label
    on_change=lambda: st.query_params.update(board=st.session_state.boards_board),
)
if can(actor, "board.create"):
    with top[1].popover(t("boards.new_board"), icon=":material/add:"):
        with st.form("board_create", clear_on_submit=True):
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
if not listed:
    st.info(t("boards.none"))
    st.stop()

try:
    view = boards.get_board(engine, actor, keys[chosen].id)
except CockpitError as error:
    show_error(error)
    st.stop()
about = [
    label("board_role", view.role),
    t("boards.private") if view.is_private else t("boards.public"),
]
if view.description:
    about.append(literal(view.description))
st.caption(" · ".join(about))

may_work = view.role in ("admin", "member")
names = [
    t("boards.tab_board"),
    t("boards.tab_analytics"),
    t("boards.tab_archive"),
]
if view.role == "admin":
    names.append(t("boards.tab_settings"))
tabs = shell.lazy_tabs(names, "board_tab", keep=KEPT_WIDGETS)
if tabs[0].open:
    with tabs[0]:
        if may_work:
            with st.form("card_add", clear_on_submit=False, border=False):
                left, middle, right = st.columns([4, 2, 1], vertical_alignment="bottom")
                left.text_input(
                    t("boards.new_card"),
                    key="new_card_title",
                    placeholder=t("boards.new_card_hint"),
                )
                columns = {column.id: column.name for column in view.columns}
                middle.selectbox(
                    t("boards.column"),
                    list(columns),
                    format_func=columns.get,
                    key="new_card_column",
                )
                right.form_submit_button(
                    t("boards.add"),
                    type="primary",
                    on_click=submit,
                    args=("card_add", lambda: add_card(view.id, st.session_state.new_card_column)),
                )
            error = form_error("card_add")
            for field in ("title", "column"):
                show_field_errors(error, field)
        where, collapsed = filter_bar(view)
        draw_board(view, where, collapsed=collapsed, me=actor.user_id, today=today)
if tabs[1].open:
    with tabs[1]:
        try:
            analytics(actor, view, page_data(settings, BOARD_TABLES).key, today)
        except CockpitError as error:
            show_error(error)
if tabs[2].open:
    with tabs[2]:
        board_settings.archive(actor, view)
if view.role == "admin" and tabs[3].open:
    with tabs[3]:
        board_settings.settings(actor, view)

if card_key := st.session_state.get(OPEN_CARD):
    st.dialog(t("boards.card_title", card=literal(card_key)), width="large", on_dismiss=close_card)(
        show_card
    )(actor, card_key, settings.zone, today)
