"""health runs and imported interactions

``health_runs`` records each day's health computation; its primary key on the day lets one
app replica claim "compute today's snapshots" (the others find the row and skip). Health
snapshots gain an index on (snapshot_date, score) for the accounts list sorted by health.
Interactions become importable: their id is the source system's ``interaction_id`` (text, as
for every other imported entity; stored integer ids become their decimal text) and the
summary is optional, as in the canonical interactions file.

Revision ID: 0008
Revises: 0004
Create Date: 2026-11-30 13:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "health_runs",
        sa.Column("snapshot_date", sa.Date(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.Column("computed_by", sa.String(length=200), nullable=False),
        sa.Column("weights", sa.JSON(), nullable=False),
        sa.Column("scored_accounts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("snapshot_date", name=op.f("pk_health_runs")),
    )
    with op.batch_alter_table("health_snapshots", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_health_snapshots_snapshot_date_score"),
            ["snapshot_date", "score"],
            unique=False,
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE interactions ALTER COLUMN id DROP DEFAULT")
        op.execute("DROP SEQUENCE IF EXISTS interactions_id_seq")
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.alter_column(
            "id",
            existing_type=sa.Integer(),
            type_=sa.String(length=64),
            postgresql_using="id::text",
        )
        batch_op.alter_column("summary", existing_type=sa.Text(), nullable=True)


def downgrade() -> None:
    # app-logged ids (INT-…) have no integer form: number every interaction afresh
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("UPDATE interactions SET summary = '' WHERE summary IS NULL")
        op.execute("CREATE SEQUENCE interactions_id_seq OWNED BY interactions.id")
        op.execute(
            "ALTER TABLE interactions ALTER COLUMN id TYPE INTEGER "
            "USING nextval('interactions_id_seq')"
        )
        op.execute(
            "ALTER TABLE interactions ALTER COLUMN id SET DEFAULT nextval('interactions_id_seq')"
        )
        op.execute("ALTER TABLE interactions ALTER COLUMN summary SET NOT NULL")
    else:
        op.execute("UPDATE interactions SET summary = '' WHERE summary IS NULL")
        op.execute("UPDATE interactions SET id = CAST(rowid AS TEXT)")
        with op.batch_alter_table("interactions", schema=None) as batch_op:
            batch_op.alter_column("id", existing_type=sa.String(length=64), type_=sa.Integer())
            batch_op.alter_column("summary", existing_type=sa.Text(), nullable=False)
    with op.batch_alter_table("health_snapshots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_health_snapshots_snapshot_date_score"))
    op.drop_table("health_runs")
