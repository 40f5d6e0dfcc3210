"""The executives' renewal forecast by fiscal quarter: figures, snapshots, accuracy and
probability calibration.

The figures are ``cs_data.kpi``'s renewal KPIs (``renewal_figures``) over the quarter's
renewals, now or over the renewals as the system knew them at an earlier instant. A
**snapshot** stores them for one quarter (and optionally one segment) as computed at its
instant; besides manual ones, one automatic snapshot per ISO week is kept for the current and
the next quarter, inserted only when missing under a unique key, so several processes taking
it at once store it once. **Accuracy** of a closed quarter's snapshot = its weighted forecast
÷ the quarter's final closed won. **Calibration** per stage: over renewals with an outcome due
in the 730 days before ``as_of``, grouped by their stage as of 30 days before their renewal
date, won / (won + lost) — shown only from ``MIN_CALIBRATION_COUNT`` renewals on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, case, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from cs_data import audit, domain
from cs_data.auth import Actor, ensure
from cs_data.db import transaction
from cs_data.fiscal import Quarter, quarter_of
from cs_data.kpi.renewals import renewal_figures
from cs_data.kpi.scope import KpiFilter, Window, end_of_day
from cs_data.kpi.sql import connect
from cs_data.models import ForecastSnapshot, KpiTarget, Renewal, RenewalChange, UTCDateTime
from cs_data.renewals.history import CREATED, renewal_source
from cs_data.renewals.probabilities import get_stage_probabilities

FIGURES = ("closed_won", "commit", "best_case", "pipeline", "weighted", "at_risk")
"""The figures a snapshot stores, in the order the page shows them."""
_KPI_KEYS = {
    "closed_won": "closed_won_arr",
    "commit": "commit_arr",
    "best_case": "best_case_arr",
    "pipeline": "pipeline_arr",
    "weighted": "weighted_forecast_arr",
    "at_risk": "at_risk_arr",
}
TARGET_KPIS = ("renewal_rate_arr", "renewal_rate_count", "weighted_forecast_arr", "commit_arr")
"""KPI targets the forecast is measured against, when one covers the quarter."""
CALIBRATION_WINDOW_DAYS = 730
CALIBRATION_LEAD_DAYS = 30
MIN_CALIBRATION_COUNT = 20
SYSTEM_ACTOR = Actor(name="system:weekly-snapshot", user_id=None, role="admin")
"""Who takes the automatic weekly snapshots (the app or the command line, on its own)."""


@dataclass(frozen=True)
class Figures:
    """The forecast figures of one slice (money in cents, rates 0..1 or None)."""

    closed_won: int
    commit: int
    best_case: int
    pipeline: int
    weighted: int
    at_risk: int
    renewal_rate_count: float | None
    renewal_rate_arr: float | None
    renewals: int
    won: int
    lost: int
    open: int
    at_risk_count: int


def _figures(values: dict[str, Any]) -> Figures:
    return Figures(
        **{name: values[key] for name, key in _KPI_KEYS.items()},
        renewal_rate_count=values["renewal_rate_count"],
        renewal_rate_arr=values["renewal_rate_arr"],
        renewals=values["renewals"],
        won=values["won"],
        lost=values["lost"],
        open=values["open"],
        at_risk_count=values["at_risk"],
    )


@dataclass(frozen=True)
class TargetLine:
    """A KPI target that covers the quarter and the forecast's value of that KPI."""

    kpi: str
    name: str
    target_value: float
    direction: str
    value: Any


@dataclass(frozen=True)
class Forecast:
    """Everything the Forecast page shows about one quarter."""

    quarter: Quarter
    segment: str | None
    as_of: datetime
    total: Figures
    by_month: list[tuple[date, Figures]]
    by_segment: list[tuple[str | None, Figures]]
    targets: list[TargetLine]


