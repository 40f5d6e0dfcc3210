"""`cs-data import KIND FILE`: exit codes and messages, driven in-process."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cs_data.cli import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, main
from cs_data.db import create_engine_for, read_session
from cs_data.models import Account, Ticket


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def count(db_url: str, model) -> int:
    engine = create_engine_for(db_url)
    try:
        with read_session(engine) as session:
            return session.scalar(select(func.count()).select_from(model))
    finally:
        engine.dispose()


def run(db_url: str, *args: str) -> int:
    return main(["--database-url", db_url, "import", *args])


def test_import_prints_what_it_wrote(db_url, tmp_path, capsys):
    path = write_csv(
        tmp_path / "accounts.csv",
        ["account_id", "name", "csm"],
        [["ACC-1", "Acme", "alice"], ["ACC-2", "Globex", ""]],
    )

    assert run(db_url, "accounts", str(path)) == EXIT_OK
    first = capsys.readouterr().out
    assert run(db_url, "accounts", str(path)) == EXIT_OK
    again = capsys.readouterr().out

    assert f"imported 2 accounts rows from {path}: 2 new, 0 updated" in first
    assert "created users without login: alice" in first
    assert "0 new, 2 updated" in again
    assert "created users" not in again
    assert count(db_url, Account) == 2


def test_rejected_file_exits_1_with_the_report_and_writes_nothing(db_url, tmp_path, capsys):
    accounts = write_csv(tmp_path / "accounts.csv", ["account_id", "name"], [["ACC-1", "Acme"]])
    assert run(db_url, "accounts", str(accounts)) == EXIT_OK
    capsys.readouterr()
    tickets = write_csv(
        tmp_path / "tickets.csv",
        ["ticket_id", "created_at", "account_id"],
        [["T-1", "2025-03-01T09:00:00Z", "ACC-1"], ["T-2", "2025-13-01", "ACC-9"]],
    )

    assert run(db_url, "tickets", str(tickets)) == EXIT_REJECTED

    output = capsys.readouterr()
    assert output.out == ""
    assert output.err.splitlines()[-3:] == [
        f"{tickets}: rejected, 2 errors, database unchanged",
        "row 3, column created_at: bad timestamp '2025-13-01' "
        "(use ISO 8601, e.g. 2025-03-01T09:30:00Z)",
        "row 3, column account_id: unknown account_id 'ACC-9' (import accounts first)",
    ]
    assert count(db_url, Ticket) == 0


def test_missing_file_is_a_usage_error(db_url, tmp_path, capsys):
    missing = tmp_path / "nope.csv"

    assert run(db_url, "tickets", str(missing)) == EXIT_USAGE

    assert capsys.readouterr().err == f"error: cannot read tickets file {missing}: no such file\n"


def test_unknown_kind_is_refused_by_the_parser(db_url, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        run(db_url, "widgets", str(tmp_path / "x.csv"))

    assert exit_info.value.code == EXIT_USAGE
    assert "invalid choice: 'widgets'" in capsys.readouterr().err
