"""Benchmark: the Overview page's KPI computation against DuckDB and naive pandas.

    .venv/bin/python bench/kpi_overview.py --scale L

The Overview computation is everything the page loads for one ``as_of`` (default: the day
the demo data ends, 00:00 UTC), that is ``kpi.overview(engine, as_of=…)``:

- ``accounts``; ``arr_cents`` (``arr_total`` on the UTC day of ``as_of``);
  ``renewals_due_arr_cents`` (open renewal ARR due in the 90 days from the day of ``as_of``)
  and ``at_risk_arr_cents`` (``at_risk_arr`` over those 90 days);
- each card KPI (``kpi.CARD_KEYS``: tickets created, backlog, first response median, first
  response SLA, CSAT, NPS, GRR, NRR, logo churn, renewal rate by ARR) over the 30 whole UTC days
  ending on the day of ``as_of`` (``<key>``), over the 30 days before with ``as_of`` moved
  back 30 days (``<key>.previous``) and its trend (``<key>.series``: the sparkline, and the
  ticket chart): per day, week or month of the 30 days, the finest grain whose periods hold
  enough responses, tickets or renewals on average (``density.trend_grain``, judged on the
  count each implementation finds itself), each with the count behind it; GRR, NRR and logo
  churn over the trailing 365 days at each of the last 12 month ends.

Three implementations compute them in one run, each timed as the median of ``--repeats``
runs after a warm-up, and must give the same numbers:

1. CS Cockpit: ``kpi.overview`` on the database (exactly what the page calls);
2. DuckDB: hand-written SQL over the same tables exported to Parquet under ``bench/out/``;
3. naive pandas: ``pd.read_sql_table`` of the whole tables, then pandas and numpy.

The database (default ``bench/out/demo-<scale>.db``) is filled with demo data when empty and
reused when it already holds the demo data of the same scale.
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from common import OUT, median_seconds, prepare_demo
from sqlalchemy import Engine, make_url

from cs_data import demo, kpi
from cs_data.config import get_settings
from cs_data.domain import TICKET_PRIORITIES
from cs_data.kpi import density
from cs_data.kpi.scope import (
    GRAINS,
    end_of_day,
    leading_window,
    make_window,
    split_window,
    trailing_window,
)

RECENT_DAYS = 30
UPCOMING_DAYS = 90
NEVER = "9999-12-31"
"""Stands for a missing end (open subscription, unresolved ticket) in range comparisons."""

EXPORTS: dict[str, str] = {
    "accounts": "SELECT id FROM accounts",
    "subscriptions": "SELECT account_id, start_date, end_date, arr_cents FROM subscriptions",
    "tickets": "SELECT created_at, first_response_at, resolved_at, priority FROM tickets",
    "survey_responses": "SELECT survey_type, score, responded_at FROM survey_responses",
    "renewals": (
        "SELECT account_id, renewal_date, outcome, risk, current_arr_cents, renewed_arr_cents"
        " FROM renewals"
    ),
    "health_snapshots": "SELECT account_id, snapshot_date, band FROM health_snapshots",
}
"""The tables (and columns) the Overview figures read, as exported to Parquet."""
TIMESTAMPS = ("created_at", "first_response_at", "resolved_at", "responded_at")
DATES = ("start_date", "end_date", "renewal_date", "snapshot_date")
STRINGS = ("id", "account_id", "priority", "survey_type", "outcome", "risk", "band")


# --- the data -------------------------------------------------------------------------------


def read_table(connection: Any, query: str) -> pd.DataFrame:
    """A query's rows with timestamps as naive UTC, dates as dates and strings as strings."""
    frame = pd.read_sql_query(query, connection)
    for column in frame.columns:
        if column in TIMESTAMPS:
            frame[column] = pd.to_datetime(frame[column], format="ISO8601")
        elif column in DATES:
            frame[column] = pd.to_datetime(frame[column], format="ISO8601").dt.date
        elif column in STRINGS:
            frame[column] = frame[column].astype("string")
    return frame


