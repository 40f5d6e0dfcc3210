"""renewal history versions and weekly forecast snapshots

``renewal_changes.version`` is the renewal version a change produced, so a refused stale save
names who changed which fields since the version the editor saw (indexed with the renewal).
``forecast_snapshots.auto_key`` (quarter, segment, ISO week) is unique: the automatic weekly
snapshot is inserted at most once, also when several app replicas find it missing at once.

Revision ID: 0007
Revises: 0004
Create Date: 2026-11-30 13:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("renewal_changes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_renewal_changes_renewal_id_version"),
            ["renewal_id", "version"],
            unique=False,
        )
    with op.batch_alter_table("forecast_snapshots", schema=None) as batch_op:
        batch_op.add_column(sa.Column("auto_key", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_forecast_snapshots_auto_key"), ["auto_key"]
        )


def downgrade() -> None:
    with op.batch_alter_table("forecast_snapshots", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_forecast_snapshots_auto_key"), type_="unique")
        batch_op.drop_column("auto_key")
    with op.batch_alter_table("renewal_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_renewal_changes_renewal_id_version"))
        batch_op.drop_column("version")
