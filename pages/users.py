"""Users (admins): who can log in, with which role; create, change role, reset, deactivate."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cs_data import domain, users
from cs_data.db import get_engine
from cs_data.errors import CockpitError, FieldError, InvalidInput
from ui import shell
from ui.errors import show_error, show_field_errors
from ui.forms import form_error, length_limit, show_notice, submit
from ui.i18n import choice_key, format_count, format_datetime, label, t
from ui.text import literal

CREATE_FIELDS = ("new_username", "new_display_name", "new_email", "new_password", "new_repeat")
RESET_FIELDS = ("reset_password", "reset_repeat")


def _user_table(people: list[users.UserInfo]) -> None:
    frame = pd.DataFrame(
        {
            t("users.col_username"): [u.username for u in people],
            t("users.col_name"): [u.display_name for u in people],
            t("users.col_email"): [u.email or "" for u in people],
            t("users.col_role"): [label("role", u.role) for u in people],
            t("users.col_active"): [u.is_active for u in people],
            t("users.col_login"): [u.has_password for u in people],
            t("users.col_created"): [format_datetime(u.created_at, settings.zone) for u in people],
        }
    )
    st.dataframe(frame, hide_index=True, width="stretch")


def create_form() -> None:
    form = "create"
    error = form_error(form)
    with st.form("user_create"):
        st.text_input(
            t("users.username"), key="new_username", help=length_limit(users.MAX_USERNAME_LENGTH)
        )
        show_field_errors(error, "username")
        st.text_input(
            t("users.display_name"),
            key="new_display_name",
            help=length_limit(users.MAX_DISPLAY_NAME_LENGTH),
        )
        show_field_errors(error, "display_name")
        st.text_input(t("users.email"), key="new_email", help=length_limit(users.MAX_EMAIL_LENGTH))
        show_field_errors(error, "email")
        st.selectbox(
            t("users.role"),
            domain.ROLES,
            index=domain.ROLES.index("viewer"),
            key=choice_key("new_role"),
            format_func=role_name,
        )
        show_field_errors(error, "role")
        st.text_input(t("users.password"), type="password", key="new_password")
        show_field_errors(error, "password")
        st.text_input(t("users.repeat"), type="password", key="new_repeat")
        show_field_errors(error, "new_repeat")
        st.caption(t("users.password_rules", min=format_count(users.MIN_PASSWORD_LENGTH)))
        st.form_submit_button(
            t("users.create"),
            type="primary",
            on_click=submit,
            args=(form, do_create, "user.create"),
            kwargs={"repeat": ("new_password", "new_repeat"), "clear": CREATE_FIELDS},
        )


def do_create() -> str:
    acting = shell.current_actor()
    created = users.create_user(
        get_engine(),
        acting,
        username=st.session_state.new_username,
        display_name=st.session_state.new_display_name,
        email=st.session_state.new_email,
        role=st.session_state.new_role,
        password=st.session_state.new_password,
    )
    return t("users.created", username=literal(created.username))


def role_form(names: list[str]) -> None:
    form = "role"
    error = form_error(form)
    with st.form("user_role"):
        st.selectbox(t("users.user"), names, key="role_user")
        st.selectbox(
            t("users.role"), domain.ROLES, key=choice_key("role_role"), format_func=role_name
        )
        show_field_errors(error, "role")
        st.form_submit_button(
            t("users.set_role"), on_click=submit, args=(form, do_set_role, "user.set_role")
        )


def do_set_role() -> str:
    acting = shell.current_actor()
    name = st.session_state.role_user
    changed = users.set_role(get_engine(), acting, name, role=st.session_state.role_role)
    return t("users.role_set", username=literal(name), role=literal(role_name(changed.role)))


def password_form(names: list[str]) -> None:
    form = "password"
    error = form_error(form)
    with st.form("user_password"):
        st.selectbox(t("users.user"), names, key="reset_user")
        st.text_input(t("users.password"), type="password", key="reset_password")
        show_field_errors(error, "password")
        st.text_input(t("users.repeat"), type="password", key="reset_repeat")
        show_field_errors(error, "reset_repeat")
        st.caption(t("users.password_rules", min=format_count(users.MIN_PASSWORD_LENGTH)))
        st.form_submit_button(
            t("users.reset"),
            on_click=submit,
            args=(form, do_reset, "user.reset_password"),
            kwargs={"repeat": ("reset_password", "reset_repeat"), "clear": RESET_FIELDS},
        )


def do_reset() -> str:
    acting = shell.current_actor()
    name = st.session_state.reset_user
    users.reset_password(get_engine(), acting, name, password=st.session_state.reset_password)
    return t("users.password_changed", username=literal(name))


def active_form(people: list[users.UserInfo]) -> None:
    form = "active"
    error = form_error(form)
    with st.form("user_active"):
        st.selectbox(
            t("users.user"),
            [u.username for u in people],
            key=choice_key("active_user"),
            format_func=lambda name: t(
                "users.state_active"
                if next(u for u in people if u.username == name).is_active
                else "users.state_inactive",
                username=name,
            ),
        )
        show_field_errors(error, "username")
        st.checkbox(t("users.confirm"), key="active_confirm")
        show_field_errors(error, "confirm")
        st.form_submit_button(
            t("users.toggle"), on_click=submit, args=(form, toggle_active, "user.deactivate")
        )


def toggle_active() -> str:
    acting = shell.current_actor()
    name = st.session_state.active_user
    if not st.session_state.active_confirm:
        raise InvalidInput([FieldError("confirm", "confirm", "tick the box to confirm")])
    st.session_state.active_confirm = False
    engine = get_engine()
    current = next(u for u in users.list_users(engine, acting) if u.username == name)
    if current.is_active:
        users.deactivate(engine, acting, name)
        return t("users.deactivated", username=literal(name))
    users.reactivate(engine, acting, name)
    return t("users.reactivated", username=literal(name))


def role_name(role: str) -> str:
    return label("role", role)


settings = shell.page_setup()
actor = shell.require("page.users")
st.title(t("users.title"), anchor=False)
st.caption(t("users.intro"))
show_notice()
try:
    people = users.list_users(get_engine(), actor)
except CockpitError as failure:
    show_error(failure)
    st.stop()
_user_table(people)
names = [u.username for u in people]
create, role, password, active = st.tabs(
    [t("users.tab_create"), t("users.tab_role"), t("users.tab_password"), t("users.tab_active")]
)
with create:
    create_form()
with role:
    role_form(names)
with password:
    password_form(names)
with active:
    active_form(people)
