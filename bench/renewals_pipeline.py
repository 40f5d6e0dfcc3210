"""Benchmark: the renewal pipeline, its as-of reconstruction and the forecast page's figures,
each as a ratio to a plain query over the same rows in the same run.

    .venv/bin/python bench/renewals_pipeline.py --scale L

Scenarios (median of ``--repeats`` runs after a warm-up), each against its baseline:

1. **pipeline with filters**: one page of ``queries.list_renewals`` (due in the next two
   quarters, open only, stage in proposal/negotiation/verbal commit, sorted by expected ARR)
   plus ``pipeline_totals`` — against a plain ``SELECT`` of the renewals due in that window;
2. **as-of pipeline**: every renewal as known 90 days ago (``queries.all_renewals`` with
   ``as_of``) — against a plain ``SELECT`` of every renewal;
3. **forecast page**: ``forecast.forecast`` (total, by month, by segment, targets),
   ``forecast.movement`` and ``forecast.calibration`` for the current quarter — against a
   plain ``SELECT`` of the quarter's renewals.

The database (default ``bench/out/demo-<scale>.db``) is filled with demo data when empty and
reused when it already holds the demo data of the same scale (as ``bench/kpi_overview.py``).
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, time, timedelta

from common import OUT, median_seconds
from kpi_overview import prepare
from sqlalchemy import Engine, select

from cs_data.auth import operator
from cs_data.fiscal import quarter_of
from cs_data.models import Renewal
from cs_data.renewals import forecast, queries


def plain(engine: Engine, *conditions) -> int:
    """The baseline: every column of the selected renewals, fetched."""
    with engine.connect() as connection:
        return len(connection.execute(select(Renewal).where(*conditions)).all())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="L", choices=("S", "M", "L"))
    parser.add_argument("--db-url", default=None, help="default: bench/out/demo-<scale>.db")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    db_url = args.db_url or f"sqlite:///{(OUT / f'demo-{args.scale}.db').as_posix()}"
    engine, day = prepare(db_url, args.scale)
    actor = operator()
    now = datetime.combine(day, time(12), UTC)
    quarter = quarter_of(day)
    due_to = quarter.next().end
    where = queries.RenewalFilter(
        due_from=day,
        due_to=due_to,
        open_only=True,
        stages=("proposal", "negotiation", "verbal_commit"),
    )

    def pipeline() -> int:
        page = queries.list_renewals(
            engine, actor, where, today=day, sort="expected_arr", descending=True
        )
        queries.pipeline_totals(engine, actor, where, today=day)
        return page.total

    def as_of_pipeline() -> int:
        past = now - timedelta(days=90)
        return sum(1 for _ in queries.all_renewals(engine, actor, as_of=past, today=day))

    def forecast_page() -> int:
        result = forecast.forecast(engine, actor, quarter)  # as the page asks: as stored now
        forecast.movement(engine, actor, quarter, now=now)
        forecast.calibration(engine, actor, as_of=now)
        return result.total.renewals

    scenarios = [
        (
            "pipeline with filters (page + totals)",
            pipeline,
            lambda: plain(engine, Renewal.renewal_date >= day, Renewal.renewal_date <= due_to),
        ),
        ("as-of pipeline, every renewal 90 days ago", as_of_pipeline, lambda: plain(engine)),
        (
            "forecast page (figures, movement, calibration)",
            forecast_page,
            lambda: plain(
                engine,
                Renewal.renewal_date >= quarter.start,
                Renewal.renewal_date <= quarter.end,
            ),
        ),
    ]
    print(f"scale {args.scale}, data of {day}, {args.repeats} repeats, quarter {quarter.label}")
    print(f"{'scenario':<48} {'rows':>7} {'cockpit':>9} {'plain':>9} {'ratio':>7}")
    for name, run, baseline in scenarios:
        seconds, rows = median_seconds(run, args.repeats)
        base_seconds, base_rows = median_seconds(baseline, args.repeats)
        print(
            f"{name:<48} {rows:>7,} {seconds * 1000:>7.0f}ms {base_seconds * 1000:>7.0f}ms "
            f"{seconds / base_seconds:>6.1f}×  (plain rows {base_rows:,})"
        )
    engine.dispose()


if __name__ == "__main__":
    main()
