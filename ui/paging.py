"""The pager under a paged table: a page number box and "n items · page x of y"."""

from __future__ import annotations

from typing import Protocol

import streamlit as st

from ui.i18n import format_count, t


class Paged(Protocol):
    """A page of results as cs_data returns them."""

    total: int
    page: int

    @property
    def pages(self) -> int: ...


def pager(result: Paged, key: str, count_key: str) -> None:
    """The page number (session key ``key``, clamped to the result) and the count caption
    (``count_key`` with ``total``, ``page`` and ``pages``)."""
    left, right = st.columns([1, 3], vertical_alignment="center")
    st.session_state[key] = result.page
    left.number_input(t("paging.page"), min_value=1, max_value=result.pages, key=key)
    right.caption(
        t(
            count_key,
            total=format_count(result.total),
            page=format_count(result.page),
            pages=format_count(result.pages),
        )
    )
