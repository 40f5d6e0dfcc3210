"""The login check of a logged-in user's run reads one indexed row (issue 18)."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from cs_data.db import get_engine
from tests.apptest import add_user, log_in, new_app


@pytest.fixture
def app(db_url, monkeypatch):
    monkeypatch.setenv("CS_DATABASE_URL", db_url)
    monkeypatch.setenv("CS_DEMO_MODE", "true")
    from cs_data.config import get_settings

    get_settings.cache_clear()
    get_engine.cache_clear()
    add_user("ann", "manager")
    yield log_in(new_app(), "ann")
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_a_rerun_reads_the_user_once_by_name(app):
    statements: list[str] = []

    def record(connection, cursor, statement, *args) -> None:
        statements.append(" ".join(statement.split()))

    app.run()
    event.listen(get_engine(), "before_cursor_execute", record)
    try:
        app.run()
    finally:
        event.remove(get_engine(), "before_cursor_execute", record)

    assert not app.exception
    user_reads = [s for s in statements if "FROM users" in s]
    assert len(user_reads) == 1, user_reads
    assert "WHERE users.username =" in user_reads[0]