def quarter_figures(
    bind: Engine | Connection,
    quarter: Quarter,
    *,
    segment: str | None = None,
    as_of: datetime | None = None,
    known_at: datetime | None = None,
) -> Figures:
    """The quarter's figures (``cs_data.kpi``'s renewal KPIs over its renewals): health bands
    read at ``as_of`` (default now), renewals as the system knew them at ``known_at`` (default
    as stored now)."""
    moment = (as_of or datetime.now(UTC)).astimezone(UTC)
    window = Window(quarter.start, quarter.end, moment)
    with connect(bind) as connection:
        values = renewal_figures(
            connection,
            [window],
            KpiFilter(segment=segment),
            source=renewal_source(known_at, due_from=quarter.start, due_to=quarter.end),
        )[0]
    return _figures(values)


def forecast(
    engine: Engine,
    actor: Actor,
    quarter: Quarter,
    *,
    segment: str | None = None,
    as_of: datetime | None = None,
) -> Forecast:
    """The quarter's figures in total, by month and by segment, and the KPI targets that cover
    it; as the system knew the renewals at ``as_of`` when given."""
    moment = (as_of or datetime.now(UTC)).astimezone(UTC)
    source = renewal_source(as_of, due_from=quarter.start, due_to=quarter.end)
    filters = KpiFilter(segment=segment)
    bounds = [*quarter.months(), quarter.next().start]
    month_windows = [Window(bounds[i], bounds[i + 1] - timedelta(days=1), moment) for i in range(3)]
    with connect(engine) as connection:
        ensure(connection, actor, "forecast.view")
        configured = get_stage_probabilities(connection)
        total = renewal_figures(
            connection,
            [Window(quarter.start, quarter.end, moment)],
            filters,
            source=source,
            probabilities=configured,
        )[0]
        by_month = renewal_figures(
            connection, month_windows, filters, source=source, probabilities=configured
        )
        segments = [segment] if segment else [*domain.SEGMENTS]
        by_segment = [
            (
                name,
                _figures(
                    renewal_figures(
                        connection,
                        [Window(quarter.start, quarter.end, moment)],
                        KpiFilter(segment=name),
                        source=source,
                        probabilities=configured,
                    )[0]
                ),
            )
            for name in segments
        ]
        targets = _targets(connection, quarter, segment, total)
    return Forecast(
        quarter=quarter,
        segment=segment,
        as_of=moment,
        total=_figures(total),
        by_month=[(w.start, _figures(v)) for w, v in zip(month_windows, by_month, strict=True)],
        by_segment=by_segment,
        targets=targets,
    )


def _targets(
    connection: Connection, quarter: Quarter, segment: str | None, values: dict[str, Any]
) -> list[TargetLine]:
    stmt = (
        select(KpiTarget)
        .where(
            KpiTarget.kpi.in_(TARGET_KPIS),
            KpiTarget.deadline >= quarter.start,
            KpiTarget.deadline <= quarter.end,
            KpiTarget.segment.is_(None) if segment is None else KpiTarget.segment == segment,
        )
        .order_by(KpiTarget.deadline, KpiTarget.id)
    )
    return [
        TargetLine(row.kpi, row.name, row.target_value, row.direction, values.get(row.kpi))
        for row in Session(bind=connection).scalars(stmt)
    ]


# --- snapshots ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """One stored forecast snapshot."""

    id: int
    taken_at: datetime
    period_start: date
    period_end: date
    segment: str | None
    closed_won: int
    commit: int
    best_case: int
    pipeline: int
    weighted: int
    at_risk: int
    taken_by: str
    automatic: bool


def _snapshot(row: ForecastSnapshot) -> Snapshot:
    return Snapshot(
        id=row.id,
        taken_at=row.taken_at,
        period_start=row.period_start,
        period_end=row.period_end,
        segment=row.segment,
        closed_won=row.closed_won_cents,
        commit=row.commit_cents,
        best_case=row.best_case_cents,
        pipeline=row.pipeline_cents,
        weighted=row.weighted_cents,
        at_risk=row.at_risk_cents,
        taken_by=row.taken_by,
        automatic=row.auto_key is not None,
    )


