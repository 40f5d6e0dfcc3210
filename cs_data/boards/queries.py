"""Reading boards: the boards a user may see, one board's columns and cards, a card's detail.

Every query takes the acting user and shows only what their board role lets them see. Counts
(checklist progress, comments, attachments) are aggregated in SQL, a handful of queries per
board whatever its size.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, case, func, select
from sqlalchemy.orm import Session

from cs_data.auth import Actor, ensure
from cs_data.boards.access import (
    ROLE_RANK,
    board_role,
    card_key,
    find_board_id,
    find_card,
    open_board,
)
from cs_data.db import read_session
from cs_data.errors import NotFound
from cs_data.models import (
    Board,
    BoardColumn,
    BoardMember,
    BoardTag,
    Card,
    CardActivity,
    CardAttachment,
    CardComment,
    CardTag,
    ChecklistItem,
    User,
    card_assignees,
)


@dataclass(frozen=True)
class BoardSummary:
    """A board in the list of boards."""

    id: int
    key: str
    name: str
    description: str | None
    kind: str
    is_private: bool
    role: str
    """The reader's board role: admin, member or visitor."""
    open_cards: int


@dataclass(frozen=True)
class CardSummary:
    """A card as the board shows it."""

    id: int
    key: str
    number: int
    title: str
    column_id: int
    position: int
    status: str
    priority: str
    due_date: date | None
    tags: tuple[str, ...]
    assignee_ids: tuple[int, ...]
    assignee_names: tuple[str, ...]
    checklist_done: int
    checklist_total: int
    comments: int
    attachments: int
    account_id: str | None
    ticket_id: str | None
    version: int
    created_at: datetime
    updated_at: datetime
    is_archived: bool
    is_done: bool
    """In the board's last column: finished, so never overdue."""

    def is_overdue(self, today: date) -> bool:
        return not self.is_done and self.due_date is not None and self.due_date < today

    def is_due_soon(self, today: date, days: int = 7) -> bool:
        return (
            not self.is_done
            and self.due_date is not None
            and 0 <= (self.due_date - today).days <= days
        )

    @property
    def needs_attention_status(self) -> bool:
        """On hold or waiting for a review."""
        return self.status in ("on_hold", "needs_review")


@dataclass(frozen=True)
class ColumnView:
    """A column and its cards in order; ``3/5`` when it has a WIP limit."""

    id: int
    name: str
    position: int
    wip_limit: int | None
    wip_mode: str
    cards: tuple[CardSummary, ...]

    @property
    def count(self) -> int:
        return len(self.cards)

    @property
    def over_limit(self) -> bool:
        return self.wip_limit is not None and self.count > self.wip_limit

    @property
    def at_limit(self) -> bool:
        return self.wip_limit is not None and self.count >= self.wip_limit


@dataclass(frozen=True)
class Member:
    user_id: int
    username: str
    display_name: str
    role: str
    app_role: str


@dataclass(frozen=True)
class BoardView:
    """One board: settings, columns in order with their cards in order, tags and members."""

    id: int
    key: str
    name: str
    description: str | None
    kind: str
    is_private: bool
    version: int
    role: str
    columns: tuple[ColumnView, ...]
    tags: dict[str, str]
    """Tag name → colour, by name."""
    members: tuple[Member, ...]
    archived_cards: int

    @property
    def done_column_id(self) -> int | None:
        """The last column: where finished work arrives (the end of cycle time)."""
        return self.columns[-1].id if self.columns else None

    def column(self, column: int | str) -> ColumnView:
        """A column by name (case-insensitive) or by id; ``NotFound`` otherwise."""
        wanted = column.strip().casefold() if isinstance(column, str) else None
        for candidate in self.columns:
            if candidate.name.casefold() == wanted:
                return candidate
        for candidate in self.columns:
            if str(candidate.id) == str(column).strip():
                return candidate
        raise NotFound(f"no column {column!r} on board {self.name!r}")


