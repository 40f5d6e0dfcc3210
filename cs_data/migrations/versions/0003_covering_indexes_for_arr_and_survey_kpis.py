"""covering indexes for arr and survey kpis

ARR on a day and the survey KPIs of a window are read from the index alone: the
subscriptions index on (start_date, end_date) and the survey index on (survey_type,
responded_at) gain the summed column (arr_cents, score).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 08:38:34.595226
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscriptions_start_date_end_date"))
        batch_op.create_index(
            batch_op.f("ix_subscriptions_start_date_end_date_arr_cents"),
            ["start_date", "end_date", "arr_cents"],
            unique=False,
        )

    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_responses_survey_type_responded_at"))
        batch_op.create_index(
            batch_op.f("ix_survey_responses_survey_type_responded_at_score"),
            ["survey_type", "responded_at", "score"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_responses_survey_type_responded_at_score"))
        batch_op.create_index(
            batch_op.f("ix_survey_responses_survey_type_responded_at"),
            ["survey_type", "responded_at"],
            unique=False,
        )

    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscriptions_start_date_end_date_arr_cents"))
        batch_op.create_index(
            batch_op.f("ix_subscriptions_start_date_end_date"),
            ["start_date", "end_date"],
            unique=False,
        )
