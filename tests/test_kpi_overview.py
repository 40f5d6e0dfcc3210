"""The Overview KPIs on small hand-made rows, on every backend; right answers worked out here."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from cs_data import kpi
from cs_data.db import transaction
from cs_data.models import Account, Renewal, Subscription, SurveyResponse, Ticket


def at(text: str) -> datetime:
    """A UTC instant from ``YYYY-MM-DD HH:MM[:SS[.ffffff]]``."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def add_accounts(engine, *ids: str) -> None:
    with transaction(engine) as session:
        session.add_all(Account(id=account_id, name=f"Account {account_id}") for account_id in ids)


def add_tickets(engine, *rows: tuple[datetime, datetime | None]) -> None:
    """Tickets from ``(created_at, resolved_at)`` pairs."""
    with transaction(engine) as session:
        session.add_all(
            Ticket(id=f"T{n}", created_at=created, resolved_at=resolved)
            for n, (created, resolved) in enumerate(rows)
        )


def add_surveys(engine, kind: str, *rows: tuple[int, datetime]) -> None:
    """Survey responses from ``(score, responded_at)`` pairs."""
    with transaction(engine) as session:
        session.add_all(
            SurveyResponse(id=f"{kind}{n}", survey_type=kind, score=score, responded_at=when)
            for n, (score, when) in enumerate(rows)
        )


# --- revenue ------------------------------------------------------------------------------


@pytest.fixture
def subscriptions(engine):
    add_accounts(engine, "A1", "A2")
    with transaction(engine) as session:
        session.add_all(
            [
                # ends on 2025-03-01: counts on Feb 28, not on Mar 1 (end is exclusive)
                Subscription(
                    id="S1",
                    account_id="A1",
                    start_date=date(2025, 1, 1),
                    end_date=date(2025, 3, 1),
                    arr_cents=100_000_00,
                ),
                # open-ended from Feb 1
                Subscription(
                    id="S2", account_id="A1", start_date=date(2025, 2, 1), arr_cents=50_000_00
                ),
                # starts on Mar 1 (start is inclusive)
                Subscription(
                    id="S3", account_id="A2", start_date=date(2025, 3, 1), arr_cents=20_000_00
                ),
                # starts later
                Subscription(
                    id="S4", account_id="A2", start_date=date(2025, 3, 2), arr_cents=7_000_00
                ),
            ]
        )
    return engine


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (date(2024, 12, 31), 0),
        (date(2025, 1, 1), 100_000_00),
        (date(2025, 2, 28), 100_000_00 + 50_000_00),
        (date(2025, 3, 1), 50_000_00 + 20_000_00),
        (date(2030, 1, 1), 50_000_00 + 20_000_00 + 7_000_00),
    ],
)
def test_arr_total_counts_subscriptions_active_on_the_day(subscriptions, as_of, expected):
    assert kpi.arr_total(subscriptions, as_of) == expected


def test_account_count(engine):
    add_accounts(engine, "A1", "A2", "A3")
    assert kpi.account_count(engine) == 3


def test_renewals_due_arr_sums_open_renewals_with_both_window_edges_included(engine):
    add_accounts(engine, "A1")
    start, end = date(2025, 4, 1), date(2025, 6, 29)
    rows = [
        ("R1", start, None, 10_000_00),  # first day: in
        ("R2", end, None, 2_000_00),  # last day: in
        ("R3", date(2025, 5, 1), "won", 40_000_00),  # closed: out
        ("R4", date(2025, 5, 1), "lost", 80_000_00),  # closed: out
        ("R5", start - timedelta(days=1), None, 300_00),  # before: out
        ("R6", end + timedelta(days=1), None, 500_00),  # after: out
    ]
    with transaction(engine) as session:
        session.add_all(
            Renewal(
                id=renewal_id,
                account_id="A1",
                renewal_date=due,
                outcome=outcome,
                current_arr_cents=arr,
                renewed_arr_cents=arr if outcome == "won" else None,
            )
            for renewal_id, due, outcome, arr in rows
        )
    assert kpi.renewals_due_arr(engine, start, end) == 12_000_00


# --- support ------------------------------------------------------------------------------


def test_backlog_open_counts_tickets_open_at_the_instant(engine):
    as_of = at("2025-03-10 12:00")
    second = timedelta(seconds=1)
    add_tickets(
        engine,
        (at("2025-03-01 09:00"), None),  # open: counts
        (at("2025-03-01 09:00"), as_of),  # resolved exactly at as_of: closed
        (at("2025-03-01 09:00"), as_of + second),  # resolved just after: counts
        (as_of, None),  # created exactly at as_of: counts
        (as_of + second, None),  # created after: not yet
        (at("2025-03-01 09:00"), at("2025-03-05 10:00")),  # resolved before: closed
    )
    values = kpi.compute_kpis(
        engine, start=as_of.date(), end=as_of.date(), as_of=as_of, keys=["backlog_open"]
    )
    assert values == {"backlog_open": 3}


