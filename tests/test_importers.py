"""Canonical CSV import: round trips, idempotent upserts, renewal history, all-or-nothing."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text

from cs_data import importers
from cs_data.auth import Actor
from cs_data.db import read_session, transaction
from cs_data.errors import CockpitError
from cs_data.importers import ImportRejected, RowError, import_file
from cs_data.models import (
    Account,
    AuditEntry,
    Renewal,
    RenewalChange,
    Subscription,
    SurveyResponse,
    Ticket,
    User,
)
from tests.factories import make_ticket

ACTOR = Actor(name="operator:test", user_id=None, role="admin")
PUBLIC_TICKETS = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "data"
    / "tickets"
    / "customer_support_tickets.csv"
)
SNAPSHOT_TABLES = (
    "users",
    "accounts",
    "subscriptions",
    "tickets",
    "survey_responses",
    "renewals",
    "renewal_changes",
    "audit_log",
)

ACCOUNTS_HEADER = ["account_id", "name", "segment", "csm", "created_at"]
ACCOUNTS_ROWS = [
    ["ACC-1", "Acme", "enterprise", "alice", "2024-01-15T08:00:00Z"],
    ["ACC-2", "Globex", "smb", "", ""],
]
TICKETS_HEADER = [
    "ticket_id",
    "created_at",
    "account_id",
    "subject",
    "priority",
    "assignee",
    "first_response_at",
    "resolved_at",
    "tags",
]
RENEWALS_HEADER = [
    "renewal_id",
    "account_id",
    "renewal_date",
    "current_arr",
    "stage",
    "outcome",
    "renewed_arr",
    "owner",
]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def ticket_row(ticket_id: str, created_at: str = "2025-03-01T09:00:00Z", **cells: str) -> list[str]:
    values = {"ticket_id": ticket_id, "created_at": created_at, "account_id": "ACC-1"} | cells
    return [values.get(column, "") for column in TICKETS_HEADER]


def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every table an import can touch, in a stable order."""
    with engine.connect() as connection:
        return {
            table: sorted(
                (tuple(row) for row in connection.execute(text(f"SELECT * FROM {table}"))),
                key=repr,
            )
            for table in SNAPSHOT_TABLES
        }


@pytest.fixture
def with_accounts(engine, tmp_path) -> Engine:
    import_file(
        engine, ACTOR, "accounts", write_csv(tmp_path / "a.csv", ACCOUNTS_HEADER, ACCOUNTS_ROWS)
    )
    return engine


def rejected(engine: Engine, kind: str, path: Path) -> ImportRejected:
    before = snapshot(engine)
    with pytest.raises(ImportRejected) as caught:
        import_file(engine, ACTOR, kind, path)
    assert snapshot(engine) == before, "a rejected import changed the database"
    return caught.value


# --- good files -----------------------------------------------------------------------------


