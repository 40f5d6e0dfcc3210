"""Benchmark: the Overview page's KPI computation against DuckDB and naive pandas.

    .venv/bin/python bench/kpi_overview.py --scale L

The Overview computation is what the page loads for one ``as_of`` (default: the day the
demo data ends, 00:00 UTC), that is ``kpi.overview(engine, as_of=…)`` and
``kpi.tickets_created_by_day`` over the same 30-day window:

- ``accounts``: number of accounts;
- ``arr_cents``: ``arr_total`` on the UTC day of ``as_of``;
- ``backlog_open``: tickets open at ``as_of``;
- ``tickets_created``, ``csat`` (share, mean, responses), ``nps`` (value, responses) over
  the 30 whole UTC days ending on the day of ``as_of``;
- ``renewals_due_arr_cents``: open renewal ARR due in the 90 days from the day of ``as_of``;
- ``tickets_by_day``: tickets created on each day of the 30-day window (the page's chart).

Three implementations compute them in one run, each timed as the median of ``--repeats``
runs after a warm-up, and must give the same numbers:

1. CS Cockpit: the ``cs_data.kpi`` functions on the database (exactly what the page calls);
2. DuckDB: hand-written SQL over the same tables exported to Parquet under ``bench/out/``;
3. naive pandas: ``pd.read_sql_table`` of the whole tables, then pandas.

The database (default ``bench/out/demo-<scale>.db``) is filled with demo data when empty and
reused when it already holds the demo data of the same scale.
"""

from __future__ import annotations

import argparse
import math
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from common import OUT, median_seconds
from sqlalchemy import Engine, inspect, make_url, select

from cs_data import demo, kpi, schema
from cs_data.auth import operator
from cs_data.db import create_engine_for
from cs_data.kpi.scope import leading_window, trailing_window, window_bounds
from cs_data.models import AuditEntry

RECENT_DAYS = 30
UPCOMING_DAYS = 90

EXPORTS: dict[str, str] = {
    "accounts": "SELECT id FROM accounts",
    "subscriptions": "SELECT account_id, start_date, end_date, arr_cents FROM subscriptions",
    "tickets": "SELECT created_at, resolved_at FROM tickets",
    "survey_responses": "SELECT survey_type, score, responded_at FROM survey_responses",
    "renewals": "SELECT renewal_date, outcome, current_arr_cents FROM renewals",
}
"""The tables (and columns) the Overview figures read, as exported to Parquet."""
TIMESTAMPS = ("created_at", "resolved_at", "responded_at")
DATES = ("start_date", "end_date", "renewal_date")


# --- the data -------------------------------------------------------------------------------


