"""The ``cs-data`` command line: a thin shell over cs_data for the local operator.

Whoever can run it with the database URL already holds the data, so it asks for no login;
writes are audited as ``operator:<OS user>``. User errors exit non-zero with a one-line
message on standard error, never a traceback; so does a database that cannot be used now
(unreachable, a bad URL, a folder it cannot write, busy past the bounded wait): exit 4.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TextIO

from sqlalchemy import Engine, exc

from cs_data import app_settings, boards, demo, health, importers, kpi, presets, schema, users
from cs_data.auth import operator
from cs_data.config import ConfigError, get_settings
from cs_data.db import create_engine_for, database_problem
from cs_data.domain import (
    BOARD_TEMPLATES,
    CARD_PRIORITIES,
    CARD_STATUSES,
    DEFAULT_STAGE_PROBABILITIES,
    ROLES,
    SEGMENTS,
    WIP_MODES,
)
from cs_data.errors import (
    CockpitError,
    DatabaseProblem,
    InvalidInput,
    NotFound,
    PermissionDenied,
    StaleEdit,
)
from cs_data.fiscal import Quarter, parse_quarter, quarter_of
from cs_data.money import cents_to_decimal, parse_cents
from cs_data.renewals import commands as renewal_commands
from cs_data.renewals import forecast, probabilities, queries

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_USAGE = 2
EXIT_DATABASE = 4
"""The database could not be used now: unreachable, bad URL, not writable, or busy."""
EXIT_CONFLICT = 3


class ProgressBar:
    """Renders ``progress(phase, done, total)`` calls as a bar on a terminal, or as log lines."""

    WIDTH = 30

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.interactive = stream.isatty()
        self.phase: str | None = None
        self.last_draw = 0.0
        self.last_percent = -10

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        if phase != self.phase:
            self.finish()
            self.phase, self.last_percent = phase, -10
        now = time.monotonic()
        finished = total is not None and done >= total
        if self.interactive:
            if finished or now - self.last_draw >= 0.2:
                self.last_draw = now
                self.stream.write("\r" + self._line(phase, done, total))
                self.stream.flush()
        elif total:
            percent = done * 100 // total
            if percent >= self.last_percent + 10 or finished:
                self.last_percent = percent
                self.stream.write(self._line(phase, done, total) + "\n")

    def _line(self, phase: str, done: int, total: int | None) -> str:
        if not total:
            return f"{phase}: {done:,}"
        filled = self.WIDTH * min(done, total) // total
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        return f"{phase}: [{bar}] {done * 100 // total:3d}%"

    def finish(self) -> None:
        if self.interactive and self.phase is not None:
            self.stream.write("\n")
            self.stream.flush()
        self.phase = None


def _engine(args: argparse.Namespace) -> Engine:
    return create_engine_for(args.database_url or get_settings().database_url)


def _cmd_db_upgrade(args: argparse.Namespace) -> int:
    engine = _engine(args)
    before = schema.current_revision(engine)
    schema.upgrade(engine, args.revision)
    after = schema.current_revision(engine)
    print(f"database at revision {after} (was {before or 'empty'})")
    return EXIT_OK


def _cmd_db_current(args: argparse.Namespace) -> int:
    current = schema.current_revision(_engine(args))
    head = schema.head_revision()
    state = "up to date" if current == head else f"behind (newest is {head})"
    print(f"{current or 'empty'}: {state}")
    return EXIT_OK


def _cmd_db_revision(args: argparse.Namespace) -> int:
    schema.write_revision(_engine(args), args.message)
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    engine = _engine(args)
    schema.upgrade(engine)
    bar = ProgressBar(sys.stderr)
    started = time.perf_counter()
    summary = demo.generate(
        engine,
        operator(),
        scale=args.scale,
        seed=args.seed,
        today=args.today,
        replace=args.replace,
        progress=bar,
    )
    bar.finish()
    elapsed = time.perf_counter() - started
    counts = ", ".join(f"{name} {count:,}" for name, count in summary.counts.items())
    print(f"demo data scale {summary.scale}, seed {summary.seed}, today {summary.today}: {counts}")
    print(f"finished in {elapsed:.1f} s")
    return EXIT_OK


def _cmd_import(args: argparse.Namespace) -> int:
    engine = _engine(args)
    schema.upgrade(engine)
    if args.preset or args.dry_run or args.exclude_rejected:
        return _import_with_preset(engine, args)
    bar = ProgressBar(sys.stderr)
    started = time.perf_counter()
    try:
        result = importers.import_file(engine, operator(), args.kind, args.file, progress=bar)
    except importers.ImportRejected as rejected:
        bar.finish()
        print(rejected.report(), file=sys.stderr)
        return EXIT_REJECTED
    except CockpitError:  # ImportBusy, UnreadableFile, ...: one line below the bar
        bar.finish()
        raise
    bar.finish()
    elapsed = time.perf_counter() - started
    rate = result.rows / elapsed if elapsed > 0 else float(result.rows)
    print(
        f"imported {result.rows:,} {result.kind} rows from {args.file}: "
        f"{result.inserted:,} new, {result.updated:,} updated "
        f"in {elapsed:.1f} s ({rate:,.0f} rows/s)"
    )
    if result.created_users:
        print("created users without login: " + ", ".join(result.created_users))
    return EXIT_OK


def _today() -> date:
    return datetime.now(UTC).date()


def _cmd_settings_currency(args: argparse.Namespace) -> int:
    engine = _engine(args)
    if args.code is None:
        currency = app_settings.get_currency(engine)
    else:
        try:
            currency = app_settings.set_currency(engine, operator(), args.code)
        except InvalidInput as error:
            for problem in error.errors:
                print(f"error: {problem.field}: {problem.message}", file=sys.stderr)
            return EXIT_REJECTED
    if args.json:
        print(json.dumps({"currency": currency}))
    else:
        print(f"currency of amounts: {currency}")
    return EXIT_OK


def _cmd_health_recompute(args: argparse.Namespace) -> int:
    engine = _engine(args)
    schema.upgrade(engine)
    day = args.date or _today()
    bar = ProgressBar(sys.stderr)
    started = time.perf_counter()
    result = health.recompute(engine, operator(), day, progress=bar)
    bar.finish()
    elapsed = time.perf_counter() - started
    bands = ", ".join(f"{band} {count:,}" for band, count in result.customers_by_band.items())
    print(f"health snapshots for {day}: {result.scored:,} accounts ({bands}) in {elapsed:.1f} s")
    return EXIT_OK


def _cmd_health_show(args: argparse.Namespace) -> int:
    engine = _engine(args)
    day = args.date or _today()
    accounts = [args.account] if args.account else None
    if health.has_run(engine, day):
        found = health.stored(engine, day, account_ids=accounts)
    else:
        # not computed for that day yet: compute it now, without storing it
        found = health.compute(engine, day, account_id=args.account)
    if args.account and not found:
        print(f"error: account: {args.account!r} has no health score on {day}", file=sys.stderr)
        return EXIT_REJECTED
    if args.json:
        print(json.dumps([result.as_json() for result in found]))
        return EXIT_OK
    print(f"health on {day}: {len(found):,} accounts")
    for result in found:
        parts = "  ".join(
            f"{name} {part.score:.1f}×{part.weight:g}"
            for name, part in result.components.items()
            if part.present
        )
        print(f"{result.account_id:<20} {result.score:6.2f} {result.band:<6}  {parts}")
    return EXIT_OK


def _canonical_preset(kind: str) -> presets.Preset:
    """The identity mapping of a canonical file (for --dry-run without --preset)."""
    columns = {name: {"from": name} for name, _ in importers.file_columns(kind)}
    return presets.preset_from_dict(
        {"name": "canonical", "kind": kind, "title": "canonical file", "columns": columns}
    )


def _import_with_preset(engine: Engine, args: argparse.Namespace) -> int:
    """`cs-data import --preset NAME KIND FILE` (and --dry-run, --exclude-rejected)."""
    if args.preset:
        preset = presets.get_preset(engine, operator(), args.preset)
        if preset.kind != args.kind:
            print(
                f"error: kind: preset {preset.name} imports {preset.kind}, not {args.kind}",
                file=sys.stderr,
            )
            return EXIT_REJECTED
    else:
        preset = _canonical_preset(args.kind)
    bar = ProgressBar(sys.stderr)
    started = time.perf_counter()
    if args.dry_run:
        report = presets.check_file(engine, operator(), args.file, preset, progress=bar)
    else:
        report = presets.import_with_preset(
            engine,
            operator(),
            args.file,
            preset,
            exclude_rejected=args.exclude_rejected,
            progress=bar,
        )
    bar.finish()
    elapsed = time.perf_counter() - started
    print(report.text(), file=sys.stdout if report.committed or args.dry_run else sys.stderr)
    if report.missing_columns:
        return EXIT_REJECTED
    if args.dry_run:
        print("dry run: nothing written")
        return EXIT_OK if not report.rejected_rows else EXIT_REJECTED
    if not report.committed:
        print(
            f"{args.file}: rejected, database unchanged "
            "(--exclude-rejected imports the other rows)",
            file=sys.stderr,
        )
        return EXIT_REJECTED
    rate = report.rows / elapsed if elapsed > 0 else float(report.rows)
    print(
        f"imported {report.to_insert + report.to_update:,} {report.kind} rows from {args.file}: "
        f"{report.to_insert:,} new, {report.to_update:,} updated, "
        f"{len(report.rejected_rows):,} excluded in {elapsed:.1f} s ({rate:,.0f} rows/s)"
    )
    if report.created_users:
        print("created users without login: " + ", ".join(report.created_users))
    return EXIT_OK


def _cmd_presets_list(args: argparse.Namespace) -> int:
    engine = _engine(args)
    schema.upgrade(engine)
    found = presets.list_presets(engine, operator(), kind=args.kind)
    if args.json:
        print(json.dumps([preset.to_dict() | {"builtin": preset.builtin} for preset in found]))
        return EXIT_OK
    for preset in found:
        origin = "built-in" if preset.builtin else "saved"
        print(f"{preset.name:<32} {preset.kind:<14} {origin:<9} {preset.title}")
    return EXIT_OK


def _cmd_presets_show(args: argparse.Namespace) -> int:
    engine = _engine(args)
    schema.upgrade(engine)
    preset = presets.get_preset(engine, operator(), args.name)
    print(json.dumps(preset.to_dict(), indent=2, ensure_ascii=False))
    return EXIT_OK


def _cmd_presets_save(args: argparse.Namespace) -> int:
    engine = _engine(args)
    schema.upgrade(engine)
    try:
        definition = json.loads(args.source.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        print(f"error: from: cannot read a JSON preset from {args.source}: {exc}", file=sys.stderr)
        return EXIT_REJECTED
    if isinstance(definition, dict) and args.name:
        definition["name"] = args.name
    try:
        preset = presets.save_preset(engine, operator(), definition)
    except InvalidInput as error:
        return _print_invalid(error)
    print(f"saved preset {preset.name} ({preset.kind}, {len(preset.columns)} columns)")
    return EXIT_OK


def _cmd_presets_delete(args: argparse.Namespace) -> int:
    engine = _engine(args)
    schema.upgrade(engine)
    presets.delete_preset(engine, operator(), args.name)
    print(f"deleted preset {args.name}")
    return EXIT_OK


def _read_password(args: argparse.Namespace) -> str:
    """The new password: the first line of standard input, or typed twice at a prompt."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Repeat the password: ") != first:
        raise CockpitError("the two passwords differ; nothing was changed")
    return first


