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
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TextIO

from sqlalchemy import Engine

from cs_data import demo, health, importers, kpi, schema, users
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
    bar = ProgressBar(sys.stderr)
    started = time.perf_counter()
    try:
        result = importers.import_file(engine, operator(), args.kind, args.file, progress=bar)
    except importers.ImportRejected as rejected:
        bar.finish()
        print(rejected.report(), file=sys.stderr)
        return EXIT_REJECTED
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

    import_cmd = commands.add_parser("import", help="import a canonical CSV file (all or nothing)")
    import_cmd.add_argument("kind", choices=importers.IMPORT_KINDS)
    import_cmd.add_argument("file", type=Path)
    import_cmd.set_defaults(handler=_cmd_import)

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
