"""Import a CRM's renewal change history (``cs-data import renewal_history FILE``), so that
as-of views and calibration work from the first day.

Columns: ``renewal_id, changed_at, field`` (required), ``old_value, new_value, actor``.
``field`` is a renewal column name (``stage``, ``forecast_category``, ``expected_arr_cents`` …,
also the import names ``expected_arr``, ``current_arr``, ``renewed_arr``, ``owner``) or
``created``; values are written as in the renewals file (money in major units, owners as
usernames) and stored as history text. All or nothing, like every import; a row already stored
(same renewal, instant and field) is skipped, so re-importing a file is harmless. Imported
changes carry no version: they describe the time before the renewal came into CS Cockpit.
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select, tuple_

from cs_data import audit, domain
from cs_data.auth import Actor, ensure
from cs_data.db import transaction
from cs_data.importers import ImportRejected, ImportResult, RowError, UnreadableFile
from cs_data.models import Renewal, RenewalChange, User
from cs_data.money import parse_cents
from cs_data.progress import ProgressCallback, no_progress
from cs_data.renewals.history import CREATED, TRACKED_FIELDS, to_text

REQUIRED = ("renewal_id", "changed_at", "field")
COLUMNS = (*REQUIRED, "old_value", "new_value", "actor")
"""Every column a renewal history file may have, in order."""
ALIASES = {
    "current_arr": "current_arr_cents",
    "expected_arr": "expected_arr_cents",
    "upsell": "upsell_cents",
    "renewed_arr": "renewed_arr_cents",
    "owner": "owner_id",
}
MONEY_FIELDS = ("current_arr_cents", "expected_arr_cents", "upsell_cents", "renewed_arr_cents")
VOCABULARIES = {
    "stage": domain.RENEWAL_STAGES,
    "forecast_category": domain.FORECAST_CATEGORIES,
    "risk": domain.RISK_LEVELS,
    "outcome": domain.RENEWAL_OUTCOMES,
}
MAX_ERRORS = 1000


def _instant(text: str) -> datetime:
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _value(field: str, text: str, users: dict[str, int]) -> str | None:
    """The history text of one cell of ``field``; ``ValueError`` naming the problem."""
    if not text:
        return None
    if field in MONEY_FIELDS:
        return str(parse_cents(text))
    if field == "owner_id":
        if text not in users:
            raise ValueError(f"unknown user {text!r}")
        return str(users[text])
    if field in VOCABULARIES:
        if text not in VOCABULARIES[field]:
            raise ValueError(f"use one of {', '.join(VOCABULARIES[field])}")
        return text
    if field == "probability":
        value = float(text)
        if not 0 <= value <= 1:
            raise ValueError("a probability lies between 0 and 1")
        return str(value)
    if field in ("renewal_date", "next_step_date"):
        return date.fromisoformat(text).isoformat()
    if field == "closed_at":
        return to_text(_instant(text))
    return text


class _RolledBack(Exception):
    """Carries a dry run's result out of its transaction, which is then rolled back."""

    def __init__(self, result: ImportResult) -> None:
        self.result = result


def import_renewal_history(
    engine: Engine,
    actor: Actor,
    path: Path,
    *,
    progress: ProgressCallback | None = None,
    dry_run: bool = False,
    label: Path | None = None,
    audit_details: dict[str, Any] | None = None,
) -> ImportResult:
    """Import one history file in one transaction: every row or none (``ImportRejected``).

    ``dry_run`` runs the very same import (validation, the rows already stored, the insert
    and the audit entry) and rolls its transaction back: the result counts what would be
    written, and nothing is. ``label`` names the file in the audit entry instead of ``path``
    (the user's file when ``path`` is its conversion); ``audit_details`` are added to it.
    """
    try:
        return _import(engine, actor, path, progress, dry_run, label, audit_details or {})
    except _RolledBack as rolled_back:
        return rolled_back.result


