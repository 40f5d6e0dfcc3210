"""The filter bar's other periods, computed in the background once a page has drawn its own,
so that a first change of the period finds its figures in the cache.

A KPI page hands ``other_periods`` the function that loads its figures through its cached
loaders. One worker thread per process runs those loads for the other period presets, each
(page, data key, filters) once; a page's newer view replaces the loads still waiting for its
older one. The loaders' caches hold the results, and a run that asks for figures the worker is
computing waits for that computation (Streamlit's lock per cache entry) instead of starting
it again. The worker runs at a lower CPU priority than page runs (on Linux a thread has its
own nice value), so a person waiting for a page goes first.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from ui.filters import Filters, other_presets
from ui.page_data import CACHE_MAX_ENTRIES, DataKey, PageData

NICENESS = 10
"""How much nicer than the process the worker is: it yields the CPU to page runs and to
the browser on the same machine, yet is not starved while it holds Python's lock that page
runs need too."""
LOWEST_PRIORITY = 19
"""The highest nice value Linux knows."""
log = logging.getLogger(__name__)

Load = Callable[[Filters], object]


Key = tuple[str, DataKey, Filters]
"""A background load: the page, its data key and the filters."""
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
    (the same choices, at ``data``'s moment), longest window first: a miss there costs most."""
    others = sorted(other_presets(chosen, data.as_of), key=lambda f: f.days, reverse=True)
    _WORKER.add(page, [((page, data.key, f), _bind(load, f)) for f in others])


def _bind(load: Load, filters: Filters) -> Callable[[], object]:
    return lambda: load(filters)


def wait_idle(timeout: float) -> bool:
    """Wait for the background loads asked so far (tests, before their database goes)."""
    return _WORKER.wait_idle(timeout)
