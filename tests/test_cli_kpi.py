"""`cs-data kpi`: the JSON output is exactly the library's KPIs; driven in-process."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from cs_data import kpi
from cs_data.cli import EXIT_OK, EXIT_USAGE, main
from cs_data.db import transaction
from tests.factories import (
    make_account,
    make_renewal,
    make_subscription,
    make_survey,
    make_ticket,
)

START, END = date(2025, 3, 1), date(2025, 3, 31)


@pytest.fixture
def seeded(engine):
    with transaction(engine) as session:
        smb = make_account(session, segment="smb", region="na")
        ent = make_account(session, segment="enterprise", region="emea")
        for n, account in enumerate((smb, ent, smb, None)):
            created = datetime(2025, 3, 2 + n, 9, 0, tzinfo=UTC)
            make_ticket(
                session,
                account_id=account.id if account else None,
                created_at=created,
                first_response_at=created + timedelta(minutes=45 * (n + 1)),
                resolved_at=created + timedelta(hours=30 * n + 1) if n else None,
            )
        make_survey(session, account_id=smb.id, survey_type="csat", score=4)
        make_survey(session, account_id=ent.id, survey_type="nps", score=3)
        make_subscription(session, account=smb, start_date=date(2024, 1, 1), arr_cents=1_000_00)
        make_subscription(
            session,
            account=ent,
            start_date=date(2024, 1, 1),
            end_date=date(2025, 3, 15),
            arr_cents=5_000_00,
        )
        make_renewal(
            session,
            account=ent,
            renewal_date=date(2025, 3, 15),
            current_arr_cents=5_000_00,
            probability=0.35,
        )
    return engine


def run_json(db_url: str, capsys, *args: str) -> dict:
    argv = ["--database-url", db_url, "kpi", "--start", str(START), "--end", str(END)]
    assert main([*argv, *args, "--json"]) == EXIT_OK
    return json.loads(capsys.readouterr().out)


def test_json_has_every_key_and_the_library_values(seeded, db_url, capsys):
    printed = run_json(db_url, capsys)

    expected = kpi.compute_kpis(seeded, start=START, end=END)
    assert list(printed) == list(kpi.KPIS)
    assert printed == expected
    assert printed["arr_total"] == 1_000_00  # integer cents
    assert printed["weighted_forecast_arr"] == 1_750_00
    assert printed["renewal_rate_count"] is None  # JSON null


def test_json_with_as_of_and_filters(seeded, db_url, capsys):
    printed = run_json(
        db_url, capsys, "--as-of", "2025-03-10T12:00:00+09:00", "--segment", "smb", "--region", "na"
    )

    expected = kpi.compute_kpis(
        seeded,
        start=START,
        end=END,
        as_of=datetime(2025, 3, 10, 3, 0, tzinfo=UTC),
        filters=kpi.KpiFilter(segment="smb", region="na"),
    )
    assert printed == expected
    assert printed["tickets_created"] == 2


def test_text_lists_every_kpi_with_its_unit(seeded, db_url, capsys):
    argv = ["--database-url", db_url, "kpi", "--start", str(START), "--end", str(END)]

    assert main([*argv, "--segment", "smb"]) == EXIT_OK

    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        "KPIs for 2025-03-01 to 2025-03-31 as of 2025-03-31T23:59:59+00:00 (segment smb)"
    )
    assert [line.split()[0] for line in out[1:]] == list(kpi.KPIS)
    rows = {line.split()[0]: line.split(maxsplit=1)[1] for line in out[1:]}
    assert rows["arr_total"] == "1,000.00  money"
    assert rows["renewal_rate_count"] == "-  share 0..1"


def test_a_window_that_ends_before_it_starts_is_a_usage_error(db_url, engine, capsys):
    argv = ["--database-url", db_url, "kpi", "--start", "2025-03-02", "--end", "2025-03-01"]

    assert main(argv) == EXIT_USAGE

    assert "before it starts" in capsys.readouterr().err