def _print_invalid(error: InvalidInput) -> int:
    for problem in error.errors:
        print(f"error: {problem.field}: {problem.message}", file=sys.stderr)
    return EXIT_REJECTED


def _cmd_user_add(args: argparse.Namespace) -> int:
    engine = _engine(args)
    schema.upgrade(engine)
    password = _read_password(args)
    try:
        user = users.create_user(
            engine,
            operator(),
            username=args.username,
            display_name=args.name or args.username,
            email=args.email,
            role=args.role,
            password=password,
        )
    except InvalidInput as error:
        return _print_invalid(error)
    print(f"created user {user.username} ({user.role})")
    return EXIT_OK


def _cmd_user_set_role(args: argparse.Namespace) -> int:
    try:
        user = users.set_role(_engine(args), operator(), args.username, role=args.role)
    except InvalidInput as error:
        return _print_invalid(error)
    print(f"user {user.username} now has role {user.role}")
    return EXIT_OK


def _cmd_user_reset_password(args: argparse.Namespace) -> int:
    engine = _engine(args)
    password = _read_password(args)
    try:
        users.reset_password(engine, operator(), args.username, password=password)
    except InvalidInput as error:
        return _print_invalid(error)
    print(f"password of {args.username} changed")
    return EXIT_OK


def _cmd_user_deactivate(args: argparse.Namespace) -> int:
    try:
        user = users.deactivate(_engine(args), operator(), args.username)
    except InvalidInput as error:
        return _print_invalid(error)
    print(f"user {user.username} deactivated (cannot log in; records stay)")
    return EXIT_OK


