"""A card's detail dialog: fields, description, move control, checklist, comments, files,
history; members edit, visitors read. Every action calls one cs_data command and reruns the
app, so the board behind the dialog shows the change at once.

User text is shown as text: titles, comments, checklist items and file names through
``ui.text.literal`` or ``st.text``; the description through ``ui.text.safe_markdown``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from cs_data import boards, domain
from cs_data.auth import Actor
from cs_data.db import get_engine
from cs_data.errors import CockpitError, InvalidInput
from ui.errors import show_error, show_field_errors
from ui.i18n import format_count, format_date, format_datetime, label, t
from ui.text import literal, plain, safe_markdown

OPEN_CARD = "boards_open_card"
"""Session key of the card whose dialog is open (its key, e.g. ``CS-42``)."""
_ERROR = "boards_card_error"
_CHANGED = "boards_card_changed"


def open_card(key: str) -> None:
    """Open the dialog of card ``key`` (a button's ``on_click``); the URL names it too."""
    st.session_state[OPEN_CARD] = key
    st.query_params["card"] = key


def close_card() -> None:
    st.session_state.pop(OPEN_CARD, None)
    st.session_state.pop(_ERROR, None)
    st.query_params.pop("card", None)


def _run(action: str, command: Callable[[], Any]) -> None:
    """A widget callback: run a command, keep its error for ``action``; on success the next
    run of the dialog reruns the whole app, so the board behind shows the change."""
    try:
        command()
    except CockpitError as error:
        st.session_state[_ERROR] = (action, error)
        return
    st.session_state.pop(_ERROR, None)
    st.session_state[_CHANGED] = True


def _value(key: str) -> Any:
    return st.session_state.get(key)


def _error(action: str) -> InvalidInput | None:
    """Show the last error of ``action`` here (field errors are returned for the fields)."""
    kept = st.session_state.get(_ERROR)
    if not kept or kept[0] != action:
        return None
    error = kept[1]
    if isinstance(error, boards.CardChanged):
        who = "; ".join(f"{name}: {', '.join(fields)}" for name, fields in error.changes)
        st.warning(
            t("boards.card_changed", who=literal(who or "—")), icon=":material/sync_problem:"
        )
        return None
    if isinstance(error, InvalidInput):
        return error
    show_error(error)
    return None


def due_text(card: boards.CardSummary, today: date) -> str:
    """The due date, marked when overdue or due within a week."""
    if card.due_date is None:
        return ""
    shown = format_date(card.due_date)
    if card.is_overdue(today):
        return f":red[{t('boards.overdue', date=shown)}]"
    if card.is_due_soon(today):
        return f":orange[{t('boards.due_soon', date=shown)}]"
    return t("boards.due", date=shown)


def show_card(actor: Actor, key: str, zone: Any, today: date) -> None:
    """The body of the card dialog (the page wraps it in ``st.dialog``)."""
    if st.session_state.pop(_CHANGED, False):
        st.rerun()
    try:
        detail = boards.get_card(get_engine(), actor, key)
        view = boards.get_board(get_engine(), actor, detail.board_id)
    except CockpitError as error:
        show_error(error)
        return
    card = detail.card
    st.markdown(f"**{literal(card.key)}** · {literal(card.title)}")
    facts = [
        t("boards.in_column", column=literal(detail.column_name)),
        label("card_status", card.status),
        t("boards.priority_is", priority=label("priority", card.priority)),
        due_text(card, today),
    ]
    if card.is_archived:
        facts.insert(0, f":gray[{t('boards.archived')}]")
    st.markdown(" · ".join(fact for fact in facts if fact))
    people = ", ".join(card.assignee_names) or t("boards.nobody")
    st.text(
        " · ".join(
            filter(
                None,
                [
                    t("boards.assignees_are", people=people),
                    t("boards.account_link", account=card.account_id) if card.account_id else "",
                    t("boards.ticket_link", ticket=card.ticket_id) if card.ticket_id else "",
                ],
            )
        )
    )
    if card.tags:
        st.text(t("boards.tags_are", tags=", ".join(card.tags)))
    if detail.description:
        with st.container(border=True):
            st.markdown(safe_markdown(detail.description))
    if detail.may_edit and not card.is_archived:
        _move_control(actor, card, view)
    names = ("checklist", "comments", "files", "edit", "history")
    # stable labels (no counts): a tab is known by its label, so it stays open across reruns
    tabs = st.tabs([t(f"boards.tab_{name}") for name in names], key=f"card_tabs_{card.id}")
    with tabs[0]:
        _checklist(actor, detail, view)
    with tabs[1]:
        _comments(actor, detail, zone)
    with tabs[2]:
        _files(actor, detail)
    with tabs[3]:
        _edit(actor, detail, view)
    with tabs[4]:
        _history(detail, zone)


def _move_control(actor: Actor, card: boards.CardSummary, view: boards.BoardView) -> None:
    """To column, to position: the keyboard-reachable move (same command as the CLI)."""
    names = {column.id: column.name for column in view.columns}
    left, middle, right = st.columns([3, 2, 2], vertical_alignment="bottom")
    column_id = left.selectbox(
        t("boards.move_to"),
        list(names),
        index=list(names).index(card.column_id),
        format_func=names.get,
        key=f"move_column_{card.id}",
    )
    target = view.column(column_id)
    last = target.count + (0 if column_id == card.column_id else 1)
    position = middle.number_input(
        t("boards.move_position"),
        min_value=1,
        max_value=max(1, last),
        value=min(card.position + 1, last) if column_id == card.column_id else last,
        key=f"move_position_{card.id}_{column_id}",
    )
    right.button(
        t("boards.move"),
        key=f"move_{card.id}",
        type="primary",
        on_click=_run,
        args=(
            "move",
            lambda: boards.move_card(
                get_engine(),
                actor,
                card.id,
                to_column_id=column_id,
                position=int(position) - 1,
                seen_version=card.version,
            ),
        ),
    )
    show_field_errors(_error("move"), "to_column")


def _checklist(actor: Actor, detail: boards.CardDetail, view: boards.BoardView) -> None:
    card = detail.card
    if card.checklist_total:
        st.progress(
            card.checklist_done / card.checklist_total,
            text=t(
                "boards.progress",
                done=format_count(card.checklist_done),
                total=format_count(card.checklist_total),
            ),
        )
    for item in detail.checklist:
        extra = [item.assignee_name or "", format_date(item.due_date) if item.due_date else ""]
        text = literal(item.text) + "".join(f" · {literal(e)}" for e in extra if e)
        key = f"item_{item.id}_{int(item.is_done)}"
        st.checkbox(
            text,
            value=item.is_done,
            key=key,
            disabled=not detail.may_edit,
            on_change=_run,
            args=(
                "checklist",
                lambda item=item, key=key: boards.update_checklist_item(
                    get_engine(), actor, item.id, is_done=bool(_value(key))
                ),
            ),
        )
    if not detail.checklist:
        st.caption(t("boards.checklist_empty"))
    if not detail.may_edit:
        return
    people = {member.user_id: member.display_name for member in view.members}
    with st.form(f"checklist_add_{card.id}", clear_on_submit=True):
        st.text_input(t("boards.item_text"), key="item_text")
        left, right = st.columns(2)
        left.selectbox(
            t("boards.item_assignee"),
            [None, *people],
            format_func=lambda u: people.get(u, "—"),
            key="item_assignee",
        )
        right.date_input(t("boards.item_due"), value=None, key="item_due")
        st.form_submit_button(
            t("boards.item_add"),
            on_click=_run,
            args=(
                "checklist",
                lambda: boards.add_checklist_item(
                    get_engine(),
                    actor,
                    card.id,
                    text=_value("item_text"),
                    assignee_id=_value("item_assignee"),
                    due_date=_value("item_due"),
                ),
            ),
        )
    show_field_errors(_error("checklist"), "text")


def _comments(actor: Actor, detail: boards.CardDetail, zone: Any) -> None:
    for comment in detail.comments:
        st.caption(f"{literal(comment.author_name)} · {format_datetime(comment.created_at, zone)}")
        st.text(comment.body)
    if not detail.comments:
        st.caption(t("boards.comments_empty"))
    if detail.may_edit:
        with st.form(f"comment_{detail.card.id}", clear_on_submit=True):
            st.text_area(t("boards.comment"), key="comment_body")
            st.form_submit_button(
                t("boards.comment_add"),
                on_click=_run,
                args=(
                    "comment",
                    lambda: boards.add_comment(
                        get_engine(), actor, detail.card.id, body=_value("comment_body") or ""
                    ),
                ),
            )
        show_field_errors(_error("comment"), "body")


def _files(actor: Actor, detail: boards.CardDetail) -> None:
    for info in detail.attachments:
        stored = boards.attachment_file(get_engine(), actor, info.id)
        st.download_button(
            t(
                "boards.download",
                name=literal(info.filename),
                kb=format_count(-(-info.size_bytes // 1024)),
            ),
            data=stored.content,
            file_name=stored.filename,
            mime=stored.content_type,
            key=f"download_{info.id}",
            icon=":material/download:",
        )
    if not detail.attachments:
        st.caption(t("boards.files_empty"))
    if not detail.may_edit:
        return
    megabytes = boards.MAX_ATTACHMENT_BYTES // (1024 * 1024)
    upload = st.file_uploader(
        t("boards.attach", mb=format_count(megabytes)),
        type=[suffix.lstrip(".") for suffix in boards.ATTACHMENT_TYPES],
        max_upload_size=megabytes,  # the uploader says and checks the limit too
        key=f"upload_{detail.card.id}_{detail.card.attachments}",  # emptied after an upload
    )
    if upload is not None:
        st.button(
            t("boards.attach_button"),
            key=f"attach_{detail.card.id}",
            on_click=_run,
            args=(
                "file",
                lambda: boards.add_attachment(
                    get_engine(),
                    actor,
                    detail.card.id,
                    filename=upload.name,
                    content=upload.getvalue(),
                ),
            ),
        )
    show_field_errors(_error("file"), "file")


def _edit(actor: Actor, detail: boards.CardDetail, view: boards.BoardView) -> None:
    card = detail.card
    if not detail.may_edit or card.is_archived:
        st.caption(t("boards.read_only"))
        if detail.may_edit:
            st.button(
                t("boards.restore"),
                key=f"restore_{card.id}",
                on_click=_run,
                args=("archive", lambda: boards.restore_card(get_engine(), actor, card.id)),
            )
        show_field_errors(_error("archive"), "column")
        return
    people = {member.user_id: member.display_name for member in view.members}
    form = f"edit_{card.id}_{card.version}"
    with st.form(form):
        st.text_input(t("boards.title_field"), value=card.title, key=f"{form}_title")
        st.text_area(
            t("boards.description_field"), value=detail.description or "", key=f"{form}_description"
        )
        left, middle, right = st.columns(3)
        left.selectbox(
            t("boards.status_field"),
            domain.CARD_STATUSES,
            index=domain.CARD_STATUSES.index(card.status),
            format_func=lambda s: label("card_status", s),
            key=f"{form}_status",
        )
        middle.selectbox(
            t("boards.priority_field"),
            domain.CARD_PRIORITIES,
            index=domain.CARD_PRIORITIES.index(card.priority),
            format_func=lambda p: label("priority", p),
            key=f"{form}_priority",
        )
        right.date_input(t("boards.due_field"), value=card.due_date, key=f"{form}_due_date")
        st.multiselect(
            t("boards.tags_field"),
            sorted(set(view.tags) | set(card.tags)),
            default=list(card.tags),
            accept_new_options=True,
            key=f"{form}_tags",
        )
        st.multiselect(
            t("boards.assignees_field"),
            sorted(set(people) | set(card.assignee_ids)),
            default=list(card.assignee_ids),
            format_func=lambda u: people.get(u, str(u)),
            key=f"{form}_assignee_ids",
        )
        fields = ("title", "description", "status", "priority", "due_date", "tags", "assignee_ids")
        st.form_submit_button(
            t("boards.save"),
            type="primary",
            on_click=_run,
            args=(
                "edit",
                lambda: boards.edit_card(
                    get_engine(),
                    actor,
                    card.id,
                    seen_version=card.version,
                    **{name: _value(f"{form}_{name}") for name in fields},
                ),
            ),
        )
    error = _error("edit")
    for field in ("title", "description", "tags", "assignee_ids"):
        show_field_errors(error, field)
    st.button(
        t("boards.archive"),
        key=f"archive_{card.id}",
        icon=":material/archive:",
        on_click=_run,
        args=("archive", lambda: boards.archive_card(get_engine(), actor, card.id)),
    )


def _history(detail: boards.CardDetail, zone: Any) -> None:
    rows = []
    for event in detail.activity:
        what = label("activity", event.kind)
        if event.kind == "moved":
            what = plain(
                t(
                    "boards.moved_from_to",
                    source=event.from_column or "—",
                    target=event.to_column or "—",
                )
            )
        elif event.kind == "edited" and event.details:
            fields = ", ".join(sorted(event.details.get("fields", {})))
            what = plain(t("boards.edited_fields", fields=fields))
        rows.append(
            {
                t("boards.when"): format_datetime(event.occurred_at, zone),
                t("boards.who"): event.actor_name,
                t("boards.what"): what,
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
