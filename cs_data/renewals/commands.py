"""The commands that write renewals: ``update_renewal``, used by every writer that changes one
(the form, the stage board, the command line), and ``create_renewal`` (the "New renewal" form
and ``cs-data renewals create``).

One transaction: lock the renewal, authorise (managers and admins every renewal; CSMs the
renewals they own or of accounts they are the CSM of), validate every field collecting all
errors, compare-and-set on ``version`` (a stale save raises ``RenewalChanged`` naming who
changed which fields since the version the editor saw, read from ``renewal_changes``), write,
record each changed field in ``renewal_changes`` and audit.

``create_renewal`` checks ``renewal.create`` on the account (managers and admins every
account; CSMs the accounts they are the CSM of), validates every field with the same rules
(a renewal date and current ARR are required, the stage is an open one), writes version 1 and
records the creation as one ``created`` history row, as the import does, and audits it.

Closing settles stage, outcome and category together: ``outcome="won"`` (or stage
``closed_won``) needs a renewed ARR, ``outcome="lost"`` (or ``closed_lost``) a reason; a
closed renewal is in category ``closed``, an open one never is. Moving a closed renewal back to
an open stage reopens it (outcome, close time, renewed ARR and reason are cleared).
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from cs_data import audit, domain
from cs_data.auth import Actor, Owned, ensure
from cs_data.db import transaction
from cs_data.errors import FieldError, InvalidInput, NotFound, StaleEdit
from cs_data.models import Account, Renewal, RenewalChange, User
from cs_data.renewals.history import CREATED, Change, changes_of, record_changes, to_text
from cs_data.renewals.queries import CLOSED_STAGE_OUTCOMES, OPEN_STAGES

TEXT_LIMITS = {"next_step": 500, "risk_reason": 500, "lost_reason": 500, "notes": 5000}
MAX_CENTS = 10**15
"""Ten trillion dollars: anything above is a typing mistake."""


class _Unset:
    """The type of ``UNSET``."""

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Any = _Unset()
"""A field the caller leaves as it is (``None`` sets it to empty)."""

EDITABLE = (
    "stage",
    "forecast_category",
    "probability",
    "expected_arr_cents",
    "upsell_cents",
    "risk",
    "risk_reason",
    "next_step",
    "next_step_date",
    "notes",
    "outcome",
    "renewed_arr_cents",
    "lost_reason",
    "owner_id",
)


class RenewalChanged(StaleEdit):
    """The renewal changed since ``seen_version``: ``changes`` are the changes since (who,
    when, which field, from and to); nothing was written."""

    def __init__(self, renewal_id: str, seen_version: int, version: int, changes: list[Change]):
        by_whom: dict[str, list[str]] = {}
        for change in changes:
            by_whom.setdefault(change.actor_name, [])
            if change.field not in by_whom[change.actor_name]:
                by_whom[change.actor_name].append(change.field)
        named = "; ".join(f"{who} changed {', '.join(names)}" for who, names in by_whom.items())
        super().__init__(
            f"renewal {renewal_id} changed since version {seen_version} (now {version}): "
            + (named or "changed by someone else")
        )
        self.renewal_id = renewal_id
        self.seen_version = seen_version
        self.version = version
        self.changes = changes


@dataclass(frozen=True)
class Saved:
    """What a save did: the new version and the fields it changed (none: nothing to save)."""

    renewal_id: str
    version: int
    changed: list[str]


def _problem(field: str, code: str, message: str, **params: Any) -> FieldError:
    return FieldError(field, code, message, params)


def _text(problems: list[FieldError], field: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        problems.append(_problem(field, "not_text", "enter text"))
        return None
    cleaned = value.strip()
    limit = TEXT_LIMITS[field]
    if len(cleaned) > limit:
        problems.append(_problem(field, "too_long", f"use at most {limit} characters", max=limit))
    return cleaned or None


def _money(problems: list[FieldError], field: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        problems.append(_problem(field, "not_money", "enter an amount in whole cents"))
        return None
    if value < 0:
        problems.append(_problem(field, "negative_money", "must not be negative"))
    elif value > MAX_CENTS:
        problems.append(_problem(field, "money_too_large", "is implausibly large"))
    return value


def _validate(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """The renewal's fields after ``changes`` (cleaned and settled), or ``InvalidInput``
    naming every bad field."""
    problems: list[FieldError] = []
    new = dict(current)
    for field, value in changes.items():
        if field in TEXT_LIMITS:
            new[field] = _text(problems, field, value)
        elif field in ("expected_arr_cents", "upsell_cents", "renewed_arr_cents"):
            new[field] = _money(problems, field, value)
        else:
            new[field] = value

    vocabularies = {
        "stage": domain.RENEWAL_STAGES,
        "forecast_category": domain.FORECAST_CATEGORIES,
        "risk": domain.RISK_LEVELS,
        "outcome": domain.RENEWAL_OUTCOMES,
    }
    for field, allowed in vocabularies.items():
        value = changes.get(field, UNSET)
        nullable = field in ("risk", "outcome")
        if value is UNSET or (value is None and nullable):
            continue
        if value not in allowed:
            problems.append(
                _problem(
                    field,
                    f"unknown_{field.removeprefix('forecast_')}",
                    f"use one of {', '.join(allowed)}",
                    allowed=", ".join(allowed),
                )
            )
            new[field] = current[field]

    if "probability" in changes and changes["probability"] is not None:
        p = changes["probability"]
        if isinstance(p, bool) or not isinstance(p, int | float) or not math.isfinite(p):
            problems.append(_problem("probability", "not_a_number", "enter a number"))
        elif not 0 <= p <= 1:
            problems.append(
                _problem("probability", "probability_range", "must lie between 0 and 1")
            )
        else:
            new["probability"] = float(p)

    step_date = changes.get("next_step_date")
    if step_date is not None and (
        not isinstance(step_date, date) or isinstance(step_date, datetime)
    ):
        problems.append(_problem("next_step_date", "not_a_date", "enter a date"))
        new["next_step_date"] = current["next_step_date"]
    owner = changes.get("owner_id")
    if owner is not None and (isinstance(owner, bool) or not isinstance(owner, int)):
        problems.append(_problem("owner_id", "unknown_user", "choose a user"))

    _settle(current, changes, new, problems)
    reported = {problem.field for problem in problems}
    if new["next_step"] and new["next_step_date"] is None and "next_step_date" not in reported:
        problems.append(_problem("next_step_date", "date_required", "give the next step a date"))
    if new["next_step_date"] is not None and not new["next_step"] and "next_step" not in reported:
        problems.append(_problem("next_step", "next_step_required", "describe the next step"))
    if problems:
        raise InvalidInput(problems)
    return new


def _settle(
    current: dict[str, Any],
    changes: dict[str, Any],
    new: dict[str, Any],
    problems: list[FieldError],
) -> None:
    """Settle stage, outcome and category together (see the module docstring)."""
    stage = new["stage"]
    outcome = changes.get("outcome", UNSET)
    if outcome in domain.RENEWAL_OUTCOMES:
        implied = f"closed_{outcome}"
        if "stage" in changes and changes["stage"] != implied:
            problems.append(
                _problem("stage", "contradicts_outcome", f"a {outcome} renewal is {implied}")
            )
        stage = implied
    elif outcome is None and stage in CLOSED_STAGE_OUTCOMES and "stage" not in changes:
        stage = "not_started"  # clearing the outcome reopens the renewal
    new["stage"] = stage
    closed = CLOSED_STAGE_OUTCOMES.get(stage)
    new["outcome"] = closed
    renewed_given = changes.get("renewed_arr_cents") not in (UNSET, None)
    reason_given = bool(changes.get("lost_reason"))
    if closed:
        new["forecast_category"] = "closed"
        if current["outcome"] != closed:
            new["closed_at"] = datetime.now(UTC)
        if closed == "won":
            if new["renewed_arr_cents"] is None:
                problems.append(
                    _problem(
                        "renewed_arr_cents",
                        "renewed_arr_required",
                        "a won renewal needs the renewed ARR",
                    )
                )
            if reason_given:
                problems.append(
                    _problem("lost_reason", "only_when_lost", "only a lost renewal has a reason")
                )
            new["lost_reason"] = None
        else:
            if not new["lost_reason"]:
                problems.append(
                    _problem("lost_reason", "lost_reason_required", "a lost renewal needs a reason")
                )
            if renewed_given:
                problems.append(
                    _problem(
                        "renewed_arr_cents", "only_when_won", "only a won renewal has a renewed ARR"
                    )
                )
            new["renewed_arr_cents"] = None
        return
    if stage not in OPEN_STAGES:
        return  # an unknown stage, already reported
    if renewed_given:
        problems.append(
            _problem("renewed_arr_cents", "only_when_won", "only a won renewal has a renewed ARR")
        )
    if reason_given:
        problems.append(
            _problem("lost_reason", "only_when_lost", "only a lost renewal has a reason")
        )
    new["closed_at"] = new["renewed_arr_cents"] = new["lost_reason"] = None
    if current["outcome"] is not None and "forecast_category" not in changes:
        new["forecast_category"] = "pipeline"
    if new["forecast_category"] == "closed":
        problems.append(
            _problem(
                "forecast_category",
                "closed_needs_outcome",
                "only a won or lost renewal is in category closed",
            )
        )


def _fields(row: Renewal) -> dict[str, Any]:
    names = (*EDITABLE, "closed_at")
    return {name: getattr(row, name) for name in names}


def update_renewal(
    engine: Engine,
    actor: Actor,
    renewal_id: str,
    *,
    seen_version: int,
    stage: str = UNSET,
    forecast_category: str = UNSET,
    probability: float | None = UNSET,
    expected_arr_cents: int | None = UNSET,
    upsell_cents: int | None = UNSET,
    risk: str | None = UNSET,
    risk_reason: str | None = UNSET,
    next_step: str | None = UNSET,
    next_step_date: date | None = UNSET,
    notes: str | None = UNSET,
    outcome: str | None = UNSET,
    renewed_arr_cents: int | None = UNSET,
    lost_reason: str | None = UNSET,
    owner_id: int | None = UNSET,
) -> Saved:
    """Change the given fields of a renewal last seen at ``seen_version`` (``UNSET`` fields
    stay; ``None`` empties one, e.g. ``probability=None`` goes back to the stage default).

    Raises ``NotFound``, ``PermissionDenied``, ``InvalidInput`` (every bad field),
    ``RenewalChanged`` (a stale save); nothing is written then."""
    given = {
        "stage": stage,
        "forecast_category": forecast_category,
        "probability": probability,
        "expected_arr_cents": expected_arr_cents,
        "upsell_cents": upsell_cents,
        "risk": risk,
        "risk_reason": risk_reason,
        "next_step": next_step,
        "next_step_date": next_step_date,
        "notes": notes,
        "outcome": outcome,
        "renewed_arr_cents": renewed_arr_cents,
        "lost_reason": lost_reason,
        "owner_id": owner_id,
    }
    changes = {name: value for name, value in given.items() if value is not UNSET}
    with transaction(engine) as session:
        row, csm_id = _locked(session, renewal_id)
        owners = frozenset(i for i in (csm_id, row.owner_id) if i is not None)
        actor = ensure(session, actor, "renewal.update", Owned("renewal", renewal_id, owners))
        if row.version != seen_version:
            raise _changed(session, row, seen_version)
        before = _fields(row)
        after = _validate(before, changes)
        if "owner_id" in changes and changes["owner_id"] is not None:
            _check_owner(session, changes["owner_id"])
        changed = {name: after[name] for name in after if after[name] != before[name]}
        if not changed:
            return Saved(renewal_id, row.version, [])
        now = datetime.now(UTC)
        version = seen_version + 1
        written = session.execute(
            update(Renewal)
            .where(Renewal.id == renewal_id, Renewal.version == seen_version)
            .values(**changed, version=version, updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if written != 1:
            session.expire(row)
            raise _changed(session, row, seen_version)
        names = record_changes(session, actor, renewal_id, before, changed, at=now, version=version)
        audit.record(
            session,
            actor,
            action="renewal.update",
            entity_type="renewal",
            entity_id=renewal_id,
            before={name: to_text(before[name]) for name in names} | {"version": seen_version},
            after={name: to_text(changed[name]) for name in names} | {"version": version},
        )
        return Saved(renewal_id, version, names)


def _locked(session: Session, renewal_id: str) -> tuple[Renewal, int | None]:
    found = session.execute(
        select(Renewal, Account.csm_id)
        .join(Account, Account.id == Renewal.account_id)
        .where(Renewal.id == renewal_id)
        .with_for_update(of=Renewal)
    ).one_or_none()
    if found is None:
        raise NotFound(f"no renewal {renewal_id}")
    return found[0], found[1]


def _changed(session: Session, row: Renewal, seen_version: int) -> RenewalChanged:
    current = session.scalar(select(Renewal.version).where(Renewal.id == row.id))
    changes = [
        change
        for change in changes_of(session, row.id, after_version=seen_version)
        if change.field != "created"
    ]
    return RenewalChanged(row.id, seen_version, int(current or row.version), changes)


def _check_owner(session: Session, owner_id: int) -> None:
    if session.get(User, owner_id) is None:
        raise InvalidInput([_problem("owner_id", "unknown_user", "choose a user")])


NEW_RENEWAL_DEFAULTS: dict[str, Any] = {name: None for name in (*EDITABLE, "closed_at")} | {
    "stage": "not_started",
    "forecast_category": "pipeline",
}
"""A new renewal's fields before the creator's values: open, not started, in the pipeline."""


def new_renewal_id() -> str:
    """An id for a renewal created in the app (imported ones keep their source ids)."""
    return f"REN-{uuid.uuid4().hex[:12].upper()}"


def create_renewal(
    engine: Engine,
    actor: Actor,
    account_id: str,
    *,
    renewal_date: date | None,
    current_arr_cents: int | None,
    stage: str = "not_started",
    forecast_category: str = "pipeline",
    probability: float | None = None,
    expected_arr_cents: int | None = None,
    upsell_cents: int | None = None,
    risk: str | None = None,
    risk_reason: str | None = None,
    next_step: str | None = None,
    next_step_date: date | None = None,
    notes: str | None = None,
    owner_id: int | None = None,
    renewal_id: str | None = None,
) -> Saved:
    """Create an open renewal of ``account_id`` (version 1). Raises ``NotFound`` (no such
    account), ``PermissionDenied``, ``InvalidInput`` (every bad field at once; nothing is
    written then)."""
    with transaction(engine) as session:
        account = session.get(Account, account_id)
        owners = frozenset({account.csm_id}) if account and account.csm_id else frozenset()
        actor = ensure(session, actor, "renewal.create", Owned("account", account_id, owners))
        if account is None:
            raise NotFound(f"no account {account_id}")
        changes = {
            "stage": stage,
            "forecast_category": forecast_category,
            "probability": probability,
            "expected_arr_cents": expected_arr_cents,
            "upsell_cents": upsell_cents,
            "risk": risk,
            "risk_reason": risk_reason,
            "next_step": next_step,
            "next_step_date": next_step_date,
            "notes": notes,
            "owner_id": owner_id,
        }
        problems: list[FieldError] = []
        if renewal_date is None:
            problems.append(_problem("renewal_date", "date_required", "enter the renewal date"))
        elif not isinstance(renewal_date, date) or isinstance(renewal_date, datetime):
            problems.append(_problem("renewal_date", "not_a_date", "enter a date"))
        if current_arr_cents is None:
            problems.append(
                _problem("current_arr_cents", "current_arr_required", "enter the current ARR")
            )
        else:
            _money(problems, "current_arr_cents", current_arr_cents)
        if stage in CLOSED_STAGE_OUTCOMES:
            problems.append(
                _problem("stage", "open_stage_required", "a new renewal starts in an open stage")
            )
            changes.pop("stage")
        new_id = (renewal_id or "").strip() or new_renewal_id()
        if renewal_id is not None and len(new_id) > 64:
            problems.append(_problem("renewal_id", "too_long", "use at most 64 characters", max=64))
        elif renewal_id is not None and session.get(Renewal, new_id) is not None:
            problems.append(_problem("renewal_id", "id_taken", "a renewal has this id already"))
        try:
            fields = _validate(NEW_RENEWAL_DEFAULTS, changes)
        except InvalidInput as invalid:
            problems.extend(invalid.errors)
            fields = {}
        known_owner = not isinstance(owner_id, int) or session.get(User, owner_id) is not None
        if owner_id is not None and not known_owner:
            problems.append(_problem("owner_id", "unknown_user", "choose a user"))
        if problems:
            raise InvalidInput(problems)
        now = datetime.now(UTC)
        values = {name: fields[name] for name in EDITABLE} | {
            "id": new_id,
            "account_id": account_id,
            "renewal_date": renewal_date,
            "current_arr_cents": current_arr_cents,
            "version": 1,
            "updated_at": now,
        }
        session.execute(Renewal.__table__.insert().values(**values))
        session.add(
            RenewalChange(
                renewal_id=new_id,
                changed_at=now,
                actor_id=actor.user_id,
                actor_name=actor.name,
                field=CREATED,
                version=1,
            )
        )
        audit.record(
            session,
            actor,
            action="renewal.create",
            entity_type="renewal",
            entity_id=new_id,
            before=None,
            after={
                name: to_text(value)
                for name, value in values.items()
                if value is not None and name not in ("id", "updated_at")
            },
        )
        return Saved(new_id, 1, ["created"])
