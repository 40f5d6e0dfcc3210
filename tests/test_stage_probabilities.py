"""Configured stage probabilities: every reader uses them, the command validates, compares and
sets, audits, and the command line shows and sets them (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, select

from cs_data import domain, kpi
from cs_data.auth import Actor, operator
from cs_data.cli import main
from cs_data.db import transaction
from cs_data.errors import InvalidInput, PermissionDenied
from cs_data.fiscal import parse_quarter
from cs_data.models import AppSetting, AuditEntry
from cs_data.renewals import forecast, probabilities, queries
from tests.factories import make_account, make_renewal, make_user

Q2 = {"start": date(2025, 4, 1), "end": date(2025, 6, 30)}
QUARTER = parse_quarter("2025Q2")
LATER = datetime(2025, 5, 1, tzinfo=UTC)


@pytest.fixture
def pipeline(engine: Engine) -> dict[str, str]:
    """Q2 2025: a proposal on its stage default ($1,000), a negotiation with its own 0.25
    ($2,000), and a won renewal ($500 renewed)."""
    with transaction(engine) as session:
        account = make_account(session)
        by_default = make_renewal(
            session,
            account=account,
            renewal_date=date(2025, 5, 10),
            current_arr_cents=100_000,
            stage="proposal",
        )
        explicit = make_renewal(
            session,
            account=account,
            renewal_date=date(2025, 6, 10),
            current_arr_cents=200_000,
            stage="negotiation",
            probability=0.25,
        )
        make_renewal(
            session,
            account=account,
            renewal_date=date(2025, 4, 20),
            current_arr_cents=60_000,
            stage="closed_won",
            forecast_category="closed",
            outcome="won",
            renewed_arr_cents=50_000,
        )
    return {"by_default": by_default.id, "explicit": explicit.id}


def weighted(engine: Engine) -> int:
    return kpi.compute_kpis(engine, **Q2, keys=["weighted_forecast_arr"])["weighted_forecast_arr"]


def test_with_nothing_configured_the_defaults_of_the_definitions_apply(engine, pipeline):
    assert probabilities.get_stage_probabilities(engine) == domain.DEFAULT_STAGE_PROBABILITIES
    assert weighted(engine) == 100_000 * 0.7 + 200_000 * 0.25 + 50_000


def test_a_changed_probability_changes_every_reader(engine, pipeline):
    probabilities.set_stage_probabilities(engine, operator(), {"proposal": 0.4})

    # by hand: 1,000 × 0.4 (the new stage default) + 2,000 × 0.25 (its own) + 500 won
    assert weighted(engine) == 40_000 + 50_000 + 50_000
    rows = {r.id: r for r in queries.list_renewals(engine, operator(), today=LATER.date()).rows}
    assert rows[pipeline["by_default"]].probability == 0.4
    assert rows[pipeline["explicit"]].probability == 0.25  # an explicit probability overrides
    detail = queries.get_renewal(engine, operator(), pipeline["by_default"])
    assert detail.stage_probability == 0.4 and detail.stage_probabilities["proposal"] == 0.4
    figures = forecast.forecast(engine, operator(), QUARTER, as_of=LATER)
    assert figures.total.weighted == 140_000
    assert sum(f.weighted for _, f in figures.by_month) == 140_000
    snapshot = forecast.take_snapshot(engine, operator(), QUARTER)
    assert snapshot.weighted == 140_000
    calibration = {row.stage: row.configured for row in forecast.calibration(engine, operator())}
    assert calibration["proposal"] == 0.4 and calibration["engaged"] == 0.6


def test_every_bad_stage_is_named_at_once_and_nothing_is_written(engine):
    with pytest.raises(InvalidInput) as refused:
        probabilities.set_stage_probabilities(
            engine,
            operator(),
            {
                "outreach": 1.2,
                "engaged": -0.1,
                "proposal": "lots",
                "closed_won": 0.8,
                "closed_lost": 0.1,
                "signed": 0.5,
                "negotiation": float("nan"),
            },
        )
    assert {e.field: e.code for e in refused.value.errors} == {
        "outreach": "probability_range",
        "engaged": "probability_range",
        "proposal": "not_a_number",
        "closed_won": "fixed_probability",
        "closed_lost": "fixed_probability",
        "signed": "unknown_stage",
        "negotiation": "not_a_number",
    }
    with engine.connect() as connection:
        assert connection.scalars(select(AppSetting.key)).all() == []


def test_bounds_and_fixed_values_are_accepted(engine):
    after = probabilities.set_stage_probabilities(
        engine, operator(), {"not_started": 0, "verbal_commit": 1, "closed_won": 1.0}
    )
    assert (after["not_started"], after["verbal_commit"], after["closed_won"]) == (0, 1, 1)
    assert after["closed_lost"] == 0 and after["engaged"] == 0.6


def test_a_save_based_on_changed_values_is_refused_naming_who_and_which(engine):
    seen = probabilities.get_stage_probabilities(engine)
    with transaction(engine) as session:
        ada = make_user(session, username="ada", display_name="Ada", role="admin")
    admin = Actor(name="Ada", user_id=ada.id, role="admin")
    probabilities.set_stage_probabilities(engine, admin, {"engaged": 0.65}, seen=seen)

    with pytest.raises(probabilities.StageProbabilitiesChanged) as conflict:
        probabilities.set_stage_probabilities(engine, operator(), {"outreach": 0.5}, seen=seen)
    assert (conflict.value.by, conflict.value.stages) == ("Ada", ["engaged"])
    stored = probabilities.get_stage_probabilities(engine)
    assert (stored["engaged"], stored["outreach"]) == (0.65, 0.55)  # nothing lost, nothing new
    fresh = probabilities.set_stage_probabilities(
        engine, operator(), {"outreach": 0.5}, seen=stored
    )
    assert (fresh["engaged"], fresh["outreach"]) == (0.65, 0.5)


def test_changes_are_audited_and_only_admins_may_make_them(engine):
    for role in ("manager", "csm", "exec", "viewer"):
        with pytest.raises(PermissionDenied):
            probabilities.set_stage_probabilities(engine, Actor(role, None, role), {"engaged": 0.1})
    probabilities.set_stage_probabilities(engine, operator(), {"engaged": 0.3, "outreach": 0.55})
    with engine.connect() as connection:
        entries = connection.execute(
            select(AuditEntry.action, AuditEntry.before, AuditEntry.after)
        ).all()
    assert entries == [("renewal.set_probabilities", {"engaged": 0.6}, {"engaged": 0.3})]


def cli(db_url: str, *args: str) -> int:
    return main(["--database-url", db_url, *args])


def test_the_command_line_shows_and_sets_them(engine, db_url, capsys):
    assert cli(db_url, "renewals", "set-stage-probability", "proposal", "0.45") == 0
    assert cli(db_url, "renewals", "stages", "--json") == 0
    shown = json.loads(capsys.readouterr().out.splitlines()[-1])
    by_stage = {row["stage"]: row for row in shown}
    assert [row["stage"] for row in shown] == list(domain.RENEWAL_STAGES)
    assert by_stage["proposal"] == {
        "stage": "proposal",
        "probability": 0.45,
        "default": 0.7,
        "fixed": False,
    }
    assert by_stage["closed_won"]["fixed"] and by_stage["closed_won"]["probability"] == 1.0

    assert cli(db_url, "renewals", "set-stage-probability", "proposal", "1.5") == 1
    assert "proposal: 1.5 is not between 0 and 1" in capsys.readouterr().err
    assert cli(db_url, "renewals", "set-stage-probability", "closed_lost", "0.2") == 1
    assert cli(db_url, "renewals", "set-stage-probability", "signed", "0.2") == 1
    assert probabilities.get_stage_probabilities(engine)["proposal"] == 0.45
