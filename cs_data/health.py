"""The account health score of KPI_DEFINITIONS.md ("Health score"), its weights and snapshots.

An account is scored on a UTC day ``D`` when its ARR on ``D`` is > 0. Five components, each
0..100, are worked out from per-account aggregates that SQL computes in one query per input
(tickets, surveys, interactions, usage); Python then combines the few numbers per account.
A component whose input is missing is dropped and the weights of the others renormalised:
score = Σ wᵢ·sᵢ / Σ wᵢ over the present components, and each component's contribution is
wᵢ·sᵢ / Σ wᵢ (the contributions add up to the score). Bands are read on the unrounded score.

Snapshots: ``recompute`` replaces one day's rows of ``health_snapshots`` (components stored
with score, weight, contribution and the input behind the score, for "why this score") and
records the day in ``health_runs``. ``ensure_snapshots`` computes a day only when no run is
recorded for it; the run row is inserted first, in the same transaction, so of several app
replicas exactly one computes the day. An import deletes today's run (``mark_stale``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from statistics import median
from typing import Any

from sqlalchemy import Connection, Engine, and_, case, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from cs_data import app_settings, audit
from cs_data.auth import Actor, ensure
from cs_data.db import transaction
from cs_data.errors import FieldError, InvalidInput
from cs_data.kpi.scope import day_start, end_of_day
from cs_data.kpi.sql import Bind, as_int, connect
from cs_data.kpi.support import frt_sla_sums
from cs_data.models import (
    Account,
    AccountUsage,
    AppSetting,
    HealthRun,
    HealthSnapshot,
    Interaction,
    Subscription,
    SurveyResponse,
    Ticket,
)
from cs_data.progress import ProgressCallback, no_progress

COMPONENTS = ("support_load", "sla", "sentiment", "engagement", "adoption")
DEFAULT_WEIGHTS: Mapping[str, float] = {
    "support_load": 20,
    "sla": 15,
    "sentiment": 25,
    "engagement": 20,
    "adoption": 20,
}
WEIGHTS_KEY = "health.weights"
"""The ``app_settings`` key holding the configured weights."""

GREEN_FROM = 70.0
YELLOW_FROM = 40.0
BANDS = ("green", "yellow", "red")

SUPPORT_DAYS = 90
"""Tickets (load and SLA) count over ``[D−89, D]``."""
SENTIMENT_DAYS = 180
"""NPS and CSAT responses count over ``[D−179, D]``."""
ENGAGED_DAYS = 14
"""Last touch at most this many days before ``D``: engagement 100."""
DISENGAGED_DAYS = 90
"""Last touch this many days or more before ``D`` (or none): engagement 0."""
USAGE_MONTHS = 3
"""Adoption reads the latest usage row of the three months ending with ``D``'s month."""
CENTS_PER_DOLLAR = 100
SUPPORT_LOAD_PER_CENTS = 1000 * CENTS_PER_DOLLAR
"""Support load counts tickets per this much ARR (1,000 units of the currency)."""
WRITE_BATCH = 5_000

SYSTEM_ACTOR = Actor(name="system:health", user_id=None, role="admin")
"""Who computes today's snapshots when the app finds them missing."""


def band_of(score: float) -> str:
    """The band of an unrounded score: green ≥ 70, yellow ≥ 40, red below."""
    if score >= GREEN_FROM:
        return "green"
    if score >= YELLOW_FROM:
        return "yellow"
    return "red"


@dataclass(frozen=True)
class Component:
    """One component of an account's score; ``score`` and ``contribution`` are None when its
    input is missing (the component is dropped). ``inputs`` says what the score is made of."""

    name: str
    score: float | None
    weight: float
    contribution: float | None
    inputs: dict[str, Any]

    @property
    def present(self) -> bool:
        return self.score is not None


@dataclass(frozen=True)
class AccountHealth:
    """An account's health on one day."""

    account_id: str
    day: date
    score: float
    band: str
    components: dict[str, Component]

    def as_json(self) -> dict[str, Any]:
        """The ``cs-data health show --json`` object: the present components at full precision."""
        return {
            "account_id": self.account_id,
            "score": self.score,
            "band": self.band,
            "components": {
                name: {
                    "score": part.score,
                    "weight": part.weight,
                    "contribution": part.contribution,
                }
                for name, part in self.components.items()
                if part.present
            },
        }

    def stored_components(self) -> dict[str, Any]:
        """Every component with its input, as stored in ``health_snapshots.components``."""
        return {
            name: {
                "score": part.score,
                "weight": part.weight,
                "contribution": part.contribution,
                "inputs": part.inputs,
            }
            for name, part in self.components.items()
        }