def _snapshot_values(
    figures: Figures, quarter: Quarter, segment: str | None, at: datetime, by: str
) -> dict[str, Any]:
    return {
        "taken_at": at,
        "period_start": quarter.start,
        "period_end": quarter.end,
        "segment": segment,
        "closed_won_cents": figures.closed_won,
        "commit_cents": figures.commit,
        "best_case_cents": figures.best_case,
        "pipeline_cents": figures.pipeline,
        "weighted_cents": figures.weighted,
        "at_risk_cents": figures.at_risk,
        "taken_by": by,
    }


def take_snapshot(
    engine: Engine, actor: Actor, quarter: Quarter, *, segment: str | None = None
) -> Snapshot:
    """Store the quarter's figures as they stand now (a manual snapshot), audited."""
    with transaction(engine) as session:
        actor = ensure(session, actor, "forecast.snapshot")
        now = datetime.now(UTC)
        figures = quarter_figures(session.connection(), quarter, segment=segment, as_of=now)
        row = ForecastSnapshot(**_snapshot_values(figures, quarter, segment, now, actor.name))
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor,
            action="forecast.snapshot",
            entity_type="forecast_snapshot",
            entity_id=str(row.id),
            after={"quarter": quarter.label, "segment": segment, "weighted": figures.weighted},
        )
        return _snapshot(row)


def weekly_key(quarter: Quarter, segment: str | None, day: date) -> str:
    """The unique key of the automatic snapshot of ``quarter`` in ``day``'s ISO week."""
    year, week, _ = day.isocalendar()
    return f"{quarter.start.isoformat()}/{segment or 'all'}/{year}-W{week:02d}"


def ensure_weekly_snapshots(
    engine: Engine, *, now: datetime | None = None, fiscal_start_month: int | None = None
) -> int:
    """Take this ISO week's automatic snapshot of the current and the next quarter where it
    is missing; how many were inserted. Safe to call from every process at any time: the
    insert does nothing when another process stored the same week's snapshot first."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    current = quarter_of(moment.date(), fiscal_start_month=fiscal_start_month)
    wanted = {weekly_key(q, None, moment.date()): q for q in (current, current.next())}
    with engine.connect() as connection:
        present = set(
            connection.scalars(
                select(ForecastSnapshot.auto_key).where(ForecastSnapshot.auto_key.in_(wanted))
            )
        )
    inserted = 0
    for key, quarter in wanted.items():
        if key in present:
            continue
        with transaction(engine) as session:
            connection = session.connection()
            figures = quarter_figures(connection, quarter, as_of=moment)
            values = _snapshot_values(figures, quarter, None, moment, SYSTEM_ACTOR.name)
            statement = _insert_if_absent(connection, values | {"auto_key": key})
            inserted += len(connection.execute(statement).all())
    return inserted


def _insert_if_absent(connection: Connection, values: dict[str, Any]) -> Any:
    table = ForecastSnapshot.__table__
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return (
        dialect.insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["auto_key"])
        .returning(table.c.id)
    )


@dataclass(frozen=True)
class Movement:
    """A quarter's snapshots over time and, once the quarter is over, its final closed won and
    each snapshot's accuracy (weighted forecast ÷ final closed won; None while open or when
    nothing was won)."""

    quarter: Quarter
    snapshots: list[Snapshot]
    final_closed_won: int | None
    accuracy: list[float | None]


def movement(
    engine: Engine,
    actor: Actor,
    quarter: Quarter,
    *,
    segment: str | None = None,
    now: datetime | None = None,
) -> Movement:
    """The quarter's snapshots, oldest first, with the final closed won and accuracy when
    the quarter has ended (before ``now``)."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    stmt = (
        select(ForecastSnapshot)
        .where(
            ForecastSnapshot.period_start == quarter.start,
            ForecastSnapshot.segment.is_(None)
            if segment is None
            else ForecastSnapshot.segment == segment,
        )
        .order_by(ForecastSnapshot.taken_at, ForecastSnapshot.id)
    )
    with Session(engine) as session:
        ensure(session, actor, "forecast.view")
        rows = [_snapshot(row) for row in session.scalars(stmt)]
        final = None
        if end_of_day(quarter.end) < moment:
            final = quarter_figures(
                session.connection(), quarter, segment=segment, as_of=moment
            ).closed_won
    accuracy = [(snapshot.weighted / final) if final else None for snapshot in rows]
    return Movement(quarter, rows, final, accuracy)


