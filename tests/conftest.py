"""Fixtures: a fresh, migrated database per test on SQLite, and on PostgreSQL when one answers."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from functools import cache

import pytest
from sqlalchemy import Engine, create_engine, text

from cs_data import schema
from cs_data.config import get_settings
from cs_data.db import create_engine_for, get_engine

POSTGRES_URL = os.environ.get(
    "CS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


@cache
def postgres_unavailable_reason() -> str | None:
    """None when the test PostgreSQL server answers, else why PostgreSQL tests are skipped."""
    try:
        probe = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with probe.connect() as connection:
            connection.execute(text("SELECT 1"))
        probe.dispose()
    except Exception as exc:  # any failure to connect means: skip, and say why
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"PostgreSQL not reachable at {POSTGRES_URL} (CS_TEST_POSTGRES_URL): {first_line}"
    return None


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> Iterator[str]:
    """URL of an empty database: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'cockpit.db'}"
        return
    reason = postgres_unavailable_reason()
    if reason:
        pytest.skip(reason)
    schema_name = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema_name}"'))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema_name}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema_name}" CASCADE'))
        admin.dispose()


@pytest.fixture
def empty_engine(db_url) -> Iterator[Engine]:
    """An engine on an empty database (no tables)."""
    engine = create_engine_for(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(empty_engine) -> Engine:
    """An engine on a database migrated to the newest schema."""
    schema.upgrade(empty_engine)
    return empty_engine


@pytest.fixture
def configured_db(db_url, monkeypatch) -> Iterator[str]:
    """Point the process-wide settings (``CS_DATABASE_URL``) at this test's database."""
    monkeypatch.setenv("CS_DATABASE_URL", db_url)
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield db_url
    get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()