@dataclass(frozen=True)
class ChecklistEntry:
    id: int
    text: str
    is_done: bool
    position: int
    assignee_id: int | None
    assignee_name: str | None
    due_date: date | None


@dataclass(frozen=True)
class Comment:
    id: int
    author_name: str
    body: str
    created_at: datetime


@dataclass(frozen=True)
class AttachmentInfo:
    id: int
    filename: str
    content_type: str
    size_bytes: int
    uploaded_by: str | None
    uploaded_at: datetime


@dataclass(frozen=True)
class Activity:
    occurred_at: datetime
    actor_name: str
    kind: str
    from_column: str | None
    to_column: str | None
    details: dict[str, Any] | None


@dataclass(frozen=True)
class CardDetail:
    """Everything about one card: its summary, description, checklist, comments, files and
    history (newest first)."""

    card: CardSummary
    board_id: int
    board_key: str
    column_name: str
    description: str | None
    checklist: tuple[ChecklistEntry, ...]
    comments: tuple[Comment, ...]
    attachments: tuple[AttachmentInfo, ...]
    activity: tuple[Activity, ...]
    role: str

    @property
    def may_edit(self) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK["member"]


def list_boards(engine: Engine, actor: Actor) -> list[BoardSummary]:
    """The boards ``actor`` may see, by name, with their open card counts."""
    with read_session(engine) as session:
        actor = ensure(session, actor, "board.view")
        open_cards = (
            select(Card.board_id, func.count().label("n"))
            .where(Card.is_archived.is_(False))
            .group_by(Card.board_id)
            .subquery()
        )
        rows = session.execute(
            select(Board, func.coalesce(open_cards.c.n, 0))
            .outerjoin(open_cards, open_cards.c.board_id == Board.id)
            .where(Board.is_archived.is_(False))
            .order_by(Board.name, Board.id)
        ).all()
        boards = []
        for board, count in rows:
            role = board_role(session, actor, board)
            if role is not None:
                boards.append(
                    BoardSummary(
                        id=board.id,
                        key=board.key,
                        name=board.name,
                        description=board.description,
                        kind=board.kind,
                        is_private=board.is_private,
                        role=role,
                        open_cards=int(count),
                    )
                )
        return boards


def _card_summaries(
    session: Session, board: Board, *, archived: bool = False, card_ids: list[int] | None = None
) -> list[CardSummary]:
    """The board's cards (open, or archived) ordered by column position and position."""
    conditions = [Card.board_id == board.id, Card.is_archived.is_(archived)]
    if card_ids is not None:
        conditions = [Card.id.in_(card_ids)]
    checklist = (
        select(
            ChecklistItem.card_id,
            func.count().label("total"),
            func.sum(case((ChecklistItem.is_done.is_(True), 1), else_=0)).label("done"),
        )
        .group_by(ChecklistItem.card_id)
        .subquery()
    )
    comments = (
        select(CardComment.card_id, func.count().label("n"))
        .group_by(CardComment.card_id)
        .subquery()
    )
    attachments = (
        select(CardAttachment.card_id, func.count().label("n"))
        .group_by(CardAttachment.card_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Card,
            func.coalesce(checklist.c.total, 0),
            func.coalesce(checklist.c.done, 0),
            func.coalesce(comments.c.n, 0),
            func.coalesce(attachments.c.n, 0),
        )
        .join(BoardColumn, BoardColumn.id == Card.column_id)
        .outerjoin(checklist, checklist.c.card_id == Card.id)
        .outerjoin(comments, comments.c.card_id == Card.id)
        .outerjoin(attachments, attachments.c.card_id == Card.id)
        .where(*conditions)
        .order_by(BoardColumn.position, Card.position, Card.number)
        .execution_options(populate_existing=True)
    ).all()
    ids = [row[0].id for row in rows]
    done_column = session.scalar(
        select(BoardColumn.id)
        .where(BoardColumn.board_id == board.id)
        .order_by(BoardColumn.position.desc())
        .limit(1)
    )
    tags: dict[int, list[str]] = defaultdict(list)
    people: dict[int, list[tuple[int, str]]] = defaultdict(list)
    if ids:
        for card_id, tag in session.execute(
            select(CardTag.card_id, CardTag.tag)
            .where(CardTag.card_id.in_(ids))
            .order_by(CardTag.tag)
        ):
            tags[card_id].append(tag)
        for card_id, user_id, name in session.execute(
            select(card_assignees.c.card_id, User.id, User.display_name)
            .join(User, User.id == card_assignees.c.user_id)
            .where(card_assignees.c.card_id.in_(ids))
            .order_by(User.display_name)
        ):
            people[card_id].append((user_id, name))
    return [
        CardSummary(
            id=card.id,
            key=card_key(board.key, card.number),
            number=card.number,
            title=card.title,
            column_id=card.column_id,
            position=card.position,
            status=card.status,
            priority=card.priority,
            due_date=card.due_date,
            tags=tuple(tags[card.id]),
            assignee_ids=tuple(user_id for user_id, _ in people[card.id]),
            assignee_names=tuple(name for _, name in people[card.id]),
            checklist_done=int(done),
            checklist_total=int(total),
            comments=int(n_comments),
            attachments=int(n_attachments),
            account_id=card.account_id,
            ticket_id=card.ticket_id,
            version=card.version,
            created_at=card.created_at,
            updated_at=card.updated_at,
            is_archived=card.is_archived,
            is_done=card.column_id == done_column,
        )
        for card, total, done, n_comments, n_attachments in rows
    ]


