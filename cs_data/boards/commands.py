"""Board commands: create from a template, settings, columns, WIP limits, tags and members.

Each command is one transaction: it authorises the acting user as stored now (app permission
and board role), locks the board, validates every field before raising, writes, and audits.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.orm import Session

from cs_data import audit, domain
from cs_data.auth import Actor, ensure
from cs_data.boards.access import BoardAccess, card_key, open_board, role_cap
from cs_data.boards.queries import BoardView, board_view
from cs_data.db import transaction
from cs_data.errors import FieldError, InvalidInput, NotFound, StaleEdit
from cs_data.models import Board, BoardColumn, BoardMember, BoardTag, Card, User

TEMPLATES: dict[str, tuple[str, tuple[str, ...], str]] = {
    "customer_success": (
        "customer_success",
        ("New tickets", "Open tickets", "Feature requests", "Bugs", "Done"),
        "CS",
    ),
    "onboarding": (
        "onboarding",
        ("Kick-off", "Setup", "Training", "Go-live", "Done"),
        "ONB",
    ),
    "blank": ("custom", ("To do", "Doing", "Done"), ""),
}
"""Template → (board kind, column names, default key prefix; "" = from the name)."""
TEMPLATE_TAGS = {
    "customer_success": (
        ("escalation", "red"),
        ("vip", "violet"),
        ("billing", "yellow"),
        ("bug", "orange"),
        ("feature", "blue"),
        ("question", "gray"),
    ),
    "onboarding": (("enterprise", "violet"), ("migration", "orange"), ("sso", "blue")),
    "blank": (),
}
KEY_PATTERN = re.compile(r"[A-Z][A-Z0-9]{0,9}")
MAX_NAME = 200
MAX_COLUMN_NAME = 100
MAX_COLUMNS = 20
MAX_TAG = 64


class BoardChanged(StaleEdit):
    """The board's settings changed since the form was opened."""


def _text(value: str | None, field: str, limit: int, errors: list[FieldError]) -> str:
    text = (value or "").strip()
    if not text:
        errors.append(FieldError(field, "required", "must not be empty"))
    elif len(text) > limit:
        errors.append(
            FieldError(field, "too_long", f"use at most {limit} characters", {"max": limit})
        )
    return text


