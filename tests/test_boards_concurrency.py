"""Two processes moving cards on one board at once: no card is lost, duplicated or mis-ordered.

Each process makes random moves (between and within columns) as fast as it can. Afterwards
every card is on the board exactly once, each column's positions are 0..n-1, every move
was recorded, and replaying the recorded moves in order from the starting layout gives
exactly the final layout (so no move was applied on a stale view of the board).
"""

from __future__ import annotations

import random

from sqlalchemy import select

from cs_data import boards
from cs_data.auth import operator
from cs_data.db import create_engine_for, read_session
from cs_data.models import CardActivity
from tests.boards_helpers import layout

MOVES_PER_PROCESS = 40
CARDS = 12


def _mover(url: str, board_id: int, seed: int, start, done) -> None:
    engine = create_engine_for(url)
    rng = random.Random(seed)
    view = boards.get_board(engine, operator(), board_id)
    columns = [column.id for column in view.columns]
    keys = [card.key for column in view.columns for card in column.cards]
    start.wait()
    moved = 0
    for _ in range(MOVES_PER_PROCESS):
        boards.move_card(
            engine,
            operator(),
            rng.choice(keys),
            to_column_id=rng.choice(columns),
            position=rng.randrange(0, 6),
        )
        moved += 1
    done.put(moved)
    engine.dispose()


def _replay(start: dict[int, list[int]], moves: list[tuple[int, int, int]]) -> dict[int, list[int]]:
    board = {column: list(numbers) for column, numbers in start.items()}
    for number, to_column, position in moves:
        for numbers in board.values():
            if number in numbers:
                numbers.remove(number)
        board.setdefault(to_column, []).insert(position, number)
    return {column: numbers for column, numbers in board.items() if numbers}


def test_two_processes_moving_cards_at_once_lose_and_misplace_nothing(engine, db_url, spawn):
    board = boards.create_board(engine, operator(), name="Busy", template="blank")
    for i in range(CARDS):
        boards.add_card(
            engine, operator(), board.id, title=f"c{i}", column_id=board.columns[i % 3].id
        )
    before = {
        column: [number for _, number in cards]
        for column, cards in layout(engine, board.id).items()
    }

    start, done = spawn.Barrier(2), spawn.Queue()
    workers = [
        spawn.Process(target=_mover, args=(db_url, board.id, seed, start, done)) for seed in (1, 2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    assert [worker.exitcode for worker in workers] == [0, 0]
    assert done.get(timeout=5) + done.get(timeout=5) == 2 * MOVES_PER_PROCESS

    after = layout(engine, board.id)
    numbers = sorted(number for cards in after.values() for _, number in cards)
    assert numbers == list(range(1, CARDS + 1)), "every card exactly once"
    for cards in after.values():
        assert [position for position, _ in cards] == list(range(len(cards)))

    with read_session(engine) as session:
        recorded = session.execute(
            select(CardActivity.card_id, CardActivity.to_column_id, CardActivity.details)
            .where(CardActivity.board_id == board.id, CardActivity.kind == "moved")
            .order_by(CardActivity.id)
        ).all()
        number_of = {
            card.id: card.number
            for column in boards.get_board(engine, operator(), board.id).columns
            for card in column.cards
        }
    moves = [(number_of[card], column, details["position"]) for card, column, details in recorded]
    replayed = _replay(before, moves)
    final = {column: [number for _, number in cards] for column, cards in after.items()}
    assert replayed == final