def card_summary(session: Session, board: Board, card_id: int) -> CardSummary:
    """One card's summary, read in the caller's session."""
    return _card_summaries(session, board, card_ids=[card_id])[0]


def board_view(session: Session, board: Board, role: str) -> BoardView:
    """The board as ``board_view`` returns it, read in the caller's session."""
    columns = session.scalars(
        select(BoardColumn).where(BoardColumn.board_id == board.id).order_by(BoardColumn.position)
    ).all()
    by_column: dict[int, list[CardSummary]] = defaultdict(list)
    for card in _card_summaries(session, board):
        by_column[card.column_id].append(card)
    members = session.execute(
        select(User.id, User.username, User.display_name, BoardMember.role, User.role)
        .join(BoardMember, BoardMember.user_id == User.id)
        .where(BoardMember.board_id == board.id)
        .order_by(User.display_name)
    ).all()
    tags = session.execute(
        select(BoardTag.name, BoardTag.color)
        .where(BoardTag.board_id == board.id)
        .order_by(BoardTag.name)
    ).all()
    archived = session.scalar(
        select(func.count()).where(Card.board_id == board.id, Card.is_archived.is_(True))
    )
    return BoardView(
        id=board.id,
        key=board.key,
        name=board.name,
        description=board.description,
        kind=board.kind,
        is_private=board.is_private,
        version=board.version,
        role=role,
        columns=tuple(
            ColumnView(
                id=column.id,
                name=column.name,
                position=column.position,
                wip_limit=column.wip_limit,
                wip_mode=column.wip_mode,
                cards=tuple(by_column[column.id]),
            )
            for column in columns
        ),
        tags=dict(tags),
        members=tuple(Member(*row) for row in members),
        archived_cards=int(archived or 0),
    )


def get_board(engine: Engine, actor: Actor, board: int | str) -> BoardView:
    """A board (by id, key or name) with its columns and open cards in order."""
    with read_session(engine) as session:
        access = open_board(
            session, actor, "board.view", find_board_id(session, board), "visitor", write=False
        )
        return board_view(session, access.board, access.role)


def list_archived(engine: Engine, actor: Actor, board_id: int) -> list[CardSummary]:
    """The board's archived cards, newest number first."""
    with read_session(engine) as session:
        access = open_board(session, actor, "board.view", board_id, "visitor", write=False)
        cards = _card_summaries(session, access.board, archived=True)
        return sorted(cards, key=lambda card: -card.number)


