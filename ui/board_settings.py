"""Board settings (board admins): name, key and privacy, columns and WIP limits, tags,
members; and the archive (members restore, admins empty it after confirming).

Each submit calls one cs_data command through ``ui.forms.submit`` as a callback, which keeps
the error for the form's fields and shows a notice after success. Callbacks run before the
page is drawn again, so they read what was typed from the widgets' session state keys.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from cs_data import boards, domain
from cs_data.auth import Actor
from cs_data.db import get_engine
from cs_data.errors import FieldError, InvalidInput
from ui.errors import show_field_errors
from ui.forms import form_error, submit
from ui.i18n import format_count, label, t
from ui.text import literal


def _value(key: str) -> object:
    return st.session_state.get(key)


def _saved(command: Callable[[], object]) -> Callable[[], str]:
    """``command`` as a ``submit`` command: run it, then say it was saved."""

    def run() -> str:
        command()
        return t("boards.saved")

    return run


def _confirmed(key: str) -> None:
    if not st.session_state.get(key):
        raise InvalidInput([FieldError("confirm", "confirm", "tick the box to confirm")])
    st.session_state[key] = False


def settings(actor: Actor, view: boards.BoardView) -> None:
    """Every settings form of the board."""
    engine = get_engine()
    form = f"board_{view.id}_{view.version}"
    with st.form(form):
        st.text_input(t("boards.name"), value=view.name, key=f"{form}_name")
        st.text_area(
            t("boards.description_field"), value=view.description or "", key=f"{form}_description"
        )
        st.text_input(t("boards.key"), value=view.key, help=t("boards.key_help"), key=f"{form}_key")
        st.toggle(
            t("boards.private"),
            value=view.is_private,
            help=t("boards.private_help"),
            key=f"{form}_private",
        )
        update = _saved(
            lambda: boards.update_board(
                engine,
                actor,
                view.id,
                seen_version=view.version,
                name=_value(f"{form}_name"),
                description=_value(f"{form}_description"),
                key=_value(f"{form}_key"),
                is_private=bool(_value(f"{form}_private")),
            )
        )
        st.form_submit_button(
            t("boards.save"), type="primary", on_click=submit, args=("board_settings", update)
        )
    error = form_error("board_settings")
    for field in ("name", "key"):
        show_field_errors(error, field)
    _columns(actor, view)
    _tags(actor, view)
    _members(actor, view)


def _columns(actor: Actor, view: boards.BoardView) -> None:
    engine = get_engine()
    st.subheader(t("boards.columns_title"), anchor=False)
    names = {column.id: column.name for column in view.columns}
    column_id = st.selectbox(
        t("boards.column"), list(names), format_func=names.get, key="settings_column"
    )
    column = view.column(column_id)
    form = f"column_{column.id}_{column.position}_{column.wip_limit}_{column.wip_mode}"
    with st.form(form):
        st.text_input(t("boards.name"), value=column.name, key=f"{form}_name")
        left, middle, right = st.columns(3)
        left.number_input(
            t("boards.column_position"),
            1,
            len(view.columns),
            column.position + 1,
            key=f"{form}_position",
        )
        middle.number_input(
            t("boards.wip_limit"),
            0,
            999,
            column.wip_limit or 0,
            help=t("boards.wip_help"),
            key=f"{form}_limit",
        )
        right.selectbox(
            t("boards.wip_mode"),
            domain.WIP_MODES,
            index=domain.WIP_MODES.index(column.wip_mode),
            format_func=lambda m: label("wip_mode", m),
            key=f"{form}_mode",
        )

        def save_column() -> str:
            boards.rename_column(engine, actor, column.id, name=_value(f"{form}_name"))
            position = int(_value(f"{form}_position")) - 1
            boards.move_column(engine, actor, column.id, position=position)
            limit = int(_value(f"{form}_limit")) or None
            boards.set_wip_limit(engine, actor, column.id, limit=limit, mode=_value(f"{form}_mode"))
            return t("boards.saved")

        st.form_submit_button(t("boards.save"), on_click=submit, args=("column", save_column))
    show_field_errors(form_error("column"), "name")

    def delete_column() -> str:
        _confirmed("column_delete_confirm")
        boards.delete_column(engine, actor, column.id)
        return t("boards.column_deleted", column=literal(column.name))

    left, right = st.columns([3, 1], vertical_alignment="center")
    left.checkbox(
        t("boards.column_delete_confirm", column=literal(column.name)), key="column_delete_confirm"
    )
    right.button(
        t("boards.column_delete"),
        key=f"delete_column_{column.id}",
        icon=":material/delete:",
        on_click=submit,
        args=("column_delete", delete_column),
    )
    error = form_error("column_delete")
    for field in ("confirm", "column"):
        show_field_errors(error, field)
    with st.form("column_add", clear_on_submit=True):
        st.text_input(t("boards.column_new"), key="column_new_name")
        add = _saved(
            lambda: boards.add_column(engine, actor, view.id, name=_value("column_new_name"))
        )
        st.form_submit_button(t("boards.column_add"), on_click=submit, args=("column_add", add))
    show_field_errors(form_error("column_add"), "name")


def _tags(actor: Actor, view: boards.BoardView) -> None:
    engine = get_engine()
    st.subheader(t("boards.tags_title"), anchor=False)
    shown = [f"{literal(tag)} ({label('color', color)})" for tag, color in view.tags.items()]
    st.caption(", ".join(shown))
    with st.form("tag_set", clear_on_submit=True):
        left, right = st.columns(2)
        left.text_input(t("boards.tag"), key="tag_name")
        right.selectbox(
            t("boards.color"),
            domain.TAG_COLORS,
            format_func=lambda c: label("color", c),
            key="tag_color",
        )
        set_tag = _saved(
            lambda: boards.set_tag(
                engine, actor, view.id, name=_value("tag_name"), color=_value("tag_color")
            )
        )
        st.form_submit_button(t("boards.save"), on_click=submit, args=("tag_set", set_tag))
    show_field_errors(form_error("tag_set"), "tag")


def _members(actor: Actor, view: boards.BoardView) -> None:
    engine = get_engine()
    st.subheader(t("boards.members_title"), anchor=False)
    st.dataframe(
        [
            {
                t("boards.member"): m.display_name,
                t("boards.board_role"): label("board_role", m.role),
            }
            for m in view.members
        ],
        hide_index=True,
    )
    people = {p.id: p.display_name for p in boards.candidate_people(engine, actor, view.id)}
    with st.form("member_set"):
        left, right = st.columns(2)
        left.selectbox(t("boards.member"), list(people), format_func=people.get, key="member_user")
        right.selectbox(
            t("boards.board_role"),
            domain.BOARD_ROLES,
            format_func=lambda r: label("board_role", r),
            key="member_role",
        )
        set_member = _saved(
            lambda: boards.set_member(
                engine, actor, view.id, user_id=_value("member_user"), role=_value("member_role")
            )
        )
        remove = _saved(
            lambda: boards.remove_member(engine, actor, view.id, user_id=_value("member_user"))
        )
        left.form_submit_button(
            t("boards.member_set"), on_click=submit, args=("member", set_member)
        )
        right.form_submit_button(
            t("boards.member_remove"), on_click=submit, args=("member", remove)
        )
    error = form_error("member")
    for field in ("role", "user"):
        show_field_errors(error, field)


def archive(actor: Actor, view: boards.BoardView) -> None:
    """The archived cards: restore one (members), or empty the archive (admins, confirmed)."""
    engine = get_engine()
    archived = boards.list_archived(engine, actor, view.id)
    if not archived:
        st.info(t("boards.archive_empty"))
        return
    may_work = view.role in ("admin", "member")
    for card in archived:
        left, right = st.columns([5, 1], vertical_alignment="center")
        left.markdown(f"{literal(card.key)} · {literal(card.title)}")
        if may_work:

            def restore(card: boards.CardSummary = card) -> str:
                boards.restore_card(engine, actor, card.id)
                return t("boards.restored")

            right.button(
                t("boards.restore"),
                key=f"restore_archived_{card.id}",
                on_click=submit,
                args=("restore", restore),
            )
    show_field_errors(form_error("restore"), "column")
    if view.role != "admin":
        return

    def empty() -> str:
        _confirmed("archive_confirm")
        return t("boards.emptied", count=format_count(boards.empty_archive(engine, actor, view.id)))

    st.checkbox(t("boards.empty_confirm", count=format_count(len(archived))), key="archive_confirm")
    st.button(t("boards.empty_archive"), type="primary", on_click=submit, args=("empty", empty))
    show_field_errors(form_error("empty"), "confirm")
