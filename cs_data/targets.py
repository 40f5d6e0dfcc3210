"""KPI targets: managers' goals for one KPI (optionally one segment) by a deadline.

A target's value is stored in the KPI's own unit (shares 0..1, NPS −100..100, minutes,
counts, cents). Its progress is the KPI over ``[start_date, min(deadline, today)]`` for its
segment. A direction that contradicts the KPI's own (``at_least`` on a KPI where lower is
better) is allowed, not refused: the target's direction states the goal and decides whether
it is met, and ``Target.against_kpi`` flags it so that pages can point it out.

Every write checks the permission first, runs in one transaction, writes an audit entry
with the values before and after, and refuses to overwrite or delete a version of the
target the caller has not seen (``TargetChanged``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

from cs_data import audit, domain
from cs_data.auth import Actor, ensure
from cs_data.db import read_session, transaction
from cs_data.errors import FieldError, InvalidInput, NotFound, StaleEdit, too_long
from cs_data.kpi import KPIS, KpiFilter, compute_kpis
from cs_data.kpi.registry import WHOLE_UNITS
from cs_data.kpi.scope import day_start
from cs_data.models import KpiTarget

MAX_NAME_LENGTH = 200
KPI_RANGES: dict[str, tuple[float | None, float | None]] = {
    "csat_avg": tuple(map(float, domain.SURVEY_SCALES["csat"])),
    "ces_avg": tuple(map(float, domain.SURVEY_SCALES["ces"])),
    "nrr": (0.0, None),
}
"""KPIs whose values do not span their unit's range: survey means lie on their scale, and
net revenue retention is a ratio that may exceed 1 (expansion)."""
UNIT_RANGES: dict[str, tuple[float | None, float | None]] = {
    "share": (0.0, 1.0),
    "nps": (-100.0, 100.0),
    "score": (0.0, None),
    "minutes": (0.0, None),
    "count": (0.0, None),
    "cents": (0.0, None),
}
"""The values a target may take, per KPI unit (None: unbounded)."""


@dataclass(frozen=True)
class Target:
    """A target as pages see it."""

    id: int
    kpi: str
    name: str
    target_value: float
    direction: str
    segment: str | None
    start_date: date
    deadline: date
    owner_id: int | None
    version: int

    @property
    def against_kpi(self) -> bool:
        """True when the direction contradicts the KPI's (e.g. ``at_least`` on a KPI where
        lower is better)."""
        lower = KPIS[self.kpi].lower_is_better
        return lower is not None and lower != (self.direction == "at_most")


class TargetChanged(StaleEdit):
    """Someone else saved the target since it was read; ``current`` is what they saved."""

    def __init__(self, current: Target) -> None:
        super().__init__(f"target {current.id} was changed by someone else (now {current.version})")
        self.current = current


@dataclass(frozen=True)
class Progress:
    """A target's KPI over its window so far.

    ``status`` is ``met``, ``behind``, ``no_data`` (the KPI is undefined in the window) or
    ``not_started`` (the start date is still ahead). ``gap`` = value − target (KPI unit).
    ``fraction`` (0..1) is how far along the value is: value/target for ``at_least``,
    target/value for ``at_most``, 1 when met.
    """

    target: Target
    window: tuple[date, date] | None
    value: Any
    status: str
    gap: float | None
    fraction: float
    days_left: int


def _info(row: KpiTarget) -> Target:
    return Target(
        id=row.id,
        kpi=row.kpi,
        name=row.name,
        target_value=row.target_value,
        direction=row.direction,
        segment=row.segment,
        start_date=row.start_date,
        deadline=row.deadline,
        owner_id=row.owner_id,
        version=row.version,
    )


def _snapshot(values: dict[str, Any]) -> dict[str, Any]:
    """The audited view of a target's fields (dates as ISO text)."""
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


def value_range(kpi: str) -> tuple[float | None, float | None]:
    """The lowest and highest target value ``kpi`` may have (None: unbounded)."""
    return KPI_RANGES.get(kpi) or UNIT_RANGES[KPIS[kpi].unit]


