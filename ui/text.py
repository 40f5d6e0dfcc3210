"""User text on screen: as literal text inside Markdown, or as Markdown made safe.

Card titles, descriptions and comments are written by users. Streamlit's Markdown escapes raw
HTML, but still renders links and images (a link can point anywhere; an image is fetched from
anywhere as soon as the card opens). ``literal`` makes any text show exactly as typed inside
Markdown (labels, headers); ``safe_markdown`` keeps emphasis, lists and headings of a card
description but shows HTML as text and links and images as plain text.
"""

from __future__ import annotations

import html
import re

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$=])")
_BARE_URL = re.compile(r"\b((?:https?|ftp|mailto|www\.)[^\s`<>\]\[()]*)", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")


def literal(text: str) -> str:
    """``text`` escaped so that Markdown shows every character as typed (one line)."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", " ".join(text.split()))


def safe_markdown(text: str) -> str:
    """A description as Markdown with raw HTML shown as text and no live links or images.

    HTML is escaped to entities; the brackets of ``[text](url)``, ``![alt](url)`` and
    reference links are escaped, so they show as typed; bare URLs and e-mail addresses become
    inline code, which Markdown never turns into links.
    """
    escaped = html.escape(text, quote=False)
    escaped = escaped.replace("[", "\\[").replace("]", "\\]")
    escaped = _BARE_URL.sub(lambda m: f"`{m.group(1)}`", escaped)
    return _EMAIL.sub(lambda m: f"`{m.group(0)}`", escaped)