def _kpi_text(value: object, unit: str) -> str:
    """A KPI value for the text table: money in major units, undefined as a dash."""
    if value is None:
        return "-"
    formats = {
        "cents": lambda v: f"{cents_to_decimal(v):,.2f}",
        "count": lambda v: f"{v:,}",
        "minutes": lambda v: f"{v:,.1f}",
        "share": lambda v: f"{v:.4f}",
        "nps": lambda v: f"{v:+.1f}",
        "score": lambda v: f"{v:.2f}",
    }
    return formats[unit](value)


def _cmd_kpi(args: argparse.Namespace) -> int:
    try:
        window = kpi.make_window(args.start, args.end, args.as_of)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    filters = kpi.KpiFilter(segment=args.segment, region=args.region)
    values = kpi.compute_kpis(
        _engine(args), start=window.start, end=window.end, as_of=window.as_of, filters=filters
    )
    if args.json:
        print(json.dumps(values))
        return EXIT_OK
    narrowed = ", ".join(f"{name} {value}" for name, value in filters.active().items())
    print(
        f"KPIs for {window.start} to {window.end} as of "
        f"{window.as_of.isoformat(timespec='seconds')}" + (f" ({narrowed})" if narrowed else "")
    )
    for key, value in values.items():
        unit = kpi.KPIS[key].unit
        label = "money" if unit == "cents" else kpi.UNITS[unit]
        print(f"{key:<26} {_kpi_text(value, unit):>20}  {label}")
    return EXIT_OK


def _renewal_json(row: queries.RenewalRow) -> dict[str, object]:
    return {
        "renewal_id": row.id,
        "account_id": row.account_id,
        "account_name": row.account_name,
        "segment": row.segment,
        "renewal_date": row.renewal_date.isoformat(),
        "current_arr": row.current_arr_cents,
        "expected_arr": row.expected_arr_cents,
        "upsell": row.upsell_cents,
        "stage": row.stage,
        "forecast_category": row.forecast_category,
        "probability": row.probability,
        "probability_override": row.probability_is_override,
        "risk": row.risk,
        "risk_reason": row.risk_reason,
        "next_step": row.next_step,
        "next_step_date": row.next_step_date.isoformat() if row.next_step_date else None,
        "outcome": row.outcome,
        "renewed_arr": row.renewed_arr_cents,
        "lost_reason": row.lost_reason,
        "owner": row.owner_name,
        "version": row.version,
    }


def _cmd_renewals_list(args: argparse.Namespace) -> int:
    where = queries.RenewalFilter(
        due_from=args.due_from, due_to=args.due_to, owner_username=args.owner
    )
    rows = queries.all_renewals(_engine(args), operator(), where, as_of=args.as_of)
    if args.json:
        print(json.dumps([_renewal_json(row) for row in rows]))
        return EXIT_OK
    for row in rows:
        print(
            f"{row.id:<12} v{row.version:<3} {row.renewal_date} {row.stage:<14} "
            f"{row.forecast_category:<10} {cents_to_decimal(row.current_arr_cents):>14,.2f}  "
            f"{row.account_name}"
        )
    return EXIT_OK


def _money_arg(text: str) -> int | str | None:
    """An amount in major units as cents; '' clears it; anything else is passed on for the
    command to refuse with the field's name (exit 1)."""
    if not text:
        return None
    try:
        return parse_cents(text)
    except ValueError:
        return text


