"""CS Cockpit, the Streamlit entrypoint: ``streamlit run app.py`` from the project root.

A run goes: page config → language and database (migrated, and seeded with demo data when
the embedded database is empty, with progress on screen) → sidebar → login gate →
navigation. Whatever must stop a visitor before any page shows belongs before
``st.navigation``: the gate stops the run unless a known, active user is logged in, and the
navigation registers only the pages that user's role may open (the others answer their URL
with a refusal).
"""

from __future__ import annotations

import streamlit as st

from cs_data.auth import can
from ui import login, shell
from ui.i18n import t

PAGES = (
    # (file, title key, icon, url path, permission)
    ("pages/overview.py", "nav.overview", ":material/dashboard:", "overview", "page.overview"),
    ("pages/support.py", "nav.support", ":material/support_agent:", "support", "page.support"),
    ("pages/feedback.py", "nav.feedback", ":material/reviews:", "feedback", "page.feedback"),
    (
        "pages/retention.py",
        "nav.retention",
        ":material/autorenew:",
        "retention",
        "page.retention",
    ),
    ("pages/team.py", "nav.team", ":material/groups:", "team", "page.team"),
    ("pages/targets.py", "nav.targets", ":material/flag:", "targets", "page.targets"),
    ("pages/audit.py", "nav.audit", ":material/history:", "audit", "page.audit"),
    ("pages/users.py", "nav.users", ":material/group:", "users", "page.users"),
)

st.set_page_config(page_title=t("app.name"), page_icon=":material/insights:", layout="wide")

settings = shell.page_setup()
shell.sidebar(settings)
actor, authenticator = login.gate(settings)
shell.user_box(actor, login.display_name(), lambda: login.logout_button(authenticator))

pages = [
    st.Page(path, title=t(title), icon=icon, url_path=url, default=url == "overview")
    if can(actor, action)
    else st.Page(shell.refuse, title=t(title), url_path=url, visibility="hidden")
    for path, title, icon, url, action in PAGES
]
st.navigation(pages, position="top").run()
