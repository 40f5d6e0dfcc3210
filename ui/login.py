"""The login gate: streamlit-authenticator over the database's users, with the database lockout.

``gate()`` runs in app.py before ``st.navigation`` and either returns the logged-in actor or
shows the login form (or what must be configured first) and stops the run. Rules it keeps:
exactly one ``Authenticate`` per run; no rerun of our own after a form login: the library's
cookie component must mount and write the cookie, and it reruns the app itself once it has
(then the form goes). A timed rerun removed the component before it had run on a busy machine,
and the browser was left without a cookie. The library's session keys are only read.
Users locked out or deactivated get an unusable password hash in the credentials, so the form
refuses them before it could accept them; failures are counted in the database.
"""

from __future__ import annotations

from typing import Any

import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.utilities.exceptions import LoginError

from cs_data import demo, security, users
from cs_data.auth import Actor
from cs_data.config import Settings
from cs_data.db import get_engine
from ui.i18n import label, t
from ui.login_cookie import use_request_cookies

ACTOR_KEY = "_cockpit_actor"
"""This session's verified actor (set on every run by the gate; pages read it)."""
_STATUS = "authentication_status"
_USERNAME = "username"
"""Session keys owned by streamlit-authenticator: read here, never written."""
LOGIN_FORM_KEY = "login"


def _credentials(accounts: list[users.LoginAccount]) -> dict[str, dict[str, Any]]:
    return {
        account.username: {
            "name": account.display_name,
            "email": account.email or "",
            "password": account.password_hash if account.may_log_in else users.unusable_hash(),
            "roles": [account.role],
        }
        for account in accounts
    }


def _startup_refusal(problems: list[security.StartupProblem]) -> None:
    st.title(t("login.refused_title"), anchor=False)
    st.error(t("login.refused_intro"))
    for problem in problems:
        st.markdown(t(f"login.problem.{problem.code}", **problem.params))
    st.stop()


def _demo_hint(accounts: list[users.LoginAccount]) -> None:
    names = [a for a in accounts if a.username in demo.DEMO_LOGIN_USERS]
    if not names:
        return
    with st.container(border=True):
        st.markdown(t("login.demo_title"))
        st.markdown(t("login.demo_body", password=demo.DEMO_PASSWORD))
        st.table(
            {
                t("login.demo_username"): [a.username for a in names],
                t("login.demo_role"): [label("role", a.role) for a in names],
            }
        )


def _fields() -> dict[str, str]:
    return {
        "Form name": t("login.form_title"),
        "Username": t("login.username"),
        "Password": t("login.password"),
        "Login": t("login.submit"),
    }


def gate(current: Settings) -> tuple[Actor, stauth.Authenticate]:
    """The logged-in, active actor and the authenticator (for the logout button); otherwise
    the login form, a refusal or a lockout message, and the run stops."""
    engine = get_engine()
    problems = security.startup_problems(current, engine)
    if problems:
        _startup_refusal(problems)
    accounts = users.login_accounts(engine)
    credentials = _credentials(accounts)
    use_request_cookies()
    authenticator = stauth.Authenticate(
        {"usernames": credentials},
        current.cookie_name,
        security.cookie_key(current),
        current.cookie_expiry_days,
        auto_hash=False,
        login_sleep_time=0,
    )
    was_logged_in = bool(st.session_state.get(_STATUS))
    form_column = st.columns([1, 2, 1])[1] if not was_logged_in else st.container()
    try:
        with form_column:
            authenticator.login(location="main", fields=_fields(), key=LOGIN_FORM_KEY)
    except LoginError:
        # a valid cookie for a user this database does not know
        authenticator.cookie_controller.delete_cookie()
        st.session_state.pop(ACTOR_KEY, None)
        st.warning(t("login.session_ended"))
        st.stop()

    if st.session_state.get(_STATUS):
        username = st.session_state[_USERNAME]
        actor = users.active_actor(engine, username)
        if actor is None:
            authenticator.logout(location="unrendered")
            st.session_state.pop(ACTOR_KEY, None)
            st.warning(t("login.session_ended"))
            st.stop()
        if not was_logged_in:
            users.record_successful_login(engine, username)
        st.session_state[ACTOR_KEY] = actor
        return actor, authenticator

    st.session_state.pop(ACTOR_KEY, None)
    failed = [name for name, entry in credentials.items() if entry.get("failed_login_attempts")]
    with form_column:
        if failed:
            minutes = users.record_failed_login(engine, failed[0])
            st.error(t("login.locked", minutes=minutes) if minutes else t("login.failed"))
        elif st.session_state.get(_STATUS) is False:
            st.error(t("login.failed"))
        if current.demo_mode:
            _demo_hint(accounts)
    st.stop()


def display_name() -> str:
    """The logged-in user's display name, as the authenticator keeps it."""
    return str(st.session_state.get("name") or "")


def logout_button(authenticator: stauth.Authenticate) -> None:
    """The logout button (in the active container); logging out clears this session's actor."""
    authenticator.logout(
        button_name=t("login.logout"),
        location="sidebar",
        key="sidebar_logout",
        callback=lambda _details: st.session_state.pop(ACTOR_KEY, None),
    )