def _probability_arg(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text


def _text_arg(text: str) -> str | None:
    """Free text; an empty value clears the field."""
    return text or None


_FLAG_OF_FIELD = {
    "expected_arr_cents": "expected-arr",
    "upsell_cents": "upsell",
    "renewed_arr_cents": "renewed-arr",
    "lost_reason": "reason",
    "outcome": "won/--lost",
}


def _cmd_renewals_update(args: argparse.Namespace) -> int:
    changes: dict[str, object] = {}
    for flag, field in [
        ("stage", "stage"),
        ("forecast_category", "forecast_category"),
        ("expected_arr", "expected_arr_cents"),
        ("upsell", "upsell_cents"),
        ("risk", "risk"),
        ("risk_reason", "risk_reason"),
        ("next_step", "next_step"),
        ("next_step_date", "next_step_date"),
        ("notes", "notes"),
        ("renewed_arr", "renewed_arr_cents"),
        ("reason", "lost_reason"),
    ]:
        value = getattr(args, flag)
        if value is not _NOT_GIVEN:
            changes[field] = value
    if args.clear_probability:
        changes["probability"] = None
    elif args.probability is not None:
        changes["probability"] = args.probability
    if args.won:
        changes["outcome"] = "won"
    elif args.lost:
        changes["outcome"] = "lost"
    try:
        saved = renewal_commands.update_renewal(
            _engine(args), operator(), args.renewal_id, seen_version=args.if_version, **changes
        )
    except NotFound as error:
        print(f"error: renewal_id: {error}", file=sys.stderr)
        return EXIT_REJECTED
    except InvalidInput as error:
        for problem in error.errors:
            flag = _FLAG_OF_FIELD.get(problem.field, problem.field.replace("_", "-"))
            print(f"error: --{flag}: {problem.message}", file=sys.stderr)
        return EXIT_REJECTED
    except renewal_commands.RenewalChanged as conflict:
        print(f"error: conflict: {conflict}", file=sys.stderr)
        for change in conflict.changes:
            print(
                f"  {change.changed_at.isoformat(timespec='seconds')} {change.actor_name}: "
                f"{change.field} {change.old_value!r} -> {change.new_value!r}",
                file=sys.stderr,
            )
        return EXIT_CONFLICT
    changed = ", ".join(saved.changed) if saved.changed else "nothing changed"
    print(f"renewal {saved.renewal_id} at version {saved.version} ({changed})")
    return EXIT_OK


def _cmd_renewals_create(args: argparse.Namespace) -> int:
    values = {
        "renewal_date": args.renewal_date,
        "current_arr_cents": args.current_arr,
        "stage": args.stage,
        "forecast_category": args.forecast_category,
        "probability": args.probability,
        "expected_arr_cents": args.expected_arr,
        "upsell_cents": args.upsell,
        "risk": args.risk,
        "risk_reason": args.risk_reason,
        "next_step": args.next_step,
        "next_step_date": args.next_step_date,
        "notes": args.notes,
        "renewal_id": args.id,
    }
    engine = _engine(args)
    if args.owner:
        found = users.active_actor(engine, args.owner)
        if found is None:
            print(f"error: --owner: no active user {args.owner!r}", file=sys.stderr)
            return EXIT_REJECTED
        values["owner_id"] = found.user_id
    try:
        saved = renewal_commands.create_renewal(engine, operator(), args.account_id, **values)
    except NotFound as error:
        print(f"error: account_id: {error}", file=sys.stderr)
        return EXIT_REJECTED
    except InvalidInput as error:
        for problem in error.errors:
            flag = _FLAG_OF_FIELD.get(problem.field, problem.field.replace("_", "-"))
            print(f"error: --{flag}: {problem.message}", file=sys.stderr)
        return EXIT_REJECTED
    print(f"created renewal {saved.renewal_id} at version {saved.version}")
    return EXIT_OK


def _cmd_renewals_stages(args: argparse.Namespace) -> int:
    configured = probabilities.get_stage_probabilities(_engine(args))
    rows = [
        {
            "stage": stage,
            "probability": configured[stage],
            "default": DEFAULT_STAGE_PROBABILITIES[stage],
            "fixed": stage in probabilities.FIXED,
        }
        for stage in configured
    ]
    if args.json:
        print(json.dumps(rows))
        return EXIT_OK
    for row in rows:
        note = "fixed" if row["fixed"] else f"default {row['default']:g}"
        print(f"{row['stage']:<14} {row['probability']:>6.2f}  ({note})")
    return EXIT_OK


def _cmd_renewals_set_stage_probability(args: argparse.Namespace) -> int:
    try:
        after = probabilities.set_stage_probabilities(
            _engine(args), operator(), {args.stage: args.probability}
        )
    except InvalidInput as error:
        return _print_invalid(error)
    print(f"stage {args.stage} probability {after[args.stage]:g}")
    return EXIT_OK


def _forecast_json(result: forecast.Forecast) -> dict[str, object]:
    def figures(values: forecast.Figures) -> dict[str, object]:
        return {
            "closed_won": values.closed_won,
            "commit": values.commit,
            "best_case": values.best_case,
            "pipeline": values.pipeline,
            "weighted_forecast": values.weighted,
            "at_risk": values.at_risk,
            "renewal_rate_count": values.renewal_rate_count,
            "renewal_rate_arr": values.renewal_rate_arr,
            "renewals": values.renewals,
            "won": values.won,
            "lost": values.lost,
            "open": values.open,
            "at_risk_renewals": values.at_risk_count,
        }

    return {
        "quarter": result.quarter.label,
        "start": result.quarter.start.isoformat(),
        "end": result.quarter.end.isoformat(),
        "segment": result.segment,
        "as_of": result.as_of.isoformat(),
        **figures(result.total),
        "by_month": [{"month": m.isoformat()[:7], **figures(f)} for m, f in result.by_month],
        "by_segment": [{"segment": s, **figures(f)} for s, f in result.by_segment],
        "targets": [
            {"kpi": t.kpi, "name": t.name, "target": t.target_value, "direction": t.direction,
             "value": t.value}
            for t in result.targets
        ],
    }  # fmt: skip


def _quarter(text: str | None) -> Quarter:
    if text is None:
        return quarter_of(datetime.now(UTC).date())
    return parse_quarter(text)


def _quarter_arg(text: str) -> str:
    try:
        parse_quarter(text, fiscal_start_month=1)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def _cmd_forecast(args: argparse.Namespace) -> int:
    engine = _engine(args)
    forecast.ensure_weekly_snapshots(engine)
    if args.forecast_command == "snapshot":
        quarter = _quarter(args.snapshot_quarter)
        snapshot = forecast.take_snapshot(
            engine, operator(), quarter, segment=args.snapshot_segment
        )
        print(
            f"snapshot {snapshot.id} of {quarter.label}"
            + (f" ({snapshot.segment})" if snapshot.segment else "")
            + f": weighted forecast {cents_to_decimal(snapshot.weighted):,.2f}, "
            f"closed won {cents_to_decimal(snapshot.closed_won):,.2f}"
        )
        return EXIT_OK
    quarter = _quarter(args.quarter)
    result = forecast.forecast(engine, operator(), quarter, segment=args.segment, as_of=args.as_of)
    if args.json:
        print(json.dumps(_forecast_json(result)))
        return EXIT_OK
    print(
        f"forecast {quarter.label} ({quarter.start} to {quarter.end})"
        + (f", segment {args.segment}" if args.segment else "")
    )
    for name in forecast.FIGURES:
        value = getattr(result.total, name)
        print(f"{name:<12} {cents_to_decimal(value):>18,.2f}")
    rate = result.total.renewal_rate_arr
    print(f"{'renewal rate':<12} {'-' if rate is None else f'{rate:.4f}':>18}  (ARR)")
    return EXIT_OK


def _iso_instant(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not an ISO 8601 instant (YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM]): {text!r}"
        ) from None


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


