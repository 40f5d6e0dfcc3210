"""The server's start-up warm-up (``ui.warm_up``): it fills the caches the Overview and the
executives' Forecast read, never stops the server when it fails, and returns every database
connection it took."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from cs_data import config, data_versions, demo, health, kpi, schema
from cs_data.config import get_settings
from cs_data.db import get_engine, transaction
from tests.apptest import ROOT, add_user, log_in, new_app
from tests.factories import make_account, make_subscription, make_ticket
from ui import health_refresh, overview_view, prefetch, warm_up

KPI_READS = ("FROM tickets", "FROM subscriptions", "FROM survey_responses", "FROM renewals")


@pytest.fixture
def database(shared_mode, monkeypatch) -> None:
    """A configured, migrated database with a viewer and a little data; one ``as_of`` bucket
    for the whole test (a bucket turning between warm-up and visit would miss the cache), and
    today's health checked on every call (the check is once a minute per process)."""
    monkeypatch.setattr(data_versions, "AS_OF_BUCKET", timedelta(days=1))
    monkeypatch.setattr(health_refresh, "CHECK_EVERY_SECONDS", 0.0)
    schema.upgrade(get_engine())
    add_user("vic", "viewer")
    now = datetime.now(UTC)
    with transaction(get_engine()) as session:
        account = make_account(session)
        make_subscription(session, account=account, start_date=now.date() - timedelta(days=60))
        make_ticket(session, account_id=account.id, created_at=now - timedelta(days=2))


