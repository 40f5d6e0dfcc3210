"""Demo renewals: pipelines with their history, and weekly forecast snapshots.

Renewals of tracked accounts are due in the last 12 and next 9 months. Each has a history in
``renewal_changes`` from its creation (one ``created`` row, version 1) through stage
progressions, category changes, risk changes and, for some, a slipped renewal date, each event
one version more, so the as-of views of the pipeline show how it moved. Outcomes follow the
accounts' subscriptions (churn follows the latent health that also drives the support
experience), and the risk a CSM sets leans on the share of poor support experiences. For the
last four fiscal quarters, weekly automatic forecast snapshots are computed from that history
with the forecast code itself (the renewals as known at each Monday morning), so movement,
accuracy and calibration show the shapes real data has.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert

from cs_data import domain
from cs_data.fiscal import Quarter, quarter_of
from cs_data.models import ForecastSnapshot, Renewal, RenewalChange
from cs_data.renewals.forecast import quarter_figures, weekly_key

if TYPE_CHECKING:
    from cs_data.demo import _Account, _Builder, _Cycle

RENEWAL_LOOKBACK_DAYS = 365
RENEWAL_LOOKAHEAD_DAYS = 274
RENEWAL_TRACKED_P = {"smb": 0.04, "mid_market": 0.55, "enterprise": 1.0}
SLIPPED_DATE_P = 0.12
"""Share of renewals whose renewal date moved later once."""
SNAPSHOT_QUARTERS = 4
SNAPSHOT_LEAD_WEEKS = 13
"""Weekly snapshots of a quarter start this many weeks before it begins."""
SNAPSHOT_HOUR = 6

LOST_REASONS = (
    "Moved to a competitor", "Budget cut", "Acquired by a company using another tool",
    "Low adoption", "Consolidated tools", "Business closed",
)  # fmt: skip
RISK_REASONS = {
    "medium": (
        "Champion changed roles", "Usage dropped over the last quarter",
        "Budget review pending", "Open support escalations",
    ),
    "high": (
        "Evaluating a competitor", "Executive sponsor left the company",
        "Asked for a 30 % discount", "Low adoption: under 40 % of seats active",
        "Repeated SLA breaches on urgent tickets",
    ),
}  # fmt: skip
NEXT_STEPS = {
    "not_started": ("Prepare renewal brief", "Review account health before outreach"),
    "outreach": ("Send renewal kick-off email", "Book renewal call with the champion"),
    "engaged": ("Confirm decision process and stakeholders", "Share usage review deck"),
    "proposal": ("Send renewal proposal", "Follow up on proposal feedback"),
    "negotiation": ("Agree pricing with procurement", "Legal review of the order form"),
    "verbal_commit": ("Collect the signed order form", "Send final paperwork for signature"),
}
OPEN_STAGES = domain.RENEWAL_STAGES[:6]
STAGE_BY_DAYS_LEFT: tuple[tuple[int, tuple[float, ...]], ...] = (
    (180, (0.75, 0.25, 0, 0, 0, 0)),
    (120, (0.35, 0.4, 0.25, 0, 0, 0)),
    (75, (0.05, 0.2, 0.45, 0.3, 0, 0)),
    (40, (0, 0.05, 0.15, 0.45, 0.35, 0)),
    (15, (0, 0, 0.05, 0.15, 0.5, 0.3)),
    (0, (0, 0, 0, 0.05, 0.35, 0.6)),
)
"""(more than N days to the renewal date, weights over the open stages)."""
STAGE_TYPICAL_DAYS_LEFT = {
    "not_started": 220, "outreach": 150, "engaged": 100, "proposal": 60,
    "negotiation": 30, "verbal_commit": 10,
}  # fmt: skip


def _clamp(value: float, low: float, high: float) -> float:
    return low if value < low else high if value > high else value


def generate(builder: _Builder) -> None:
    """Write the demo renewals, their history and the weekly forecast snapshots."""
    _RenewalDemo(builder).run()
    _snapshots(builder)


def _snapshots(builder: _Builder) -> None:
    """Weekly automatic snapshots (Mondays 06:00 UTC) of the last four fiscal quarters, from
    the 13 weeks before each begins to its end (or today), computed by the forecast code over
    the renewals as known at that instant: they converge on the quarter's closed won."""
    current = quarter_of(builder.today)
    quarters: list[Quarter] = [current]
    while len(quarters) < SNAPSHOT_QUARTERS:
        quarters.insert(0, quarters[0].previous())
    now = datetime.combine(builder.today, time(), UTC)
    rows: list[dict[str, Any]] = []
    plan = []
    for quarter in quarters:
        first = quarter.start - timedelta(weeks=SNAPSHOT_LEAD_WEEKS)
        monday = first - timedelta(days=first.weekday())
        while monday <= quarter.end:
            taken = datetime.combine(monday, time(SNAPSHOT_HOUR), UTC)
            if taken >= now:
                break
            plan.append((quarter, monday, taken))
            monday += timedelta(weeks=1)
    builder.progress("forecast snapshots", 0, len(plan))
    for done, (quarter, monday, taken) in enumerate(plan, start=1):
        figures = quarter_figures(builder.connection, quarter, as_of=taken, known_at=taken)
        rows.append(
            {
                "id": done,
                "taken_at": taken,
                "period_start": quarter.start,
                "period_end": quarter.end,
                "segment": None,
                "closed_won_cents": figures.closed_won,
                "commit_cents": figures.commit,
                "best_case_cents": figures.best_case,
                "pipeline_cents": figures.pipeline,
                "weighted_cents": figures.weighted,
                "at_risk_cents": figures.at_risk,
                "taken_by": "system:weekly-snapshot",
                "auto_key": weekly_key(quarter, None, monday),
            }
        )
        builder.progress("forecast snapshots", done, len(plan))
    if rows:
        builder.connection.execute(insert(ForecastSnapshot.__table__), rows)
    builder.counts["forecast_snapshots"] = len(rows)


