"""Board and card commands on each backend: templates, numbering, moves, WIP limits, checklist,
comments, attachments, archive, roles and privacy, optimistic locking, audit and history."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from cs_data import boards
from cs_data.auth import Actor, operator
from cs_data.db import read_session, transaction
from cs_data.errors import InvalidInput, NotFound, PermissionDenied
from cs_data.models import AuditEntry, Card, CardActivity, User
from tests.boards_helpers import layout, make_team, shared_board
from tests.factories import make_account, make_ticket


@pytest.fixture
def team(engine):
    return make_team(engine)


@pytest.fixture
def board(engine, team):
    return shared_board(engine, team)


def _codes(error: InvalidInput) -> set[str]:
    return {problem.code for problem in error.errors}


def _numbers(view: boards.BoardView, column: str) -> list[int]:
    return [card.number for card in view.column(column).cards]


# --- boards and templates ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "columns", "key"),
    [
        (
            "customer_success",
            ["New tickets", "Open tickets", "Feature requests", "Bugs", "Done"],
            "CS",
        ),
        ("onboarding", ["Kick-off", "Setup", "Training", "Go-live", "Done"], "ONB"),
        ("blank", ["To do", "Doing", "Done"], "MB"),
    ],
)
def test_a_board_is_created_from_its_template_with_the_creator_as_admin(
    engine, team, template, columns, key
):
    view = boards.create_board(engine, team.owner, name="My board", template=template)

    assert [column.name for column in view.columns] == columns
    assert view.key == key and view.role == "admin" and not view.is_private
    assert [(m.username, m.role) for m in view.members] == [("olga", "admin")]
    with read_session(engine) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "board.create")).one()
    assert entry.actor_name == "olga" and entry.after["template"] == template


def test_board_keys_are_unique_and_checked(engine, team):
    first = boards.create_board(engine, team.owner, name="One")
    second = boards.create_board(engine, team.owner, name="Two")
    assert (first.key, second.key) == ("CS", "CS2")

    with pytest.raises(InvalidInput) as error:
        boards.create_board(engine, team.owner, name="", key="cs", template="nope")
    assert _codes(error.value) == {"required", "unknown_template"}
    with pytest.raises(InvalidInput) as error:
        boards.create_board(engine, team.owner, name="Three", key="CS")
    assert _codes(error.value) == {"key_taken"}
    with pytest.raises(InvalidInput) as error:
        boards.create_board(engine, team.owner, name="Three", key="9-x")
    assert _codes(error.value) == {"key_format"}


@pytest.mark.parametrize("who", ["viewer", "exec"])
def test_viewers_and_execs_cannot_create_boards(engine, team, who):
    with pytest.raises(PermissionDenied):
        boards.create_board(engine, getattr(team, who), name="Mine")


def test_settings_change_with_optimistic_locking(engine, team, board):
    changed = boards.update_board(
        engine,
        team.owner,
        board.id,
        seen_version=board.version,
        name="Support desk",
        description="Escalations",
        key="ops",
        is_private=True,
    )
    assert (changed.name, changed.key, changed.is_private, changed.version) == (
        "Support desk",
        "OPS",
        True,
        board.version + 1,
    )
    with pytest.raises(boards.BoardChanged):
        boards.update_board(
            engine,
            team.owner,
            board.id,
            seen_version=board.version,
            name="Lost",
            description=None,
            key="OPS",
            is_private=False,
        )
    with pytest.raises(PermissionDenied):
        boards.update_board(
            engine,
            team.member,
            board.id,
            seen_version=changed.version,
            name="Mine",
            description=None,
            key="OPS",
            is_private=False,
        )


# --- columns ----------------------------------------------------------------------------------


def test_columns_are_added_renamed_reordered_and_deleted(engine, team, board):
    view = boards.add_column(engine, team.owner, board.id, name="Waiting", position=2)
    names = [column.name for column in view.columns]
    assert names[:3] == ["New tickets", "Open tickets", "Waiting"]
    waiting = view.column("Waiting")

    view = boards.rename_column(engine, team.owner, waiting.id, name="On customer")
    view = boards.move_column(engine, team.owner, waiting.id, position=0)
    assert [c.name for c in view.columns][:2] == ["On customer", "New tickets"]
    assert [c.position for c in view.columns] == list(range(6))

    with pytest.raises(InvalidInput) as error:
        boards.add_column(engine, team.owner, board.id, name="done", wip_limit=0, wip_mode="x")
    assert _codes(error.value) == {"column_exists", "wip_limit_positive", "unknown_wip_mode"}

    card = boards.add_card(engine, team.member, board.id, title="Stuck", column_id=waiting.id)
    with pytest.raises(InvalidInput) as error:
        boards.delete_column(engine, team.owner, waiting.id)
    assert _codes(error.value) == {"column_not_empty"}
    boards.archive_card(engine, team.member, card.key)
    view = boards.delete_column(engine, team.owner, waiting.id)
    assert [c.position for c in view.columns] == list(range(5))
    restored = boards.restore_card(engine, team.member, card.key)
    assert restored.column_id == view.columns[0].id

    with pytest.raises(PermissionDenied):
        boards.add_column(engine, team.member, board.id, name="Mine")


# --- cards: numbering, fields, edits ----------------------------------------------------------


def test_cards_are_numbered_per_board_and_numbers_are_never_reused(engine, team, board):
    other = boards.create_board(engine, team.owner, name="Other", template="blank", key="OT")
    first = boards.add_card(engine, team.member, board.id, title="One")
    second = boards.add_card(engine, team.member, board.id, title="Two")
    elsewhere = boards.add_card(engine, team.owner, other.id, title="Elsewhere")
    assert (first.key, second.key, elsewhere.key) == ("CS-1", "CS-2", "OT-1")

    boards.archive_card(engine, team.member, second.key)
    assert boards.empty_archive(engine, team.owner, board.id) == 1
    third = boards.add_card(engine, team.member, board.id, title="Three")

    assert third.key == "CS-3"
    with pytest.raises(NotFound):
        boards.get_card(engine, team.member, "CS-2")


def test_a_card_carries_every_field_and_links(engine, team, board):
    with transaction(engine) as session:
        account = make_account(session, id="ACC-7")
        make_ticket(session, id="T-9", account_id=account.id)
    card = boards.add_card(
        engine,
        team.member,
        board.id,
        title="  Export fails  ",
        column_id=board.column("Bugs").id,
        description="**Steps** in [the doc](http://x)",
        status="needs_review",
        priority="high",
        due_date=date(2026, 12, 1),
        tags=["Bug", "vip", "bug", "new-tag"],
        assignee_ids=[team.member.user_id, team.owner.user_id],
        account_id="ACC-7",
        ticket_id="T-9",
    )

    detail = boards.get_card(engine, team.viewer, card.key)
    assert detail.card.title == "Export fails"
    assert detail.column_name == "Bugs"
    assert detail.card.tags == ("bug", "new-tag", "vip")
    assert set(detail.card.assignee_ids) == {team.member.user_id, team.owner.user_id}
    assert (detail.card.status, detail.card.priority) == ("needs_review", "high")
    assert (detail.card.account_id, detail.card.ticket_id) == ("ACC-7", "T-9")
    assert detail.description == "**Steps** in [the doc](http://x)"
    assert [event.kind for event in detail.activity] == ["created"]
    assert detail.activity[0].to_column == "Bugs" and not detail.may_edit
    assert boards.get_board(engine, team.owner, board.id).tags["new-tag"] == "gray"

    with pytest.raises(InvalidInput) as error:
        boards.add_card(
            engine,
            team.member,
            board.id,
            title=" ",
            status="lost",
            priority="meh",
            assignee_ids=[999_999],
            account_id="nope",
            ticket_id="nope",
            tags=["x" * 65],
        )
    assert _codes(error.value) == {
        "empty_text",
        "unknown_status",
        "unknown_priority",
        "unknown_user",
        "unknown_account",
        "unknown_ticket",
        "too_long",
    }


def test_edits_use_the_version_and_name_who_changed_what(engine, team, board):
    card = boards.add_card(engine, team.member, board.id, title="Draft")
    edited = boards.edit_card(
        engine, team.owner, card.key, seen_version=card.version, title="Final", priority="urgent"
    )
    assert (edited.title, edited.priority, edited.version) == ("Final", "urgent", 2)

    with pytest.raises(boards.CardChanged) as error:
        boards.edit_card(engine, team.member, card.key, seen_version=1, title="Mine")
    assert "olga changed priority, title" in str(error.value)
    assert boards.get_card(engine, team.member, card.key).card.title == "Final"

    same = boards.edit_card(engine, team.member, card.key, seen_version=2, title="Final")
    assert same.version == 2, "an edit that changes nothing is not a new version"
    tagged = boards.edit_card(
        engine, team.member, card.key, seen_version=2, tags=["vip"], due_date=date(2027, 1, 5)
    )
    assert tagged.tags == ("vip",) and tagged.version == 3
    events = boards.get_card(engine, team.member, card.key).activity
    assert events[0].kind == "edited"
    assert events[0].details["fields"]["due_date"] == [None, "2027-01-05"]


# --- moves and WIP limits ---------------------------------------------------------------------


def test_moves_between_and_within_columns_keep_positions_dense(engine, team, board):
    new, open_ = board.column("New tickets"), board.column("Open tickets")
    cards = [boards.add_card(engine, team.member, board.id, title=f"c{i}") for i in range(4)]
    assert _numbers(boards.get_board(engine, team.member, board.id), "New tickets") == [1, 2, 3, 4]

    boards.move_card(engine, team.member, cards[1].key, to_column_id=open_.id)
    boards.move_card(engine, team.member, cards[3].key, to_column_id=open_.id, position=0)
    boards.move_card(engine, team.member, cards[0].key, to_column_id=new.id, position=5)
    view = boards.get_board(engine, team.member, board.id)
    assert _numbers(view, "New tickets") == [3, 1]
    assert _numbers(view, "Open tickets") == [4, 2]

    boards.move_card(engine, team.member, cards[2].key, to_column_id=open_.id, position=1)
    boards.move_card(engine, team.member, cards[1].key, to_column_id=open_.id, position=0)
    view = boards.get_board(engine, team.member, board.id)
    assert _numbers(view, "New tickets") == [1]
    assert _numbers(view, "Open tickets") == [2, 4, 3]
    for positions in layout(engine, board.id).values():
        assert [p for p, _ in positions] == list(range(len(positions)))

    detail = boards.get_card(engine, team.member, cards[1].key)
    moves = [(e.from_column, e.to_column) for e in detail.activity if e.kind == "moved"]
    assert moves == [("Open tickets", "Open tickets"), ("New tickets", "Open tickets")]


def test_a_move_from_an_older_screen_of_an_edited_card_is_refused(engine, team, board):
    card = boards.add_card(engine, team.member, board.id, title="Draft")
    open_, bugs = board.column("Open tickets"), board.column("Bugs")
    moved = boards.move_card(
        engine, team.member, card.key, to_column_id=open_.id, seen_version=card.version
    )
    assert moved.card.version == card.version, "a move is no edit"
    boards.move_card(engine, team.owner, card.key, to_column_id=bugs.id, seen_version=1)
    boards.edit_card(engine, team.owner, card.key, seen_version=1, title="Final")

    with pytest.raises(boards.CardChanged) as error:
        boards.move_card(engine, team.member, card.key, to_column_id=open_.id, seen_version=1)
    assert "olga changed title" in str(error.value)
    assert boards.get_card(engine, team.member, card.key).column_name == "Bugs"


def test_moves_check_the_column_and_the_role(engine, team, board):
    other = boards.create_board(engine, team.owner, name="Other", template="blank")
    card = boards.add_card(engine, team.member, board.id, title="Mine")
    with pytest.raises(InvalidInput) as error:
        boards.move_card(engine, team.member, card.key, to_column_id=other.columns[0].id)
    assert _codes(error.value) == {"unknown_column"}
    with pytest.raises(NotFound):
        boards.move_card(engine, team.member, "CS-99", to_column_id=board.columns[1].id)
    for visitor in (team.viewer, team.outsider, team.exec):
        with pytest.raises(PermissionDenied):
            boards.move_card(engine, visitor, card.key, to_column_id=board.columns[1].id)


def test_a_blocking_wip_limit_refuses_and_a_warning_limit_reports(engine, team, board):
    open_ = board.column("Open tickets")
    boards.set_wip_limit(engine, team.owner, open_.id, limit=2, mode="block")
    cards = [boards.add_card(engine, team.member, board.id, title=f"c{i}") for i in range(3)]
    for card in cards[:2]:
        assert not boards.move_card(engine, team.member, card.key, to_column_id=open_.id).over_limit

    with pytest.raises(InvalidInput) as error:
        boards.move_card(engine, team.member, cards[2].key, to_column_id=open_.id)
    assert _codes(error.value) == {"wip_limit_reached"}
    assert "2/2" in str(error.value)
    with pytest.raises(InvalidInput):
        boards.add_card(engine, team.member, board.id, title="direct", column_id=open_.id)
    reorder = boards.move_card(engine, team.member, cards[1].key, to_column_id=open_.id, position=0)
    assert reorder.card.position == 0, "reordering inside a full column is allowed"

    view = boards.set_wip_limit(engine, team.owner, open_.id, limit=2, mode="warn")
    assert view.column("Open tickets").at_limit and not view.column("Open tickets").over_limit
    result = boards.move_card(engine, team.member, cards[2].key, to_column_id=open_.id)
    assert result.over_limit
    assert boards.get_board(engine, team.member, board.id).column("Open tickets").over_limit
    with pytest.raises(PermissionDenied):
        boards.set_wip_limit(engine, team.member, open_.id, limit=9, mode="warn")


# --- archive ----------------------------------------------------------------------------------


def test_archive_and_restore_keep_the_column_in_order(engine, team, board):
    cards = [boards.add_card(engine, team.member, board.id, title=f"c{i}") for i in range(3)]
    boards.archive_card(engine, team.member, cards[0].key)
    view = boards.get_board(engine, team.member, board.id)
    assert _numbers(view, "New tickets") == [2, 3] and view.archived_cards == 1
    assert [c.key for c in boards.list_archived(engine, team.viewer, board.id)] == ["CS-1"]
    with pytest.raises(InvalidInput):
        boards.edit_card(engine, team.member, cards[0].key, seen_version=1, title="x")

    boards.restore_card(engine, team.member, cards[0].key)
    assert _numbers(boards.get_board(engine, team.member, board.id), "New tickets") == [2, 3, 1]
    kinds = [e.kind for e in boards.get_card(engine, team.member, cards[0].key).activity]
    assert kinds == ["restored", "archived", "created"]

    boards.archive_card(engine, team.member, cards[1].key)
    with pytest.raises(PermissionDenied):
        boards.empty_archive(engine, team.member, board.id)
    assert boards.empty_archive(engine, team.owner, board.id) == 1
    assert boards.list_archived(engine, team.owner, board.id) == []


# --- checklist, comments, attachments ---------------------------------------------------------


def test_checklist_items_have_assignees_due_dates_and_progress(engine, team, board):
    card = boards.add_card(engine, team.member, board.id, title="Onboard")
    first = boards.add_checklist_item(
        engine, team.member, card.key, text="Kick-off", assignee_id=team.owner.user_id
    )
    second = boards.add_checklist_item(
        engine, team.member, card.key, text="Training", due_date=date(2026, 12, 3)
    )
    third = boards.add_checklist_item(engine, team.member, card.key, text="Go-live")
    boards.update_checklist_item(engine, team.member, first, is_done=True)
    boards.update_checklist_item(engine, team.member, second, text="Admin training")
    boards.delete_checklist_item(engine, team.member, third)

    detail = boards.get_card(engine, team.member, card.key)
    assert [(i.text, i.is_done, i.position) for i in detail.checklist] == [
        ("Kick-off", True, 0),
        ("Admin training", False, 1),
    ]
    assert detail.checklist[0].assignee_name == "Olga"
    assert detail.checklist[1].due_date == date(2026, 12, 3)
    assert (detail.card.checklist_done, detail.card.checklist_total) == (1, 2)
    actions = [e.details["action"] for e in detail.activity if e.kind == "checklist"]
    assert actions == ["deleted", "edited", "done", "added", "added", "added"]
    with pytest.raises(InvalidInput):
        boards.add_checklist_item(engine, team.member, card.key, text="  ")
    with pytest.raises(PermissionDenied):
        boards.update_checklist_item(engine, team.viewer, first, is_done=False)


def test_comments_keep_their_author_and_text(engine, team, board):
    card = boards.add_card(engine, team.member, board.id, title="Chat")
    boards.add_comment(engine, team.member, card.key, body="<img src=x onerror=alert(1)>")
    boards.add_comment(engine, team.owner, card.key, body="Thanks!")

    detail = boards.get_card(engine, team.viewer, card.key)
    assert [(c.author_name, c.body) for c in detail.comments] == [
        ("Mina", "<img src=x onerror=alert(1)>"),
        ("Olga", "Thanks!"),
    ]
    assert detail.card.comments == 2
    with pytest.raises(InvalidInput):
        boards.add_comment(engine, team.member, card.key, body="")
    with pytest.raises(PermissionDenied):
        boards.add_comment(engine, team.viewer, card.key, body="Can I?")


def test_attachments_are_stored_limited_by_size_and_type_and_downloadable(engine, team, board):
    card = boards.add_card(engine, team.member, board.id, title="Files")
    content = b"line one\nline two\n"
    attachment_id = boards.add_attachment(
        engine, team.member, card.key, filename="C:\\tmp\\notes.TXT", content=content
    )

    stored = boards.attachment_file(engine, team.viewer, attachment_id)
    assert (stored.filename, stored.content_type, stored.content) == (
        "notes.TXT",
        "text/plain",
        content,
    )
    info = boards.get_card(engine, team.member, card.key).attachments
    assert [(a.filename, a.size_bytes, a.uploaded_by) for a in info] == [
        ("notes.TXT", len(content), "Mina")
    ]

    with pytest.raises(InvalidInput) as error:
        boards.add_attachment(engine, team.member, card.key, filename="run.exe", content=b"MZ")
    assert _codes(error.value) == {"type_not_allowed"}
    too_big = b"x" * (boards.MAX_ATTACHMENT_BYTES + 1)
    with pytest.raises(InvalidInput) as error:
        boards.add_attachment(engine, team.member, card.key, filename="big.pdf", content=too_big)
    assert _codes(error.value) == {"too_large"}
    exact = b"x" * boards.MAX_ATTACHMENT_BYTES
    boards.add_attachment(engine, team.member, card.key, filename="max.pdf", content=exact)
    with pytest.raises(PermissionDenied):
        boards.add_attachment(engine, team.viewer, card.key, filename="a.txt", content=b"a")

    boards.delete_attachment(engine, team.member, attachment_id)
    assert [a.filename for a in boards.get_card(engine, team.member, card.key).attachments] == [
        "max.pdf"
    ]


# --- roles and privacy ------------------------------------------------------------------------


def test_private_boards_are_invisible_to_non_members(engine, team):
    board = shared_board(engine, team, is_private=True)
    card = boards.add_card(engine, team.member, board.id, title="Secret")

    for outsider in (team.outsider, team.exec):
        assert board.id not in [b.id for b in boards.list_boards(engine, outsider)]
        with pytest.raises(NotFound):
            boards.get_board(engine, outsider, board.id)
        with pytest.raises(NotFound):
            boards.get_card(engine, outsider, card.key)
        with pytest.raises(NotFound):
            boards.flow(engine, outsider, board.id)
    assert [b.role for b in boards.list_boards(engine, team.viewer)] == ["visitor"]
    assert [b.role for b in boards.list_boards(engine, team.admin)] == ["admin"]
    boards.add_column(engine, team.admin, board.id, name="Admins may")


def test_public_boards_are_seen_by_every_user_as_visitors(engine, team, board):
    listed = {b.id: b.role for b in boards.list_boards(engine, team.outsider)}
    assert listed == {board.id: "visitor"}
    assert boards.get_board(engine, team.exec, board.id).role == "visitor"
    with pytest.raises(PermissionDenied):
        boards.add_card(engine, team.outsider, board.id, title="Drive-by")


def test_viewers_and_execs_are_visitors_at_most(engine, team, board):
    with pytest.raises(InvalidInput) as error:
        boards.set_member(engine, team.owner, board.id, user_id=team.exec.user_id, role="member")
    assert _codes(error.value) == {"role_above_app_role"}
    with transaction(engine) as session:  # a CSM made admin on a board, then demoted to viewer
        session.get(User, team.member.user_id).role = "viewer"
    assert boards.get_board(engine, team.member, board.id).role == "visitor"
    with pytest.raises(PermissionDenied):
        boards.add_card(engine, team.member, board.id, title="No longer")


def test_members_are_managed_by_board_admins_and_a_board_keeps_an_admin(engine, team, board):
    with pytest.raises(PermissionDenied):
        boards.set_member(
            engine, team.member, board.id, user_id=team.outsider.user_id, role="member"
        )
    view = boards.set_member(
        engine, team.owner, board.id, user_id=team.outsider.user_id, role="admin"
    )
    assert {m.username: m.role for m in view.members}["otto"] == "admin"
    boards.remove_member(engine, team.outsider, board.id, user_id=team.owner.user_id)
    with pytest.raises(InvalidInput) as error:
        boards.remove_member(engine, team.outsider, board.id, user_id=team.outsider.user_id)
    assert _codes(error.value) == {"last_board_admin"}
    with pytest.raises(InvalidInput):
        boards.set_member(
            engine, team.outsider, board.id, user_id=team.outsider.user_id, role="member"
        )


def test_a_refused_command_writes_nothing(engine, team, board):
    def counts():
        with read_session(engine) as session:
            return tuple(
                session.scalar(select(func.count()).select_from(model))
                for model in (Card, CardActivity, AuditEntry)
            )

    before = counts()
    with pytest.raises(PermissionDenied):
        boards.add_card(engine, team.viewer, board.id, title="Nope")
    with pytest.raises(InvalidInput):
        boards.add_card(engine, team.member, board.id, title="")
    assert counts() == before


def test_the_operator_manages_every_board(engine, team, board):
    card = boards.add_card(engine, operator(), board.id, title="Scripted")
    assert card.key == "CS-1"
    deactivated = Actor(name="gone", user_id=team.member.user_id, role="csm")
    with transaction(engine) as session:
        session.get(User, team.member.user_id).is_active = False
    with pytest.raises(PermissionDenied):
        boards.move_card(engine, deactivated, card.key, to_column_id=board.columns[1].id)


def test_every_write_is_audited_as_the_actor(engine, team, board):
    card = boards.add_card(engine, team.member, board.id, title="Audited")
    boards.move_card(engine, team.member, card.key, to_column_id=board.columns[1].id)
    boards.add_comment(engine, team.member, card.key, body="hi")
    with read_session(engine) as session:
        entries = session.execute(
            select(AuditEntry.action, AuditEntry.actor_name, AuditEntry.entity_id).where(
                AuditEntry.entity_type == "card"
            )
        ).all()
    assert sorted(entries) == [
        ("card.comment", "mina", "CS-1"),
        ("card.create", "mina", "CS-1"),
        ("card.move", "mina", "CS-1"),
    ]


def test_highlights_and_filters_pick_the_cards_to_show(engine, team, board):
    today = date(2026, 11, 30)
    mine = boards.add_card(
        engine,
        team.member,
        board.id,
        title="Mine, overdue",
        assignee_ids=[team.member.user_id],
        due_date=date(2026, 11, 20),
        tags=["vip"],
    )
    soon = boards.add_card(engine, team.member, board.id, title="Soon", due_date=date(2026, 12, 3))
    held = boards.add_card(engine, team.member, board.id, title="Held", status="on_hold")
    done = boards.add_card(
        engine, team.member, board.id, title="Done late", due_date=date(2026, 11, 1)
    )
    boards.move_card(engine, team.member, done.key, to_column_id=board.column("Done").id)
    cards = [
        card
        for column in boards.get_board(engine, team.member, board.id).columns
        for card in column.cards
    ]

    def shown(**where) -> list[str]:
        chosen = boards.CardFilter(**where)
        return [
            c.title
            for c in cards
            if boards.card_matches(c, chosen, me=team.member.user_id, today=today)
        ]

    assert shown(highlight="assigned_to_me") == ["Mine, overdue"]
    assert shown(highlight="needs_attention") == ["Mine, overdue", "Held"]
    assert shown(highlight="due_this_week") == ["Soon"]
    assert shown(text="soon") == ["Soon"] and shown(text=held.key.lower()) == ["Held"]
    assert shown(tag="vip") == ["Mine, overdue"] and shown(priority="high") == []
    assert shown(assignee_id=team.member.user_id) == ["Mine, overdue"]
    assert not next(c for c in cards if c.key == done.key).is_overdue(today)
    assert mine.key != soon.key


def test_an_accounts_cards_are_listed_for_its_page_on_visible_boards_only(engine, team, board):
    with transaction(engine) as session:
        make_account(session, id="ACC-1")
    secret = boards.create_board(engine, team.owner, name="Secret", key="SEC", is_private=True)
    boards.add_card(engine, team.member, board.id, title="Public one", account_id="ACC-1")
    boards.add_card(engine, team.owner, secret.id, title="Private one", account_id="ACC-1")
    archived = boards.add_card(engine, team.member, board.id, title="Gone", account_id="ACC-1")
    boards.archive_card(engine, team.member, archived.key)

    seen = boards.cards_for_account(engine, team.outsider, "ACC-1")
    assert [(c.key, c.board_name, c.column_name, c.is_done) for c in seen] == [
        ("CS-1", "Support", "New tickets", False)
    ]
    assert [c.title for c in boards.cards_for_account(engine, team.owner, "ACC-1")] == [
        "Private one",
        "Public one",
    ]
