"""Benchmark: the same tickets imported from a Zendesk export through its preset, and from
the equivalent canonical file, each into a fresh database; prints the ratio.

    .venv/bin/python bench/import_preset.py --rows 1000000 --db-url sqlite:///bench/out/preset.db
    .venv/bin/python bench/import_preset.py --rows 1000000 \\
        --db-url postgresql://postgres@127.0.0.1:5432/test

Both files hold the same tickets (deterministic for ``--rows``/``--accounts``/``--seed``,
written under ``bench/out/``): the export in Zendesk's layout (local times, priority and
status names, channel "Via" names, display names, first reply time in minutes, space-separated
tags), the canonical file in ISO timestamps and canonical codes. The issue's target: the preset
import within 1.5x of the canonical import.
"""

from __future__ import annotations

import argparse
import csv
import random
import time
from datetime import datetime, timedelta
from pathlib import Path

from common import OUT, ROOT, fresh_database
from import_tickets import write_accounts
from sqlalchemy import make_url

from cs_data import schema
from cs_data.auth import operator
from cs_data.db import create_engine_for
from cs_data.importers import import_file
from cs_data.presets import BUILTIN, import_with_preset

ZENDESK = ["Id", "Created at", "Organization", "Subject", "Priority", "Via", "Status"]
ZENDESK += ["Assignee", "First reply time in minutes", "Solved at", "Tags"]
CANONICAL = ["ticket_id", "created_at", "account_id", "subject", "priority", "channel"]
CANONICAL += ["status", "assignee", "first_response_at", "resolved_at", "tags"]
PRIORITIES = [("Low", "low"), ("Normal", "normal"), ("High", "high"), ("Urgent", "urgent")]
VIAS = [("Mail", "email"), ("Chat", "chat"), ("Phone call (incoming)", "phone")]
VIAS += [("Web form", "web")]
SUBJECTS = ["Cannot log in", "Invoice shows the wrong amount", "Export, CSV: times out"]
TAGS = ["billing", "login", "export", "sso", "api", "bug"]


def write_files(zendesk: Path, canonical: Path, rows: int, accounts: int, seed: int) -> None:
    rng = random.Random(seed)
    start = datetime(2024, 1, 1)
    iso = "%Y-%m-%dT%H:%M:%SZ"
    local = "%Y-%m-%d %H:%M:%S"
    with (
        zendesk.open("w", encoding="utf-8", newline="") as vendor_file,
        canonical.open("w", encoding="utf-8", newline="") as canonical_file,
    ):
        vendor, ours = csv.writer(vendor_file), csv.writer(canonical_file)
        vendor.writerow(ZENDESK)
        ours.writerow(CANONICAL)
        for n in range(rows):
            created = start + timedelta(seconds=rng.randrange(0, 730 * 86400))
            minutes = rng.randrange(1, 3000)
            responded = created + timedelta(minutes=minutes)
            solved = (
                None
                if rng.random() < 0.1
                else responded + timedelta(minutes=rng.randrange(0, 9999))
            )
            account = f"ACC-{rng.randrange(accounts):06d}"
            subject = rng.choice(SUBJECTS)
            priority, via = rng.choice(PRIORITIES), rng.choice(VIAS)
            agent = rng.randrange(50)
            tags = rng.sample(TAGS, rng.randrange(0, 3))
            status = ("Solved", "solved") if solved else ("Open", "open")
            vendor.writerow(
                [
                    n,
                    created.strftime(local),
                    account,
                    subject,
                    priority[0],
                    via[0],
                    status[0],
                    f"Agent {agent}",
                    minutes,
                    solved.strftime(local) if solved else "",
                    " ".join(tags),
                ]
            )
            ours.writerow(
                [
                    n,
                    created.strftime(iso),
                    account,
                    subject,
                    priority[1],
                    via[1],
                    status[1],
                    f"agent.{agent}",
                    responded.strftime(iso),
                    solved.strftime(iso) if solved else "",
                    ";".join(tags),
                ]
            )


def timed(db_url: str, accounts_file: Path, load) -> tuple[float, int]:
    with fresh_database(db_url) as url:
        engine = create_engine_for(url)
        schema.upgrade(engine)
        import_file(engine, operator(), "accounts", accounts_file)
        started = time.perf_counter()
        rows = load(engine)
        seconds = time.perf_counter() - started
        engine.dispose()
    return seconds, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db-url", default=f"sqlite:///{(OUT / 'preset.db').as_posix()}")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    accounts_file = OUT / f"accounts_{args.accounts}.csv"
    zendesk = OUT / f"zendesk_{args.rows}_{args.accounts}_{args.seed}.csv"
    canonical = OUT / f"zendesk_canonical_{args.rows}_{args.accounts}_{args.seed}.csv"
    if not accounts_file.exists():
        write_accounts(accounts_file, args.accounts)
    if not (zendesk.exists() and canonical.exists()):
        print(f"writing {zendesk.relative_to(ROOT)} and its canonical twin …", flush=True)
        write_files(zendesk, canonical, args.rows, args.accounts, args.seed)

    def canonical_load(engine) -> int:
        return import_file(engine, operator(), "tickets", canonical).inserted

    def preset_load(engine) -> int:
        report = import_with_preset(engine, operator(), zendesk, BUILTIN["zendesk_tickets"])
        assert report.committed, report.text()[:2000]
        return report.to_insert

    plain_s, plain_rows = timed(args.db_url, accounts_file, canonical_load)
    preset_s, preset_rows = timed(args.db_url, accounts_file, preset_load)
    backend = make_url(args.db_url).get_backend_name()
    print(f"backend {backend}, {args.rows:,} tickets, {args.accounts:,} accounts")
    print(f"canonical import:          {plain_s:6.1f} s {plain_rows / plain_s:9,.0f} rows/s")
    print(f"zendesk_tickets preset:    {preset_s:6.1f} s {preset_rows / preset_s:9,.0f} rows/s")
    print(f"preset / canonical:        {preset_s / plain_s:6.2f}x (target <= 1.5x)")


if __name__ == "__main__":
    main()
