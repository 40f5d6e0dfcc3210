"""The login lockout under parallel attempts, and the same answers for every username.

``verify_login`` counts and decides in one atomic step per username, on SQLite and PostgreSQL:
bursts of attempts from many threads (as from many browser sessions) never count more than
``MAX_FAILURES`` failures nor audit more than one lockout, and a right password during a
lockout is refused and leaves the lockout in place. Names nobody has are answered exactly like
real ones, also by the login form of app.py.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from streamlit.testing.v1 import AppTest

from cs_data import users
from cs_data.auth import operator
from cs_data.models import AuditEntry, LoginFailure
from tests.apptest import PASSWORD, add_user, new_app
from ui import shell

WRONG = "Wrong-password-1"
LOGIN_SUBMIT = "FormSubmitter:login-Log in"


def add(engine: Engine, username: str) -> None:
    users.create_user(
        engine, operator(), username=username, display_name="Ann", role="csm", password=PASSWORD
    )


def stored_failures(engine: Engine, username: str) -> int:
    with engine.connect() as connection:
        return connection.scalar(
            select(func.count()).select_from(LoginFailure).where(LoginFailure.username == username)
        )


def lockout_entries(engine: Engine, username: str) -> int:
    with engine.connect() as connection:
        return connection.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "login.locked_out", AuditEntry.entity_id == username)
        )


def attempt(engine: Engine, username: str, password: str) -> str:
    """``ok``, ``failed`` or ``locked``: the answer the login form would give."""
    try:
        users.verify_login(engine, username, password)
    except users.LockedOut:
        return "locked"
    except users.LoginFailed:
        return "failed"
    return "ok"


def burst(engine: Engine, username: str, passwords: list[str]) -> list[str]:
    """Every password tried at once, one thread each (released together by a barrier)."""
    start = threading.Barrier(len(passwords))

    def one(password: str) -> str:
        start.wait()
        return attempt(engine, username, password)

    with ThreadPoolExecutor(len(passwords)) as pool:
        return list(pool.map(one, passwords))


def test_parallel_wrong_passwords_count_up_to_the_limit_and_lock_once(engine):
    add(engine, "ann")

    answers = burst(engine, "ann", [WRONG] * 20)

    assert stored_failures(engine, "ann") == users.MAX_FAILURES
    assert lockout_entries(engine, "ann") == 1
    assert sorted(answers).count("failed") == users.MAX_FAILURES - 1
    assert answers.count("locked") == 20 - (users.MAX_FAILURES - 1)


def test_a_right_password_in_a_burst_never_lifts_the_lockout(engine):
    add(engine, "ann")

    answers = burst(engine, "ann", [WRONG] * 11 + [PASSWORD])

    # Decided one at a time: the right password either came before the fifth failure (and
    # the wrong ones after it locked the name again) or was refused. Either way the lockout
    # stands with exactly MAX_FAILURES failures and one audit entry.
    assert stored_failures(engine, "ann") == users.MAX_FAILURES
    assert lockout_entries(engine, "ann") == 1
    assert answers[-1] in {"ok", "locked"}
    minutes = users.lockout_minutes(engine, "ann")
    assert attempt(engine, "ann", PASSWORD) == "locked", "refused during the lockout"
    assert users.lockout_minutes(engine, "ann") == minutes > 0, "and the lockout stays"
    assert stored_failures(engine, "ann") == users.MAX_FAILURES


def test_unknown_usernames_get_the_same_answers_as_real_ones(engine):
    add(engine, "ann")
    known = [attempt(engine, "ann", WRONG) for _ in range(users.MAX_FAILURES + 1)]
    unknown = [attempt(engine, "ghost", WRONG) for _ in range(users.MAX_FAILURES + 1)]

    assert known == unknown == ["failed"] * (users.MAX_FAILURES - 1) + ["locked"] * 2
    with pytest.raises(users.LockedOut) as ghost:
        users.verify_login(engine, "ghost", PASSWORD)
    with pytest.raises(users.LockedOut) as ann:
        users.verify_login(engine, "ann", PASSWORD)
    assert ghost.value.minutes == ann.value.minutes


def test_unknown_usernames_cost_a_password_check_like_real_ones(engine, monkeypatch):
    add(engine, "ann")
    checked: list[str] = []
    matches = users.password_matches
    monkeypatch.setattr(users, "password_matches", lambda p, h: checked.append(h) or matches(p, h))

    for username in ("ann", "ghost"):
        attempt(engine, username, WRONG)

    assert len(checked) == 2
    assert checked[1] == users.unusable_hash()


# --- the login form of app.py -----------------------------------------------------------------


def log_in_with_form(at: AppTest, username: str, password: str) -> list[str]:
    """Type into the login form and submit; returns the error messages shown."""
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button(key=LOGIN_SUBMIT).click().run()
    assert not at.exception
    return [element.value for element in at.error]


@pytest.fixture
def login_form(shared_mode, monkeypatch) -> AppTest:
    """app.py's login form. AppTest puts Streamlit back in ``pages/`` folder mode before every
    run, and the rerun that leaves it would drop the library's form submit (a return value,
    not a callback): in a browser that rerun happens once per process, so skip it here."""
    monkeypatch.setattr(shell, "leave_pages_folder_mode", lambda: None)
    add_user("ann", "csm")
    at = new_app()
    at.run()
    assert not at.exception
    return at


def test_the_form_answers_unknown_names_like_real_ones(login_form):
    at = login_form
    answers = {}
    for username in ("ann", "ghost"):
        answers[username] = [
            log_in_with_form(at, username, WRONG) for _ in range(users.MAX_FAILURES + 1)
        ]

    failed = ["Username or password is incorrect."]
    assert answers["ann"][: users.MAX_FAILURES - 1] == [failed] * (users.MAX_FAILURES - 1)
    assert answers["ann"][-1][0].startswith("Too many failed logins")
    assert answers["ghost"] == answers["ann"]


def test_failures_older_than_the_window_are_forgotten(engine):
    add(engine, "ann")
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    for name in ("ann", "ghost"):
        with pytest.raises(users.LoginFailed):
            users.verify_login(engine, name, WRONG, now=start)

    later = start + users.LOCKOUT_WINDOW + timedelta(seconds=1)
    with pytest.raises(users.LoginFailed):
        users.verify_login(engine, "someone", WRONG, now=later)

    assert [stored_failures(engine, n) for n in ("ann", "ghost", "someone")] == [0, 0, 1]