def _import(
    engine: Engine,
    actor: Actor,
    path: Path,
    progress: ProgressCallback | None,
    dry_run: bool,
    label: Path | None,
    audit_details: dict[str, Any],
) -> ImportResult:
    report = progress or no_progress
    try:
        handle = path.open("r", encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise UnreadableFile(f"cannot read renewal_history file {path}: {exc.strerror}") from None
    with transaction(engine) as session, handle:
        actor = ensure(session, actor, "data.import")
        errors: list[RowError] = []
        try:
            lines = list(csv.reader(handle))
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ImportRejected(
                path, "renewal_history", [RowError(1, None, f"not a readable CSV file ({exc})")], 1
            ) from None
        if not lines:
            raise ImportRejected(
                path, "renewal_history", [RowError(1, None, "the file is empty")], 1
            )
        header = [cell.strip().lower() for cell in lines[0]]
        missing = [name for name in REQUIRED if name not in header]
        if missing:
            errors = [RowError(1, name, f"missing required column {name}") for name in missing]
            raise ImportRejected(path, "renewal_history", errors, len(errors))
        at = {name: header.index(name) for name in header}
        renewal_ids = set(session.scalars(select(Renewal.id)))
        users = {name: user_id for name, user_id in session.execute(select(User.username, User.id))}
        records: list[dict[str, Any]] = []
        report("import renewal_history", 0, len(lines) - 1)
        for number, cells in enumerate(lines[1:], start=2):
            if not any(cell.strip() for cell in cells):
                continue

            def cell(name: str, cells: list[str] = cells) -> str:
                index = at.get(name)
                return cells[index].strip() if index is not None and index < len(cells) else ""

            renewal_id, field = cell("renewal_id"), ALIASES.get(cell("field"), cell("field"))
            row_errors: list[RowError] = []
            if renewal_id not in renewal_ids:
                row_errors.append(
                    RowError(
                        number,
                        "renewal_id",
                        f"unknown renewal_id {renewal_id!r}",
                        "finding:unknown_renewal",
                        {"value": repr(renewal_id)},
                    )
                )
            try:
                changed_at = _instant(cell("changed_at"))
            except ValueError:
                row_errors.append(RowError(number, "changed_at", "not an ISO 8601 timestamp"))
                changed_at = None
            if field not in (*TRACKED_FIELDS, CREATED):
                row_errors.append(RowError(number, "field", f"unknown renewal field {field!r}"))
            old = new = None
            if not row_errors and field != CREATED:
                for column in ("old_value", "new_value"):
                    try:
                        value = _value(field, cell(column), users)
                    except ValueError as exc:
                        row_errors.append(RowError(number, column, str(exc)))
                        continue
                    old, new = (value, new) if column == "old_value" else (old, value)
            errors.extend(row_errors)
            if row_errors:
                continue
            by = cell("actor")
            records.append(
                {
                    "renewal_id": renewal_id,
                    "changed_at": changed_at,
                    "actor_id": users.get(by),
                    "actor_name": by or actor.name,
                    "field": field,
                    "old_value": old,
                    "new_value": new,
                    "version": None,
                }
            )
        if errors:
            raise ImportRejected(path, "renewal_history", errors[:MAX_ERRORS], len(errors))
        keys = {
            (r["renewal_id"], r["changed_at"].replace(tzinfo=None), r["field"]) for r in records
        }
        stored: set[tuple[Any, ...]] = set()
        table = RenewalChange.__table__
        key_columns = (table.c.renewal_id, table.c.changed_at, table.c.field)
        listed = list(keys)
        for start in range(0, len(listed), 500):
            chunk = listed[start : start + 500]
            stored.update(
                (rid, when.replace(tzinfo=None), name)
                for rid, when, name in session.execute(
                    select(*key_columns).where(tuple_(*key_columns).in_(chunk))
                )
            )
        fresh = [
            r
            for r in records
            if (r["renewal_id"], r["changed_at"].replace(tzinfo=None), r["field"]) not in stored
        ]
        if fresh:
            session.execute(insert(table), fresh)
        report("import renewal_history", len(lines) - 1, len(lines) - 1)
        result = ImportResult(
            kind="renewal_history",
            rows=len(records),
            inserted=len(fresh),
            updated=0,
            created_users=(),
        )
        audit.record(
            session,
            actor,
            action="import",
            entity_type="renewal_history",
            entity_id=(label or path).name[:64],
            after={"rows": result.rows, "inserted": result.inserted} | audit_details,
        )
        if dry_run:
            raise _RolledBack(result)
        return result
