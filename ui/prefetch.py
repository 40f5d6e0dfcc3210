"""Figures computed in the background before anyone asks: the filter bar's other periods,
once a page has drawn its own, so that a first change of the period finds its figures in the
cache; and the views people look at, again at the start of each ``as_of`` bucket, so that the
first visit of a new bucket finds them computed at its moment.

A KPI page hands ``other_periods`` the function that loads its figures through its cached
loaders; the Overview hands ``keep_warm`` its own. One worker thread per process runs those
loads, each (page, data key, filters) once; a page's newer view replaces the loads still
waiting for its older one. The loaders' caches hold the results, and a run that asks for
figures the worker is computing waits for that computation (Streamlit's lock per cache entry)
instead of starting it again. The worker runs at a lower CPU priority than page runs (on
Linux a thread has its own nice value), so a person waiting for a page goes first.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from cs_data import data_versions
from cs_data.config import get_settings
from cs_data.data_versions import KPI_TABLES, bucket_start
from cs_data.models import utc_now
from ui.filters import Filters, other_presets, same_view_at
from ui.page_data import CACHE_MAX_ENTRIES, DataKey, PageData, page_data

NICENESS = 10
"""How much nicer than the process the worker is: it yields the CPU to page runs and to
the browser on the same machine, yet is not starved while it holds Python's lock that page
runs need too."""
LOWEST_PRIORITY = 19
"""The highest nice value Linux knows."""
KEEP_WARM_FOR = timedelta(hours=10)
"""How long after its last visit a view is computed again at each new bucket (a working
day: the landing page stays warm from the morning's first visit to the evening's)."""
BUCKET_SLACK_SECONDS = 1.0
"""How long after a bucket starts its views are computed (clocks of replicas differ)."""
log = logging.getLogger(__name__)

Load = Callable[[DataKey, Filters], object]
"""A page's figures for a data key and filters, through its cached loaders."""
LoadAt = Callable[[PageData], object]
"""A page's view at a data key and moment, through its cached loaders."""

Key = tuple[str, Hashable, Hashable]
"""A background load: the page, its data key and what it loads (filters, a moment)."""
Job = tuple[Key, Callable[[], object]]


@dataclass
class _Worker:
    """Loads waiting (the next one last), the keys asked for (oldest first, at most
    ``CACHE_MAX_ENTRIES``: the loaders' caches keep no more) and the thread."""

    condition: threading.Condition = field(default_factory=threading.Condition)
    waiting: list[Job] = field(default_factory=list)
    asked: OrderedDict[Key, None] = field(default_factory=OrderedDict)
    busy: bool = False
    thread: threading.Thread | None = None

    def add(self, page: str, jobs: list[Job]) -> None:
        """Queue ``jobs`` (first one first) for ``page`` in place of its jobs still waiting."""
        with self.condition:
            for key, _ in self.waiting:
                if key[0] == page:
                    self.asked.pop(key, None)
            self.waiting = [(key, job) for key, job in self.waiting if key[0] != page]
            for key, job in reversed(jobs):
                if key not in self.asked:
                    self.asked[key] = None
                    self.waiting.append((key, job))
            while len(self.asked) > CACHE_MAX_ENTRIES:
                self.asked.popitem(last=False)
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="prefetch", daemon=True)
                self.thread.start()
            self.condition.notify_all()

    def _run(self) -> None:
        _lower_priority()
        while True:
            with self.condition:
                while not self.waiting:
                    self.condition.wait()
                key, job = self.waiting.pop()
                self.busy = True
            try:
                job()
            except Exception:
                log.exception("computing figures in the background failed")
                with self.condition:
                    self.asked.pop(key, None)  # a later page run may ask again
            finally:
                with self.condition:
                    self.busy = False
                    self.condition.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is waiting or running; False when ``timeout`` seconds passed."""
        with self.condition:
            return self.condition.wait_for(lambda: not self.waiting and not self.busy, timeout)


def _lower_priority() -> None:
    """Make the calling thread ``NICENESS`` nicer (Linux only: elsewhere nice is per process,
    and the page runs share the process)."""
    if sys.platform == "linux":
        thread = threading.get_native_id()
        nice = os.getpriority(os.PRIO_PROCESS, thread) + NICENESS
        os.setpriority(os.PRIO_PROCESS, thread, min(nice, LOWEST_PRIORITY))


_WORKER = _Worker()
"""The process's worker (this module is imported once per process; pages are re-run)."""