# --- boards and cards -----------------------------------------------------------------------


def _board_command(handler: Callable[[argparse.Namespace], int]) -> Callable[..., int]:
    """Exit 1 with one line for an unknown board/card/column, a refusal or invalid input;
    3 for a version conflict."""

    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except InvalidInput as error:
            return _print_invalid(error)
        except (NotFound, PermissionDenied) as error:
            print(f"error: {error}", file=sys.stderr)
            return EXIT_REJECTED
        except StaleEdit as error:
            print(f"error: {error}", file=sys.stderr)
            return EXIT_CONFLICT

    return run


def _board_json(view: boards.BoardView) -> dict[str, object]:
    return {
        "id": view.id,
        "key": view.key,
        "name": view.name,
        "description": view.description,
        "kind": view.kind,
        "is_private": view.is_private,
        "version": view.version,
        "archived_cards": view.archived_cards,
        "tags": view.tags,
        "members": [{"username": m.username, "role": m.role} for m in view.members],
        "columns": [
            {
                "id": column.id,
                "name": column.name,
                "position": column.position,
                "wip_limit": column.wip_limit,
                "wip_mode": column.wip_mode,
                "count": column.count,
                "cards": [
                    {
                        "number": card.number,
                        "key": card.key,
                        "title": card.title,
                        "position": card.position,
                        "version": card.version,
                        "status": card.status,
                        "priority": card.priority,
                        "due_date": card.due_date.isoformat() if card.due_date else None,
                        "tags": list(card.tags),
                        "assignees": list(card.assignee_names),
                        "checklist_done": card.checklist_done,
                        "checklist_total": card.checklist_total,
                        "comments": card.comments,
                        "attachments": card.attachments,
                        "account_id": card.account_id,
                        "ticket_id": card.ticket_id,
                    }
                    for card in column.cards
                ],
            }
            for column in view.columns
        ],
    }


@_board_command
def _cmd_boards_create(args: argparse.Namespace) -> int:
    view = boards.create_board(
        _engine(args),
        operator(),
        name=args.name,
        template=args.template,
        key=args.key,
        description=args.description,
        is_private=args.private,
    )
    print(view.key)
    return EXIT_OK


@_board_command
def _cmd_boards_list(args: argparse.Namespace) -> int:
    found = boards.list_boards(_engine(args), operator())
    if args.json:
        print(json.dumps([summary.__dict__ for summary in found]))
        return EXIT_OK
    for summary in found:
        private = " (private)" if summary.is_private else ""
        print(f"{summary.key:<10} {summary.open_cards:>5} cards  {summary.name}{private}")
    return EXIT_OK


@_board_command
def _cmd_boards_show(args: argparse.Namespace) -> int:
    view = boards.get_board(_engine(args), operator(), args.board)
    if args.json:
        print(json.dumps(_board_json(view)))
        return EXIT_OK
    print(f"{view.key}  {view.name}")
    for column in view.columns:
        limit = f"/{column.wip_limit} ({column.wip_mode})" if column.wip_limit else ""
        print(f"\n{column.name}  {column.count}{limit}")
        for card in column.cards:
            print(f"  {card.key:<10} {card.title}")
    return EXIT_OK


