"""A grid of figure cards drawn as one static HTML element (``st.html``): each card has a label
with its help (shown on hover and on keyboard focus), the value, optionally the change (an
arrow and a tone: green good, red bad, gray neither) and a sparkline, an SVG image (``st.html``
keeps HTML only: inline SVG is removed, an image's data address is kept).

Every row of figures in the app is drawn by it: the KPI pages' cards, the Overview's customer
cards, the Renewals' totals, the Forecast's figures, the account 360's header and the Import
report's counts; a single figure beside a form or a list would stay an ``st.metric`` (none
does today). One element for the grid instead of a metric per card: a metric with a sparkline
is a Vega view of its own, and drawing the Overview's ten was much of the browser's work per
load (bench/README.md, "KPI cards in one element").

A value is set smaller when its card is too narrow for it (a Korean date or a full amount in a
five-card row, any row on a narrow screen), down to 1rem; only then is it cut off, its whole
text on hover.

Every text is escaped here and shows exactly as given (``literal`` would show its backslashes);
a help's line breaks are kept (a blank line parts the Forecast's exact amount from its
definition).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from unicodedata import east_asian_width
from urllib.parse import quote

import streamlit as st

Tone = Literal["green", "red", "gray"]
Arrow = Literal["up", "down", "off"]

CSS = (Path(__file__).parent / "card_grid.css").read_text(encoding="utf-8")
SPARK_WIDTH = 100
SPARK_HEIGHT = 40
"""The sparkline's drawing box; the SVG stretches it to the card's width."""
_SPARK_MARGIN = 3
LONG_VALUE = 7
"""Values longer than this (``US$5484만``) are set smaller, to fit a card of a five-card row."""
WIDE_EM = 1.0
NARROW_EM = 0.6
"""A character's width in em, about: a wide one (Hangul, CJK) and any other (Latin letters,
digits and signs are narrower, so the estimate errs on the small side)."""
TONE_COLORS = {"green": "#16A34A", "red": "#DC2626", "gray": "#6B7280"}
"""The sparkline's colour per tone (the change's colours are in card_grid.css)."""


@dataclass(frozen=True)
class Card:
    """One card: ``delta`` is the change as text (none: no change line); ``trend`` the values
    of the sparkline, oldest first (fewer than two: none), drawn as a filled area when
    ``area``."""

    label: str
    value: str
    help: str = ""
    delta: str | None = None
    tone: Tone = "gray"
    arrow: Arrow = "off"
    trend: Sequence[float] = ()
    area: bool = False


def spark_points(values: Sequence[float]) -> list[tuple[float, float]]:
    """``values`` placed in the sparkline's box: evenly from left to right, the lowest at the
    bottom and the highest at the top (a flat line in the middle when all are equal)."""
    low, high = min(values), max(values)
    span = SPARK_HEIGHT - 2 * _SPARK_MARGIN
    step = SPARK_WIDTH / (len(values) - 1)
    return [
        (
            round(index * step, 2),
            round(
                SPARK_HEIGHT / 2
                if high == low
                else _SPARK_MARGIN + (high - value) / (high - low) * span,
                2,
            ),
        )
        for index, value in enumerate(values)
    ]


def sparkline_svg(card: Card) -> str:
    """The card's sparkline as an SVG document (empty without two values): a line in its
    tone's colour, over a filled area when ``area``."""
    if len(card.trend) < 2:
        return ""
    color = TONE_COLORS[card.tone]
    line = " ".join(f"{x:g},{y:g}" for x, y in spark_points(card.trend))
    area = (
        f'<path d="M0,{SPARK_HEIGHT} L{line} L{SPARK_WIDTH},{SPARK_HEIGHT} Z" '
        f'fill="{color}" fill-opacity="0.12"/>'
        if card.area
        else ""
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SPARK_WIDTH} {SPARK_HEIGHT}" '
        f'preserveAspectRatio="none">{area}<polyline points="{line}" fill="none" '
        f'stroke="{color}" stroke-width="1.5" stroke-linejoin="round" '
        'vector-effect="non-scaling-stroke"/></svg>'
    )


def value_width(value: str) -> float:
    """The width of ``value`` in em, about: what a card needs to show it whole."""
    return sum(WIDE_EM if east_asian_width(c) in "WF" else NARROW_EM for c in value)


def _card(card: Card, *, end: bool) -> str:
    help_text = html.escape(card.help)
    help_icon = (
        f'<span class="cc-help" tabindex="0" role="img" aria-label="{help_text}">?</span>'
        if card.help
        else ""
    )
    delta = "" if card.delta is None else f'<div class="cc-delta">{html.escape(card.delta)}</div>'
    svg = sparkline_svg(card)
    spark = f'<img class="cc-spark" alt="" src="data:image/svg+xml,{quote(svg)}">' if svg else ""
    classes = f"cc-card cc-{card.tone}" + (" cc-end" if end else "")
    value = html.escape(card.value)
    size = " cc-long" if len(card.value) > LONG_VALUE else ""
    return (
        f'<div class="{classes}" data-arrow="{card.arrow}">'
        f'<div class="cc-label"><span>{html.escape(card.label)}</span>{help_icon}</div>'
        f'<div class="cc-fit"><div class="cc-value{size}" style="--cc-em: '
        f'{value_width(card.value):.1f}" title="{value}">{value}</div></div>{delta}{spark}</div>'
    )


def grid_html(cards: Sequence[Card], *, per_row: int) -> str:
    """The cards, ``per_row`` to a row (the last row keeps the same card width), with the
    grid's style; help near a row's end opens towards the left."""
    drawn = "".join(
        _card(card, end=per_row > 1 and index % per_row >= per_row / 2)
        for index, card in enumerate(cards)
    )
    return f'<style>{CSS}</style><div class="cc-grid" style="--cc-per-row: {per_row}">{drawn}</div>'


def show(cards: Sequence[Card], *, per_row: int) -> None:
    """Draw the cards as one element."""
    st.html(grid_html(cards, per_row=per_row))
