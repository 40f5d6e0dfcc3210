"""Flow analytics of a board, computed in SQL from the cards' activity history.

- **Cumulative flow**: cards in each column at the end of each UTC day of the window. A card
  is in column ``c`` at an instant when its events up to then that bring it into ``c``
  (``to_column_id``: created, moved in, restored) outnumber those that take it out
  (``from_column_id``: moved out, archived). SQL sums these ±1 per column before the window
  and per day inside it; the running total is taken over the (at most a few hundred) sums.
- **WIP over time**: of that, the cards in the columns between the first and the last.
- **Throughput**: arrivals in the done column (the last column) per ISO week (from Monday).
- **Cycle time**: from a card's first move out of the first column to its first arrival in
  the done column after that, for cards arriving in the window; median and 85th percentile
  in days per tag (a card counts under each of its tags, and under "all").
- **Ageing**: the open cards waiting longest in each column (not the done column), by the
  time since they last entered it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pandas as pd
from sqlalchemy import Connection, Engine, and_, func, literal, select, union_all
from sqlalchemy.sql.elements import ColumnElement

from cs_data.auth import Actor
from cs_data.boards.access import card_key, open_board
from cs_data.db import read_session
from cs_data.elapsed import elapsed_ms
from cs_data.kpi.scope import day_start
from cs_data.kpi.sql import MEDIAN, as_int, bucket_index, instant, percentiles
from cs_data.models import Board, BoardColumn, Card, CardActivity, CardTag

P85 = Fraction(85, 100)
MS_PER_DAY = 86_400_000
ALL_TAGS = "all"
UNTAGGED = "(no tag)"


@dataclass(frozen=True)
class FlowAnalytics:
    """A board's flow over ``days`` ending on ``today`` (UTC days)."""

    start: date
    end: date
    columns: list[str]
    """Column names in board order."""
    cumulative_flow: pd.DataFrame
    """day, column, position, cards: cards in the column at the end of the day."""
    wip: pd.DataFrame
    """day, cards: cards in the columns between the first and the last."""
    throughput: pd.DataFrame
    """week_start, cards: arrivals in the done column per ISO week."""
    cycle_time: pd.DataFrame
    """tag, cards, median_days, p85_days; the ``all`` row first."""
    ageing: pd.DataFrame
    """column, key, title, days: the longest waiting open cards per column."""


def flow(
    engine: Engine,
    actor: Actor,
    board_id: int,
    *,
    today: date | None = None,
    days: int = 90,
    ageing_per_column: int = 5,
    now: datetime | None = None,
) -> FlowAnalytics:
    """The flow analytics of a board the actor may see (see the module's description)."""
    today = today or datetime.now(UTC).date()
    now = now or min(datetime.now(UTC), day_start(today + timedelta(days=1)))
    window = [today - timedelta(days=days - 1 - i) for i in range(days)]
    start, end = day_start(window[0]), day_start(today + timedelta(days=1))
    with read_session(engine) as session:
        access = open_board(session, actor, "board.view", board_id, "visitor", write=False)
        board: Board = access.board
        columns = session.execute(
            select(BoardColumn.id, BoardColumn.name)
            .where(BoardColumn.board_id == board_id)
            .order_by(BoardColumn.position)
        ).all()
        names = [name for _, name in columns]
        ids = [column_id for column_id, _ in columns]
        connection = session.connection()

        entries = union_all(
            select(
                CardActivity.to_column_id.label("column_id"),
                CardActivity.occurred_at.label("at"),
                literal(1).label("delta"),
            ).where(CardActivity.board_id == board_id, CardActivity.to_column_id.is_not(None)),
            select(
                CardActivity.from_column_id,
                CardActivity.occurred_at,
                literal(-1),
            ).where(CardActivity.board_id == board_id, CardActivity.from_column_id.is_not(None)),
        ).subquery()
        baseline = dict(
            connection.execute(
                select(entries.c.column_id, func.sum(entries.c.delta))
                .where(entries.c.at < instant(start))
                .group_by(entries.c.column_id)
            ).all()
        )
        uppers = [day_start(day + timedelta(days=1)) for day in window]
        day_index = bucket_index(entries.c.at, [instant(u) for u in uppers]).label("day")
        deltas = connection.execute(
            select(day_index, entries.c.column_id, func.sum(entries.c.delta))
            .where(entries.c.at >= instant(start), entries.c.at < instant(end))
            .group_by(day_index, entries.c.column_id)
        ).all()
        by_day: dict[tuple[int, int], int] = {
            (int(day), column_id): as_int(total) for day, column_id, total in deltas
        }
        flow_rows = []
        for position, (column_id, name) in enumerate(columns):
            running = as_int(baseline.get(column_id))
            for index, day in enumerate(window):
                running += by_day.get((index, column_id), 0)
                flow_rows.append((day, name, position, running))
        cumulative = pd.DataFrame(flow_rows, columns=["day", "column", "position", "cards"])
        middle = names[1:-1] if len(names) > 2 else names[:-1]
        wip = (
            cumulative[cumulative["column"].isin(middle)]
            .groupby("day", as_index=False)["cards"]
            .sum()
            if middle
            else pd.DataFrame({"day": window, "cards": [0] * len(window)})
        )

        done_id = ids[-1] if ids else None
        first_id = ids[0] if ids else None
        throughput = _throughput(connection, board_id, done_id, window, end)
        cycle = _cycle_time(connection, board_id, first_id, done_id, start, end)
        ageing = _ageing(connection, board, done_id, now, ageing_per_column, dict(columns))
    return FlowAnalytics(
        start=window[0],
        end=today,
        columns=names,
        cumulative_flow=cumulative,
        wip=wip.reset_index(drop=True),
        throughput=throughput,
        cycle_time=cycle,
        ageing=ageing,
    )