def test_accounts_round_trip_with_bom_crlf_any_column_order_and_extra_columns(engine, tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_bytes(
        "\ufeffName,ACCOUNT_ID,notes,segment,csm,created_at,region\r\n"
        "Acme,ACC-1,ignored,Mid Market,alice,2024-01-15T09:00:00+01:00,emea\r\n"
        "Globex,ACC-2,,,,,\r\n".encode()
    )

    result = import_file(engine, ACTOR, "accounts", path)

    assert result == importers.ImportResult("accounts", 2, 2, 0, ("alice",))
    with read_session(engine) as session:
        acme, globex = session.scalars(select(Account).order_by(Account.id))
        alice = session.scalars(select(User).where(User.username == "alice")).one()
        audit = session.scalars(select(AuditEntry)).one()
    assert (acme.name, acme.segment, acme.region, acme.csm_id) == (
        "Acme",
        "mid_market",
        "emea",
        alice.id,
    )
    assert acme.created_at == datetime(2024, 1, 15, 8, 0, tzinfo=UTC)
    assert (globex.segment, globex.region, globex.csm_id, globex.created_at) == (None,) * 4
    assert (alice.role, alice.display_name, alice.password_hash) == ("csm", "alice", None)
    assert (audit.action, audit.entity_type, audit.entity_id) == (
        "import",
        "accounts",
        "accounts.csv",
    )
    assert audit.after == {"rows": 2, "inserted": 2, "updated": 0, "created_users": ["alice"]}
    assert audit.actor_name == ACTOR.name


def test_subscriptions_round_trip_in_cents(with_accounts, tmp_path):
    path = write_csv(
        tmp_path / "subscriptions.csv",
        ["subscription_id", "account_id", "start_date", "end_date", "arr", "product"],
        [
            ["S-1", "ACC-1", "2025-01-01", "2026-01-01", "1,234.5", "Core"],
            ["S-2", "ACC-2", "2025-02-01", "", "0", ""],
        ],
    )

    result = import_file(with_accounts, ACTOR, "subscriptions", path)

    assert (result.rows, result.inserted, result.updated) == (2, 2, 0)
    with read_session(with_accounts) as session:
        first, second = session.scalars(select(Subscription).order_by(Subscription.id))
    assert (first.arr_cents, first.start_date, first.end_date, first.product) == (
        123450,
        date(2025, 1, 1),
        date(2026, 1, 1),
        "Core",
    )
    assert (second.arr_cents, second.end_date, second.product) == (0, None, None)


def test_tickets_round_trip_converts_to_utc_and_normalises_cells(with_accounts, tmp_path):
    path = write_csv(
        tmp_path / "tickets.csv",
        TICKETS_HEADER,
        [
            ticket_row(
                "T-1",
                "2025-03-01T18:30:00+09:00",
                subject="Login\nbroken",
                priority="HIGH",
                assignee="bob",
                first_response_at="2025-03-01T10:00:00",
                resolved_at="2025-03-02T09:00:00.250Z",
                tags=" billing; ;login ;",
            ),
            ticket_row("T-2", account_id=""),
        ],
    )

    result = import_file(with_accounts, ACTOR, "tickets", path)

    assert result.created_users == ("bob",)
    with read_session(with_accounts) as session:
        one, two = session.scalars(select(Ticket).order_by(Ticket.id))
        bob = session.scalars(select(User).where(User.username == "bob")).one()
    assert one.created_at == datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    assert one.first_response_at == datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
    assert one.resolved_at == datetime(2025, 3, 2, 9, 0, 0, 250000, tzinfo=UTC)
    assert (one.subject, one.priority, one.tags, one.assignee_id) == (
        "Login\nbroken",
        "high",
        "billing;login",
        bob.id,
    )
    assert bob.role == "viewer"
    assert (two.account_id, two.subject, two.priority, two.assignee_id, two.tags) == (None,) * 5
    assert (two.first_response_at, two.resolved_at) == (None, None)


def test_imported_timestamps_are_stored_exactly_as_the_orm_stores_them(with_accounts, tmp_path):
    with transaction(with_accounts) as session:
        make_ticket(session, id="ORM", created_at=datetime(2025, 3, 1, 9, 0, 5, 7, tzinfo=UTC))
    path = write_csv(
        tmp_path / "t.csv", TICKETS_HEADER, [ticket_row("CSV", "2025-03-01T09:00:05.000007Z")]
    )

    import_file(with_accounts, ACTOR, "tickets", path)

    with with_accounts.connect() as connection:
        stored = dict(connection.execute(text("SELECT id, created_at FROM tickets")).all())
    assert stored["CSV"] == stored["ORM"]


def test_surveys_round_trip_with_ticket_links(with_accounts, tmp_path):
    import_file(
        with_accounts,
        ACTOR,
        "tickets",
        write_csv(tmp_path / "t.csv", TICKETS_HEADER, [ticket_row("T-1")]),
    )
    path = write_csv(
        tmp_path / "surveys.csv",
        [
            "response_id",
            "survey_type",
            "score",
            "responded_at",
            "account_id",
            "ticket_id",
            "comment",
        ],
        [
            ["R-1", "NPS", "10", "2025-03-05T12:00:00-05:00", "ACC-1", "", "Great"],
            ["R-2", "csat", "+4", "2025-03-05", "", "T-1", ""],
        ],
    )

    import_file(with_accounts, ACTOR, "surveys", path)

    with read_session(with_accounts) as session:
        nps, csat = session.scalars(select(SurveyResponse).order_by(SurveyResponse.id))
    assert (nps.survey_type, nps.score, nps.account_id, nps.ticket_id, nps.comment) == (
        "nps",
        10,
        "ACC-1",
        None,
        "Great",
    )
    assert nps.responded_at == datetime(2025, 3, 5, 17, 0, tzinfo=UTC)
    assert (csat.survey_type, csat.score, csat.ticket_id, csat.comment) == ("csat", 4, "T-1", None)
    assert csat.responded_at == datetime(2025, 3, 5, tzinfo=UTC)


def test_renewals_settle_stage_outcome_and_forecast_category(with_accounts, tmp_path):
    path = write_csv(
        tmp_path / "renewals.csv",
        [*RENEWALS_HEADER, "forecast_category", "probability", "expected_arr", "closed_at"],
        [
            [
                "RN-1",
                "ACC-1",
                "2025-06-30",
                "12000",
                "",
                "",
                "",
                "carol",
                "",
                "0.75",
                "13000.10",
                "",
            ],
            [
                "RN-2",
                "ACC-1",
                "2025-05-31",
                "5000",
                "",
                "won",
                "5500",
                "",
                "",
                "",
                "",
                "2025-05-20T10:00:00Z",
            ],
            ["RN-3", "ACC-2", "2025-04-30", "800", "Closed Lost", "", "", "", "", "", "", ""],
            ["RN-4", "ACC-2", "2025-07-31", "900", "negotiation", "", "", "", "commit", "", "", ""],
        ],
    )

    result = import_file(with_accounts, ACTOR, "renewals", path)

    assert (result.inserted, result.updated, result.created_users) == (4, 0, ("carol",))
    with read_session(with_accounts) as session:
        renewals = {r.id: r for r in session.scalars(select(Renewal))}
        carol = session.scalars(select(User).where(User.username == "carol")).one()
        changes = session.scalars(select(RenewalChange.field).order_by(RenewalChange.id)).all()
    one, won, lost, negotiating = (renewals[f"RN-{n}"] for n in range(1, 5))
    assert (one.stage, one.outcome, one.forecast_category, one.probability) == (
        "not_started",
        None,
        "pipeline",
        0.75,
    )
    assert (one.current_arr_cents, one.expected_arr_cents, one.owner_id) == (
        1_200_000,
        1_300_010,
        carol.id,
    )
    assert (won.stage, won.outcome, won.forecast_category, won.renewed_arr_cents) == (
        "closed_won",
        "won",
        "closed",
        550_000,
    )
    assert won.closed_at == datetime(2025, 5, 20, 10, 0, tzinfo=UTC)
    assert (lost.stage, lost.outcome, lost.forecast_category) == ("closed_lost", "lost", "closed")
    assert (negotiating.stage, negotiating.forecast_category) == ("negotiation", "commit")
    assert {r.version for r in renewals.values()} == {1}
    assert changes == ["created"] * 4  # the creation of each, and nothing else
    assert carol.role == "csm"


# --- re-import ------------------------------------------------------------------------------


def test_reimport_is_an_idempotent_upsert(with_accounts, tmp_path):
    rows = [ticket_row(f"T-{n}", priority="low", assignee="bob") for n in range(5)]
    path = write_csv(tmp_path / "tickets.csv", TICKETS_HEADER, rows)
    first = import_file(with_accounts, ACTOR, "tickets", path)
    stored = snapshot(with_accounts)["tickets"]

    again = import_file(with_accounts, ACTOR, "tickets", path)

    assert (first.inserted, first.updated, first.created_users) == (5, 0, ("bob",))
    assert (again.inserted, again.updated, again.created_users) == (0, 5, ())
    assert snapshot(with_accounts)["tickets"] == stored
    with read_session(with_accounts) as session:
        assert session.scalar(select(func.count()).select_from(User)) == 2  # alice, bob
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 3


def test_update_keeps_columns_absent_from_the_file_and_nulls_empty_cells(with_accounts, tmp_path):
    full = [
        ticket_row("T-1", subject="Export fails", priority="urgent", tags="a"),
        ticket_row("T-2"),
    ]
    import_file(
        with_accounts, ACTOR, "tickets", write_csv(tmp_path / "full.csv", TICKETS_HEADER, full)
    )
    partial = write_csv(
        tmp_path / "partial.csv",
        ["ticket_id", "created_at", "priority"],
        [["T-1", "2025-03-01T09:00:00Z", ""], ["T-3", "2025-03-04T09:00:00Z", "low"]],
    )

    result = import_file(with_accounts, ACTOR, "tickets", partial)

    assert (result.inserted, result.updated) == (1, 1)
    with read_session(with_accounts) as session:
        one = session.get(Ticket, "T-1")
        three = session.get(Ticket, "T-3")
    assert (one.subject, one.tags, one.account_id, one.priority) == (
        "Export fails",
        "a",
        "ACC-1",
        None,
    )
    assert (three.priority, three.subject, three.account_id) == ("low", None, None)


def test_renewal_update_records_each_changed_field_and_bumps_version(with_accounts, tmp_path):
    rows = [
        ["RN-1", "ACC-1", "2025-06-30", "12000", "outreach", "", "", "alice"],
        ["RN-2", "ACC-2", "2025-06-30", "500", "", "", "", ""],
    ]
    path = write_csv(tmp_path / "renewals.csv", RENEWALS_HEADER, rows)
    import_file(with_accounts, ACTOR, "renewals", path)
    unchanged = import_file(with_accounts, ACTOR, "renewals", path)
    rows[0] = ["RN-1", "ACC-1", "2025-06-30", "12500.5", "closed_won", "won", "12500.5", "alice"]

    changed = import_file(
        with_accounts,
        ACTOR,
        "renewals",
        write_csv(tmp_path / "renewals2.csv", RENEWALS_HEADER, rows),
    )

    assert (unchanged.inserted, unchanged.updated) == (0, 2)
    assert (changed.inserted, changed.updated) == (0, 2)
    with read_session(with_accounts) as session:
        one, two = session.scalars(select(Renewal).order_by(Renewal.id))
        history = session.scalars(
            select(RenewalChange)
            .where(RenewalChange.field != "created")
            .order_by(RenewalChange.field)
        ).all()
    assert (one.version, two.version) == (2, 1)
    assert {c.version for c in history} == {2}
    assert (one.stage, one.outcome, one.forecast_category) == ("closed_won", "won", "closed")
    assert [(c.field, c.old_value, c.new_value) for c in history] == [
        ("current_arr_cents", "1200000", "1250050"),
        ("forecast_category", "pipeline", "closed"),
        ("outcome", None, "won"),
        ("renewed_arr_cents", None, "1250050"),
        ("stage", "outreach", "closed_won"),
    ]
    assert {(c.renewal_id, c.actor_name, c.actor_id) for c in history} == {
        ("RN-1", ACTOR.name, None)
    }


def test_renewal_without_stage_columns_keeps_its_stored_stage(with_accounts, tmp_path):
    import_file(
        with_accounts,
        ACTOR,
        "renewals",
        write_csv(
            tmp_path / "r.csv",
            [*RENEWALS_HEADER, "forecast_category"],
            [["RN-1", "ACC-1", "2025-06-30", "100", "proposal", "", "", "", "best_case"]],
        ),
    )
    import_file(
        with_accounts,
        ACTOR,
        "renewals",
        write_csv(
            tmp_path / "r2.csv",
            ["renewal_id", "account_id", "renewal_date", "current_arr"],
            [["RN-1", "ACC-1", "2025-07-31", "100"]],
        ),
    )

    with read_session(with_accounts) as session:
        renewal = session.get(Renewal, "RN-1")
        history = session.scalars(
            select(RenewalChange.field).where(RenewalChange.field != "created")
        ).all()
    assert (renewal.stage, renewal.forecast_category, renewal.renewal_date) == (
        "proposal",
        "best_case",
        date(2025, 7, 31),
    )
    assert (renewal.version, history) == (2, ["renewal_date"])


# --- rejected files -------------------------------------------------------------------------

SUBSCRIPTIONS_HEADER = ["subscription_id", "account_id", "start_date", "end_date", "arr"]
SURVEYS_HEADER = ["response_id", "survey_type", "score", "responded_at", "ticket_id"]

BAD_FILES = {
    "missing required column": (
        "tickets",
        ["ticket_id", "subject"],
        [["T-9", "Hello"]],
        RowError(
            1,
            "created_at",
            "missing required column created_at (a tickets file needs ticket_id, created_at)",
        ),
    ),
    "bad timestamp": (
        "tickets",
        TICKETS_HEADER,
        [ticket_row("T-9"), ticket_row("T-10", "2025-13-01")],
        RowError(
            3, "created_at", "bad timestamp '2025-13-01' (use ISO 8601, e.g. 2025-03-01T09:30:00Z)"
        ),
    ),
    "bad date": (
        "subscriptions",
        SUBSCRIPTIONS_HEADER,
        [["S-9", "ACC-1", "2025-02-30", "", "10"]],
        RowError(2, "start_date", "bad date '2025-02-30' (use YYYY-MM-DD, e.g. 2025-03-01)"),
    ),
    "unknown priority": (
        "tickets",
        TICKETS_HEADER,
        [ticket_row("T-9", priority="asap")],
        RowError(2, "priority", "unknown priority 'asap' (use low, normal, high, urgent)"),
    ),
    "score off scale": (
        "surveys",
        SURVEYS_HEADER,
        [["R-9", "nps", "11", "2025-03-01", ""]],
        RowError(2, "score", "score 11 is off the nps scale 0..10"),
    ),
    "score not an integer": (
        "surveys",
        SURVEYS_HEADER,
        [["R-9", "csat", "4.5", "2025-03-01", ""]],
        RowError(2, "score", "score '4.5' is not a whole number"),
    ),
    "unknown survey type": (
        "surveys",
        SURVEYS_HEADER,
        [["R-9", "star", "4", "2025-03-01", ""]],
        RowError(2, "survey_type", "unknown survey_type 'star' (use csat, nps, ces)"),
    ),
    "unknown ticket on a survey": (
        "surveys",
        SURVEYS_HEADER,
        [["R-9", "csat", "4", "2025-03-01", "T-404"]],
        RowError(2, "ticket_id", "unknown ticket_id 'T-404' (import tickets first)"),
    ),
    "unknown account id": (
        "tickets",
        TICKETS_HEADER,
        [ticket_row("T-9", account_id="ACC-404")],
        RowError(2, "account_id", "unknown account_id 'ACC-404' (import accounts first)"),
    ),
    "duplicate id in the file": (
        "tickets",
        TICKETS_HEADER,
        [ticket_row("T-9"), ticket_row("T-10"), ticket_row("T-9")],
        RowError(4, "ticket_id", "duplicate ticket_id 'T-9' (first in row 2)"),
    ),
    "empty id": (
        "tickets",
        TICKETS_HEADER,
        [ticket_row("", subject="orphan")],
        RowError(2, "ticket_id", "ticket_id is empty (required)"),
    ),
    "too long id": (
        "tickets",
        TICKETS_HEADER,
        [ticket_row("T" * 65)],
        RowError(2, "ticket_id", "too long (65 characters, at most 64)"),
    ),
    "negative arr": (
        "subscriptions",
        SUBSCRIPTIONS_HEADER,
        [["S-9", "ACC-1", "2025-01-01", "", "-5"]],
        RowError(
            2,
            "arr",
            "negative amount: '-5' (use a non-negative amount in plain decimal notation "
            "with at most 2 decimals, e.g. 12000.50 or 12,000.50)",
        ),
    ),
    "over-precise arr": (
        "subscriptions",
        SUBSCRIPTIONS_HEADER,
        [["S-9", "ACC-1", "2025-01-01", "", "10.005"]],
        RowError(
            2,
            "arr",
            "more than two decimal places: '10.005' (use a non-negative amount in plain "
            "decimal notation with at most 2 decimals, e.g. 12000.50 or 12,000.50)",
        ),
    ),
    "end before start": (
        "subscriptions",
        SUBSCRIPTIONS_HEADER,
        [["S-9", "ACC-1", "2025-03-01", "2025-03-01", "10"]],
        RowError(
            2,
            "end_date",
            "end_date 2025-03-01 is not after start_date 2025-03-01 (end is exclusive)",
        ),
    ),
    "first response before created": (
        "tickets",
        TICKETS_HEADER,
        [ticket_row("T-9", "2025-03-01T09:00:00Z", first_response_at="2025-03-01T08:59:00Z")],
        RowError(
            2,
            "first_response_at",
            "first_response_at 2025-03-01T08:59:00 is before created_at 2025-03-01T09:00:00",
        ),
    ),
    "contradictory renewal outcome": (
        "renewals",
        RENEWALS_HEADER,
        [["RN-9", "ACC-1", "2025-06-30", "100", "closed_won", "lost", "", ""]],
        RowError(2, "outcome", "outcome 'lost' contradicts stage 'closed_won'"),
    ),
    "outcome on an open stage": (
        "renewals",
        RENEWALS_HEADER,
        [["RN-9", "ACC-1", "2025-06-30", "100", "proposal", "won", "100", ""]],
        RowError(2, "outcome", "outcome 'won' contradicts stage 'proposal'"),
    ),
    "won without renewed arr": (
        "renewals",
        RENEWALS_HEADER,
        [["RN-9", "ACC-1", "2025-06-30", "100", "", "won", "", ""]],
        RowError(2, "renewed_arr", "a won renewal (stage closed_won) needs renewed_arr"),
    ),
    "probability off range": (
        "renewals",
        [*RENEWALS_HEADER, "probability"],
        [["RN-9", "ACC-1", "2025-06-30", "100", "", "", "", "", "1.5"]],
        RowError(2, "probability", "probability '1.5' is not a number from 0 to 1"),
    ),
    "unknown stage": (
        "renewals",
        RENEWALS_HEADER,
        [["RN-9", "ACC-1", "2025-06-30", "100", "won it", "", "", ""]],
        RowError(
            2,
            "stage",
            "unknown stage 'won it' (use not_started, outreach, engaged, proposal, negotiation, "
            "verbal_commit, closed_won, closed_lost)",
        ),
    ),
    "wrong number of cells": (
        "tickets",
        TICKETS_HEADER,
        [ticket_row("T-9")[:3]],
        RowError(2, None, "has 3 cells but the header has 9"),
    ),
}


@pytest.fixture
def populated(with_accounts, tmp_path) -> Engine:
    """Accounts, tickets, surveys and renewals already stored, so 'unchanged' means something."""
    engine = with_accounts
    import_file(
        engine,
        ACTOR,
        "tickets",
        write_csv(tmp_path / "t0.csv", TICKETS_HEADER, [ticket_row("T-1")]),
    )
    import_file(
        engine,
        ACTOR,
        "surveys",
        write_csv(tmp_path / "s0.csv", SURVEYS_HEADER, [["R-1", "csat", "5", "2025-03-02", "T-1"]]),
    )
    import_file(
        engine,
        ACTOR,
        "subscriptions",
        write_csv(
            tmp_path / "sub0.csv", SUBSCRIPTIONS_HEADER, [["S-1", "ACC-1", "2025-01-01", "", "10"]]
        ),
    )
    import_file(
        engine,
        ACTOR,
        "renewals",
        write_csv(
            tmp_path / "r0.csv",
            RENEWALS_HEADER,
            [["RN-1", "ACC-1", "2025-06-30", "10", "", "", "", ""]],
        ),
    )
    return engine


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_file_is_rejected_with_row_column_and_reason(populated, tmp_path, case):
    kind, header, rows, expected = BAD_FILES[case]
    path = write_csv(tmp_path / f"{kind}.csv", header, rows)

    error = rejected(populated, kind, path)

    assert error.errors == [expected]
    assert error.error_count == 1
    assert error.report() == f"{path}: rejected, 1 error, database unchanged\n{expected}"


def test_a_rejected_file_still_updates_nothing_it_would_have_changed(populated, tmp_path):
    rows = [ticket_row("T-1", subject="changed"), ticket_row("T-2", "yesterday")]

    error = rejected(populated, "tickets", write_csv(tmp_path / "t.csv", TICKETS_HEADER, rows))

    assert [(e.row, e.column) for e in error.errors] == [(3, "created_at")]


def test_one_bad_row_after_written_batches_leaves_the_database_unchanged(
    populated, tmp_path, monkeypatch
):
    monkeypatch.setattr(importers, "BATCH_ROWS", 50)
    writes: list[int] = []
    make_writer = importers._writer

    def counting_writer(*args):
        writer = make_writer(*args)
        write = writer.write
        writer.write = lambda new, known: writes.append(len(new) + len(known)) or write(new, known)
        return writer

    monkeypatch.setattr(importers, "_writer", counting_writer)
    rows = [ticket_row(f"T-{n:04d}", assignee=f"agent{n % 7}") for n in range(2, 502)]
    rows[300] = ticket_row("T-0302", priority="sometime")  # spreadsheet row 302

    error = rejected(
        populated, "tickets", write_csv(tmp_path / "tickets.csv", TICKETS_HEADER, rows)
    )

    assert sum(writes) == 300, "the batches before the bad row were written, then rolled back"
    assert error.errors == [
        RowError(302, "priority", "unknown priority 'sometime' (use low, normal, high, urgent)")
    ]


def test_every_error_is_reported_and_the_list_is_capped(populated, tmp_path):
    rows = [ticket_row(f"T-{n}", "not a time", priority="x") for n in range(600)]

    error = rejected(
        populated, "tickets", write_csv(tmp_path / "tickets.csv", TICKETS_HEADER, rows)
    )

    assert error.error_count == 1200
    assert len(error.errors) == 1000
    assert error.errors[:2] == [
        RowError(
            2, "created_at", "bad timestamp 'not a time' (use ISO 8601, e.g. 2025-03-01T09:30:00Z)"
        ),
        RowError(2, "priority", "unknown priority 'x' (use low, normal, high, urgent)"),
    ]
    report = error.report().splitlines()
    assert report[0] == f"{tmp_path / 'tickets.csv'}: rejected, 1,200 errors, database unchanged"
    assert report[-1] == "... and 200 more"


def test_a_row_the_database_refuses_rejects_the_file(populated, tmp_path):
    """S-1 is stored with an end date; moving its start past it breaks end_date > start_date."""
    with transaction(populated) as session:
        session.get(Subscription, "S-1").end_date = date(2025, 6, 1)
    path = write_csv(
        tmp_path / "subscriptions.csv",
        ["subscription_id", "account_id", "start_date", "arr"],
        [["S-2", "ACC-1", "2025-01-01", "5"], ["S-1", "ACC-1", "2025-07-01", "10"]],
    )

    error = rejected(populated, "subscriptions", path)

    assert len(error.errors) == 1
    assert error.errors[0].row == 2
    assert error.errors[0].reason.startswith("the database refused rows 2-3: ")
    assert "end_after_start" in error.errors[0].reason


def test_rows_are_counted_as_in_a_spreadsheet_even_with_quoted_newlines(populated, tmp_path):
    rows = [ticket_row("T-8", subject="two\nlines"), ticket_row("T-9", "2025-02-30T00:00:00")]

    error = rejected(
        populated, "tickets", write_csv(tmp_path / "tickets.csv", TICKETS_HEADER, rows)
    )

    assert [(e.row, e.column) for e in error.errors] == [(3, "created_at")]


def test_blank_rows_are_skipped(populated, tmp_path):
    path = tmp_path / "tickets.csv"
    path.write_text("ticket_id,created_at\r\nT-8,2025-03-01\r\n\r\n,\r\nT-9,2025-03-02\r\n")

    result = import_file(populated, ACTOR, "tickets", path)

    assert (result.rows, result.inserted) == (2, 2)


def test_non_utf8_bytes_are_rejected_with_their_row_and_column(populated, tmp_path):
    path = tmp_path / "tickets.csv"
    path.write_bytes(b"ticket_id,created_at,subject\nT-8,2025-03-01,ok\nT-9,2025-03-01,caf\xe9\n")

    error = rejected(populated, "tickets", path)

    assert error.errors == [
        RowError(3, "subject", "not valid UTF-8 (bytes e9); save the file as UTF-8")
    ]


def test_an_unreadable_csv_record_stops_the_import(populated, tmp_path):
    path = tmp_path / "tickets.csv"
    path.write_text(
        f"ticket_id,created_at,subject\nT-8,2025-03-01,ok\nT-9,2025-03-01,{'x' * 200_000}\n"
    )

    error = rejected(populated, "tickets", path)

    assert error.errors == [
        RowError(3, None, "not a readable CSV record (field larger than field limit (131072))")
    ]


def test_empty_file_is_rejected(populated, tmp_path):
    path = tmp_path / "tickets.csv"
    path.write_text("")

    error = rejected(populated, "tickets", path)

    assert error.errors == [RowError(1, None, "the file is empty (expected a header row)")]


def test_public_dataset_is_rejected_naming_its_missing_columns(populated):
    if not PUBLIC_TICKETS.is_file():
        pytest.skip(f"public dataset not present at {PUBLIC_TICKETS}")

    error = rejected(populated, "tickets", PUBLIC_TICKETS)

    assert [(e.row, e.column) for e in error.errors] == [(1, "ticket_id"), (1, "created_at")]
    assert "missing required column ticket_id" in error.report()


# --- usage errors and progress --------------------------------------------------------------


def test_unknown_kind_and_missing_file_are_one_line_errors(engine, tmp_path):
    with pytest.raises(CockpitError, match="unknown import kind 'widgets'"):
        import_file(engine, ACTOR, "widgets", tmp_path / "x.csv")
    with pytest.raises(
        importers.UnreadableFile, match=r"cannot read tickets file .*: no such file"
    ):
        import_file(engine, ACTOR, "tickets", tmp_path / "missing.csv")
    with pytest.raises(importers.UnreadableFile, match="not a file"):
        import_file(engine, ACTOR, "tickets", tmp_path)


def test_progress_reports_bytes_read_up_to_the_file_size(with_accounts, tmp_path, monkeypatch):
    monkeypatch.setattr(importers, "BATCH_ROWS", 10)
    path = write_csv(tmp_path / "t.csv", TICKETS_HEADER, [ticket_row(f"T-{n}") for n in range(35)])
    calls = []

    import_file(with_accounts, ACTOR, "tickets", path, progress=lambda *call: calls.append(call))

    size = path.stat().st_size
    assert calls[0] == ("import tickets", 0, size)
    assert calls[-1] == ("import tickets", size, size)
    assert len(calls) >= 4
    assert all(phase == "import tickets" and total == size for phase, _, total in calls)
    assert [done for _, done, _ in calls] == sorted(done for _, done, _ in calls)
