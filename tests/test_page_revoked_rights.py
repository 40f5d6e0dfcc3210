"""Revoked rights stop at once on a page already open (AppTest on app.py).

Each case draws a page for a user, changes that user in the database as another admin would
(deactivate, or demote to viewer), then submits what the page offered. Widget callbacks run
before app.py's gate: the callback gate (``ui.shell.callback_actor``) must refuse before any
command runs, and nothing may be written. The next run then shows why (the session ended, or
the page is refused).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from cs_data import targets, users
from cs_data.auth import operator
from cs_data.db import get_engine
from tests.apptest import add_user, log_in, new_app
from tests.test_page_targets import TARGETS_PAGE, add_target, button
from tests.test_page_users import USERS_PAGE

SESSION_ENDED = "Your session has ended"
REFUSED = "Your role does not allow this page. Ask an admin if you need access."


def deactivate(username: str) -> None:
    users.deactivate(get_engine(), operator(), username)


def demote(username: str) -> None:
    users.set_role(get_engine(), operator(), username, role="viewer")


@pytest.fixture
def calls(monkeypatch) -> list[str]:
    """The names of the cs_data commands called (none may run once rights are revoked)."""
    called: list[str] = []
    for module, names in (
        (users, ("create_user", "set_role", "reactivate", "deactivate", "list_users")),
        (targets, ("update_target",)),
    ):
        for name in names:
            command = getattr(module, name)
            monkeypatch.setattr(module, name, _spy(called, name, command))
    return called


def _spy(called: list[str], name: str, command: Callable) -> Callable:
    def spy(*args, **kwargs):
        called.append(name)
        return command(*args, **kwargs)

    return spy


def open_page(username: str, page: str) -> AppTest:
    at = log_in(new_app(), username)
    at.run()
    at.switch_page(page).run()
    assert not at.exception
    return at


@pytest.fixture
def admin_page(shared_mode) -> AppTest:
    """Ann's Users page; Zed is the other admin (so Ann is not the last one)."""
    add_user("ann", "admin", "Ann Admin")
    add_user("zed", "admin", "Zed Admin")
    return open_page("ann", USERS_PAGE)


def shown(at: AppTest) -> list[str]:
    return [m.value for m in (*at.warning, *at.error)]


def submit(at: AppTest, form: str, label: str) -> None:
    at.button(key=f"FormSubmitter:{form}-{label}").click().run()
    assert not at.exception


def test_a_deactivated_admin_cannot_create_an_admin(admin_page, calls):
    at = admin_page
    at.text_input(key="new_username").input("eve")
    at.text_input(key="new_display_name").input("Eve")
    at.selectbox(key="new_role").select("admin")
    at.text_input(key="new_password").input("Eve-pass-1234")
    at.text_input(key="new_repeat").input("Eve-pass-1234")
    deactivate("ann")
    calls.clear()

    submit(at, "user_create", "Create user")

    assert calls == [], "no command ran"
    everyone = users.list_users(get_engine(), operator())
    assert "eve" not in {u.username for u in everyone}
    assert any(message.startswith(SESSION_ENDED) for message in shown(at))
    assert not at.dataframe, "no user list any more"


def test_a_deactivated_admin_cannot_reactivate_themselves(admin_page, calls):
    at = admin_page
    at.selectbox(key="active_user").select("ann")
    at.checkbox(key="active_confirm").check()
    deactivate("ann")
    calls.clear()

    submit(at, "user_active", "Deactivate or reactivate")

    assert calls == []
    assert users.active_actor(get_engine(), "ann") is None
    assert any(message.startswith(SESSION_ENDED) for message in shown(at))


def test_a_demoted_admin_cannot_promote_themselves(admin_page, calls):
    at = admin_page
    at.selectbox(key="role_user").select("ann")
    at.selectbox(key="role_role").select("admin")
    demote("ann")
    calls.clear()

    submit(at, "user_role", "Change role")

    assert calls == []
    assert users.active_actor(get_engine(), "ann").role == "viewer"
    assert REFUSED in shown(at)


def test_a_demoted_manager_cannot_save_a_target_edit(shared_mode, calls):
    target = add_target(name="CSAT 80%")
    add_user("max", "manager", "Max Manager")
    at = open_page("max", TARGETS_PAGE)
    at.text_input(key="edit_name").input("Changed by a viewer")
    demote("max")
    calls.clear()

    button(at, "Save changes").click().run()

    assert not at.exception
    assert calls == []
    (stored,) = targets.list_targets(get_engine(), include_past=True)
    assert (stored.name, stored.version) == ("CSAT 80%", target.version)
    assert not at.tabs, "a viewer gets no edit form"