def _arrivals(board_id: int, done_id: int | None) -> list[ColumnElement[bool]]:
    return [
        CardActivity.board_id == board_id,
        CardActivity.kind == "moved",
        CardActivity.to_column_id == done_id,
        CardActivity.from_column_id != done_id,
    ]


def _throughput(
    connection: Connection, board_id: int, done_id: int | None, window: list[date], end: datetime
) -> pd.DataFrame:
    first_monday = window[0] - timedelta(days=window[0].weekday())
    weeks = []
    monday = first_monday
    while monday <= window[-1]:
        weeks.append(monday)
        monday += timedelta(days=7)
    counts: dict[int, int] = {}
    if done_id is not None:
        week = bucket_index(
            CardActivity.occurred_at, [instant(day_start(w + timedelta(days=7))) for w in weeks]
        ).label("week")
        rows = connection.execute(
            select(week, func.count())
            .where(
                *_arrivals(board_id, done_id),
                CardActivity.occurred_at >= instant(day_start(weeks[0])),
                CardActivity.occurred_at < instant(end),
            )
            .group_by(week)
        ).all()
        counts = {int(index): int(n) for index, n in rows}
    return pd.DataFrame(
        {"week_start": weeks, "cards": [counts.get(i, 0) for i in range(len(weeks))]}
    )


def _cycle_time(
    connection: Connection,
    board_id: int,
    first_id: int | None,
    done_id: int | None,
    start: datetime,
    end: datetime,
) -> pd.DataFrame:
    empty = pd.DataFrame(columns=["tag", "cards", "median_days", "p85_days"])
    if first_id is None or done_id is None or first_id == done_id:
        return empty
    began = (
        select(CardActivity.card_id, func.min(CardActivity.occurred_at).label("began"))
        .where(
            CardActivity.board_id == board_id,
            CardActivity.kind == "moved",
            CardActivity.from_column_id == first_id,
            CardActivity.to_column_id != first_id,
        )
        .group_by(CardActivity.card_id)
        .subquery()
    )
    finished = (
        select(CardActivity.card_id, func.min(CardActivity.occurred_at).label("finished"))
        .join(began, began.c.card_id == CardActivity.card_id)
        .where(*_arrivals(board_id, done_id), CardActivity.occurred_at > began.c.began)
        .group_by(CardActivity.card_id)
        .subquery()
    )
    spans = (
        select(
            began.c.card_id,
            elapsed_ms(began.c.began, finished.c.finished).label("ms"),
        )
        .join(finished, finished.c.card_id == began.c.card_id)
        .where(finished.c.finished >= instant(start), finished.c.finished < instant(end))
        .subquery()
    )
    tagged = (
        select(func.coalesce(CardTag.tag, UNTAGGED).label("tag"), spans.c.ms)
        .select_from(spans)
        .outerjoin(CardTag, CardTag.card_id == spans.c.card_id)
        .subquery()
    )
    quantiles = (MEDIAN, P85)
    overall = percentiles(connection, literal(ALL_TAGS), spans.c.ms, [], quantiles)
    per_tag = percentiles(connection, tagged.c.tag, tagged.c.ms, [], quantiles)
    counts = dict(
        connection.execute(select(tagged.c.tag, func.count()).group_by(tagged.c.tag)).all()
    )
    total = connection.execute(select(func.count()).select_from(spans)).scalar_one()
    rows = []
    for tag, values in [(ALL_TAGS, overall.get(ALL_TAGS)), *sorted(per_tag.items())]:
        if values:
            cards = total if tag == ALL_TAGS else counts.get(tag, 0)
            rows.append((tag, int(cards), values[0] / MS_PER_DAY, values[1] / MS_PER_DAY))
    return (
        pd.DataFrame(rows, columns=["tag", "cards", "median_days", "p85_days"]) if rows else empty
    )


def _ageing(
    connection: Connection,
    board: Board,
    done_id: int | None,
    now: datetime,
    per_column: int,
    column_names: dict[int, str],
) -> pd.DataFrame:
    entered = (
        select(func.max(CardActivity.occurred_at))
        .where(
            CardActivity.card_id == Card.id,
            CardActivity.to_column_id == Card.column_id,
        )
        .scalar_subquery()
    )
    since = func.coalesce(entered, Card.created_at)
    waiting = (
        select(
            Card.column_id,
            Card.number,
            Card.title,
            elapsed_ms(since, instant(now)).label("ms"),
            func.row_number()
            .over(partition_by=Card.column_id, order_by=(since, Card.number))
            .label("rank"),
        )
        .where(
            Card.board_id == board.id,
            Card.is_archived.is_(False),
            *([Card.column_id != done_id] if done_id is not None else []),
        )
        .subquery()
    )
    rows = connection.execute(
        select(waiting.c.column_id, waiting.c.number, waiting.c.title, waiting.c.ms)
        .where(and_(waiting.c.rank <= per_column))
        .order_by(waiting.c.column_id, waiting.c.ms.desc())
    ).all()
    order = {column_id: i for i, column_id in enumerate(column_names)}
    records = sorted(
        (
            (
                order[column_id],
                column_names[column_id],
                card_key(board.key, number),
                title,
                max(0.0, as_int(ms) / MS_PER_DAY),
            )
            for column_id, number, title, ms in rows
        ),
        key=lambda r: (r[0], -r[4]),
    )
    return pd.DataFrame([r[1:] for r in records], columns=["column", "key", "title", "days"])
