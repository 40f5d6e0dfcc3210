"""The forecast on screen: cached loaders, the figure cards, charts and tables of the Forecast
page. Money in whole currency units, rates in percent; account names shown as text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import streamlit as st

from cs_data.auth import Actor
from cs_data.config import Settings
from cs_data.data_versions import RENEWAL_TABLES
from cs_data.db import get_engine
from cs_data.fiscal import Quarter, parse_quarter
from cs_data.money import cents_to_decimal
from cs_data.renewals import forecast, queries
from ui import card_grid, charts
from ui.card_grid import Card
from ui.i18n import (
    currency_symbol,
    format_count,
    format_date,
    format_money,
    format_month,
    format_percent,
    label,
    t,
)
from ui.page_data import CACHE_TTL_SECONDS, DataKey, page_data

AT_RISK_ROWS = 25
FIGURES_PER_ROW = 3


@st.cache_data(ttl=3600, show_spinner=False)
def weekly_snapshots(database_key: str, week: str) -> int:
    """Take this ISO week's automatic snapshots when missing (once per process and week; the
    unique key keeps it to one per quarter and week across processes too)."""
    return forecast.ensure_weekly_snapshots(get_engine())


def this_week(now: datetime) -> str:
    year, week, _ = now.astimezone(UTC).isocalendar()
    return f"{year}-W{week:02d}"


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=32, show_spinner=False)
def load_forecast(
    key: DataKey, _actor: Actor, quarter: Quarter, segment: str | None, week: str
) -> tuple[forecast.Forecast, forecast.Movement, list[queries.RenewalRow]]:
    """The quarter's figures, its snapshots and the at-risk renewals behind its at-risk ARR."""
    engine = get_engine()
    result = forecast.forecast(engine, _actor, quarter, segment=segment)
    moved = forecast.movement(engine, _actor, quarter, segment=segment)
    at_risk = queries.list_renewals(
        engine,
        _actor,
        queries.RenewalFilter(
            due_from=quarter.start, due_to=quarter.end, segment=segment, at_risk_only=True
        ),
        sort="current_arr",
        descending=True,
        page_size=AT_RISK_ROWS,
    )
    return result, moved, at_risk.rows


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def load_calibration(key: DataKey, _actor: Actor, day: date) -> list[forecast.CalibrationRow]:
    return forecast.calibration(get_engine(), _actor)


@dataclass(frozen=True)
class ForecastData:
    """What the page shows of a quarter and segment."""

    result: forecast.Forecast
    moved: forecast.Movement
    at_risk: list[queries.RenewalRow]
    calibration: list[forecast.CalibrationRow]


def load(
    settings: Settings, actor: Actor, quarter: Quarter, segment: str | None, now: datetime
) -> ForecastData:
    """The page's figures now, through the caches: this week's snapshots taken first (they
    change the data version), then the forecast and the calibration. The page and the
    server's warm-up (``ui.warm_up``: the executives' landing page) both load through here."""
    week = this_week(now)
    weekly_snapshots(settings.database_url, week)
    data = page_data(settings, RENEWAL_TABLES)
    result, moved, at_risk = load_forecast(data.key, actor, quarter, segment, week)
    return ForecastData(result, moved, at_risk, load_calibration(data.key, actor, now.date()))


QUARTER_PARAM = "quarter"
"""The query parameter holding the quarter shown (``2026Q3``), so a reload or a shared link
shows the same quarter; absent for the current one."""


def quarter_from_url(quarters: list[Quarter], current: Quarter) -> Quarter:
    """The quarter the URL names when it is one of ``quarters``, else ``current``."""
    try:
        wanted = parse_quarter(st.query_params.get(QUARTER_PARAM, ""))
    except ValueError:
        return current
    return wanted if wanted in quarters else current


def keep_quarter_in_url(quarter: Quarter, current: Quarter) -> None:
    """Name ``quarter`` in the URL (nothing for the current quarter)."""
    if quarter == current:
        st.query_params.pop(QUARTER_PARAM, None)
    elif st.query_params.get(QUARTER_PARAM) != quarter.label:
        st.query_params[QUARTER_PARAM] = quarter.label


FIGURE_KEYS = ("closed_won", "commit", "best_case", "pipeline", "weighted", "at_risk")


def figure_cards(figures: forecast.Figures) -> None:
    """The nine figures as one card grid, three to a row (a compact amount such as
    ``US$190.1만`` needs a third of the width): the six amounts, each with its exact amount and
    definition as help, then the renewal rates and the open renewals."""
    amounts = [
        Card(
            t(f"forecast.{key}"),
            format_money(cents, compact=True),
            help=t("forecast.exact", amount=format_money(cents))
            + "\n\n"
            + t(f"forecast.{key}.help"),
        )
        for key, cents in ((key, getattr(figures, key)) for key in FIGURE_KEYS)
    ]
    others = [
        Card(
            t("forecast.rate_count"),
            format_percent(figures.renewal_rate_count),
            help=t(
                "forecast.rate_count.help",
                won=format_count(figures.won),
                lost=format_count(figures.lost),
            ),
        ),
        Card(
            t("forecast.rate_arr"),
            format_percent(figures.renewal_rate_arr),
            help=t("forecast.rate_arr.help"),
        ),
        Card(
            t("forecast.open"),
            format_count(figures.open),
            help=t("forecast.open.help", count=format_count(figures.at_risk_count)),
        ),
    ]
    card_grid.show([*amounts, *others], per_row=FIGURES_PER_ROW)


