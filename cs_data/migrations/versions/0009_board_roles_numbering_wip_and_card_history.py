"""board roles, numbering, WIP modes and card history

Kanban boards gain what the boards issue needs: a card number prefix (``key``, unique across
boards, so ``CS-42`` names one card) with a per-board counter that never goes back, privacy,
a settings version, members with board roles, tags with colours, a WIP mode per column
(warn or block), and on cards a per-board number, a status flag, a priority and the archive
time. Checklist items get an assignee and a due date. ``card_activity`` is each card's
history (created, moved from → to, edited, commented …), from which the flow analytics are
computed. Existing cards are numbered in id order within their board; existing boards get
the key ``B<id>``.

Revision ID: 0009
Revises: 0004
Create Date: 2026-11-30 13:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0006"
branch_labels = None
depends_on = None

OLD_KINDS = ("tickets", "feature_requests", "bugs", "onboarding", "custom")
NEW_KINDS = ("customer_success", *OLD_KINDS)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    with op.batch_alter_table("boards", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key", sa.String(length=10), nullable=True))
        batch_op.add_column(
            sa.Column("is_private", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("next_card_number", sa.Integer(), server_default="1", nullable=False)
        )
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch_op.drop_constraint(op.f("ck_boards_kind"), type_="check")
        batch_op.create_check_constraint("kind", _one_of("kind", NEW_KINDS))
        batch_op.create_check_constraint("next_card_number_positive", "next_card_number >= 1")
    op.execute("UPDATE boards SET key = 'B' || CAST(id AS VARCHAR(9))")
    with op.batch_alter_table("boards", schema=None) as batch_op:
        batch_op.alter_column("key", existing_type=sa.String(length=10), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_boards_key"), ["key"])

    with op.batch_alter_table("board_columns", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("wip_mode", sa.String(length=8), server_default="warn", nullable=False)
        )
        batch_op.create_check_constraint("wip_mode", _one_of("wip_mode", ("warn", "block")))
        batch_op.create_check_constraint("wip_limit_positive", "wip_limit IS NULL OR wip_limit > 0")

    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.add_column(sa.Column("number", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("status", sa.String(length=16), server_default="normal", nullable=False)
        )
        batch_op.add_column(
            sa.Column("priority", sa.String(length=16), server_default="normal", nullable=False)
        )
        batch_op.add_column(sa.Column("archived_at", sa.DateTime(), nullable=True))
        batch_op.create_check_constraint(
            "status", _one_of("status", ("normal", "ready_to_pull", "needs_review", "on_hold"))
        )
        batch_op.create_check_constraint(
            "priority", _one_of("priority", ("low", "normal", "high", "urgent"))
        )
        batch_op.create_index(batch_op.f("ix_cards_account_id"), ["account_id"], unique=False)
    op.execute(
        "UPDATE cards SET number = (SELECT COUNT(*) FROM cards AS earlier "
        "WHERE earlier.board_id = cards.board_id AND earlier.id <= cards.id)"
    )
    op.execute(
        "UPDATE boards SET next_card_number = 1 + "
        "(SELECT COUNT(*) FROM cards WHERE cards.board_id = boards.id)"
    )
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.alter_column("number", existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_cards_board_id_number"), ["board_id", "number"]
        )

    with op.batch_alter_table("checklist_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assignee_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("due_date", sa.Date(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_checklist_items_assignee_id_users"),
            "users",
            ["assignee_id"],
            ["id"],
            ondelete="SET NULL",
        )

    op.create_table(
        "board_members",
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            _one_of("role", ("admin", "member", "visitor")), name=op.f("ck_board_members_role")
        ),
        sa.ForeignKeyConstraint(
            ["board_id"],
            ["boards.id"],
            name=op.f("fk_board_members_board_id_boards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_board_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("board_id", "user_id", name=op.f("pk_board_members")),
    )
    op.create_index(op.f("ix_board_members_user_id"), "board_members", ["user_id"], unique=False)

    op.create_table(
        "board_tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("color", sa.String(length=16), nullable=False),
        sa.CheckConstraint(
            _one_of("color", ("gray", "red", "orange", "yellow", "green", "blue", "violet")),
            name=op.f("ck_board_tags_color"),
        ),
        sa.ForeignKeyConstraint(
            ["board_id"],
            ["boards.id"],
            name=op.f("fk_board_tags_board_id_boards"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_board_tags")),
        sa.UniqueConstraint("board_id", "name", name=op.f("uq_board_tags_board_id_name")),
    )

    op.create_table(
        "card_activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("from_column_id", sa.Integer(), nullable=True),
        sa.Column("to_column_id", sa.Integer(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.CheckConstraint(
            _one_of(
                "kind",
                (
                    "created",
                    "moved",
                    "edited",
                    "commented",
                    "checklist",
                    "attachment",
                    "archived",
                    "restored",
                ),
            ),
            name=op.f("ck_card_activity_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_card_activity_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["board_id"],
            ["boards.id"],
            name=op.f("fk_card_activity_board_id_boards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["card_id"],
            ["cards.id"],
            name=op.f("fk_card_activity_card_id_cards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["from_column_id"],
            ["board_columns.id"],
            name=op.f("fk_card_activity_from_column_id_board_columns"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["to_column_id"],
            ["board_columns.id"],
            name=op.f("fk_card_activity_to_column_id_board_columns"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_activity")),
    )
    op.create_index(
        op.f("ix_card_activity_card_id_occurred_at"), "card_activity", ["card_id", "occurred_at"]
    )
    op.create_index(
        op.f("ix_card_activity_board_id_occurred_at"), "card_activity", ["board_id", "occurred_at"]
    )


def downgrade() -> None:
    op.drop_table("card_activity")
    op.drop_table("board_tags")
    op.drop_index(op.f("ix_board_members_user_id"), table_name="board_members")
    op.drop_table("board_members")
    with op.batch_alter_table("checklist_items", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_checklist_items_assignee_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("due_date")
        batch_op.drop_column("assignee_id")
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_cards_board_id_number"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_cards_account_id"))
        batch_op.drop_constraint(op.f("ck_cards_priority"), type_="check")
        batch_op.drop_constraint(op.f("ck_cards_status"), type_="check")
        batch_op.drop_column("archived_at")
        batch_op.drop_column("priority")
        batch_op.drop_column("status")
        batch_op.drop_column("number")
    with op.batch_alter_table("board_columns", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_board_columns_wip_limit_positive"), type_="check")
        batch_op.drop_constraint(op.f("ck_board_columns_wip_mode"), type_="check")
        batch_op.drop_column("wip_mode")
    op.execute("DELETE FROM boards WHERE kind = 'customer_success'")
    with op.batch_alter_table("boards", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_boards_key"), type_="unique")
        batch_op.drop_constraint(op.f("ck_boards_next_card_number_positive"), type_="check")
        batch_op.drop_constraint(op.f("ck_boards_kind"), type_="check")
        batch_op.create_check_constraint("kind", _one_of("kind", OLD_KINDS))
        batch_op.drop_column("version")
        batch_op.drop_column("next_card_number")
        batch_op.drop_column("is_private")
        batch_op.drop_column("key")
