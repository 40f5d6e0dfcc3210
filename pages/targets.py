"""Targets: managers' SMART goals per KPI, with progress; create, edit and delete them."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

import streamlit as st

from cs_data import targets
from cs_data.auth import can
from cs_data.data_versions import KPI_TABLES
from cs_data.db import get_engine
from cs_data.errors import CockpitError, FieldError, InvalidInput
from ui import shell
from ui.errors import show_error, show_field_errors
from ui.forms import Caution, form_error, show_notice, submit
from ui.i18n import format_date, t
from ui.page_data import page_data
from ui.targets import (
    field_values,
    load_fields,
    load_progress,
    target_fields,
    target_frame,
    target_table,
)
from ui.text import literal


def in_view(target: targets.Target, notice: str) -> str:
    """``notice``; for a target wholly in the past, a warning, and past targets shown."""
    if target.deadline >= today:
        return notice
    st.session_state.targets_include_past = True
    return Caution(f"{notice} {t('targets.past_shown')}")


def do_create() -> str:
    acting = shell.current_actor()
    made = targets.create_target(get_engine(), acting, **field_values("new"))
    st.session_state.new_name = ""
    st.session_state.new_value = None
    return in_view(made, t("targets.created", name=literal(made.name)))


def do_update() -> str:
    acting = shell.current_actor()
    target_id, version = st.session_state.edit_seen
    try:
        changed = targets.update_target(
            get_engine(), acting, target_id, seen_version=version, **field_values("edit")
        )
    except targets.TargetChanged as conflict:
        st.session_state.edit_conflict = conflict.current
        raise
    st.session_state.edit_conflict = None
    st.session_state.edit_seen = (changed.id, changed.version)
    return in_view(changed, t("targets.updated", name=literal(changed.name)))


def do_overwrite() -> str:
    theirs = st.session_state.edit_conflict
    st.session_state.edit_seen = (theirs.id, theirs.version)
    return do_update()


def do_load_theirs() -> str:
    load_fields("edit", st.session_state.edit_conflict)
    st.session_state.edit_conflict = None
    return t("targets.loaded_theirs")


def do_delete(target: targets.Target) -> str:
    acting = shell.current_actor()
    if not st.session_state.delete_confirm:
        raise InvalidInput([FieldError("confirm", "confirm", "tick the box to confirm")])
    st.session_state.delete_confirm = False
    targets.delete_target(get_engine(), acting, target.id, seen_version=target.version)
    return t("targets.deleted", name=literal(target.name))


def show_conflict(theirs: targets.Target) -> None:
    with st.container(border=True):
        st.markdown(t("targets.conflict"))
        st.dataframe(target_frame([theirs]), hide_index=True, width="stretch")
        left, right = st.columns(2)
        left.button(
            t("targets.overwrite"), on_click=submit, args=("edit", do_overwrite, "target.update")
        )
        right.button(t("targets.load_theirs"), on_click=submit, args=("edit", do_load_theirs))


def new_section(_: dict[int, targets.Target]) -> None:
    target_fields("new", form_error("new"), today=today)
    st.button(
        t("targets.create"),
        type="primary",
        on_click=submit,
        args=("new", do_create, "target.create"),
    )


def edit_section(by_id: dict[int, targets.Target]) -> None:
    chosen = st.selectbox(
        t("targets.which"), list(by_id), key="edit_id", format_func=lambda i: by_id[i].name
    )
    if st.session_state.get("edit_seen", (None,))[0] != chosen:
        load_fields("edit", by_id[chosen])
        st.session_state.edit_conflict = None
    error = form_error("edit")
    if st.session_state.get("edit_conflict") is not None:
        show_conflict(st.session_state.edit_conflict)
    target_fields("edit", error, today=today)
    st.button(
        t("targets.save"),
        type="primary",
        on_click=submit,
        args=("edit", do_update, "target.update"),
    )


def delete_section(by_id: dict[int, targets.Target]) -> None:
    chosen = st.selectbox(
        t("targets.which"), list(by_id), key="delete_id", format_func=lambda i: by_id[i].name
    )
    error = form_error("delete")
    st.checkbox(t("targets.confirm_delete"), key="delete_confirm")
    show_field_errors(error, "confirm")
    st.button(
        t("targets.delete"),
        on_click=submit,
        args=("delete", partial(do_delete, by_id[chosen]), "target.delete"),
    )


settings = shell.page_setup()
actor = shell.require("page.targets")
today = datetime.now(UTC).date()
st.title(t("targets.title"), anchor=False)
st.caption(t("targets.intro", date=format_date(today)))
show_notice()
include_past = st.toggle(t("targets.include_past"), key="targets_include_past")
try:
    data = page_data(settings, KPI_TABLES)
    progress = load_progress(data.key, data.as_of, include_past)
except CockpitError as failure:
    show_error(failure)
    st.stop()
if progress:
    target_table(progress)
else:
    st.info(t("targets.empty"), icon=":material/flag:")

by_id = {p.target.id: p.target for p in progress}
sections = {
    "new": (can(actor, "target.create"), new_section),
    "edit": (can(actor, "target.update") and bool(by_id), edit_section),
    "delete": (can(actor, "target.delete") and bool(by_id), delete_section),
}
shown = [name for name, (allowed, _) in sections.items() if allowed]
if shown:
    for name, tab in zip(shown, st.tabs([t(f"targets.tab_{n}") for n in shown]), strict=True):
        with tab:
            sections[name][1](by_id)
