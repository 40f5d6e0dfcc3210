"""The login check of a logged-in user's run reads one indexed row (issue 18)."""

from __future__ import annotations

import pytest

from cs_data.db import get_engine
from tests.apptest import add_user, log_in, new_app
from tests.databases import recorded_statements


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
    app.run()
    with recorded_statements(get_engine()) as sent:
        app.run()
    statements = [" ".join(statement.split()) for statement in sent]

    assert not app.exception
    user_reads = [s for s in statements if "FROM users" in s]
    assert len(user_reads) == 1, user_reads
    assert "WHERE users.username =" in user_reads[0]
