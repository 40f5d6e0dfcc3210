"""The server's warm-up: before the first visitor, import what page runs need, prepare the
database and fill the landing page's caches, so that a fresh server answers its first visitor
about as fast as its hundredth.

``server.py`` runs ``lifespan``: it starts computing the Overview's retention trend in a thread
(``start_trend``, most of a fresh process's computation at scale L), imports every module page
runs import (``import_modules``) before the server answers, then starts the rest in a thread of
its own and serves at once.
The imports come first because two threads importing one package from different modules can
deadlock (Python then fails one of the imports): a first visit of the Renewals did while the
warm-up imported ``cs_data.kpi``, and so could two first visitors of different pages. They
take as long either way (bench/README.md), and a proxy's health check keeps visitors away
until they are done. A visitor who comes before the rest has ended waits for what it is
doing (a cache entry being computed: Streamlit computes an entry once) and does the rest.
Everything is read through the pages' own loaders with the pages' own keys (the data version
and ``as_of`` bucket of ``ui.page_data``), so an entry is exact and a write invalidates it
like any other. Once the landing page's figures are in, the warm-up yields to page runs:
between its steps it waits while one is under way (``page_run``), so a visitor of a fresh
server does not share Python's lock with figures of pages they did not open. A failure is
logged and the server goes on: the pages then compute on first visit, as they would without
a warm-up.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import threading
import time
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from typing import Any

from streamlit.logger import get_logger

import ui

log = get_logger(__name__)

DONE = "warm-up done"
SKIPPED = "warm-up skipped"
FAILED = "warm-up failed"
IMPORTED = "modules imported"
LANDING_LOADED = "the Overview's figures loaded"
ENDED = (DONE, SKIPPED, FAILED)
"""How the server's log says the warm-up has ended (``bench/page_ready.py`` waits for them)."""
SCRIPT_RUN_ONLY = frozenset({"ui.login_cookie"})
"""Modules left to the first script run: they declare components (Streamlit's components v1,
here the login library's cookie component), which Streamlit registers only when they are
declared in a script run; declared in the warm-up's thread, their frames would never load."""
FIRST_USE_IMPORTS = (
    # Streamlit's table of emojis, compiled on the first label with a non-ASCII character
    # (such as the language switch's 한국어)
    "streamlit.emojis",
    # what the login library imports (the library itself is imported by the first script run,
    # see SCRIPT_RUN_ONLY), but its components
    "requests",
    "yaml",
    "captcha.image",
)
"""Modules imported on first use rather than with ``ui`` (found by profiling a first visit
after the warm-up)."""
PAGE_IMPORTS = ("cs_data.kpi.support_detail",)
"""What a page script imports that no module of ``ui`` does (a test finds them)."""
YIELD_FOR_S = 30.0
"""How long in all the warm-up waits for page runs to end: past it, it goes on beside them
(a server that is never idle still finishes its warm-up)."""


class _PageRuns:
    """The script runs under way in this process, which the warm-up waits for."""

    def __init__(self) -> None:
        self.under_way = 0
        self.condition = threading.Condition()

    @contextmanager
    def run(self) -> Iterator[None]:
        with self.condition:
            self.under_way += 1
        try:
            yield
        finally:
            with self.condition:
                self.under_way -= 1
                self.condition.notify_all()

    def wait_until_none(self, deadline: float) -> None:
        with self.condition:
            self.condition.wait_for(
                lambda: self.under_way == 0, max(0.0, deadline - time.monotonic())
            )


_page_runs = _PageRuns()
page_run = _page_runs.run
"""Around a whole script run (app.py): the warm-up's later steps wait while one is under way."""


def import_modules() -> None:
    """Import every module of ``ui`` (and so what app.py and the pages import) but
    ``SCRIPT_RUN_ONLY``, ``PAGE_IMPORTS`` and ``FIRST_USE_IMPORTS``."""
    found = [module.name for module in pkgutil.iter_modules(ui.__path__, f"{ui.__name__}.")]
    found = [name for name in found if name not in SCRIPT_RUN_ONLY]
    for name in [*found, *PAGE_IMPORTS, *FIRST_USE_IMPORTS]:
        importlib.import_module(name)


