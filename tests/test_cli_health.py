"""`cs-data health recompute|show`: stored snapshots, live figures and the JSON shape."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from cs_data import health
from cs_data.cli import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, main
from cs_data.db import transaction
from cs_data.models import HealthSnapshot
from tests.factories import make_account, make_subscription, make_survey, make_ticket

D = date(2025, 6, 30)


@pytest.fixture
def seeded(engine):
    with transaction(engine) as session:
        for account_id, tickets in (("A", 1), ("B", 3)):
            account = make_account(session, id=account_id, segment="smb")
            make_subscription(session, account=account, start_date=date(2025, 1, 1))
            for _ in range(tickets):
                make_ticket(
                    session,
                    account_id=account_id,
                    created_at=datetime(2025, 6, 1, 9, tzinfo=UTC),
                    first_response_at=datetime(2025, 6, 1, 10, tzinfo=UTC),
                )
        make_survey(
            session,
            account_id="A",
            survey_type="nps",
            score=7,
            responded_at=datetime(2025, 6, 2, tzinfo=UTC),
        )
    return engine


def run(db_url: str, *args: str) -> int:
    return main(["--database-url", db_url, "health", *args])


def show_json(db_url: str, capsys, *args: str) -> list[dict]:
    assert run(db_url, "show", "--date", str(D), *args, "--json") == EXIT_OK
    return json.loads(capsys.readouterr().out)


def test_recompute_stores_the_days_snapshots_and_reports_bands(seeded, db_url, capsys):
    assert run(db_url, "recompute", "--date", str(D)) == EXIT_OK
    captured = capsys.readouterr()
    assert f"health snapshots for {D}: 2 accounts" in captured.out
    assert "health 2025-06-30" in captured.err  # the progress bar
    with seeded.connect() as connection:
        count = connection.execute(select(func.count()).select_from(HealthSnapshot)).scalar_one()
    assert count == 2


def test_show_json_is_the_library_figures_at_full_precision(seeded, db_url, capsys):
    live = show_json(db_url, capsys)
    assert live == [result.as_json() for result in health.compute(seeded, D)]
    assert run(db_url, "recompute", "--date", str(D)) == EXIT_OK
    capsys.readouterr()
    stored = show_json(db_url, capsys)
    assert stored == live
    # A: R = 1/12, B: R = 3/12, median 2/12 -> A 100 * (1 - (1/12) / (4/12)) = 75, B 25
    a = next(item for item in stored if item["account_id"] == "A")
    assert set(a) == {"account_id", "score", "band", "components"}
    assert set(a["components"]) == {"support_load", "sla", "sentiment"}
    assert a["components"]["support_load"]["score"] == pytest.approx(75.0)
    assert a["components"]["sentiment"] == {
        "score": 70.0,
        "weight": 25,
        "contribution": pytest.approx(25 * 70 / 60),
    }
    assert a["score"] == pytest.approx((20 * 75 + 15 * 100 + 25 * 70) / 60)


def test_show_one_account_and_an_unknown_one(seeded, db_url, capsys):
    only = show_json(db_url, capsys, "--account", "B")
    assert [item["account_id"] for item in only] == ["B"]
    assert run(db_url, "show", "--date", str(D), "--account", "NOPE", "--json") == EXIT_REJECTED
    assert "NOPE" in capsys.readouterr().err


def test_show_text_lists_each_account(seeded, db_url, capsys):
    assert run(db_url, "show", "--date", str(D)) == EXIT_OK
    out = capsys.readouterr().out
    assert "health on 2025-06-30: 2 accounts" in out
    assert "support_load 75.0×20" in out


def test_a_bad_date_is_a_usage_error(seeded, db_url, capsys):
    with pytest.raises(SystemExit) as caught:
        run(db_url, "recompute", "--date", "30/06/2025")
    assert caught.value.code == EXIT_USAGE
    assert "not a date" in capsys.readouterr().err
