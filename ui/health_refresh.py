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

    def check(self) -> None:
        now = time.monotonic()
        with self.lock:
            if now - self.checked_at < CHECK_EVERY_SECONDS or (
                self.running is not None and self.running.is_alive()
            ):
                return
            self.checked_at = now
            engine = get_engine()
            today = datetime.now(UTC).date()
            if health.has_run(engine, today):
                return
            self.running = threading.Thread(
                target=self._compute, args=(engine, today), name="health-today", daemon=True
            )
            self.running.start()

    @staticmethod
    def _compute(engine, today) -> None:
        try:
            health.ensure_snapshots(engine, today)  # its commit changes the data versions
        except Exception:
            log.exception("computing today's health snapshots failed")


@st.cache_resource
def _refresher() -> _Refresher:
    return _Refresher()


def ensure_today() -> None:
    """Start computing today's health snapshots if no run is recorded for today."""
    try:
        _refresher().check()
    except Exception:
        log.exception("checking today's health snapshots failed")
