"""Benchmark: generate the demo data set at one scale into a fresh database, phase by phase.

    .venv/bin/python bench/demo_generate.py --scale L
    .venv/bin/python bench/demo_generate.py --scale L \\
        --db-url postgresql://postgres@127.0.0.1:5432/test

A SQLite database file (default ``bench/out/demo.db``) is recreated for each run; on
PostgreSQL the run uses a schema of its own that it drops at the end. Prints the seconds
spent in each phase, the rows written per table and the peak memory.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import uuid
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cs_data import demo, schema  # noqa: E402
from cs_data.auth import operator  # noqa: E402
from cs_data.db import create_engine_for  # noqa: E402

OUT = ROOT / "bench" / "out"


class PhaseClock:
    """A progress callback that records when each phase starts."""

    def __init__(self) -> None:
        self.starts: dict[str, float] = {}

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        self.starts.setdefault(phase, time.perf_counter())

    def durations(self, finished: float) -> dict[str, float]:
        marks = [*self.starts.values(), finished]
        return {phase: marks[i + 1] - marks[i] for i, phase in enumerate(self.starts)}


def run(db_url: str, scale: str, seed: int, today: date | None) -> None:
    engine = create_engine_for(db_url)
    schema.upgrade(engine)
    clock = PhaseClock()
    started = time.perf_counter()
    summary = demo.generate(engine, operator(), scale=scale, seed=seed, today=today, progress=clock)
    finished = time.perf_counter()
    engine.dispose()

    backend = make_url(db_url).get_backend_name()
    print(f"backend {backend}, scale {summary.scale}, seed {summary.seed}, today {summary.today}")
    for phase, seconds in clock.durations(finished).items():
        print(f"  {phase:<14} {seconds:7.1f} s")
    print(f"  {'total':<14} {finished - started:7.1f} s")
    for table, count in summary.counts.items():
        print(f"  {table:<18} {count:>12,}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS): {peak_mb:,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(demo.SCALES), default="S", type=str.upper)
    parser.add_argument("--seed", type=int, default=demo.DEFAULT_SEED)
    parser.add_argument("--today", type=date.fromisoformat, default=None)
    parser.add_argument("--db-url", default=f"sqlite:///{(OUT / 'demo.db').as_posix()}")
    args = parser.parse_args()

    url = make_url(args.db_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            for suffix in ("", "-wal", "-shm"):
                Path(url.database + suffix).unlink(missing_ok=True)
        run(args.db_url, args.scale, args.seed, args.today)
        return
    schema_name = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema_name}"'))
    try:
        scoped = url.update_query_dict({"options": f"-csearch_path={schema_name}"})
        run(scoped.render_as_string(hide_password=False), args.scale, args.seed, args.today)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema_name}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
