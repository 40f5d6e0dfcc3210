"""Benchmark: how long every page of the app takes to be ready in a browser, against a
hello-world Streamlit page measured alternately in the same run.

    .venv/bin/python bench/page_ready.py --scale L

Page-ready time is measured in the browser (Chromium via Playwright): from navigation start
(or from the click, for a filter change) until Streamlit's script run has finished
(``stApp`` carries ``data-test-script-state="notRunning"``), nothing is loading (no
``stSkeleton``) and the page's title is drawn, and it stays so for ``SETTLE_MS`` (a second
script run started in that time counts towards the load). The app runs on a database with the
demo data of ``--scale`` (``bench/out/demo-<scale>.db``, generated when missing or of another
scale or day); the hello-world page (``bench/hello_app.py``: a title and one metric) runs as a
server of its own from the project root, so both read the same ``.streamlit/config.toml``.

Scenarios, every page of app.py's navigation (``ui.navigation.PAGES``, as admin), or the
pages named by ``--pages``, and any ``--url NAME=PATH`` (a page with its query string, such as
``board500=boards?board=BIG``; with ``--drawn SELECTOR`` a load is ready only once every custom
component of the page has drawn an element matching the selector inside its shadow root):

1. **cold**: the first load of the page on a freshly started server, requested as soon as it
   answers (during its start-up warm-up, ``ui.warm_up``), against the hello page's first load
   on its own fresh server: with no figures stored in the database (``stored_views`` emptied:
   the server computes them), then with those the first server stored (a restart, a new
   replica); with the warm-up, once more on fresh servers after the app's log says the
   warm-up has ended (servers restarted for each page, or once with ``--cold first``);
2. **warm**: ``--rounds`` revisits (a full page load, a new Streamlit session each time)
   alternating with loads of the hello page;
3. **new minute**: one more visit of every page after the clock's minute has turned
   (``--new-minute``), which missed the cache when caches were keyed by the minute; until a
   few seconds before the turn the pages are loaded (not counted), as a visit after an idle
   minute would also measure the kernel reading back pages it dropped;
4. **filter change** (pages with the period filter): from the click on a preset until the
   rerun is ready, first to 90 days (first time: computed) then back and forth (cached);
5. **floor** (``--floor``): in the warm rounds, also ``bench/floor_app.py`` drawing the app's
   common elements with plain Streamlit and no data (the shell, then the filter bar, a table,
   cards and charts), alternating with the hello page: what Streamlit itself needs for them;
6. **concurrent**: N browser contexts (``--concurrency``) loading the Overview at once, then
   (with ``--floor``) the floors of ``--concurrent-floors`` (by default the navigation alone
   and with everything; ``shell,overview`` is plain Streamlit drawing the Overview's elements),
   and the hello page under the same load, wave by wave; p50 and p95 over ``--waves`` waves.

The app is started as ``./cockpit run`` starts it (``streamlit run server.py``: app.py with the
start-up warm-up), or with ``--app-script app.py`` as plain ``streamlit run app.py`` (no
warm-up). It prints medians and ratios to the hello page, the script runs per load, the CPU time per
warm load of the server (its load and the end of its session) and of the browser (from
navigation start until ready), per page, and the servers' memory at the end; under
concurrency, both CPU times per load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from common import OUT, ROOT, free_port, prepare_demo, wait_healthy
from playwright.async_api import Browser, BrowserContext, Page, async_playwright
from playwright.async_api import TimeoutError as PlaywrightTimeout

from cs_data.config import DEFAULT_COOKIE_NAME
from cs_data.db import create_engine_for
from cs_data.demo import DEMO_PASSWORD
from cs_data.models import StoredView
from ui.navigation import LANDING, PAGES
from ui.warm_up import ENDED as WARM_UP_ENDED
from ui.warm_up import LANDING_LOADED

APP_SCRIPT = "server.py"
"""What ``./cockpit run`` starts: app.py behind ``st.App``, with the start-up warm-up."""

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1440, "height": 900}
COOKIE_KEY = "page-ready-bench-cookie-key-" + "0123456789" * 4
USER = "admin"
"""Sees every page of the navigation."""
SETTLE_MS = 600
"""By default a load is ready once its run has finished and stayed finished this long."""
LOAD_TIMEOUT_MS = 180_000
IDLE_BEFORE_NEW_MINUTE_S = 5
"""The "new minute" visits follow warm loads that end at most this long before the minute
turns, so no load under way spans the turn (it would take the new minute's first run)."""
WARM_UP_TIMEOUT_S = 600
FLOORS = ("shell", "shell,filters", "shell,filters,table", "shell,filters,cards,charts,table")
"""The ``elements`` of ``bench/floor_app.py`` measured, each adding to the one before."""
CONCURRENT_FLOORS = (FLOORS[0], FLOORS[-1])
"""The floors loaded at once too: the navigation alone, and with everything."""
PERIOD_PRESETS = ("90 days", "30 days")
"""The filter bar's preset buttons the filter-change scenario clicks (English labels)."""

# Runs in every document before the page's own scripts, keeping in window.__bench: the time
# of the last message from the server (the app's websocket is wrapped to see them), when the
# page last became ready after it, and the script runs seen starting. Ready means: connected,
# the script not running, no skeleton, a title in the main area, and no message since. A
# message, not the "running" state, tells that the server answered a click: a quick cached
# rerun may never show "running" in the DOM.
READY_SCRIPT = """
(() => {
  const bench = { runs: 0, lastMessage: -1, readyAt: null, settle: SETTLE, drawn: DRAWN };
  window.__bench = bench;
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', () => { bench.lastMessage = performance.now(); });
    }
  };
  const check = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app) { bench.readyAt = null; return; }
    const state = app.getAttribute('data-test-script-state');
    if (state === 'running' && bench.state !== 'running') { bench.runs += 1; }
    bench.state = state;
    const components = bench.drawn
      ? [...document.querySelectorAll('[data-testid="stBidiComponentIsolated"]')] : [];
    const ready = app.getAttribute('data-test-connection-state') === 'CONNECTED'
      && state === 'notRunning'
      && !document.querySelector('[data-testid="stSkeleton"]')
      && document.querySelector('[data-testid="stMain"] h1')
      && components.every((host) => host.shadowRoot?.querySelector(bench.drawn));
    if (!ready) { bench.readyAt = null; }
    else if (bench.readyAt === null || bench.readyAt < bench.lastMessage) {
      bench.readyAt = performance.now();
    }
  };
  new MutationObserver(check).observe(document, {
    subtree: true, childList: true, attributes: true,
    attributeFilter: ['data-test-script-state', 'data-test-connection-state'],
  });
  setInterval(check, 10);
})();
"""
READY_AFTER = """
(since) => {
  const b = window.__bench;
  return b && b.lastMessage >= since && b.readyAt !== null && b.readyAt >= b.lastMessage
    && performance.now() - b.readyAt >= b.settle;
}
"""


@dataclass(frozen=True)
class NavPage:
    url_path: str
    title_key: str
    name: str = ""
    """How the report names it (default: its URL path)."""

    @property
    def label(self) -> str:
        return self.name or self.url_path


@dataclass(frozen=True)
class Load:
    ms: float
    runs: int


@dataclass
class Results:
    cold: dict[str, list[Load]] = field(default_factory=dict)
    cold_computed: dict[str, list[Load]] = field(default_factory=dict)
    """At once, with no stored views: the fresh server computes the page's figures."""
    cold_warmed: dict[str, list[Load]] = field(default_factory=dict)
    warm: dict[str, list[Load]] = field(default_factory=dict)
    new_minute: dict[str, list[Load]] = field(default_factory=dict)
    filter_first: dict[str, list[Load]] = field(default_factory=dict)
    filter_cached: dict[str, list[Load]] = field(default_factory=dict)
    floor: dict[str, list[Load]] = field(default_factory=dict)
    concurrent: dict[tuple[str, int], list[float]] = field(default_factory=dict)
    """Load times of the loads at once; a load that timed out counts as ``LOAD_TIMEOUT_MS``."""
    timeouts: dict[tuple[str, int], int] = field(default_factory=dict)
    server_cpu: dict[str, list[float]] = field(default_factory=dict)
    """Seconds of the server's CPU per warm load, by page (hello and floors included)."""
    browser_cpu: dict[str, list[float]] = field(default_factory=dict)
    """Seconds of the browser's CPU per warm load, by page."""
    concurrent_cpu: dict[tuple[str, int], list[tuple[float, float]]] = field(default_factory=dict)
    """Per wave at once: the server's and the browser's CPU seconds per load."""
    rss_mb: dict[str, float] = field(default_factory=dict)

    def add(self, scenario: str, name: str, load: Load) -> None:
        getattr(self, scenario).setdefault(name, []).append(load)


ADMIN_LANDING = LANDING.get("admin", "overview")
"""Where the measuring user lands (``USER`` is an admin)."""


def navigation_pages() -> list[NavPage]:
    """The pages of app.py's navigation, in order (``ui.navigation.PAGES``); the landing page
    of the measuring user (an admin: the Overview) at ``/``, where it answers."""
    return [
        NavPage("", f"nav.{page.name}", page.name)
        if page.name == ADMIN_LANDING
        else NavPage(page.name, f"nav.{page.name}")
        for page in PAGES
    ]


# --- servers --------------------------------------------------------------------------------


@dataclass
class Server:
    url: str
    pid: int
    log: Path
    log_start: int
    """Where this server's output starts in ``log`` (servers share the file)."""
    answered_after_ms: float
    """From the process's start until the server answered its health check."""

    def logged(self) -> str:
        """What this server has written to its log so far."""
        with self.log.open("rb") as output:
            output.seek(self.log_start)
            return output.read().decode(errors="replace")

    def landing_loaded(self) -> str:
        """When its warm-up had the Overview's figures, as its log says (or "not logged")."""
        found = re.search(rf"{re.escape(LANDING_LOADED)} after ([0-9.]+ s)", self.logged())
        return found.group(1) if found else "not logged"

    def wait_for_warm_up(self) -> None:
        """Until the server's log says its warm-up has ended (done, skipped or failed)."""
        deadline = time.monotonic() + WARM_UP_TIMEOUT_S
        while True:
            text = self.logged()
            if any(marker in text for marker in WARM_UP_ENDED):
                return
            if time.monotonic() > deadline:
                raise SystemExit(f"no end of the warm-up in {self.log} after {WARM_UP_TIMEOUT_S} s")
            time.sleep(0.2)

    def cpu_seconds(self) -> float:
        """User and system CPU time of the server process so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")


def process_table() -> dict[int, tuple[int, list[str]]]:
    """Every process now: pid → (parent pid, the fields of ``/proc/<pid>/stat`` after the
    name)."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue  # ended meanwhile
        table[int(entry.name)] = (int(fields[1]), fields)
    return table


def browser_cpu_seconds() -> float:
    """CPU time of the browser so far: every Chromium process started under this one (the
    browser, its renderers and helpers), with the ended ones it has reaped."""
    table = process_table()
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in table.items():
        children.setdefault(parent, []).append(pid)
    ticks, todo = 0, list(children.get(os.getpid(), []))
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            is_chromium = "chromium" in Path(f"/proc/{pid}/cmdline").read_text(errors="replace")
        except (FileNotFoundError, ProcessLookupError):
            continue
        if is_chromium:  # user, system, and reaped children's user and system time
            ticks += sum(int(value) for value in table[pid][1][11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


class CpuLedger:
    """The server CPU of warm loads, per page: each load is charged what its server spent from
    the load's start until the next load on that server starts (the end of its session, when
    the browser moves on, included: only this browser tab uses the servers)."""

    def __init__(self, results: Results) -> None:
        self.results = results
        self.open: dict[int, tuple[str | None, float]] = {}

    def start(self, server: Server, name: str | None) -> None:
        """A load of ``name`` (None: not counted) on ``server`` starts now."""
        self.charge(server)
        self.open[server.pid] = (name, server.cpu_seconds())

    def charge(self, server: Server) -> None:
        name, since = self.open.pop(server.pid, (None, 0.0))
        if name is not None:
            spent = server.cpu_seconds() - since
            self.results.server_cpu.setdefault(name, []).append(spent)


@contextmanager
def server(script: str, database_url: str, log: Path, extra: list[str]) -> Iterator[Server]:
    """``streamlit run script`` from the project root on a free port until the block ends."""
    import subprocess

    port = free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", script,
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        *extra,
    ]  # fmt: skip
    env = os.environ | {
        "CS_DATABASE_URL": database_url,
        "CS_DEMO_MODE": "true",
        "CS_COOKIE_KEY": COOKIE_KEY,
    }
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        log_start = out.tell()
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process, log)
        answered_after_ms = (time.perf_counter() - started) * 1000
        yield Server(url, process.pid, log, log_start, answered_after_ms)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- the browser ----------------------------------------------------------------------------


async def new_context(
    browser: Browser,
    state: dict | None = None,
    settle_ms: int = SETTLE_MS,
    drawn: str | None = None,
) -> BrowserContext:
    """A browser context (with ``state``'s cookies) whose pages track their readiness: a
    load is ready once its run has finished (and its components have ``drawn``) and stayed
    so ``settle_ms``."""
    context = await browser.new_context(viewport=VIEWPORT, locale="en-US", storage_state=state)
    context.set_default_timeout(LOAD_TIMEOUT_MS)
    script = READY_SCRIPT.replace("SETTLE", str(settle_ms)).replace("DRAWN", json.dumps(drawn))
    await context.add_init_script(script)
    return context


async def ready_since(page: Page, since: float) -> Load:
    """Wait until the server has answered after ``since`` (ms on the page's clock) and the
    page is ready; the time from ``since`` to ready, and the runs seen in this document."""
    await page.wait_for_function(READY_AFTER, arg=since, polling=20, timeout=LOAD_TIMEOUT_MS)
    ready_at, runs = await page.evaluate("[window.__bench.readyAt, window.__bench.runs]")
    return Load(ready_at - since, runs)


async def load(page: Page, url: str) -> Load:
    """Navigate to ``url`` and time it from navigation start until the page is ready."""
    await page.goto(url, wait_until="commit")
    result = await ready_since(page, 0.0)
    if await page.get_by_role("button", name="Log in").count():
        raise SystemExit(f"{url} shows the login form: the login cookie was not accepted")
    return result


async def load_in_time(page: Page, url: str) -> Load | None:
    """``load``, or None when the page was not ready within ``LOAD_TIMEOUT_MS``."""
    try:
        return await load(page, url)
    except PlaywrightTimeout:
        return None


async def log_in(browser: Browser, app_url: str) -> dict:
    """Log in as ``USER`` through the form; the browser state holding the login cookie."""
    context = await new_context(browser)
    page = await context.new_page()
    await page.goto(app_url)
    await page.get_by_role("textbox", name="Username").fill(USER)
    await page.locator("input[type=password]").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_function(
        f"document.cookie.includes('{DEFAULT_COOKIE_NAME}=')", timeout=LOAD_TIMEOUT_MS
    )
    state = await context.storage_state()
    await context.close()
    return state


async def click_preset(page: Page, label: str) -> Load:
    """Click a period preset of the filter bar and time the rerun it causes."""
    since = await page.evaluate("performance.now()")
    await preset(page, label).click()
    return await ready_since(page, since)


def preset(page: Page, label: str):
    """The period preset ``label`` of the page's filter bar."""
    return (
        page.get_by_test_id("stMain").get_by_test_id("stButtonGroup").get_by_text(label, exact=True)
    )


# --- scenarios ------------------------------------------------------------------------------


async def cold(browser, state, args, pages, results, log) -> None:
    """Each page's first load on a fresh server, requested as soon as it answers (during its
    warm-up), then the hello page's on its own fresh server: first with no stored views (the
    server computes the figures), then with the views the first server stored; with a
    warm-up, once more on fresh servers after the warm-up has ended (hello first, then the
    page)."""
    app_server = partial(server, args.app_script, args.db_url, log, args.server_arg)
    hello_server = partial(server, "bench/hello_app.py", args.db_url, log, args.server_arg)
    for nav in pages if args.cold == "each" else pages[:1]:
        for scenario, label in (("cold_computed", "nothing stored"), ("cold", "stored")):
            if scenario == "cold_computed":
                clear_stored_views(args.db_url)
            context = await new_context(browser, state, args.settle_ms, args.drawn)
            page = await context.new_page()
            with app_server() as app:
                results.add(scenario, nav.label, await load(page, f"{app.url}/{nav.url_path}"))
            with hello_server() as hello:
                results.add(scenario, "hello", await load(page, hello.url))
            await context.close()
            took = getattr(results, scenario)[nav.label][-1].ms
            print(
                f"  cold, at once, {label}, {nav.label}: {took:,.0f} ms (its server answered "
                f"{app.answered_after_ms:,.0f} ms after its start, hello's "
                f"{hello.answered_after_ms:,.0f} ms; its warm-up had the Overview's figures "
                f"after {app.landing_loaded()})",
                flush=True,
            )
        if args.app_script != APP_SCRIPT:
            continue
        context = await new_context(browser, state, args.settle_ms, args.drawn)
        page = await context.new_page()
        with app_server() as app, hello_server() as hello:
            app.wait_for_warm_up()
            results.add("cold_warmed", "hello", await load(page, hello.url))
            results.add("cold_warmed", nav.label, await load(page, f"{app.url}/{nav.url_path}"))
        await context.close()
        after = results.cold_warmed[nav.label][-1].ms
        print(f"  cold, warm-up ended, {nav.label}: {after:,.0f} ms", flush=True)


def clear_stored_views(database_url: str) -> None:
    """Delete the figures earlier servers stored (``cs_data.stored_views``)."""
    engine = create_engine_for(database_url)
    with engine.begin() as connection:
        connection.execute(StoredView.__table__.delete())
    engine.dispose()


async def warm(browser, state, args, pages, results, app, hello, floor) -> None:
    context = await new_context(browser, state, args.settle_ms, args.drawn)
    page = await context.new_page()
    ledger = CpuLedger(results)

    async def visit(server: Server, url: str, scenario: str | None, name: str) -> None:
        """Load ``url`` of ``server``; with a ``scenario``, record its time and CPU."""
        ledger.start(server, scenario and name)
        browser_before = browser_cpu_seconds()
        loaded = await load(page, url)
        if scenario:
            results.add(scenario, name, loaded)
            spent = browser_cpu_seconds() - browser_before
            results.browser_cpu.setdefault(name, []).append(spent)

    for nav in pages:  # the first visit of each page on this server is not counted
        await visit(app, f"{app.url}/{nav.url_path}", None, nav.label)
    floors = args.floor_elements if floor else ()
    for elements in floors:
        await visit(floor, f"{floor.url}/?elements={elements}", None, elements)
    for _ in range(args.rounds):
        for nav in pages:
            await visit(hello, hello.url, "warm", "hello")
            await visit(app, f"{app.url}/{nav.url_path}", "warm", nav.label)
        for elements in floors:
            await visit(hello, hello.url, "warm", "hello")
            await visit(floor, f"{floor.url}/?elements={elements}", "floor", elements)
    await page.goto("about:blank")  # ends the last sessions: charged to their loads
    await asyncio.sleep(args.settle_ms / 1000)
    for server in (app, hello, *([floor] if floor else [])):
        ledger.charge(server)
    if args.new_minute:
        # Busy until just before the minute turns: this machine's kernel pages out file pages
        # left idle for 60 s (a DAMON scheme), so a visit after an idle wait would measure
        # the pause (libraries and database pages read again), not the new minute.
        busy = [(hello, hello.url), *((app, f"{app.url}/{nav.url_path}") for nav in pages)]
        while 60 - time.time() % 60 > IDLE_BEFORE_NEW_MINUTE_S:
            server, url = busy[0]
            busy.append(busy.pop(0))
            await visit(server, url, None, "")
        minute = int(time.time() // 60)
        while int(time.time() // 60) == minute:
            await asyncio.sleep(0.5)
        for nav in pages:
            results.add("new_minute", "hello", await load(page, hello.url))
            results.add("new_minute", nav.label, await load(page, f"{app.url}/{nav.url_path}"))
    await context.close()


async def filter_changes(browser, state, args, pages, results, app) -> None:
    context = await new_context(browser, state, args.settle_ms, args.drawn)
    page = await context.new_page()
    for nav in pages:
        await load(page, f"{app.url}/{nav.url_path}")
        if not await preset(page, PERIOD_PRESETS[0]).count():
            continue
        results.add("filter_first", nav.label, await click_preset(page, PERIOD_PRESETS[0]))
        for _ in range(args.filter_rounds):
            for label in (PERIOD_PRESETS[1], PERIOD_PRESETS[0]):
                results.add("filter_cached", nav.label, await click_preset(page, label))
        await click_preset(page, PERIOD_PRESETS[1])
    await context.close()


async def concurrent(browser, state, args, results, targets: dict[str, tuple[Server, str]]) -> None:
    """Wave by wave, ``users`` tabs load each of ``targets`` (name → server and path) at once,
    and leave it for a blank page; the CPU spent meanwhile is divided by the loads.

    Each target has tabs of its own (fresh browser contexts), so every target's first wave is
    its browsers' first visit (nothing cached) and the later ones return visits, whichever
    server the targets share (the floors do). Before the first wave every tab opens the site
    once (a health check), so that no target pays for starting the tabs' renderer processes;
    and each wave starts one target later than the one before."""
    names = list(targets)
    for users in args.concurrency:
        contexts, tabs = [], {}
        for name, (server, _) in targets.items():
            mine = [
                await new_context(browser, state, args.settle_ms, args.drawn) for _ in range(users)
            ]
            contexts += mine
            tabs[name] = [await context.new_page() for context in mine]
            await asyncio.gather(*(tab.goto(f"{server.url}/_stcore/health") for tab in tabs[name]))
        for wave in range(args.waves):
            for name in names[wave % len(names) :] + names[: wave % len(names)]:
                server, path = targets[name]
                url = f"{server.url}/{path}"
                server_before, browser_before = server.cpu_seconds(), browser_cpu_seconds()
                loads = await asyncio.gather(*(load_in_time(tab, url) for tab in tabs[name]))
                # the sessions' end is part of what a load costs
                await asyncio.gather(*(tab.goto("about:blank") for tab in tabs[name]))
                await asyncio.sleep(args.settle_ms / 1000)
                spent = (
                    (server.cpu_seconds() - server_before) / users,
                    (browser_cpu_seconds() - browser_before) / users,
                )
                results.concurrent_cpu.setdefault((name, users), []).append(spent)
                times = results.concurrent.setdefault((name, users), [])
                times.extend(LOAD_TIMEOUT_MS if x is None else x.ms for x in loads)
                missed = results.timeouts.get((name, users), 0) + loads.count(None)
                results.timeouts[(name, users)] = missed
        for context in contexts:
            await context.close()
        print(f"  {users} at once: done", flush=True)


# --- report ---------------------------------------------------------------------------------


def median(loads: list[Load]) -> float:
    return statistics.median(x.ms for x in loads)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def by_wave(times: list[float], users: int) -> list[str]:
    """The median of each wave's loads (``times`` hold the waves one after the other)."""
    waves = [times[start : start + users] for start in range(0, len(times), users)]
    return [f"{statistics.median(wave) / 1000:.1f} s" for wave in waves]


def mean_ms(seconds: list[float] | None) -> str:
    return "—" if not seconds else f"{statistics.fmean(seconds) * 1000:,.0f} ms"


def report(results: Results, pages: list[NavPage], args) -> None:
    def cell(loads: dict[str, list[Load]], name: str, base: list[Load] | None) -> str:
        if name not in loads or not base:
            return "—"
        return f"{median(loads[name]):,.0f} ms ({median(loads[name]) / median(base):.1f}×)"

    hello = results.warm.get("hello")
    print(f"\nscale {args.scale}, {args.db_url}; medians, ratio to the hello page in ()")
    print(
        "| page | cold, at once, nothing stored | cold, at once, stored | cold, warm-up ended "
        "| warm | new minute "
        "| filter change, first | filter change, cached | runs per warm load "
        "| server CPU per warm load | browser CPU per warm load |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in ["hello", *(nav.label for nav in pages)]:
        runs = statistics.median(x.runs for x in results.warm.get(name, [Load(0, 0)]))
        print(
            f"| {name} | {cell(results.cold_computed, name, results.cold_computed.get('hello'))} "
            f"| {cell(results.cold, name, results.cold.get('hello'))} "
            f"| {cell(results.cold_warmed, name, results.cold_warmed.get('hello'))} "
            f"| {cell(results.warm, name, hello)} "
            f"| {cell(results.new_minute, name, results.new_minute.get('hello'))} "
            f"| {cell(results.filter_first, name, hello)} "
            f"| {cell(results.filter_cached, name, hello)} | {runs:g} "
            f"| {mean_ms(results.server_cpu.get(name))} "
            f"| {mean_ms(results.browser_cpu.get(name))} |"
        )
    if results.floor:
        print(
            "\n| Streamlit floor (bench/floor_app.py), elements | warm "
            "| server CPU per warm load | browser CPU per warm load |"
        )
        print("|---|---:|---:|---:|")
        for elements in results.floor:
            print(
                f"| {elements} | {cell(results.floor, elements, hello)} "
                f"| {mean_ms(results.server_cpu.get(elements))} "
                f"| {mean_ms(results.browser_cpu.get(elements))} |"
            )
    app_cpu = [x for nav in pages for x in results.server_cpu.get(nav.label, [])]
    if app_cpu:
        print(
            f"\nserver CPU per warm load: app {mean_ms(app_cpu)} (every page), "
            f"hello {mean_ms(results.server_cpu.get('hello'))}; server memory at the end: "
            + ", ".join(f"{name} {mb:,.0f} MB" for name, mb in results.rss_mb.items())
        )
    if results.concurrent:
        print(
            "\n| users at once | page | p50 | p95 | p95 ÷ hello p95 | p50 by wave | timed out "
            "| server CPU per load | browser CPU per load |"
        )
        print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
        for users in args.concurrency:
            hello_p95 = percentile(results.concurrent[("hello", users)], 0.95)
            for name in dict.fromkeys(name for name, _ in results.concurrent):
                times = results.concurrent[(name, users)]
                spent = results.concurrent_cpu[(name, users)]
                print(
                    f"| {users} | {name} | {percentile(times, 0.5):,.0f} ms "
                    f"| {percentile(times, 0.95):,.0f} ms "
                    f"| {percentile(times, 0.95) / hello_p95:.1f}× "
                    f"| {' / '.join(by_wave(times, users))} "
                    f"| {results.timeouts[(name, users)]} "
                    f"| {mean_ms([server for server, _ in spent])} "
                    f"| {mean_ms([browser for _, browser in spent])} |"
                )


async def run(args) -> None:
    pages = [nav for nav in navigation_pages() if args.pages is None or nav.label in args.pages]
    pages += [NavPage(path, "", name) for name, path in args.url]
    log = OUT / "page_ready-servers.log"
    log.unlink(missing_ok=True)
    results = Results()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        with server(args.app_script, args.db_url, log, args.server_arg) as app:
            state = await log_in(browser, app.url)
        print("cold (fresh servers):", flush=True)
        await cold(browser, state, args, pages, results, log)
        with (
            server(args.app_script, args.db_url, log, args.server_arg) as app,
            server("bench/hello_app.py", args.db_url, log, args.server_arg) as hello,
            server("bench/floor_app.py", args.db_url, log, args.server_arg) as floor,
        ):
            if args.app_script == APP_SCRIPT:
                app.wait_for_warm_up()  # its work is not a warm load's
            print("warm, new minute:", flush=True)
            await warm(browser, state, args, pages, results, app, hello, args.floor and floor)
            print("filter changes:", flush=True)
            await filter_changes(browser, state, args, pages, results, app)
            print("concurrent:", flush=True)
            overview = next(nav for nav in navigation_pages() if nav.label == "overview")
            targets = {"overview": (app, overview.url_path)}  # "/": the admin's landing page
            for elements in args.concurrent_floors if args.floor else ():
                targets[f"floor: {elements}"] = (floor, f"?elements={elements}")
            targets["hello"] = (hello, "")
            await concurrent(browser, state, args, results, targets)
            results.rss_mb = {
                "app": app.rss_mb(),
                "hello": hello.rss_mb(),
                "floor": floor.rss_mb(),
            }
        await browser.close()
    report(results, pages, args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="S", type=str.upper)
    parser.add_argument("--db-url", default=None, help="default: bench/out/demo-<scale>.db")
    parser.add_argument("--rounds", type=int, default=5, help="warm visits of every page")
    parser.add_argument(
        "--filter-rounds", type=int, default=3, help="cached changes, back and forth"
    )
    parser.add_argument("--cold", choices=("each", "first"), default="each")
    parser.add_argument("--new-minute", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument(
        "--floor",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure bench/floor_app.py's plain-Streamlit pages in the warm rounds",
    )
    parser.add_argument(
        "--floor-elements",
        nargs="*",
        default=list(FLOORS),
        metavar="ELEMENTS",
        help="the floors measured (bench/floor_app.py's ?elements=), e.g. shell,toolbar",
    )
    parser.add_argument(
        "--concurrent-floors",
        nargs="*",
        default=list(CONCURRENT_FLOORS),
        metavar="ELEMENTS",
        help="the floors also loaded at once, e.g. shell shell,overview",
    )
    parser.add_argument("--concurrency", type=int, nargs="*", default=[1, 5, 10])
    parser.add_argument("--waves", type=int, default=3)
    parser.add_argument(
        "--pages", nargs="*", help="url paths (default: every page; none: only --url pages)"
    )
    parser.add_argument(
        "--url",
        action="append",
        default=[],
        type=lambda text: tuple(text.split("=", 1)),
        metavar="NAME=PATH",
        help="also measure this page with its query string, e.g. board=boards?board=BIG",
    )
    parser.add_argument(
        "--drawn",
        default=None,
        metavar="SELECTOR",
        help="a load is ready once every custom component holds this (in its shadow root)",
    )
    parser.add_argument("--settle-ms", type=int, default=SETTLE_MS)
    parser.add_argument(
        "--app-script",
        default=APP_SCRIPT,
        choices=(APP_SCRIPT, "app.py"),
        help="how the app is started: as ./cockpit run (default, with the warm-up) or app.py",
    )
    parser.add_argument(
        "--server-arg",
        action="append",
        default=[],
        help="passed to both `streamlit run`s, e.g. --server-arg=--runner.postScriptGC=true",
    )
    args = parser.parse_args()
    args.db_url = args.db_url or f"sqlite:///{(OUT / f'demo-{args.scale}.db').as_posix()}"
    prepare_demo(args.db_url, args.scale)
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
