"""Renewal KPIs: renewal rates, weighted forecast, forecast categories and ARR at risk."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Connection, FromClause, case, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from cs_data.kpi.scope import NO_FILTER, KpiFilter, Window, make_window
from cs_data.kpi.sql import Bind, account_conditions, as_int, bucket_index, connect, ratio
from cs_data.models import HealthSnapshot, Renewal
from cs_data.renewals.probabilities import get_stage_probabilities

AT_RISK_LEVEL = "high"
AT_RISK_BAND = "red"
COMMIT_CATEGORIES = ("commit",)
BEST_CASE_CATEGORIES = ("commit", "best_case")
PIPELINE_CATEGORIES = ("commit", "best_case", "pipeline")
OMITTED_CATEGORY = "omitted"


RENEWAL_KPI_KEYS = (
    "renewal_rate_count",
    "renewal_rate_arr",
    "weighted_forecast_arr",
    "commit_arr",
    "best_case_arr",
    "pipeline_arr",
    "at_risk_arr",
)
"""The KPIs ``renewal_stats`` returns; ``renewal_figures`` adds the counts behind them."""


def _columns(source: FromClause | None) -> Any:
    """The renewal columns of ``source`` (a selectable shaped like ``renewals``, such as the
    pipeline as of a past instant), or of the renewals table itself."""
    return (source if source is not None else Renewal.__table__).c


def stage_probability(renewal: Any, probabilities: Mapping[str, float]) -> ColumnElement[float]:
    """The explicit probability of ``renewal`` (its columns), or its stage's configured one
    (``probabilities``, from ``get_stage_probabilities``)."""
    by_stage = case(
        *((renewal.stage == stage, p) for stage, p in probabilities.items()),
        else_=0.0,
    )
    return func.coalesce(renewal.probability, by_stage)


def health_band(account_id: ColumnElement[Any], as_of_day: date) -> ColumnElement[str]:
    """The band of the account's latest health snapshot on or before ``as_of_day``."""
    return (
        select(HealthSnapshot.band)
        .where(
            HealthSnapshot.account_id == account_id,
            HealthSnapshot.snapshot_date <= as_of_day,
        )
        .order_by(HealthSnapshot.snapshot_date.desc())
        .limit(1)
        .scalar_subquery()
    )


def at_risk(renewal: Any, as_of_day: date) -> ColumnElement[int]:
    """1 when the renewal's risk is high or its account's latest health band (snapshot on or
    before ``as_of_day``) is red."""
    band = health_band(renewal.account_id, as_of_day)
    return case((or_(renewal.risk == AT_RISK_LEVEL, band == AT_RISK_BAND), 1), else_=0)


def _cents(amount: Decimal) -> int:
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def renewal_stats(
    connection: Connection, windows: Sequence[Window], filters: KpiFilter
) -> list[dict[str, Any]]:
    """Per window (renewals due in it, by ``renewal_date``): the renewal KPIs (see
    ``renewal_figures``) and ``renewals_closed`` (won + lost, the basis of the rates)."""
    return [
        {
            **{key: figures[key] for key in RENEWAL_KPI_KEYS},
            "renewals_closed": figures["won"] + figures["lost"],
        }
        for figures in renewal_figures(connection, windows, filters)
    ]


