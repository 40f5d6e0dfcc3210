"""The KPI filter bar: parsing links (pure functions) and the widget through a page."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from cs_data.kpi import KpiFilter
from cs_data.kpi.choices import FilterChoices
from ui.filters import (
    FilterState,
    carried,
    checked_range,
    grain_for,
    other_presets,
    parse_state,
    preset_window,
    resolve,
    share,
    state_params,
)

TODAY = date(2025, 5, 20)
CHOICES = FilterChoices(
    segments=["enterprise", "smb"], regions=["na"], channels=["chat", "email"], csms=[(7, "Cara")]
)


def test_presets_end_today():
    assert preset_window("7d", TODAY) == (date(2025, 5, 14), TODAY)
    assert preset_window("30d", TODAY) == (date(2025, 4, 21), TODAY)
    assert preset_window("90d", TODAY) == (date(2025, 2, 20), TODAY)
    assert preset_window("qtd", TODAY) == (date(2025, 4, 1), TODAY)
    assert preset_window("qtd", date(2025, 12, 31)) == (date(2025, 10, 1), date(2025, 12, 31))


@pytest.mark.parametrize(
    ("days", "grain"), [(1, "day"), (31, "day"), (32, "week"), (120, "week"), (121, "month")]
)
def test_grain_suits_the_length(days, grain):
    assert grain_for(days) == grain


def test_a_full_link_is_read_back():
    params = {
        "period": "custom",
        "from": "2025-03-01",
        "to": "2025-03-31",
        "segment": "smb",
        "region": "na",
        "csm": "7",
        "priority": "urgent",
        "channel": "chat",
        "lang": "ko",
    }
    state = parse_state(params, TODAY, CHOICES)
    assert state == FilterState(
        preset="custom",
        start=date(2025, 3, 1),
        end=date(2025, 3, 31),
        segment="smb",
        region="na",
        csm_id=7,
        priority="urgent",
        channel="chat",
    )
    assert state_params(state) == {k: v for k, v in params.items() if k != "lang"}


@pytest.mark.parametrize(
    "params",
    [
        {"period": "custom", "from": "2025-03-31", "to": "2025-03-01"},  # reversed
        {"period": "custom", "from": "2025-03-01"},  # half a range
        {"period": "custom", "from": "2025-13-01", "to": "2025-03-01"},  # not a date
        {"period": "custom", "from": "2025-05-01", "to": "2025-06-01"},  # in the future
        {"period": "year"},  # unknown preset
        {"segment": "<b>", "region": "mars", "csm": "x7", "priority": "asap", "channel": "fax"},
        {"csm": "8"},  # not a CSM
    ],
)
def test_bad_values_fall_back_to_defaults(params):
    assert parse_state(params, TODAY, CHOICES) == FilterState()


def test_defaults_make_an_empty_link_and_hidden_filters_are_left_out():
    assert state_params(FilterState()) == {}
    state = FilterState(preset="qtd", priority="high", segment="smb")
    assert state_params(state, show=("period", "segment")) == {"period": "qtd", "segment": "smb"}


def test_resolve_gives_window_grain_filter_and_as_of():
    now = datetime(2025, 5, 20, 15, 42, 17, tzinfo=UTC)
    state = FilterState(preset="90d", segment="smb", priority="high")
    chosen = resolve(state, now, show=("period", "segment"))
    assert (chosen.start, chosen.end, chosen.grain) == (date(2025, 2, 20), TODAY, "week")
    assert chosen.kpi_filter == KpiFilter(segment="smb"), "priority is not shown here"
    assert chosen.as_of == now, "the moment asked for, as it is (a cache moment)"

    past = resolve(FilterState("custom", date(2025, 1, 1), date(2025, 1, 31)), now)
    assert past.as_of == datetime(2025, 2, 1, tzinfo=UTC)
    assert (past.days, past.grain) == (31, "day")


def test_the_other_presets_are_what_the_bar_returns_for_them_with_the_same_choices():
    now = datetime(2025, 5, 20, 15, 42, 17, tzinfo=UTC)
    shown = ("period", "segment", "region")
    state = FilterState(preset="30d", segment="smb", region="na", priority="high")
    chosen = resolve(state, now, show=shown)
    others = other_presets(chosen, now)
    assert [f.preset for f in others] == ["7d", "90d", "qtd"]
    assert others == [
        resolve(replace(state, preset=p), now, show=shown) for p in ("7d", "90d", "qtd")
    ]

    custom = resolve(FilterState("custom", date(2025, 1, 1), date(2025, 1, 31)), now)
    assert [f.preset for f in other_presets(custom, now)] == ["7d", "30d", "90d", "qtd"]


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ((date(2025, 5, 1), date(2025, 5, 10)), ((date(2025, 5, 1), date(2025, 5, 10)), "")),
        ((date(2025, 5, 10), date(2025, 5, 1)), ((date(2025, 5, 1), date(2025, 5, 10)), "")),
        ((date(2025, 5, 1), date(2025, 6, 30)), ((date(2025, 5, 1), TODAY), "clipped")),
        ((date(2025, 6, 1), date(2025, 6, 30)), (None, "future")),
        ((date(2025, 5, 1),), (None, "incomplete")),
        ((date(2025, 5, 1), None), (None, "incomplete")),
    ],
)
def test_a_range_is_taken_clipped_to_today_or_refused_with_a_note(days, expected):
    assert checked_range(days, TODAY) == expected


CARRIED = FilterState(
    preset="custom", start=date(2025, 3, 1), end=date(2025, 3, 31), segment="smb", csm_id=7
)


def test_a_page_without_filters_in_its_link_opens_with_the_carried_ones():
    assert carried(FilterState(), {}, CARRIED) == CARRIED
    assert carried(FilterState(priority="high"), {"priority": "high"}, CARRIED) == replace(
        CARRIED, priority="high"
    )
    assert carried(FilterState(), {}, None) == FilterState()


def test_filters_named_in_the_link_win_over_the_carried_ones():
    linked = FilterState(preset="7d", segment="enterprise")
    opened = carried(linked, {"period": "7d", "segment": "enterprise"}, CARRIED)
    assert opened == FilterState(preset="7d", segment="enterprise", csm_id=7)


def test_a_page_shares_the_filters_it_shows_and_keeps_the_others():
    state = FilterState(preset="90d", segment="enterprise", priority="urgent")
    assert share(CARRIED, state, ("period", "segment")) == replace(
        CARRIED, preset="90d", start=None, end=None, segment="enterprise"
    )
    assert share(None, state, ("period",)) == FilterState(preset="90d")
