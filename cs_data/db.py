"""Engine and sessions: one engine per database URL, one transaction per user event."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from sqlalchemy import URL, Engine, create_engine, event, make_url
from sqlalchemy.orm import Session

from cs_data.config import get_settings
from cs_data.data_versions import track_writes

# Backstop against leaked transactions holding locks and pooled connections on PostgreSQL.
POSTGRES_IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000
SQLITE_BUSY_TIMEOUT_MS = 15_000


def _set_sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_engine_for(url: str) -> Engine:
    """Create an engine with the settings each backend needs (pragmas, pool health checks)
    that bumps the data versions of the tables each transaction writes."""
    engine = _create_engine(make_url(url))
    track_writes(engine)
    return engine


def _create_engine(parsed: URL) -> Engine:
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed)
        event.listen(engine, "connect", _set_sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql":
        options = " ".join(
            filter(
                None,
                [
                    parsed.query.get("options"),
                    "-c idle_in_transaction_session_timeout="
                    f"{POSTGRES_IDLE_IN_TRANSACTION_TIMEOUT_MS}",
                ],
            )
        )
        return create_engine(
            parsed.difference_update_query(["options"]),
            pool_pre_ping=True,
            pool_recycle=1800,
            connect_args={"options": options},
        )
    return create_engine(parsed, pool_pre_ping=True)


@cache
def get_engine() -> Engine:
    """The process-wide engine for the configured database."""
    return create_engine_for(get_settings().database_url)


@contextmanager
def transaction(engine: Engine | None = None) -> Iterator[Session]:
    """A session inside one transaction: committed on success, rolled back on any error."""
    with Session(engine or get_engine(), expire_on_commit=False) as session, session.begin():
        yield session


def refresh_statistics(engine: Engine, tables: Iterable[str]) -> None:
    """Let PostgreSQL's planner see the rows just written (``ANALYZE`` of ``tables``).

    Autovacuum gets there eventually; right after a bulk load the statistics still describe
    the tables before it (the full Overview at scale L took 3.1x DuckDB's time after
    ``cs-data demo``, 0.85x after ANALYZE). On SQLite nothing is done: its planner uses no
    statistics unless asked to, and the KPI queries are written for the plans it picks
    without them.
    """
    names = sorted(set(tables))
    if engine.dialect.name != "postgresql" or not names:
        return
    quote = engine.dialect.identifier_preparer.quote
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE " + ", ".join(quote(name) for name in names))


@contextmanager
def read_session(engine: Engine | None = None) -> Iterator[Session]:
    """A session for reads; its connection goes back to the pool when the block ends."""
    with Session(engine or get_engine()) as session:
        yield session