def other_periods(page: str, data: PageData, chosen: Filters, load: Load) -> None:
    """Have the worker call ``load`` with the filters of each other period preset of the bar
    (the same choices, at ``data``'s moment), longest window first: a miss there costs most;
    and keep ``chosen``'s view warm (``keep_warm``)."""
    others = sorted(other_presets(chosen, data.as_of), key=lambda f: f.days, reverse=True)
    _WORKER.add(page, [((page, data.key, f), partial(load, data.key, f)) for f in others])
    keep_warm(page, lambda fresh: load(fresh.key, same_view_at(chosen, fresh.as_of)))


@dataclass(frozen=True)
class _Kept:
    """A view kept warm: how to load it at a moment, and when it was last asked for."""

    load_at: LoadAt
    tables: tuple[str, ...]
    seen: datetime


_KEPT: dict[str, _Kept] = {}
_CLOCK: list[threading.Thread] = []
"""The process's bucket clock, once started."""
_CLOCK_LOCK = threading.Lock()


def keep_warm(page: str, load_at: LoadAt, tables: tuple[str, ...] = KPI_TABLES) -> None:
    """Have the worker compute ``page``'s view again (``load_at`` at the data key and moment of
    ``tables``) at the start of each ``as_of`` bucket in the next ``KEEP_WARM_FOR``: the page's
    entries are keyed by the bucket's moment, so the first visit of a bucket would otherwise
    compute it. The last view asked for per page is kept."""
    _KEPT[page] = _Kept(load_at, tables, utc_now())
    start_clock()


def start_clock() -> None:
    """Start the process's bucket clock (``_clock``) unless it runs."""
    with _CLOCK_LOCK:
        if not _CLOCK:
            _CLOCK[:] = [threading.Thread(target=_clock, name="bucket-clock", daemon=True)]
            _CLOCK[0].start()


def rewarm(now: datetime) -> list[str]:
    """Queue the views kept warm at ``now`` (seen within ``KEEP_WARM_FOR``), each at its
    tables' data key and moment when the job runs; the pages queued."""
    fresh = {page: kept for page, kept in list(_KEPT.items()) if now - kept.seen <= KEEP_WARM_FOR}
    for page in set(_KEPT) - set(fresh):
        _KEPT.pop(page, None)
    moment = (bucket_start(now), get_settings().database_url)
    for page, kept in fresh.items():
        job = partial(_load_now, kept)
        _WORKER.add(f"{page} (bucket)", [((f"{page} (bucket)", moment, kept.tables), job)])
    return list(fresh)


def _load_now(kept: _Kept) -> object:
    return kept.load_at(page_data(get_settings(), kept.tables))


def _clock() -> None:
    """At the start of each bucket (and ``BUCKET_SLACK_SECONDS``), ``rewarm``."""
    while True:
        now = utc_now()
        bucket = data_versions.AS_OF_BUCKET  # read each time: tests may lengthen it
        wait = bucket_start(now, bucket) + bucket - now
        time.sleep(max(wait.total_seconds(), 0) + BUCKET_SLACK_SECONDS)
        try:
            rewarm(utc_now())
        except Exception:
            log.exception("keeping the pages warm failed")


def forget() -> None:
    """Stop keeping views warm (tests, before their database goes)."""
    _KEPT.clear()


def wait_idle(timeout: float) -> bool:
    """Wait for the background loads asked so far (tests, before their database goes)."""
    return _WORKER.wait_idle(timeout)
