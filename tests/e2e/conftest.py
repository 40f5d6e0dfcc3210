"""Browser tests: a real ``streamlit run app.py`` and Debian's Chromium driven by Playwright.

The server runs on a free port with every flag explicit, from the project root (so it reads
``.streamlit/config.toml``), on a temporary SQLite file filled beforehand with demo data
(scale S) and named by ``CS_DATABASE_URL``: a configured database, so the app never seeds
it. Demo mode is switched on (the demo users log in with the demo password) and the cookie
key is fixed. The server log goes to a file and is printed when start-up fails; a failed test
shows its end (the app's tracebacks) and leaves a screenshot in test-artifacts/.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from cs_data import demo, schema
from cs_data.auth import operator
from cs_data.config import DEFAULT_COOKIE_NAME
from cs_data.db import create_engine_for
from cs_data.demo import DEMO_PASSWORD

# The machine running the suite is shared and busy: give the app's reruns time to finish.
expect.set_options(timeout=20_000)

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1440, "height": 900}
STARTUP_TIMEOUT_S = 90
APP_TIMEOUT_MS = 60_000
COOKIE_KEY = "e2e-cookie-key-" + "0123456789" * 4
SERVER_LOG_TAIL_LINES = 80
SERVER_LOGS: dict[str, Path] = {}
"""The log file of each running server by its base URL, to explain a failed test."""
ENGLISH_FORM = ("Username", "Password", "Log in")
KOREAN_FORM = ("사용자 이름", "비밀번호", "로그인")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.read().decode().strip() == "ok"
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


@contextmanager
def streamlit_server(database_url: str, log_path: Path) -> Iterator[str]:
    """Run the app on a free port until the block ends; yields its base URL."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    env = os.environ | {
        "CS_DATABASE_URL": database_url,
        "CS_DEMO_MODE": "true",
        "CS_COOKIE_KEY": COOKIE_KEY,
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not _healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                log_text = log_path.read_text(errors="replace")
                pytest.fail(
                    f"streamlit did not start at {url} (exit code {process.poll()}); "
                    f"server log {log_path}:\n{log_text}"
                )
            time.sleep(0.25)
        SERVER_LOGS[url] = log_path
        yield url
    finally:
        SERVER_LOGS.pop(url, None)
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def demo_database_url(tmp_path_factory) -> str:
    """A SQLite file with the scale S demo data, shared by every browser test."""
    url = f"sqlite:///{tmp_path_factory.mktemp('e2e-db') / 'cockpit.db'}"
    engine = create_engine_for(url)
    try:
        schema.upgrade(engine)
        demo.generate(engine, operator(), scale="S")
    finally:
        engine.dispose()
    return url