def demo_day(engine: Engine) -> tuple[str, date] | None:
    """The scale and day of the last demo generation in the database, if any."""
    stmt = (
        select(AuditEntry.after)
        .where(AuditEntry.action == "demo_generate")
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    with engine.connect() as connection:
        after = connection.execute(stmt).scalar_one_or_none()
    return None if after is None else (after["scale"], date.fromisoformat(after["today"]))


def prepare(db_url: str, scale: str) -> tuple[Engine, date]:
    """An engine on a migrated database holding the demo data of ``scale``, and its day."""
    url = make_url(db_url)
    engine = create_engine_for(db_url)
    found = demo_day(engine) if inspect(engine).has_table("audit_log") else None
    if found is not None and found[0] != scale:
        if url.get_backend_name() != "sqlite" or not url.database:
            raise SystemExit(f"{db_url} holds demo scale {found[0]}, not {scale}")
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(url.database + suffix).unlink(missing_ok=True)
        engine = create_engine_for(db_url)
        found = None
    schema.upgrade(engine)
    if found is not None:
        print(f"reusing demo scale {scale} of {found[1]} in {url.render_as_string()}")
        return engine, found[1]
    print(f"generating demo scale {scale} into {url.render_as_string()} …", flush=True)
    started = time.perf_counter()
    summary = demo.generate(engine, operator(), scale=scale)
    print(f"  generated in {time.perf_counter() - started:.0f} s")
    return engine, summary.today


def export_parquet(engine: Engine, directory: Path) -> dict[str, Path]:
    """Each table of ``EXPORTS`` as a Parquet file: timestamps naive UTC, dates as dates."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    with engine.connect() as connection:
        for table, query in EXPORTS.items():
            frame = pd.read_sql_query(query, connection)
            for column in frame.columns:
                if column in TIMESTAMPS:
                    frame[column] = pd.to_datetime(frame[column], format="ISO8601")
                elif column in DATES:
                    frame[column] = pd.to_datetime(frame[column], format="ISO8601").dt.date
            paths[table] = directory / f"{table}.parquet"
            frame.to_parquet(paths[table], index=False)
    return paths


# --- the three implementations ---------------------------------------------------------------


class Windows:
    """The instants and days one Overview computation uses, in every form needed."""

    def __init__(self, as_of: datetime) -> None:
        self.as_of = as_of
        self.day = as_of.astimezone(UTC).date()
        self.recent = trailing_window(as_of, RECENT_DAYS)
        self.upcoming = leading_window(as_of, UPCOMING_DAYS)
        lower, upper = window_bounds(*self.recent)
        self.naive_as_of = as_of.astimezone(UTC).replace(tzinfo=None)
        self.lower = lower.replace(tzinfo=None)
        self.upper = upper.replace(tzinfo=None)
        self.days = [self.recent[0] + timedelta(days=n) for n in range(RECENT_DAYS)]


def by_day(counts: dict[date, int], windows: Windows) -> tuple[int, ...]:
    return tuple(int(counts.get(day, 0)) for day in windows.days)


def cockpit(engine: Engine, windows: Windows) -> dict[str, Any]:
    """What the Overview page calls."""
    summary = kpi.overview(
        engine, as_of=windows.as_of, recent_days=RECENT_DAYS, upcoming_days=UPCOMING_DAYS
    )
    daily = kpi.tickets_created_by_day(engine, *summary.recent)
    return {
        "accounts": summary.accounts,
        "arr_cents": summary.arr_cents,
        "backlog_open": summary.backlog_open,
        "tickets_created": summary.tickets_created,
        "csat_share": summary.csat.share,
        "csat_avg": summary.csat.average,
        "csat_responses": summary.csat.responses,
        "nps": summary.nps.value,
        "nps_responses": summary.nps.responses,
        "renewals_due_arr_cents": summary.renewals_due_arr_cents,
        "tickets_by_day": by_day(
            dict(zip(daily["day"].dt.date, daily["tickets"], strict=True)), windows
        ),
    }


DUCKDB_FIGURES = """
SELECT
    (SELECT count(*) FROM accounts) AS accounts,
    (SELECT coalesce(sum(arr_cents), 0) FROM subscriptions
        WHERE start_date <= $day AND (end_date IS NULL OR end_date > $day)) AS arr_cents,
    (SELECT count(*) FROM tickets
        WHERE created_at <= $as_of AND (resolved_at IS NULL OR resolved_at > $as_of))
        AS backlog_open,
    (SELECT coalesce(sum(current_arr_cents), 0) FROM renewals
        WHERE outcome IS NULL AND renewal_date BETWEEN $due_start AND $due_end)
        AS renewals_due_arr_cents
"""
DUCKDB_SURVEYS = """
SELECT survey_type, count(*) AS responses, sum(score) AS total,
    count(*) FILTER (WHERE score >= 4) AS satisfied,
    count(*) FILTER (WHERE score >= 9) AS promoters,
    count(*) FILTER (WHERE score <= 6) AS detractors
FROM survey_responses
WHERE survey_type IN ('csat', 'nps') AND responded_at >= $lower AND responded_at < $upper
GROUP BY survey_type
"""
DUCKDB_DAILY = """
SELECT CAST(created_at AS DATE) AS day, count(*) AS tickets
FROM tickets WHERE created_at >= $lower AND created_at < $upper
GROUP BY day
"""


def duckdb_views(paths: dict[str, Path]) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with one view per exported Parquet file."""
    connection = duckdb.connect()
    for table, path in paths.items():
        connection.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{path}')")
    return connection


def with_duckdb(connection: duckdb.DuckDBPyConnection, windows: Windows) -> dict[str, Any]:
    """The same figures in hand-written DuckDB SQL over the Parquet files."""
    figures = connection.execute(
        DUCKDB_FIGURES,
        {
            "day": windows.day,
            "as_of": windows.naive_as_of,
            "due_start": windows.upcoming[0],
            "due_end": windows.upcoming[1],
        },
    ).fetchone()
    accounts, arr_cents, backlog, renewals_due = figures
    window = {"lower": windows.lower, "upper": windows.upper}
    surveys = {row[0]: row[1:] for row in connection.execute(DUCKDB_SURVEYS, window).fetchall()}
    daily = dict(connection.execute(DUCKDB_DAILY, window).fetchall())
    return {
        "accounts": accounts,
        "arr_cents": int(arr_cents),
        "backlog_open": backlog,
        **survey_figures(surveys),
        "renewals_due_arr_cents": int(renewals_due),
        "tickets_created": sum(daily.values()),
        "tickets_by_day": by_day(daily, windows),
    }


def survey_figures(surveys: dict[str, tuple[int, int, int, int, int]]) -> dict[str, Any]:
    """CSAT and NPS from (responses, Σ score, satisfied, promoters, detractors) per type."""
    csat_n, csat_total, satisfied, _, _ = surveys.get("csat", (0, 0, 0, 0, 0))
    nps_n, _, _, promoters, detractors = surveys.get("nps", (0, 0, 0, 0, 0))
    return {
        "csat_share": satisfied / csat_n if csat_n else None,
        "csat_avg": int(csat_total) / csat_n if csat_n else None,
        "csat_responses": int(csat_n),
        "nps": 100 * (promoters - detractors) / nps_n if nps_n else None,
        "nps_responses": int(nps_n),
    }


def naive(engine: Engine, windows: Windows) -> dict[str, Any]:
    """Every table read whole into pandas, then the figures computed in pandas."""
    with engine.connect() as connection:
        tables = {table: pd.read_sql_table(table, connection) for table in EXPORTS}
    subscriptions, tickets = tables["subscriptions"], tables["tickets"]
    surveys, renewals = tables["survey_responses"], tables["renewals"]
    day = pd.Timestamp(windows.day)
    as_of = pd.Timestamp(windows.naive_as_of)
    lower, upper = pd.Timestamp(windows.lower), pd.Timestamp(windows.upper)

    starts = pd.to_datetime(subscriptions["start_date"])
    ends = pd.to_datetime(subscriptions["end_date"])
    active = (starts <= day) & (ends.isna() | (ends > day))
    created = pd.to_datetime(tickets["created_at"])
    resolved = pd.to_datetime(tickets["resolved_at"])
    backlog = (created <= as_of) & (resolved.isna() | (resolved > as_of))
    recent = created[(created >= lower) & (created < upper)]
    daily = recent.dt.date.value_counts().to_dict()
    responded = pd.to_datetime(surveys["responded_at"])
    in_window = surveys[(responded >= lower) & (responded < upper)]
    by_type = {}
    for kind in ("csat", "nps"):
        scores = in_window.loc[in_window["survey_type"] == kind, "score"]
        by_type[kind] = (
            len(scores),
            int(scores.sum()),
            int((scores >= 4).sum()),
            int((scores >= 9).sum()),
            int((scores <= 6).sum()),
        )
    due = pd.to_datetime(renewals["renewal_date"]).dt.date
    open_due = renewals["outcome"].isna() & (due >= windows.upcoming[0])
    open_due &= due <= windows.upcoming[1]
    return {
        "accounts": len(tables["accounts"]),
        "arr_cents": int(subscriptions.loc[active, "arr_cents"].sum()),
        "backlog_open": int(backlog.sum()),
        "tickets_created": len(recent),
        **survey_figures(by_type),
        "renewals_due_arr_cents": int(renewals.loc[open_due, "current_arr_cents"].sum()),
        "tickets_by_day": by_day(daily, windows),
    }


# --- the run --------------------------------------------------------------------------------


def same(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """The keys whose values differ (floats to 1e-12 relative)."""
    differ = []
    for key, value in expected.items():
        other = actual.get(key)
        if isinstance(value, float) and isinstance(other, float):
            if not math.isclose(value, other, rel_tol=1e-12):
                differ.append(key)
        elif value != other:
            differ.append(key)
    return differ


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(demo.SCALES), default="L", type=str.upper)
    parser.add_argument("--db-url", default=None, help="default: bench/out/demo-<scale>.db")
    parser.add_argument("--as-of", type=datetime.fromisoformat, default=None)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--naive-repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=OUT, help="where the Parquet files go")
    args = parser.parse_args()

    db_url = args.db_url or f"sqlite:///{(OUT / f'demo-{args.scale}.db').as_posix()}"
    engine, today = prepare(db_url, args.scale)
    as_of = args.as_of or datetime.combine(today, datetime.min.time())
    windows = Windows(as_of if as_of.tzinfo else as_of.replace(tzinfo=UTC))

    started = time.perf_counter()
    paths = export_parquet(engine, args.out / f"overview-{args.scale}")
    print(f"exported {len(paths)} tables to Parquet in {time.perf_counter() - started:.1f} s")
    connection = duckdb_views(paths)

    print(f"as_of {windows.as_of.isoformat()}, repeats {args.repeats} (naive {args.naive_repeats})")
    cs_time, cs_values = median_seconds(lambda: cockpit(engine, windows), args.repeats)
    duck_time, duck_values = median_seconds(lambda: with_duckdb(connection, windows), args.repeats)
    naive_time, naive_values = median_seconds(lambda: naive(engine, windows), args.naive_repeats)
    connection.close()
    engine.dispose()

    for name, values in (("DuckDB", duck_values), ("naive pandas", naive_values)):
        differ = same(cs_values, values)
        if differ:
            details = "; ".join(f"{k}: {cs_values[k]!r} != {values.get(k)!r}" for k in differ)
            raise SystemExit(f"CS Cockpit and {name} disagree: {details}")
    print("the three implementations agree:")
    for key, value in cs_values.items():
        shown = f"{sum(value):,} over {len(value)} days" if key == "tickets_by_day" else value
        print(f"  {key:<24} {shown}")
    backend = make_url(db_url).get_backend_name()
    for label, figure in (
        (f"CS Cockpit ({backend})", f"{cs_time * 1000:9.1f} ms"),
        ("DuckDB (Parquet)", f"{duck_time * 1000:9.1f} ms"),
        ("naive pandas", f"{naive_time * 1000:9.1f} ms"),
        ("CS Cockpit / DuckDB", f"{cs_time / duck_time:9.2f} ×  (target ≤ 2)"),
        ("naive / CS Cockpit", f"{naive_time / cs_time:9.1f} ×  (target ≥ 20)"),
    ):
        print(f"{label:<24} {figure}")


if __name__ == "__main__":
    main()