def _validate(
    *,
    kpi: str,
    name: str,
    target_value: Any,
    direction: str,
    segment: str | None,
    start_date: date | None,
    deadline: date | None,
) -> dict[str, Any]:
    """The cleaned fields, or ``InvalidInput`` naming every bad one."""
    problems = []
    name = (name or "").strip()
    if not name:
        problems.append(FieldError("name", "required", "enter a name"))
    elif (problem := too_long("name", name, MAX_NAME_LENGTH)) is not None:
        problems.append(problem)
    if kpi not in KPIS:
        problems.append(FieldError("kpi", "unknown_kpi", f"unknown KPI {kpi!r}"))
    number = None
    is_number = isinstance(target_value, int | float) and not isinstance(target_value, bool)
    if not is_number or not math.isfinite(target_value):
        problems.append(FieldError("target_value", "not_a_number", "enter a number"))
    else:
        number = float(target_value)
    if number is not None and kpi in KPIS:
        low, high = value_range(kpi)
        if (low is not None and number < low) or (high is not None and number > high):
            problems.append(
                FieldError(
                    "target_value",
                    "out_of_range",
                    f"must lie between {low} and {high}"
                    if high is not None
                    else f"must be at least {low}",
                    {"unit": KPIS[kpi].unit, "low": low, "high": high},
                )
            )
        elif KPIS[kpi].unit in WHOLE_UNITS and not number.is_integer():
            problems.append(FieldError("target_value", "not_whole", "enter a whole number"))
    if direction not in domain.TARGET_DIRECTIONS:
        problems.append(
            FieldError(
                "direction",
                "unknown_direction",
                f"use one of {', '.join(domain.TARGET_DIRECTIONS)}",
            )
        )
    segment = segment or None
    if segment is not None and segment not in domain.SEGMENTS:
        problems.append(
            FieldError("segment", "unknown_segment", f"use one of {', '.join(domain.SEGMENTS)}")
        )
    if start_date is None:
        problems.append(FieldError("start_date", "date_required", "enter a date"))
    if deadline is None:
        problems.append(FieldError("deadline", "date_required", "enter a date"))
    elif start_date is not None and deadline <= start_date:
        problems.append(
            FieldError("deadline", "deadline_before_start", "the deadline must be after the start")
        )
    if problems:
        raise InvalidInput(problems)
    return {
        "kpi": kpi,
        "name": name,
        "target_value": number,
        "direction": direction,
        "segment": segment,
        "start_date": start_date,
        "deadline": deadline,
    }


def list_targets(
    engine: Engine, *, include_past: bool = False, today: date | None = None
) -> list[Target]:
    """Targets by deadline; those whose deadline is before ``today`` (UTC) only if asked."""
    today = today or datetime.now(UTC).date()
    query = select(KpiTarget).order_by(KpiTarget.deadline, KpiTarget.id)
    if not include_past:
        query = query.where(KpiTarget.deadline >= today)
    with read_session(engine) as session:
        return [_info(row) for row in session.scalars(query)]


def get_target(engine: Engine, target_id: int) -> Target:
    """One target; ``NotFound`` when it does not exist (any more)."""
    with read_session(engine) as session:
        row = session.get(KpiTarget, target_id)
        if row is None:
            raise NotFound(f"no target {target_id}")
        return _info(row)


def create_target(
    engine: Engine,
    actor: Actor,
    *,
    kpi: str,
    name: str,
    target_value: float,
    direction: str,
    segment: str | None,
    start_date: date | None,
    deadline: date | None,
) -> Target:
    """Create a target owned by ``actor``; raises ``InvalidInput`` naming every bad field."""
    with transaction(engine) as session:
        actor = ensure(session, actor, "target.create")
        fields = _validate(
            kpi=kpi,
            name=name,
            target_value=target_value,
            direction=direction,
            segment=segment,
            start_date=start_date,
            deadline=deadline,
        )
        row = KpiTarget(**fields, owner_id=actor.user_id)
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor,
            action="target.create",
            entity_type="kpi_target",
            entity_id=str(row.id),
            after=_snapshot(fields),
        )
        return _info(row)


def _current(session: Session, target_id: int, seen_version: int) -> KpiTarget:
    """The target, locked; ``TargetChanged`` unless it is still at ``seen_version``."""
    row = session.scalars(
        select(KpiTarget).where(KpiTarget.id == target_id).with_for_update()
    ).first()
    if row is None:
        raise NotFound(f"no target {target_id}")
    if row.version != seen_version:
        raise TargetChanged(_info(row))
    return row


def _fields(row: KpiTarget) -> dict[str, Any]:
    names = ("kpi", "name", "target_value", "direction", "segment", "start_date", "deadline")
    return {name: getattr(row, name) for name in names}


