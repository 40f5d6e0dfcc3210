"""The chart helper's specs (no browser): what each chart asks Vega-Lite to draw."""

from __future__ import annotations

import pandas as pd
import pytest

from ui import charts

DAYS = pd.DataFrame({"day": pd.date_range("2026-11-01", periods=30), "n": range(30)})
TEAMS = pd.DataFrame({"team": ["A", "B"], "group": ["x", "x"], "n": [3, 4]})


@pytest.mark.parametrize(
    "spec",
    [
        lambda: charts.daily_bars(
            DAYS, day="day", value="n", title="T", subtitle="S", day_title="D", value_title="N"
        ),
        lambda: charts.category_bars(
            TEAMS, category="team", value="n", title="T", subtitle="S",
            category_title="C", value_title="N", color="group", color_title="G",
        ),
    ],
    ids=["daily_bars", "category_bars"],
)  # fmt: skip
def test_rounded_bars_are_not_stacked(spec):
    """One bar per day or category needs no stacking; stacked, Vega-Lite draws each rounded
    bar in a clipped group of its own (the Overview's 30 bars: 204 SVG groups and 30 clip
    paths instead of 24 groups)."""
    drawn = spec()
    assert drawn["mark"]["cornerRadiusTopLeft"] == 3
    assert drawn["encoding"]["y"]["stack"] is None