def export_parquet(engine: Engine, directory: Path) -> dict[str, Path]:
    """Each table of ``EXPORTS`` as a Parquet file."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    with engine.connect() as connection:
        for table, query in EXPORTS.items():
            paths[table] = directory / f"{table}.parquet"
            read_table(connection, query).to_parquet(paths[table], index=False)
    return paths


# --- the windows ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """One window the figures are computed over: whole UTC days ``first..last``, the instant
    tickets are judged at (``as_of``) and the instant the backlog is counted at."""

    name: str
    first: date
    last: date
    as_of: datetime
    backlog_at: datetime

    @property
    def lower(self) -> datetime:
        return datetime.combine(self.first, datetime.min.time())

    @property
    def upper(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), datetime.min.time())

    @property
    def after(self) -> date:
        return self.last + timedelta(days=1)


class Windows:
    """The spans of one Overview computation (naive UTC): the recent window, the previous
    one, each day, week and month of the recent window, and the trailing year at each of the
    retention trend's month ends. Every implementation computes every card KPI over every
    span; ``figures`` picks each KPI's trend from them."""

    def __init__(self, as_of: datetime) -> None:
        self.as_of = as_of
        self.day = as_of.astimezone(UTC).date()
        self.upcoming = leading_window(as_of, UPCOMING_DAYS)
        naive = as_of.astimezone(UTC).replace(tzinfo=None)
        first, last = trailing_window(as_of, RECENT_DAYS)
        shift = timedelta(days=RECENT_DAYS)
        self.recent = (first, last)
        self.current = Span("current", first, last, naive, naive)
        self.previous = Span("previous", first - shift, last - shift, naive - shift, naive - shift)
        recent = make_window(first, last, as_of)
        self.periods: dict[str, list[Span]] = {
            grain: [
                Span(
                    f"{grain} {b.start}",
                    b.start,
                    b.end,
                    naive,
                    min(end_of_day(b.end).replace(tzinfo=None), naive),
                )
                for b in split_window(recent, grain)
            ]
            for grain in GRAINS
        }
        self.periods["trailing year"] = [
            Span(f"year to {day}", *density.trend_window(day), naive, naive)
            for day in density.retention_trend_days(first, last)
        ]
        self.spans = [self.current, self.previous, *(s for p in self.periods.values() for s in p)]

    def series_spans(self, key: str, n_current: int | None) -> list[int]:
        """The indexes in ``spans`` of ``key``'s trend, whose grain depends on the count the
        current window's value stands on."""
        if key in density.BASIS and density.BASIS[key] == "cohort_accounts":
            chosen = self.periods["trailing year"]
        else:
            chosen = self.periods[density.trend_grain(key, *self.recent, n_current)]
        return [self.spans.index(span) for span in chosen]

    def frame(self) -> pd.DataFrame:
        """The spans as rows: k, first, last, after, lower, upper, as_of, backlog_at."""
        return pd.DataFrame(
            {
                "k": range(len(self.spans)),
                "first_day": [s.first for s in self.spans],
                "last_day": [s.last for s in self.spans],
                "after_day": [s.after for s in self.spans],
                "lower": [s.lower for s in self.spans],
                "upper": [s.upper for s in self.spans],
                "as_of": [s.as_of for s in self.spans],
                "as_of_day": [s.as_of.date() for s in self.spans],
                "backlog_at": [s.backlog_at for s in self.spans],
            }
        )


def figures(
    windows: Windows,
    values: dict[str, list[Any]],
    counts: dict[str, list[int | None]],
    headline: dict[str, int],
) -> dict[str, Any]:
    """The figures by name from each card KPI's value and the count behind it per span of
    ``windows``: current, previous and its trend as (first day of the period or cohort,
    value, count)."""
    result: dict[str, Any] = dict(headline)
    for key in kpi.CARD_KEYS:
        result[key] = values[key][0]
        result[f"{key}.previous"] = values[key][1]
        result[f"{key}.series"] = tuple(
            (windows.spans[k].first, values[key][k], counts[key][k])
            for k in windows.series_spans(key, counts[key][0])
        )
    return result


def ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def sla_targets_ms() -> dict[str, int]:
    """First-response SLA target per priority, in milliseconds (null priority = normal)."""
    minutes = get_settings().sla_first_response_minutes
    return {priority: minutes[priority] * 60_000 for priority in TICKET_PRIORITIES}


# --- 1. CS Cockpit --------------------------------------------------------------------------


def cockpit(engine: Engine, windows: Windows) -> dict[str, Any]:
    """What the Overview page calls."""
    summary = kpi.overview(
        engine, as_of=windows.as_of, recent_days=RECENT_DAYS, upcoming_days=UPCOMING_DAYS
    )
    result: dict[str, Any] = {}
    for key in kpi.CARD_KEYS:
        change = summary.changes[key]
        frame = summary.series[key]
        result[key] = change.current
        result[f"{key}.previous"] = change.previous
        result[f"{key}.series"] = tuple(
            (start.date(), None if pd.isna(value) else value, None if pd.isna(n) else int(n))
            for start, value, n in zip(
                frame["period_start"], frame["value"], frame["n"], strict=True
            )
        )
    headline = {
        "accounts": summary.accounts,
        "arr_cents": summary.arr_cents,
        "renewals_due_arr_cents": summary.renewals_due_arr_cents,
        "at_risk_arr_cents": summary.at_risk_arr_cents,
    }
    return {**headline, **result}


# --- 2. DuckDB ------------------------------------------------------------------------------

DUCKDB_HEADLINE = f"""
SELECT
    (SELECT count(*) FROM accounts) AS accounts,
    (SELECT coalesce(sum(arr_cents), 0) FROM subscriptions
        WHERE start_date <= $day AND coalesce(end_date, DATE '{NEVER}') > $day) AS arr_cents,
    (SELECT coalesce(sum(current_arr_cents), 0) FROM renewals
        WHERE outcome IS NULL AND renewal_date BETWEEN $due_first AND $due_last)
        AS renewals_due_arr_cents
"""
DUCKDB_TICKETS = """
WITH timed AS (
    SELECT created_at,
        epoch_ms(first_response_at) - epoch_ms(created_at) AS frt,
        CASE coalesce(priority, 'normal')
            WHEN 'urgent' THEN $urgent WHEN 'high' THEN $high WHEN 'low' THEN $low
            ELSE $normal END AS target
    FROM tickets
)
SELECT w.k,
    count(*) AS tickets,
    count(t.frt) AS responded,
    quantile_cont(t.frt, 0.5) AS frt_median,
    count(*) FILTER (WHERE t.frt <= t.target) AS met,
    count(*) FILTER (
        WHERE t.frt > t.target
            OR (t.frt IS NULL AND epoch_ms(w.as_of) - epoch_ms(t.created_at) > t.target)
    ) AS breached
FROM spans w JOIN timed t ON t.created_at >= w.lower AND t.created_at < w.upper
GROUP BY w.k
"""
DUCKDB_BACKLOG = f"""
WITH candidates AS (  -- the tickets open at some instant between the first and the last
    SELECT created_at, coalesce(resolved_at, TIMESTAMP '{NEVER}') AS closed_at
    FROM tickets
    WHERE created_at <= (SELECT max(backlog_at) FROM spans)
        AND coalesce(resolved_at, TIMESTAMP '{NEVER}') > (SELECT min(backlog_at) FROM spans)
)
SELECT w.k, count(*) AS backlog
FROM spans w JOIN candidates t ON t.created_at <= w.backlog_at AND t.closed_at > w.backlog_at
GROUP BY w.k
"""
DUCKDB_SURVEYS = """
SELECT w.k,
    count(*) FILTER (WHERE s.survey_type = 'csat') AS csat_n,
    count(*) FILTER (WHERE s.survey_type = 'csat' AND s.score >= 4) AS satisfied,
    count(*) FILTER (WHERE s.survey_type = 'nps') AS nps_n,
    count(*) FILTER (WHERE s.survey_type = 'nps' AND s.score >= 9) AS promoters,
    count(*) FILTER (WHERE s.survey_type = 'nps' AND s.score <= 6) AS detractors
FROM spans w JOIN survey_responses s ON s.responded_at >= w.lower AND s.responded_at < w.upper
GROUP BY w.k
"""
DUCKDB_RETENTION = f"""
WITH days AS (SELECT first_day AS day FROM spans UNION SELECT after_day FROM spans),
arr AS (  -- each account's ARR on each day a window starts or ends
    SELECT d.day, s.account_id, sum(s.arr_cents) AS arr
    FROM days d JOIN subscriptions s
        ON s.start_date <= d.day AND coalesce(s.end_date, DATE '{NEVER}') > d.day
    GROUP BY d.day, s.account_id
),
cohorts AS (
    SELECT w.k, a.arr AS starting, coalesce(e.arr, 0) AS ending
    FROM spans w
    JOIN arr a ON a.day = w.first_day
    LEFT JOIN arr e ON e.day = w.after_day AND e.account_id = a.account_id
    WHERE a.arr > 0
)
SELECT k, count(*) AS cohort, sum(starting) AS starting, sum(ending) AS ending,
    sum(least(starting, ending)) AS kept, count(*) FILTER (WHERE ending = 0) AS churned
FROM cohorts
GROUP BY k
"""
DUCKDB_AT_RISK = """
WITH bands AS (  -- each account's latest health band on or before the day of as_of
    SELECT account_id, arg_max(band, snapshot_date) AS band
    FROM health_snapshots WHERE snapshot_date <= $day
    GROUP BY account_id
)
SELECT coalesce(sum(r.current_arr_cents), 0)
FROM renewals r LEFT JOIN bands b USING (account_id)
WHERE r.outcome IS NULL AND r.renewal_date BETWEEN $due_first AND $due_last
    AND (r.risk = 'high' OR b.band = 'red')
"""
DUCKDB_RENEWAL_RATE = """
SELECT w.k,
    sum(CASE WHEN r.outcome = 'won'
        THEN least(coalesce(r.renewed_arr_cents, 0), r.current_arr_cents) ELSE 0 END) AS kept,
    sum(r.current_arr_cents) AS closed,
    count(*) AS renewals_closed
FROM spans w JOIN renewals r ON r.renewal_date BETWEEN w.first_day AND w.last_day
WHERE r.outcome IN ('won', 'lost')
GROUP BY w.k
"""


