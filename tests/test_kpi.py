"""Every KPI of KPI_DEFINITIONS.md on small hand-made rows, on every backend.

The right answers are worked out in the comments next to the rows.
"""

from __future__ import annotations

import dataclasses
import importlib
import random
import re
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from cs_data import kpi
from cs_data.config import get_settings
from cs_data.db import transaction
from cs_data.kpi import revenue
from cs_data.models import User
from tests.factories import (
    make_account,
    make_health_snapshot,
    make_renewal,
    make_subscription,
    make_survey,
    make_ticket,
    make_user,
)

DEFINITIONS = Path(__file__).resolve().parents[2] / "shared" / "KPI_DEFINITIONS.md"
MARCH = {"start": date(2025, 3, 1), "end": date(2025, 3, 31)}
APRIL_1 = datetime(2025, 4, 1, tzinfo=UTC)
MARCH_END = APRIL_1 - timedelta(microseconds=1)
"""The default as_of of the March window: the last instant of March 31."""
TICKET_KEYS = (
    "tickets_created",
    "frt_median_min",
    "frt_p90_min",
    "frt_mean_min",
    "resolution_median_min",
    "resolution_p90_min",
    "backlog_open",
    "sla_frt_compliance",
    "sla_resolution_compliance",
)
SURVEY_KEYS = ("csat", "csat_avg", "csat_responses", "nps", "nps_responses", "ces_avg")
RETENTION_KEYS = ("grr", "nrr", "logo_churn_rate", "revenue_churn_rate")
RENEWAL_KEYS = (
    "renewal_rate_count",
    "renewal_rate_arr",
    "weighted_forecast_arr",
    "commit_arr",
    "best_case_arr",
    "pipeline_arr",
    "at_risk_arr",
)


