"""Engine and sessions: one engine per database URL, one transaction per user event."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from sqlalchemy import URL, Engine, create_engine, event, exc, make_url, text
from sqlalchemy.orm import Session

from cs_data.config import get_settings
from cs_data.data_versions import track_writes
from cs_data.errors import DatabaseBusy, DatabaseProblem, DatabaseUnavailable

# Backstop against leaked transactions holding locks and pooled connections on PostgreSQL.
POSTGRES_IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000
POSTGRES_CONNECT_TIMEOUT_S = 10
"""An unreachable server is reported after this long instead of the system's minutes."""
SQLITE_BUSY_TIMEOUT_MS = 15_000
"""How long a write waits for another writer on SQLite before it is reported as busy."""
POSTGRES_BUSY_STATES = {"40001", "40P01", "55P03"}
"""SQLSTATEs of a transaction that lost to other writers (serialization, deadlock, lock not
available): the database is busy, not down."""
URL_EXAMPLES = "sqlite:///data/cockpit.db or postgresql://user@host:5432/dbname"


def _set_sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _parse(url: str) -> URL:
    try:
        parsed = make_url(url)
        parsed.get_dialect()
    except (exc.ArgumentError, ValueError):
        # the URL itself is not repeated: it may hold a password
        raise DatabaseUnavailable(f"the database URL is not valid (use {URL_EXAMPLES})") from None
    return parsed


def create_engine_for(url: str) -> Engine:
    """Create an engine with the settings each backend needs (pragmas, pool health checks)
    that bumps the data versions of the tables each transaction writes;
    ``DatabaseUnavailable`` for a URL that names no database this app can use."""
    engine = _create_engine(_parse(url))
    track_writes(engine)
    return engine


def _create_engine(parsed: URL) -> Engine:
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            folder = Path(parsed.database).parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                message = f"the database folder {folder} cannot be created: {error.strerror}"
                raise DatabaseUnavailable(message) from None
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
        connect_args = {"options": options}
        if "connect_timeout" not in parsed.query:
            connect_args["connect_timeout"] = POSTGRES_CONNECT_TIMEOUT_S
        return create_engine(
            parsed.difference_update_query(["options"]),
            pool_pre_ping=True,
            pool_recycle=1800,
            connect_args=connect_args,
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


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0].strip() if lines else type(error).__name__


def _is_busy(error: exc.DBAPIError) -> bool:
    state = getattr(error.orig, "sqlstate", None)
    if state is not None:
        return state in POSTGRES_BUSY_STATES
    message = str(error.orig).lower()
    return "database is locked" in message or "database is busy" in message


def database_problem(error: BaseException) -> DatabaseProblem | None:
    """What ``error`` says about the database, as a one-line ``DatabaseProblem`` for people:
    busy (other writers held it too long) or unavailable (unreachable, cannot be opened or
    written). None when ``error`` is no database outage (a bug, a refused value …)."""
    if isinstance(error, DatabaseProblem):
        return error
    if isinstance(error, exc.TimeoutError):  # no pooled connection came free in time
        return DatabaseBusy("the database is busy (no connection came free in time); try again")
    if isinstance(error, exc.DBAPIError) and (
        isinstance(error, exc.OperationalError | exc.InterfaceError) or error.connection_invalidated
    ):
        detail = _first_line(error.orig)
        if _is_busy(error):
            return DatabaseBusy(
                f"the database is busy (other writers held it too long: {detail}); "
                "nothing was saved, try again"
            )
        return DatabaseUnavailable(f"the database cannot be reached or opened: {detail}")
    return None


def database_answers(engine: Engine | None = None) -> bool:
    """True when the database (default: the configured one) takes a trivial query now, for
    retrying after an outage."""
    try:
        with (engine or get_engine()).connect() as connection:
            connection.execute(text("SELECT 1"))
    except (exc.SQLAlchemyError, DatabaseProblem):
        return False
    return True
