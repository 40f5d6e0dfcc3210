"""`cs-data import --preset`, `cs-data presets list|show|save|delete`, driven in-process."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from cs_data.cli import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, main
from cs_data.db import create_engine_for, read_session
from cs_data.models import RenewalChange, SurveyResponse

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "presets"
SURVEYS = str(FIXTURES / "survey_export.csv")


def cli(db_url: str, *args: str) -> int:
    return main(["--database-url", db_url, *args])


def responses(db_url: str) -> int:
    engine = create_engine_for(db_url)
    try:
        with read_session(engine) as session:
            return session.scalar(select(func.count()).select_from(SurveyResponse))
    finally:
        engine.dispose()


def accounts(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "accounts.csv"
    path.write_text("account_id,name\nACC-1,Acme\nACC-2,Globex\n", encoding="utf-8")
    assert cli(db_url, "import", "accounts", str(path)) == EXIT_OK


def test_dry_run_prints_the_report_and_writes_nothing(db_url, tmp_path, capsys):
    accounts(db_url, tmp_path)
    capsys.readouterr()

    code = cli(db_url, "import", "--preset", "survey_responses", "--dry-run", "surveys", SURVEYS)

    out = capsys.readouterr().out
    assert code == EXIT_REJECTED
    assert "read as cp1252, delimiter ';'" in out
    assert "3 rows, 2 to insert, 0 to update, 1 rejected" in out
    assert "row 4, column score (Score): score 11 is off the nps scale 0..10" in out
    assert out.rstrip().endswith("dry run: nothing written")
    assert responses(db_url) == 0


def test_the_report_counts_problems_by_what_they_mean_with_their_code(db_url, capsys):
    code = cli(db_url, "import", "--preset", "survey_responses", "--dry-run", "surveys", SURVEYS)

    lines = capsys.readouterr().out.splitlines()
    assert code == EXIT_REJECTED
    assert lines[2:4] == [
        "  Score off the survey's scale [finding:score_off_scale]: 1",
        "  Unknown account id (import the accounts first) [finding:unknown_account]: 3",
    ]


def test_rejected_rows_refuse_the_file_unless_excluded(db_url, tmp_path, capsys):
    accounts(db_url, tmp_path)
    capsys.readouterr()

    refused = cli(db_url, "import", "--preset", "survey_responses", "surveys", SURVEYS)
    err = capsys.readouterr().err
    assert refused == EXIT_REJECTED and responses(db_url) == 0
    assert "rejected, database unchanged (--exclude-rejected imports the other rows)" in err

    code = cli(
        db_url, "import", "--preset", "survey_responses", "--exclude-rejected", "surveys", SURVEYS
    )
    out = capsys.readouterr().out
    assert code == EXIT_OK and responses(db_url) == 2
    assert "imported 2 surveys rows from" in out and "1 excluded" in out


def test_a_preset_of_another_kind_is_refused(db_url, capsys):
    code = cli(db_url, "import", "--preset", "survey_responses", "tickets", SURVEYS)

    assert code == EXIT_REJECTED
    assert "preset survey_responses imports surveys, not tickets" in capsys.readouterr().err


def test_presets_list_show_save_and_delete(db_url, tmp_path, capsys):
    assert cli(db_url, "presets", "list", "--kind", "surveys") == EXIT_OK
    listed = capsys.readouterr().out
    assert "survey_responses" in listed and "zendesk_tickets" not in listed

    assert cli(db_url, "presets", "show", "ravenstack_subscriptions") == EXIT_OK
    shown = json.loads(capsys.readouterr().out)
    assert shown["columns"]["arr"] == {"from": "mrr_amount", "multiply": "12"}

    mapping = tmp_path / "mine.json"
    mapping.write_text(json.dumps(shown | {"name": "ignored"}), encoding="utf-8")
    assert cli(db_url, "presets", "save", "my-subscriptions", "--from", str(mapping)) == EXIT_OK
    assert "saved preset my-subscriptions" in capsys.readouterr().out
    assert cli(db_url, "presets", "list", "--json") == EXIT_OK
    saved = [p for p in json.loads(capsys.readouterr().out) if not p["builtin"]]
    assert [p["name"] for p in saved] == ["my-subscriptions"]

    assert cli(db_url, "presets", "delete", "my-subscriptions") == EXIT_OK
    assert cli(db_url, "presets", "show", "my-subscriptions") == EXIT_USAGE
    assert "no preset 'my-subscriptions'" in capsys.readouterr().err


def test_saving_an_invalid_mapping_names_every_problem(db_url, tmp_path, capsys):
    mapping = tmp_path / "bad.json"
    mapping.write_text(json.dumps({"kind": "tickets", "columns": {"ticket_id": "Id"}}))

    assert cli(db_url, "presets", "save", "bad", "--from", str(mapping)) == EXIT_REJECTED

    err = capsys.readouterr().err
    assert "error: columns.created_at: the required column created_at is unmapped" in err


def test_renewal_history_dry_run_reports_and_writes_nothing(db_url, capsys):
    for preset, kind, fixture in (
        ("salesforce_accounts", "accounts", "salesforce_accounts.csv"),
        ("salesforce_renewals", "renewals", "salesforce_opportunities.csv"),
    ):
        assert cli(db_url, "import", "--preset", preset, kind, str(FIXTURES / fixture)) == EXIT_OK
    history = str(FIXTURES / "salesforce_opportunity_history.csv")
    capsys.readouterr()

    code = cli(
        db_url,
        "import",
        "--preset",
        "salesforce_opportunity_history",
        "--dry-run",
        "renewal_history",
        history,
    )

    out = capsys.readouterr().out
    assert code == EXIT_OK
    assert "2 rows, 2 to insert, 0 to update, 0 rejected" in out
    assert out.rstrip().endswith("dry run: nothing written")
    assert history_changes(db_url) == 0
    assert (
        cli(
            db_url,
            "import",
            "--preset",
            "salesforce_opportunity_history",
            "renewal_history",
            history,
        )
        == EXIT_OK
    )
    assert history_changes(db_url) == 2


def history_changes(db_url: str) -> int:
    """Imported history rows (they carry no version)."""
    engine = create_engine_for(db_url)
    try:
        with read_session(engine) as session:
            return session.scalar(
                select(func.count())
                .select_from(RenewalChange)
                .where(RenewalChange.version.is_(None))
            )
    finally:
        engine.dispose()
