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
import time
from datetime import date

from common import OUT, fresh_database
from sqlalchemy import make_url

from cs_data import demo, schema
from cs_data.auth import operator
from cs_data.db import create_engine_for


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

    with fresh_database(args.db_url) as url:
        run(url, args.scale, args.seed, args.today)


if __name__ == "__main__":
    main()
