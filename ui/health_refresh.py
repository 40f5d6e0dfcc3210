"""Today's health snapshots, computed in the background when the app finds them missing.

Each app process checks at most once a minute (one indexed read); when today has no recorded
run it starts one background thread. Across replicas, ``cs_data.health.ensure_snapshots``
lets exactly one of them compute the day.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime

import streamlit as st

from cs_data import health
from cs_data.db import get_engine

CHECK_EVERY_SECONDS = 60.0
log = logging.getLogger(__name__)


class _Refresher:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.checked_at = 0.0
        self.running: threading.Thread | None = None

    def check(self) -> threading.Thread | None:
        """The computing thread, started now or still running; None when nothing runs."""
        now = time.monotonic()
        with self.lock:
            if self.running is not None and self.running.is_alive():
                return self.running
            if now - self.checked_at < CHECK_EVERY_SECONDS:
                return None
            self.checked_at = now
            engine = get_engine()
            today = datetime.now(UTC).date()
            if health.has_run(engine, today):
                return None
            self.running = threading.Thread(
                target=self._compute, args=(engine, today), name="health-today", daemon=True
            )
            self.running.start()
            return self.running

    @staticmethod
    def _compute(engine, today) -> None:
        try:
            health.ensure_snapshots(engine, today)  # its commit changes the data versions
        except Exception:
            log.exception("computing today's health snapshots failed")


@st.cache_resource(show_spinner=False)
def _refresher() -> _Refresher:
    return _Refresher()


def ensure_today(*, wait: bool = False) -> None:
    """Start computing today's health snapshots if no run is recorded for today; with
    ``wait``, return once they are stored (the server's warm-up: their commit changes the
    data version the pages' caches are keyed by)."""
    try:
        running = _refresher().check()
    except Exception:
        log.exception("checking today's health snapshots failed")
        return
    if wait and running is not None:
        running.join()
