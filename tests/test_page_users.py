"""The Users page (admins) through app.py, on a real database."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from cs_data import users
from cs_data.auth import operator
from cs_data.db import get_engine
from tests.apptest import PASSWORD, add_user, log_in, new_app
from ui.locale_ko import MESSAGES as KOREAN

USERS_PAGE = "pages/users.py"


@pytest.fixture
def admin_app(shared_mode) -> AppTest:
    add_user("ann", "admin", "Ann Admin")
    add_user("bob", "csm", "Bob Park")
    at = log_in(new_app(), "ann", "Ann Admin")
    at.run()
    at.switch_page(USERS_PAGE).run()
    assert not at.exception
    return at


def errors(at: AppTest) -> list[str]:
    return [element.value for element in at.error]


def submit(at: AppTest, form: str, label: str) -> None:
    at.button(key=f"FormSubmitter:{form}-{label}").click().run()
    assert not at.exception


def test_admin_sees_every_user_with_role_and_state(admin_app):
    assert admin_app.title[0].value == "Users"
    table = admin_app.dataframe[0].value
    assert list(table["Username"]) == ["ann", "bob"]
    assert list(table["Role"]) == ["Admin", "CSM"]
    assert list(table["Active"]) == [True, True]
    assert "Signed in as **Ann Admin** · Admin" in [m.value for m in admin_app.sidebar.markdown]


def test_create_a_user_and_clear_the_passwords(admin_app):
    at = admin_app
    at.text_input(key="new_username").input("cara")
    at.text_input(key="new_display_name").input("Cara Choi")
    at.selectbox(key="new_role").select("manager")
    at.text_input(key="new_password").input("Cara-pass-123")
    at.text_input(key="new_repeat").input("Cara-pass-123")

    submit(at, "user_create", "Create user")

    assert [s.value for s in at.success] == ["User cara created."]
    assert users.verify_login(get_engine(), "cara", "Cara-pass-123").role == "manager"
    assert list(at.dataframe[0].value["Username"]) == ["ann", "bob", "cara"]
    assert at.text_input(key="new_password").value == ""


def test_errors_show_next_to_their_fields_and_the_typing_stays(admin_app):
    at = admin_app
    at.text_input(key="new_username").input("bob")
    at.text_input(key="new_display_name").input("Another Bob")
    at.text_input(key="new_password").input("Short1")
    at.text_input(key="new_repeat").input("Short1")

    submit(at, "user_create", "Create user")

    assert errors(at) == ["This username is taken.", "Use at least 10 characters."]
    assert at.text_input(key="new_username").value == "bob"
    assert at.text_input(key="new_display_name").value == "Another Bob"
    assert not at.success


def test_over_long_input_is_kept_and_named_with_limit_and_length(admin_app):
    at = admin_app
    assert at.text_input(key="new_display_name").help == "At most 200 characters."
    at.text_input(key="new_username").input("eve")
    at.text_input(key="new_display_name").input("E" * 5000)
    at.text_input(key="new_password").input("Eve-pass-1234")
    at.text_input(key="new_repeat").input("Eve-pass-1234")

    submit(at, "user_create", "Create user")

    assert errors(at) == ["Use at most 200 characters; this has 5,000."]
    assert at.text_input(key="new_display_name").value == "E" * 5000
    assert not at.success


def test_different_passwords_are_caught_before_saving(admin_app):
    at = admin_app
    at.text_input(key="new_username").input("dan")
    at.text_input(key="new_display_name").input("Dan")
    at.text_input(key="new_password").input("Dan-pass-1234")
    at.text_input(key="new_repeat").input("Dan-pass-1235")

    submit(at, "user_create", "Create user")

    assert errors(at) == ["The two passwords differ."]
    assert [u.username for u in users.list_users(get_engine(), operator())] == ["ann", "bob"]


def test_change_a_role_and_reset_a_password(admin_app):
    at = admin_app
    at.selectbox(key="role_user").select("bob")
    at.selectbox(key="role_role").select("exec")
    submit(at, "user_role", "Change role")
    assert [s.value for s in at.success] == ["bob now has the role Executive."]

    at.selectbox(key="reset_user").select("bob")
    at.text_input(key="reset_password").input("Bob-new-pass-9")
    at.text_input(key="reset_repeat").input("Bob-new-pass-9")
    submit(at, "user_password", "Set password")

    assert [s.value for s in at.success] == ["The password of bob was changed."]
    assert users.verify_login(get_engine(), "bob", "Bob-new-pass-9").role == "exec"


def test_deactivation_needs_a_confirmation(admin_app):
    at = admin_app
    at.selectbox(key="active_user").select("bob")
    submit(at, "user_active", "Deactivate or reactivate")
    assert errors(at) == ["Tick the box to confirm."]
    assert users.active_actor(get_engine(), "bob") is not None

    at.checkbox(key="active_confirm").check()
    submit(at, "user_active", "Deactivate or reactivate")

    assert [s.value for s in at.success] == ["bob is deactivated and can no longer log in."]
    assert users.active_actor(get_engine(), "bob") is None
    assert list(at.dataframe[0].value["Active"]) == [True, False]


def test_a_deactivated_user_is_logged_out_on_the_next_run(shared_mode):
    add_user("ann", "admin")
    add_user("bob", "csm")
    at = log_in(new_app(), "bob")
    at.run()
    assert at.title[0].value == "Accounts"  # a CSM lands on the Accounts page

    users.deactivate(get_engine(), operator(), "bob")
    at.run()

    assert not at.title
    assert next(w.value for w in at.warning).startswith("Your session has ended")
    assert at.session_state["authentication_status"] is None


def test_the_page_is_in_korean_too(shared_mode):
    add_user("ann", "admin")
    at = log_in(new_app(), "ann")
    at.query_params["lang"] = "ko"
    at.run()
    at.switch_page(USERS_PAGE).run()

    assert at.title[0].value == "사용자"
    assert list(at.dataframe[0].value.columns)[:2] == ["사용자 이름", "이름"]
    assert PASSWORD not in str(at.main)


def test_a_language_switch_keeps_the_choices_of_the_forms(admin_app):
    # Forgetting them would be worse here than anywhere: a choice the browser can no longer
    # match falls back to the first option, so a form sent after the switch would act on the
    # first user, or give the admin role.
    at = admin_app
    at.selectbox(key="role_user").select("bob")
    at.selectbox(key="role_role").select("viewer")
    submit(at, "user_role", "Change role")
    at.selectbox(key="active_user").select("bob")
    submit(at, "user_active", "Deactivate or reactivate")
    assert errors(at) == ["Tick the box to confirm."]

    at.sidebar.button_group(key="_language_switch").set_value("ko").run()

    assert not at.exception
    role, person = at.selectbox(key="role_role"), at.selectbox(key="active_user")
    assert (role.value, person.value) == ("viewer", "bob")
    assert (role.proto.set_value, role.proto.raw_value) == (True, KOREAN["role.viewer"])
    assert person.proto.set_value
    assert person.proto.raw_value == KOREAN["users.state_active"].format(username="bob")
