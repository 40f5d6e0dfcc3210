"""Fixtures: a fresh, migrated database per test on SQLite, and on PostgreSQL when one answers."""

from __future__ import annotations

import multiprocessing
import sys
import types
from collections.abc import Iterator
from multiprocessing.context import SpawnContext

import pytest
from sqlalchemy import Engine

from cs_data import users
from cs_data.config import get_settings
from cs_data.db import create_engine_for, get_engine
from tests.apptest import COOKIE_KEY as APP_COOKIE_KEY
from tests.apptest import ROOT
from tests.databases import BACKENDS, fresh_database_url, migrate
from ui import prefetch

PREFETCH_TIMEOUT_SECONDS = 60
"""How long a test's page runs may leave background loads running before its database goes."""


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path) -> Iterator[str]:
    """URL of an empty database: a SQLite file, or a PostgreSQL schema of its own."""
    with fresh_database_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def empty_engine(db_url) -> Iterator[Engine]:
    """An engine on an empty database (no tables)."""
    engine = create_engine_for(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(empty_engine) -> Engine:
    """An engine on a database migrated to the newest schema."""
    migrate(empty_engine)
    return empty_engine


@pytest.fixture
def configured_db(db_url, monkeypatch) -> Iterator[str]:
    """Point the process-wide settings (``CS_DATABASE_URL``) at this test's database."""
    monkeypatch.setenv("CS_DATABASE_URL", db_url)
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield db_url
    prefetch.forget()
    assert prefetch.wait_idle(PREFETCH_TIMEOUT_SECONDS), "background loads still running"
    get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


@pytest.fixture(autouse=True)
def no_bucket_clock(monkeypatch) -> None:
    """No views computed again at the wall clock's bucket starts during a test (a test that
    needs it calls ``prefetch.rewarm`` itself)."""
    monkeypatch.setattr(prefetch, "start_clock", lambda: None)


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch) -> None:
    """bcrypt at its lowest cost in tests: hashes stay real, tests stay fast."""
    monkeypatch.setattr(users, "BCRYPT_ROUNDS", 4)


@pytest.fixture
def spawn(monkeypatch) -> SpawnContext:
    """multiprocessing's spawn context, whose children do not run the parent's ``__main__``
    again: after an AppTest in the same worker that is app.py (Streamlit runs a script as
    ``__main__``), and a child process cannot run it."""
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    return multiprocessing.get_context("spawn")


@pytest.fixture
def shared_mode(configured_db, monkeypatch) -> str:
    """This test's configured database in shared mode with a valid cookie key, from the root."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("CS_COOKIE_KEY", APP_COOKIE_KEY)
    get_settings.cache_clear()
    return configured_db
