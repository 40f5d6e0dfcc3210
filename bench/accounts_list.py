"""Time the Accounts page's queries on an existing database (e.g. demo scale L).

    .venv/bin/python bench/accounts_list.py --db-url sqlite:///bench/out/l.db --today 2026-11-30

Each query runs three times; the best and every run are printed (seconds, uncached).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import date

from cs_data import accounts
from cs_data.accounts import AccountFilter
from cs_data.db import create_engine_for

RUNS = 3


def timed(label: str, query: Callable[[], object]) -> None:
    runs = []
    for _ in range(RUNS):
        started = time.perf_counter()
        query()
        runs.append(time.perf_counter() - started)
    shown = ", ".join(f"{run:.2f}" for run in runs)
    print(f"{label:<32} best {min(runs):5.2f} s   (runs {shown})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db-url", required=True)
    parser.add_argument("--today", type=date.fromisoformat, required=True)
    args = parser.parse_args()
    engine = create_engine_for(args.db_url)
    day = args.today
    timed("list sorted by health", lambda: accounts.list_accounts(engine, today=day))
    timed(
        "list by health, segment smb",
        lambda: accounts.list_accounts(engine, AccountFilter(segment="smb"), today=day),
    )
    timed(
        "list by health, red band",
        lambda: accounts.list_accounts(engine, AccountFilter(band="red"), today=day),
    )
    timed(
        "list by open tickets",
        lambda: accounts.list_accounts(engine, sort="open_tickets", descending=True, today=day),
    )
    timed(
        "list searched by name",
        lambda: accounts.list_accounts(engine, AccountFilter(search="tech"), today=day),
    )
    timed("at-risk list", lambda: accounts.at_risk(engine, today=day))


if __name__ == "__main__":
    main()
