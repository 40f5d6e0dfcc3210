"""The Retention page's charts and table: retention and churn trends, ARR trend, the ARR
waterfall of the window and the churned accounts, from cs_data frames and records."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cs_data.kpi import density
from cs_data.kpi.retention_detail import ChurnedPage, Waterfall
from ui import charts
from ui.i18n import currency_symbol, label, money_column_format, t

CENTS_PER_DOLLAR = 100
STEPS = ("starting", "expansion", "contraction", "churn", "new", "ending")
COLORS = {"total": "#64748B", "increase": "#16A34A", "decrease": "#DC2626"}


def retention_trends(cohorts: pd.DataFrame, arr: pd.DataFrame, grain: str) -> None:
    """GRR and NRR, logo and revenue churn (shares) over the trailing year at each month end
    (``kpi.retention_trend``: one cohort per point, its accounts in the tooltip), and ARR
    (dollars) per period of ``grain``."""
    subtitle = t("retention.trend_year_subtitle")
    specs = (
        ("retention", ("grr", "nrr"), ".1%"),
        ("churn", ("logo_churn_rate", "revenue_churn_rate"), ".1%"),
    )
    basis = density.BASIS["grr"]
    for column, (name, keys, number) in zip(st.columns(2), specs, strict=True):
        chart = charts.trend_lines(
            cohorts,
            period="period_end",
            series={key: t(f"kpi_text.{key}") for key in keys},
            title=t(f"retention.trend_{name}"),
            subtitle=subtitle,
            period_title=t("retention.trend_point"),
            value_title=t("retention.share_axis"),
            value_format=number,
            zero=name == "churn",
            grain="month",
            counts={key: f"{key}_n" for key in keys},
            count_title=t(f"chart.basis.{basis}"),
            minimum=density.MINIMUM[basis],
        )
        with column.container(border=True):
            charts.show(chart)
    dollars = arr.assign(arr_total=arr["arr_total"] / CENTS_PER_DOLLAR)
    chart = charts.trend_lines(
        dollars,
        period="period_start",
        series={"arr_total": t("kpi_text.arr_total")},
        title=t("retention.trend_arr"),
        subtitle=t("retention.arr_subtitle", grain=t(f"filters.grain.{grain}")),
        period_title=t("chart.period_start"),
        value_title=t("retention.arr_axis", currency=currency_symbol()),
        value_format=charts.MONEY,
        zero=False,
        grain=grain,
    )
    with st.container(border=True):
        charts.show(chart)


def waterfall_chart(flow: Waterfall, subtitle: str) -> None:
    """Starting → expansion → contraction → churn → new → ending, in dollars."""
    signs = {"expansion": 1, "contraction": -1, "churn": -1, "new": 1}
    amounts = [signs.get(step, 1) * getattr(flow, step) / CENTS_PER_DOLLAR for step in STEPS]
    kinds = [
        "total" if step not in signs else ("increase" if signs[step] > 0 else "decrease")
        for step in STEPS
    ]
    data = pd.DataFrame(
        {
            "step": [t(f"retention.step.{step}") for step in STEPS],
            "amount": amounts,
            "total": [kind == "total" for kind in kinds],
            "kind": [t(f"retention.kind.{kind}") for kind in kinds],
        }
    )
    chart = charts.waterfall(
        data,
        step="step",
        amount="amount",
        total="total",
        color="kind",
        colors={t(f"retention.kind.{kind}"): colour for kind, colour in COLORS.items()},
        title=t("retention.waterfall_title"),
        subtitle=subtitle,
        step_title=t("retention.step"),
        value_title=t("retention.arr_axis", currency=currency_symbol()),
        color_title=t("retention.kind"),
    )
    with st.container(border=True):
        charts.show(chart)
        st.caption(t("retention.waterfall_help"))


def churned_table(result: ChurnedPage) -> None:
    """The churned accounts as plain text, largest starting ARR first; ARR and dates stay
    numbers and dates so the columns sort by value, and missing values show as "—"."""
    rows = result.rows
    frame = pd.DataFrame(
        {
            t("retention.col_account"): [r.account_id for r in rows],
            t("retention.col_name"): [r.name for r in rows],
            t("retention.col_segment"): [
                label("segment", r.segment) if r.segment else None for r in rows
            ],
            t("retention.col_csm"): [r.csm for r in rows],
            t("retention.col_arr"): [r.starting_arr_cents / CENTS_PER_DOLLAR for r in rows],
            t("retention.col_ended"): [r.ended_on for r in rows],
        }
    )
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        placeholder=t("fmt.none"),
        column_config={
            t("retention.col_arr"): st.column_config.NumberColumn(
                format=money_column_format(), step=1
            ),
            t("retention.col_ended"): st.column_config.DateColumn(format=t("fmt.date_column")),
        },
    )
