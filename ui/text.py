"""Text that a user or an import wrote, made safe to show inside Markdown: ``literal(text)``.

``st.markdown``, ``st.caption``, ``st.success``, ``st.toast`` and the other message elements
render their text as Markdown (with Streamlit's extensions), so a display name such as
``**Boss** [help](https://example.com)`` would turn bold with a live link. ``literal`` makes
any text show exactly as it was typed when it is put into such an element, usually as a
parameter of ``ui.i18n.t``. Plain-text places (``st.text``, table cells, chart tooltips,
select box options) need no escaping and must not get it: they would show the backslashes.

Streamlit's renderer has two stages, and each needs its own defence:

- The Markdown parser (CommonMark with GFM, math, ``:directive[...]``): every ASCII
  punctuation character is backslash-escaped, which CommonMark defines as "the character
  itself, as text". That stops emphasis, links, images, HTML, code, tables, headings,
  lists, math (``$``) and directives (``:red[...]``).
- Plugins that rewrite the parsed *text* afterwards, where escapes are already gone:
  emoji and icon shortcodes (``:smile:``, ``:material/home:``, ``:streamlit:``), bare URLs
  and e-mail addresses that GFM turns into links, and typographic replacements
  (``->`` to an arrow, ``--`` to a dash). A WORD JOINER (U+2060, invisible and without
  width) breaks each of these patterns: it goes before every ``:`` and ``@``, before the dot
  of ``www.``, and inside the typographic pairs (``--``, ``->``, ``<-``, ``>=``, ``<=``,
  ``~=``, ``..``). Only there: elsewhere the text stays free of it, so an id such as
  ``CS-42`` is found by the browser's search and copied as typed.

``safe_markdown(text)`` is for text meant as Markdown (a card's description): it keeps
emphasis, lists and headings but shows raw HTML as text and links and images as plain text (a
link can point anywhere; an image is fetched from anywhere as soon as the card opens).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

WORD_JOINER = "\u2060"
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


_JOINED = re.compile(r"[:@]|(?i:(?<=www))\.|(?<=-)[->]|(?<=<)[-=]|(?<=[>~])=|(?<=\.)\.")
"""Punctuation that starts or continues a pattern of the text plugins: a joiner goes before."""


def _escaped(match: re.Match[str]) -> str:
    joiner = WORD_JOINER if _JOINED.match(match.string, match.start()) else ""
    return f"{joiner}\\{match.group(1)}"


def literal(text: object) -> str:
    """``text`` escaped so that Streamlit's Markdown shows it verbatim (line breaks kept)."""
    escaped = _PUNCTUATION.sub(_escaped, str(text))
    return _LINE_BREAK.sub("\\\\\n", escaped)


def literal_params(params: Mapping[str, object]) -> dict[str, str]:
    """Message parameters (``t(key, **literal_params(...))``): numbers with thousands
    separators, everything else as ``literal`` text."""
    return {
        name: f"{value:,}"
        if isinstance(value, int) and not isinstance(value, bool)
        else literal(value)
        for name, value in params.items()
    }


def plain(text: str) -> str:
    """``text`` unchanged, marked for a plain-text place (a table cell, ``st.text``) that is
    not written inside that call: never hand it to Markdown. The architecture test trusts it."""
    return text


def code(text: object) -> str:
    """``text`` as a Markdown code span (monospace), shown verbatim whatever it holds."""
    value = str(text).replace("\n", " ")
    fence = "`" * (max((len(run) for run in re.findall("`+", value)), default=0) + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


_BARE_URL = re.compile(r"\b((?:https?|ftp|mailto|www\.)[^\s`<>\]\[()]*)", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")


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