def get_card(engine: Engine, actor: Actor, card: int | str) -> CardDetail:
    """One card (by id or key ``CS-42``) with checklist, comments, files and history."""
    with read_session(engine) as session:
        card_id, board_id = find_card(session, card)
        access = open_board(session, actor, "board.view", board_id, "visitor", write=False)
        summary = card_summary(session, access.board, card_id)
        row = session.get(Card, card_id)
        assert row is not None
        column_name = session.scalar(
            select(BoardColumn.name).where(BoardColumn.id == row.column_id)
        )
        assignee = User.__table__.alias("assignee")
        items = session.execute(
            select(ChecklistItem, assignee.c.display_name)
            .outerjoin(assignee, assignee.c.id == ChecklistItem.assignee_id)
            .where(ChecklistItem.card_id == card_id)
            .order_by(ChecklistItem.position, ChecklistItem.id)
        ).all()
        comments = session.execute(
            select(CardComment, User.display_name)
            .outerjoin(User, User.id == CardComment.author_id)
            .where(CardComment.card_id == card_id)
            .order_by(CardComment.created_at, CardComment.id)
        ).all()
        files = session.execute(
            select(
                CardAttachment.id,
                CardAttachment.filename,
                CardAttachment.content_type,
                CardAttachment.size_bytes,
                User.display_name,
                CardAttachment.uploaded_at,
            )
            .outerjoin(User, User.id == CardAttachment.uploaded_by_id)
            .where(CardAttachment.card_id == card_id)
            .order_by(CardAttachment.uploaded_at, CardAttachment.id)
        ).all()
        source = BoardColumn.__table__.alias("source")
        target = BoardColumn.__table__.alias("target")
        history = session.execute(
            select(CardActivity, source.c.name, target.c.name)
            .outerjoin(source, source.c.id == CardActivity.from_column_id)
            .outerjoin(target, target.c.id == CardActivity.to_column_id)
            .where(CardActivity.card_id == card_id)
            .order_by(CardActivity.occurred_at.desc(), CardActivity.id.desc())
        ).all()
        return CardDetail(
            card=summary,
            board_id=board_id,
            board_key=access.board.key,
            column_name=column_name or "",
            description=row.description,
            checklist=tuple(
                ChecklistEntry(
                    id=item.id,
                    text=item.text,
                    is_done=item.is_done,
                    position=item.position,
                    assignee_id=item.assignee_id,
                    assignee_name=name,
                    due_date=item.due_date,
                )
                for item, name in items
            ),
            comments=tuple(
                Comment(
                    id=comment.id,
                    author_name=name or "—",
                    body=comment.body,
                    created_at=comment.created_at,
                )
                for comment, name in comments
            ),
            attachments=tuple(AttachmentInfo(*file) for file in files),
            activity=tuple(
                Activity(
                    occurred_at=event.occurred_at,
                    actor_name=event.actor_name,
                    kind=event.kind,
                    from_column=source_name,
                    to_column=target_name,
                    details=event.details,
                )
                for event, source_name, target_name in history
            ),
            role=access.role,
        )


@dataclass(frozen=True)
class AttachmentFile:
    filename: str
    content_type: str
    content: bytes


def attachment_file(engine: Engine, actor: Actor, attachment_id: int) -> AttachmentFile:
    """An attachment's bytes, for downloading, if ``actor`` may see its card."""
    with read_session(engine) as session:
        row = session.get(CardAttachment, attachment_id)
        if row is None:
            raise NotFound(f"no attachment {attachment_id}")
        board_id = session.scalar(select(Card.board_id).where(Card.id == row.card_id))
        assert board_id is not None
        open_board(session, actor, "board.view", board_id, "visitor", write=False)
        return AttachmentFile(row.filename, row.content_type, row.content)