def at(text: str) -> datetime:
    """A UTC instant from ``YYYY-MM-DD HH:MM[:SS]``."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


@pytest.fixture(autouse=True)
def default_settings(monkeypatch):
    """The default SLA targets, whatever the environment says."""
    for name in ("CS_SLA_FIRST_RESPONSE_MINUTES", "CS_SLA_RESOLUTION_MINUTES"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


# --- the registry and the definitions -----------------------------------------------------


def documented_keys(text: str) -> set[str]:
    """KPI keys defined in the KPI sections: a backticked name opening a bullet, a sentence or
    a list of names, as in "- `frt_median_min`, `frt_p90_min` …" and ". `csat_avg`: mean …"."""
    sections = text[text.index("## Support KPIs") : text.index("## Health score")]
    return set(re.findall(r"(?:^- |, |\. )`([a-z][a-z0-9_]*)`", sections, re.MULTILINE))


def test_every_registered_kpi_is_defined_in_the_definitions_and_back():
    if not DEFINITIONS.is_file():
        pytest.skip(f"{DEFINITIONS} is not beside this repository")
    documented = documented_keys(DEFINITIONS.read_text(encoding="utf-8"))

    assert set(kpi.KPIS) == documented


def test_the_registry_describes_every_kpi():
    assert len(kpi.KPIS) == 27
    for key, entry in kpi.KPIS.items():
        assert entry.key == key
        assert entry.unit in kpi.UNITS
        assert entry.label and entry.definition.endswith(".")
        assert set(entry.filters) <= set(kpi.TICKET_FILTERS)
        assert entry.lower_is_better in (True, False, None)
    assert kpi.KPIS["frt_median_min"].lower_is_better is True
    assert kpi.KPIS["nps"].lower_is_better is False
    assert kpi.KPIS["tickets_created"].lower_is_better is None
    assert "priority" in kpi.KPIS["backlog_open"].filters
    assert "priority" not in kpi.KPIS["csat"].filters


# --- windows ------------------------------------------------------------------------------


def test_as_of_defaults_to_the_end_of_the_last_day_or_now_if_earlier():
    assert kpi.make_window(**MARCH).as_of == MARCH_END
    now = at("2025-03-20 10:30")
    assert kpi.make_window(**MARCH, now=now).as_of == now
    naive = datetime(2025, 3, 5, 12, 0)
    assert kpi.make_window(**MARCH, as_of=naive).as_of == at("2025-03-05 12:00")
    with pytest.raises(ValueError, match="before it starts"):
        kpi.make_window(date(2025, 3, 2), date(2025, 3, 1))


def test_buckets_start_on_monday_and_on_the_first_of_the_month_clipped_to_the_window():
    window = kpi.make_window(date(2025, 1, 30), date(2025, 3, 4))
    weeks = kpi.split_window(window, "week")
    months = kpi.split_window(window, "month")

    assert [(b.start, b.end) for b in weeks][:2] == [
        (date(2025, 1, 30), date(2025, 2, 2)),  # Thursday to Sunday
        (date(2025, 2, 3), date(2025, 2, 9)),  # Monday to Sunday
    ]
    assert (weeks[-1].start, weeks[-1].end) == (date(2025, 3, 3), date(2025, 3, 4))
    assert [(b.start, b.end) for b in months] == [
        (date(2025, 1, 30), date(2025, 1, 31)),
        (date(2025, 2, 1), date(2025, 2, 28)),
        (date(2025, 3, 1), date(2025, 3, 4)),
    ]
    assert len(kpi.split_window(window, "day")) == 34
    assert {b.as_of for b in weeks} == {window.as_of}


def test_the_previous_window_has_the_same_length_right_before():
    window = kpi.make_window(**MARCH, as_of=at("2025-03-20 10:00"))
    previous = kpi.previous_window(window)
    assert (previous.start, previous.end) == (date(2025, 1, 29), date(2025, 2, 28))
    assert previous.as_of == at("2025-02-17 10:00")


# --- support ------------------------------------------------------------------------------


@pytest.fixture
def tickets(engine):
    """Tickets around March 2025. Targets (minutes): first response urgent 60, high 240,
    normal 480, low 1440; resolution urgent 480, high 1440, normal 4320, low 7200."""
    with transaction(engine) as session:
        smb = make_account(session, id="SMB", segment="smb", region="na")
        ent = make_account(session, id="ENT", segment="enterprise", region="emea")
        agent = make_user(session, username="agent")
        rows = [
            # T1 urgent, first instant of the window: responds in 30 (met), resolves in 300 (met)
            ("T1", smb, "urgent", "chat", None, at("2025-03-01 00:00"), 30, 300),
            # T2 high: responds in 300 (breached), resolves in 1000 (met)
            ("T2", smb, "high", "email", agent, at("2025-03-10 10:00"), 300, 1000),
            # T3 no priority = normal: exactly on both targets 480 and 4320 (met)
            ("T3", ent, None, "email", agent, at("2025-03-15 12:00"), 480, 4320),
            # T4 low, never answered: at as_of it waited about 16800 > 1440 and > 7200
            ("T4", None, "low", "web", None, at("2025-03-20 08:00"), None, None),
            # T5 urgent, 30 minutes before the end: inside both targets, counted in neither
            ("T5", None, "urgent", "web", None, at("2025-03-31 23:30"), None, None),
            # T6 created at Apr 1 00:00: after the window and after as_of
            ("T6", None, "normal", "chat", None, APRIL_1, 10, None),
        ]
        for ticket_id, account, priority, channel, assignee, created, frt, resolution in rows:
            make_ticket(
                session,
                id=ticket_id,
                account_id=account.id if account else None,
                priority=priority,
                channel=channel,
                assignee_id=assignee.id if assignee else None,
                created_at=created,
                first_response_at=created + minutes(frt) if frt is not None else None,
                resolved_at=created + minutes(resolution) if resolution is not None else None,
            )
        # T7 created before, resolved 2 s after the window starts: resolution time 1/30 min
        make_ticket(
            session,
            id="T7",
            created_at=at("2025-02-28 23:59:59"),
            resolved_at=at("2025-03-01 00:00:01"),
        )
        # T8 resolved exactly at Apr 1 00:00: outside the window, still open at as_of
        make_ticket(session, id="T8", created_at=at("2025-02-20 10:00"), resolved_at=APRIL_1)
        # T9 created before the window, never resolved: open
        make_ticket(session, id="T9", created_at=at("2025-02-25 10:00"))
    return engine


def test_ticket_kpis_over_a_window(tickets):
    values = kpi.compute_kpis(tickets, **MARCH, keys=TICKET_KEYS)

    assert values == {
        "tickets_created": 5,  # T1–T5
        # first responses in the window: 30, 300, 480
        "frt_median_min": 300.0,
        "frt_p90_min": pytest.approx(300 + 0.8 * 180),  # rank 0.9 × 2 = 1.8
        "frt_mean_min": pytest.approx(810 / 3),
        # resolved in the window: T7 1/30, T1 300, T2 1000, T3 4320 (T8 at Apr 1 is out)
        "resolution_median_min": pytest.approx(300 + 0.5 * 700),  # rank 1.5
        "resolution_p90_min": pytest.approx(1000 + 0.7 * 3320),  # rank 2.7
        "backlog_open": 4,  # T4, T5, T8 (resolved after as_of), T9; T6 created after as_of
        "sla_frt_compliance": pytest.approx(2 / 4),  # met T1 T3, breached T2 T4
        "sla_resolution_compliance": pytest.approx(3 / 4),  # met T1 T2 T3, breached T4
    }


def test_ticket_kpis_as_of_before_the_end_of_the_window(tickets):
    as_of = at("2025-03-20 10:00")

    values = kpi.compute_kpis(tickets, **MARCH, as_of=as_of, keys=TICKET_KEYS)

    assert values["tickets_created"] == 5
    # open at Mar 20 10:00: T4 (created 08:00), T8 (resolved Apr 1), T9
    assert values["backlog_open"] == 3
    # T4 has waited 120 minutes: inside both targets; T5 is not created yet
    assert values["sla_frt_compliance"] == pytest.approx(2 / 3)
    assert values["sla_resolution_compliance"] == 1.0


def test_unanswered_tickets_past_their_target_are_breaches(engine):
    with transaction(engine) as session:
        make_ticket(session, priority="urgent", created_at=at("2025-03-31 22:00"))
        make_ticket(session, priority="urgent", created_at=at("2025-03-31 23:30"))

    values = kpi.compute_kpis(engine, **MARCH, keys=TICKET_KEYS)

    # at Apr 1 00:00 the first has waited 120 > 60 (breached), the second 30 (not counted);
    # neither waited beyond the 480-minute resolution target
    assert values["sla_frt_compliance"] == 0.0
    assert values["sla_resolution_compliance"] is None
    assert values["frt_median_min"] is None
    assert values["frt_mean_min"] is None
    assert values["backlog_open"] == 2


def test_sla_targets_come_from_the_settings(tickets, monkeypatch):
    monkeypatch.setenv("CS_SLA_FIRST_RESPONSE_MINUTES", "high=300")
    get_settings.cache_clear()

    values = kpi.compute_kpis(tickets, **MARCH, keys=["sla_frt_compliance"])

    assert values["sla_frt_compliance"] == pytest.approx(3 / 4)  # T2's 300 now meets


def test_ticket_filters(tickets):
    cases = [
        (kpi.KpiFilter(segment="smb"), 2, 165.0),  # T1 30, T2 300
        (kpi.KpiFilter(region="emea"), 1, 480.0),  # T3
        (kpi.KpiFilter(account_id="SMB"), 2, 165.0),
        (kpi.KpiFilter(priority="normal"), 1, 480.0),  # T3 has no priority: normal
        (kpi.KpiFilter(channel="email"), 2, 390.0),  # T2, T3
        (kpi.KpiFilter(channel="web"), 2, None),  # T4, T5: no response
        (kpi.KpiFilter(segment="mid_market"), 0, None),
    ]
    for filters, created, frt_median in cases:
        values = kpi.compute_kpis(tickets, **MARCH, filters=filters, keys=TICKET_KEYS)
        assert (values["tickets_created"], values["frt_median_min"]) == (created, frt_median), (
            filters
        )


def test_assignee_and_csm_filters(tickets):
    with transaction(tickets) as session:
        csm = make_user(session, username="csm")
        make_account(session, id="MINE", csm_id=csm.id)
        make_ticket(session, account_id="MINE", created_at=at("2025-03-05 09:00"))
        agent_id = session.scalar(select(User.id).where(User.username == "agent"))

    assignee = kpi.compute_kpis(
        tickets, **MARCH, filters=kpi.KpiFilter(assignee_id=agent_id), keys=["tickets_created"]
    )
    mine = kpi.compute_kpis(
        tickets, **MARCH, filters=kpi.KpiFilter(csm_id=csm.id), keys=["tickets_created"]
    )

    assert assignee == {"tickets_created": 2}  # T2, T3
    assert mine == {"tickets_created": 1}


def test_percentiles_match_numpy_for_odd_and_even_counts(engine):
    rng = random.Random(5)
    counts = (1, 2, 3, 4, 7, 10, 11)  # one month each, January to July 2025
    samples = {count: [rng.randrange(1, 50_000) for _ in range(count)] for count in counts}
    with transaction(engine) as session:
        for month, count in enumerate(counts, start=1):
            for n, waited in enumerate(samples[count]):
                created = datetime(2025, month, 2, tzinfo=UTC) + timedelta(hours=n)
                make_ticket(
                    session,
                    created_at=created,
                    first_response_at=created + timedelta(seconds=waited),
                    resolved_at=created + timedelta(seconds=2 * waited),
                )
    frame = kpi.series_frame(
        engine, TICKET_KEYS, start=date(2025, 1, 1), end=date(2025, 7, 31), grain="month"
    )
    for month, count in enumerate(counts, start=1):
        in_minutes = np.array(samples[count]) / 60
        values = kpi.compute_kpis(
            engine, start=date(2025, month, 1), end=date(2025, month, 28), keys=TICKET_KEYS
        )
        expected = {
            "frt_median_min": np.percentile(in_minutes, 50),
            "frt_p90_min": np.percentile(in_minutes, 90),
            "frt_mean_min": in_minutes.mean(),
            "resolution_median_min": np.percentile(2 * in_minutes, 50),
            "resolution_p90_min": np.percentile(2 * in_minutes, 90),
        }
        for key, value in expected.items():
            assert values[key] == pytest.approx(value, abs=1e-9), (count, key)
            assert frame[key][month - 1] == pytest.approx(value, abs=1e-9), (count, key)


# --- surveys ------------------------------------------------------------------------------


@pytest.fixture
def surveys(engine):
    with transaction(engine) as session:
        make_account(session, id="S-SMB", segment="smb")
        rows = [
            ("csat", 5, "2025-03-01 00:00", "S-SMB"),  # first instant: in
            ("csat", 4, "2025-03-15 12:00", None),
            ("csat", 3, "2025-03-20 12:00", None),
            ("csat", 1, "2025-03-31 23:59:59", "S-SMB"),  # last second: in
            ("csat", 5, "2025-04-01 00:00", None),  # after the window
            ("nps", 10, "2025-03-02 10:00", "S-SMB"),  # promoter
            ("nps", 9, "2025-03-03 10:00", None),  # promoter
            ("nps", 9, "2025-03-04 10:00", None),  # promoter
            ("nps", 7, "2025-03-05 10:00", None),  # passive
            ("nps", 6, "2025-03-06 10:00", "S-SMB"),  # detractor
            ("nps", 0, "2025-02-28 23:59:59", None),  # before the window
            ("ces", 7, "2025-03-10 12:00", None),
            ("ces", 2, "2025-03-11 12:00", "S-SMB"),
        ]
        for kind, score, when, account in rows:
            make_survey(
                session, survey_type=kind, score=score, responded_at=at(when), account_id=account
            )
    return engine


def test_survey_kpis_over_a_window(surveys):
    values = kpi.compute_kpis(surveys, **MARCH, keys=SURVEY_KEYS)

    assert values == {
        "csat": 2 / 4,
        "csat_avg": (5 + 4 + 3 + 1) / 4,
        "csat_responses": 4,
        "nps": 100 * (3 - 1) / 5,
        "nps_responses": 5,
        "ces_avg": 4.5,
    }


def test_survey_kpis_filtered_by_account_segment(surveys):
    values = kpi.compute_kpis(
        surveys, **MARCH, filters=kpi.KpiFilter(segment="smb"), keys=SURVEY_KEYS
    )
    assert values == {
        "csat": 1 / 2,  # 5 and 1
        "csat_avg": 3.0,
        "csat_responses": 2,
        "nps": 0.0,  # 10 and 6
        "nps_responses": 2,
        "ces_avg": 2.0,
    }


def test_all_detractors_give_nps_minus_100(engine):
    with transaction(engine) as session:
        for score in (0, 3, 6):
            make_survey(
                session, survey_type="nps", score=score, responded_at=at("2025-03-09 09:00")
            )
    values = kpi.compute_kpis(engine, **MARCH, keys=["nps", "nps_responses", "csat"])
    assert values == {"nps": -100.0, "nps_responses": 3, "csat": None}


# --- revenue and retention ----------------------------------------------------------------


@pytest.fixture
def subscriptions(engine):
    """ARR in whole units (× 100 cents). Window Q1 2025: cohort on Jan 1, ending on Apr 1."""
    rows = [
        # R1 steady 100
        ("R1", "smb", [(100, "2024-01-01", None)]),
        # R2 50 until Apr 1 (last day Mar 31, the window's last day): ending 0, churned
        ("R2", "smb", [(50, "2024-06-01", "2025-04-01")]),
        # R3 churns (30 ends Feb 1) and returns (40 from Mar 1): 30 -> 40, not churned
        ("R3", "smb", [(30, "2024-01-01", "2025-02-01"), (40, "2025-03-01", None)]),
        # R4 20 + 10, the 10 ending on Mar 31 (exclusive): 30 -> 20
        ("R4", "smb", [(20, "2024-01-01", None), (10, "2024-01-01", "2025-03-31")]),
        # R5 new in February: not in the cohort
        ("R5", "enterprise", [(60, "2025-02-01", None)]),
        # R6 starts on Apr 1: not in the cohort, in ARR on Apr 1
        ("R6", "enterprise", [(5, "2025-04-01", None)]),
        # R7 starts on Jan 1 itself: in the cohort, 8 -> 8
        ("R7", "enterprise", [(8, "2025-01-01", None)]),
    ]
    with transaction(engine) as session:
        for account_id, segment, subs in rows:
            account = make_account(session, id=account_id, segment=segment)
            for arr, start, end in subs:
                make_subscription(
                    session,
                    account=account,
                    arr_cents=arr * 100,
                    start_date=date.fromisoformat(start),
                    end_date=date.fromisoformat(end) if end else None,
                )
    return engine


Q1 = {"start": date(2025, 1, 1), "end": date(2025, 3, 31)}


def test_retention_over_a_window(subscriptions):
    values = kpi.compute_kpis(subscriptions, **Q1, keys=[*RETENTION_KEYS, "arr_total"])

    # cohort R1 R2 R3 R4 R7: starting 100+50+30+30+8 = 218, ending 100+0+40+20+8 = 168,
    # kept min(…) = 100+0+30+20+8 = 158; one churned logo of five
    assert values["grr"] == pytest.approx(158 / 218)
    assert values["nrr"] == pytest.approx(168 / 218)
    assert values["logo_churn_rate"] == pytest.approx(1 / 5)
    assert values["revenue_churn_rate"] == pytest.approx(1 - 158 / 218)
    # ARR on Mar 31 (the day of the default as_of): R1 100, R2 50, R3 40, R4 20, R5 60, R7 8
    assert values["arr_total"] == 278_00


def test_arr_total_is_measured_on_the_day_of_as_of(subscriptions):
    values = kpi.compute_kpis(subscriptions, **Q1, as_of=at("2025-03-31 12:00"))
    # Mar 31: R1 100, R2 50, R3 40, R4 20, R5 60, R7 8
    assert values["arr_total"] == 278_00
    assert values["grr"] == pytest.approx(158 / 218)  # retention does not depend on as_of


def test_retention_filtered_by_segment(subscriptions):
    values = kpi.compute_kpis(
        subscriptions, **Q1, filters=kpi.KpiFilter(segment="smb"), keys=RETENTION_KEYS
    )
    # R1–R4: starting 210, ending 160, kept 150
    assert values["grr"] == pytest.approx(150 / 210)
    assert values["nrr"] == pytest.approx(160 / 210)
    assert values["logo_churn_rate"] == pytest.approx(1 / 4)


def test_no_cohort_means_no_retention(subscriptions):
    values = kpi.compute_kpis(
        subscriptions, start=date(2023, 1, 1), end=date(2023, 3, 31), keys=RETENTION_KEYS
    )
    assert values == dict.fromkeys(RETENTION_KEYS)


def test_an_account_that_churns_and_returns_within_the_window_is_retained(engine):
    with transaction(engine) as session:
        account = make_account(session)
        make_subscription(
            session,
            account=account,
            arr_cents=100,
            start_date=date(2024, 1, 1),
            end_date=date(2025, 2, 1),
        )
        make_subscription(session, account=account, arr_cents=100, start_date=date(2025, 3, 1))
    values = kpi.compute_kpis(engine, **Q1, keys=RETENTION_KEYS)
    assert values == {"grr": 1.0, "nrr": 1.0, "logo_churn_rate": 0.0, "revenue_churn_rate": 0.0}


# --- renewals -----------------------------------------------------------------------------


@pytest.fixture
def renewals(engine):
    """Renewals due in Q2 2025 (Apr 1 – Jun 30), ARR in whole units (× 100 cents)."""
    with transaction(engine) as session:
        a1 = make_account(session, id="A1", segment="smb")
        a2 = make_account(session, id="A2", segment="enterprise")
        a3 = make_account(session, id="A3", segment="smb")
        # A1 was red in March and is green since May; A2 turned red on Jun 30;
        # A3 turns red only after the window
        make_health_snapshot(session, account=a1, snapshot_date=date(2025, 3, 1), band="red")
        make_health_snapshot(session, account=a1, snapshot_date=date(2025, 5, 1), band="green")
        make_health_snapshot(session, account=a2, snapshot_date=date(2025, 6, 30), band="red")
        make_health_snapshot(session, account=a3, snapshot_date=date(2025, 7, 2), band="red")
        rows = [
            # N1 open, not_started (0.5), pipeline: 100 × 0.5 = 50
            ("N1", a1, "2025-05-01", 100, "not_started", "pipeline", {}),
            # N2 open, negotiation (0.8), commit, expected 220: 176
            ("N2", a3, "2025-05-02", 200, "negotiation", "commit", {"expected_arr_cents": 22000}),
            # N3 open, proposal with an explicit 0.25, best_case: 12.5
            ("N3", a1, "2025-05-03", 50, "proposal", "best_case", {"probability": 0.25}),
            # N4 open, omitted: out of forecast and categories; high risk: at risk 80
            ("N4", a1, "2025-05-04", 80, "engaged", "omitted", {"risk": "high"}),
            # N5 won 120 of 100
            ("N5", a1, "2025-05-05", 100, "closed_won", "closed", {"outcome": "won"}),
            # N6 lost
            ("N6", a3, "2025-05-06", 60, "closed_lost", "closed", {"outcome": "lost"}),
            # N7 won 30 of 40
            ("N7", a2, "2025-06-30", 40, "closed_won", "closed", {"outcome": "won"}),
            # N8 due the day after the window
            ("N8", a1, "2025-07-01", 10, "outreach", "pipeline", {}),
            # N9 due on the first day, verbal_commit (0.9), commit; A2 is red: at risk 30
            ("N9", a2, "2025-04-01", 30, "verbal_commit", "commit", {}),
            # N10 due the day before the window
            ("N10", a2, "2025-03-31", 70, "engaged", "commit", {"risk": "high"}),
        ]
        renewed = {"N5": 12000, "N7": 3000}
        for renewal_id, account, due, arr, stage, category, extra in rows:
            make_renewal(
                session,
                account=account,
                id=renewal_id,
                renewal_date=date.fromisoformat(due),
                current_arr_cents=arr * 100,
                stage=stage,
                forecast_category=category,
                renewed_arr_cents=renewed.get(renewal_id),
                **extra,
            )
    return engine


Q2 = {"start": date(2025, 4, 1), "end": date(2025, 6, 30)}


def test_renewal_kpis_over_a_window(renewals):
    values = kpi.compute_kpis(renewals, **Q2, keys=RENEWAL_KEYS)

    assert values == {
        "renewal_rate_count": pytest.approx(2 / 3),  # N5 N7 won, N6 lost
        "renewal_rate_arr": pytest.approx((100 + 30) / (100 + 40 + 60)),
        # 50 + 176 + 12.5 + 27 open, plus 120 + 30 won
        "weighted_forecast_arr": 415_50,
        "commit_arr": (220 + 30 + 150) * 100,
        "best_case_arr": (220 + 30 + 50 + 150) * 100,
        "pipeline_arr": (220 + 30 + 50 + 100 + 150) * 100,
        # N4 (high risk) and N9 (A2 red on Jun 30); A1 green since May, A3 red only later
        "at_risk_arr": (80 + 30) * 100,
    }


def test_at_risk_uses_the_health_band_as_of(renewals):
    values = kpi.compute_kpis(renewals, **Q2, as_of=at("2025-04-15 12:00"), keys=RENEWAL_KEYS)
    # on Apr 15 A1 is still red (N1 100, N3 50, N4 80); A2 not yet red
    assert values["at_risk_arr"] == (100 + 50 + 80) * 100


def test_renewals_filtered_by_segment(renewals):
    values = kpi.compute_kpis(
        renewals, **Q2, filters=kpi.KpiFilter(segment="enterprise"), keys=RENEWAL_KEYS
    )
    # A2 only: N7 won 30 of 40, N9 open commit 30 × 0.9
    assert values == {
        "renewal_rate_count": 1.0,
        "renewal_rate_arr": pytest.approx(30 / 40),
        "weighted_forecast_arr": (27 + 30) * 100,
        "commit_arr": (30 + 30) * 100,
        "best_case_arr": (30 + 30) * 100,
        "pipeline_arr": (30 + 30) * 100,
        "at_risk_arr": 30 * 100,
    }


def test_weighted_forecast_rounds_half_cents_up(engine):
    with transaction(engine) as session:
        account = make_account(session)
        make_renewal(session, account=account, renewal_date=date(2025, 5, 1), current_arr_cents=101)
    values = kpi.compute_kpis(engine, **Q2, keys=["weighted_forecast_arr"])
    assert values == {"weighted_forecast_arr": 51}  # 101 × 0.5 = 50.5


# --- every key at once ----------------------------------------------------------------------


@pytest.fixture
def everything(tickets, surveys, subscriptions, renewals):
    return tickets


def test_an_empty_window_gives_zeros_and_no_ratios(everything):
    values = kpi.compute_kpis(everything, start=date(2023, 1, 1), end=date(2023, 1, 31))

    assert list(values) == list(kpi.KPIS)
    whole = {key for key in values if kpi.KPIS[key].unit in ("count", "cents")}
    assert {key: values[key] for key in whole} == dict.fromkeys(whole, 0)
    assert {key: values[key] for key in values if key not in whole} == dict.fromkeys(
        set(values) - whole
    )


def test_every_value_has_the_type_of_its_unit(everything):
    values = kpi.compute_kpis(everything, start=date(2025, 1, 1), end=date(2025, 6, 30))
    for key, value in values.items():
        if kpi.KPIS[key].unit in ("count", "cents"):
            assert type(value) is int, key
        else:
            assert type(value) is float, key


def test_one_kpi_from_the_registry_equals_the_full_computation(everything):
    full = kpi.compute_kpis(everything, **MARCH)
    for key in ("frt_p90_min", "csat", "arr_total", "grr", "at_risk_arr"):
        assert kpi.KPIS[key].compute(everything, **MARCH) == full[key]


@pytest.mark.parametrize(
    ("grain", "start", "end", "as_of"),
    [
        ("day", date(2025, 3, 28), date(2025, 4, 3), at("2025-04-02 12:00")),
        ("week", date(2025, 2, 20), date(2025, 5, 10), at("2025-05-01 12:00")),
        ("month", date(2025, 2, 20), date(2025, 5, 10), at("2025-05-01 12:00")),
    ],
)
def test_each_period_of_a_series_is_its_own_window(everything, grain, start, end, as_of):
    frame = kpi.series_frame(everything, start=start, end=end, grain=grain, as_of=as_of)

    buckets = kpi.split_window(kpi.make_window(start, end, as_of), grain)
    assert [d.date() for d in frame["period_start"]] == [b.start for b in buckets]
    assert [d.date() for d in frame["period_end"]] == [b.end for b in buckets]
    for row, bucket in zip(frame.to_dict("records"), buckets, strict=True):
        expected = kpi.compute_kpis(everything, start=bucket.start, end=bucket.end, as_of=as_of)
        at_end = kpi.compute_kpis(
            everything,
            start=bucket.start,
            end=bucket.end,
            as_of=min(kpi.end_of_day(bucket.end), as_of),
            keys=["backlog_open", "arr_total"],
        )
        expected |= at_end
        for key, value in expected.items():
            if value is None:
                assert np.isnan(row[key]), (bucket, key)
            else:
                assert row[key] == pytest.approx(value, abs=1e-9), (bucket, key)


def test_weekly_ticket_series(tickets):
    frame = kpi.kpi_series(tickets, "tickets_created", **MARCH, grain="week")

    assert list(frame.columns) == ["period_start", "value"]
    assert [d.date().day for d in frame["period_start"]] == [1, 3, 10, 17, 24, 31]
    # T1 Mar 1 | – | T2 Mar 10, T3 Mar 15 | T4 Mar 20 | – | T5 Mar 31
    assert frame["value"].tolist() == [1, 0, 2, 1, 0, 1]


def test_backlog_series_counts_open_tickets_at_each_period_end(tickets):
    frame = kpi.kpi_series(
        tickets, "backlog_open", start=date(2025, 2, 19), end=date(2025, 2, 28), grain="day"
    )
    # at the end of each day: T8 open from Feb 20, T9 from Feb 25, T7 from Feb 28 23:59:59
    # (T1, created at Mar 1 00:00, is after the last period)
    assert frame["value"].tolist() == [0, 1, 1, 1, 1, 1, 2, 2, 2, 3]


def test_compare_with_the_previous_window(everything):
    changes = kpi.compare_previous(everything, **MARCH)

    assert list(changes) == list(kpi.KPIS)
    # Jan 29 – Feb 28: T7, T8, T9 created
    assert changes["tickets_created"][:3] == (5, 3, 2)
    assert changes["tickets_created"].delta == 2
    nps = changes["nps"]
    assert nps.previous == -100.0  # the 0 of Feb 28
    assert nps.delta == pytest.approx(40.0 + 100.0)
    # one NPS response before, five now: too few to compare with
    assert (nps.n, nps.previous_n, nps.comparable) == (5, 1, False)
    assert changes["frt_median_min"].previous is None
    assert changes["frt_median_min"].delta is None
    previous = kpi.compute_kpis(everything, start=date(2025, 1, 29), end=date(2025, 2, 28))
    assert {key: change.previous for key, change in changes.items()} == previous


def test_the_overview_figures_agree_with_the_registry(everything):
    as_of = at("2025-03-31 12:00")
    summary = kpi.overview(everything, as_of=as_of, recent_days=31)
    values = kpi.compute_kpis(everything, **MARCH, as_of=as_of)
    previous = kpi.compute_kpis(
        everything, start=date(2025, 1, 29), end=date(2025, 2, 28), as_of=as_of - timedelta(31)
    )
    assert summary.arr_cents == values["arr_total"]
    for key in kpi.CARD_KEYS:
        assert summary.changes[key].current == values[key], key
        assert summary.changes[key].previous == previous[key], key
    daily = kpi.series_frame(everything, kpi.CARD_KEYS, **MARCH, as_of=as_of)
    for key in ("tickets_created", "backlog_open"):  # counts: by day
        assert summary.series[key]["value"].tolist() == daily[key].tolist(), key
    cohorts = kpi.retention_trend(everything, start=MARCH["start"], end=MARCH["end"])
    for key in ("grr", "nrr", "logo_churn_rate"):
        assert summary.series[key]["value"].equals(cohorts[key]), key


def test_the_overview_computed_concurrently_is_the_same(everything, monkeypatch):
    as_of = at("2025-03-31 12:00")
    threads = []
    module = importlib.import_module("cs_data.kpi.overview")  # kpi.overview is the function
    trend = module.retention_trend

    def recorded(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return trend(*args, **kwargs)

    monkeypatch.setattr(module, "retention_trend", recorded)
    alone = kpi.overview(everything, as_of=as_of, recent_days=31)
    concurrent = kpi.overview(everything, as_of=as_of, recent_days=31, concurrent=True)

    assert threads[0] == threading.current_thread().name
    assert threads[1].startswith("retention-trend")
    assert concurrent.changes == alone.changes
    assert concurrent.series.keys() == alone.series.keys()
    for key, frame in alone.series.items():
        pd.testing.assert_frame_equal(concurrent.series[key], frame, obj=key)
    assert dataclasses.replace(concurrent, series={}, changes={}) == dataclasses.replace(
        alone, series={}, changes={}
    )


def test_the_retention_trend_in_two_halves_at_once_is_the_same(everything, monkeypatch):
    runs = []
    over = revenue.retention_over

    def recorded(connection, windows, filters):
        runs.append((threading.current_thread().name, len(windows)))
        return over(connection, windows, filters)

    monkeypatch.setattr(revenue, "retention_over", recorded)
    days = {"start": date(2025, 3, 1), "end": date(2025, 3, 31)}
    alone = kpi.retention_trend(everything, **days)
    halves = kpi.retention_trend(everything, **days, concurrent=True)

    pd.testing.assert_frame_equal(halves, alone)
    here = threading.current_thread().name
    points = len(alone)
    assert runs[0] == (here, points)
    by_thread = dict(runs[1:])
    assert by_thread.pop(here) == points // 2
    [(other, rest)] = by_thread.items()
    assert other.startswith("retention-trend-half") and rest == points - points // 2


def test_retention_series_chains_cohorts_like_separate_windows(engine):
    rng = random.Random(7)
    with transaction(engine) as session:
        for n in range(15):
            account = make_account(session, segment=rng.choice(["smb", "enterprise"]))
            for _ in range(rng.randint(1, 4)):
                start = date(2025, 1, 1) + timedelta(days=rng.randrange(200))
                end = start + timedelta(days=rng.randrange(1, 150)) if rng.random() < 0.7 else None
                arr = 0 if n == 0 else rng.randrange(1, 50) * 100
                make_subscription(
                    session, account=account, arr_cents=arr, start_date=start, end_date=end
                )
    for grain, start, end, filters in (
        ("week", date(2025, 2, 1), date(2025, 7, 31), kpi.NO_FILTER),
        ("day", date(2025, 3, 1), date(2025, 4, 30), kpi.KpiFilter(segment="smb")),
    ):
        frame = kpi.series_frame(
            engine, RETENTION_KEYS, start=start, end=end, grain=grain, filters=filters
        )
        for row in frame.to_dict("records"):
            expected = kpi.compute_kpis(
                engine,
                start=row["period_start"].date(),
                end=row["period_end"].date(),
                filters=filters,
                keys=RETENTION_KEYS,
            )
            for key, value in expected.items():
                if value is None:
                    assert np.isnan(row[key]), (row, key)
                else:
                    assert row[key] == pytest.approx(value, abs=1e-12), (row, key)


def test_backlog_series_agrees_with_each_instant_counted_alone(engine):
    """The series adds openings and closings between instants; counting each instant on its
    own must give the same, also for tickets resolved before they were created."""
    rng = random.Random(11)
    start = at("2025-03-01 00:00")
    with transaction(engine) as session:
        for _ in range(80):
            created = start + timedelta(minutes=rng.randrange(-3 * 1440, 12 * 1440))
            resolved = rng.choice(
                [
                    None,
                    created + timedelta(minutes=rng.randrange(1, 4 * 1440)),
                    created - timedelta(minutes=rng.randrange(1, 3 * 1440)),  # bad source data
                    created,
                ]
            )
            make_ticket(session, created_at=created, resolved_at=resolved)
    first, last = date(2025, 3, 1), date(2025, 3, 10)

    frame = kpi.kpi_series(engine, "backlog_open", start=first, end=last, grain="day")

    for row in frame.itertuples():
        day = row.period_start.date()
        alone = kpi.compute_kpis(
            engine, start=day, end=day, as_of=kpi.end_of_day(day), keys=["backlog_open"]
        )
        assert row.value == alone["backlog_open"], day