def renewal_figures(
    connection: Connection,
    windows: Sequence[Window],
    filters: KpiFilter,
    *,
    source: FromClause | None = None,
    probabilities: Mapping[str, float] | None = None,
) -> list[dict[str, Any]]:
    """Per window (renewals due in it, by ``renewal_date``): the renewal KPIs plus
    ``closed_won_arr`` (Σ renewed_arr of the won) and the counts ``renewals``, ``won``,
    ``lost``, ``open`` and ``at_risk``, from one query grouped by window, outcome, forecast
    category, probability and risk; the windows share ``as_of`` (the day of the health band
    that marks an account at risk). ``source``: renewals shaped like the table (default the
    table itself), e.g. the pipeline as the system knew it at an earlier instant.
    ``probabilities``: the stage probabilities (default: as configured now)."""
    renewal = _columns(source)
    if probabilities is None:
        probabilities = get_stage_probabilities(connection)
    renewed = func.coalesce(renewal.renewed_arr_cents, 0)
    rows = (
        select(
            bucket_index(renewal.renewal_date, [w.end + timedelta(days=1) for w in windows]).label(
                "bucket"
            ),
            renewal.outcome.label("outcome"),
            renewal.forecast_category.label("category"),
            stage_probability(renewal, probabilities).label("probability"),
            at_risk(renewal, windows[0].as_of_day).label("at_risk"),
            renewal.current_arr_cents.label("current"),
            func.coalesce(renewal.expected_arr_cents, renewal.current_arr_cents).label("expected"),
            renewed.label("renewed"),
            case(
                (renewed < renewal.current_arr_cents, renewed), else_=renewal.current_arr_cents
            ).label("kept"),
        )
        .where(
            renewal.renewal_date >= windows[0].start,
            renewal.renewal_date <= windows[-1].end,
            *account_conditions(renewal.account_id, filters),
        )
        .subquery()
    )
    keys = (rows.c.bucket, rows.c.outcome, rows.c.category, rows.c.probability, rows.c.at_risk)
    stmt = select(
        *keys,
        func.count().label("renewals"),
        func.sum(rows.c.current).label("current"),
        func.sum(rows.c.expected).label("expected"),
        func.sum(rows.c.renewed).label("renewed"),
        func.sum(rows.c.kept).label("kept"),
    ).group_by(*keys)
    groups = defaultdict(list)
    for row in connection.execute(stmt):
        groups[row.bucket].append(row)
    return [_summarise(groups.get(index, [])) for index in range(len(windows))]


def _summarise(rows: list[Any]) -> dict[str, Any]:
    won = [r for r in rows if r.outcome == "won"]
    lost = [r for r in rows if r.outcome == "lost"]
    open_ = [r for r in rows if r.outcome is None]
    won_count = sum(int(r.renewals) for r in won)
    lost_count = sum(int(r.renewals) for r in lost)
    closed_count = won_count + lost_count
    won_arr = sum(as_int(r.renewed) for r in won)

    def expected(categories: Sequence[str]) -> int:
        return sum(as_int(r.expected) for r in open_ if r.category in categories) + won_arr

    weighted = sum(
        (
            Decimal(str(float(r.probability))) * as_int(r.expected)
            for r in open_
            if r.category != OMITTED_CATEGORY
        ),
        Decimal(0),
    )
    return {
        "renewal_rate_count": ratio(won_count, closed_count),
        "renewal_rate_arr": ratio(
            sum(as_int(r.kept) for r in won), sum(as_int(r.current) for r in won + lost)
        ),
        "weighted_forecast_arr": _cents(weighted) + won_arr,
        "commit_arr": expected(COMMIT_CATEGORIES),
        "best_case_arr": expected(BEST_CASE_CATEGORIES),
        "pipeline_arr": expected(PIPELINE_CATEGORIES),
        "at_risk_arr": sum(as_int(r.current) for r in open_ if r.at_risk),
        "closed_won_arr": won_arr,
        "renewals": sum(int(r.renewals) for r in rows),
        "won": won_count,
        "lost": lost_count,
        "open": sum(int(r.renewals) for r in open_),
        "at_risk": sum(int(r.renewals) for r in open_ if r.at_risk),
    }


def renewals_due_arr(bind: Bind, start: date, end: date, *, filters: KpiFilter = NO_FILTER) -> int:
    """Σ current ARR (cents) of open renewals (no outcome yet) with renewal_date in the window."""
    make_window(start, end)
    stmt = select(func.coalesce(func.sum(Renewal.current_arr_cents), 0)).where(
        Renewal.outcome.is_(None),
        Renewal.renewal_date >= start,
        Renewal.renewal_date <= end,
        *account_conditions(Renewal.account_id, filters),
    )
    with connect(bind) as connection:
        return as_int(connection.execute(stmt).scalar_one())