def _key_from_name(name: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", name)
    initials = "".join(word[0] for word in words).upper()
    if not initials or not initials[0].isalpha():
        initials = "B" + initials
    return initials[:6]


def _free_key(session: Session, wanted: str) -> str:
    """``wanted``, or ``wanted2``, ``wanted3`` … whichever no board uses yet."""
    taken = set(session.scalars(select(Board.key).where(Board.key.like(f"{wanted[:8]}%"))))
    if wanted not in taken:
        return wanted
    n = 2
    while f"{wanted[:8]}{n}" in taken:
        n += 1
    return f"{wanted[:8]}{n}"


def _check_key(session: Session, key: str, errors: list[FieldError], board_id: int | None) -> str:
    key = key.strip().upper()
    if not KEY_PATTERN.fullmatch(key):
        errors.append(
            FieldError("key", "key_format", "use 1-10 letters or digits, starting with a letter")
        )
        return key
    owner = session.scalar(select(Board.id).where(Board.key == key))
    if owner is not None and owner != board_id:
        errors.append(FieldError("key", "key_taken", f"another board uses {key}", {"prefix": key}))
    return key


def _snapshot(board: Board) -> dict[str, Any]:
    return {
        "name": board.name,
        "description": board.description,
        "key": board.key,
        "is_private": board.is_private,
    }


def _audit(
    session: Session,
    access: BoardAccess,
    action: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Add the audit entry of a change to ``access.board``, made by ``access.actor``."""
    audit.record(
        session,
        access.actor,
        action=action,
        entity_type="board",
        entity_id=str(access.board.id),
        before=before,
        after=after,
    )


def _audited_view(
    session: Session,
    access: BoardAccess,
    action: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> BoardView:
    """The tail of a board command: write the change, audit it, and return the board as the
    acting user now sees it."""
    session.flush()
    _audit(session, access, action, before=before, after=after)
    return board_view(session, access.board, access.role)


def create_board(
    engine: Engine,
    actor: Actor,
    *,
    name: str,
    template: str = "customer_success",
    key: str | None = None,
    description: str | None = None,
    is_private: bool = False,
) -> BoardView:
    """Create a board from a template (customer_success, onboarding or blank); the creator
    becomes its admin. ``key`` (the card prefix) defaults to the template's or the name's."""
    with transaction(engine) as session:
        actor = ensure(session, actor, "board.create")
        errors: list[FieldError] = []
        name = _text(name, "name", MAX_NAME, errors)
        if template not in TEMPLATES:
            errors.append(
                FieldError(
                    "template",
                    "unknown_template",
                    f"use one of {', '.join(TEMPLATES)}",
                    {"choices": list(TEMPLATES)},
                )
            )
            raise InvalidInput(errors)
        kind, column_names, prefix = TEMPLATES[template]
        if key:
            key = _check_key(session, key, errors, None)
        else:
            key = _free_key(session, prefix or _key_from_name(name or "Board"))
        if errors:
            raise InvalidInput(errors)
        board = Board(
            name=name,
            description=(description or "").strip() or None,
            kind=kind,
            key=key,
            is_private=is_private,
            owner_id=actor.user_id,
            next_card_number=1,
            version=1,
        )
        session.add(board)
        session.flush()
        for position, column_name in enumerate(column_names):
            session.add(BoardColumn(board_id=board.id, name=column_name, position=position))
        for tag, color in TEMPLATE_TAGS[template]:
            session.add(BoardTag(board_id=board.id, name=tag, color=color))
        if actor.user_id is not None:
            session.add(BoardMember(board_id=board.id, user_id=actor.user_id, role="admin"))
        return _audited_view(
            session,
            BoardAccess(actor=actor, board=board, role="admin"),
            "board.create",
            after=_snapshot(board) | {"template": template, "columns": list(column_names)},
        )


def update_board(
    engine: Engine,
    actor: Actor,
    board_id: int,
    *,
    seen_version: int,
    name: str,
    description: str | None,
    key: str,
    is_private: bool,
) -> BoardView:
    """Change a board's settings (board admins), if still at ``seen_version``. A new key
    renames every card's key (``CS-42`` → ``OPS-42``); numbers stay."""
    with transaction(engine) as session:
        access = open_board(session, actor, "board.manage", board_id, "admin", write=True)
        board = access.board
        if board.version != seen_version:
            raise BoardChanged(
                f"board {board.name!r} was changed by someone else since you opened it "
                f"(version {board.version}, you saw {seen_version}); nothing was saved"
            )
        errors: list[FieldError] = []
        name = _text(name, "name", MAX_NAME, errors)
        key = _check_key(session, key, errors, board.id)
        if errors:
            raise InvalidInput(errors)
        before = _snapshot(board)
        board.name = name
        board.description = (description or "").strip() or None
        board.key = key
        board.is_private = is_private
        board.version = seen_version + 1
        return _audited_view(session, access, "board.update", before=before, after=_snapshot(board))


# --- columns ----------------------------------------------------------------------------------


def _columns(session: Session, board_id: int) -> list[BoardColumn]:
    return list(
        session.scalars(
            select(BoardColumn)
            .where(BoardColumn.board_id == board_id)
            .order_by(BoardColumn.position, BoardColumn.id)
        )
    )


def _column(session: Session, column_id: int) -> tuple[int, BoardColumn]:
    board_id = session.scalar(select(BoardColumn.board_id).where(BoardColumn.id == column_id))
    if board_id is None:
        raise NotFound(f"no column {column_id}")
    return board_id, session.get(BoardColumn, column_id)  # type: ignore[return-value]


def _renumber(columns: list[BoardColumn]) -> None:
    for position, column in enumerate(columns):
        column.position = position


def _wip_errors(limit: int | None, mode: str, errors: list[FieldError]) -> None:
    if limit is not None and limit < 1:
        errors.append(FieldError("wip_limit", "wip_limit_positive", "must be 1 or more (or none)"))
    if mode not in domain.WIP_MODES:
        errors.append(FieldError("wip_mode", "unknown_wip_mode", "use warn or block"))


def add_column(
    engine: Engine,
    actor: Actor,
    board_id: int,
    *,
    name: str,
    position: int | None = None,
    wip_limit: int | None = None,
    wip_mode: str = "warn",
) -> BoardView:
    """Add a column at ``position`` (0 = first; default: last)."""
    with transaction(engine) as session:
        access = open_board(session, actor, "board.manage", board_id, "admin", write=True)
        columns = _columns(session, board_id)
        errors: list[FieldError] = []
        name = _text(name, "name", MAX_COLUMN_NAME, errors)
        if any(column.name.casefold() == name.casefold() for column in columns):
            errors.append(FieldError("name", "column_exists", f"the board has a column {name!r}"))
        if len(columns) >= MAX_COLUMNS:
            errors.append(FieldError("name", "too_many_columns", f"at most {MAX_COLUMNS} columns"))
        _wip_errors(wip_limit, wip_mode, errors)
        if errors:
            raise InvalidInput(errors)
        column = BoardColumn(
            board_id=board_id, name=name, position=0, wip_limit=wip_limit, wip_mode=wip_mode
        )
        session.add(column)
        at = len(columns) if position is None else max(0, min(position, len(columns)))
        columns.insert(at, column)
        _renumber(columns)
        return _audited_view(
            session,
            access,
            "board.column.add",
            after={"column": name, "position": at, "wip_limit": wip_limit, "wip_mode": wip_mode},
        )


def rename_column(engine: Engine, actor: Actor, column_id: int, *, name: str) -> BoardView:
    with transaction(engine) as session:
        board_id, _ = _column(session, column_id)
        access = open_board(session, actor, "board.manage", board_id, "admin", write=True)
        columns = _columns(session, board_id)
        column = next(c for c in columns if c.id == column_id)
        errors: list[FieldError] = []
        name = _text(name, "name", MAX_COLUMN_NAME, errors)
        if any(c.name.casefold() == name.casefold() and c.id != column_id for c in columns):
            errors.append(FieldError("name", "column_exists", f"the board has a column {name!r}"))
        if errors:
            raise InvalidInput(errors)
        before = column.name
        column.name = name
        return _audited_view(
            session,
            access,
            "board.column.rename",
            before={"column": before},
            after={"column": name},
        )


def move_column(engine: Engine, actor: Actor, column_id: int, *, position: int) -> BoardView:
    """Put a column at ``position`` (0 = first), the others keeping their order."""
    with transaction(engine) as session:
        board_id, _ = _column(session, column_id)
        access = open_board(session, actor, "board.manage", board_id, "admin", write=True)
        columns = _columns(session, board_id)
        column = next(c for c in columns if c.id == column_id)
        before = columns.index(column)
        columns.remove(column)
        at = max(0, min(position, len(columns)))
        columns.insert(at, column)
        _renumber(columns)
        return _audited_view(
            session,
            access,
            "board.column.move",
            before={"column": column.name, "position": before},
            after={"column": column.name, "position": at},
        )


def set_wip_limit(
    engine: Engine, actor: Actor, column_id: int, *, limit: int | None, mode: str = "warn"
) -> BoardView:
    """Set a column's WIP limit (None: no limit) and what happens over it (warn or block)."""
    with transaction(engine) as session:
        board_id, _ = _column(session, column_id)
        access = open_board(session, actor, "board.manage", board_id, "admin", write=True)
        column = session.get(BoardColumn, column_id)
        assert column is not None
        errors: list[FieldError] = []
        _wip_errors(limit, mode, errors)
        if errors:
            raise InvalidInput(errors)
        before = {"column": column.name, "wip_limit": column.wip_limit, "wip_mode": column.wip_mode}
        column.wip_limit, column.wip_mode = limit, mode
        return _audited_view(
            session,
            access,
            "board.column.wip",
            before=before,
            after={"column": column.name, "wip_limit": limit, "wip_mode": mode},
        )


def delete_column(engine: Engine, actor: Actor, column_id: int) -> BoardView:
    """Delete an empty column (its archived cards move to the first column left, so they can
    still be restored); a column holding open cards, or the last column, stays."""
    with transaction(engine) as session:
        board_id, _ = _column(session, column_id)
        access = open_board(session, actor, "board.manage", board_id, "admin", write=True)
        columns = _columns(session, board_id)
        column = next(c for c in columns if c.id == column_id)
        open_cards = session.scalar(
            select(func.count()).where(Card.column_id == column_id, Card.is_archived.is_(False))
        )
        errors = []
        if open_cards:
            errors.append(
                FieldError(
                    "column",
                    "column_not_empty",
                    f"{column.name!r} holds {open_cards} card(s): move or archive them first",
                    {"cards": open_cards},
                )
            )
        if len(columns) == 1:
            errors.append(FieldError("column", "last_column", "a board keeps at least one column"))
        if errors:
            raise InvalidInput(errors)
        columns.remove(column)
        session.execute(
            update(Card)
            .where(Card.column_id == column_id)
            .values(column_id=columns[0].id)
            .execution_options(synchronize_session=False)
        )
        session.delete(column)
        _renumber(columns)
        return _audited_view(session, access, "board.column.delete", before={"column": column.name})


# --- tags and members -----------------------------------------------------------------------


def set_tag(engine: Engine, actor: Actor, board_id: int, *, name: str, color: str) -> BoardView:
    """Add a tag to the board's list, or change its colour."""
    with transaction(engine) as session:
        access = open_board(session, actor, "board.manage", board_id, "admin", write=True)
        errors: list[FieldError] = []
        name = _text(name, "tag", MAX_TAG, errors).lower()
        if color not in domain.TAG_COLORS:
            errors.append(
                FieldError("color", "unknown_color", f"use one of {', '.join(domain.TAG_COLORS)}")
            )
        if errors:
            raise InvalidInput(errors)
        tag = session.scalar(
            select(BoardTag).where(BoardTag.board_id == board_id, BoardTag.name == name)
        )
        before = {"tag": name, "color": tag.color} if tag else None
        if tag is None:
            session.add(BoardTag(board_id=board_id, name=name, color=color))
        else:
            tag.color = color
        return _audited_view(
            session,
            access,
            "board.tag.set",
            before=before,
            after={"tag": name, "color": color},
        )


def _admins(session: Session, board_id: int) -> set[int]:
    return set(
        session.scalars(
            select(BoardMember.user_id).where(
                BoardMember.board_id == board_id, BoardMember.role == "admin"
            )
        )
    )


def set_member(
    engine: Engine, actor: Actor, board_id: int, *, user_id: int, role: str
) -> BoardView:
    """Make a user a member of the board with ``role`` (admin, member, visitor). Viewers and
    execs can be visitors only; a board keeps at least one admin."""
    with transaction(engine) as session:
        access = open_board(session, actor, "board.manage", board_id, "admin", write=True)
        user = session.get(User, user_id)
        if user is None or not user.is_active:
            raise NotFound(f"no active user {user_id}")
        errors: list[FieldError] = []
        if role not in domain.BOARD_ROLES:
            errors.append(FieldError("role", "unknown_role", "use admin, member or visitor"))
        else:
            cap = role_cap(Actor(name=user.username, user_id=user.id, role=user.role))
            if cap == "visitor" and role != "visitor":
                errors.append(
                    FieldError(
                        "role",
                        "role_above_app_role",
                        f"{user.display_name} is a {user.role} and can be a visitor only",
                        {"app_role": user.role},
                    )
                )
        member = session.get(BoardMember, (board_id, user_id))
        if (
            member
            and member.role == "admin"
            and role != "admin"
            and _admins(session, board_id) == {user_id}
        ):
            errors.append(
                FieldError("role", "last_board_admin", "a board keeps at least one admin")
            )
        if errors:
            raise InvalidInput(errors)
        before = {"user": user.username, "role": member.role} if member else None
        if member is None:
            session.add(BoardMember(board_id=board_id, user_id=user_id, role=role))
        else:
            member.role = role
        return _audited_view(
            session,
            access,
            "board.member.set",
            before=before,
            after={"user": user.username, "role": role},
        )


def remove_member(engine: Engine, actor: Actor, board_id: int, *, user_id: int) -> BoardView:
    """Take a user off the board (a board keeps at least one admin)."""
    with transaction(engine) as session:
        access = open_board(session, actor, "board.manage", board_id, "admin", write=True)
        member = session.get(BoardMember, (board_id, user_id))
        if member is None:
            raise NotFound(f"user {user_id} is not a member of board {board_id}")
        if member.role == "admin" and _admins(session, board_id) == {user_id}:
            raise InvalidInput(
                [FieldError("user", "last_board_admin", "a board keeps at least one admin")]
            )
        before = {"user_id": user_id, "role": member.role}
        session.delete(member)
        return _audited_view(session, access, "board.member.remove", before=before)


def empty_archive(engine: Engine, actor: Actor, board_id: int) -> int:
    """Delete the board's archived cards for good (board admins); numbers are not reused."""
    with transaction(engine) as session:
        access = open_board(session, actor, "board.manage", board_id, "admin", write=True)
        rows = session.execute(
            select(Card.number).where(Card.board_id == board_id, Card.is_archived.is_(True))
        ).all()
        session.execute(
            delete(Card)
            .where(Card.board_id == board_id, Card.is_archived.is_(True))
            .execution_options(synchronize_session=False)
        )
        _audit(
            session,
            access,
            "board.archive.empty",
            before={"cards": [card_key(access.board.key, number) for (number,) in rows]},
        )
        return len(rows)