@pytest.fixture(scope="session")
def app_server(demo_database_url, tmp_path_factory) -> Iterator[str]:
    """One server for the session; tests that need a never-visited server start their own."""
    log_path = tmp_path_factory.mktemp("e2e-server") / "streamlit.log"
    with streamlit_server(demo_database_url, log_path) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page_errors() -> list[str]:
    """Uncaught JavaScript errors of the test's page."""
    return []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test keeps a screenshot of its page in test-artifacts/ and shows the
    end of the server's log (where the app's tracebacks go) in its report."""
    outcome = yield
    report = outcome.get_result()
    page = item.funcargs.get("page") if report.when == "call" and report.failed else None
    if not isinstance(page, Page) or page.is_closed():
        return
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"failed-{re.sub(r'[^A-Za-z0-9_.-]+', '_', item.name)}.png"
    try:
        page.screenshot(path=str(shot), full_page=True)
        report.sections.append(("failure screenshot", f"{shot} (page {page.url})"))
    except PlaywrightError as error:
        report.sections.append(("failure screenshot", f"none: {error}"))
    for url, log_path in SERVER_LOGS.items():
        if page.url.startswith(url):
            tail = log_path.read_text(errors="replace").splitlines()[-SERVER_LOG_TAIL_LINES:]
            report.sections.append((f"server log {log_path} (end)", "\n".join(tail)))


@pytest.fixture
def page(browser, page_errors) -> Iterator[Page]:
    """A page in a fresh browser context (no cookies shared between tests)."""
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
    context.set_default_timeout(APP_TIMEOUT_MS)
    context.add_init_script(_COUNT_MESSAGES)
    page = context.new_page()
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    yield page
    context.close()


def wait_until_idle(page: Page) -> None:
    """Wait until the app is connected, its script run has finished and nothing is loading.
    A run may take long on a busy machine (a cold cache on two cores shared with other
    tests): it gets the app's time, not an assertion's."""
    app = page.get_by_test_id("stApp")
    expect(app).to_have_attribute("data-test-connection-state", "CONNECTED", timeout=APP_TIMEOUT_MS)
    expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=APP_TIMEOUT_MS)
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=APP_TIMEOUT_MS)


_COUNT_MESSAGES = """(() => {
  const seen = { count: 0, last: 0 };
  window.__cockpitMessages = seen;
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', () => { seen.count += 1; seen.last = performance.now(); });
    }
  };
})();"""
"""In every document of the ``page`` fixture: counts the server's messages (the app's websocket
is wrapped), which show a rerun that was too quick to show "running" in the page."""
_ANSWERED_MS = 300
"""A rerun seen only by its messages counts as over once none came for this long."""
_RERUN_SEEN = f"""() => window.__cockpitRunChanges > 0 || (
  window.__cockpitMessages?.count > window.__cockpitMessagesBefore
  && performance.now() - window.__cockpitMessages.last > {_ANSWERED_MS})"""

_WATCH_RUNS = """() => {
  window.__cockpitRuns?.disconnect();
  window.__cockpitRunChanges = 0;
  window.__cockpitMessagesBefore = window.__cockpitMessages?.count;
  window.__cockpitRuns = new MutationObserver((changes) => {
    window.__cockpitRunChanges += changes.length;
  });
  // the whole document: also an app element React mounts anew is watched
  window.__cockpitRuns.observe(document.body, {
    subtree: true, childList: false, attributeFilter: ['data-test-script-state'],
  });
}"""


def wait_for_rerun(page: Page, action: Callable[[], object]) -> None:
    """Do ``action`` (a click that makes the app run again) and wait until that run has
    finished. ``wait_until_idle`` alone can pass before the new run has even started (the
    app is still idle from the last one), so the test would look at the old page or at one
    being redrawn; this first waits for the script state to change at all, or, on pages of
    the ``page`` fixture, for the server's answer (a quick rerun may never show "running")."""
    wait_until_idle(page)
    page.evaluate(_WATCH_RUNS)
    action()
    page.wait_for_function(_RERUN_SEEN, timeout=APP_TIMEOUT_MS)
    wait_until_idle(page)


def save_screenshot(page: Page, name: str) -> Path:
    """A full-page PNG in test-artifacts/: the viewport grows to the app's scroll height,
    because Streamlit scrolls inside its main container rather than the document."""
    ARTIFACTS.mkdir(exist_ok=True)
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll("
        "'[data-testid=stMain], [data-testid=stAppViewContainer], [data-testid=stSidebar]')"
        "].map(element => element.scrollHeight))"
    )
    page.set_viewport_size({"width": VIEWPORT["width"], "height": max(VIEWPORT["height"], height)})
    wait_until_idle(page)
    page.mouse.move(VIEWPORT["width"] // 2, 1)  # no hover effects in the picture
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    page.set_viewport_size(VIEWPORT)
    return path


def log_in(
    page: Page,
    username: str,
    password: str = DEMO_PASSWORD,
    *,
    labels: tuple[str, str, str] = ENGLISH_FORM,
    expect_success: bool = True,
) -> None:
    """Fill in and submit the login form; on success wait until the form has gone."""
    user_label, _password_label, submit = labels
    page.get_by_role("textbox", name=user_label).fill(username)
    page.locator("input[type=password]").fill(password)
    page.get_by_role("button", name=submit).click()
    wait_until_idle(page)
    if expect_success:
        expect(page.get_by_role("button", name=submit)).to_have_count(0)
        wait_until_idle(page)
        # the login cookie is written from the browser: a navigation before it lands logs out
        page.wait_for_function(f"document.cookie.includes('{DEFAULT_COOKIE_NAME}=')")


@pytest.fixture
def login():
    """``login(page, username, password=DEMO_PASSWORD, ...)`` (see ``log_in``)."""
    return log_in


@pytest.fixture
def idle():
    """``idle(page)`` waits until the app has finished its run (see ``wait_until_idle``)."""
    return wait_until_idle


@pytest.fixture
def rerun():
    """``rerun(page, action)``: do ``action`` and wait for the run it starts (see
    ``wait_for_rerun``)."""
    return wait_for_rerun


@pytest.fixture
def screenshot():
    """``screenshot(page, name)`` saves ``test-artifacts/<name>.png`` (see ``save_screenshot``)."""
    return save_screenshot


@pytest.fixture
def fresh_server(demo_database_url, tmp_path) -> Iterator[str]:
    """A server no browser has visited yet (its own process), for first-request behaviour."""
    with streamlit_server(demo_database_url, tmp_path / "streamlit.log") as url:
        yield url