def test_tickets_created_per_day_uses_utc_days_and_fills_empty_days(engine):
    add_tickets(
        engine,
        (at("2025-02-28 23:59:59.999999"), None),  # the day before: out
        (at("2025-03-01 00:00"), None),  # first instant: Mar 1
        (datetime(2025, 3, 2, 8, 0, tzinfo=timezone(timedelta(hours=9))), None),  # 23:00 UTC Mar 1
        (at("2025-03-03 23:59:59.999999"), None),  # last instant: Mar 3
        (at("2025-03-04 00:00"), None),  # the day after: out
    )
    start, end = date(2025, 3, 1), date(2025, 3, 3)

    frame = kpi.series_frame(engine, ["tickets_created"], start=start, end=end)

    assert list(frame.columns) == ["period_start", "period_end", "tickets_created"]
    assert [d.date() for d in frame["period_start"]] == [start, date(2025, 3, 2), end]
    assert frame["tickets_created"].tolist() == [2, 0, 1]
    total = kpi.compute_kpis(engine, start=start, end=end, keys=["tickets_created"])
    assert total == {"tickets_created": 3}


def test_a_window_that_ends_before_it_starts_is_refused(engine):
    with pytest.raises(ValueError, match="before it starts"):
        kpi.compute_kpis(engine, start=date(2025, 3, 2), end=date(2025, 3, 1))


# --- surveys ------------------------------------------------------------------------------


def test_csat_share_average_and_count_over_the_window(engine):
    start, end = date(2025, 3, 1), date(2025, 3, 31)
    add_surveys(
        engine,
        "csat",
        (5, at("2025-03-01 00:00")),
        (4, at("2025-03-15 12:00")),
        (3, at("2025-03-20 12:00")),
        (1, at("2025-03-31 23:59:59")),
        (5, at("2025-04-01 00:00")),  # after the window
    )
    add_surveys(engine, "ces", (7, at("2025-03-10 12:00")))  # another survey type

    result = kpi.compute_kpis(engine, start=start, end=end)

    assert result["csat_responses"] == 4
    assert result["csat"] == pytest.approx(2 / 4)
    assert result["csat_avg"] == pytest.approx((5 + 4 + 3 + 1) / 4)
    assert result["ces_avg"] == 7


def test_nps_is_promoters_minus_detractors_per_hundred_responses(engine):
    start, end = date(2025, 3, 1), date(2025, 3, 31)
    add_surveys(
        engine,
        "nps",
        (10, at("2025-03-02 10:00")),  # promoter
        (9, at("2025-03-03 10:00")),  # promoter
        (9, at("2025-03-04 10:00")),  # promoter
        (7, at("2025-03-05 10:00")),  # passive
        (6, at("2025-03-06 10:00")),  # detractor
        (0, at("2025-02-28 10:00")),  # before the window
    )

    result = kpi.compute_kpis(engine, start=start, end=end)

    assert result["nps_responses"] == 5
    assert result["nps"] == pytest.approx(100 * (3 - 1) / 5)


# --- empty database and the overview ------------------------------------------------------


def test_an_empty_database_gives_zeros_and_no_ratios(engine):
    start, end = date(2025, 3, 1), date(2025, 3, 30)
    assert kpi.account_count(engine) == 0
    assert kpi.arr_total(engine, end) == 0
    assert kpi.renewals_due_arr(engine, start, end) == 0
    values = kpi.compute_kpis(engine, start=start, end=end)
    assert {key: value for key, value in values.items() if value is not None} == {
        key: 0 for key, spec in kpi.KPIS.items() if spec.unit in ("count", "cents")
    }

    summary = kpi.overview(engine, as_of=at("2025-03-30 12:00"))
    assert not summary.has_data


def test_overview_windows_and_figures(engine):
    as_of = at("2025-03-30 12:00")
    add_accounts(engine, "A1")
    with transaction(engine) as session:
        session.add(
            Subscription(id="S1", account_id="A1", start_date=date(2025, 1, 1), arr_cents=12_00)
        )
        session.add(
            Renewal(
                id="R1",
                account_id="A1",
                renewal_date=date(2025, 6, 27),  # the 90th day from Mar 30
                current_arr_cents=12_00,
            )
        )
    add_tickets(
        engine,
        (at("2025-03-01 00:00"), at("2025-03-02 00:00")),  # first day of the 30: in, resolved
        (at("2025-02-28 23:00"), None),  # before the 30 days, still open
        (at("2025-03-30 08:00"), None),  # today, open
    )
    add_surveys(engine, "csat", (5, at("2025-03-29 10:00")))
    add_surveys(engine, "nps", (3, at("2025-03-29 10:00")))

    summary = kpi.overview(engine, as_of=as_of)

    assert summary.recent == (date(2025, 3, 1), date(2025, 3, 30))
    assert summary.upcoming == (date(2025, 3, 30), date(2025, 6, 27))
    assert summary.accounts == 1
    assert summary.arr_cents == 12_00
    assert summary.changes["backlog_open"].current == 2
    assert summary.changes["tickets_created"][:3] == (2, 1, 1)  # Jan 30 – Feb 28: one ticket
    # the tickets begin on Feb 28, inside the window before (Jan 30 – Feb 28)
    assert not summary.changes["tickets_created"].comparable
    assert summary.changes["csat"].current == 1.0
    assert summary.changes["nps"].current == -100.0
    assert summary.renewals_due_arr_cents == 12_00
    assert list(summary.series["tickets_created"]["value"]) == [1] + [0] * 28 + [1]
    assert summary.has_data
