"""Shared set-up of the board tests: a team of users with app roles, and a board they share."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select

from cs_data import boards
from cs_data.auth import Actor
from cs_data.db import read_session, transaction
from cs_data.models import Card
from tests.factories import make_user


@dataclass(frozen=True)
class Team:
    admin: Actor
    """An app admin: manages every board without being a member."""
    owner: Actor
    """A CSM who created the board: its board admin."""
    member: Actor
    """A CSM who is a board member."""
    outsider: Actor
    """A CSM who is not a member."""
    viewer: Actor
    """An app viewer who is a board visitor."""
    exec: Actor
    """An app exec who is not a member."""


def make_team(engine: Engine) -> Team:
    with transaction(engine) as session:
        people = {
            name: make_user(session, username=name, display_name=name.title(), role=role)
            for name, role in (
                ("ada", "admin"),
                ("olga", "csm"),
                ("mina", "csm"),
                ("otto", "csm"),
                ("vera", "viewer"),
                ("ezra", "exec"),
            )
        }
        actors = {
            name: Actor(name=name, user_id=user.id, role=user.role) for name, user in people.items()
        }
    return Team(
        admin=actors["ada"],
        owner=actors["olga"],
        member=actors["mina"],
        outsider=actors["otto"],
        viewer=actors["vera"],
        exec=actors["ezra"],
    )


def shared_board(engine: Engine, team: Team, **options) -> boards.BoardView:
    """A customer-success board created by ``team.owner`` with a member and a visitor."""
    board = boards.create_board(engine, team.owner, name="Support", **options)
    boards.set_member(engine, team.owner, board.id, user_id=team.member.user_id, role="member")
    boards.set_member(engine, team.owner, board.id, user_id=team.viewer.user_id, role="visitor")
    return boards.get_board(engine, team.owner, board.id)


def layout(engine: Engine, board_id: int) -> dict[int, list[tuple[int, int]]]:
    """Column id → [(position, number)] of the open cards, in position order."""
    with read_session(engine) as session:
        rows = session.execute(
            select(Card.column_id, Card.position, Card.number)
            .where(Card.board_id == board_id, Card.is_archived.is_(False))
            .order_by(Card.column_id, Card.position)
        ).all()
    found: dict[int, list[tuple[int, int]]] = {}
    for column_id, position, number in rows:
        found.setdefault(column_id, []).append((position, number))
    return found
