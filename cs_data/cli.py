"""The ``cs-data`` command line: a thin shell over cs_data for the local operator.

Whoever can run it with the database URL already holds the data, so it asks for no login;
writes are audited as ``operator:<OS user>``. User errors exit non-zero with a one-line
message on standard error, never a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import TextIO

from sqlalchemy import Engine

from cs_data import demo, importers, kpi, presets, schema, users
from cs_data.auth import operator
from cs_data.config import ConfigError, get_settings
from cs_data.db import create_engine_for
from cs_data.domain import ROLES, SEGMENTS
from cs_data.errors import CockpitError, InvalidInput
from cs_data.money import cents_to_decimal

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_USAGE = 2


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


def _canonical_preset(kind: str) -> presets.Preset:
    """The identity mapping of a canonical file (for --dry-run without --preset)."""
    columns = {name: {"from": name} for name, _ in importers.canonical_columns(kind)}
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
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; return the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except (CockpitError, ConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
