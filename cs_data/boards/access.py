"""Who may do what on a board, card keys, and the board lock every write takes first.

A user's board role is the stronger of nothing and their membership, capped by their app
role: app admins (and the command-line operator) are admins of every board; viewers and
execs, who may not ``card.work``, are visitors at most. A signed-in user who is not a member
sees a public board as a visitor and a private one not at all (``NotFound``, as if it did not
exist).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cs_data.auth import Actor, can, ensure
from cs_data.errors import NotFound, PermissionDenied
from cs_data.models import Board, BoardMember, Card

ROLE_RANK = {"visitor": 1, "member": 2, "admin": 3}
CARD_KEY = re.compile(r"\s*([A-Za-z][A-Za-z0-9]{0,9})-(\d{1,9})\s*")
NEEDS = {"visitor": "view", "member": "work on cards of", "admin": "manage"}


@dataclass(frozen=True)
class BoardAccess:
    """The acting user as stored now, the board (locked when for a write) and their role."""

    actor: Actor
    board: Board
    role: str


def card_key(board_key: str, number: int) -> str:
    """``CS-42``: the board's prefix and the card's number on that board."""
    return f"{board_key}-{number}"


def role_cap(actor: Actor) -> str:
    """The strongest board role ``actor``'s app role allows."""
    if actor.role == "admin":
        return "admin"
    return "admin" if can(actor, "card.work") else "visitor"


def board_role(session: Session, actor: Actor, board: Board) -> str | None:
    """``actor``'s role on ``board`` (None: the board is private and they are not a member)."""
    if actor.role == "admin":
        return "admin"
    stored = None
    if actor.user_id is not None:
        stored = session.scalar(
            select(BoardMember.role).where(
                BoardMember.board_id == board.id, BoardMember.user_id == actor.user_id
            )
        )
    if stored is None:
        return None if board.is_private else "visitor"
    cap = role_cap(actor)
    return stored if ROLE_RANK[stored] <= ROLE_RANK[cap] else cap


def lock_board(session: Session, board_id: int) -> Board:
    """The board, locked for the rest of the transaction: writes on one board run one at a
    time, so numbers and positions stay consistent. PostgreSQL locks the row (FOR UPDATE);
    SQLite takes its database write lock with a no-op update, before anything is read."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            update(Board)
            .where(Board.id == board_id)
            .values(next_card_number=Board.next_card_number)
            .execution_options(synchronize_session=False)
        )
        board = session.get(Board, board_id, populate_existing=True)
    else:
        board = session.scalars(
            select(Board).where(Board.id == board_id).with_for_update()
        ).one_or_none()
    if board is None:
        raise NotFound(f"no board {board_id}")
    return board


def open_board(
    session: Session, actor: Actor, action: str, board_id: int, needed: str, *, write: bool
) -> BoardAccess:
    """Authorise ``actor`` for ``action`` (app permission) and board role ``needed`` on the
    board; for a write the board is locked first. Call first in the command's transaction."""
    actor = ensure(session, actor, action)
    board = lock_board(session, board_id) if write else session.get(Board, board_id)
    if board is None:
        raise NotFound(f"no board {board_id}")
    role = board_role(session, actor, board)
    if role is None:
        raise NotFound(f"no board {board_id}")
    if ROLE_RANK[role] < ROLE_RANK[needed]:
        raise PermissionDenied(
            f"{actor.name} is a {role} of board {board.name!r} and may not "
            f"{NEEDS[needed]} it ({needed} needed)"
        )
    return BoardAccess(actor=actor, board=board, role=role)


def find_board_id(session: Session, board: int | str) -> int:
    """The id of a board given by id, by key (``CS``) or by exact name."""
    if isinstance(board, int) or str(board).isdigit():
        return int(board)
    text = str(board).strip()
    found = session.scalar(select(Board.id).where(Board.key == text.upper()))
    if found is None:
        found = session.scalar(select(Board.id).where(Board.name == text).order_by(Board.id))
    if found is None:
        raise NotFound(f"no board {text!r}")
    return found


def find_card(session: Session, card: int | str) -> tuple[int, int]:
    """``(card id, board id)`` of a card given by id or by key (``CS-42``)."""
    if isinstance(card, int):
        row = session.execute(select(Card.id, Card.board_id).where(Card.id == card)).first()
    else:
        match = CARD_KEY.fullmatch(card)
        if match is None:
            raise NotFound(f"no card {card!r} (a card is named like CS-42)")
        row = session.execute(
            select(Card.id, Card.board_id)
            .join(Board, Board.id == Card.board_id)
            .where(Board.key == match.group(1).upper(), Card.number == int(match.group(2)))
        ).first()
    if row is None:
        raise NotFound(f"no card {card!r}")
    return row.id, row.board_id
