"""The renewal forecast: fiscal quarters, figures equal to cs_data.kpi's, as-of figures,
snapshots (idempotent across processes), movement and accuracy, probability calibration."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from cs_data.auth import Actor, operator
from cs_data.db import create_engine_for, transaction
from cs_data.errors import PermissionDenied
from cs_data.fiscal import Quarter, parse_quarter, quarter_of
from cs_data.kpi import KpiFilter, compute_kpis
from cs_data.models import ForecastSnapshot, KpiTarget, Renewal, RenewalChange
from cs_data.renewals import forecast as fc
from cs_data.renewals.commands import update_renewal
from tests.factories import make_account, make_health_snapshot, make_renewal

Q1 = Quarter(2025, 1)
AFTER_Q1 = datetime(2025, 4, 10, tzinfo=UTC)


# --- fiscal quarters ----------------------------------------------------------------------


def test_calendar_quarters_by_default():
    q = quarter_of(date(2026, 2, 14), fiscal_start_month=1)
    assert (q.label, q.start, q.end) == ("2026Q1", date(2026, 1, 1), date(2026, 3, 31))
    assert q.months() == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
    assert (q.previous().label, q.next().label) == ("2025Q4", "2026Q2")
    assert Quarter(2025, 4).end == date(2025, 12, 31)


def test_a_fiscal_year_starting_in_february_is_named_by_the_year_it_ends_in():
    q = quarter_of(date(2025, 2, 1), fiscal_start_month=2)
    assert (q.label, q.start, q.end) == ("2026Q1", date(2025, 2, 1), date(2025, 4, 30))
    january = quarter_of(date(2025, 1, 31), fiscal_start_month=2)
    assert (january.label, january.start, january.end) == (
        "2025Q4",
        date(2024, 11, 1),
        date(2025, 1, 31),
    )
    assert parse_quarter("FY2026Q1", fiscal_start_month=2) == q


@pytest.mark.parametrize("text", ["2026", "2026Q5", "Q1 2026", ""])
def test_a_bad_quarter_is_refused(text):
    with pytest.raises(ValueError, match="not a quarter"):
        parse_quarter(text, fiscal_start_month=1)


# --- figures ------------------------------------------------------------------------------


@pytest.fixture
def quarter_data(engine):
    """Renewals due in 2025Q1 (and one outside) in every state the figures distinguish."""
    with transaction(engine) as session:
        smb = make_account(session, segment="smb")
        ent = make_account(session, segment="enterprise")
        make_health_snapshot(session, account=ent, snapshot_date=date(2025, 1, 5), band="red")
        specs = [
            (smb, date(2025, 1, 15), 1_000_000, "won", 1_100_000, "closed_won", "closed", None),
            (smb, date(2025, 2, 10), 2_000_000, "lost", None, "closed_lost", "closed", None),
            (ent, date(2025, 2, 20), 3_000_000, None, None, "negotiation", "commit", None),
            (ent, date(2025, 3, 5), 4_000_000, None, None, "proposal", "best_case", 0.25),
            (smb, date(2025, 3, 30), 500_000, None, None, "engaged", "pipeline", None),
            (smb, date(2025, 3, 31), 700_000, None, None, "outreach", "omitted", None),
            (smb, date(2025, 4, 1), 9_000_000, None, None, "engaged", "commit", None),
        ]
        for account, due, arr, outcome, renewed, stage, category, probability in specs:
            make_renewal(
                session,
                account=account,
                renewal_date=due,
                current_arr_cents=arr,
                outcome=outcome,
                renewed_arr_cents=renewed,
                stage=stage,
                forecast_category=category,
                probability=probability,
                risk="high" if arr == 500_000 else None,
            )
    return engine


KPI_OF_FIGURE = {
    "closed_won": None,
    "commit": "commit_arr",
    "best_case": "best_case_arr",
    "pipeline": "pipeline_arr",
    "weighted": "weighted_forecast_arr",
    "at_risk": "at_risk_arr",
}


@pytest.mark.parametrize("segment", [None, "smb", "enterprise"])
def test_quarter_figures_equal_the_kpis_of_the_quarter(quarter_data, segment):
    figures = fc.quarter_figures(quarter_data, Q1, segment=segment, as_of=AFTER_Q1)
    kpis = compute_kpis(
        quarter_data,
        start=Q1.start,
        end=Q1.end,
        as_of=AFTER_Q1,
        filters=KpiFilter(segment=segment),
    )
    for figure, key in KPI_OF_FIGURE.items():
        if key:
            assert getattr(figures, figure) == kpis[key], figure
    assert figures.renewal_rate_count == kpis["renewal_rate_count"]
    assert figures.renewal_rate_arr == kpis["renewal_rate_arr"]


def test_quarter_figures_by_hand(quarter_data):
    figures = fc.quarter_figures(quarter_data, Q1, as_of=AFTER_Q1)
    assert figures.closed_won == 1_100_000
    assert figures.commit == 3_000_000 + 1_100_000
    assert figures.best_case == 7_000_000 + 1_100_000
    assert figures.pipeline == 7_500_000 + 1_100_000
    # 0.8 × 3M + 0.25 × 4M + 0.6 × 0.5M, omitted left out, plus the won renewed ARR
    assert figures.weighted == 2_400_000 + 1_000_000 + 300_000 + 1_100_000
    assert figures.at_risk == 3_000_000 + 4_000_000 + 500_000  # red enterprise + high risk
    assert (figures.won, figures.lost, figures.open, figures.at_risk_count) == (1, 1, 4, 3)


def test_forecast_by_month_and_segment_add_up(quarter_data):
    result = fc.forecast(quarter_data, operator(), Q1, as_of=None)
    assert [month for month, _ in result.by_month] == Q1.months()
    for figure in ("closed_won", "commit", "pipeline", "weighted"):
        total = getattr(result.total, figure)
        assert sum(getattr(f, figure) for _, f in result.by_month) == total
        assert sum(getattr(f, figure) for _, f in result.by_segment) == total
    assert [name for name, _ in result.by_segment] == ["smb", "mid_market", "enterprise"]


def test_forecast_as_of_a_past_instant_equals_the_figures_then(quarter_data):
    first = fc.quarter_figures(quarter_data, Q1, as_of=AFTER_Q1)
    instant = datetime.now(UTC)
    renewal_id = _open_renewal(quarter_data)
    update_renewal(
        quarter_data,
        operator(),
        renewal_id,
        seen_version=1,
        forecast_category="commit",
        stage="verbal_commit",
    )
    later = fc.quarter_figures(quarter_data, Q1, as_of=AFTER_Q1)
    assert later != first
    assert fc.quarter_figures(quarter_data, Q1, as_of=AFTER_Q1, known_at=instant) == first


def _open_renewal(engine: Engine) -> str:
    with engine.connect() as connection:
        return connection.scalar(
            select(Renewal.id).where(Renewal.stage == "proposal").order_by(Renewal.id)
        )


def test_forecast_shows_the_renewal_targets_due_in_the_quarter(quarter_data):
    with transaction(quarter_data) as session:
        for kpi, deadline in [
            ("renewal_rate_arr", Q1.end),
            ("renewal_rate_arr", date(2025, 6, 30)),
        ]:
            session.add(
                KpiTarget(
                    kpi=kpi,
                    name="Renew 90 %",
                    target_value=0.9,
                    direction="at_least",
                    start_date=Q1.start,
                    deadline=deadline,
                )
            )
    result = fc.forecast(quarter_data, operator(), Q1)
    assert [(t.kpi, t.target_value, t.value) for t in result.targets] == [
        ("renewal_rate_arr", 0.9, result.total.renewal_rate_arr)
    ]


def test_forecast_is_for_execs_managers_and_admins(quarter_data):
    for role in ("csm", "viewer"):
        with pytest.raises(PermissionDenied):
            fc.forecast(quarter_data, Actor(role, None, role), Q1)
    for role in ("exec", "manager", "admin"):
        assert fc.forecast(quarter_data, Actor(role, None, role), Q1).total.renewals == 6


# --- snapshots ----------------------------------------------------------------------------


def snapshot_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(ForecastSnapshot))


def test_a_manual_snapshot_stores_the_figures_and_needs_the_permission(quarter_data):
    with pytest.raises(PermissionDenied):
        fc.take_snapshot(quarter_data, Actor("eve", None, "exec"), Q1)
    snapshot = fc.take_snapshot(quarter_data, operator(), Q1, segment="smb")
    figures = fc.quarter_figures(quarter_data, Q1, segment="smb", as_of=snapshot.taken_at)
    assert (snapshot.weighted, snapshot.closed_won, snapshot.commit) == (
        figures.weighted,
        figures.closed_won,
        figures.commit,
    )
    assert not snapshot.automatic and snapshot.segment == "smb"


def test_weekly_snapshots_are_taken_once_per_week_and_quarter(quarter_data):
    monday = datetime(2025, 2, 17, 9, tzinfo=UTC)
    assert fc.ensure_weekly_snapshots(quarter_data, now=monday, fiscal_start_month=1) == 2
    assert (
        fc.ensure_weekly_snapshots(
            quarter_data, now=monday + timedelta(days=4), fiscal_start_month=1
        )
        == 0
    )
    assert (
        fc.ensure_weekly_snapshots(
            quarter_data, now=monday + timedelta(days=7), fiscal_start_month=1
        )
        == 2
    )
    with quarter_data.connect() as connection:
        keys = sorted(connection.scalars(select(ForecastSnapshot.auto_key)))
    assert keys == [
        "2025-01-01/all/2025-W08",
        "2025-01-01/all/2025-W09",
        "2025-04-01/all/2025-W08",
        "2025-04-01/all/2025-W09",
    ]


def test_the_unique_key_refuses_a_second_weekly_snapshot(quarter_data):
    monday = datetime(2025, 2, 17, 9, tzinfo=UTC)
    fc.ensure_weekly_snapshots(quarter_data, now=monday, fiscal_start_month=1)
    values = {
        "taken_at": monday,
        "period_start": Q1.start,
        "period_end": Q1.end,
        "segment": None,
        "closed_won_cents": 0,
        "commit_cents": 0,
        "best_case_cents": 0,
        "pipeline_cents": 0,
        "weighted_cents": 0,
        "at_risk_cents": 0,
        "taken_by": "another process",
        "auto_key": fc.weekly_key(Q1, None, monday.date()),
    }
    with transaction(quarter_data) as session:
        connection = session.connection()
        assert connection.execute(fc._insert_if_absent(connection, values)).all() == []
    assert snapshot_count(quarter_data) == 2


def _take_weekly(url: str, now: datetime, start, results) -> None:
    engine = create_engine_for(url)
    start.wait()
    results.put(fc.ensure_weekly_snapshots(engine, now=now, fiscal_start_month=1))
    engine.dispose()


def test_two_processes_take_the_weekly_snapshot_once(quarter_data, db_url, spawn):
    start, results = spawn.Barrier(2), spawn.Queue()
    monday = datetime(2025, 2, 17, 9, tzinfo=UTC)
    workers = [
        spawn.Process(target=_take_weekly, args=(db_url, monday, start, results)) for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    assert sorted(results.get(timeout=5) for _ in workers) in ([0, 2], [1, 1])
    assert snapshot_count(quarter_data) == 2


def test_movement_and_accuracy_of_a_closed_quarter(quarter_data):
    early = fc.take_snapshot(quarter_data, operator(), Q1)
    movement = fc.movement(quarter_data, operator(), Q1, now=datetime.now(UTC))
    assert movement.snapshots == [early]
    assert movement.final_closed_won == 1_100_000
    assert movement.accuracy == [pytest.approx(early.weighted / 1_100_000)]
    running = fc.movement(quarter_data, operator(), Q1, now=datetime(2025, 3, 1, tzinfo=UTC))
    assert running.final_closed_won is None and running.accuracy == [None]


# --- calibration --------------------------------------------------------------------------

CAL_AS_OF = datetime(2025, 6, 1, tzinfo=UTC)
DUE = date(2025, 3, 31)
THIRTY_BEFORE = DUE - timedelta(days=30)


def closed_with_history(session, account, *, won: bool, changes, due: date = DUE) -> None:
    """A closed renewal and its recorded changes: (field, old, new, day) each."""
    renewal = make_renewal(
        session,
        account=account,
        renewal_date=due,
        stage="closed_won" if won else "closed_lost",
        outcome="won" if won else "lost",
        renewed_arr_cents=1 if won else None,
        forecast_category="closed",
    )
    for field, old, new, day in changes:
        session.add(
            RenewalChange(
                renewal_id=renewal.id,
                changed_at=datetime.combine(day, datetime.min.time(), UTC),
                actor_name="csm",
                field=field,
                old_value=old,
                new_value=new,
            )
        )


def test_calibration_groups_by_the_stage_thirty_days_before_the_renewal_date(engine):
    after, before = THIRTY_BEFORE + timedelta(days=1), THIRTY_BEFORE - timedelta(days=2)
    with transaction(engine) as session:
        account = make_account(session)
        for index in range(20):  # in proposal then, closed later: 15 won
            closed_with_history(
                session,
                account,
                won=index < 15,
                changes=[
                    ("stage", "proposal", "closed_won" if index < 15 else "closed_lost", after)
                ],
            )
        for index in range(5):  # engaged → negotiation before the instant, closed after it
            closed_with_history(
                session,
                account,
                won=index < 4,
                changes=[
                    ("stage", "engaged", "negotiation", before),
                    ("stage", "negotiation", "closed_won" if index < 4 else "closed_lost", after),
                ],
            )
        # created after the instant: left out
        closed_with_history(session, account, won=True, changes=[("created", None, None, after)])
        # due outside the 730 days before as_of: left out
        closed_with_history(
            session,
            account,
            won=False,
            due=date(2023, 1, 1),
            changes=[("stage", "proposal", "closed_lost", date(2022, 12, 30))],
        )
        make_renewal(session, account=account, renewal_date=DUE, stage="proposal")  # still open
    rows = {row.stage: row for row in fc.calibration(engine, operator(), as_of=CAL_AS_OF)}
    assert list(rows) == [
        "not_started",
        "outreach",
        "engaged",
        "proposal",
        "negotiation",
        "verbal_commit",
    ]
    assert (rows["proposal"].count, rows["proposal"].won, rows["proposal"].win_rate) == (
        20,
        15,
        0.75,
    )
    assert rows["proposal"].configured == 0.7
    assert (rows["negotiation"].count, rows["negotiation"].won) == (5, 4)
    assert rows["negotiation"].win_rate is None  # fewer than 20: the count only
    assert rows["engaged"].count == 0


def test_calibration_shows_a_rate_from_twenty_renewals_on(engine):
    after = THIRTY_BEFORE + timedelta(days=1)
    with transaction(engine) as session:
        account = make_account(session)
        for index in range(19):
            closed_with_history(
                session,
                account,
                won=index % 2 == 0,
                changes=[("stage", "outreach", "closed_won", after)],
            )
    rows = {r.stage: r for r in fc.calibration(engine, operator(), as_of=CAL_AS_OF)}
    assert (rows["outreach"].count, rows["outreach"].win_rate) == (19, None)
    with transaction(engine) as session:
        account = make_account(session)
        closed_with_history(
            session, account, won=False, changes=[("stage", "outreach", "closed_lost", after)]
        )
    rows = {r.stage: r for r in fc.calibration(engine, operator(), as_of=CAL_AS_OF)}
    assert (rows["outreach"].count, rows["outreach"].win_rate) == (20, 0.5)