@_board_command
def _cmd_boards_set_wip(args: argparse.Namespace) -> int:
    engine = _engine(args)
    column = boards.get_board(engine, operator(), args.board).column(args.column)
    limit = None if args.limit.lower() == "none" else int(args.limit)
    view = boards.set_wip_limit(engine, operator(), column.id, limit=limit, mode=args.mode)
    changed = view.column(column.id)
    shown = f"{changed.count}/{changed.wip_limit}" if changed.wip_limit else "no limit"
    print(f"{view.key} {changed.name}: {shown} ({changed.wip_mode})")
    return EXIT_OK


@_board_command
def _cmd_cards_add(args: argparse.Namespace) -> int:
    engine = _engine(args)
    view = boards.get_board(engine, operator(), args.board)
    column = view.column(args.column) if args.column else view.columns[0]
    card = boards.add_card(
        engine,
        operator(),
        view.id,
        column_id=column.id,
        title=args.title,
        description=args.description,
        status=args.status,
        priority=args.priority,
        due_date=args.due,
        tags=args.tag,
        assignee_ids=boards.user_ids(engine, args.assignee),
        account_id=args.account,
        ticket_id=args.ticket,
    )
    print(card.key)
    return EXIT_OK


@_board_command
def _cmd_cards_move(args: argparse.Namespace) -> int:
    engine = _engine(args)
    detail = boards.get_card(engine, operator(), args.card)
    column = boards.get_board(engine, operator(), detail.board_id).column(args.to)
    position = None if args.position is None else args.position - 1
    result = boards.move_card(
        engine, operator(), detail.card.id, to_column_id=column.id, position=position
    )
    print(f"{result.card.key} moved to {result.column_name} (position {result.card.position + 1})")
    if result.over_limit:
        print(f"warning: {result.column_name} is over its WIP limit", file=sys.stderr)
    return EXIT_OK


def _wip_limit(text: str) -> str:
    if text.lower() == "none" or (text.isdigit() and int(text) > 0):
        return text
    raise argparse.ArgumentTypeError(f"a WIP limit is a whole number above 0, or none: {text!r}")


def _position(text: str) -> int:
    if text.isdigit() and int(text) > 0:
        return int(text)
    raise argparse.ArgumentTypeError(f"a position counts from 1 (the top): {text!r}")


