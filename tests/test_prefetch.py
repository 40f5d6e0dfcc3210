"""The background loads of a page's other periods (``ui.prefetch``), with stand-in loads."""

from __future__ import annotations

import logging
import os
import sys
import threading
from datetime import UTC, date, datetime, timedelta

import pytest

from cs_data.config import get_settings
from cs_data.data_versions import KPI_TABLES
from cs_data.kpi import KpiFilter
from cs_data.models import utc_now
from ui import prefetch
from ui.filters import Filters, FilterState, resolve, same_view_at
from ui.page_data import DataKey, PageData, page_data

NOW = datetime(2025, 5, 20, 15, 42, tzinfo=UTC)
DATA = PageData(DataKey("sqlite://", 1), NOW)
WAIT_SECONDS = 10


def thirty_days(**choices: str) -> Filters:
    return resolve(FilterState(**choices), NOW)


class Recorder:
    """A page's load: notes what it was asked for (and on which thread)."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, KpiFilter]] = []
        self.threads: set[int] = set()

    def __call__(self, key: DataKey, filters: Filters) -> None:
        self.asked.append((filters.preset, filters.kpi_filter))
        self.threads.add(threading.get_native_id())


@pytest.fixture(autouse=True)
def idle():
    yield
    prefetch.forget()
    assert prefetch.wait_idle(WAIT_SECONDS)


def test_the_other_presets_are_loaded_once_longest_first():
    load = Recorder()
    prefetch.other_periods("page", DATA, thirty_days(), load)
    assert prefetch.wait_idle(WAIT_SECONDS)
    assert [preset for preset, _ in load.asked] == ["90d", "qtd", "7d"], "qtd: 50 days"
    assert threading.get_native_id() not in load.threads

    prefetch.other_periods("page", DATA, thirty_days(), load)
    assert prefetch.wait_idle(WAIT_SECONDS)
    assert len(load.asked) == 3, "already loaded for this data key"
    prefetch.other_periods("page", PageData(DataKey("sqlite://", 2), NOW), thirty_days(), load)
    assert prefetch.wait_idle(WAIT_SECONDS)
    assert len(load.asked) == 6, "the data changed"


def test_a_newer_view_of_a_page_replaces_its_loads_still_waiting():
    running, release = threading.Event(), threading.Event()

    def blocking(key: DataKey, filters: Filters) -> None:
        running.set()
        release.wait(WAIT_SECONDS)

    prefetch.other_periods("busy", DATA, thirty_days(), blocking)
    assert running.wait(WAIT_SECONDS)
    load = Recorder()
    prefetch.other_periods("page", DATA, thirty_days(segment="smb"), load)
    prefetch.other_periods("page", DATA, thirty_days(segment="enterprise"), load)
    release.set()
    assert prefetch.wait_idle(WAIT_SECONDS)
    assert {where for _, where in load.asked} == {KpiFilter(segment="enterprise")}
    prefetch.other_periods("page", DATA, thirty_days(segment="smb"), load)
    assert prefetch.wait_idle(WAIT_SECONDS)
    assert {where.segment for _, where in load.asked} == {"enterprise", "smb"}, "asked again"


def test_a_failed_load_is_logged_and_tried_again_when_asked_again(caplog):
    calls: list[str] = []

    def failing(key: DataKey, filters: Filters) -> None:
        calls.append(filters.preset)
        raise RuntimeError("database down")

    with caplog.at_level(logging.ERROR, logger=prefetch.__name__):
        prefetch.other_periods("failing", DATA, thirty_days(), failing)
        assert prefetch.wait_idle(WAIT_SECONDS)
        prefetch.other_periods("failing", DATA, thirty_days(), failing)
        assert prefetch.wait_idle(WAIT_SECONDS)
    assert calls == ["90d", "qtd", "7d"] * 2
    assert "computing figures in the background failed" in caplog.text


@pytest.mark.skipif(sys.platform != "linux", reason="a thread's own nice value is Linux's")
def test_the_worker_runs_nicer_than_the_page_runs():
    nice: list[int] = []

    def load(key: DataKey, filters: Filters) -> None:
        nice.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))

    prefetch.other_periods("nice", DATA, thirty_days(), load)
    assert prefetch.wait_idle(WAIT_SECONDS)
    here = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert set(nice) == {min(here + prefetch.NICENESS, prefetch.LOWEST_PRIORITY)}


def test_the_views_looked_at_are_loaded_again_once_at_each_new_bucket(engine, configured_db):
    overview: list[PageData] = []
    support = Recorder()
    prefetch.keep_warm("overview", overview.append)
    prefetch.other_periods("support", DATA, thirty_days(segment="smb"), support)
    assert prefetch.wait_idle(WAIT_SECONDS)
    support.asked.clear()

    now = utc_now()
    assert sorted(prefetch.rewarm(now)) == ["overview", "support"]
    assert prefetch.wait_idle(WAIT_SECONDS)
    fresh = page_data(get_settings(), KPI_TABLES)
    assert overview == [fresh], "at the data key and moment of the bucket"
    assert support.asked == [("30d", KpiFilter(segment="smb"))], "the same view"
    assert threading.get_native_id() not in support.threads

    prefetch.rewarm(now)
    assert prefetch.wait_idle(WAIT_SECONDS)
    assert len(overview) == 1, "once per bucket"
    later = now + prefetch.KEEP_WARM_FOR + timedelta(minutes=1)
    assert prefetch.rewarm(later) == [], "nobody looked at them since"


def test_a_view_is_the_same_at_a_later_moment():
    custom = resolve(
        FilterState(preset="custom", start=date(2025, 4, 1), end=date(2025, 4, 30), region="emea"),
        NOW,
    )
    later = NOW + timedelta(days=1)
    assert same_view_at(custom, later) == custom, "its days are over: as of their end"
    moved = same_view_at(thirty_days(segment="smb"), later)
    assert (moved.start, moved.end, moved.as_of) == (date(2025, 4, 22), date(2025, 5, 21), later)
    assert moved.kpi_filter == KpiFilter(segment="smb")