def targets_frame(lines: list[forecast.TargetLine]) -> pd.DataFrame:
    def shown(kpi: str, value: Any) -> str:
        if value is None:
            return t("fmt.none")
        return (
            format_percent(value) if kpi.startswith("renewal_rate") else format_money(round(value))
        )

    return pd.DataFrame(
        {
            t("forecast.target_name"): [line.name for line in lines],
            t("forecast.goal"): [shown(line.kpi, line.target_value) for line in lines],
            t("forecast.now"): [shown(line.kpi, line.value) for line in lines],
            t("forecast.status"): [
                t("forecast.met")
                if line.value is not None
                and (
                    line.value >= line.target_value
                    if line.direction == "at_least"
                    else line.value <= line.target_value
                )
                else t("forecast.behind")
                for line in lines
            ],
        }
    )


def _dollars(cents: int) -> float:
    return float(cents_to_decimal(cents))


def month_chart(result: forecast.Forecast) -> Any:
    rows = [
        {
            "month": format_month(first),
            "figure": t(f"forecast.{key}"),
            "value": _dollars(getattr(figures, key)),
        }
        for first, figures in result.by_month
        for key in ("closed_won", "commit", "weighted", "pipeline")
    ]
    return charts.category_bars(
        pd.DataFrame(rows),
        category="month",
        value="value",
        color="figure",
        title=t("forecast.by_month"),
        subtitle=t("forecast.by_month.sub"),
        category_title=t("forecast.month"),
        value_title=t("forecast.money_axis", currency=currency_symbol()),
        value_format=charts.MONEY,
        color_title=t("forecast.figure"),
    )


def segment_frame(result: forecast.Forecast) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "segment": [label("segment", name or "") for name, _ in result.by_segment],
            **{
                key: [format_money(getattr(f, key)) for _, f in result.by_segment]
                for key in FIGURE_KEYS
            },
            "rate": [format_percent(f.renewal_rate_arr) for _, f in result.by_segment],
        }
    ).rename(
        columns={key: t(f"forecast.{key}") for key in FIGURE_KEYS}
        | {
            "segment": t("forecast.segment"),
            "rate": t("forecast.rate_arr"),
        }
    )


def movement_chart(moved: forecast.Movement) -> Any:
    frame = pd.DataFrame(
        {
            "taken": [s.taken_at.replace(tzinfo=None) for s in moved.snapshots],
            **{
                key: [_dollars(getattr(s, key)) for s in moved.snapshots]
                for key in ("closed_won", "commit", "best_case", "pipeline", "weighted")
            },
        }
    )
    series = {
        key: t(f"forecast.{key}")
        for key in ("closed_won", "commit", "best_case", "pipeline", "weighted")
    }
    if moved.final_closed_won is not None:
        frame["final"] = _dollars(moved.final_closed_won)
        series["final"] = t("forecast.final_closed_won")
    return charts.trend_lines(
        frame,
        period="taken",
        series=series,
        title=t("forecast.movement"),
        subtitle=t("forecast.movement.sub"),
        period_title=t("forecast.snapshot_day"),
        value_title=t("forecast.money_axis", currency=currency_symbol()),
        value_format=charts.MONEY,
    )


def accuracy_frame(moved: forecast.Movement) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("forecast.snapshot_day"): [format_date(s.taken_at.date()) for s in moved.snapshots],
            t("forecast.weighted"): [format_money(s.weighted) for s in moved.snapshots],
            t("forecast.accuracy"): [format_percent(a) for a in moved.accuracy],
        }
    )


def calibration_frame(rows: list[forecast.CalibrationRow]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("forecast.stage"): [label("stage", r.stage) for r in rows],
            t("forecast.configured"): [format_percent(r.configured, digits=0) for r in rows],
            t("forecast.observed"): [format_percent(r.win_rate) for r in rows],
            t("forecast.count"): [format_count(r.count) for r in rows],
        }
    )


def at_risk_frame(rows: list[queries.RenewalRow]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("renewals.col_id"): [r.id for r in rows],
            t("renewals.col_account"): [r.account_name for r in rows],
            t("renewals.col_renewal_date"): [format_date(r.renewal_date) for r in rows],
            t("renewals.col_current_arr"): [format_money(r.current_arr_cents) for r in rows],
            t("renewals.col_risk"): [label("risk", r.risk) if r.risk else "" for r in rows],
            t("renewals.col_health"): [
                label("band", r.health_band) if r.health_band else "" for r in rows
            ],
            t("renewals.col_owner"): [r.owner_name or "" for r in rows],
        }
    )
