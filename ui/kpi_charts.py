"""The charts of the Support and Feedback pages, built from cs_data frames: every chart has a
title, a subtitle naming what is counted, axis titles with units and tooltips."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pandas as pd
import streamlit as st

from cs_data import kpi
from cs_data.kpi import density, feedback_detail
from ui import charts
from ui.i18n import format_count, label, t

GROUP_COLORS = {
    "detractor": "#DC2626",
    "passive": "#9CA3AF",
    "promoter": "#16A34A",
    "dissatisfied": "#DC2626",
    "satisfied": "#16A34A",
}
"""Score groups in the colours readers expect: bad red, neutral grey, good green."""
TIME_TRENDS = ("frt_median_min", "frt_p90_min", "resolution_median_min", "resolution_p90_min")
SUPPORT_TRENDS = {
    "frt": TIME_TRENDS[:2],
    "resolution": TIME_TRENDS[2:],
    "backlog": ("backlog_open",),
}
"""The KPIs of each support trend chart (each at its own grain)."""


def support_grains(
    changes: Mapping[str, kpi.Change], start: date, end: date
) -> dict[str, kpi.Grain]:
    """The grain of each support trend: response and resolution times as fine as their
    tickets allow (judged on the window's counts), the backlog (a count) by the length."""
    return {
        "frt": kpi.trend_grain("frt_median_min", start, end, changes["frt_median_min"].n),
        "resolution": kpi.trend_grain(
            "resolution_median_min", start, end, changes["resolution_median_min"].n
        ),
        "backlog": kpi.length_grain((end - start).days + 1),
    }


def support_trends(trends: Mapping[str, pd.DataFrame], grains: Mapping[str, str]) -> None:
    """Response and resolution times (hours, faded where few tickets stand behind a point)
    and the backlog, each at its own grain."""
    left, right = st.columns(2)
    for column, prefix in ((left, "frt"), (right, "resolution")):
        keys = [key for key in TIME_TRENDS if key.startswith(prefix)]
        frame = trends[prefix]
        hours = frame.assign(**{key: frame[key] / 60 for key in keys})
        basis = density.BASIS[keys[0]]
        chart = charts.trend_lines(
            hours,
            period="period_start",
            series={key: t(f"kpi_text.{key}") for key in keys},
            title=t(f"support.trend_{prefix}"),
            subtitle=t("support.trend_subtitle", grain=t(f"filters.grain.{grains[prefix]}")),
            note=t(
                "chart.thin_note",
                minimum=format_count(density.MINIMUM[basis]),
                basis=t(f"chart.basis.{basis}"),
            ),
            period_title=t("chart.period_start"),
            value_title=t("chart.hours"),
            value_format=",.1f",
            grain=grains[prefix],
            counts={key: f"{key}_n" for key in keys},
            count_title=t(f"chart.basis.{basis}"),
            minimum=density.MINIMUM[basis],
        )
        with column.container(border=True):
            charts.show(chart)
    backlog = charts.trend_lines(
        trends["backlog"],
        period="period_start",
        series={"backlog_open": t("kpi_text.backlog_open")},
        title=t("support.trend_backlog"),
        subtitle=t("support.backlog_subtitle", grain=t(f"filters.grain.{grains['backlog']}")),
        period_title=t("chart.period_start"),
        value_title=t("chart.tickets"),
        grain=grains["backlog"],
    )
    with st.container(border=True):
        charts.show(backlog)


def support_breakdowns(
    sla: pd.DataFrame, channels: pd.DataFrame, cells: pd.DataFrame, *, zone: str = "UTC"
) -> None:
    """SLA compliance by priority, tickets by channel, and the heat map of tickets by weekday
    and hour (``cells``, counted in the time zone ``zone``, which the chart names)."""
    compliance = pd.DataFrame(
        {
            "priority": [label("priority", p) for p in sla["priority"]] * 2,
            "target": [t("support.target_frt")] * len(sla)
            + [t("support.target_resolution")] * len(sla),
            "share": [*sla["frt_compliance"], *sla["resolution_compliance"]],
        }
    ).dropna()
    volume = channels.assign(
        channel=[label("channel", c) if c else t("support.no_channel") for c in channels["channel"]]
    )
    left, right = st.columns(2)
    with left.container(border=True):
        charts.show(
            charts.category_bars(
                compliance,
                category="priority",
                value="share",
                title=t("support.sla_title"),
                subtitle=t("support.sla_subtitle"),
                category_title=t("support.priority"),
                value_title=t("support.compliance"),
                value_format=".0%",
                color="target",
                color_title=t("support.target"),
            )
        )
    with right.container(border=True):
        charts.show(
            charts.category_bars(
                volume,
                category="channel",
                value="tickets",
                title=t("support.channel_title"),
                subtitle=t("support.channel_subtitle"),
                category_title=t("support.channel"),
                value_title=t("chart.tickets"),
            )
        )
    days = [t(f"fmt.weekday.{n}") for n in range(7)]
    grid = cells.assign(weekday=[days[n] for n in cells["weekday"]])
    with st.container(border=True):
        charts.show(
            charts.heatmap(
                grid,
                x="hour",
                y="weekday",
                value="tickets",
                title=t("support.heatmap_title"),
                subtitle=t("support.heatmap_subtitle", zone=zone),
                x_title=t("support.hour_of_day", zone=zone),
                y_title=t("support.weekday", zone=zone),
                value_title=t("chart.tickets"),
                y_order=days,
            )
        )


FEEDBACK_TRENDS = ("csat", "nps")


def feedback_grains(
    changes: Mapping[str, kpi.Change], start: date, end: date
) -> dict[str, kpi.Grain]:
    """The grain of the CSAT and NPS trends: as fine as each one's responses allow."""
    return {key: kpi.trend_grain(key, start, end, changes[key].n) for key in FEEDBACK_TRENDS}


def feedback_trends(trends: Mapping[str, pd.DataFrame], grains: Mapping[str, str]) -> None:
    """CSAT and NPS, each at its own grain, with the responses behind each point (faded
    below the minimum)."""
    specs = (
        ("csat", t("feedback.csat_trend"), t("feedback.csat_axis"), ".0%"),
        ("nps", t("feedback.nps_trend"), t("feedback.nps_axis"), "+,.0f"),
    )
    for column, (key, title, axis, number) in zip(st.columns(2), specs, strict=True):
        basis = density.BASIS[key]
        minimum = density.MINIMUM[basis]
        chart = charts.trend_lines(
            trends[key],
            period="period_start",
            series={key: t(f"kpi_text.{key}")},
            title=title,
            subtitle=t("feedback.trend_subtitle", grain=t(f"filters.grain.{grains[key]}")),
            note=t(
                "chart.thin_note", minimum=format_count(minimum), basis=t(f"chart.basis.{basis}")
            ),
            period_title=t("chart.period_start"),
            value_title=axis,
            value_format=number,
            grain=grains[key],
            counts={key: f"{key}_n"},
            count_title=t(f"chart.basis.{basis}"),
            minimum=minimum,
        )
        with column.container(border=True):
            charts.show(chart)


def score_distributions(nps: pd.DataFrame, csat: pd.DataFrame) -> None:
    groups = feedback_detail.group_counts(nps, feedback_detail.NPS_GROUPS)
    st.caption(
        t(
            "feedback.groups",
            **{name: format_count(groups[name]) for name in feedback_detail.NPS_GROUPS},
        )
    )
    left, right = st.columns(2)
    for column, (frame, title) in zip(
        (left, right),
        ((nps, t("feedback.nps_distribution")), (csat, t("feedback.csat_distribution"))),
        strict=True,
    ):
        data = frame.assign(
            score=frame["score"].astype(str),
            group=[label("score_group", g) for g in frame["group"]],
        )
        chart = charts.category_bars(
            data,
            category="score",
            value="responses",
            title=title,
            subtitle=t("feedback.distribution_subtitle"),
            category_title=t("feedback.score"),
            value_title=t("feedback.responses"),
            color="group",
            color_title=t("feedback.group"),
            palette=[GROUP_COLORS[g] for g in dict.fromkeys(frame["group"])],
        )
        with column.container(border=True):
            charts.show(chart)
