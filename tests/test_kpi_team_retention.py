"""Retention drill-downs and team tables (cs_data.kpi.retention_detail, team) on hand-made
data, on SQLite and PostgreSQL; each figure is checked against the KPI engine as well."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest

from cs_data.config import get_settings
from cs_data.db import transaction
from cs_data.kpi import KpiFilter, compute_kpis
from cs_data.kpi.retention_detail import arr_waterfall, churned_accounts
from cs_data.kpi.team import agent_table, csm_table, team_medians
from tests.factories import (
    make_account,
    make_renewal,
    make_subscription,
    make_survey,
    make_ticket,
    make_user,
)

MARCH = (date(2025, 3, 1), date(2025, 3, 31))
AS_OF = datetime(2025, 4, 1, tzinfo=UTC)
USD = 100


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture(autouse=True)
def default_settings(monkeypatch):
    """The default SLA targets (first response: urgent 60, high 240, normal 480 minutes)."""
    for name in ("CS_SLA_FIRST_RESPONSE_MINUTES", "CS_SLA_RESOLUTION_MINUTES"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def book(engine):
    """Accounts, subscriptions and renewals around March 2025 (ending day: April 1)."""
    with transaction(engine) as session:
        ann = make_user(session, username="ann", display_name="Ann")
        bob = make_user(session, username="bob", display_name="Bob")
        accounts = {
            # id: (segment, csm, [(arr $, start, end)])
            "GROW": ("smb", ann, [(1000, "2025-01-01", None), (500, "2025-03-15", None)]),
            "SHRINK": (
                "smb",
                ann,
                [(2000, "2025-01-01", "2025-03-10"), (1200, "2025-03-10", None)],
            ),
            # the 400 ends on April 1 exactly (end_date is exclusive): no ARR on the ending day
            "GONE": (
                "enterprise",
                ann,
                [(3000, "2025-01-01", "2025-03-20"), (400, "2025-02-01", "2025-04-01")],
            ),
            "FLAT": ("smb", bob, [(700, "2024-01-01", None)]),
            "NEW": ("smb", bob, [(900, "2025-03-05", None)]),
            "LEFT": ("smb", None, [(100, "2024-06-01", "2025-03-02")]),
            "LATER": ("smb", ann, [(800, "2025-04-02", None)]),
            "BRIEF": ("smb", bob, [(50, "2025-03-05", "2025-03-06")]),
        }
        made = {}
        for account_id, (segment, csm, subscriptions) in accounts.items():
            made[account_id] = make_account(
                session,
                id=account_id,
                name=f"{account_id.title()} Co",
                segment=segment,
                csm_id=csm.id if csm else None,
            )
            for arr, start, end in subscriptions:
                make_subscription(
                    session,
                    account=made[account_id],
                    arr_cents=arr * USD,
                    start_date=date.fromisoformat(start),
                    end_date=date.fromisoformat(end) if end else None,
                )
        renewals = [
            # account, due, current $, outcome, renewed $
            ("GROW", "2025-03-10", 1000, "won", 1500),
            ("GONE", "2025-03-20", 3400, "lost", None),
            ("SHRINK", "2025-03-25", 2000, None, None),
            ("GROW", "2025-04-10", 1500, None, None),  # after the window
            ("FLAT", "2025-03-31", 700, "won", 700),
        ]
        for account_id, due, current, outcome, renewed in renewals:
            make_renewal(
                session,
                account=made[account_id],
                renewal_date=date.fromisoformat(due),
                current_arr_cents=current * USD,
                outcome=outcome,
                renewed_arr_cents=renewed * USD if renewed else None,
            )
    return engine, ann.id, bob.id


def test_the_waterfall_adds_up_and_matches_the_kpis(book):
    engine, _, _ = book
    flow = arr_waterfall(engine, *MARCH)

    # starting: GROW 1000 + SHRINK 2000 + GONE 3400 + FLAT 700 + LEFT 100
    assert flow.starting == 7200 * USD
    assert flow.expansion == 500 * USD  # GROW 1000 → 1500
    assert flow.contraction == 800 * USD  # SHRINK 2000 → 1200
    assert flow.churn == 3500 * USD  # GONE 3400 and LEFT 100 → 0
    assert flow.new == 900 * USD  # NEW; BRIEF came and went, LATER starts after
    assert flow.ending == 4300 * USD  # 1500 + 1200 + 700 + 900
    assert flow.starting + flow.new + flow.expansion - flow.contraction - flow.churn == flow.ending
    assert (flow.cohort, flow.churned) == (5, 2)
    assert flow.grr == pytest.approx(2900 / 7200)
    assert flow.nrr == pytest.approx(3400 / 7200)

    kpis = compute_kpis(
        engine,
        start=MARCH[0],
        end=MARCH[1],
        as_of=AS_OF,
        keys=["grr", "nrr", "logo_churn_rate", "arr_total"],
    )
    assert kpis["grr"] == pytest.approx(flow.grr)
    assert kpis["nrr"] == pytest.approx(flow.nrr)
    assert kpis["logo_churn_rate"] == pytest.approx(flow.churned / flow.cohort)
    assert kpis["arr_total"] == flow.ending


def test_the_waterfall_of_a_slice_and_of_nothing(book):
    engine, ann, _ = book
    flow = arr_waterfall(engine, *MARCH, filters=KpiFilter(csm_id=ann))
    assert (flow.starting, flow.expansion, flow.contraction, flow.churn, flow.new) == (
        6400 * USD,
        500 * USD,
        800 * USD,
        3400 * USD,
        0,
    )
    assert flow.ending == 2700 * USD
    empty = arr_waterfall(engine, date(2020, 1, 1), date(2020, 1, 31))
    assert empty.starting == empty.ending == empty.cohort == 0
    assert empty.grr is None and empty.nrr is None


def test_churned_accounts_largest_first_and_paged(book):
    engine, _, _ = book
    result = churned_accounts(engine, *MARCH)
    assert result.total == 2 and result.pages == 1
    gone, left = result.rows
    assert (gone.account_id, gone.name, gone.segment, gone.csm) == (
        "GONE",
        "Gone Co",
        "enterprise",
        "Ann",
    )
    assert gone.starting_arr_cents == 3400 * USD
    assert gone.ended_on == date(2025, 4, 1), "the later of its two end dates"
    assert (left.account_id, left.csm, left.ended_on) == ("LEFT", None, date(2025, 3, 2))

    second = churned_accounts(engine, *MARCH, page=9, page_size=1)
    assert (second.page, second.pages, [r.account_id for r in second.rows]) == (2, 2, ["LEFT"])
    smb = churned_accounts(engine, *MARCH, filters=KpiFilter(segment="smb"))
    assert [r.account_id for r in smb.rows] == ["LEFT"]


def test_csm_table_matches_the_kpis(book):
    engine, ann, bob = book
    table = csm_table(engine, *MARCH, as_of=AS_OF)

    assert list(table["name"]) == ["Ann", "Bob"]
    rows = table.set_index("user_id")
    assert rows.loc[ann, "accounts"] == 4  # GROW, SHRINK, GONE, LATER
    assert rows.loc[ann, "book_arr_cents"] == 2700 * USD  # 1500 + 1200 on April 1
    assert rows.loc[ann, "renewals_due"] == 3
    assert rows.loc[ann, "renewals_due_arr_cents"] == 6400 * USD  # 1000 + 3400 + 2000
    assert rows.loc[ann, "renewal_rate"] == pytest.approx(0.5)  # won 1, lost 1
    assert rows.loc[bob, "accounts"] == 3
    assert rows.loc[bob, "book_arr_cents"] == 1600 * USD
    assert (rows.loc[bob, "renewals_due"], rows.loc[bob, "renewal_rate"]) == (1, 1.0)
    for csm in (ann, bob):
        kpis = compute_kpis(
            engine,
            start=MARCH[0],
            end=MARCH[1],
            as_of=AS_OF,
            filters=KpiFilter(csm_id=csm),
            keys=["arr_total", "renewal_rate_count"],
        )
        assert rows.loc[csm, "book_arr_cents"] == kpis["arr_total"]
        assert rows.loc[csm, "renewal_rate"] == pytest.approx(kpis["renewal_rate_count"])

    medians = team_medians(table, ["accounts", "book_arr_cents", "renewal_rate"])
    assert medians == {"accounts": 3, "book_arr_cents": 1600 * USD, "renewal_rate": 0.75}
    assert list(csm_table(engine, *MARCH, filters=KpiFilter(segment="enterprise"))["name"]) == [
        "Ann"
    ]


@pytest.fixture
def desk(engine):
    """Tickets of two agents around March 2025; normal first response target 480 minutes,
    high 240, urgent 60."""
    with transaction(engine) as session:
        kim = make_user(session, username="kim", display_name="Kim", role="csm")
        lee = make_user(session, username="lee", display_name="Lee", role="csm")
        rows = [
            # id, agent, priority, created, first response, resolution (minutes)
            ("K1", kim, "normal", "2025-03-03 09:00", 30, 100),
            ("K2", kim, "normal", "2025-03-04 09:00", 600, 2000),  # first response breached
            ("K3", kim, "normal", "2025-03-05 09:00", 90, None),
            ("K4", kim, "normal", "2025-02-27 09:00", 10, 4000),  # resolved March 2
            ("L1", lee, "urgent", "2025-03-10 09:00", None, None),  # unanswered: breached
            ("L2", lee, "urgent", "2025-03-31 23:50", None, None),  # still inside its target
            ("L3", lee, "high", "2025-03-11 09:00", 120, 200),
            ("U1", None, "normal", "2025-03-12 09:00", 5, 5),  # nobody's
        ]
        for ticket_id, agent, priority, created, frt, resolution in rows:
            start = at(created)
            make_ticket(
                session,
                id=ticket_id,
                assignee_id=agent.id if agent else None,
                priority=priority,
                created_at=start,
                first_response_at=start + timedelta(minutes=frt) if frt else None,
                resolved_at=start + timedelta(minutes=resolution) if resolution else None,
            )
        surveys = [
            ("K1", "csat", 5, "2025-03-04 10:00"),
            ("K2", "csat", 3, "2025-03-06 10:00"),
            ("K3", "csat", 4, "2025-04-02 10:00"),  # after the window
            ("K1", "nps", 10, "2025-03-04 10:00"),  # not CSAT
            ("L3", "csat", 4, "2025-03-12 10:00"),
            (None, "csat", 1, "2025-03-12 10:00"),  # no ticket
        ]
        for ticket_id, kind, score, responded in surveys:
            make_survey(
                session,
                ticket_id=ticket_id,
                survey_type=kind,
                score=score,
                responded_at=at(responded),
            )
    return engine, kim.id, lee.id


def test_agent_table_matches_the_kpis(desk):
    engine, kim, lee = desk
    table = agent_table(engine, *MARCH, as_of=AS_OF)

    assert list(table["name"]) == ["Kim", "Lee"]
    rows = table.set_index("user_id")
    assert rows.loc[kim, "tickets"] == 3
    assert rows.loc[kim, "frt_median_min"] == 90  # of 30, 600, 90
    assert rows.loc[kim, "resolution_median_min"] == 2000  # of 100, 2000, 4000
    assert rows.loc[kim, "sla_frt_compliance"] == pytest.approx(2 / 3)
    assert (rows.loc[kim, "csat"], rows.loc[kim, "csat_responses"]) == (0.5, 2)
    assert rows.loc[lee, "tickets"] == 3
    assert rows.loc[lee, "frt_median_min"] == 120
    assert rows.loc[lee, "resolution_median_min"] == 200
    assert rows.loc[lee, "sla_frt_compliance"] == 0.5  # L1 breached, L3 met, L2 not judged
    assert (rows.loc[lee, "csat"], rows.loc[lee, "csat_responses"]) == (1.0, 1)
    keys = ["tickets_created", "frt_median_min", "resolution_median_min", "sla_frt_compliance"]
    for agent in (kim, lee):
        kpis = compute_kpis(
            engine,
            start=MARCH[0],
            end=MARCH[1],
            as_of=AS_OF,
            filters=KpiFilter(assignee_id=agent),
            keys=keys,
        )
        assert rows.loc[agent, "tickets"] == kpis["tickets_created"]
        for key in keys[1:]:
            assert rows.loc[agent, key] == pytest.approx(kpis[key])

    medians = team_medians(table, ["tickets", "frt_median_min", "resolution_median_min"])
    assert medians == {"tickets": 3, "frt_median_min": 105, "resolution_median_min": 1100}
    assert team_medians(table, ["sla_frt_compliance"])["sla_frt_compliance"] == pytest.approx(
        7 / 12
    )


def test_the_median_row_never_shows_no_renewals_due_with_renewals_due_arr():
    """Seen on the demo data: half the CSMs had none due, so the usual median was 0.5
    renewals (shown as 0) next to half the smallest ARR due ($89,361)."""
    table = pd.DataFrame(
        {
            "renewals_due": [0, 0, 0, 0, 1, 1, 1, 2],
            "renewals_due_arr_cents": [0, 0, 0, 0, 17_872_200, 59_179_100, 48_353_300, 30_703_500],
            "renewal_rate": [None, None, 0.5, 1.0, 1.0, 1.0, 0.0, 1.0],
        }
    )
    medians = team_medians(table, list(table.columns))
    assert medians == {"renewals_due": 0, "renewals_due_arr_cents": 0, "renewal_rate": 1.0}


def test_tables_without_data(engine):
    agents = agent_table(engine, *MARCH)
    csms = csm_table(engine, *MARCH)
    assert agents.empty and list(agents.columns)[:2] == ["user_id", "name"]
    assert csms.empty and "book_arr_cents" in csms.columns
    assert team_medians(agents, ["tickets"]) == {"tickets": None}
