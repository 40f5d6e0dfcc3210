"""Figures computed once and kept in the database: the JSON codec and the store."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select, update

from cs_data import accounts, demo, kpi, stored_views, targets
from cs_data.auth import operator
from cs_data.data_versions import stamp
from cs_data.models import StoredView
from cs_data.paging import Page
from cs_data.stored_views import decode, encode, fetch_or_compute

TODAY = date(2026, 5, 15)
AS_OF = datetime(2026, 5, 15, 9, 45, tzinfo=UTC)
TINY = demo.DemoScale("tiny", accounts=40, tickets=600, csms=2, agents=2, cards_per_board=5)


def round_trip(hint, value):
    return decode(hint, json.loads(json.dumps(encode(hint, value))))


@pytest.fixture
def demo_engine(engine):
    demo.generate(engine, operator(), scale=TINY, today=TODAY)
    return engine


def test_the_overview_targets_and_at_risk_accounts_come_back_equal(demo_engine):
    overview = kpi.overview(demo_engine, as_of=AS_OF)
    found = targets.list_targets(demo_engine, today=TODAY)
    progress = targets.target_progress(demo_engine, found, as_of=AS_OF)
    at_risk = accounts.at_risk(demo_engine, page_size=5, today=TODAY)

    back = round_trip(kpi.Overview, overview)
    assert back.changes == overview.changes
    assert (back.as_of, back.recent, back.upcoming) == (
        overview.as_of,
        overview.recent,
        overview.upcoming,
    )
    assert back.series.keys() == overview.series.keys()
    for name, frame in overview.series.items():
        pd.testing.assert_frame_equal(back.series[name], frame)
    assert progress and round_trip(list[targets.Progress], progress) == progress
    assert at_risk.rows and round_trip(Page[accounts.AtRiskRow], at_risk) == at_risk


def test_frames_keep_their_dtypes_missing_values_and_empty_columns():
    frame = pd.DataFrame(
        {
            "day": pd.to_datetime(["2026-05-01", None]).astype("datetime64[s]"),
            "value": [1.5, float("nan")],
            "count": np.array([3, 4], dtype="int64"),
            "n": pd.Series([None, 7], dtype=object),
        }
    )

    pd.testing.assert_frame_equal(round_trip(pd.DataFrame, frame), frame)
    pd.testing.assert_frame_equal(round_trip(pd.DataFrame, frame.iloc[:0]), frame.iloc[:0])


@pytest.mark.parametrize(
    ("hint", "value"),
    [
        (pd.DataFrame, pd.DataFrame({"x": [1]}, index=[5])),
        (pd.DataFrame, pd.DataFrame({"x": [TODAY]})),
        (pd.DataFrame, pd.DataFrame({1: [1]})),
        (object, object()),
        (dict[int, str], {1: "a"}),
        (int | str, 1),
    ],
)
def test_what_json_cannot_hold_faithfully_is_refused(hint, value):
    with pytest.raises(TypeError):
        encode(hint, value)


def test_a_date_where_any_value_may_stand_is_refused():
    """An ``Any`` field keeps only JSON scalars: a date there would come back as a string."""
    with pytest.raises(TypeError):
        encode(targets.Progress, _progress(value=date(2026, 5, 1)))
    assert round_trip(targets.Progress, _progress(value=np.float64(0.5))).value == 0.5


def _progress(value) -> targets.Progress:
    target = targets.Target(1, "csat", "CSAT", 0.9, "at_least", None, TODAY, TODAY, None, 1)
    return targets.Progress(target, None, value, "met", None, 1.0, 0)


class Counter:
    def __init__(self, value):
        self.value, self.calls = value, 0

    def __call__(self):
        self.calls += 1
        return self.value


def stored_rows(engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(StoredView))


def test_a_view_is_computed_once_for_every_process_until_its_key_changes(engine):
    compute = Counter([date(2026, 5, 1), date(2026, 5, 2)])
    first = fetch_or_compute(engine, "days", list[date], (1, AS_OF), compute)
    again = fetch_or_compute(engine, "days", list[date], (1, AS_OF), compute)
    assert first == again == compute.value
    assert compute.calls == 1

    fetch_or_compute(engine, "days", list[date], (2, AS_OF), compute)
    fetch_or_compute(engine, "days", list[date], (1, AS_OF + timedelta(minutes=15)), compute)
    fetch_or_compute(engine, "other", list[date], (1, AS_OF), compute)
    assert compute.calls == 4
    assert stored_rows(engine) == 4


def test_storing_a_view_changes_no_data_version(engine):
    before = stamp(engine)
    fetch_or_compute(engine, "days", list[date], (1, AS_OF), Counter([TODAY]))

    assert stamp(engine) == before


def test_other_code_computes_again(engine, monkeypatch):
    compute = Counter([TODAY])
    fetch_or_compute(engine, "days", list[date], (1, AS_OF), compute)
    monkeypatch.setattr(stored_views, "code_version", lambda: "another release")
    fetch_or_compute(engine, "days", list[date], (1, AS_OF), compute)

    assert compute.calls == 2


def test_a_stored_view_that_no_longer_decodes_is_computed_again(engine):
    compute = Counter([TODAY])
    fetch_or_compute(engine, "days", list[date], (1, AS_OF), compute)
    with engine.begin() as connection:
        connection.execute(update(StoredView).values(payload='["not a date"]'))

    assert fetch_or_compute(engine, "days", list[date], (1, AS_OF), compute) == [TODAY]
    assert compute.calls == 2


def test_a_view_json_cannot_hold_is_returned_and_not_stored(engine):
    frame = pd.DataFrame({"x": [1]}, index=[5])
    value = fetch_or_compute(engine, "frame", pd.DataFrame, (1,), Counter(frame))

    assert value is frame
    assert stored_rows(engine) == 0


def test_views_older_than_a_day_go_as_new_ones_are_stored(engine):
    fetch_or_compute(engine, "days", list[date], (1, AS_OF), Counter([TODAY]))
    with engine.begin() as connection:
        connection.execute(
            update(StoredView).values(computed_at=datetime.now(UTC) - timedelta(days=1, hours=1))
        )
    fetch_or_compute(engine, "days", list[date], (2, AS_OF), Counter([TODAY]))

    assert stored_rows(engine) == 1


def test_a_database_that_cannot_store_still_gives_the_figures(engine):
    StoredView.__table__.drop(engine)

    assert fetch_or_compute(engine, "days", list[date], (1,), Counter([TODAY])) == [TODAY]
