"""ticket durations and covering indexes

Covering indexes for the support and retention KPIs. Tickets gain two generated columns, ``frt_ms`` and ``resolution_ms`` (whole milliseconds from
created_at to first_response_at and to resolved_at), computed by the database, so every writer
keeps them right: VIRTUAL on SQLite (the only kind ALTER TABLE can add there; the index stores
the values) and STORED on PostgreSQL (the only kind it has). The created_at and resolved_at
indexes become covering indexes of the support KPIs: a window's tickets, their priority and
durations are read from the index alone. The subscriptions index on (account_id,
start_date) gains end_date and arr_cents (an account's ARR on a day, for the retention
cohort), and a new one on (end_date, account_id, arr_cents) finds the subscriptions ending in
a window (ARR and retention series).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 18:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.sql import column

from cs_data.elapsed import elapsed_ms

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

DURATIONS = {"frt_ms": "first_response_at", "resolution_ms": "resolved_at"}


def upgrade() -> None:
    persisted = op.get_bind().dialect.name != "sqlite"
    for name, until in DURATIONS.items():
        expression = elapsed_ms(column("created_at"), column(until))
        op.add_column(
            "tickets",
            sa.Column(name, sa.BigInteger(), sa.Computed(expression, persisted=persisted)),
        )
    op.drop_index("ix_tickets_created_at", table_name="tickets")
    op.drop_index("ix_tickets_resolved_at", table_name="tickets")
    op.create_index(
        "ix_tickets_created_at_priority_frt_ms_resolution_ms",
        "tickets",
        ["created_at", "priority", "frt_ms", "resolution_ms"],
    )
    op.create_index(
        "ix_tickets_resolved_at_created_at_resolution_ms",
        "tickets",
        ["resolved_at", "created_at", "resolution_ms"],
    )
    op.drop_index("ix_subscriptions_account_id_start_date", table_name="subscriptions")
    op.create_index(
        "ix_subscriptions_account_id_start_date_end_date_arr_cents",
        "subscriptions",
        ["account_id", "start_date", "end_date", "arr_cents"],
    )
    op.create_index(
        "ix_subscriptions_end_date_account_id_arr_cents",
        "subscriptions",
        ["end_date", "account_id", "arr_cents"],
    )


def downgrade() -> None:
    op.drop_index("ix_subscriptions_end_date_account_id_arr_cents", table_name="subscriptions")
    op.drop_index(
        "ix_subscriptions_account_id_start_date_end_date_arr_cents", table_name="subscriptions"
    )
    op.create_index(
        "ix_subscriptions_account_id_start_date", "subscriptions", ["account_id", "start_date"]
    )
    op.drop_index("ix_tickets_resolved_at_created_at_resolution_ms", table_name="tickets")
    op.drop_index("ix_tickets_created_at_priority_frt_ms_resolution_ms", table_name="tickets")
    op.create_index("ix_tickets_resolved_at", "tickets", ["resolved_at"])
    op.create_index("ix_tickets_created_at", "tickets", ["created_at"])
    for name in reversed(DURATIONS):
        op.drop_column("tickets", name)
