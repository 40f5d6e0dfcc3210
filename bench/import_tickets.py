"""Benchmark: import a large canonical tickets CSV, then re-import it (every row an update).

Three timings: the first import (every row new), a re-import of the same file (every row
an update with nothing to change) and a re-import of a file with the same ids and different
values (every row rewritten).

    .venv/bin/python bench/import_tickets.py --rows 1000000 --db-url sqlite:///bench/out/import.db
    .venv/bin/python bench/import_tickets.py --rows 1000000 \\
        --db-url postgresql://postgres@127.0.0.1:5432/test

The files are deterministic for a given ``--rows``/``--accounts``/``--seed`` and are written
under ``bench/out/`` (git-ignored). A SQLite database file is recreated for each run; on
PostgreSQL the run uses a schema of its own that it drops at the end.
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import OUT, ROOT, fresh_database
from sqlalchemy import make_url

from cs_data import schema
from cs_data.auth import operator
from cs_data.db import create_engine_for
from cs_data.importers import import_file

HEADER = [
    "ticket_id",
    "created_at",
    "account_id",
    "subject",
    "priority",
    "channel",
    "status",
    "assignee",
    "first_response_at",
    "resolved_at",
    "tags",
]
SUBJECTS = [
    "Cannot log in after password reset",
    "Invoice shows the wrong amount",
    "Export to CSV times out",
    "Question about seat pricing",
    "Webhook deliveries failing",
    "Feature request: dark mode",
    "SSO setup help",
    "Data missing from last week's report",
]
PRIORITIES = ["low", "normal", "normal", "normal", "high", "Urgent"]
CHANNELS = ["email", "chat", "phone", "web"]
TAGS = ["billing", "login", "export", "sso", "api", "bug", "how-to"]
OFFSETS = ["Z", "+00:00", "+09:00", "-05:00", ""]


def write_accounts(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["account_id", "name", "segment", "csm"])
        for n in range(count):
            writer.writerow([f"ACC-{n:06d}", f"Account {n}", "smb", f"csm{n % 20}"])


def write_tickets(path: Path, rows: int, accounts: int, seed: int) -> None:
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(rows):
            created = start + timedelta(seconds=rng.randrange(0, 730 * 86400))
            offset = rng.choice(OFFSETS)
            responded = created + timedelta(minutes=rng.randrange(1, 3000))
            resolved = responded + timedelta(minutes=rng.randrange(0, 10000))
            open_ticket = rng.random() < 0.1
            writer.writerow(
                [
                    f"T-{n:08d}",
                    _stamp(created, offset),
                    f"ACC-{rng.randrange(accounts):06d}" if rng.random() < 0.95 else "",
                    rng.choice(SUBJECTS),
                    rng.choice(PRIORITIES),
                    rng.choice(CHANNELS),
                    "open" if open_ticket else "solved",
                    f"agent{rng.randrange(50)}",
                    _stamp(responded, offset),
                    "" if open_ticket else _stamp(resolved, offset),
                    ";".join(rng.sample(TAGS, rng.randrange(0, 3))),
                ]
            )


def _stamp(moment: datetime, offset: str) -> str:
    if offset in ("", "Z"):
        return moment.strftime("%Y-%m-%dT%H:%M:%S") + offset
    sign = 1 if offset[0] == "+" else -1
    local = moment + sign * timedelta(hours=int(offset[1:3]))
    return local.strftime("%Y-%m-%dT%H:%M:%S") + offset


def _timed(engine, kind: str, path: Path) -> tuple[float, object]:
    started = time.perf_counter()
    result = import_file(engine, operator(), kind, path)
    return time.perf_counter() - started, result


def run(rows: int, accounts: int, seed: int, db_url: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    accounts_file = OUT / f"accounts_{accounts}.csv"
    tickets_file = OUT / f"tickets_{rows}_{accounts}_{seed}.csv"
    changed_file = OUT / f"tickets_{rows}_{accounts}_{seed + 1}.csv"
    if not accounts_file.exists():
        write_accounts(accounts_file, accounts)
    for path, file_seed in ((tickets_file, seed), (changed_file, seed + 1)):
        if not path.exists():
            print(f"writing {path.relative_to(ROOT)} …", flush=True)
            write_tickets(path, rows, accounts, file_seed)
    size_mb = tickets_file.stat().st_size / 1e6

    engine = create_engine_for(db_url)
    schema.upgrade(engine)
    _timed(engine, "accounts", accounts_file)
    timings = [
        ("import", *_timed(engine, "tickets", tickets_file)),
        ("re-import, same file", *_timed(engine, "tickets", tickets_file)),
        ("re-import, every row changed", *_timed(engine, "tickets", changed_file)),
    ]
    engine.dispose()

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    backend = make_url(db_url).get_backend_name()
    print(f"backend {backend}, {rows:,} tickets ({size_mb:.0f} MB), {accounts:,} accounts")
    for label, seconds, result in timings:
        print(
            f"{label + ':':30} {seconds:6.1f} s {rows / seconds:9,.0f} rows/s  "
            f"({result.inserted:,} new, {result.updated:,} updated)"
        )
    print(f"peak memory (max RSS): {peak_mb:,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db-url", default=f"sqlite:///{(OUT / 'import.db').as_posix()}")
    args = parser.parse_args()

    with fresh_database(args.db_url) as url:
        run(args.rows, args.accounts, args.seed, url)


if __name__ == "__main__":
    main()