def _add_board_commands(commands: argparse._SubParsersAction) -> None:
    board_cmd = commands.add_parser("boards", help="Kanban boards (acts as the operator)")
    actions = board_cmd.add_subparsers(dest="boards_command", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="create a board from a template; prints its key")
    create.add_argument("name")
    create.add_argument("--template", choices=BOARD_TEMPLATES, default="customer_success")
    create.add_argument("--key", help="card number prefix, e.g. CS (default: from the template)")
    create.add_argument("--description")
    create.add_argument("--private", action="store_true", help="visible to members only")
    create.set_defaults(handler=_cmd_boards_create)
    listing = actions.add_parser("list", help="list the boards with their open card counts")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_cmd_boards_list)
    show = actions.add_parser("show", help="a board's columns in order with their cards in order")
    show.add_argument("board", help="board key, id or name")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_cmd_boards_show)
    wip = actions.add_parser("set-wip", help="set a column's WIP limit (none to remove it)")
    wip.add_argument("board", help="board key, id or name")
    wip.add_argument("column", help="column name or id")
    wip.add_argument("limit", type=_wip_limit)
    wip.add_argument("--mode", choices=WIP_MODES, default="warn")
    wip.set_defaults(handler=_cmd_boards_set_wip)

    cards_cmd = commands.add_parser("cards", help="cards on Kanban boards (acts as the operator)")
    actions = cards_cmd.add_subparsers(dest="cards_command", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="add a card; prints its number, e.g. CS-42")
    add.add_argument("board", help="board key, id or name")
    add.add_argument("--column", help="column name or id (default: the first)")
    add.add_argument("--title", required=True)
    add.add_argument("--description")
    add.add_argument("--status", choices=CARD_STATUSES, default="normal")
    add.add_argument("--priority", choices=CARD_PRIORITIES, default="normal")
    add.add_argument("--due", type=_iso_date, help="due date (YYYY-MM-DD)")
    add.add_argument("--tag", action="append", default=[], help="a tag (repeatable)")
    add.add_argument("--assignee", action="append", default=[], help="a username (repeatable)")
    add.add_argument("--account", help="linked account id")
    add.add_argument("--ticket", help="linked ticket id")
    add.set_defaults(handler=_cmd_cards_add)
    move = actions.add_parser("move", help="move a card to a column (and position)")
    move.add_argument("card", help="card number, e.g. CS-42")
    move.add_argument("--to", required=True, help="column name or id")
    move.add_argument("--position", type=_position, help="1 = top (default: the bottom)")
    move.set_defaults(handler=_cmd_cards_move)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cs-data", description="CS Cockpit data operations (acts as the local operator)."
    )
    parser.add_argument(
        "--database-url",
        help="SQLAlchemy database URL (default: CS_DATABASE_URL, secrets, or data/cockpit.db)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    db = commands.add_parser("db", help="schema migrations")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    upgrade = db_commands.add_parser("upgrade", help="upgrade the schema (default: newest)")
    upgrade.add_argument("--revision", default="head")
    upgrade.set_defaults(handler=_cmd_db_upgrade)
    db_commands.add_parser("current", help="show the schema revision").set_defaults(
        handler=_cmd_db_current
    )
    revision = db_commands.add_parser(
        "revision", help="autogenerate a migration from model changes (developers)"
    )
    revision.add_argument("-m", "--message", required=True)
    revision.set_defaults(handler=_cmd_db_revision)

    demo_cmd = commands.add_parser("demo", help="fill the database with deterministic demo data")
    demo_cmd.add_argument("--scale", choices=sorted(demo.SCALES), default="S", type=str.upper)
    demo_cmd.add_argument("--seed", type=int, default=demo.DEFAULT_SEED)
    demo_cmd.add_argument(
        "--today",
        type=_iso_date,
        default=None,
        help="the day the data ends on (default: today, UTC); same seed and day, same rows",
    )
    demo_cmd.add_argument("--replace", action="store_true", help="delete all existing data first")
    demo_cmd.set_defaults(handler=_cmd_demo)

    import_cmd = commands.add_parser(
        "import", help="import a canonical CSV file, or an export through a preset (all or nothing)"
    )
    import_cmd.add_argument("kind", choices=importers.IMPORT_KINDS)
    import_cmd.add_argument("file", type=Path)
    import_cmd.add_argument(
        "--preset", help="read FILE as this preset's export format (see cs-data presets list)"
    )
    import_cmd.add_argument(
        "--dry-run", action="store_true", help="print the validation report, write nothing"
    )
    import_cmd.add_argument(
        "--exclude-rejected",
        action="store_true",
        help="import the valid rows and leave the rejected ones out (listed in the report)",
    )
    import_cmd.set_defaults(handler=_cmd_import)

    presets_cmd = commands.add_parser("presets", help="import presets: list, show, save, delete")
    preset_commands = presets_cmd.add_subparsers(
        dest="presets_command", required=True, metavar="ACTION"
    )
    list_cmd = preset_commands.add_parser("list", help="list built-in and saved presets")
    list_cmd.add_argument("--kind", choices=importers.IMPORT_KINDS)
    list_cmd.add_argument("--json", action="store_true", help="the definitions as JSON")
    list_cmd.set_defaults(handler=_cmd_presets_list)
    show = preset_commands.add_parser("show", help="print a preset's definition as JSON")
    show.add_argument("name")
    show.set_defaults(handler=_cmd_presets_show)
    save = preset_commands.add_parser("save", help="save a mapping (JSON) as a preset")
    save.add_argument("name", nargs="?", help="the preset's name (default: the file's name)")
    save.add_argument("--from", dest="source", type=Path, required=True, metavar="FILE.json")
    save.set_defaults(handler=_cmd_presets_save)
    delete = preset_commands.add_parser("delete", help="delete a saved preset")
    delete.add_argument("name")
    delete.set_defaults(handler=_cmd_presets_delete)

    kpi_cmd = commands.add_parser(
        "kpi", help="print every KPI of a window (money in cents with --json)"
    )
    kpi_cmd.add_argument("--start", type=_iso_date, required=True, help="first day (UTC)")
    kpi_cmd.add_argument("--end", type=_iso_date, required=True, help="last day (UTC), included")
    kpi_cmd.add_argument(
        "--as-of",
        type=_iso_instant,
        default=None,
        help="instant for backlog, ARR and overdue SLA (default: end of --end day, or now); "
        "no offset = UTC",
    )
    kpi_cmd.add_argument("--segment", choices=SEGMENTS)
    kpi_cmd.add_argument("--region")
    kpi_cmd.add_argument(
        "--json", action="store_true", help="one JSON object: KPI key -> value (null if undefined)"
    )
    kpi_cmd.set_defaults(handler=_cmd_kpi)

    _renewals_parser(commands)
    _forecast_parser(commands)
    health_cmd = commands.add_parser("health", help="account health scores and snapshots")
    health_commands = health_cmd.add_subparsers(
        dest="health_command", required=True, metavar="ACTION"
    )
    recompute = health_commands.add_parser(
        "recompute", help="compute a day's health snapshots, replacing stored ones"
    )
    recompute.add_argument(
        "--date", type=_iso_date, default=None, help="the UTC day scored (default: today)"
    )
    recompute.set_defaults(handler=_cmd_health_recompute)
    show = health_commands.add_parser(
        "show", help="print a day's health scores (stored, or computed when not stored)"
    )
    show.add_argument(
        "--date", type=_iso_date, default=None, help="the UTC day scored (default: today)"
    )
    show.add_argument("--account", help="only this account id")
    show.add_argument(
        "--json",
        action="store_true",
        help="a JSON list: account_id, score, band, components {name: {score, weight, "
        "contribution}} (present components, full precision)",
    )
    show.set_defaults(handler=_cmd_health_show)

    settings_cmd = commands.add_parser("settings", help="settings stored in the database")
    settings_commands = settings_cmd.add_subparsers(
        dest="settings_command", required=True, metavar="SETTING"
    )
    currency = settings_commands.add_parser(
        "currency",
        help="show the currency of amounts, or set it to an ISO 4217 code (relabels stored "
        "amounts, converts nothing)",
    )
    currency.add_argument("code", nargs="?", help="e.g. USD, KRW, EUR (omit to show)")
    currency.add_argument("--json", action="store_true", help='{"currency": CODE}')
    currency.set_defaults(handler=_cmd_settings_currency)

    user = commands.add_parser("user", help="manage the users who log in to the app")
    user_commands = user.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    add = user_commands.add_parser("add", help="create a user (password prompted twice)")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--name", help="display name (default: the username)")
    add.add_argument("--email")
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    add.set_defaults(handler=_cmd_user_add)
    set_role = user_commands.add_parser("set-role", help="change a user's role")
    set_role.add_argument("username")
    set_role.add_argument("role", choices=ROLES)
    set_role.set_defaults(handler=_cmd_user_set_role)
    reset = user_commands.add_parser("reset-password", help="set a new password (lifts a lockout)")
    reset.add_argument("username")
    reset.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    reset.set_defaults(handler=_cmd_user_reset_password)
    deactivate = user_commands.add_parser("deactivate", help="stop a user from logging in")
    deactivate.add_argument("username")
    deactivate.set_defaults(handler=_cmd_user_deactivate)

    _add_board_commands(commands)
    return parser


_NOT_GIVEN = object()


def _renewals_parser(commands: argparse._SubParsersAction) -> None:
    renewals = commands.add_parser("renewals", help="list and update renewals")
    actions = renewals.add_subparsers(dest="renewals_command", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="the renewal pipeline, now or as of an instant")
    listing.add_argument("--as-of", type=_iso_instant, help="as the system knew it then")
    listing.add_argument("--owner", help="username of the renewal's owner")
    listing.add_argument("--due-from", type=_iso_date, help="renewal date on or after")
    listing.add_argument("--due-to", type=_iso_date, help="renewal date on or before")
    listing.add_argument("--json", action="store_true", help="a JSON array, money in cents")
    listing.set_defaults(handler=_cmd_renewals_list)

    update = actions.add_parser(
        "update", help="change a renewal (exit 1: invalid, 3: changed since --if-version)"
    )
    update.add_argument("renewal_id")
    update.add_argument("--if-version", type=int, required=True, help="the version you saw")
    given = {"default": _NOT_GIVEN}
    update.add_argument("--stage", **given)
    update.add_argument("--forecast-category", **given)
    probability = update.add_mutually_exclusive_group()
    probability.add_argument(
        "--probability", type=_probability_arg, help="explicit win probability 0..1"
    )
    probability.add_argument(
        "--clear-probability", action="store_true", help="go back to the stage default"
    )
    update.add_argument("--expected-arr", type=_money_arg, **given, help="major units")
    update.add_argument("--upsell", type=_money_arg, **given, help="major units")
    update.add_argument("--risk", type=_text_arg, **given, help="low, medium, high or ''")
    for flag in ("--risk-reason", "--next-step", "--notes"):
        update.add_argument(flag, type=_text_arg, **given, help="text; '' clears it")
    update.add_argument("--next-step-date", type=_optional_date, **given)
    close = update.add_mutually_exclusive_group()
    close.add_argument("--won", action="store_true", help="close as won (needs --renewed-arr)")
    close.add_argument("--lost", action="store_true", help="close as lost (needs --reason)")
    update.add_argument("--renewed-arr", type=_money_arg, **given, help="major units")
    update.add_argument("--reason", type=_text_arg, **given, help="why the renewal was lost")
    update.set_defaults(handler=_cmd_renewals_update)

    create = actions.add_parser(
        "create", help="create an open renewal of an account; prints its id (exit 1: invalid)"
    )
    create.add_argument("account_id")
    create.add_argument("--renewal-date", type=_optional_date, required=True)
    create.add_argument("--current-arr", type=_money_arg, required=True, help="major units")
    create.add_argument("--id", help="the renewal's id (default: a new REN-… id)")
    create.add_argument("--stage", default="not_started")
    create.add_argument("--forecast-category", default="pipeline")
    create.add_argument("--probability", type=_probability_arg, help="explicit 0..1")
    create.add_argument("--expected-arr", type=_money_arg, help="major units")
    create.add_argument("--upsell", type=_money_arg, help="major units")
    create.add_argument("--risk", type=_text_arg, help="low, medium or high")
    for flag in ("--risk-reason", "--next-step", "--notes"):
        create.add_argument(flag, type=_text_arg, help="text")
    create.add_argument("--next-step-date", type=_optional_date)
    create.add_argument("--owner", help="username of the renewal's owner")
    create.set_defaults(handler=_cmd_renewals_create)

    stages = actions.add_parser("stages", help="each stage's default win probability")
    stages.add_argument("--json", action="store_true", help="a JSON array, probabilities 0..1")
    stages.set_defaults(handler=_cmd_renewals_stages)
    set_stage = actions.add_parser(
        "set-stage-probability", help="change an open stage's default probability (0..1)"
    )
    set_stage.add_argument("stage")
    set_stage.add_argument("probability", type=_probability_arg)
    set_stage.set_defaults(handler=_cmd_renewals_set_stage_probability)


def _optional_date(text: str) -> date | str | None:
    """A date; '' clears it; anything else is passed on for the command to refuse."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return text


def _forecast_parser(commands: argparse._SubParsersAction) -> None:
    forecast_cmd = commands.add_parser(
        "forecast", help="the renewal forecast of a fiscal quarter (snapshot: store it)"
    )
    forecast_cmd.add_argument("--quarter", type=_quarter_arg, help="e.g. 2026Q1 (default: now)")
    forecast_cmd.add_argument("--segment", choices=SEGMENTS)
    forecast_cmd.add_argument("--as-of", type=_iso_instant, help="as the system knew it then")
    forecast_cmd.add_argument("--json", action="store_true", help="one JSON object, cents")
    forecast_cmd.set_defaults(handler=_cmd_forecast, forecast_command=None)
    actions = forecast_cmd.add_subparsers(dest="forecast_command", metavar="ACTION")
    snapshot = actions.add_parser("snapshot", help="store the quarter's figures now")
    snapshot.add_argument("--quarter", dest="snapshot_quarter", type=_quarter_arg)
    snapshot.add_argument("--segment", dest="snapshot_segment", choices=SEGMENTS)


def main(argv: list[str] | None = None) -> int:
    """Run one command; return the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except DatabaseProblem as problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_DATABASE
    except (CockpitError, ConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except exc.SQLAlchemyError as error:
        if (problem := database_problem(error)) is None:
            raise
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_DATABASE


if __name__ == "__main__":
    sys.exit(main())
