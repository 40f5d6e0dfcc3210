"""The background loads of a page's other periods (``ui.prefetch``), with stand-in loads."""

from __future__ import annotations

import logging
import os
import sys
import threading
from datetime import UTC, datetime

import pytest

from cs_data.kpi import KpiFilter
from ui import prefetch
from ui.filters import Filters, FilterState, resolve
from ui.page_data import DataKey, PageData

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

    def __call__(self, filters: Filters) -> None:
        self.asked.append((filters.preset, filters.kpi_filter))
        self.threads.add(threading.get_native_id())


@pytest.fixture(autouse=True)
def idle():
    yield
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

    def blocking(filters: Filters) -> None:
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

    def failing(filters: Filters) -> None:
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

    def load(filters: Filters) -> None:
        nice.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))

    prefetch.other_periods("nice", DATA, thirty_days(), load)
    assert prefetch.wait_idle(WAIT_SECONDS)
    here = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert set(nice) == {min(here + prefetch.NICENESS, prefetch.LOWEST_PRIORITY)}
