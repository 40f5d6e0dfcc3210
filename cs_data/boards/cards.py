"""Card commands: add, edit, move, archive and restore cards; checklist, comments, attachments.

Each command is one transaction: it authorises the acting user as stored now (``card.work``
and at least the member role on the card's board), locks the board (so numbers and positions
stay consistent when several people work at once), validates every field, writes, audits and
records the card's activity. Edits compare-and-set the card's ``version``: an edit of a
version someone else has changed is refused with ``CardChanged``, naming who changed what.
Positions count from 0 within a column, among the cards not archived, without gaps.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from datetime import date
from pathlib import PurePath
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.orm import Session

from cs_data import audit, domain
from cs_data.auth import Actor
from cs_data.boards.access import BoardAccess, card_key, find_card, open_board
from cs_data.boards.queries import CardSummary, card_summary
from cs_data.db import transaction
from cs_data.errors import FieldError, InvalidInput, NotFound, StaleEdit
from cs_data.models import (
    Account,
    BoardColumn,
    BoardTag,
    Card,
    CardActivity,
    CardAttachment,
    CardComment,
    CardTag,
    ChecklistItem,
    Ticket,
    User,
    card_assignees,
    utc_now,
)

MAX_TITLE = 300
MAX_DESCRIPTION = 20_000
MAX_COMMENT = 10_000
MAX_CHECKLIST_TEXT = 500
MAX_TAGS = 10
MAX_TAG = 64
MAX_ASSIGNEES = 10
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
"""5 MiB: attachments live in the shared database, so they stay small."""
ATTACHMENT_TYPES: dict[str, str] = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".txt": "text/plain",
    ".log": "text/plain",
    ".md": "text/markdown",
    ".csv": "text/csv",
    ".json": "application/json",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
"""The allowed file types, by extension; the stored type comes from here, never from the
uploader (a browser's claim), so a download is always served as what the name says."""


class _Unchanged:
    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Any = _Unchanged()
"""Default of edit arguments: leave that field as it is."""


class CardChanged(StaleEdit):
    """Someone else edited the card since it was read; nothing was written."""

    def __init__(self, key: str, seen: int, current: int, changes: list[tuple[str, list[str]]]):
        who = "; ".join(f"{name} changed {', '.join(fields)}" for name, fields in changes)
        super().__init__(
            f"card {key} was changed since you opened it (version {current}, you saw {seen})"
            + (f": {who}" if who else "")
            + "; nothing was saved"
        )
        self.key = key
        self.changes = changes


@dataclass(frozen=True)
class MoveResult:
    """A moved card, and whether its column is now over a warning WIP limit."""

    card: CardSummary
    column_name: str
    over_limit: bool


# --- shared steps -----------------------------------------------------------------------------


def _open_card(
    session: Session, actor: Actor, card: int | str, *, needed: str = "member"
) -> tuple[BoardAccess, Card]:
    card_id, board_id = find_card(session, card)
    access = open_board(session, actor, "card.work", board_id, needed, write=True)
    row = session.get(Card, card_id, populate_existing=True)
    if row is None:
        raise NotFound(f"no card {card!r}")
    return access, row


def _log(
    session: Session,
    access: BoardAccess,
    card: Card,
    kind: str,
    action: str,
    *,
    details: dict[str, Any] | None = None,
    from_column_id: int | None = None,
    to_column_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Record a change of ``card`` by ``access.actor`` twice, in one step every card command
    ends with: in the card's activity (``kind``, ``details`` and the columns it left and
    entered) and in the audit log (``action``, the values ``before`` and ``after``)."""
    session.add(
        CardActivity(
            card_id=card.id,
            board_id=card.board_id,
            occurred_at=utc_now(),
            actor_id=access.actor.user_id,
            actor_name=access.actor.name,
            kind=kind,
            from_column_id=from_column_id,
            to_column_id=to_column_id,
            details=details,
        )
    )
    audit.record(
        session,
        access.actor,
        action=action,
        entity_type="card",
        entity_id=card_key(access.board.key, card.number),
        before=before,
        after=after,
    )


def _open_count(session: Session, column_id: int, *, excluding: int | None = None) -> int:
    conditions = [Card.column_id == column_id, Card.is_archived.is_(False)]
    if excluding is not None:
        conditions.append(Card.id != excluding)
    return int(session.scalar(select(func.count()).where(*conditions)) or 0)


def _shift(session: Session, column_id: int, from_position: int, step: int) -> None:
    """Shift the open cards of a column at or after ``from_position`` by ``step``."""
    session.execute(
        update(Card)
        .where(
            Card.column_id == column_id,
            Card.is_archived.is_(False),
            Card.position >= from_position,
        )
        .values(position=Card.position + step)
        .execution_options(synchronize_session=False)
    )


def _set_place(session: Session, card_id: int, **values: Any) -> None:
    """Change a card's place without touching its version (moves are not edits)."""
    session.execute(
        update(Card)
        .where(Card.id == card_id)
        .values(**values, updated_at=utc_now())
        .execution_options(synchronize_session=False)
    )


def _wip_verdict(
    session: Session, column: BoardColumn, *, excluding: int | None, field: str
) -> bool:
    """True when one more card puts ``column`` over a warning limit; ``InvalidInput`` when
    its limit blocks."""
    if column.wip_limit is None:
        return False
    after = _open_count(session, column.id, excluding=excluding) + 1
    if after <= column.wip_limit:
        return False
    if column.wip_mode == "block":
        raise InvalidInput(
            [
                FieldError(
                    field,
                    "wip_limit_reached",
                    f"column {column.name!r} is at its WIP limit "
                    f"({after - 1}/{column.wip_limit}, blocking)",
                    {"column": column.name, "count": after - 1, "limit": column.wip_limit},
                )
            ]
        )
    return True


def _board_column(session: Session, board_id: int, column_id: int, field: str) -> BoardColumn:
    column = session.get(BoardColumn, column_id)
    if column is None or column.board_id != board_id:
        raise InvalidInput([FieldError(field, "unknown_column", f"no column {column_id} here")])
    return column


def _clean_tags(tags: list[str], errors: list[FieldError]) -> list[str]:
    cleaned = sorted({tag.strip().lower() for tag in tags if tag and tag.strip()})
    if len(cleaned) > MAX_TAGS:
        errors.append(FieldError("tags", "too_many", f"at most {MAX_TAGS} tags", {"max": MAX_TAGS}))
    if any(len(tag) > MAX_TAG for tag in cleaned):
        errors.append(
            FieldError(
                "tags", "too_long", f"a tag has at most {MAX_TAG} characters", {"max": MAX_TAG}
            )
        )
    return cleaned


def _validate(session: Session, values: dict[str, Any]) -> list[FieldError]:
    """Check the card fields present in ``values`` (normalising them in place)."""
    errors: list[FieldError] = []
    if "title" in values:
        title = (values["title"] or "").strip()
        values["title"] = title
        if not title:
            errors.append(FieldError("title", "empty_text", "must not be empty"))
        elif len(title) > MAX_TITLE:
            errors.append(
                FieldError(
                    "title", "too_long", f"use at most {MAX_TITLE} characters", {"max": MAX_TITLE}
                )
            )
    if "description" in values:
        text = (values["description"] or "").strip()
        values["description"] = text or None
        if len(text) > MAX_DESCRIPTION:
            errors.append(
                FieldError(
                    "description",
                    "too_long",
                    f"use at most {MAX_DESCRIPTION} characters",
                    {"max": MAX_DESCRIPTION},
                )
            )
    if "status" in values and values["status"] not in domain.CARD_STATUSES:
        errors.append(
            FieldError("status", "unknown_status", f"use one of {', '.join(domain.CARD_STATUSES)}")
        )
    if "priority" in values and values["priority"] not in domain.CARD_PRIORITIES:
        errors.append(
            FieldError(
                "priority", "unknown_priority", f"use one of {', '.join(domain.CARD_PRIORITIES)}"
            )
        )
    due = values.get("due_date")
    if due is not None and not isinstance(due, date):
        errors.append(FieldError("due_date", "not_a_date", "use a date (YYYY-MM-DD)"))
    if "tags" in values:
        values["tags"] = _clean_tags(list(values["tags"] or []), errors)
    if "assignee_ids" in values:
        wanted = sorted(set(values["assignee_ids"] or []))
        values["assignee_ids"] = wanted
        found = set(
            session.scalars(select(User.id).where(User.id.in_(wanted), User.is_active.is_(True)))
        )
        if len(wanted) > MAX_ASSIGNEES:
            errors.append(FieldError("assignee_ids", "too_many", f"at most {MAX_ASSIGNEES} people"))
        if set(wanted) - found:
            errors.append(FieldError("assignee_ids", "unknown_user", "assign active users only"))
    if values.get("account_id"):
        if session.get(Account, values["account_id"]) is None:
            errors.append(FieldError("account_id", "unknown_account", "no such account"))
    elif "account_id" in values:
        values["account_id"] = None
    if values.get("ticket_id"):
        if session.get(Ticket, values["ticket_id"]) is None:
            errors.append(FieldError("ticket_id", "unknown_ticket", "no such ticket"))
    elif "ticket_id" in values:
        values["ticket_id"] = None
    return errors


def _write_tags(session: Session, card: Card, board_id: int, tags: list[str]) -> None:
    session.execute(delete(CardTag).where(CardTag.card_id == card.id))
    if tags:
        session.execute(insert(CardTag), [{"card_id": card.id, "tag": tag} for tag in tags])
        known = set(session.scalars(select(BoardTag.name).where(BoardTag.board_id == board_id)))
        for tag in tags:
            if tag not in known:
                session.add(BoardTag(board_id=board_id, name=tag, color="gray"))


def _write_assignees(session: Session, card: Card, user_ids: list[int]) -> None:
    session.execute(delete(card_assignees).where(card_assignees.c.card_id == card.id))
    if user_ids:
        session.execute(
            insert(card_assignees), [{"card_id": card.id, "user_id": uid} for uid in user_ids]
        )


def _current_links(session: Session, card: Card) -> dict[str, Any]:
    tags = sorted(session.scalars(select(CardTag.tag).where(CardTag.card_id == card.id)))
    people = sorted(
        session.scalars(select(card_assignees.c.user_id).where(card_assignees.c.card_id == card.id))
    )
    return {"tags": tags, "assignee_ids": people}


EDITABLE = (
    "title",
    "description",
    "status",
    "priority",
    "due_date",
    "account_id",
    "ticket_id",
)


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


# --- cards ------------------------------------------------------------------------------------


def add_card(
    engine: Engine,
    actor: Actor,
    board_id: int,
    *,
    title: str,
    column_id: int | None = None,
    position: int | None = None,
    description: str | None = None,
    status: str = "normal",
    priority: str = "normal",
    due_date: date | None = None,
    tags: list[str] | None = None,
    assignee_ids: list[int] | None = None,
    account_id: str | None = None,
    ticket_id: str | None = None,
) -> CardSummary:
    """Add a card to a column (default: the first), at ``position`` (default: the end). It
    takes the board's next number, which no other card of the board ever gets."""
    with transaction(engine) as session:
        access = open_board(session, actor, "card.work", board_id, "member", write=True)
        board = access.board
        if column_id is None:
            column_id = session.scalar(
                select(BoardColumn.id)
                .where(BoardColumn.board_id == board_id)
                .order_by(BoardColumn.position)
                .limit(1)
            )
            if column_id is None:
                raise InvalidInput([FieldError("column", "no_columns", "the board has no column")])
        column = _board_column(session, board_id, column_id, "column")
        values: dict[str, Any] = {
            "title": title,
            "description": description,
            "status": status,
            "priority": priority,
            "due_date": due_date,
            "tags": tags or [],
            "assignee_ids": assignee_ids or [],
            "account_id": account_id,
            "ticket_id": ticket_id,
        }
        errors = _validate(session, values)
        if errors:
            raise InvalidInput(errors)
        _wip_verdict(session, column, excluding=None, field="column")
        count = _open_count(session, column.id)
        at = count if position is None else max(0, min(position, count))
        _shift(session, column.id, at, +1)
        number = board.next_card_number
        board.next_card_number = number + 1
        card = Card(
            board_id=board_id,
            number=number,
            column_id=column.id,
            position=at,
            created_by_id=access.actor.user_id,
            version=1,
            **{name: values[name] for name in EDITABLE},
        )
        session.add(card)
        session.flush()
        _write_tags(session, card, board_id, values["tags"])
        _write_assignees(session, card, values["assignee_ids"])
        _log(
            session,
            access,
            card,
            "created",
            "card.create",
            to_column_id=column.id,
            after={name: _jsonable(values[name]) for name in values} | {"column": column.name},
        )
        session.flush()
        return card_summary(session, board, card.id)


def edit_card(
    engine: Engine,
    actor: Actor,
    card: int | str,
    *,
    seen_version: int,
    title: str = UNCHANGED,
    description: str | None = UNCHANGED,
    status: str = UNCHANGED,
    priority: str = UNCHANGED,
    due_date: date | None = UNCHANGED,
    tags: list[str] = UNCHANGED,
    assignee_ids: list[int] = UNCHANGED,
    account_id: str | None = UNCHANGED,
    ticket_id: str | None = UNCHANGED,
) -> CardSummary:
    """Change the given fields of a card, if it is still at ``seen_version`` (else
    ``CardChanged`` naming who changed which fields since)."""
    given = {
        "title": title,
        "description": description,
        "status": status,
        "priority": priority,
        "due_date": due_date,
        "tags": tags,
        "assignee_ids": assignee_ids,
        "account_id": account_id,
        "ticket_id": ticket_id,
    }
    values = {name: value for name, value in given.items() if value is not UNCHANGED}
    with transaction(engine) as session:
        access, row = _open_card(session, actor, card)
        key = card_key(access.board.key, row.number)
        if row.version != seen_version:
            raise CardChanged(
                key, seen_version, row.version, _changes_since(session, row, seen_version)
            )
        if row.is_archived:
            raise InvalidInput(
                [FieldError("card", "archived", f"{key} is archived: restore it first")]
            )
        errors = _validate(session, values)
        if errors:
            raise InvalidInput(errors)
        before = {name: getattr(row, name) for name in EDITABLE} | _current_links(session, row)
        changed = {name: value for name, value in values.items() if before.get(name) != value}
        if changed:
            columns = {name: v for name, v in changed.items() if name in EDITABLE}
            done = session.execute(
                update(Card)
                .where(Card.id == row.id, Card.version == seen_version)
                .values(**columns, version=seen_version + 1, updated_at=utc_now())
                .execution_options(synchronize_session=False)
            ).rowcount
            if done != 1:  # pragma: no cover - the board lock makes this unreachable
                raise CardChanged(key, seen_version, seen_version + 1, [])
            if "tags" in changed:
                _write_tags(session, row, row.board_id, changed["tags"])
            if "assignee_ids" in changed:
                _write_assignees(session, row, changed["assignee_ids"])
            fields = {
                name: [_jsonable(before.get(name)), _jsonable(value)]
                for name, value in changed.items()
            }
            _log(
                session,
                access,
                row,
                "edited",
                "card.edit",
                details={"fields": fields, "version": seen_version + 1},
                before={name: pair[0] for name, pair in fields.items()} | {"version": seen_version},
                after={name: pair[1] for name, pair in fields.items()}
                | {"version": seen_version + 1},
            )
        session.flush()
        return card_summary(session, access.board, row.id)


def _changes_since(session: Session, card: Card, seen_version: int) -> list[tuple[str, list[str]]]:
    """Who edited the card after ``seen_version``, and which fields, oldest first."""
    events = session.execute(
        select(CardActivity.actor_name, CardActivity.details)
        .where(CardActivity.card_id == card.id, CardActivity.kind == "edited")
        .order_by(CardActivity.occurred_at, CardActivity.id)
    ).all()
    changes: list[tuple[str, list[str]]] = []
    for name, details in events:
        if details and int(details.get("version", 0)) > seen_version:
            changes.append((name, sorted(details.get("fields", {}))))
    return changes


def move_card(
    engine: Engine,
    actor: Actor,
    card: int | str,
    *,
    to_column_id: int,
    position: int | None = None,
    seen_version: int | None = None,
) -> MoveResult:
    """Move a card to a column of its board, at ``position`` (0 = top; default: the end).
    A column whose WIP limit blocks refuses the card when full; a warning limit lets it in
    and says so (``MoveResult.over_limit``). With ``seen_version`` (the version the mover's
    screen showed: the board's drag and drop and the move control send it) a card edited
    since is refused with ``CardChanged``, as an edit would be; a move itself is no edit and
    changes no version, so two people moving cards never refuse each other."""
    with transaction(engine) as session:
        access, row = _open_card(session, actor, card)
        key = card_key(access.board.key, row.number)
        if seen_version is not None and row.version != seen_version:
            raise CardChanged(
                key, seen_version, row.version, _changes_since(session, row, seen_version)
            )
        if row.is_archived:
            raise InvalidInput(
                [FieldError("card", "archived", f"{key} is archived: restore it first")]
            )
        target = _board_column(session, row.board_id, to_column_id, "to_column")
        source_id, old_position = row.column_id, row.position
        over = False
        if target.id != source_id:
            over = _wip_verdict(session, target, excluding=None, field="to_column")
        others = _open_count(session, target.id, excluding=row.id)
        at = others if position is None else max(0, min(position, others))
        if target.id == source_id and at == old_position:
            return MoveResult(card_summary(session, access.board, row.id), target.name, over)
        _set_place(session, row.id, position=-1)
        _shift(session, source_id, old_position + 1, -1)
        _shift(session, target.id, at, +1)
        _set_place(session, row.id, column_id=target.id, position=at)
        source_name = session.scalar(select(BoardColumn.name).where(BoardColumn.id == source_id))
        _log(
            session,
            access,
            row,
            "moved",
            "card.move",
            from_column_id=source_id,
            to_column_id=target.id,
            details={"position": at},
            before={"column": source_name, "position": old_position},
            after={"column": target.name, "position": at},
        )
        session.flush()
        return MoveResult(card_summary(session, access.board, row.id), target.name, over)


def archive_card(engine: Engine, actor: Actor, card: int | str) -> CardSummary:
    """Archive a card (the board's "delete"): it leaves its column and can be restored."""
    with transaction(engine) as session:
        access, row = _open_card(session, actor, card)
        if row.is_archived:
            return card_summary(session, access.board, row.id)
        column_id, position = row.column_id, row.position
        _set_place(session, row.id, is_archived=True, archived_at=utc_now(), position=-1)
        _shift(session, column_id, position + 1, -1)
        _log(
            session,
            access,
            row,
            "archived",
            "card.archive",
            from_column_id=column_id,
            before={"column_id": column_id},
        )
        session.flush()
        return card_summary(session, access.board, row.id)


def restore_card(engine: Engine, actor: Actor, card: int | str) -> CardSummary:
    """Bring an archived card back, at the end of the column it was archived from."""
    with transaction(engine) as session:
        access, row = _open_card(session, actor, card)
        if not row.is_archived:
            return card_summary(session, access.board, row.id)
        column = _board_column(session, row.board_id, row.column_id, "column")
        _wip_verdict(session, column, excluding=None, field="column")
        _set_place(
            session,
            row.id,
            is_archived=False,
            archived_at=None,
            position=_open_count(session, column.id),
        )
        _log(
            session,
            access,
            row,
            "restored",
            "card.restore",
            to_column_id=column.id,
            after={"column": column.name},
        )
        session.flush()
        return card_summary(session, access.board, row.id)


# --- checklist --------------------------------------------------------------------------------


def _item_errors(
    session: Session, text: Any, assignee_id: Any, due_date: Any
) -> tuple[list[FieldError], Any]:
    errors: list[FieldError] = []
    if text is not UNCHANGED:
        text = (text or "").strip()
        if not text:
            errors.append(FieldError("text", "empty_text", "must not be empty"))
        elif len(text) > MAX_CHECKLIST_TEXT:
            errors.append(
                FieldError(
                    "text",
                    "too_long",
                    f"use at most {MAX_CHECKLIST_TEXT} characters",
                    {"max": MAX_CHECKLIST_TEXT},
                )
            )
    if assignee_id not in (UNCHANGED, None):
        user = session.get(User, assignee_id)
        if user is None or not user.is_active:
            errors.append(FieldError("assignee_id", "unknown_user", "assign an active user"))
    if due_date not in (UNCHANGED, None) and not isinstance(due_date, date):
        errors.append(FieldError("due_date", "not_a_date", "use a date (YYYY-MM-DD)"))
    return errors, text


def add_checklist_item(
    engine: Engine,
    actor: Actor,
    card: int | str,
    *,
    text: str,
    assignee_id: int | None = None,
    due_date: date | None = None,
) -> int:
    """Add an item at the end of the card's checklist; returns its id."""
    with transaction(engine) as session:
        access, row = _open_card(session, actor, card)
        errors, text = _item_errors(session, text, assignee_id, due_date)
        if errors:
            raise InvalidInput(errors)
        last = session.scalar(
            select(func.max(ChecklistItem.position)).where(ChecklistItem.card_id == row.id)
        )
        item = ChecklistItem(
            card_id=row.id,
            text=text,
            is_done=False,
            position=0 if last is None else last + 1,
            assignee_id=assignee_id,
            due_date=due_date,
        )
        session.add(item)
        session.flush()
        _log(
            session,
            access,
            row,
            "checklist",
            "card.checklist.add",
            details={"action": "added", "text": text},
            after={"text": text, "assignee_id": assignee_id, "due_date": _jsonable(due_date)},
        )
        return item.id


def _open_item(
    session: Session, actor: Actor, item_id: int
) -> tuple[BoardAccess, Card, ChecklistItem]:
    card_id = session.scalar(select(ChecklistItem.card_id).where(ChecklistItem.id == item_id))
    if card_id is None:
        raise NotFound(f"no checklist item {item_id}")
    access, row = _open_card(session, actor, card_id)
    item = session.get(ChecklistItem, item_id, populate_existing=True)
    assert item is not None
    return access, row, item


def update_checklist_item(
    engine: Engine,
    actor: Actor,
    item_id: int,
    *,
    text: str = UNCHANGED,
    is_done: bool = UNCHANGED,
    assignee_id: int | None = UNCHANGED,
    due_date: date | None = UNCHANGED,
) -> None:
    """Tick, untick or edit a checklist item (only the fields given)."""
    with transaction(engine) as session:
        access, row, item = _open_item(session, actor, item_id)
        errors, text = _item_errors(session, text, assignee_id, due_date)
        if errors:
            raise InvalidInput(errors)
        given = {"text": text, "is_done": is_done, "assignee_id": assignee_id, "due_date": due_date}
        changed = {
            name: value
            for name, value in given.items()
            if value is not UNCHANGED and getattr(item, name) != value
        }
        if not changed:
            return
        before = {name: _jsonable(getattr(item, name)) for name in changed}
        for name, value in changed.items():
            setattr(item, name, value)
        action = ("done" if is_done else "undone") if list(changed) == ["is_done"] else "edited"
        _log(
            session,
            access,
            row,
            "checklist",
            "card.checklist.update",
            details={"action": action, "text": item.text},
            before=before | {"item_id": item.id},
            after={name: _jsonable(value) for name, value in changed.items()},
        )


def delete_checklist_item(engine: Engine, actor: Actor, item_id: int) -> None:
    with transaction(engine) as session:
        access, row, item = _open_item(session, actor, item_id)
        text = item.text
        session.delete(item)
        session.flush()
        remaining = session.scalars(
            select(ChecklistItem)
            .where(ChecklistItem.card_id == row.id)
            .order_by(ChecklistItem.position, ChecklistItem.id)
        ).all()
        for position, other in enumerate(remaining):
            other.position = position
        _log(
            session,
            access,
            row,
            "checklist",
            "card.checklist.delete",
            details={"action": "deleted", "text": text},
            before={"text": text},
        )


# --- comments and attachments -----------------------------------------------------------------


def add_comment(engine: Engine, actor: Actor, card: int | str, *, body: str) -> int:
    """Add a comment by the acting user; returns its id."""
    with transaction(engine) as session:
        access, row = _open_card(session, actor, card)
        text = (body or "").strip()
        if not text:
            raise InvalidInput([FieldError("body", "empty_text", "must not be empty")])
        if len(text) > MAX_COMMENT:
            raise InvalidInput(
                [
                    FieldError(
                        "body",
                        "too_long",
                        f"use at most {MAX_COMMENT} characters",
                        {"max": MAX_COMMENT},
                    )
                ]
            )
        comment = CardComment(
            card_id=row.id, author_id=access.actor.user_id, body=text, created_at=utc_now()
        )
        session.add(comment)
        session.flush()
        _log(
            session,
            access,
            row,
            "commented",
            "card.comment",
            details={"comment_id": comment.id},
            after={"comment_id": comment.id},
        )
        return comment.id


def attachment_type(filename: str) -> str | None:
    """The stored content type of an allowed file name; None when the type is not allowed."""
    return ATTACHMENT_TYPES.get(PurePath(filename).suffix.lower())


def add_attachment(
    engine: Engine, actor: Actor, card: int | str, *, filename: str, content: bytes
) -> int:
    """Attach a file (at most ``MAX_ATTACHMENT_BYTES``, a type of ``ATTACHMENT_TYPES``)."""
    name = PurePath((filename or "").replace("\\", "/")).name.strip()
    with transaction(engine) as session:
        access, row = _open_card(session, actor, card)
        errors = []
        content_type = attachment_type(name)
        if not name:
            errors.append(FieldError("file", "no_file", "choose a file"))
        elif content_type is None:
            allowed = ", ".join(sorted(ATTACHMENT_TYPES))
            errors.append(
                FieldError(
                    "file",
                    "type_not_allowed",
                    f"{mimetypes.guess_type(name)[0] or 'this type'} is not allowed; use {allowed}",
                    {"allowed": allowed},
                )
            )
        if len(name) > 255:
            errors.append(
                FieldError("file", "name_too_long", "use a name of 255 characters or fewer")
            )
        if len(content) > MAX_ATTACHMENT_BYTES:
            errors.append(
                FieldError(
                    "file",
                    "too_large",
                    f"files up to {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB",
                    {"max_mb": MAX_ATTACHMENT_BYTES // (1024 * 1024)},
                )
            )
        if not content:
            errors.append(FieldError("file", "empty", "the file is empty"))
        if errors:
            raise InvalidInput(errors)
        attachment = CardAttachment(
            card_id=row.id,
            filename=name,
            content_type=content_type,
            size_bytes=len(content),
            content=content,
            uploaded_by_id=access.actor.user_id,
            uploaded_at=utc_now(),
        )
        session.add(attachment)
        session.flush()
        _log(
            session,
            access,
            row,
            "attachment",
            "card.attachment.add",
            details={"action": "added", "filename": name},
            after={"filename": name, "size_bytes": len(content), "content_type": content_type},
        )
        return attachment.id


def delete_attachment(engine: Engine, actor: Actor, attachment_id: int) -> None:
    with transaction(engine) as session:
        card_id = session.scalar(
            select(CardAttachment.card_id).where(CardAttachment.id == attachment_id)
        )
        if card_id is None:
            raise NotFound(f"no attachment {attachment_id}")
        access, row = _open_card(session, actor, card_id)
        attachment = session.get(CardAttachment, attachment_id)
        assert attachment is not None
        name = attachment.filename
        session.delete(attachment)
        _log(
            session,
            access,
            row,
            "attachment",
            "card.attachment.delete",
            details={"action": "deleted", "filename": name},
            before={"filename": name},
        )