# --- weights ------------------------------------------------------------------------------


def get_weights(bind: Bind) -> dict[str, float]:
    """The configured weights (the defaults until an admin changes them)."""
    with connect(bind) as connection:
        stored = connection.execute(
            select(AppSetting.value).where(AppSetting.key == WEIGHTS_KEY)
        ).scalar_one_or_none()
    weights = dict(DEFAULT_WEIGHTS)
    if isinstance(stored, dict):
        weights.update({name: stored[name] for name in COMPONENTS if name in stored})
    return weights


def validate_weights(weights: Mapping[str, Any]) -> dict[str, float]:
    """The weights as numbers; ``InvalidInput`` naming every bad one: each component needs a
    finite number ≥ 0, no other names, and not every weight 0."""
    errors: list[FieldError] = []
    for name in sorted(set(weights) - set(COMPONENTS)):
        errors.append(
            FieldError(
                name,
                "unknown_component",
                f"unknown component {name!r} (use {', '.join(COMPONENTS)})",
                {"name": name},
            )
        )
    clean: dict[str, float] = {}
    for name in COMPONENTS:
        value = weights.get(name)
        if value is None:
            errors.append(FieldError(name, "weight_required", f"{name}: a weight is required"))
            continue
        number = _as_number(value)
        if number is None:
            errors.append(FieldError(name, "not_a_number", f"{name}: {value!r} is not a number"))
        elif number < 0:
            errors.append(
                FieldError(
                    name, "negative", f"{name}: weight {value} is negative", {"value": value}
                )
            )
        else:
            clean[name] = number
    if not errors and not any(clean.values()):
        errors.append(FieldError("weights", "all_zero", "at least one weight must be above 0"))
    if errors:
        raise InvalidInput(errors)
    return clean


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = value
    else:
        try:
            number = float(str(value).strip())
        except ValueError:
            return None
    if not math.isfinite(number):
        return None
    return int(number) if float(number).is_integer() else float(number)


def set_health_weights(
    engine: Engine, actor: Actor, weights: Mapping[str, Any]
) -> dict[str, float]:
    """Store new weights (admins); audited. They apply to snapshots computed afterwards."""
    with transaction(engine) as session:
        actor = ensure(session, actor, "health.set_weights")
        clean = validate_weights(weights)
        setting = session.get(AppSetting, WEIGHTS_KEY, with_for_update=True)
        before = get_weights(session.connection())
        app_settings.put(session, actor, WEIGHTS_KEY, clean, setting)
        audit.record(
            session,
            actor,
            action="set_health_weights",
            entity_type="app_setting",
            entity_id=WEIGHTS_KEY,
            before=before,
            after=clean,
        )
    return clean


# --- computing ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Customer:
    account_id: str
    segment: str | None
    arr_cents: int


def _customers(connection: Connection, day: date) -> list[_Customer]:
    """Accounts with ARR > 0 on ``day``, with their segment and ARR (cents)."""
    arr = func.sum(Subscription.arr_cents)
    stmt = (
        select(Account.id, Account.segment, arr.label("arr"))
        .join(Subscription, Subscription.account_id == Account.id)
        .where(
            Subscription.start_date <= day,
            or_(Subscription.end_date.is_(None), Subscription.end_date > day),
        )
        .group_by(Account.id, Account.segment)
        .having(arr > 0)
        .order_by(Account.id)
    )
    return [_Customer(row.id, row.segment, as_int(row.arr)) for row in connection.execute(stmt)]


def _ticket_figures(connection: Connection, day: date) -> dict[str, tuple[int, int, int]]:
    """Per account: (tickets created in ``[D−89, D]``, SLA met, SLA judged at end of D)."""
    met, judged = frt_sla_sums(end_of_day(day))
    stmt = (
        select(Ticket.account_id, func.count(), met, judged)
        .where(
            Ticket.account_id.is_not(None),
            Ticket.created_at >= day_start(day - timedelta(days=SUPPORT_DAYS - 1)),
            Ticket.created_at < day_start(day + timedelta(days=1)),
        )
        .group_by(Ticket.account_id)
    )
    return {
        account: (int(count), as_int(met_count), as_int(judged_count))
        for account, count, met_count, judged_count in connection.execute(stmt)
    }