class Statements:
    """The SQL statements run on the app's engine while recording."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, _connection, _cursor, statement, *_args) -> None:
        self.seen.append(statement)

    def read_kpi_tables(self) -> bool:
        return any(table in statement for statement in self.seen for table in KPI_READS)


@pytest.fixture
def statements():
    recorded = Statements()
    event.listen(get_engine(), "before_cursor_execute", recorded)
    yield recorded
    event.remove(get_engine(), "before_cursor_execute", recorded)


def logged(run: Callable[[], bool]) -> list[logging.LogRecord]:
    """What the warm-up logged while ``run`` ran (Streamlit's loggers do not propagate to
    pytest's handler); ``run`` must return False, as a warm-up that was not done does."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    warm_up.log.addHandler(handler)
    try:
        assert run() is False
    finally:
        warm_up.log.removeHandler(handler)
    return records


def test_the_first_visit_after_the_warm_up_reads_no_kpi_table(database, statements):
    assert warm_up.warm_up()
    assert health.has_run(get_engine(), datetime.now(UTC).date()), "today's health is stored"

    statements.seen.clear()
    at = log_in(new_app(), "vic").run()

    assert not at.exception
    assert at.title[0].value == "Overview"
    assert not statements.read_kpi_tables(), "the Overview's figures come from the warm-up"


def loads_that_wait_for_each_other(monkeypatch) -> None:
    """Make each of the Overview's three loads wait until all three have started (in vain, and
    so failing, when they run one after the other)."""
    all_started = threading.Barrier(3, timeout=20)
    for name in ("load_overview", "load_progress", "load_at_risk_top"):
        loader = getattr(overview_view, name)

        def at_once(*args, _loader=loader):
            all_started.wait()
            return _loader(*args)

        monkeypatch.setattr(overview_view, name, at_once)


def test_the_warm_up_runs_the_overviews_loads_at_once(database, monkeypatch):
    """Each load in a thread of the warm-up's pool (their queries run outside Python's lock)."""
    loads_that_wait_for_each_other(monkeypatch)
    assert warm_up.warm_up(), "one after the other, the first load would wait in vain"


def test_a_page_run_loads_the_overview_at_once_too(database, monkeypatch):
    loads_that_wait_for_each_other(monkeypatch)
    loaded = overview_view.load(get_settings())
    assert loaded.summary.as_of == loaded.data.as_of


def test_an_executives_first_visit_after_the_warm_up_reads_no_renewal(database, statements):
    add_user("eve", "exec")
    assert warm_up.warm_up()

    statements.seen.clear()
    at = log_in(new_app(), "eve").run()

    assert not at.exception
    assert at.title[0].value == "Forecast", "an executive lands on the Forecast"
    read = [s for s in statements.seen if "FROM renewals" in s or "forecast_snapshots" in s]
    assert not read, "the Forecast's figures come from the warm-up"


def warm_up_beside_a_page_run(monkeypatch, run_for_s: float) -> list[str]:
    """What happened, in order, while a page run stayed under way for ``run_for_s`` after the
    warm-up had loaded the Overview: ``keep_warm`` (the Overview loaded), ``first_uses`` (a
    later step) and ``run ended``."""
    happened: list[str] = []
    overview_loaded = threading.Event()
    keep_warm, first_uses = prefetch.keep_warm, warm_up.first_uses

    def recorded_keep_warm(*args):
        happened.append("keep_warm")
        overview_loaded.set()
        keep_warm(*args)

    def recorded_first_uses():
        happened.append("first_uses")
        first_uses()

    monkeypatch.setattr(prefetch, "keep_warm", recorded_keep_warm)
    monkeypatch.setattr(warm_up, "first_uses", recorded_first_uses)
    with ThreadPoolExecutor(max_workers=1) as runner:
        with warm_up.page_run():
            done = runner.submit(warm_up.warm_up)
            assert overview_loaded.wait(30)
            time.sleep(run_for_s)
            happened.append("run ended")
        assert done.result(timeout=60)
    return happened


def test_after_the_overview_the_warm_up_waits_for_page_runs(database, monkeypatch):
    assert warm_up_beside_a_page_run(monkeypatch, 2.0) == ["keep_warm", "run ended", "first_uses"]


def test_the_warm_up_ends_beside_a_page_run_that_takes_too_long(database, monkeypatch):
    monkeypatch.setattr(warm_up, "YIELD_FOR_S", 0.1)

    assert warm_up_beside_a_page_run(monkeypatch, 3.0) == ["keep_warm", "first_uses", "run ended"]


def test_the_warm_up_returns_every_connection(database):
    assert warm_up.warm_up()

    assert get_engine().pool.checkedout() == 0


def test_a_failing_warm_up_is_logged_and_returns_its_connections(database, monkeypatch):
    def fail(_settings, _pool=None):
        with get_engine().connect():
            raise RuntimeError("the figures cannot be computed")

    monkeypatch.setattr(overview_view, "load", fail)
    records = logged(warm_up.warm_up)

    assert records[-1].getMessage().startswith(warm_up.FAILED)
    assert records[-1].exc_info is not None, "the traceback goes to the server's log"
    assert get_engine().pool.checkedout() == 0


@pytest.fixture
def embedded(tmp_path, monkeypatch):
    """No configured database: the default SQLite file (seeded by the app), here in tmp."""
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("CS_DATABASE_URL", raising=False)
    monkeypatch.setattr(config, "DEFAULT_DATA_DIR", tmp_path / "data")
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield
    get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_a_new_embedded_database_is_left_to_its_first_visitor_to_seed(embedded):
    """The first visitor seeds it, with progress on screen (``test_page_overview``)."""
    records = logged(warm_up.warm_up)

    assert records[-1].getMessage().startswith(warm_up.SKIPPED)
    assert demo.is_empty(get_engine())
    assert get_engine().pool.checkedout() == 0


def test_the_server_answers_while_the_warm_up_runs(database, monkeypatch):
    """The lifespan returns once the modules are imported, before the warm-up has ended; a
    warm-up that fails later does not stop the server."""
    release = threading.Event()
    ended = threading.Event()

    def slow_failure(_settings, _pool=None):
        try:
            release.wait(timeout=30)
            raise RuntimeError("the database went away")
        finally:
            ended.set()

    monkeypatch.setattr(overview_view, "load", slow_failure)

    async def serve() -> bool:
        async with warm_up.lifespan(None):
            serving_before_the_end = not ended.is_set()
            release.set()
            await asyncio.to_thread(ended.wait, 30)
        return serving_before_the_end

    # a thread of its own: Playwright's sync API, used earlier in this worker, keeps a loop
    # running in the main thread, where asyncio.run refuses to start another
    with ThreadPoolExecutor(max_workers=1) as runner:
        assert runner.submit(asyncio.run, serve()).result()
    for thread in threading.enumerate():
        if thread.name == "cockpit-early-trend":
            thread.join(30)


def printed_by_a_fresh_python(code: str) -> str:
    """What ``code`` prints, run by a new interpreter in the project (no earlier import of
    this one hides anything)."""
    run = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
    )
    return run.stdout.strip()


