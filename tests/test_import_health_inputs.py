"""Importing the health score's own inputs: interactions and monthly usage."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cs_data import health
from cs_data.auth import operator
from cs_data.db import read_session, transaction
from cs_data.importers import ImportRejected, RowError, import_file
from cs_data.models import AccountUsage, Contact, HealthRun, Interaction, User
from tests.factories import make_account

INTERACTIONS_HEADER = ["interaction_id", "account_id", "kind", "occurred_at", "user", "contact"]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def accounts(engine):
    with transaction(engine) as session:
        make_account(session, id="ACC-1")
        make_account(session, id="ACC-2")
        session.add(Contact(account_id="ACC-1", name="Ana Lima", email="ana@acme.example"))
    return engine


def _count(engine, model) -> int:
    with read_session(engine) as session:
        return session.scalar(select(func.count()).select_from(model))


def test_interactions_round_trip_with_users_contacts_and_optional_summary(accounts, tmp_path):
    path = write_csv(
        tmp_path / "interactions.csv",
        [*INTERACTIONS_HEADER, "summary", "extra"],
        [
            [
                "I-1",
                "ACC-1",
                "Call",
                "2025-03-01T09:30:00Z",
                "alice",
                "ANA@acme.example",
                "Hi",
                "x",
            ],
            ["I-2", "ACC-1", "qbr", "2025-03-02T18:00:00+09:00", "", "new@acme.example", "", ""],
            ["I-3", "ACC-2", "note", "2025-03-03T10:00:00", "alice", "", "Renewal risk", ""],
        ],
    )
    result = import_file(accounts, operator(), "interactions", path)
    assert (result.inserted, result.updated, result.created_users) == (3, 0, ("alice",))

    with read_session(accounts) as session:
        rows = {row.id: row for row in session.scalars(select(Interaction))}
        ana = session.scalar(select(Contact).where(Contact.name == "Ana Lima"))
        created = session.scalar(select(Contact).where(Contact.email == "new@acme.example"))
        alice = session.scalar(select(User).where(User.username == "alice"))
    assert rows["I-1"].kind == "call" and rows["I-1"].contact_id == ana.id
    assert rows["I-1"].user_id == alice.id and alice.role == "csm"
    assert rows["I-2"].occurred_at == datetime(2025, 3, 2, 9, 0, tzinfo=UTC)
    assert rows["I-2"].summary is None and rows["I-2"].contact_id == created.id
    assert created.account_id == "ACC-1"
    assert rows["I-3"].contact_id is None and rows["I-3"].summary == "Renewal risk"
    assert all(row.created_at is not None for row in rows.values())

    again = import_file(accounts, operator(), "interactions", path)
    assert (again.inserted, again.updated) == (0, 3)
    assert _count(accounts, Interaction) == 3
    assert _count(accounts, Contact) == 2
    with read_session(accounts) as session:
        assert session.get(Interaction, "I-1").created_at == rows["I-1"].created_at


def test_bad_interactions_are_rejected_with_row_column_and_reason(accounts, tmp_path):
    path = write_csv(
        tmp_path / "interactions.csv",
        [*INTERACTIONS_HEADER, "summary"],
        [
            ["I-1", "ACC-1", "call", "2025-03-01T09:30:00Z", "", "", "ok"],
            ["I-2", "ACC-9", "visit", "yesterday", "", "not-an-email", ""],
            ["I-1", "ACC-1", "", "2025-03-01T09:30:00Z", "", "", ""],
        ],
    )
    with pytest.raises(ImportRejected) as caught:
        import_file(accounts, operator(), "interactions", path)
    errors = set(caught.value.errors)
    assert RowError(3, "account_id", "unknown account_id 'ACC-9' (import accounts first)") in errors
    columns = {(error.row, error.column) for error in errors}
    assert {(3, "kind"), (3, "occurred_at"), (3, "contact"), (4, "kind")} <= columns
    assert (4, "interaction_id") in columns  # duplicate of row 2
    assert _count(accounts, Interaction) == 0


def test_a_missing_required_interactions_column_is_named(accounts, tmp_path):
    path = write_csv(tmp_path / "i.csv", ["interaction_id", "account_id"], [["I-1", "ACC-1"]])
    with pytest.raises(ImportRejected) as caught:
        import_file(accounts, operator(), "interactions", path)
    assert {error.column for error in caught.value.errors} == {"kind", "occurred_at"}


def test_usage_round_trip_upserts_by_account_and_month(accounts, tmp_path):
    header = ["account_id", "month", "active_users", "licensed_seats"]
    path = write_csv(
        tmp_path / "usage.csv",
        header,
        [
            ["ACC-1", "2025-03", "30", "40"],
            ["ACC-1", "2025-04-01", "35", "40"],
            ["ACC-2", "2025-04", "0", "0"],
        ],
    )
    result = import_file(accounts, operator(), "usage", path)
    assert (result.rows, result.inserted, result.updated) == (3, 3, 0)

    changed = write_csv(
        tmp_path / "usage2.csv",
        ["month", "licensed_seats", "account_id", "active_users"],
        [["2025-04", "50", "ACC-1", "45"], ["2025-05", "50", "ACC-1", "48"]],
    )
    second = import_file(accounts, operator(), "usage", changed)
    assert (second.inserted, second.updated) == (1, 1)
    with read_session(accounts) as session:
        rows = {
            (row.account_id, row.month): (row.active_users, row.licensed_seats)
            for row in session.scalars(select(AccountUsage))
        }
    assert rows == {
        ("ACC-1", date(2025, 3, 1)): (30, 40),
        ("ACC-1", date(2025, 4, 1)): (45, 50),
        ("ACC-1", date(2025, 5, 1)): (48, 50),
        ("ACC-2", date(2025, 4, 1)): (0, 0),
    }


def test_bad_usage_rows_are_rejected_and_nothing_is_written(accounts, tmp_path):
    path = write_csv(
        tmp_path / "usage.csv",
        ["account_id", "month", "active_users", "licensed_seats"],
        [
            ["ACC-1", "2025-03", "30", "40"],
            ["ACC-1", "2025-03-15", "-1", "4.5"],
            ["ACC-1", "2025-03-01", "1", "2"],
            ["ACC-3", "March", "", "10"],
        ],
    )
    with pytest.raises(ImportRejected) as caught:
        import_file(accounts, operator(), "usage", path)
    reasons = {(error.row, error.column): error.reason for error in caught.value.errors}
    assert "is not a month" in reasons[(3, "month")]
    assert "whole number" in reasons[(3, "active_users")]
    assert "whole number" in reasons[(3, "licensed_seats")]
    assert reasons[(4, "month")] == "duplicate account_id ACC-1, month 2025-03-01 (first in row 2)"
    assert (5, "account_id") in reasons and (5, "month") in reasons
    assert reasons[(5, "active_users")] == "active_users is empty (required)"
    assert _count(accounts, AccountUsage) == 0


def test_an_import_has_todays_health_computed_again(accounts, tmp_path):
    today = datetime.now(UTC).date()
    health.ensure_snapshots(accounts, today)
    assert health.has_run(accounts, today)
    path = write_csv(
        tmp_path / "usage.csv",
        ["account_id", "month", "active_users", "licensed_seats"],
        [["ACC-1", "2025-03", "30", "40"]],
    )
    import_file(accounts, operator(), "usage", path)
    assert _count(accounts, HealthRun) == 0
    assert not health.has_run(accounts, today)