def update_target(
    engine: Engine,
    actor: Actor,
    target_id: int,
    *,
    seen_version: int,
    kpi: str,
    name: str,
    target_value: float,
    direction: str,
    segment: str | None,
    start_date: date | None,
    deadline: date | None,
) -> Target:
    """Replace a target's fields, if it is still at ``seen_version`` (else ``TargetChanged``)."""
    with transaction(engine) as session:
        actor = ensure(session, actor, "target.update")
        fields = _validate(
            kpi=kpi,
            name=name,
            target_value=target_value,
            direction=direction,
            segment=segment,
            start_date=start_date,
            deadline=deadline,
        )
        row = _current(session, target_id, seen_version)
        before = _fields(row)
        changed = session.execute(
            update(KpiTarget)
            .where(KpiTarget.id == target_id, KpiTarget.version == seen_version)
            .values(**fields, version=seen_version + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        if changed != 1:
            session.expire(row)
            raise TargetChanged(_info(row))
        session.expire(row)
        audit.record(
            session,
            actor,
            action="target.update",
            entity_type="kpi_target",
            entity_id=str(target_id),
            before=_snapshot(before | {"version": seen_version}),
            after=_snapshot(fields | {"version": seen_version + 1}),
        )
        return _info(row)


def delete_target(engine: Engine, actor: Actor, target_id: int, *, seen_version: int) -> None:
    """Delete a target, if it is still at ``seen_version`` (else ``TargetChanged``)."""
    with transaction(engine) as session:
        actor = ensure(session, actor, "target.delete")
        row = _current(session, target_id, seen_version)
        before = _fields(row)
        deleted = session.execute(
            delete(KpiTarget)
            .where(KpiTarget.id == target_id, KpiTarget.version == seen_version)
            .execution_options(synchronize_session=False)
        ).rowcount
        if deleted != 1:
            session.expire(row)
            raise TargetChanged(_info(row))
        audit.record(
            session,
            actor,
            action="target.delete",
            entity_type="kpi_target",
            entity_id=str(target_id),
            before=_snapshot(before | {"version": seen_version}),
        )


def _judge(target: Target, value: Any) -> tuple[str, float | None, float]:
    """Status, gap and fraction of ``target`` at ``value``."""
    if value is None:
        return "no_data", None, 0.0
    goal = target.target_value
    at_least = target.direction == "at_least"
    met = value >= goal if at_least else value <= goal
    if met:
        return "met", value - goal, 1.0
    if at_least:
        fraction = value / goal if goal > 0 and value > 0 else 0.0
    else:
        fraction = goal / value if value > 0 and goal > 0 else 0.0
    return "behind", value - goal, min(max(fraction, 0.0), 1.0)


def target_progress(engine: Engine, targets: list[Target], *, as_of: datetime) -> list[Progress]:
    """Each target's KPI over ``[start_date, min(deadline, as_of's UTC day)]`` for its
    segment, measured at ``as_of`` (or at the deadline's end when that is earlier).

    Targets sharing a window and a segment are computed together in one ``compute_kpis``
    call, on one connection."""
    as_of = as_of.astimezone(UTC)
    today = as_of.date()
    batches: dict[tuple[date, date, str | None], set[str]] = defaultdict(set)
    for target in targets:
        if target.start_date <= today:
            batches[(target.start_date, min(target.deadline, today), target.segment)].add(
                target.kpi
            )
    values: dict[tuple[date, date, str | None], dict[str, Any]] = {}
    with engine.connect() as connection:
        for (start, end, segment), keys in batches.items():
            values[(start, end, segment)] = compute_kpis(
                connection,
                start=start,
                end=end,
                as_of=min(as_of, day_start(end + timedelta(days=1))),
                filters=KpiFilter(segment=segment),
                keys=[key for key in KPIS if key in keys],
            )
    progress = []
    for target in targets:
        days_left = (target.deadline - today).days
        if target.start_date > today:
            progress.append(Progress(target, None, None, "not_started", None, 0.0, days_left))
            continue
        window = (target.start_date, min(target.deadline, today))
        value = values[(*window, target.segment)][target.kpi]
        status, gap, fraction = _judge(target, value)
        progress.append(Progress(target, window, value, status, gap, fraction, days_left))
    return progress
