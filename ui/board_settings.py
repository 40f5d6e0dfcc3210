"""Board settings (board admins): name, key and privacy, columns and WIP limits, tags,
members; and the archive (members restore, admins empty it after confirming).

Each form submit calls one cs_data command through ``ui.forms.submit``, which keeps the
error for the form's fields and shows a notice after success.
"""

from __future__ import annotations

import streamlit as st

from cs_data import boards, domain
from cs_data.auth import Actor
from cs_data.db import get_engine
from cs_data.errors import FieldError, InvalidInput
from ui.errors import show_field_errors
from ui.forms import form_error, submit
from ui.i18n import label, t
from ui.text import literal


def settings(actor: Actor, view: boards.BoardView) -> None:
    """Every settings form of the board."""
    engine = get_engine()
    with st.form("board_settings"):
        name = st.text_input(t("boards.name"), value=view.name)
        description = st.text_area(t("boards.description_field"), value=view.description or "")
        key = st.text_input(t("boards.key"), value=view.key, help=t("boards.key_help"))
        private = st.toggle(
            t("boards.private"), value=view.is_private, help=t("boards.private_help")
        )
        st.form_submit_button(
            t("boards.save"),
            type="primary",
            on_click=submit,
            args=(
                "board_settings",
                lambda: (
                    boards.update_board(
                        engine,
                        actor,
                        view.id,
                        seen_version=view.version,
                        name=name,
                        description=description,
                        key=key,
                        is_private=private,
                    )
                    and t("boards.saved")
                ),
            ),
        )
    error = form_error("board_settings")
    for field in ("name", "key"):
        show_field_errors(error, field)

    st.subheader(t("boards.columns_title"), anchor=False)
    names = {column.id: column.name for column in view.columns}
    column_id = st.selectbox(
        t("boards.column"), list(names), format_func=names.get, key="settings_column"
    )
    column = view.column(column_id)
    with st.form(f"column_{column.id}"):
        new_name = st.text_input(t("boards.name"), value=column.name)
        left, middle, right = st.columns(3)
        position = left.number_input(
            t("boards.column_position"), 1, len(view.columns), column.position + 1
        )
        limit = middle.number_input(
            t("boards.wip_limit"), 0, 999, column.wip_limit or 0, help=t("boards.wip_help")
        )
        mode = right.selectbox(
            t("boards.wip_mode"),
            domain.WIP_MODES,
            index=domain.WIP_MODES.index(column.wip_mode),
            format_func=lambda m: label("wip_mode", m),
        )

        def save_column() -> str:
            boards.rename_column(engine, actor, column.id, name=new_name)
            boards.move_column(engine, actor, column.id, position=int(position) - 1)
            boards.set_wip_limit(engine, actor, column.id, limit=int(limit) or None, mode=mode)
            return t("boards.saved")

        st.form_submit_button(t("boards.save"), on_click=submit, args=("column", save_column))
    show_field_errors(form_error("column"), "name")
    if st.button(
        t("boards.column_delete"), key=f"delete_column_{column.id}", icon=":material/delete:"
    ):
        submit(
            "column_delete",
            lambda: boards.delete_column(engine, actor, column.id) and t("boards.saved"),
        )
        st.rerun()
    show_field_errors(form_error("column_delete"), "column")
    with st.form("column_add", clear_on_submit=True):
        added = st.text_input(t("boards.column_new"))
        st.form_submit_button(
            t("boards.column_add"),
            on_click=submit,
            args=(
                "column_add",
                lambda: boards.add_column(engine, actor, view.id, name=added) and t("boards.saved"),
            ),
        )
    show_field_errors(form_error("column_add"), "name")

    st.subheader(t("boards.tags_title"), anchor=False)
    st.caption(
        ", ".join(f"{literal(tag)} ({label('color', color)})" for tag, color in view.tags.items())
    )
    with st.form("tag_set", clear_on_submit=True):
        left, right = st.columns(2)
        tag = left.text_input(t("boards.tag"))
        color = right.selectbox(
            t("boards.color"), domain.TAG_COLORS, format_func=lambda c: label("color", c)
        )
        st.form_submit_button(
            t("boards.save"),
            on_click=submit,
            args=(
                "tag_set",
                lambda: (
                    boards.set_tag(engine, actor, view.id, name=tag, color=color)
                    and t("boards.saved")
                ),
            ),
        )
    show_field_errors(form_error("tag_set"), "tag")

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
        user_id = left.selectbox(t("boards.member"), list(people), format_func=people.get)
        role = right.selectbox(
            t("boards.board_role"), domain.BOARD_ROLES, format_func=lambda r: label("board_role", r)
        )
        left.form_submit_button(
            t("boards.member_set"),
            on_click=submit,
            args=(
                "member",
                lambda: (
                    boards.set_member(engine, actor, view.id, user_id=user_id, role=role)
                    and t("boards.saved")
                ),
            ),
        )
        right.form_submit_button(
            t("boards.member_remove"),
            on_click=submit,
            args=(
                "member",
                lambda: (
                    boards.remove_member(engine, actor, view.id, user_id=user_id)
                    and t("boards.saved")
                ),
            ),
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
            right.button(
                t("boards.restore"),
                key=f"restore_archived_{card.id}",
                on_click=submit,
                args=(
                    "restore",
                    lambda card=card: (
                        boards.restore_card(engine, actor, card.id) and t("boards.restored")
                    ),
                ),
            )
    show_field_errors(form_error("restore"), "column")
    if view.role != "admin":
        return

    def empty() -> str:
        if not st.session_state.get("archive_confirm"):
            raise InvalidInput([FieldError("confirm", "confirm", "tick the box to confirm")])
        st.session_state.archive_confirm = False
        return t("boards.emptied", count=boards.empty_archive(engine, actor, view.id))

    st.checkbox(t("boards.empty_confirm", count=len(archived)), key="archive_confirm")
    st.button(t("boards.empty_archive"), type="primary", on_click=submit, args=("empty", empty))
    show_field_errors(form_error("empty"), "confirm")
