"""Sparse data does not mislead: the count behind each trend point, the grain chosen from the
data's density, retention trends over trailing-year cohorts, and comparisons with a period
that has too little data. Right answers worked out here."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest

from cs_data import kpi
from cs_data.db import transaction
from cs_data.kpi import density
from cs_data.models import Account, Subscription, SurveyResponse, Ticket


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_a_trend_is_only_as_fine_as_its_responses_allow():
    november = (date(2026, 11, 2), date(2026, 11, 29))  # 28 days: four whole weeks
    # counts stand on nothing: the window's length decides
    assert kpi.trend_grain("tickets_created", *november, 0) == "day"
    # 20 NPS responses a point: 28 days need 560 for days, 80 for weeks, else months
    assert kpi.trend_grain("nps", *november, 560) == "day"
    assert kpi.trend_grain("nps", *november, 559) == "week"
    assert kpi.trend_grain("nps", *november, 80) == "week"
    assert kpi.trend_grain("nps", *november, 79) == "month"
    assert kpi.trend_grain("nps", *november, None) == "month"
    # median times need 10 answered tickets a point
    assert kpi.trend_grain("frt_median_min", *november, 280) == "day"
    # a long window never goes finer than its length allows
    two_years = (date(2024, 12, 1), date(2026, 11, 30))
    assert kpi.trend_grain("nps", *two_years, 10**6) == "month"
    assert kpi.length_grain(31) == "day" and kpi.length_grain(32) == "week"


def test_retention_trend_points_are_month_ends_of_at_least_a_year():
    days = density.retention_trend_days(date(2026, 11, 1), date(2026, 11, 20))
    assert days[0] == date(2025, 11, 30) and days[-2:] == [date(2026, 10, 31), date(2026, 11, 20)]
    assert len(days) == 13, "12 month ends and the window's last day"
    two_years = density.retention_trend_days(date(2024, 12, 1), date(2026, 11, 30))
    assert two_years[0] == date(2024, 12, 31) and two_years[-1] == date(2026, 11, 30)
    assert len(two_years) == 24
    assert density.trend_window(date(2026, 11, 30)) == (date(2025, 12, 1), date(2026, 11, 30))


@pytest.mark.parametrize("end", [date(2026, 11, 20), date(2026, 11, 30), date(2024, 2, 29)])
@pytest.mark.parametrize("days", [1, 7, 30, 90, 400, 800])
def test_a_retention_trend_from_its_first_point_to_its_last_has_the_same_points(end, days):
    """What lets the Retention page cache the trend by its points (``load_retention_trend``)."""
    points = density.retention_trend_days(end - timedelta(days=days - 1), end)
    assert density.retention_trend_days(points[0], points[-1]) == points


def test_series_points_carry_the_count_behind_them(engine):
    with transaction(engine) as session:
        session.add_all(
            SurveyResponse(id=f"N{n}", survey_type="nps", score=score, responded_at=when)
            for n, (score, when) in enumerate(
                [
                    (10, at("2025-03-03 10:00")),
                    (0, at("2025-03-03 11:00")),
                    (9, at("2025-03-05 09:00")),
                ]
            )
        )
    frame = kpi.series_frame(
        engine, ["nps", "tickets_created"], start=date(2025, 3, 3), end=date(2025, 3, 5)
    )
    assert frame["nps_n"].tolist() == [2, 0, 1]
    assert frame["nps"].tolist()[::2] == [0.0, 100.0]
    assert "tickets_created_n" not in frame, "a count stands on nothing"


@pytest.fixture
def churning_accounts(engine):
    """Thirty accounts over two years, some leaving, some growing, at random days."""
    rng = random.Random(11)
    with transaction(engine) as session:
        session.add_all(Account(id=f"A{n}", name=f"Account {n}") for n in range(30))
        session.flush()
        for n in range(30):
            start = date(2024, 1, 1) + timedelta(days=rng.randrange(300))
            ends = rng.random() < 0.4
            session.add(
                Subscription(
                    id=f"S{n}",
                    account_id=f"A{n}",
                    start_date=start,
                    end_date=start + timedelta(days=rng.randrange(200, 500)) if ends else None,
                    arr_cents=rng.randrange(1_000, 9_000) * 100,
                )
            )
            if rng.random() < 0.3:
                session.add(
                    Subscription(
                        id=f"U{n}",
                        account_id=f"A{n}",
                        start_date=start + timedelta(days=rng.randrange(100, 300)),
                        arr_cents=rng.randrange(500, 3_000) * 100,
                    )
                )


def test_the_retention_trend_is_the_trailing_year_at_each_month_end(engine, churning_accounts):
    frame = kpi.retention_trend(engine, start=date(2025, 9, 1), end=date(2025, 11, 15))

    assert [d.date() for d in frame["period_end"]][-3:] == [
        date(2025, 9, 30),
        date(2025, 10, 31),
        date(2025, 11, 15),
    ]
    assert len(frame) == 13
    for row in frame.itertuples():
        first, last = density.trend_window(row.period_end.date())
        assert row.period_start.date() == first
        expected = kpi.compute_kpis(
            engine, start=first, end=last, keys=["grr", "nrr", "logo_churn_rate"]
        )
        for key, value in expected.items():
            found = getattr(row, key)
            assert pd.isna(found) if value is None else found == pytest.approx(value), key
        cohort = kpi.compare_previous(engine, start=first, end=last, keys=["grr"])["grr"].n
        assert row.grr_n == cohort


def test_a_previous_period_before_the_data_begins_is_not_compared(engine):
    with transaction(engine) as session:
        session.add_all(
            Ticket(id=f"T{n}", created_at=at("2025-03-10 09:00") + timedelta(hours=n))
            for n in range(30)
        )
    # March against February: the tickets begin in March
    march = kpi.compare_previous(
        engine, start=date(2025, 3, 1), end=date(2025, 3, 31), keys=["tickets_created"]
    )
    assert march["tickets_created"][:3] == (30, 0, 30)
    assert not march["tickets_created"].comparable
    # a window whose previous one starts on the first ticket's day compares
    later = kpi.compare_previous(
        engine, start=date(2025, 3, 20), end=date(2025, 3, 29), keys=["tickets_created"]
    )
    assert later["tickets_created"].comparable


def test_a_previous_period_with_too_few_responses_is_not_compared(engine):
    with transaction(engine) as session:
        session.add_all(
            SurveyResponse(
                id=f"N{n}",
                survey_type="nps",
                score=10 if n % 2 else 3,
                responded_at=at("2025-01-02 10:00") + timedelta(days=n),
            )
            for n in range(80)
        )
    # Feb 20 – Mar 21 (30 responses) against Jan 21 – Feb 19 (30 responses): fine
    enough = kpi.compare_previous(
        engine, start=date(2025, 2, 20), end=date(2025, 3, 21), keys=["nps"]
    )["nps"]
    assert (enough.n, enough.previous_n, enough.comparable) == (30, 30, True)
    # Mar 16 – Mar 25 against Mar 6 – Mar 15: ten responses before, fewer than 20
    thin = kpi.compare_previous(
        engine, start=date(2025, 3, 16), end=date(2025, 3, 25), keys=["nps"]
    )["nps"]
    assert (thin.previous_n, thin.comparable) == (10, False)
    assert thin.delta is not None, "the figures themselves are kept"
