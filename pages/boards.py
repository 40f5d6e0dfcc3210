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
from ui.board_view import analytics, board_menu, load_board, load_boards, toolbar, view_switch
from ui.errors import show_error
from ui.forms import show_notice
from ui.i18n import label, t
from ui.page_data import page_data
from ui.text import literal

KEPT_WIDGETS = (
    *(f"boards_{name}" for name in ("search", "tag", "priority", "assignee", "collapsed")),
    "boards_highlight",
    "settings_column",
)
"""Widgets of one view whose choice outlives a visit to another view."""

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


data_key = page_data(settings, BOARD_TABLES).key
actor_key = (actor.user_id, actor.role)
try:
    listed = load_boards(data_key, actor, actor_key)
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

heading = st.container(horizontal=True, vertical_alignment="center")
with heading:
    chosen = board_menu(keys, create if can(actor, "board.create") else None)
if chosen is None:
    st.info(t("boards.none"))
    st.stop()

try:
    view = load_board(data_key, actor, actor_key, keys[chosen].id)
except CockpitError as error:
    show_error(error)
    st.stop()
views = ["board", "analytics", "archive", *(["settings"] if view.role == "admin" else [])]
about = [
    label("board_role", view.role),
    t("boards.private") if view.is_private else t("boards.public"),
]
if view.description:
    about.append(literal(view.description))
with heading:
    shown = view_switch(views, keep=KEPT_WIDGETS)
    st.caption(" · ".join(about))

may_work = view.role in ("admin", "member")
if shown == "board":
    new_card = (lambda: add_card(view.id, st.session_state.new_card_column)) if may_work else None
    where, collapsed = toolbar(view, new_card)
    draw_board(view, where, collapsed=collapsed, me=actor.user_id, today=today)
elif shown == "analytics":
    try:
        analytics(actor, view, data_key, today)
    except CockpitError as error:
        show_error(error)
elif shown == "archive":
    board_settings.archive(actor, view)
else:
    board_settings.settings(actor, view)

if card_key := st.session_state.get(OPEN_CARD):
    st.dialog(t("boards.card_title", card=literal(card_key)), width="large", on_dismiss=close_card)(
        show_card
    )(actor, card_key, settings.zone, today)
