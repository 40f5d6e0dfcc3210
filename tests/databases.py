"""Throwaway test databases: a SQLite file, or a PostgreSQL schema of its own when one answers,
and a quick way to bring an empty one to the newest schema.

Running the migrations takes about half a second on SQLite and a second on PostgreSQL, and
most of the suite's tests start on a migrated database. So each test process migrates one
database per backend for real, once, and ``migrate`` gives every further empty database the
result: on SQLite a page-by-page copy of that database (SQLite's backup), on PostgreSQL the
statements the migrations sent to the server, sent again in one transaction. The migrations
themselves are tested in tests/test_schema.py, which also checks that both copies come out
identical to a real upgrade.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import Engine, create_engine, event, inspect, text

from cs_data import schema
from cs_data.data_versions import untracked
from cs_data.db import create_engine_for

BACKENDS = ("sqlite", "postgresql")
POSTGRES_URL = os.environ.get("CS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
NO_WAIT_FOR_DISK = "-csynchronous_commit=off"
"""Test schemas' commits do not wait for the disk: a crash of the server may lose their last
commits, which nothing needs (the 89 PostgreSQL tests of two files, one process: 78 s -> 56 s)."""


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


@contextmanager
def fresh_database_url(backend: str, directory: Path) -> Iterator[str]:
    """URL of an empty database on ``backend``, removed afterwards (skips if PostgreSQL is down)."""
    if backend == "sqlite":
        yield f"sqlite:///{directory / f'{uuid.uuid4().hex}.db'}"
        return
    reason = postgres_unavailable_reason()
    if reason:
        pytest.skip(reason)
    with _postgres_schema() as (url, _schema_name):
        yield url


@contextmanager
def _postgres_schema() -> Iterator[tuple[str, str]]:
    """A new PostgreSQL schema, dropped afterwards: the URL that works in it, and its name."""
    schema_name = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(POSTGRES_URL, connect_args={"options": NO_WAIT_FOR_DISK})
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema_name}"'))
    try:
        options = quote(f"-csearch_path={schema_name} {NO_WAIT_FOR_DISK}")
        yield f"{POSTGRES_URL}?options={options}", schema_name
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema_name}" CASCADE'))
        admin.dispose()


@dataclass(frozen=True)
class Statement:
    """One statement as the driver got it: its SQL, its parameters, and how it was sent
    (``executemany``, or ``execute`` without parameters)."""

    sql: str
    parameters: Any
    many: bool
    without_parameters: bool


@cache
def _sqlite_template() -> tuple[tempfile.TemporaryDirectory, Path]:
    """A SQLite file this process migrated to the newest schema, in a folder removed when the
    process ends."""
    folder = tempfile.TemporaryDirectory(prefix="cockpit-test-template-")
    path = Path(folder.name) / "migrated.db"
    engine = create_engine_for(f"sqlite:///{path}")
    try:
        schema.upgrade(engine)
    finally:
        engine.dispose()
    return folder, path


@cache
def _postgres_migration() -> tuple[Statement, ...]:
    """The statements a real upgrade of an empty PostgreSQL schema sends, in order."""
    sent: list[Statement] = []

    def record(_conn, _cursor, statement, parameters, context, executemany) -> None:
        bare = not parameters and context.no_parameters
        sent.append(Statement(statement, parameters, executemany, bare))

    with _postgres_schema() as (url, schema_name):
        engine = create_engine_for(url)
        try:
            event.listen(engine, "before_cursor_execute", record)
            schema.upgrade(engine)
        finally:
            engine.dispose()
    named = [statement.sql for statement in sent if schema_name in statement.sql]
    assert not named, f"the migrations name their schema, so cannot be sent again: {named}"
    return tuple(sent)


def migrate(engine: Engine) -> None:
    """``schema.upgrade(engine)``, quicker for an empty database (see the module docstring)."""
    if schema.current_revision(engine) is not None or inspect(engine).get_table_names():
        schema.upgrade(engine)
        return
    if engine.dialect.name == "sqlite":
        _folder, path = _sqlite_template()
        template = sqlite3.connect(path)
        try:
            with engine.connect() as connection:
                template.backup(connection.connection.driver_connection)
        finally:
            template.close()
        return
    statements = _postgres_migration()
    with engine.begin() as connection, untracked(connection):
        cursor = connection.connection.driver_connection.cursor()
        for statement in statements:
            if statement.without_parameters:
                cursor.execute(statement.sql)
            elif statement.many:
                cursor.executemany(statement.sql, statement.parameters)
            else:
                cursor.execute(statement.sql, statement.parameters)


@contextmanager
def recorded_statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements ``engine`` sends while the block runs, in order."""
    sent: list[str] = []

    def record(_connection, _cursor, statement, *_args) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)
