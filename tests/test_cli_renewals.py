"""`cs-data renewals list|update`, `cs-data import renewal_history`, `cs-data forecast`:
driven in-process, asserting on exit codes and output."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from cs_data.auth import Actor
from cs_data.cli import EXIT_CONFLICT, EXIT_OK, EXIT_REJECTED, main
from cs_data.db import transaction
from cs_data.fiscal import Quarter
from cs_data.models import ForecastSnapshot, Renewal, RenewalChange
from cs_data.renewals import forecast
from cs_data.renewals.commands import update_renewal
from tests.factories import make_account, make_renewal, make_user


@pytest.fixture
def seeded(engine):
    with transaction(engine) as session:
        ann = make_user(session, username="ann", display_name="Ann Lee")
        account = make_account(session, id="ACC-1", name="Acme", segment="smb", csm_id=ann.id)
        make_renewal(
            session,
            id="REN-1",
            account=account,
            renewal_date=date(2025, 2, 15),
            current_arr_cents=1_000_000,
            owner_id=ann.id,
        )
        make_renewal(
            session, id="REN-2", account=account, renewal_date=date(2025, 5, 1), probability=0.3
        )
        return {"ann": Actor(name="Ann Lee", user_id=ann.id, role="csm")}


def cli(db_url: str, *args: str) -> int:
    return main(["--database-url", db_url, *args])


def stored(engine, renewal_id: str) -> Renewal:
    with transaction(engine) as session:
        return session.get(Renewal, renewal_id)


def test_list_json_has_every_field_in_kpi_units(engine, db_url, seeded, capsys):
    assert cli(db_url, "renewals", "list", "--json") == EXIT_OK
    rows = json.loads(capsys.readouterr().out)
    assert [row["renewal_id"] for row in rows] == ["REN-1", "REN-2"]
    first = rows[0]
    assert {
        "renewal_id",
        "account_id",
        "renewal_date",
        "current_arr",
        "expected_arr",
        "stage",
        "forecast_category",
        "probability",
        "risk",
        "next_step",
        "next_step_date",
        "outcome",
        "renewed_arr",
        "owner",
        "version",
    } <= set(first)
    assert (first["current_arr"], first["expected_arr"], first["renewal_date"]) == (
        1_000_000,
        1_000_000,
        "2025-02-15",
    )
    assert (first["probability"], first["owner"], first["version"]) == (0.5, "Ann Lee", 1)
    assert rows[1]["probability"] == 0.3


def test_list_filters_by_owner_and_due_dates(engine, db_url, seeded, capsys):
    assert cli(db_url, "renewals", "list", "--owner", "ann", "--json") == EXIT_OK
    assert [r["renewal_id"] for r in json.loads(capsys.readouterr().out)] == ["REN-1"]
    argv = ["renewals", "list", "--due-from", "2025-03-01", "--due-to", "2025-06-30", "--json"]
    assert cli(db_url, *argv) == EXIT_OK
    assert [r["renewal_id"] for r in json.loads(capsys.readouterr().out)] == ["REN-2"]


def test_list_as_of_shows_the_state_then(engine, db_url, seeded, capsys):
    before = datetime.now(UTC)
    update_renewal(engine, seeded["ann"], "REN-1", seen_version=1, stage="proposal")
    assert cli(db_url, "renewals", "list", "--as-of", before.isoformat(), "--json") == EXIT_OK
    then = {r["renewal_id"]: r for r in json.loads(capsys.readouterr().out)}
    assert (then["REN-1"]["stage"], then["REN-1"]["version"]) == ("not_started", 1)


def test_update_prints_the_new_version(engine, db_url, seeded, capsys):
    argv = [
        "renewals",
        "update",
        "REN-1",
        "--if-version",
        "1",
        "--stage",
        "negotiation",
        "--next-step",
        "Send order form",
        "--next-step-date",
        "2025-02-01",
        "--expected-arr",
        "12,500.50",
        "--probability",
        "0.85",
    ]
    assert cli(db_url, *argv) == EXIT_OK
    assert "version 2" in capsys.readouterr().out
    row = stored(engine, "REN-1")
    assert (row.stage, row.next_step, row.expected_arr_cents, row.probability) == (
        "negotiation",
        "Send order form",
        1_250_050,
        0.85,
    )
    assert (
        cli(db_url, "renewals", "update", "REN-1", "--if-version", "2", "--clear-probability") == 0
    )
    assert stored(engine, "REN-1").probability is None


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--won"], "--renewed-arr"),
        (["--lost"], "--reason"),
        (["--probability", "1.5"], "--probability"),
        (["--probability", "likely"], "--probability"),
        (["--expected-arr", "-5"], "--expected-arr"),
        (["--expected-arr", "lots"], "--expected-arr"),
        (["--stage", "dreaming"], "--stage"),
        (["--next-step", "Call"], "--next-step-date"),
        (["--next-step", "Call", "--next-step-date", "soon"], "--next-step-date"),
    ],
)
def test_invalid_input_exits_1_naming_the_flag_and_changes_nothing(
    engine, db_url, seeded, capsys, flags, named
):
    assert cli(db_url, "renewals", "update", "REN-1", "--if-version", "1", *flags) == EXIT_REJECTED
    err = capsys.readouterr().err
    assert f"error: {named}:" in err and "Traceback" not in err
    assert stored(engine, "REN-1").version == 1


def test_won_and_lost_close_the_renewal(engine, db_url, seeded):
    argv = ["renewals", "update", "REN-1", "--if-version", "1", "--won", "--renewed-arr", "11000"]
    assert cli(db_url, *argv) == EXIT_OK
    assert (stored(engine, "REN-1").outcome, stored(engine, "REN-1").renewed_arr_cents) == (
        "won",
        1_100_000,
    )
    argv = ["renewals", "update", "REN-2", "--if-version", "1", "--lost", "--reason", "Budget cut"]
    assert cli(db_url, *argv) == EXIT_OK
    assert stored(engine, "REN-2").lost_reason == "Budget cut"


def test_a_stale_version_exits_3_naming_who_changed_what(engine, db_url, seeded, capsys):
    update_renewal(engine, seeded["ann"], "REN-1", seen_version=1, risk="high")
    argv = ["renewals", "update", "REN-1", "--if-version", "1", "--stage", "engaged"]
    assert cli(db_url, *argv) == EXIT_CONFLICT
    err = capsys.readouterr().err
    assert "Ann Lee changed risk" in err and "'high'" in err
    assert stored(engine, "REN-1").stage == "not_started"


def test_an_unknown_renewal_exits_1(engine, db_url, seeded, capsys):
    assert cli(db_url, "renewals", "update", "NOPE", "--if-version", "1", "--stage", "engaged") == 1
    assert "renewal_id" in capsys.readouterr().err


def test_import_renewal_history(engine, db_url, seeded, tmp_path, capsys):
    path = tmp_path / "history.csv"
    path.write_text(
        "renewal_id,changed_at,field,old_value,new_value,actor\n"
        "REN-1,2024-11-01T09:00:00Z,created,,,crm\n"
        "REN-1,2024-12-01T09:00:00Z,stage,not_started,outreach,ann\n"
        "REN-1,2024-12-05T09:00:00Z,expected_arr,,9500.00,ann\n",
        encoding="utf-8",
    )
    assert cli(db_url, "import", "renewal_history", str(path)) == EXIT_OK
    assert cli(db_url, "import", "renewal_history", str(path)) == EXIT_OK  # harmless again
    with engine.connect() as connection:
        rows = connection.execute(
            select(RenewalChange.field, RenewalChange.new_value, RenewalChange.actor_name).order_by(
                RenewalChange.changed_at
            )
        ).all()
    assert rows == [
        ("created", None, "crm"),
        ("stage", "outreach", "ann"),
        ("expected_arr_cents", "950000", "ann"),
    ]
    capsys.readouterr()
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "renewal_id,changed_at,field,old_value,new_value\n"
        "REN-9,2024-12-01T09:00:00Z,stage,not_started,outreach\n"
        "REN-1,yesterday,stage,not_started,outreach\n"
        "REN-1,2024-12-01T09:00:00Z,colour,red,blue\n"
        "REN-1,2024-12-01T09:00:00Z,stage,not_started,flying\n",
        encoding="utf-8",
    )
    assert cli(db_url, "import", "renewal_history", str(bad)) == EXIT_REJECTED
    err = capsys.readouterr().err
    for expected in (
        "row 2, column renewal_id",
        "row 3, column changed_at",
        "row 4, column field",
        "row 5, column new_value",
    ):
        assert expected in err


def test_forecast_json_is_the_library_forecast(engine, db_url, seeded, capsys):
    assert cli(db_url, "forecast", "--quarter", "2025Q1", "--json") == EXIT_OK
    printed = json.loads(capsys.readouterr().out)
    expected = forecast.forecast(engine, Actor("x", None, "admin"), Quarter(2025, 1))
    assert printed["quarter"] == "2025Q1"
    assert printed["weighted_forecast"] == expected.total.weighted == 500_000
    assert printed["pipeline"] == expected.total.pipeline == 1_000_000
    assert [m["month"] for m in printed["by_month"]] == ["2025-01", "2025-02", "2025-03"]
    assert cli(db_url, "forecast", "--quarter", "2025Q2", "--segment", "smb", "--json") == 0
    assert json.loads(capsys.readouterr().out)["renewals"] == 1


def test_forecast_snapshot_and_the_weekly_ones(engine, db_url, seeded, capsys):
    assert cli(db_url, "forecast", "snapshot", "--quarter", "2025Q1") == EXIT_OK
    assert "snapshot" in capsys.readouterr().out
    with engine.connect() as connection:
        manual = connection.scalar(select(func.count()).where(ForecastSnapshot.auto_key.is_(None)))
        weekly = connection.scalar(
            select(func.count()).where(ForecastSnapshot.auto_key.is_not(None))
        )
    assert (manual, weekly) == (1, 2)
    with pytest.raises(SystemExit) as usage:
        cli(db_url, "forecast", "--quarter", "bad")
    assert usage.value.code == 2
    assert "not a quarter like 2026Q1" in capsys.readouterr().err
