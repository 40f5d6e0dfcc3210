"""The pager under a paged table: a page number box and "n items · page x of y".

A page asks ``page_number(key, *selection)`` for the page to read before it reads it, and
shows ``pager(result, key, …)`` under the rows: the page number chosen stays while the
selection (the window and filters the list depends on) stays, and goes back to 1 when any of
it changes.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from cs_data.paging import Page
from ui.i18n import format_count, plural, t


def page_number(key: str, *selection: object) -> int:
    """The page to read for the pager ``key``: the one chosen, or 1 when ``selection`` differs
    from the one the page was chosen under (a changed filter starts again at the first page).

    Pass what the list depends on and a person chooses (window, filters, search), not
    what moves by itself, such as an ``as_of`` of now. Call it before ``pager`` renders.
    """
    seen = f"{key}_selection"
    if st.session_state.get(seen) != selection:
        st.session_state[seen] = selection
        st.session_state[key] = 1
    return int(st.session_state.get(key, 1))


def pager(result: Page[Any], key: str, count_key: str) -> None:
    """The page number (session key ``key``, clamped to the result) and the count caption
    (``count_key`` with ``total``, ``page`` and ``pages``)."""
    left, right = st.columns([1, 3], vertical_alignment="center")
    st.session_state[key] = result.page
    left.number_input(t("paging.page"), min_value=1, max_value=result.pages, key=key)
    right.caption(
        plural(
            count_key,
            result.total,
            total=format_count(result.total),
            page=format_count(result.page),
            pages=format_count(result.pages),
        )
    )
