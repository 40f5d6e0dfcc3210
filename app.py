"""CS Cockpit, the Streamlit entrypoint: ``streamlit run app.py`` from the project root.

A run goes: page config → language and database (migrated, and seeded with demo data when
the embedded database is empty, with progress on screen) → sidebar → login gate →
navigation, all inside ``shell.outage_guard`` (a database that cannot be used now shows a
"retrying" state, not an error page). Whatever must stop a visitor before any page shows
belongs before ``st.navigation``: the gate stops the run unless a known, active user is
logged in, and the navigation registers only the pages that user's role may open (the others
answer their URL with a refusal).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import streamlit as st

from cs_data.auth import can
from ui import health_refresh, login, shell, warm_up
from ui.i18n import t
from ui.navigation import LANDING, PAGES, SECTIONS

FAVICON = Path(__file__).parent / "assets" / "favicon.svg"
"""Served by the app itself: a ``:material/…:`` or emoji icon is fetched from a public host."""

st.set_page_config(page_title=t("app.name"), page_icon=str(FAVICON), layout="wide")

with (
    warm_up.page_run(),  # a fresh server's warm-up waits for it
    shell.outage_guard(),  # the database down or busy: "retrying", then back by itself
):
    settings = shell.page_setup()
    shell.sidebar(settings)
    actor, authenticator = login.gate(settings)
    shell.user_box(actor, login.display_name(), lambda: login.logout_button(authenticator))
    health_refresh.ensure_today()

    open_pages = {page.name for page in PAGES if can(actor, f"page.{page.name}")}
    landing = LANDING.get(actor.role, "overview")
    landing = landing if landing in open_pages else "overview"
    landing_section = next(page.section for page in PAGES if page.name == landing)
    st.session_state[shell.LANDING_KEY] = landing  # the landing page answers at "/"
    menu: dict[str, list[st.Page]] = {section: [] for section in SECTIONS}
    for page in PAGES:
        title = t(f"nav.{page.name}")
        if page.name == landing:  # at "/"; its own URL (a link from someone who lands
            # elsewhere) leads there, as Streamlit reserves a default page's path unanswered
            home = st.Page(
                f"pages/{page.name}.py",
                title=title,
                icon=page.icon,
                url_path=f"{page.name}-{shell.LANDING_PATH_SUFFIX}",
                default=True,
            )
            to_home = partial(shell.open_landing, home)
            alias = st.Page(to_home, title=title, url_path=page.name, visibility="hidden")
            menu[page.section] += [home, alias]
        elif page.name in open_pages:
            menu[page.section].append(
                st.Page(f"pages/{page.name}.py", title=title, icon=page.icon, url_path=page.name)
            )
        else:  # registered, so its URL answers with a refusal, but never listed in a menu
            hidden = st.Page(shell.refuse, title=title, url_path=page.name, visibility="hidden")
            menu[landing_section].append(hidden)
    current = st.navigation(
        {t(f"nav.section.{section}"): pages for section, pages in menu.items() if pages},
        position="top",
    )
    st.set_page_config(page_title=t("app.page_title", page=current.title))
    current.run()
