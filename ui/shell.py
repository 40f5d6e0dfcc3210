"""The app shell: settings, database start-up with on-screen progress, the sidebar, and the
permission guard of every page.

``page_setup()`` is what app.py and every page call first: it sends a run that Streamlit
started in its legacy ``pages/`` folder mode back through app.py, then makes language and
database ready (at no cost once app.py has done so in the same run). Every page then calls
``require(action)``, which shows a refusal and stops unless the logged-in user may open it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from cs_data.auth import Actor, can
from cs_data.bootstrap import StartupReport, needs_seeding, prepare_database
from cs_data.config import ConfigError, Settings, get_settings
from cs_data.db import database_answers, database_problem, get_engine
from cs_data.demo import DemoSummary
from cs_data.errors import DatabaseBusy, DatabaseProblem
from ui import currency, login
from ui.i18n import (
    format_count,
    format_list,
    has_key,
    init_language,
    label,
    language_switch,
    plural,
    t,
)
from ui.login import ACTOR_KEY
from ui.text import literal

log = logging.getLogger(__name__)

OUTAGE_RETRY_SECONDS = 5
"""How often a page showing a database outage checks whether the database is back."""
_OUTAGE_SINCE = "_cockpit_outage_since"
_PAGE_ACTION = "_cockpit_page_action"
"""The permission of the page last drawn in this session (its widgets' callbacks need it)."""
SEEDED_COUNTS_SHOWN = ("accounts", "subscriptions", "tickets", "survey_responses", "renewals")
"""The demo record counts named in the "demo data loaded" message, in this order."""


@dataclass
class _Startup:
    """Per database and process: the start-up report once ready, and a lock so only one
    session prepares the database while others wait."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    report: StartupReport | None = None


@st.cache_resource(show_spinner=False)
def _startup(database_url: str) -> _Startup:
    return _Startup()


def settings() -> Settings:
    """The validated settings; an invalid configuration stops the run with its message."""
    try:
        return get_settings()
    except ConfigError as exc:
        st.error(t("startup.config_invalid", detail=literal(exc)))
        st.stop()


def backend_name(database_url: str) -> str:
    """The database product of a URL (never the URL itself, which may hold credentials)."""
    scheme = database_url.partition(":")[0].partition("+")[0]
    return label("db", scheme)


def seeded_message(summary: DemoSummary) -> str:
    """``Demo data loaded: 500 accounts, 20,000 tickets … (scale S)`` in the session's language."""
    counts = [
        plural(f"count.{name}", summary.counts[name], count=format_count(summary.counts[name]))
        for name in SEEDED_COUNTS_SHOWN
        if name in summary.counts and has_key(f"count.{name}")
    ]
    return t("startup.seeded", counts=format_list(counts), scale=literal(summary.scale))


class _SeedingProgress:
    """Shows demo seeding as a status box with a progress bar, opened on the first report."""

    def __init__(self, scale: str | None) -> None:
        self.scale = scale
        self.status = None
        self.bar = None
        self.last: tuple[str, int] | None = None

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        if self.status is None:
            self.status = st.status(t("startup.seeding", scale=literal(self.scale)), expanded=True)
            self.bar = self.status.progress(0.0)
        step = literal(label("phase", phase))
        percent = min(100, done * 100 // total) if total else -1
        if (phase, percent) == self.last:
            return
        self.last = (phase, percent)
        if total:
            text = t("startup.step", step=step, done=format_count(done), total=format_count(total))
            self.bar.progress(percent / 100, text=text)
        else:
            self.bar.progress(0.0, text=t("startup.step_open", step=step, done=format_count(done)))

    def fail(self) -> None:
        if self.status is not None:
            self.status.update(label=t("startup.failed"), state="error", expanded=False)

    def finish(self, message: str) -> None:
        if self.status is None:
            st.success(message, icon=":material/database:")
            return
        self.bar.empty()
        self.status.update(label=message, state="complete", expanded=False)


def _prepare(current: Settings) -> StartupReport:
    progress = _SeedingProgress(current.auto_seed_scale)
    try:
        report = prepare_database(get_engine(), current, progress=progress)
    except Exception as error:
        if database_problem(error) is not None:
            raise  # an outage: outage_guard shows it and retries
        log.exception("preparing the database failed")
        progress.fail()
        st.error(t("startup.failed"))
        st.stop()
    if report.seeded is not None:
        # said in place (the status box above the login form), not in a toast over the form
        progress.finish(seeded_message(report.seeded))
    return report


def ensure_database(current: Settings) -> StartupReport:
    """Migrate (and on the embedded database, seed) once per process; show seeding progress."""
    startup = _startup(current.database_url)
    if startup.report is not None:
        return startup.report
    if not startup.lock.acquire(blocking=False):
        with st.spinner(t("startup.waiting")):
            startup.lock.acquire()
    try:
        if startup.report is None:
            startup.report = _prepare(current)
        return startup.report
    finally:
        startup.lock.release()


def prepare_database_quietly(current: Settings) -> bool:
    """``ensure_database`` off screen (the server's warm-up): migrate once per process; True
    when the database is ready, False when it still needs demo data (its first visitor seeds
    it, with progress on screen)."""
    startup = _startup(current.database_url)
    with startup.lock:
        if startup.report is None:
            report = prepare_database(get_engine(), current, seed=False)
            if needs_seeding(get_engine(), current):
                return False
            startup.report = report
    return True


def leave_pages_folder_mode() -> None:
    """Make every run go through app.py and ``st.navigation``.

    Until a process first calls ``st.navigation``, Streamlit runs scripts in its legacy
    ``pages/`` folder mode: app.py, or a deep-linked page file alone, runs as a page of an
    automatic menu. Widgets then get other ids than in later runs (their state is lost on the
    first click) and a deep link skips the entrypoint. A rerun at once avoids both.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def page_setup() -> Settings:
    """Language and database ready for this run; returns the settings."""
    leave_pages_folder_mode()
    init_language()
    current = settings()
    ensure_database(current)
    currency.init_currency(current)
    return current


def sidebar(current: Settings) -> None:
    """Language switch, the database in use (product name only), the display time zone."""
    with st.sidebar:
        st.subheader(t("app.name"))
        language_switch()
        st.divider()
        st.markdown(t("shell.database", backend=literal(backend_name(current.database_url))))
        if current.is_embedded:
            st.badge(t("shell.demo_badge"), icon=":material/science:", color="orange")
            st.caption(t("shell.demo_help"))
        st.markdown(t("shell.time_zone", zone=literal(current.time_zone)))


LANDING_KEY = "_landing_page"
LANDING_PATH_SUFFIX = "home"
"""The landing page is registered at ``/<name>-home`` (answered at ``/``): ``/<name>`` leads
to ``/`` (``open_landing``)."""


def open_landing(home: st.Page) -> None:
    """Show the landing page ``home`` at ``/``, with the URL's query (``/accounts?account=A1``
    from a manager's link, for a CSM who lands on Accounts)."""
    st.switch_page(home, query_params=st.query_params.to_dict())


def page_url(name: str) -> str:
    """The URL path of page ``name`` for this session: ``/`` for the landing page."""
    return "/" if st.session_state.get(LANDING_KEY) == name else f"/{name}"


def current_actor() -> Actor | None:
    """The actor app.py's login gate verified in this session (None before a login)."""
    actor = st.session_state.get(ACTOR_KEY)
    return actor if isinstance(actor, Actor) else None


def refuse() -> None:
    """Tell the visitor this page is not theirs, and stop the run (no data is read)."""
    st.title(t("access.title"), anchor=False)
    st.error(t("access.denied"), icon=":material/block:")
    st.stop()


def require(action: str) -> Actor:
    """The current actor when allowed to ``action``; otherwise a refusal and the run stops.

    Every page calls this first: navigation hides forbidden pages, and this guard also holds
    when a page file runs without the entrypoint. The action is remembered for the callbacks
    of the page's widgets (``callback_actor``).
    """
    actor = current_actor()
    if actor is None or not can(actor, action):
        st.session_state.pop(_PAGE_ACTION, None)
        refuse()
    st.session_state[_PAGE_ACTION] = action
    return actor


def callback_actor(action: str | None = None) -> Actor | None:
    """The gate for widget callbacks, which Streamlit runs before app.py's gate and the page's
    ``require``: the logged-in user as stored now, if still allowed the page whose widget fired
    (and ``action``, when given); None otherwise. A callback that gets None must do nothing
    (the run that follows shows the login form or the refusal). Also makes ``current_actor``
    this fresh actor."""
    actor = login.reverify()
    needed = [st.session_state.get(_PAGE_ACTION), *([action] if action else [])]
    if actor is None or None in needed or not all(can(actor, a) for a in needed):
        return None
    return actor


def user_box(actor: Actor, display_name: str, logout: Callable[[], None]) -> None:
    """The signed-in user's name and role, and the logout button, in the sidebar."""
    with st.sidebar:
        st.divider()
        role = literal(label("role", actor.role))
        st.markdown(t("shell.signed_in", name=literal(display_name), role=role))
        logout()


@contextmanager
def outage_guard() -> Iterator[None]:
    """Around a whole run (app.py): a database that is unreachable or busy past the bounded
    wait shows "unavailable — retrying" (or "busy — retrying") instead of Streamlit's error
    page, and the run stops; the page comes back by itself once the database answers."""
    try:
        yield
    except Exception as error:
        if (problem := database_problem(error)) is None:
            raise
        _outage_screen(problem)


def _outage_screen(problem: DatabaseProblem) -> None:
    log.warning("database outage: %s", problem)
    busy = isinstance(problem, DatabaseBusy)
    st.warning(
        t("outage.busy" if busy else "outage.unavailable"),
        icon=":material/hourglass_top:" if busy else ":material/cloud_off:",
    )
    st.session_state[_OUTAGE_SINCE] = time.monotonic()
    _retry_when_back()
    st.stop()


@st.fragment(run_every=OUTAGE_RETRY_SECONDS)
def _retry_when_back() -> None:
    """Every few seconds: once the database answers again, run the whole page anew."""
    st.caption(t("outage.retrying", seconds=OUTAGE_RETRY_SECONDS))
    since = st.session_state.get(_OUTAGE_SINCE, 0.0)
    if time.monotonic() - since >= OUTAGE_RETRY_SECONDS and database_answers():
        st.session_state.pop(_OUTAGE_SINCE, None)
        st.rerun(scope="app")


def lazy_tabs(labels: Sequence[str], key: str, *, keep: Iterable[str] = ()) -> Sequence:
    """Tabs of which only the open one runs and is drawn (``tab.open``): a page pays for the
    tab the user looks at, not for the charts or boards of the others.

    Streamlit forgets the state of a widget that a run does not draw, so the widgets ``keep``
    (inside the tabs: filters, sort, page numbers) are carried over here and come back as they
    were when their tab is opened again. The open tab is also kept by its place, so a language
    switch (new labels) leaves the same tab open."""
    for name in keep:
        if name in st.session_state:
            st.session_state[name] = st.session_state[name]
    place = f"{key}__place"
    if st.session_state.get(key) not in labels and st.session_state.get(place, 0) < len(labels):
        st.session_state[key] = labels[st.session_state.get(place, 0)]
    tabs = st.tabs(labels, key=key, on_change="rerun")
    st.session_state[place] = next((n for n, tab in enumerate(tabs) if tab.open), 0)
    return tabs
