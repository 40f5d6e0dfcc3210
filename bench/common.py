"""Shared by the benchmark scripts: a fresh database for one run, a median timing."""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy import create_engine, make_url, text

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
