"""Demo health history: weekly snapshots over the last 26 weeks, scored from the demo data.

Each snapshot day is computed by ``cs_data.health`` from the rows the demo wrote (tickets,
surveys, interactions and usage as they stood on that day), so trends, "fell by 15 points in
14 days" and the red band follow the story of the data, and today's snapshots are ready when
the app opens. Run rows are stamped with the start of the day after (or of ``today``), not the
clock, so the same seed and day give the same rows.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Connection, func, select

from cs_data import health
from cs_data.models import HealthSnapshot
from cs_data.progress import ProgressCallback

SNAPSHOT_WEEKS = 26
DEMO_COMPUTED_BY = "demo"


def snapshot_days(today: date, weeks: int = SNAPSHOT_WEEKS) -> list[date]:
    """The snapshot days, oldest first: ``today`` and every 7th day before it."""
    return [today - timedelta(days=7 * back) for back in range(weeks - 1, -1, -1)]


def generate(connection: Connection, today: date, progress: ProgressCallback) -> int:
    """Write the weekly snapshots up to ``today``; returns how many rows were written."""
    days = snapshot_days(today)
    _restart_ids(connection)
    written = 0
    progress("health snapshots", 0, len(days))
    for done, day in enumerate(days, start=1):
        stamped = datetime.combine(min(day + timedelta(days=1), today), time.min, tzinfo=UTC)
        health.claim_day(connection, day, DEMO_COMPUTED_BY, at=stamped)
        written += health.store_day(connection, day).scored
        progress("health snapshots", done, len(days))
    return written


def _restart_ids(connection: Connection) -> None:
    """On PostgreSQL, number snapshot ids from after the highest one stored (from 1 in the
    emptied database), as on SQLite, so a replaced database gets the same ids again."""
    if connection.dialect.name != "postgresql":
        return
    table = HealthSnapshot.__table__
    following = select(func.coalesce(func.max(table.c.id), 0) + 1).scalar_subquery()
    sequence = func.pg_get_serial_sequence(table.name, "id")
    connection.execute(select(func.setval(sequence, following, False)))
