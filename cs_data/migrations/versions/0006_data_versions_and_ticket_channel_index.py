"""data versions and ticket channel index

``data_versions`` holds a change counter and the time of the last change per table, bumped
in the transaction of every write (``cs_data.data_versions``): page caches key on it instead
of the clock. An index on ``tickets.channel`` lets the filter bar list the channels with a
loose index scan (a few index probes) instead of scanning every ticket.

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-30 13:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "data_versions",
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("table_name", name=op.f("pk_data_versions")),
    )
    op.create_index(op.f("ix_tickets_channel"), "tickets", ["channel"])


def downgrade() -> None:
    op.drop_index(op.f("ix_tickets_channel"), table_name="tickets")
    op.drop_table("data_versions")
