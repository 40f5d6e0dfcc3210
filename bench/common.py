"""Shared by the benchmark scripts: a fresh database for one run, a database holding demo data
of a scale, a median timing, and starting a server."""

from __future__ import annotations

import socket
import statistics
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine, create_engine, inspect, make_url, select, text

from cs_data import demo, schema
from cs_data.auth import operator
from cs_data.db import create_engine_for
from cs_data.models import AuditEntry

T = TypeVar("T")

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"


@contextmanager
def fresh_database(db_url: str) -> Iterator[str]:
    """Yield the URL of an empty database: the SQLite file recreated, or on PostgreSQL a
    schema of this run's own, dropped afterwards."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
            for suffix in ("", "-wal", "-shm"):
                Path(url.database + suffix).unlink(missing_ok=True)
        yield db_url
        return
    schema_name = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema_name}"'))
    try:
        scoped = url.update_query_dict({"options": f"-csearch_path={schema_name}"})
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema_name}" CASCADE'))
        admin.dispose()


def median_seconds(run: Callable[[], T], repeats: int) -> tuple[float, T]:
    """Run ``run`` once to warm up, then ``repeats`` times: the median wall time in seconds
    and the last result."""
    result = run()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def demo_day(engine: Engine) -> tuple[str, date] | None:
    """The scale and day of the last demo generation in the database, if any."""
    stmt = (
        select(AuditEntry.after)
        .where(AuditEntry.action == "demo_generate")
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    with engine.connect() as connection:
        after = connection.execute(stmt).scalar_one_or_none()
    return None if after is None else (after["scale"], date.fromisoformat(after["today"]))


def prepare_demo(db_url: str, scale: str) -> tuple[Engine, date]:
    """An engine on a migrated database holding the demo data of ``scale``, and its day: the
    data found there, or generated (a SQLite file of another scale is recreated)."""
    url = make_url(db_url)
    engine = create_engine_for(db_url)
    found = demo_day(engine) if inspect(engine).has_table("audit_log") else None
    if found is not None and found[0] != scale:
        if url.get_backend_name() != "sqlite" or not url.database:
            raise SystemExit(f"{db_url} holds demo scale {found[0]}, not {scale}")
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(url.database + suffix).unlink(missing_ok=True)
        engine = create_engine_for(db_url)
        found = None
    schema.upgrade(engine)
    if found is not None:
        print(f"reusing demo scale {scale} of {found[1]} in {url.render_as_string()}")
        return engine, found[1]
    print(f"generating demo scale {scale} into {url.render_as_string()} …", flush=True)
    started = time.perf_counter()
    summary = demo.generate(engine, operator(), scale=scale)
    print(f"  generated in {time.perf_counter() - started:.0f} s")
    return engine, summary.today


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen, log: Path, timeout_s: float = 120) -> None:
    """Wait until the Streamlit server at ``url`` answers its health check; exit with its log
    when the process ends or the time is up."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().decode().strip() == "ok":
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(
                f"no server at {url}; its log {log}:\n{log.read_text(errors='replace')}"
            )
        time.sleep(0.2)
