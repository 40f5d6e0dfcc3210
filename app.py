"""CS Cockpit, the Streamlit entrypoint: ``streamlit run app.py`` from the project root.

A run goes: page config → language and database (migrated, and seeded with demo data when
the embedded database is empty, with progress on screen) → sidebar → navigation. Whatever
must stop a visitor before any page shows belongs before ``st.navigation``.
"""

from __future__ import annotations

import streamlit as st

from ui import shell
from ui.i18n import t

st.set_page_config(page_title=t("app.name"), page_icon=":material/insights:", layout="wide")

settings = shell.page_setup()
shell.sidebar(settings)

pages = [
    st.Page(
        "pages/overview.py",
        title=t("nav.overview"),
        icon=":material/dashboard:",
        url_path="overview",
        default=True,
    ),
]
st.navigation(pages, position="top").run()
