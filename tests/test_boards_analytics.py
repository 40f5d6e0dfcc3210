"""Flow analytics on a hand-made history, worked out by hand.

Board columns: To do → Doing → Review → Done. Window: the 10 days 2026-05-06 .. 2026-05-15
(2026-05-15 is a Friday), "now" 2026-05-15 12:00 UTC.

- card 1 (bug): created 05-01 in To do; to Doing 05-08 09:00; to Done 05-10 09:00 (2 days)
- card 2 (bug, vip): created 05-07; to Doing 05-08 10:00; to Review 05-09; to Done 05-14 10:00
  (6 days)
- card 3: created 05-09 12:00; to Review 05-11 12:00 (waiting 4 days)
- card 4 (vip): created 05-02; archived from To do 05-12
- card 5: created 05-14 00:00 (waiting 1.5 days)
- card 6 (bug): to Doing 04-02, to Done 04-10: before the window (in the baseline only)
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from cs_data import boards
from cs_data.auth import operator
from cs_data.db import transaction
from cs_data.models import Card, CardActivity, CardTag

TODAY = date(2026, 5, 15)
NOW = datetime(2026, 5, 15, 12, tzinfo=UTC)


def _at(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@pytest.fixture
def board(engine):
    view = boards.create_board(engine, operator(), name="Flow", template="blank", key="FL")
    view = boards.add_column(engine, operator(), view.id, name="Review", position=2)
    todo, doing, review, done = (column.id for column in view.columns)
    # number: (final column, archived, created, tags, [(at, from, to, kind)])
    history = {
        1: (done, False, _at(5, 1), ["bug"], [(_at(5, 8), todo, doing), (_at(5, 10), doing, done)]),
        2: (
            done,
            False,
            _at(5, 7, 10),
            ["bug", "vip"],
            [
                (_at(5, 8, 10), todo, doing),
                (_at(5, 9, 10), doing, review),
                (_at(5, 14, 10), review, done),
            ],
        ),
        3: (review, False, _at(5, 9, 12), [], [(_at(5, 11, 12), todo, review)]),
        4: (todo, True, _at(5, 2), ["vip"], [(_at(5, 12), todo, None)]),
        5: (todo, False, _at(5, 14, 0), [], []),
        6: (done, False, _at(4, 1), ["bug"], [(_at(4, 2), todo, doing), (_at(4, 10), doing, done)]),
    }
    with transaction(engine) as session:
        for number, (column, archived, created, tags, moves) in history.items():
            card = Card(
                board_id=view.id,
                number=number,
                column_id=column,
                position=number,
                title=f"Card {number}",
                created_at=created,
                is_archived=archived,
            )
            session.add(card)
            session.flush()
            session.add_all(CardTag(card_id=card.id, tag=tag) for tag in tags)
            events = [(created, None, todo), *moves]
            for at, source, target in events:
                kind = "created" if source is None else "archived" if target is None else "moved"
                session.add(
                    CardActivity(
                        card_id=card.id,
                        board_id=view.id,
                        occurred_at=at,
                        actor_name="test",
                        kind=kind,
                        from_column_id=source,
                        to_column_id=target,
                    )
                )
    return view


def test_cumulative_flow_counts_each_column_at_the_end_of_each_day(engine, board):
    result = boards.flow(engine, operator(), board.id, today=TODAY, days=10, now=NOW)

    assert result.columns == ["To do", "Doing", "Review", "Done"]
    assert (result.start, result.end) == (date(2026, 5, 6), TODAY)
    table = result.cumulative_flow.pivot(index="day", columns="column", values="cards")
    expected = {
        "To do": [2, 3, 1, 2, 2, 1, 0, 0, 1, 1],
        "Doing": [0, 0, 2, 1, 0, 0, 0, 0, 0, 0],
        "Review": [0, 0, 0, 1, 1, 2, 2, 2, 1, 1],
        "Done": [1, 1, 1, 1, 2, 2, 2, 2, 3, 3],
    }
    for column, counts in expected.items():
        assert table[column].tolist() == counts, column
    assert result.wip["cards"].tolist() == [0, 0, 2, 2, 1, 2, 2, 2, 1, 1]


def test_throughput_counts_arrivals_in_done_per_week(engine, board):
    result = boards.flow(engine, operator(), board.id, today=TODAY, days=10, now=NOW)

    assert result.throughput["week_start"].tolist() == [date(2026, 5, 4), date(2026, 5, 11)]
    assert result.throughput["cards"].tolist() == [1, 1]


def test_cycle_time_median_and_p85_per_tag(engine, board):
    result = boards.flow(engine, operator(), board.id, today=TODAY, days=10, now=NOW)

    rows = {row.tag: row for row in result.cycle_time.itertuples()}
    assert list(rows) == ["all", "bug", "vip"]
    assert rows["all"].cards == 2 and rows["bug"].cards == 2 and rows["vip"].cards == 1
    assert rows["all"].median_days == pytest.approx(4.0)
    assert rows["all"].p85_days == pytest.approx(5.4)
    assert rows["bug"].p85_days == pytest.approx(5.4)
    assert (rows["vip"].median_days, rows["vip"].p85_days) == pytest.approx((6.0, 6.0))


def test_ageing_lists_the_longest_waiting_open_cards_per_column(engine, board):
    result = boards.flow(engine, operator(), board.id, today=TODAY, days=10, now=NOW)

    assert result.ageing[["column", "key"]].values.tolist() == [
        ["To do", "FL-5"],
        ["Review", "FL-3"],
    ]
    assert result.ageing["days"].tolist() == pytest.approx([1.5, 4.0])


def test_an_empty_board_has_flat_flow_and_no_cycle_times(engine):
    view = boards.create_board(engine, operator(), name="Empty", template="customer_success")
    result = boards.flow(engine, operator(), view.id, today=TODAY, now=NOW)

    assert len(result.cumulative_flow) == 90 * 5
    assert result.cumulative_flow["cards"].sum() == 0
    assert result.cycle_time.empty and result.ageing.empty
    assert result.throughput["cards"].sum() == 0
