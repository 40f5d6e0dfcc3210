"""The board drawn by one custom component (Streamlit components v2, inline, no iframe):
columns side by side with their cards, drag and drop of cards between and within columns,
and a click on a card to open its detail.

The component's JavaScript (``board_dnd.js``) builds every node with ``createElement`` and
``textContent``: titles, tags and names travel as data and are never parsed as HTML (so no
``literal`` escaping here: it would show). A drop sends ``{card, column, position,
version}``; Python runs the same ``boards.move_card`` as the card dialog's move control, and
shows a refusal (a blocking WIP limit, a card changed meanwhile) above the board.

One element for the whole board instead of a few Streamlit elements per card: a board of
500 cards is one message of plain data and one DOM build in the browser.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import streamlit as st

from cs_data import boards, domain
from cs_data.db import get_engine
from ui import shell
from ui.board_card import open_card
from ui.errors import show_field_errors
from ui.forms import Caution, clear_error, form_error, kept_error, submit
from ui.i18n import format_count, format_date, label, t
from ui.text import literal

_HERE = Path(__file__).parent
KEY = "boards_dnd"
"""The component's widget key (its state and events in ``st.session_state``)."""
MOVE_FORM = "board_move"
"""Where a refused drop's error is kept (``ui.forms``)."""

board_component = st.components.v2.component(
    "cs_cockpit.board",
    html=None,
    css=(_HERE / "board_dnd.css").read_text(encoding="utf-8"),
    js=(_HERE / "board_dnd.js").read_text(encoding="utf-8"),
)


def _due(card: boards.CardSummary, today: date) -> dict[str, str] | None:
    """The due date as text with its tone: red when overdue, orange within a week."""
    if card.due_date is None:
        return None
    shown = format_date(card.due_date)
    if card.is_overdue(today):
        return {"text": t("boards.overdue", date=shown), "tone": "red"}
    if card.is_due_soon(today):
        return {"text": t("boards.due_soon", date=shown), "tone": "orange"}
    return {"text": t("boards.due", date=shown), "tone": ""}


def _card(
    card: boards.CardSummary, *, collapsed: bool, tags: dict[str, str], today: date
) -> dict[str, Any]:
    drawn: dict[str, Any] = {
        "id": card.id,
        "key": card.key,
        "title": card.title,
        "position": card.position,
        "version": card.version,
    }
    if collapsed:
        return drawn
    urgent = card.priority in ("high", "urgent")
    return drawn | {
        "status": label("card_status", card.status) if card.status != "normal" else None,
        "priority": {"text": label("priority", card.priority), "tone": "red"} if urgent else None,
        "due": _due(card, today),
        "checklist": f"{card.checklist_done}/{card.checklist_total}"
        if card.checklist_total
        else None,
        "comments": format_count(card.comments) if card.comments else None,
        "attachments": format_count(card.attachments) if card.attachments else None,
        "tags": [
            {"name": tag, "color": tags.get(tag) if tags.get(tag) in domain.TAG_COLORS else "gray"}
            for tag in card.tags
        ],
        "assignees": list(card.assignee_names),
    }


def _column(
    column: boards.ColumnView,
    cards: list[boards.CardSummary],
    *,
    collapsed: bool,
    tags: dict[str, str],
    today: date,
) -> dict[str, Any]:
    """A column's header (``3/5``, red when over, orange at the limit; how many the filters
    show) and its cards in order."""
    count = (
        f"{format_count(column.count)}/{format_count(column.wip_limit)}"
        if column.wip_limit
        else format_count(column.count)
    )
    tone = "over" if column.over_limit else "at" if column.at_limit else ""
    return {
        "id": column.id,
        "name": column.name,
        "size": column.count,
        "count": count,
        "tone": tone,
        "shown": t("boards.shown", shown=format_count(len(cards)))
        if len(cards) != column.count
        else "",
        "note": t("boards.over_limit", mode=label("wip_mode", column.wip_mode))
        if column.over_limit
        else "",
        "cards": [_card(c, collapsed=collapsed, tags=tags, today=today) for c in cards],
    }


def board_data(
    view: boards.BoardView,
    where: boards.CardFilter,
    *,
    collapsed: bool,
    me: int | None,
    today: date,
) -> dict[str, Any]:
    """What the component draws: every column with its (filtered) cards, plain text only."""
    return {
        "board": view.id,
        "collapsed": collapsed,
        "may_move": view.role in ("admin", "member"),
        "labels": {
            "empty": t("boards.column_empty"),
            "checklist": t("boards.tab_checklist"),
            "comments": t("boards.tab_comments"),
            "attachments": t("boards.tab_files"),
        },
        "columns": [
            _column(
                column,
                [c for c in column.cards if boards.card_matches(c, where, me=me, today=today)],
                collapsed=collapsed,
                tags=view.tags,
                today=today,
            )
            for column in view.columns
        ],
    }


def _as_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _move(drop: Any) -> str:
    """Run a drop's move with the same command as the move control (a ``submit`` command):
    no notice (the card is where it was dropped), a caution when it put the column over a
    warning WIP limit."""
    drop = drop if isinstance(drop, dict) else {}
    card, column = _as_int(drop.get("card")), _as_int(drop.get("column"))
    if card is None or column is None:
        return ""  # not a drop the component sends
    moved = boards.move_card(
        get_engine(),
        shell.current_actor(),
        card,
        to_column_id=column,
        position=_as_int(drop.get("position")),
        seen_version=_as_int(drop.get("version")),
    )
    if not moved.over_limit:
        return ""
    return Caution(
        t(
            "boards.moved_over_limit",
            card=literal(moved.card.key),
            column=literal(moved.column_name),
        )
    )


def _dropped() -> None:
    """The component's ``move`` event: move the card, keep a refusal for the page."""
    submit(MOVE_FORM, lambda: _move(st.session_state[KEY].get("move")))


def _opened() -> None:
    """The component's ``open`` event: open the card's dialog (as ``?card=`` does)."""
    key = st.session_state[KEY].get("open")
    if isinstance(key, str):
        clear_error(MOVE_FORM)
        open_card(key)


def _show_refusal() -> None:
    """A refused drop, above the board: who changed the card, or the rule that refused it."""
    kept = kept_error(MOVE_FORM)
    if isinstance(kept, boards.CardChanged):
        who = "; ".join(f"{name}: {', '.join(fields)}" for name, fields in kept.changes)
        st.warning(
            t("boards.move_changed", card=literal(kept.key), who=literal(who or "—")),
            icon=":material/sync_problem:",
        )
        clear_error(MOVE_FORM)
        return
    error = form_error(MOVE_FORM)  # shows any error but field errors itself
    for field in ("to_column", "card"):
        show_field_errors(error, field)
    clear_error(MOVE_FORM)


def draw_board(
    view: boards.BoardView,
    where: boards.CardFilter,
    *,
    collapsed: bool,
    me: int | None,
    today: date,
) -> None:
    """The board: a refused move's reason, then the columns and cards in one component."""
    _show_refusal()
    if not view.columns:
        st.info(t("boards.no_columns"))
        return
    board_component(
        key=KEY,
        data=board_data(view, where, collapsed=collapsed, me=me, today=today),
        on_move_change=_dropped,
        on_open_change=_opened,
    )
