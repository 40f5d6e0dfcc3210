"""The stage probabilities: each renewal stage's default win probability, configured once.

KPI_DEFINITIONS.md ("Renewal KPIs"): the defaults are configurable, and an explicit
``probability`` on a renewal overrides its stage's. Admins change the open stages'
probabilities (each a number from 0 to 1); ``closed_won`` stays 1 and ``closed_lost`` 0, since
a closed renewal's outcome is known. They are stored like the health weights, as one
``app_settings`` row (``SETTING_KEY``, stage → probability); a stage the row does not name, or
no row at all, takes ``domain.DEFAULT_STAGE_PROBABILITIES``. Every reader (the KPIs'
weighted forecast, the pipeline's probability column, the form's stage default, the
forecast and its snapshots, calibration) asks ``get_stage_probabilities``: a change applies
to every figure computed after it, also as-of views, while stored snapshots keep theirs.

A change is a compare-and-set: the editor passes the probabilities it saw, and a save based
on values someone else has changed since is refused (``StageProbabilitiesChanged``, naming who
changed which stages) with nothing written.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from cs_data import app_settings, audit, domain
from cs_data.auth import Actor, ensure
from cs_data.db import transaction
from cs_data.errors import FieldError, InvalidInput, StaleEdit
from cs_data.models import AppSetting

SETTING_KEY = "renewals.stage_probabilities"
"""The ``app_settings`` key holding the configured probabilities."""
FIXED = {"closed_won": 1.0, "closed_lost": 0.0}
"""Closed stages: their probability is their outcome, not a setting."""
CONFIGURABLE = tuple(stage for stage in domain.RENEWAL_STAGES if stage not in FIXED)


def get_stage_probabilities(bind: Engine | Connection) -> dict[str, float]:
    """Every stage's probability as configured now (the defaults for stages never set)."""
    # read without cs_data.kpi's helpers: the KPI package imports this module
    query = select(AppSetting.value).where(AppSetting.key == SETTING_KEY)
    if isinstance(bind, Connection):
        stored = bind.execute(query).scalar_one_or_none()
    else:
        with bind.connect() as connection:
            stored = connection.execute(query).scalar_one_or_none()
    probabilities = dict(domain.DEFAULT_STAGE_PROBABILITIES)
    if isinstance(stored, dict):
        probabilities.update(
            {stage: float(stored[stage]) for stage in CONFIGURABLE if stage in stored}
        )
    return probabilities


def validate(changes: Mapping[str, Any]) -> dict[str, float]:
    """``changes`` (stage → probability) as numbers; ``InvalidInput`` naming every bad stage:
    a known stage, a finite number from 0 to 1, closed stages only at their fixed value."""
    errors: list[FieldError] = []
    clean: dict[str, float] = {}
    for stage, value in changes.items():
        if stage not in domain.RENEWAL_STAGES:
            allowed = ", ".join(CONFIGURABLE)
            errors.append(
                FieldError(
                    stage,
                    "unknown_stage",
                    f"unknown stage {stage!r} (use {allowed})",
                    {"allowed": allowed},
                )
            )
            continue
        number = _number(value)
        if number is None:
            errors.append(FieldError(stage, "not_a_number", f"{value!r} is not a number"))
        elif not 0 <= number <= 1:
            errors.append(FieldError(stage, "probability_range", f"{value} is not between 0 and 1"))
        elif stage in FIXED and number != FIXED[stage]:
            errors.append(
                FieldError(
                    stage,
                    "fixed_probability",
                    f"{stage} is always {FIXED[stage]:g}",
                    {"value": f"{FIXED[stage]:g}"},
                )
            )
        else:
            clean[stage] = number
    if errors:
        raise InvalidInput(errors)
    return clean


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value) if isinstance(value, int | float) else float(str(value).strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


class StageProbabilitiesChanged(StaleEdit):
    """Someone changed the probabilities since the editor read them; nothing was written."""

    def __init__(self, by: str | None, at: datetime | None, stages: list[str]) -> None:
        super().__init__(
            f"the stage probabilities changed since you read them ({', '.join(stages)}"
            f" by {by or 'someone else'})"
        )
        self.by = by
        self.at = at
        self.stages = stages


def set_stage_probabilities(
    engine: Engine,
    actor: Actor,
    changes: Mapping[str, Any],
    *,
    seen: Mapping[str, float] | None = None,
) -> dict[str, float]:
    """Set the probability of the stages in ``changes`` (admins), the others staying as they
    are; audited. With ``seen`` (the probabilities the editor read), refused with
    ``StageProbabilitiesChanged`` when they differ from the stored ones. Returns every
    stage's probability after the change."""
    with transaction(engine) as session:
        actor = ensure(session, actor, "renewal.set_probabilities")
        clean = validate(changes)
        setting = session.get(AppSetting, SETTING_KEY, with_for_update=True)
        before = get_stage_probabilities(session.connection())
        if seen is not None:
            moved = [stage for stage in domain.RENEWAL_STAGES if seen.get(stage) != before[stage]]
            if moved:
                raise StageProbabilitiesChanged(
                    setting.updated_by if setting else None,
                    setting.updated_at if setting else None,
                    moved,
                )
        after = before | clean
        stored = {stage: after[stage] for stage in CONFIGURABLE}
        if after == before:
            return after
        app_settings.put(session, actor, SETTING_KEY, stored, setting)
        changed = [stage for stage in CONFIGURABLE if after[stage] != before[stage]]
        audit.record(
            session,
            actor,
            action="renewal.set_probabilities",
            entity_type="app_setting",
            entity_id=SETTING_KEY,
            before={stage: before[stage] for stage in changed},
            after={stage: after[stage] for stage in changed},
        )
    return after