def _sentiment_figures(connection: Connection, day: date) -> dict[str, tuple[int, int, int]]:
    """Per account: (NPS responses, CSAT responses, sum of mapped scores) in ``[D−179, D]``;
    NPS s maps to 10·s and CSAT s to 25·(s−1), both 0..100 (sums stay exact integers)."""
    kind = SurveyResponse.survey_type
    mapped = case((kind == "nps", SurveyResponse.score * 10), else_=(SurveyResponse.score - 1) * 25)
    stmt = (
        select(
            SurveyResponse.account_id,
            func.sum(case((kind == "nps", 1), else_=0)),
            func.sum(case((kind == "csat", 1), else_=0)),
            func.sum(mapped),
        )
        .where(
            SurveyResponse.account_id.is_not(None),
            kind.in_(("nps", "csat")),
            SurveyResponse.responded_at >= day_start(day - timedelta(days=SENTIMENT_DAYS - 1)),
            SurveyResponse.responded_at < day_start(day + timedelta(days=1)),
        )
        .group_by(SurveyResponse.account_id)
    )
    return {
        account: (as_int(nps), as_int(csat), as_int(total))
        for account, nps, csat, total in connection.execute(stmt)
    }


def _any_interaction(connection: Connection) -> bool:
    return connection.execute(select(Interaction.id).limit(1)).first() is not None


def _last_touch(connection: Connection, day: date) -> dict[str, date]:
    """Per account: the UTC date of its latest interaction at or before the end of ``day``."""
    latest = func.max(Interaction.occurred_at)
    stmt = (
        select(Interaction.account_id, latest)
        .where(Interaction.occurred_at < day_start(day + timedelta(days=1)))
        .group_by(Interaction.account_id)
    )
    return {account: _utc_date(moment) for account, moment in connection.execute(stmt)}


def _utc_date(moment: Any) -> date:
    if isinstance(moment, str):  # SQLite hands MAX() of a timestamp back as text
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.date()