def duckdb_views(paths: dict[str, Path]) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with one view per exported Parquet file (typed, so an
    empty table still compares as dates and strings)."""
    connection = duckdb.connect()
    for table, path in paths.items():
        columns = [
            f"CAST({c} AS DATE) AS {c}" if c in DATES else c for c in pd.read_parquet(path).columns
        ]
        select_list = ", ".join(columns)
        connection.execute(
            f"CREATE VIEW {table} AS SELECT {select_list} FROM read_parquet('{path}')"
        )
    return connection


def with_duckdb(connection: duckdb.DuckDBPyConnection, windows: Windows) -> dict[str, Any]:
    """The same figures in hand-written DuckDB SQL over the Parquet files."""
    connection.register("spans", windows.frame())
    headline = connection.execute(
        DUCKDB_HEADLINE,
        {"day": windows.day, "due_first": windows.upcoming[0], "due_last": windows.upcoming[1]},
    ).fetchone()

    def by_span(query: str, parameters: dict | None = None) -> dict[int, tuple]:
        rows = connection.execute(query, parameters or {}).fetchall()
        return {row[0]: row[1:] for row in rows}

    tickets = by_span(DUCKDB_TICKETS, sla_targets_ms())
    backlog = by_span(DUCKDB_BACKLOG)
    surveys = by_span(DUCKDB_SURVEYS)
    retention = by_span(DUCKDB_RETENTION)
    renewal_rate = by_span(DUCKDB_RENEWAL_RATE)
    values: dict[str, list[Any]] = {key: [] for key in kpi.CARD_KEYS}
    counts: dict[str, list[Any]] = {key: [] for key in kpi.CARD_KEYS}
    for k in range(len(windows.spans)):
        created, responded, frt_median, met, breached = tickets.get(k, (0, 0, None, 0, 0))
        csat_n, satisfied, nps_n, promoters, detractors = surveys.get(k, (0,) * 5)
        cohort, starting, ending, kept, churned = retention.get(k, (0, 0, 0, 0, 0))
        values["tickets_created"].append(created)
        values["backlog_open"].append(backlog.get(k, (0,))[0])
        values["frt_median_min"].append(None if frt_median is None else frt_median / 60_000)
        values["sla_frt_compliance"].append(ratio(met, met + breached))
        values["csat"].append(ratio(satisfied, csat_n))
        values["nps"].append(ratio(100 * (promoters - detractors), nps_n))
        values["grr"].append(ratio(int(kept or 0), int(starting or 0)))
        values["nrr"].append(ratio(int(ending or 0), int(starting or 0)))
        values["logo_churn_rate"].append(ratio(churned, cohort) if starting else None)
        kept_arr, closed_arr, closed = renewal_rate.get(k, (0, 0, 0))
        values["renewal_rate_arr"].append(ratio(int(kept_arr), int(closed_arr)))
        for key, count in (
            ("tickets_created", None),
            ("backlog_open", None),
            ("frt_median_min", responded),
            ("sla_frt_compliance", met + breached),
            ("csat", csat_n),
            ("nps", nps_n),
            ("grr", cohort),
            ("nrr", cohort),
            ("logo_churn_rate", cohort),
            ("renewal_rate_arr", closed),
        ):
            counts[key].append(count)
    due = {"day": windows.day, "due_first": windows.upcoming[0], "due_last": windows.upcoming[1]}
    ((at_risk,),) = connection.execute(DUCKDB_AT_RISK, due).fetchall()
    names = ("accounts", "arr_cents", "renewals_due_arr_cents")
    return figures(
        windows,
        values,
        counts,
        {
            **{n: int(v) for n, v in zip(names, headline, strict=True)},
            "at_risk_arr_cents": int(at_risk),
        },
    )


# --- 3. naive pandas ------------------------------------------------------------------------


def naive(engine: Engine, windows: Windows) -> dict[str, Any]:
    """Every table read whole into pandas, then each figure computed in pandas and numpy."""
    with engine.connect() as connection:
        tables = {table: read_table(connection, f"SELECT * FROM {table}") for table in EXPORTS}
    subscriptions, tickets = tables["subscriptions"], tables["tickets"]
    surveys, renewals = tables["survey_responses"], tables["renewals"]
    health = tables["health_snapshots"]
    never = date.fromisoformat(NEVER)
    sub_end = subscriptions["end_date"].fillna(never)
    resolved = tickets["resolved_at"].fillna(pd.Timestamp(NEVER))
    frt_ms = (tickets["first_response_at"] - tickets["created_at"]).dt.total_seconds() * 1000
    targets = tickets["priority"].fillna("normal").map(sla_targets_ms())

    def arr_by_account(day: date) -> pd.Series:
        active = (subscriptions["start_date"] <= day) & (sub_end > day)
        return subscriptions[active].groupby("account_id")["arr_cents"].sum()

    def red_accounts(day: date) -> set[str]:
        known = health[health["snapshot_date"] <= day].sort_values("snapshot_date")
        latest = known.groupby("account_id")["band"].last()
        return set(latest[latest == "red"].index)

    values: dict[str, list[Any]] = {key: [] for key in kpi.CARD_KEYS}
    counts: dict[str, list[Any]] = {key: [] for key in kpi.CARD_KEYS}
    for span in windows.spans:
        created = tickets["created_at"]
        in_span = (created >= span.lower) & (created < span.upper)
        frt = frt_ms[in_span].dropna()
        waited = (pd.Timestamp(span.as_of) - created[in_span]).dt.total_seconds() * 1000
        target = targets[in_span]
        met = int((frt_ms[in_span] <= target).sum())
        breached = int(
            ((frt_ms[in_span] > target) | (frt_ms[in_span].isna() & (waited > target))).sum()
        )
        at = pd.Timestamp(span.backlog_at)
        values["tickets_created"].append(int(in_span.sum()))
        values["backlog_open"].append(int(((created <= at) & (resolved > at)).sum()))
        values["frt_median_min"].append(
            float(np.percentile(frt, 50)) / 60_000 if len(frt) else None
        )
        values["sla_frt_compliance"].append(ratio(met, met + breached))

        answered = (surveys["responded_at"] >= span.lower) & (surveys["responded_at"] < span.upper)
        csat = surveys.loc[answered & (surveys["survey_type"] == "csat"), "score"]
        nps = surveys.loc[answered & (surveys["survey_type"] == "nps"), "score"]
        values["csat"].append(ratio(int((csat >= 4).sum()), len(csat)))
        values["nps"].append(ratio(100 * int((nps >= 9).sum() - (nps <= 6).sum()), len(nps)))

        starting = arr_by_account(span.first)
        starting = starting[starting > 0]
        ending = arr_by_account(span.after).reindex(starting.index, fill_value=0)
        total = int(starting.sum())
        values["grr"].append(ratio(int(np.minimum(starting, ending).sum()), total))
        values["nrr"].append(ratio(int(ending.sum()), total))
        values["logo_churn_rate"].append(ratio(int((ending == 0).sum()), len(starting)))

        in_span = (renewals["renewal_date"] >= span.first) & (renewals["renewal_date"] <= span.last)
        won = renewals[in_span & (renewals["outcome"] == "won")]
        closed = renewals[in_span & renewals["outcome"].isin(["won", "lost"])]
        kept = np.minimum(won["renewed_arr_cents"].fillna(0), won["current_arr_cents"])
        values["renewal_rate_arr"].append(
            ratio(int(kept.sum()), int(closed["current_arr_cents"].sum()))
        )
        for key, count in (
            ("tickets_created", None),
            ("backlog_open", None),
            ("frt_median_min", len(frt)),
            ("sla_frt_compliance", met + breached),
            ("csat", len(csat)),
            ("nps", len(nps)),
            ("grr", len(starting)),
            ("nrr", len(starting)),
            ("logo_churn_rate", len(starting)),
            ("renewal_rate_arr", len(closed)),
        ):
            counts[key].append(count)

    due = renewals[
        renewals["outcome"].isna()
        & (renewals["renewal_date"] >= windows.upcoming[0])
        & (renewals["renewal_date"] <= windows.upcoming[1])
    ]
    risky = (due["risk"] == "high").fillna(False) | due["account_id"].isin(
        red_accounts(windows.day)
    )
    headline = {
        "accounts": len(tables["accounts"]),
        "arr_cents": int(arr_by_account(windows.day).sum()),
        "renewals_due_arr_cents": int(due["current_arr_cents"].sum()),
        "at_risk_arr_cents": int(due.loc[risky, "current_arr_cents"].sum()),
    }
    return figures(windows, values, counts, headline)


# --- the run --------------------------------------------------------------------------------


def close(value: Any, other: Any) -> bool:
    """Equal, floats to 1e-12 relative (and 1e-12 absolute, for values that should be 0)."""
    if isinstance(value, float) and isinstance(other, float) and math.isnan(value):
        return math.isnan(other)
    if isinstance(value, tuple) and isinstance(other, tuple):
        return len(value) == len(other) and all(map(close, value, other))
    if isinstance(value, float) and isinstance(other, float | int):
        return math.isclose(value, other, rel_tol=1e-12, abs_tol=1e-12)
    return value == other


def differences(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """The figures whose values differ."""
    return [key for key, value in expected.items() if not close(value, actual.get(key))]


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
    engine, today = prepare_demo(db_url, args.scale)
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
        differ = differences(cs_values, values)
        if differ:
            details = "; ".join(f"{k}: {cs_values[k]!r} != {values.get(k)!r}" for k in differ)
            raise SystemExit(f"CS Cockpit and {name} disagree: {details}")
    print(f"the three implementations agree on {len(cs_values)} figures, among them:")
    for key in ("accounts", "arr_cents", "renewals_due_arr_cents", "at_risk_arr_cents"):
        print(f"  {key:<24} {cs_values[key]!r:>24}")
    for key in kpi.CARD_KEYS:
        print(f"  {key:<24} {cs_values[key]!r:>24}  previous {cs_values.get(key + '.previous')!r}")
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