DECLARED_BY_IMPORTS = """
from streamlit.components.v1 import component_registry

declared = []

class Recorded(component_registry.CustomComponent):
    def __init__(self, **kwargs):
        declared.append(kwargs["name"])
        super().__init__(**kwargs)

component_registry.CustomComponent = Recorded
from ui import warm_up
warm_up.import_modules()
print(declared)
"""


def test_the_warm_up_imports_declare_no_component_outside_a_script_run():
    """Streamlit registers a components-v1 component only when it is declared in a script
    run; declared in the warm-up's thread, its frame never loads (the login library's cookie
    component: no login cookie). A fresh interpreter, so no earlier import hides one."""
    assert printed_by_a_fresh_python(DECLARED_BY_IMPORTS) == "[]"


IMPORTED_BY_PAGE_RUNS = """
import ast, importlib.util, pathlib, sys
from ui import warm_up
warm_up.import_modules()
imported = set(sys.modules)  # before looking up modules below imports their parents
wanted = set()
for script in [pathlib.Path("app.py"), *sorted(pathlib.Path("pages").glob("*.py"))]:
    for node in ast.walk(ast.parse(script.read_text())):
        if isinstance(node, ast.Import):
            wanted |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
            wanted.add(node.module)
            package = importlib.util.find_spec(node.module).submodule_search_locations
            wanted |= {
                f"{node.module}.{alias.name}"
                for alias in node.names
                if package and importlib.util.find_spec(f"{node.module}.{alias.name}")
            }
print(sorted(wanted - imported - warm_up.SCRIPT_RUN_ONLY))
"""


def test_the_warm_up_imports_what_page_runs_import():
    """Two threads importing one package from different modules can deadlock (a first visit
    of the Renewals beside the warm-up did): before the server answers, ``lifespan`` imports
    everything app.py and the pages import. A fresh interpreter, so no earlier import hides
    one."""
    assert printed_by_a_fresh_python(IMPORTED_BY_PAGE_RUNS) == "[]"


IMPORTED_BY_THE_EARLY_TREND = """
import sys, threading
from sqlalchemy import func, select
from cs_data.db import get_engine
from cs_data.models import StoredView
from ui import warm_up

class Recorder:
    imported = []
    def find_spec(self, name, path=None, target=None):
        if threading.current_thread() is not threading.main_thread():
            self.imported.append(name)
        return None

sys.meta_path.insert(0, Recorder())
warm_up.start_trend().join(60)
with get_engine().connect() as connection:
    stored = connection.scalar(select(func.count()).where(StoredView.name.like("%trend")))
print(sorted(set(Recorder.imported)), stored)
"""


def test_the_early_trend_imports_nothing_beside_the_servers_imports(database):
    """``start_trend``'s thread computes while the server imports: were it to import a module,
    the two threads could deadlock (see above). A fresh interpreter, so no earlier import
    hides one; the trend is computed and stored."""
    assert printed_by_a_fresh_python(IMPORTED_BY_THE_EARLY_TREND) == "[] 1"


def test_the_warm_up_waits_for_the_early_trend_instead_of_computing_it_again(database, monkeypatch):
    computed = []
    trend = kpi.retention_trend

    def slow_trend(*args, **kwargs):
        computed.append(threading.current_thread().name)
        time.sleep(1.0)  # still computing when the warm-up asks for it
        return trend(*args, **kwargs)

    monkeypatch.setattr(kpi, "retention_trend", slow_trend)
    early = warm_up.start_trend()
    assert warm_up.warm_up()
    early.join(30)

    assert computed == ["cockpit-early-trend"]


def test_no_early_trend_on_a_database_that_needs_migrating(database):
    schema.downgrade(get_engine(), "0011")

    assert warm_up.start_trend() is None