def _month_start(day: date, months_back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def _usage(connection: Connection, day: date) -> dict[str, tuple[date, int, int]]:
    """Per account: (month, active users, licensed seats) of its latest usage row whose month
    lies in the three months ending with ``day``'s month."""
    first = _month_start(day, USAGE_MONTHS - 1)
    after = _month_start(day, -1)
    in_range = and_(AccountUsage.month >= first, AccountUsage.month < after)
    latest = (
        select(AccountUsage.account_id, func.max(AccountUsage.month).label("month"))
        .where(in_range)
        .group_by(AccountUsage.account_id)
        .subquery()
    )
    stmt = select(
        AccountUsage.account_id,
        AccountUsage.month,
        AccountUsage.active_users,
        AccountUsage.licensed_seats,
    ).join(
        latest,
        and_(AccountUsage.account_id == latest.c.account_id, AccountUsage.month == latest.c.month),
    )
    return {
        account: (month, int(active), int(seats))
        for account, month, active, seats in connection.execute(stmt)
    }


def support_load_score(ratio: float, segment_median: float) -> float:
    """100 × max(0, 1 − R / (2M)); when M = 0: 100 if R = 0, else 0."""
    if segment_median == 0:
        return 100.0 if ratio == 0 else 0.0
    return 100.0 * max(0.0, 1.0 - ratio / (2.0 * segment_median))


def engagement_score(days: int | None) -> float:
    """100 within 14 days of the last touch, 0 from 90 days (or never), linear between."""
    if days is None or days >= DISENGAGED_DAYS:
        return 0.0
    if days <= ENGAGED_DAYS:
        return 100.0
    return 100.0 * (DISENGAGED_DAYS - days) / (DISENGAGED_DAYS - ENGAGED_DAYS)


def combine(
    account_id: str,
    day: date,
    scores: Mapping[str, tuple[float | None, dict[str, Any]]],
    weights: Mapping[str, float],
) -> AccountHealth | None:
    """The account's health from each component's (score or None, inputs); None when no
    component is present (or the present ones weigh 0 together)."""
    total_weight = 0
    weighted = 0.0
    for name in COMPONENTS:
        value = scores[name][0]
        if value is not None:
            total_weight += weights[name]
            weighted += weights[name] * value
    if total_weight <= 0:
        return None
    components = {}
    for name in COMPONENTS:
        value, inputs = scores[name]
        weight = weights[name]
        contribution = None if value is None else weight * value / total_weight
        components[name] = Component(name, value, weight, contribution, inputs)
    score = weighted / total_weight
    return AccountHealth(account_id, day, score, band_of(score), components)


def compute(
    bind: Bind,
    day: date,
    *,
    weights: Mapping[str, float] | None = None,
    account_id: str | None = None,
    progress: ProgressCallback | None = None,
) -> list[AccountHealth]:
    """Every scored account's health on ``day`` (or only ``account_id``'s), by account id.

    Reads only: one aggregate query per input, then a handful of numbers per account."""
    report = progress or no_progress
    phase = f"health {day.isoformat()}"
    steps = 6
    with connect(bind) as connection:
        weights = dict(weights) if weights is not None else get_weights(connection)
        report(phase, 0, steps)
        customers = _customers(connection, day)
        report(phase, 1, steps)
        tickets = _ticket_figures(connection, day)
        report(phase, 2, steps)
        surveys = _sentiment_figures(connection, day)
        report(phase, 3, steps)
        logged = _any_interaction(connection)
        touches = _last_touch(connection, day) if logged else {}
        report(phase, 4, steps)
        usage = _usage(connection, day)
        report(phase, 5, steps)

    ratios: dict[str, float] = {}
    by_segment: dict[str | None, list[float]] = {}
    for customer in customers:
        count = tickets.get(customer.account_id, (0, 0, 0))[0]
        ratio = count / (customer.arr_cents / SUPPORT_LOAD_PER_CENTS)
        ratios[customer.account_id] = ratio
        by_segment.setdefault(customer.segment, []).append(ratio)
    medians = {segment: float(median(values)) for segment, values in by_segment.items()}

    results = []
    for customer in customers:
        if account_id is not None and customer.account_id != account_id:
            continue
        scores = _component_scores(
            customer, day, ratios, medians, tickets, surveys, logged, touches, usage
        )
        health = combine(customer.account_id, day, scores, weights)
        if health is not None:
            results.append(health)
    report(phase, steps, steps)
    return results


def _component_scores(
    customer: _Customer,
    day: date,
    ratios: Mapping[str, float],
    medians: Mapping[str | None, float],
    tickets: Mapping[str, tuple[int, int, int]],
    surveys: Mapping[str, tuple[int, int, int]],
    logged: bool,
    touches: Mapping[str, date],
    usage: Mapping[str, tuple[date, int, int]],
) -> dict[str, tuple[float | None, dict[str, Any]]]:
    """Each component's score (None = missing) and the input behind it, for one account."""
    account = customer.account_id
    count, met, judged = tickets.get(account, (0, 0, 0))
    ratio, segment_median = ratios[account], medians[customer.segment]
    scores: dict[str, tuple[float | None, dict[str, Any]]] = {
        "support_load": (
            support_load_score(ratio, segment_median),
            {
                "tickets": count,
                "arr_cents": customer.arr_cents,
                "ratio": ratio,
                "segment": customer.segment,
                "segment_median": segment_median,
            },
        ),
        "sla": (
            100.0 * (met / judged) if judged else None,
            {"met": met, "judged": judged, "tickets": count},
        ),
    }
    nps, csat, total = surveys.get(account, (0, 0, 0))
    responses = nps + csat
    scores["sentiment"] = (
        total / responses if responses else None,
        {"nps_responses": nps, "csat_responses": csat},
    )
    if logged:
        last = touches.get(account)
        days = (day - last).days if last is not None else None
        scores["engagement"] = (
            engagement_score(days),
            {"last_touch": last.isoformat() if last else None, "days": days},
        )
    else:
        scores["engagement"] = (None, {"logged": False})
    row = usage.get(account)
    if row is None:
        scores["adoption"] = (None, {"month": None})
    else:
        month, active, seats = row
        adoption = 100.0 * min(1.0, active / seats) if seats else None
        scores["adoption"] = (
            adoption,
            {"month": month.isoformat(), "active_users": active, "licensed_seats": seats},
        )
    return scores


# --- snapshots ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RecomputeResult:
    day: date
    scored: int
    """Accounts scored (and snapshots written)."""
    customers_by_band: dict[str, int]


def recompute(
    engine: Engine, actor: Actor, day: date, *, progress: ProgressCallback | None = None
) -> RecomputeResult:
    """Replace ``day``'s snapshots with freshly computed ones (admins and managers); audited."""
    with transaction(engine) as session:
        actor = ensure(session, actor, "health.recompute")
        connection = session.connection()
        connection.execute(delete(HealthRun).where(HealthRun.snapshot_date == day))
        claim_day(connection, day, actor.name)
        result = store_day(connection, day, progress=progress)
        audit.record(
            session,
            actor,
            action="health_recompute",
            entity_type="health_snapshots",
            entity_id=day.isoformat(),
            after={"scored": result.scored, "bands": result.customers_by_band},
        )
    return result


def ensure_snapshots(
    engine: Engine, day: date | None = None, *, progress: ProgressCallback | None = None
) -> RecomputeResult | None:
    """Compute ``day``'s snapshots (default today, UTC) unless a run is recorded for it.

    Safe with several replicas: the run row is inserted if absent as the first write of the
    transaction; the replica whose insert wins computes, the others (blocked until it commits
    on PostgreSQL, serialised on SQLite) insert nothing and return None."""
    day = day or datetime.now(UTC).date()
    if has_run(engine, day):
        return None
    with transaction(engine) as session:
        connection = session.connection()
        if not claim_day(connection, day, SYSTEM_ACTOR.name):
            return None
        return store_day(connection, day, progress=progress)


def mark_stale(session: Session, day: date | None = None) -> None:
    """Forget ``day``'s run (default today, UTC) so its snapshots are computed again (after an
    import changed the inputs); the snapshots stay until then."""
    day = day or datetime.now(UTC).date()
    session.execute(delete(HealthRun).where(HealthRun.snapshot_date == day))


def claim_day(
    connection: Connection, day: date, computed_by: str, *, at: datetime | None = None
) -> bool:
    """Insert ``day``'s run row unless one exists; True when this transaction inserted it."""
    values = {
        "snapshot_date": day,
        "computed_at": at or datetime.now(UTC),
        "computed_by": computed_by,
        "weights": {},
        "scored_accounts": 0,
    }
    dialect = {"postgresql": postgresql, "sqlite": sqlite}[connection.dialect.name]
    statement = dialect.insert(HealthRun).values(values).on_conflict_do_nothing()
    inserted = connection.execute(statement.returning(HealthRun.snapshot_date))
    return inserted.first() is not None


def store_day(
    connection: Connection,
    day: date,
    *,
    progress: ProgressCallback | None = None,
) -> RecomputeResult:
    """Compute ``day`` with the configured weights, replace its snapshots and record the
    weights and count on its run row (claimed by the caller, in the caller's transaction)."""
    weights = get_weights(connection)
    scored = compute(connection, day, weights=weights, progress=progress)
    connection.execute(delete(HealthSnapshot).where(HealthSnapshot.snapshot_date == day))
    report = progress or no_progress
    phase = f"health snapshots {day.isoformat()}"
    report(phase, 0, len(scored))
    statement = insert(HealthSnapshot)
    for start in range(0, len(scored), WRITE_BATCH):
        batch = scored[start : start + WRITE_BATCH]
        connection.execute(
            statement,
            [
                {
                    "account_id": health.account_id,
                    "snapshot_date": day,
                    "score": min(100.0, max(0.0, health.score)),
                    "band": health.band,
                    "components": health.stored_components(),
                }
                for health in batch
            ],
        )
        report(phase, start + len(batch), len(scored))
    connection.execute(
        update(HealthRun)
        .where(HealthRun.snapshot_date == day)
        .values(weights=weights, scored_accounts=len(scored))
    )
    bands = {band: sum(1 for h in scored if h.band == band) for band in BANDS}
    return RecomputeResult(day=day, scored=len(scored), customers_by_band=bands)


def has_run(bind: Bind, day: date) -> bool:
    """True when ``day``'s snapshots have been computed (and no import made them stale)."""
    with connect(bind) as connection:
        found = connection.execute(
            select(HealthRun.snapshot_date).where(HealthRun.snapshot_date == day)
        ).first()
    return found is not None


def stored(
    bind: Bind, day: date, *, account_ids: Sequence[str] | None = None
) -> list[AccountHealth]:
    """The snapshots stored for ``day`` (optionally of some accounts), by account id."""
    snapshot = HealthSnapshot
    stmt = (
        select(snapshot.account_id, snapshot.score, snapshot.band, snapshot.components)
        .where(snapshot.snapshot_date == day)
        .order_by(snapshot.account_id)
    )
    if account_ids is not None:
        stmt = stmt.where(snapshot.account_id.in_(list(account_ids)))
    with connect(bind) as connection:
        rows = connection.execute(stmt).all()
    return [from_stored(row.account_id, day, row.score, row.band, row.components) for row in rows]


def from_stored(
    account_id: str, day: date, score: float, band: str, parts: Mapping[str, Any]
) -> AccountHealth:
    """An ``AccountHealth`` from a snapshot row."""
    components = {
        name: Component(
            name,
            part.get("score"),
            part.get("weight", 0),
            part.get("contribution"),
            part.get("inputs", {}),
        )
        for name, part in parts.items()
    }
    return AccountHealth(account_id, day, score, band, components)
