"""Shared settings of the app's tables (``st.dataframe``): what keeps their text readable."""

from __future__ import annotations

WRAPPED_ROW_HEIGHT = 66
"""Row height in pixels that lets long text (subjects, names) wrap onto a second and third
line: Streamlit wraps cell text only in rows taller than 4 rem (64 px)."""


def wrapped_height(rows: int, *, most: int = 10) -> int:
    """The height in pixels of a wrapped table showing ``rows`` rows (at most ``most``) and
    its header, so that a page of rows does not hide behind a scroll bar after five."""
    return WRAPPED_ROW_HEIGHT * (min(rows, most) + 1) + 2
