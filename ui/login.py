"""The login gate: streamlit-authenticator over the database's users, with the database lockout.

``gate()`` runs in app.py before ``st.navigation`` and either returns the logged-in actor or
shows the login form (or what must be configured first) and stops the run. Rules it keeps:
exactly one ``Authenticate`` per run; no rerun of our own after a form login: the library's
cookie component must mount and write the cookie, and it reruns the app itself once it has
(then the form goes). A timed rerun removed the component before it had run on a busy machine,
and the browser was left without a cookie. The library's session keys are only read.
The library shows the form and keeps the cookie; whether a typed password is accepted is
decided by ``users.verify_login`` (counted in the database, one atomic step per username, the
same answers for names nobody has). A login cookie the library cannot decode (another
algorithm, a bad header, garbage) counts as no cookie: the login form, never an error page.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import jwt
import streamlit as st

from cs_data import demo, security, users
from cs_data.auth import Actor
from cs_data.config import Settings
from cs_data.db import get_engine
from ui.i18n import format_count, label, t
from ui.text import code

if TYPE_CHECKING:
    import streamlit_authenticator as stauth

ACTOR_KEY = "_cockpit_actor"
"""This session's verified actor (set on every run by the gate; pages read it)."""
_STATUS = "authentication_status"
_USERNAME = "username"
"""Session keys owned by streamlit-authenticator: read here, never written."""
LOGIN_FORM_KEY = "login"

log = logging.getLogger(__name__)


def _credentials(accounts: list[users.LoginAccount]) -> dict[str, dict[str, Any]]:
    return {
        account.username: {
            "name": account.display_name,
            "email": account.email or "",
            "password": users.unusable_hash(),  # never checked: see _decide_passwords_here
            "roles": [account.role],
        }
        for account in accounts
    }


def _startup_refusal(problems: list[security.StartupProblem]) -> None:
    st.title(t("login.refused_title"), anchor=False)
    st.error(t("login.refused_intro"))
    for problem in problems:
        params = {name: code(value) for name, value in problem.params.items()}
        st.markdown(t(f"login.problem.{problem.code}", **params))
    st.stop()


def _demo_hint(accounts: list[users.LoginAccount]) -> None:
    names = [a for a in accounts if a.username in demo.DEMO_LOGIN_USERS]
    if not names:
        return
    with st.container(border=True):
        st.markdown(t("login.demo_title"))
        st.markdown(t("login.demo_body", password=code(demo.DEMO_PASSWORD)))
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


def _decide_passwords_here(authenticator: stauth.Authenticate, known: set[str]) -> dict[str, int]:
    """Make ``users.verify_login`` decide the library's password check (it would count failures
    per process and in memory, and tell unknown names apart). ``known`` are the usernames in
    the library's credentials (it reads the accepted user's entry). The returned dict gets
    ``locked_minutes`` when a submitted login was refused because of a lockout."""
    outcome: dict[str, int] = {}

    def check_credentials(username: str, password: str | None) -> bool:
        try:
            users.verify_login(get_engine(), username, password or "")
        except users.LockedOut as locked:
            outcome["locked_minutes"] = locked.minutes
            return False
        except users.LoginFailed:
            return False
        return username in known  # a user created after this run built the credentials

    authenticator.authentication_controller.authentication_model.check_credentials = (
        check_credentials
    )
    return outcome


def _known_users(authenticator: stauth.Authenticate) -> dict[str, dict[str, Any]]:
    """The library's credentials by username (filled after construction, see ``gate``)."""
    return authenticator.authentication_controller.authentication_model.credentials["usernames"]


def _returning_username(authenticator: stauth.Authenticate) -> str | None:
    """Who this run is for without the login form: the session's logged-in user, or the
    user named by a valid login cookie; None when the form decides."""
    if st.session_state.get(_STATUS):
        return str(st.session_state[_USERNAME])
    token = authenticator.cookie_controller.get_cookie()
    return str(token["username"]) if token else None


