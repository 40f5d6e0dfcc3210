"""User text shown through Markdown: literal where it must be, safe where rendered."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from ui.text import literal, safe_markdown


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "**bold** _it_ [x](http://e.vil) ![i](http://e.vil/p.png)",
        ":red[alarm] $x^2$ # head",
    ],
)
def test_literal_text_renders_as_typed(text):
    def app(value: str) -> None:
        import streamlit as st

        from ui.text import literal

        st.markdown(literal(value))

    at = AppTest.from_function(app, args=(text,)).run()
    assert at.markdown[0].value == literal(text)
    assert "<script>" not in literal("<script>")


def test_safe_markdown_keeps_emphasis_and_neutralises_html_links_and_images():
    shown = safe_markdown(
        "**Steps** <img src=x onerror=alert(1)> [docs](javascript:alert(1)) "
        "![pixel](http://tracker.example/p.png) see https://evil.example/x or a@b.io\n"
        "[ref]: http://evil.example"
    )
    assert shown.startswith("**Steps**")
    assert "<img" not in shown and "&lt;img src=x onerror=alert(1)&gt;" in shown
    assert "\\[docs\\](javascript:alert(1))" in shown
    assert "!\\[pixel\\](`http://tracker.example/p.png`)" in shown
    assert "`https://evil.example/x`" in shown and "`a@b.io`" in shown
    assert "\\[ref\\]: `http://evil.example`" in shown