class _RenewalDemo:
    """The renewals part of one demo run, drawing on the builder's accounts and clock."""

    def __init__(self, builder: _Builder) -> None:
        self.b = builder

    def run(self) -> None:
        """Renewals of tracked accounts due in the last 12 and next 9 months, with history."""
        rng = self.b._rng("renewals")
        history_rng = self.b._rng("renewal_changes")
        first = self.b.today - timedelta(days=RENEWAL_LOOKBACK_DAYS)
        last = self.b.today + timedelta(days=RENEWAL_LOOKAHEAD_DAYS)
        plans: list[dict[str, Any]] = []
        for account in self.b.accounts:
            if rng.random() >= RENEWAL_TRACKED_P[account.segment]:
                continue
            for cycle in account.cycles:
                if first <= cycle.renewal_date <= last:
                    plans.append(self._plan_renewal(rng, account, cycle))
        self._cover_open_stages(rng, plans)

        renewals = self.b._writer(Renewal)
        changes = self.b._writer(RenewalChange, parents=(renewals,))
        self.b.progress("renewals", 0, len(plans))
        change_id = 0
        for sequence, plan in enumerate(plans, start=1):
            plan["id"] = f"REN-{sequence:06d}"
            events = self._renewal_history(history_rng, plan)
            account: _Account = plan.pop("account")
            created = plan.pop("created")
            del plan["days_left"]
            plan["updated_at"] = events[-1][0] if events else created
            plan["version"] = 1 + len(events)
            renewals.add(plan)
            actor_name = self.b.display_names[account.csm_id]
            history = [(created, [("created", None, None)]), *events]
            for version, (changed_at, fields) in enumerate(history, start=1):
                for field_name, old, new in fields:
                    change_id += 1
                    changes.add(
                        {
                            "id": change_id,
                            "renewal_id": plan["id"],
                            "changed_at": changed_at,
                            "actor_id": account.csm_id,
                            "actor_name": actor_name,
                            "field": field_name,
                            "old_value": None if old is None else str(old),
                            "new_value": None if new is None else str(new),
                            "version": version,
                        }
                    )
            if sequence % 5000 == 0:
                self.b.progress("renewals", sequence, len(plans))
        self.b._close(renewals, changes)
        self.b.progress("renewals", len(plans), len(plans))

    def _plan_renewal(self, rng: random.Random, account: _Account, cycle: _Cycle) -> dict[str, Any]:
        today = self.b.today
        seen = self.b.ticket_totals[0][account.index]
        poor_share = self.b.ticket_stats[0][account.index] / seen if seen else 0.0
        risk_score = (
            -account.health
            + 1.5 * poor_share
            + rng.gauss(0.0, 0.7)
            + (0.3 if account.segment == "smb" else 0)
        )
        if not cycle.is_open and cycle.renewed_arr_cents is None:
            risk_score += 0.8
        risk = "high" if risk_score > 1.1 else "medium" if risk_score > 0.3 else "low"
        days_left = (cycle.renewal_date - today).days
        created = self.b._business_time(
            rng,
            min(
                cycle.renewal_date - timedelta(days=rng.randint(150, 210)),
                today - timedelta(days=rng.randint(2, 20)),
            ),
            account.region,
        )
        plan: dict[str, Any] = {
            "account": account,
            "created": created,
            "days_left": days_left,
            "account_id": account.id,
            "renewal_date": cycle.renewal_date,
            "current_arr_cents": cycle.current_arr_cents,
            "probability": None,
            "expected_arr_cents": None,
            "upsell_cents": None,
            "owner_id": account.csm_id,
            "next_step": None,
            "next_step_date": None,
            "risk": risk,
            "risk_reason": rng.choice(RISK_REASONS[risk]) if risk != "low" else None,
            "outcome": None,
            "renewed_arr_cents": None,
            "lost_reason": None,
            "closed_at": None,
            "notes": None,
        }
        if rng.random() < 0.2:
            plan["notes"] = rng.choice(
                (
                    "Customer asked about a two-year term.",
                    "Procurement needs the order form a month ahead.",
                    "Champion is supportive; finance wants a usage review first.",
                    "Budget approved in the customer's annual plan.",
                )
            )
        if not cycle.is_open:
            won = cycle.renewed_arr_cents is not None
            if won:
                closed_day = cycle.renewal_date - timedelta(days=rng.randint(0, 45))
            else:
                closed_day = cycle.renewal_date + timedelta(days=rng.randint(-25, 10))
            closed_at = self.b._before_now(self.b._business_time(rng, closed_day, account.region))
            plan["created"] = min(plan["created"], closed_at - timedelta(days=30))
            plan.update(
                stage="closed_won" if won else "closed_lost",
                forecast_category="closed",
                outcome="won" if won else "lost",
                renewed_arr_cents=cycle.renewed_arr_cents,
                closed_at=closed_at,
                lost_reason=None if won else rng.choice(LOST_REASONS),
            )
            if won:
                renewed = cycle.renewed_arr_cents or 0
                plan["expected_arr_cents"] = renewed
                plan["upsell_cents"] = renewed - cycle.current_arr_cents or None
                if plan["upsell_cents"] is not None and plan["upsell_cents"] < 0:
                    plan["upsell_cents"] = None
            return plan

        weights = next(w for limit, w in STAGE_BY_DAYS_LEFT if days_left > limit)
        stage_index = rng.choices(range(len(OPEN_STAGES)), weights)[0]
        if risk == "high" and stage_index > 0 and rng.random() < 0.5:
            stage_index -= 1
        self._set_open_stage(rng, plan, OPEN_STAGES[stage_index])
        if rng.random() < 0.12:
            lean = -0.1 if risk == "high" else 0.0
            guess = domain.DEFAULT_STAGE_PROBABILITIES[plan["stage"]] + rng.gauss(lean, 0.1)
            plan["probability"] = round(round(_clamp(guess, 0.05, 0.95) / 0.05) * 0.05, 2)
        current = cycle.current_arr_cents
        draw = rng.random()
        if draw < 0.2:
            upsell = round(current * rng.uniform(0.05, 0.3) / 10_000) * 10_000
            plan["upsell_cents"] = upsell or None
            plan["expected_arr_cents"] = current + upsell
        elif risk == "high" and draw < 0.45:
            plan["expected_arr_cents"] = round(current * rng.uniform(0.6, 0.9) / 100) * 100
        elif draw < 0.7:
            plan["expected_arr_cents"] = current
        plan["next_step_date"] = today + timedelta(
            days=rng.randint(-10, 30) if days_left < 150 else rng.randint(5, 60)
        )
        return plan

    def _set_open_stage(self, rng: random.Random, plan: dict[str, Any], stage: str) -> None:
        draw = rng.random()
        category = {
            "verbal_commit": "commit",
            "negotiation": "commit" if draw < 0.6 else "best_case",
            "proposal": "best_case" if draw < 0.7 else "pipeline",
            "engaged": "best_case" if draw < 0.3 else "pipeline",
        }.get(stage, "pipeline")
        if (plan["risk"] == "high" and rng.random() < 0.35) or rng.random() < 0.03:
            category = "omitted"
        plan["stage"] = stage
        plan["forecast_category"] = category
        plan["next_step"] = rng.choice(NEXT_STEPS[stage])

    def _cover_open_stages(self, rng: random.Random, plans: list[dict[str, Any]]) -> None:
        """Make every open stage appear: move the closest-fitting renewal of a crowded stage."""
        open_plans = [p for p in plans if p["outcome"] is None]
        if len(open_plans) < len(OPEN_STAGES):
            return
        for stage in OPEN_STAGES:
            counts = {s: 0 for s in OPEN_STAGES}
            for plan in open_plans:
                counts[plan["stage"]] += 1
            if counts[stage]:
                continue
            typical = STAGE_TYPICAL_DAYS_LEFT[stage]
            candidates = [p for p in open_plans if counts[p["stage"]] > 1]
            chosen = min(candidates, key=lambda p: abs(p["days_left"] - typical))
            self._set_open_stage(rng, chosen, stage)

    def _renewal_history(
        self, rng: random.Random, plan: dict[str, Any]
    ) -> list[tuple[datetime, list[tuple[str, Any, Any]]]]:
        """Change events from creation (stage not_started, pipeline, low risk) to now."""
        created: datetime = plan["created"]
        stage = plan["stage"]
        closed = plan["outcome"] is not None
        if closed:
            finish = plan["closed_at"]
            # won from proposal, negotiation or verbal commit; lost anywhere along the way
            won = plan["outcome"] == "won"
            reached = rng.choices((3, 4, 5), (0.15, 0.35, 0.5))[0] if won else rng.randint(1, 5)
        else:
            reached = OPEN_STAGES.index(stage)
            finish = self.b.now - timedelta(hours=rng.uniform(6, 240))
        finish = max(finish, created + timedelta(hours=1))
        path = [OPEN_STAGES[i] for i in range(1, reached) if rng.random() < 0.75]
        if reached:
            path.append(OPEN_STAGES[reached])
        if closed:
            path.append(stage)
        span = (finish - created).total_seconds()
        moments = sorted(rng.uniform(0.05, 0.95) * span for _ in path)
        if closed and moments:
            moments[-1] = span
        events: list[tuple[datetime, list[tuple[str, Any, Any]]]] = []
        previous, category = "not_started", "pipeline"
        for seconds, step in zip(moments, path, strict=True):
            fields: list[tuple[str, Any, Any]] = [("stage", previous, step)]
            if step == stage:
                target = plan["forecast_category"]
            else:
                target = {"verbal_commit": "commit", "negotiation": "commit",
                          "proposal": "best_case"}.get(step, "pipeline")  # fmt: skip
            if target != category:
                fields.append(("forecast_category", category, target))
                category = target
            if step == "closed_won":
                fields.append(("outcome", None, "won"))
                fields.append(("renewed_arr_cents", None, plan["renewed_arr_cents"]))
            elif step == "closed_lost":
                fields.append(("outcome", None, "lost"))
                fields.append(("lost_reason", None, plan["lost_reason"]))
            events.append((created + timedelta(seconds=int(seconds)), fields))
            previous = step
        extra: list[tuple[str, Any, Any]] = []
        if plan["risk"] != "low":
            extra.append(("risk", "low", plan["risk"]))
        if plan["probability"] is not None:
            extra.append(("probability", None, plan["probability"]))
        if plan["expected_arr_cents"] is not None and not closed:
            extra.append(("expected_arr_cents", None, plan["expected_arr_cents"]))
        for field_name, old, new in extra:
            seconds = int(rng.uniform(0.02, 0.98) * span)
            fields = [(field_name, old, new)]
            if field_name == "risk":
                fields.append(("risk_reason", None, plan["risk_reason"]))
            events.append((created + timedelta(seconds=seconds), fields))
        slipped_from = plan["renewal_date"] - timedelta(days=rng.randint(14, 60))
        if rng.random() < SLIPPED_DATE_P:
            latest = min(finish, datetime.combine(slipped_from, time()))
            if latest > created + timedelta(days=1):
                moment = created + (latest - created) * rng.uniform(0.2, 0.95)
                slip = [
                    ("renewal_date", slipped_from.isoformat(), plan["renewal_date"].isoformat())
                ]
                events.append((moment.replace(microsecond=0), slip))
        events.sort(key=lambda event: event[0])
        return events
