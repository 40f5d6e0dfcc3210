"""CS Cockpit's server: ``streamlit run server.py`` (what ``./cockpit run`` starts).

It serves app.py, the Streamlit entrypoint, as ``streamlit run app.py`` would, and warms the
caches when the server starts (``ui.warm_up``), so the first visitor of a fresh server does
not wait for imports and the landing page's figures; a page opened by its own URL connects
to the server at once (``ui.page_links``). Options and ``.streamlit/`` are read as for
``streamlit run app.py``, which still works (without these).
"""

import streamlit as st
from starlette.middleware import Middleware

from ui.page_links import PageLinks
from ui.warm_up import lifespan

app = st.App("app.py", lifespan=lifespan, middleware=[Middleware(PageLinks)])