def first_uses() -> None:
    """What is done once per process on first use (found by profiling a first visit after the
    warm-up): the bcrypt hash the login gate checks unknown names against, the dataframe
    backend Altair loads for its first chart, and the map of every loaded module to its file
    that ``inspect`` builds when Streamlit's first element looks at the call stack (whether
    it runs in a REPL)."""
    import altair as alt
    import pandas as pd

    from cs_data import users

    users.unusable_hash()
    alt.Chart(pd.DataFrame({"x": [0]})).mark_point().encode(x="x:Q").to_dict()
    inspect.stack()


def warm_up() -> bool:
    """Prepare what a first visit needs, the landing page first: unless the database is new
    (its first visitor seeds it, with progress on screen), migrate it, store today's health
    snapshots when missing (their commit changes the data version), load the Overview (the
    landing page of every role but CSMs and executives; its loads at once) and keep it warm at
    each new ``as_of`` bucket (``prefetch.keep_warm``); then, yielding to page runs, do the
    ``first_uses`` and load the executives' landing page, the Forecast of this quarter (the
    same for every reader). True when done; a failure is logged, never raised."""
    started = time.perf_counter()
    try:
        from cs_data.config import get_settings
        from ui import health_refresh, overview_view, prefetch, shell

        settings = get_settings()
        if not shell.prepare_database_quietly(settings):
            log.info("%s: the database is new; its first visitor prepares it", SKIPPED)
            return False
        health_refresh.ensure_today(wait=True)
        with ThreadPoolExecutor(max_workers=3, thread_name_prefix="cockpit-warm-up") as pool:
            overview_view.load(settings, pool)
        log.info("%s after %.1f s", LANDING_LOADED, time.perf_counter() - started)
        prefetch.keep_warm("overview", overview_view.load_at)
        deadline = time.monotonic() + YIELD_FOR_S
        _page_runs.wait_until_none(deadline)
        first_uses()
        from cs_data.auth import operator
        from cs_data.fiscal import quarter_of
        from ui import forecast_view

        _page_runs.wait_until_none(deadline)
        now = datetime.now(UTC)
        forecast_view.load(settings, operator(), quarter_of(now.date()), None, now)
    except Exception:
        log.exception("%s; the pages compute their data on first visit", FAILED)
        return False
    log.info("%s in %.1f s", DONE, time.perf_counter() - started)
    return True


def start() -> threading.Thread:
    """Run ``warm_up`` in a background thread."""
    thread = threading.Thread(target=warm_up, name="cockpit-warm-up", daemon=True)
    thread.start()
    return thread


def start_trend() -> threading.Thread | None:
    """Start computing the Overview's retention trend (``ui.overview_trend``) in a thread of
    its own, before the server imports the rest: its queries run outside Python's lock, on a
    core that would otherwise wait for the imports. The database is reached here first, so
    that the thread imports nothing (a test checks it); nothing is started when the database
    is not at the newest schema (the warm-up migrates it first). The Overview's loads then
    wait for this computation (Streamlit computes a cache entry once)."""
    import pandas as pd
    import pyarrow as pa

    from cs_data import schema
    from cs_data.config import get_settings
    from cs_data.db import get_engine
    from ui import overview_trend

    # pyarrow's pandas integration, loaded on first use (keeping a frame in Streamlit's cache)
    pa.array(pd.Series(["loaded"]))
    try:
        settings = get_settings()
        if schema.current_revision(get_engine()) != schema.head_revision():
            return None
    except Exception:
        log.warning("the retention trend is left to the warm-up", exc_info=True)
        return None

    def store() -> None:
        try:
            overview_trend.load_current(settings)
        except Exception:
            log.warning("computing the retention trend early failed", exc_info=True)

    thread = threading.Thread(target=store, name="cockpit-early-trend", daemon=True)
    thread.start()
    return thread


@asynccontextmanager
async def lifespan(_app: Any) -> AsyncIterator[None]:
    """``st.App``'s lifespan: start computing the retention trend, import what page runs
    need, then start the warm-up and serve."""
    started = time.perf_counter()
    start_trend()
    import_modules()
    log.info("%s in %.1f s", IMPORTED, time.perf_counter() - started)
    start()
    yield