@dataclass(frozen=True)
class Person:
    id: int
    display_name: str
    app_role: str


def candidate_people(engine: Engine, actor: Actor, board_id: int) -> list[Person]:
    """Active users who can be assignees or members, by name (for pickers)."""
    with read_session(engine) as session:
        open_board(session, actor, "board.view", board_id, "visitor", write=False)
        rows = session.execute(
            select(User.id, User.display_name, User.role)
            .where(User.is_active.is_(True))
            .order_by(User.display_name)
        ).all()
        return [Person(*row) for row in rows]


def user_ids(engine: Engine, usernames: list[str]) -> list[int]:
    """The ids of active users by username (``NotFound`` naming the first unknown one)."""
    wanted = [name.strip().lower() for name in usernames]
    with read_session(engine) as session:
        found = dict(
            session.execute(
                select(User.username, User.id).where(
                    User.username.in_(wanted), User.is_active.is_(True)
                )
            ).all()
        )
    for name in wanted:
        if name not in found:
            raise NotFound(f"no active user {name!r}")
    return [found[name] for name in wanted]


HIGHLIGHTS = ("assigned_to_me", "needs_attention", "due_this_week")
"""Kerika-style highlights: my cards; overdue, on hold or waiting for review; due in 7 days."""


@dataclass(frozen=True)
class CardFilter:
    """What the board view narrows its cards to; empty values match every card."""

    text: str = ""
    tag: str | None = None
    priority: str | None = None
    assignee_id: int | None = None
    highlight: str | None = None


def card_matches(card: CardSummary, where: CardFilter, *, me: int | None, today: date) -> bool:
    """True when ``card`` passes every part of ``where`` (text: key or title, any case)."""
    text = where.text.strip().casefold()
    if text and text not in card.title.casefold() and text != card.key.casefold():
        return False
    if where.tag and where.tag not in card.tags:
        return False
    if where.priority and card.priority != where.priority:
        return False
    if where.assignee_id is not None and where.assignee_id not in card.assignee_ids:
        return False
    if where.highlight == "assigned_to_me":
        return me is not None and me in card.assignee_ids
    if where.highlight == "needs_attention":
        return card.is_overdue(today) or (card.needs_attention_status and not card.is_done)
    if where.highlight == "due_this_week":
        return card.is_due_soon(today)
    return True


@dataclass(frozen=True)
class LinkedCard:
    """A card linked to an account, for the account's page."""

    key: str
    title: str
    board_name: str
    column_name: str
    status: str
    due_date: date | None
    is_done: bool


def cards_for_account(engine: Engine, actor: Actor, account_id: str) -> list[LinkedCard]:
    """The open cards linked to an account on the boards ``actor`` may see, by board and
    column order."""
    with read_session(engine) as session:
        actor = ensure(session, actor, "board.view")
        last = (
            select(BoardColumn.board_id, func.max(BoardColumn.position).label("last"))
            .group_by(BoardColumn.board_id)
            .subquery()
        )
        rows = session.execute(
            select(Board, Card, BoardColumn.name, BoardColumn.position == last.c.last)
            .join(Card, Card.board_id == Board.id)
            .join(BoardColumn, BoardColumn.id == Card.column_id)
            .join(last, last.c.board_id == Board.id)
            .where(Card.account_id == account_id, Card.is_archived.is_(False))
            .order_by(Board.name, BoardColumn.position, Card.position)
        ).all()
        visible: dict[int, bool] = {}
        found = []
        for board, card, column_name, is_done in rows:
            if board.id not in visible:
                visible[board.id] = board_role(session, actor, board) is not None
            if visible[board.id]:
                found.append(
                    LinkedCard(
                        key=card_key(board.key, card.number),
                        title=card.title,
                        board_name=board.name,
                        column_name=column_name,
                        status=card.status,
                        due_date=card.due_date,
                        is_done=bool(is_done),
                    )
                )
        return found