# --- probability calibration --------------------------------------------------------------


class _days_before(FunctionElement[datetime]):
    """The instant ``days`` days before a date's 00:00 UTC, in the timestamp storage format."""

    type = UTCDateTime()
    name = "days_before"
    inherit_cache = True


@compiles(_days_before, "sqlite")
def _days_before_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    day, days = list(element.clauses)
    return (
        f"strftime('%Y-%m-%d %H:%M:%f000', {compiler.process(day, **kw)}, "
        f"'-' || {compiler.process(days, **kw)} || ' days')"
    )


@compiles(_days_before, "postgresql")
def _days_before_postgresql(element: Any, compiler: Any, **kw: Any) -> str:
    day, days = list(element.clauses)
    return (
        f"CAST({compiler.process(day, **kw)} AS TIMESTAMP) "
        f"- make_interval(days => {compiler.process(days, **kw)})"
    )


@dataclass(frozen=True)
class CalibrationRow:
    """One stage: its configured probability, the renewals judged, and the observed win rate
    (None below ``MIN_CALIBRATION_COUNT``)."""

    stage: str
    configured: float
    count: int
    won: int
    win_rate: float | None


def calibration(
    engine: Engine, actor: Actor, *, as_of: datetime | None = None
) -> list[CalibrationRow]:
    """Per open stage: over renewals with an outcome and a renewal date in the 730 days up to
    ``as_of``'s day, by the stage each was in as of 30 days before its renewal date (renewals
    created after that instant are left out), won / (won + lost)."""
    moment = (as_of or datetime.now(UTC)).astimezone(UTC)
    last = moment.date()
    first = last - timedelta(days=CALIBRATION_WINDOW_DAYS)
    change = RenewalChange.__table__
    then = _days_before(Renewal.renewal_date, literal(CALIBRATION_LEAD_DAYS))
    first_stage_change = (
        select(change.c.old_value)
        .where(
            change.c.renewal_id == Renewal.id,
            change.c.field == "stage",
            change.c.changed_at > then,
        )
        .order_by(change.c.changed_at, change.c.id)
        .limit(1)
        .scalar_subquery()
    )
    created_later = (
        select(change.c.id)
        .where(
            change.c.renewal_id == Renewal.id,
            change.c.field == CREATED,
            change.c.changed_at > then,
        )
        .exists()
    )
    judged = (
        select(
            func.coalesce(first_stage_change, Renewal.stage).label("stage"),
            case((Renewal.outcome == "won", 1), else_=0).label("won"),
        )
        .where(
            Renewal.outcome.is_not(None),
            Renewal.renewal_date >= first,
            Renewal.renewal_date <= last,
            ~created_later,
        )
        .subquery()
    )
    stmt = select(judged.c.stage, func.count(), func.sum(judged.c.won)).group_by(judged.c.stage)
    with connect(engine) as connection:
        ensure(connection, actor, "forecast.view")
        counted = {stage: (int(n), int(w or 0)) for stage, n, w in connection.execute(stmt)}
        configured = get_stage_probabilities(connection)
    rows = []
    for stage in domain.RENEWAL_STAGES[:6]:
        count, won = counted.get(stage, (0, 0))
        rows.append(
            CalibrationRow(
                stage=stage,
                configured=configured[stage],
                count=count,
                won=won,
                win_rate=won / count if count >= MIN_CALIBRATION_COUNT else None,
            )
        )
    return rows
