"""Benchmark: a board of 500 cards — reading it, moving a card, and the Boards page's script.

    .venv/bin/python bench/board_500.py --db-url sqlite:///bench/out/board.db

Creates a customer-success board with 500 cards spread over its five columns (a third
tagged, a checklist item and a comment on every tenth), then times, as the median of
``--repeats`` runs after a warm-up:

1. ``boards.get_board``: the board with its columns and cards in order (what the page reads);
2. ``boards.move_card``: one move, the command the move control calls;
3. the Boards page's script run (AppTest on app.py, warm, expanded and collapsed) against the
   same page showing an empty board (the app shell, login check and page frame alone), and a
   bare hello-world script.

The page timing is the server's script run only; the browser's rendering comes on top (the
page-speed issue's ``bench/page_ready.py`` measures that end to end).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from sqlalchemy import Engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, fresh_database, median_seconds
from cs_data import boards, schema, users
from cs_data.auth import operator
from cs_data.config import get_settings
from cs_data.db import create_engine_for, get_engine

CARDS = 500
PASSWORD = "Bench-pass-12"


def big_board(engine: Engine, key: str = "BIG") -> boards.BoardView:
    """The board ``key`` of ``CARDS`` cards, made once (the browser benchmarks reuse it)."""
    listed = {summary.key: summary for summary in boards.list_boards(engine, operator())}
    if key in listed:
        return boards.get_board(engine, operator(), listed[key].id)
    return _fill(engine, key)


def _fill(engine: Engine, key: str | None = None) -> boards.BoardView:
    view = boards.create_board(engine, operator(), name="Big board", key=key)
    for number in range(CARDS):
        card = boards.add_card(
            engine,
            operator(),
            view.id,
            title=f"Card {number}: call the customer about the renewal",
            column_id=view.columns[number % 4].id,
            tags=["vip"] if number % 3 == 0 else [],
        )
        if number % 10 == 0:
            boards.add_checklist_item(engine, operator(), card.id, text="Prepare the call")
            boards.add_comment(engine, operator(), card.id, body="Booked for Thursday.")
    return boards.get_board(engine, operator(), view.id)


def _hello() -> None:
    import streamlit as st

    st.title("Hello")
    st.write("world")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db-url", default="sqlite:///bench/out/board.db")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    from streamlit.testing.v1 import AppTest

    with fresh_database(args.db_url) as url:
        os.environ["CS_DATABASE_URL"] = url
        os.environ.setdefault("CS_COOKIE_KEY", "bench-cookie-key-" + "0123456789" * 4)
        get_settings.cache_clear()
        get_engine.cache_clear()
        engine = create_engine_for(url)
        schema.upgrade(engine)
        users.create_user(
            engine,
            operator(),
            username="boss",
            display_name="Boss",
            role="admin",
            password=PASSWORD,
        )
        view = _fill(engine)
        empty = boards.create_board(engine, operator(), name="Empty board", key="EMPTY")
        read, _ = median_seconds(
            lambda: boards.get_board(engine, operator(), view.id), args.repeats
        )
        columns = [column.id for column in view.columns[:2]]
        moves = iter(range(10_000))

        def move() -> None:
            boards.move_card(
                engine, operator(), "CS-1", to_column_id=columns[next(moves) % 2], position=0
            )

        moved, _ = median_seconds(move, args.repeats)

        app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        app.session_state["authentication_status"] = True
        app.session_state["username"] = "boss"
        app.session_state["name"] = "Boss"
        app.run()
        app.switch_page("pages/boards.py").run()
        expanded, _ = median_seconds(lambda: app.run(), args.repeats)
        app.toggle(key="boards_collapsed").set_value(True).run()
        collapsed, _ = median_seconds(lambda: app.run(), args.repeats)
        app.toggle(key="boards_collapsed").set_value(False).run()
        app.selectbox(key="boards_board").set_value(empty.key).run()
        frame, _ = median_seconds(lambda: app.run(), args.repeats)
        hello_app = AppTest.from_function(_hello).run()
        hello, _ = median_seconds(lambda: hello_app.run(), args.repeats)
        engine.dispose()
        get_engine().dispose()

    print(f"{CARDS} cards on {url.split(':')[0]}")
    print(f"get_board           {read * 1000:8.1f} ms")
    print(f"move_card           {moved * 1000:8.1f} ms")
    print(f"page run, expanded  {expanded * 1000:8.1f} ms  ({expanded / frame:.1f}x empty board)")
    print(f"page run, collapsed {collapsed * 1000:8.1f} ms  ({collapsed / frame:.1f}x empty board)")
    print(f"page, empty board   {frame * 1000:8.1f} ms")
    print(f"hello world script  {hello * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
