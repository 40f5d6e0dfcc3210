"""Pages when the database cannot be used (AppTest on app.py): explained, then recovered.

The database is made unreachable under a page already open (every new connection is refused,
as by a server that went down) and then restored: the page shows "Database unavailable —
retrying" instead of Streamlit's error page, and comes back on a later run without a restart.
A write that waits on a busy SQLite file past its bounded wait says so and keeps the form.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from sqlalchemy import event, make_url
from streamlit.testing.v1 import AppTest

from cs_data import db, users
from cs_data.auth import operator
from cs_data.db import get_engine
from tests.apptest import add_user, log_in, new_app
from tests.test_page_users import USERS_PAGE

RETRYING = "**Database unavailable — retrying.**"
BUSY = "The database is busy with other changes."


@pytest.fixture
def users_page(shared_mode) -> AppTest:
    add_user("ann", "admin", "Ann Admin")
    at = log_in(new_app(), "ann", "Ann Admin")
    at.run()
    at.switch_page(USERS_PAGE).run()
    assert not at.exception
    assert at.title[0].value == "Users"
    return at


class Outage:
    """Refuses every new connection of the app's engine while on (pooled ones are dropped)."""

    def __init__(self) -> None:
        self.engine = get_engine()

    def _refuse(self, *_args) -> None:
        raise self.engine.dialect.loaded_dbapi.OperationalError("connection refused (test)")

    def start(self) -> None:
        self.engine.dispose()
        event.listen(self.engine, "do_connect", self._refuse)

    def end(self) -> None:
        event.remove(self.engine, "do_connect", self._refuse)


@pytest.fixture
def outage(users_page) -> Iterator[Outage]:
    control = Outage()
    yield control
    if event.contains(control.engine, "do_connect", control._refuse):
        control.end()


def warnings(at: AppTest) -> list[str]:
    return [w.value for w in at.warning]


def test_a_page_explains_an_outage_and_comes_back_by_itself(users_page, outage):
    at = users_page
    outage.start()

    at.run()

    assert not at.exception
    assert any(w.startswith(RETRYING) for w in warnings(at))
    assert not at.title and not at.dataframe, "no page content while the database is down"

    outage.end()
    at.run()

    assert not at.exception
    assert at.title[0].value == "Users"
    assert list(at.dataframe[0].value["Username"]) == ["ann"]
    assert not warnings(at)


def test_a_submit_during_an_outage_keeps_the_form(users_page, outage):
    at = users_page
    at.text_input(key="new_username").input("cara")
    outage.start()

    at.button(key="FormSubmitter:user_create-Create user").click().run()

    assert not at.exception
    assert any(w.startswith(RETRYING) for w in warnings(at))
    outage.end()
    at.run()
    assert at.text_input(key="new_username").value == "cara"


@pytest.fixture
def locked_sqlite(users_page, configured_db, monkeypatch) -> Iterator[None]:
    """Another connection holds the SQLite write lock; the app's writes wait 0.3 s for it."""
    if make_url(configured_db).get_backend_name() != "sqlite":
        pytest.skip("the busy wait is SQLite's (PostgreSQL locks rows, not the database)")
    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_MS", 300)
    get_engine().dispose()  # new connections take the shorter wait
    holder = sqlite3.connect(make_url(configured_db).database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    yield
    holder.execute("ROLLBACK")
    holder.close()


def test_a_write_on_a_busy_database_says_so_and_keeps_what_was_typed(users_page, locked_sqlite):
    at = users_page
    typed = {
        "new_username": "cara",
        "new_display_name": "Cara Choi",
        "new_password": "Cara-pass-123",
        "new_repeat": "Cara-pass-123",
    }
    for key, value in typed.items():
        at.text_input(key=key).input(value)

    at.button(key="FormSubmitter:user_create-Create user").click().run()

    assert not at.exception
    assert any(w.startswith(BUSY) for w in warnings(at))
    assert {key: at.text_input(key=key).value for key in typed} == typed
    assert "cara" not in {u.username for u in users.list_users(get_engine(), operator())}