def _ignore_malformed_cookies(authenticator: stauth.Authenticate) -> None:
    """A login cookie the library cannot decode means "not logged in", not an error page."""
    read_cookie = authenticator.cookie_controller.get_cookie

    def get_cookie() -> dict[str, Any] | None:
        try:
            return read_cookie()
        except (jwt.PyJWTError, KeyError, TypeError, ValueError) as error:
            log.info("ignored a login cookie that cannot be decoded: %s", type(error).__name__)
            return None

    authenticator.cookie_controller.get_cookie = get_cookie


def _submit_key() -> str:
    """The session key of the login form's submit button (True in the run it was pressed).
    The library ignores a submit with an empty field; the gate then says what is missing."""
    return f"FormSubmitter:{LOGIN_FORM_KEY}-{t('login.submit')}"


def gate(current: Settings) -> tuple[Actor, stauth.Authenticate]:
    """The logged-in, active actor and the authenticator (for the logout button); otherwise
    the login form, a refusal or a lockout message, and the run stops."""
    # Imported in a script run, never with this module: the library declares its cookie
    # component (components v1) on import, and Streamlit registers such a component only when
    # it is declared in a script run (the server's warm-up imports this module in a thread of
    # its own; an unregistered component's frame never loads, and no cookie would be set).
    import streamlit_authenticator as stauth
    from streamlit_authenticator.utilities.exceptions import LoginError

    from ui.login_cookie import use_request_cookies

    engine = get_engine()
    problems = security.startup_problems(current, engine)
    if problems:
        _startup_refusal(problems)
    use_request_cookies()
    # The library's cookie reader is an invisible component that still takes a row of space:
    # in the sidebar, not above every page's title.
    with st.sidebar:
        authenticator = stauth.Authenticate(
            {"usernames": {}},
            current.cookie_name,
            security.cookie_key(current),
            current.cookie_expiry_days,
            auto_hash=False,
            login_sleep_time=0,
        )
    _ignore_malformed_cookies(authenticator)
    known = _known_users(authenticator)
    returning = _returning_username(authenticator)
    if returning:  # one indexed row; the form needs every name, the rare case
        login = users.login_check(engine, returning)
        accounts = [login.account] if login else []
    else:
        login, accounts = None, users.login_accounts(engine)
    known.update(_credentials(accounts))
    outcome = _decide_passwords_here(authenticator, set(known))
    was_logged_in = bool(st.session_state.get(_STATUS))
    form_column = st.columns([1, 2, 1])[1] if not was_logged_in else st.container()
    try:
        with form_column:
            authenticator.login(location="main", fields=_fields(), key=LOGIN_FORM_KEY)
    except LoginError:
        # a valid cookie for a user this database does not know (or no longer lets in)
        authenticator.cookie_controller.delete_cookie()
        st.session_state.pop(ACTOR_KEY, None)
        st.warning(t("login.session_ended"))
        st.stop()

    if st.session_state.get(_STATUS):
        if returning:  # checked above: None when no longer an active user
            actor = login.actor if login else None
        else:  # logged in through the form in this run
            actor = users.active_actor(engine, st.session_state[_USERNAME])
        if actor is None:
            authenticator.logout(location="unrendered")
            st.session_state.pop(ACTOR_KEY, None)
            st.warning(t("login.session_ended"))
            st.stop()
        st.session_state[ACTOR_KEY] = actor
        return actor, authenticator

    st.session_state.pop(ACTOR_KEY, None)
    with form_column:
        if "locked_minutes" in outcome:
            st.error(t("login.locked", minutes=format_count(outcome["locked_minutes"])))
        elif st.session_state.get(_STATUS) is False:
            st.error(t("login.failed"))
        elif st.session_state.get(_submit_key()):
            st.warning(t("login.empty"))
        if current.demo_mode:
            _demo_hint(accounts)
    st.stop()


def reverify() -> Actor | None:
    """The logged-in user as stored now, kept as this session's actor; None (and no actor kept)
    when nobody is logged in or the user is deactivated.

    For widget callbacks: Streamlit runs them before the script, so before ``gate`` has checked
    the user in their run.
    """
    username = st.session_state.get(_USERNAME) if st.session_state.get(_STATUS) else None
    actor = users.active_actor(get_engine(), username) if username else None
    if actor is None:
        st.session_state.pop(ACTOR_KEY, None)
    else:
        st.session_state[ACTOR_KEY] = actor
    return actor


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
