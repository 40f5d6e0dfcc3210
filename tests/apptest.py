"""AppTest helpers: the real app.py on a test database, with a logged-in user.

The login form itself is driven in the browser tests (``tests/e2e/test_login.py``). Here a
session starts the way streamlit-authenticator leaves one after a successful login (its
``authentication_status``, ``username`` and ``name`` session keys); the gate in app.py still
looks the user up in the database on every run, so roles and deactivation are real. A browser
cannot write session state, so this is no way in for a visitor.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

from streamlit.testing.v1 import AppTest

from cs_data import users
from cs_data.auth import operator
from cs_data.db import get_engine
from tests.databases import migrate

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PASSWORD = "Page-test-pass1"
COOKIE_KEY = "test-cookie-key-" + "0123456789" * 4


def new_app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60)


def add_user(username: str, role: str, display_name: str | None = None) -> None:
    """A user of the configured database who can log in with ``PASSWORD``."""
    engine = get_engine()
    migrate(engine)
    users.create_user(
        engine,
        operator(),
        username=username,
        display_name=display_name or username.title(),
        role=role,
        password=PASSWORD,
    )


def log_in(at: AppTest, username: str, display_name: str | None = None) -> AppTest:
    """Start ``at``'s session as logged in as ``username`` (see the module docstring)."""
    at.session_state["authentication_status"] = True
    at.session_state["username"] = username
    at.session_state["name"] = display_name or username.title()
    return at


def open_tab(at: AppTest, key: str, label: str) -> AppTest:
    """Select the tab ``label`` of the lazy tabs ``key`` (only the open tab runs) and rerun,
    as a click on the tab does in the browser."""
    at.session_state[key] = label
    return at.run()


def pinned_columns(at: AppTest, table: int = 0) -> list[str]:
    """The columns of the ``table``-th dataframe that stay in view when it scrolls sideways."""
    config = json.loads(at.dataframe[table].proto.columns)
    return [name for name, column in config.items() if column.get("pinned")]


@dataclass
class ShownCard:
    """A card of ``ui.card_grid`` as drawn: its texts, tone, arrow and sparkline points."""

    label: str = ""
    value: str = ""
    help: str = ""
    delta: str = ""
    tone: str = ""
    arrow: str = ""
    points: int = 0
    _part: str = field(default="", repr=False)


class _CardReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.cards: list[ShownCard] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if "cc-card" in classes:
            tone = next(name[3:] for name in classes if name in ("cc-green", "cc-red", "cc-gray"))
            self.cards.append(ShownCard(tone=tone, arrow=attributes["data-arrow"] or ""))
        elif not self.cards:
            return
        card = self.cards[-1]
        if "cc-label" in classes:
            card._part = "label"
        elif "cc-value" in classes:
            card._part = "value"
        elif "cc-delta" in classes:
            card._part = "delta"
        elif "cc-help" in classes:
            card.help, card._part = attributes["aria-label"] or "", ""
        elif "cc-spark" in classes:
            svg = unquote((attributes["src"] or "").removeprefix("data:image/svg+xml,"))
            card.points = len(re.search(r'<polyline points="([^"]*)"', svg)[1].split())

    def handle_data(self, data: str) -> None:
        if self.cards and self.cards[-1]._part:
            card = self.cards[-1]
            setattr(card, card._part, getattr(card, card._part) + data)

    def handle_endtag(self, tag: str) -> None:
        if self.cards and tag in ("div", "span"):
            self.cards[-1]._part = ""


def drawn_cards(at: AppTest) -> list[ShownCard]:
    """The figure cards (``ui.card_grid``) the run drew, in order."""
    reader = _CardReader()
    for element in at.get("html"):
        reader.feed(element.value)
    return reader.cards


def shown_cards(at: AppTest) -> dict[str, ShownCard]:
    """The figure cards the run drew, by label."""
    return {card.label: card for card in drawn_cards(at)}


def card_values(at: AppTest) -> dict[str, str]:
    """The cards' values by label."""
    return {label: card.value for label, card in shown_cards(at).items()}
