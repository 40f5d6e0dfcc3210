"""The one chart helper: Altair charts with the app's colours, axis formats and tooltips.

Every chart has a title, axis titles that carry the unit, and a tooltip. Data reaching a
chart is already aggregated (Altair ships its whole dataset to the browser).

Amounts (``value_format=MONEY``, values in whole currency units) read as on the rest of the
page: the axis labels compact in the session's language (``$1.2M``, ``US$120만``, ``₩1.2억``,
through a Vega expression built from CLDR, since d3-format knows no 만/억) and the tooltips
the full amount, formatted by Babel into a text column. Counts (``,d``) and percents (``.0%``)
keep d3 formats, which write them as CLDR does in English and Korean.

A builder's chart is converted to its Vega-Lite spec once per arguments, language and
currency (``drawn_once``): building an Altair chart and converting it (schema validation, the
data to Arrow) took most of the server's time of a warm load on the chart-heavy pages.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec

import altair as alt
import pandas as pd
import streamlit as st

# Streamlit's own conversion for st.altair_chart (a private name): the spec it makes is the
# one st.altair_chart would draw, its data as Arrow datasets.
from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec

from ui.i18n import current_currency, current_language, format_amount, money_label_expr, t

CHART_HEIGHT = 320
FALLBACK_COLOR = "#2563EB"
MONEY = "money"
"""The ``value_format`` of amounts in whole units of the configured currency."""
SPEC_CACHE_ENTRIES = 1000
"""Specs kept per process; one is a few kilobytes (its data is aggregated)."""

Spec = dict[str, Any]
"""A chart ready to draw (``show``): its Vega-Lite spec, the data as Arrow datasets."""
P = ParamSpec("P")
_BUILDERS: dict[str, Callable[..., alt.Chart | alt.LayerChart]] = {}


def drawn_once(build: Callable[P, alt.Chart | alt.LayerChart]) -> Callable[P, Spec]:
    """``build`` returning the spec of its chart, converted once per arguments (the data
    frames by their content), language and currency: the labels and amount formats it reads
    from the session. Keyed by the data itself, an entry can never be stale."""
    _BUILDERS[build.__name__] = build

    @functools.wraps(build)
    def spec(*args: P.args, **kwargs: P.kwargs) -> Spec:
        return _spec(build.__name__, current_language(), current_currency(), args, kwargs)

    return spec


@st.cache_data(max_entries=SPEC_CACHE_ENTRIES, show_spinner=False)
def _spec(builder: str, language: str, currency: str, args: tuple, kwargs: dict) -> Spec:
    """The spec of ``builder``'s chart (``language`` and ``currency`` key the cache only)."""
    return _convert_altair_to_vega_lite_spec(_BUILDERS[builder](*args, **kwargs))


def _value_axis(value_format: str, **options: object) -> alt.Axis:
    """The value axis: compact amounts for ``MONEY``, else the d3 ``value_format``."""
    if value_format == MONEY:
        return alt.Axis(labelExpr=money_label_expr(), **options)
    return alt.Axis(format=value_format, **options)


def _with_value_text(
    data: pd.DataFrame, column: str, title: str, value_format: str
) -> tuple[pd.DataFrame, alt.Tooltip]:
    """``data`` and the tooltip of ``column``: for ``MONEY`` a text column with the full
    amount (``$1,234,568`` / ``US$1,234,568``), else the number in ``value_format``."""
    if value_format != MONEY:
        return data, alt.Tooltip(f"{column}:Q", title=title, format=value_format)
    text = f"{column}_text"
    data = data.assign(**{text: [format_amount(value) for value in data[column]]})
    return data, alt.Tooltip(f"{text}:N", title=title)


THIN_OPACITY = 0.3
"""Opacity of a point that stands on fewer than the minimum responses, tickets or accounts."""


def _primary_color() -> str:
    return st.get_option("theme.primaryColor") or FALLBACK_COLOR


def period_formats(periods: pd.Series, grain: str = "day") -> tuple[str, str]:
    """The axis and tooltip date formats of periods of ``grain`` (their start timestamps):
    months with their year; days and weeks with the year too when they cross a new year."""
    if grain == "month":
        return t("chart.axis_month"), t("chart.tooltip_month")
    days = pd.to_datetime(periods.dropna())
    crosses = not days.empty and days.min().year != days.max().year
    return t("chart.axis_day_year" if crosses else "chart.axis_day"), t("chart.tooltip_day")


@drawn_once
def daily_bars(
    data: pd.DataFrame,
    *,
    day: str,
    value: str,
    title: str,
    subtitle: str,
    day_title: str,
    value_title: str,
    value_format: str = ",d",
) -> alt.Chart:
    """Bars per calendar day: ``day`` holds midnight timestamps, ``value`` the bar heights."""
    data, value_tooltip = _with_value_text(data, value, value_title, value_format)
    axis_format, tooltip_format = period_formats(data[day])
    return (
        alt.Chart(data, title=alt.TitleParams(title, subtitle=subtitle, anchor="start"))
        .mark_bar(color=_primary_color(), cornerRadiusTopLeft=3, cornerRadiusTopRight=3)
        .encode(
            x=alt.X(
                f"{day}:T",
                timeUnit="yearmonthdate",
                title=day_title,
                axis=alt.Axis(format=axis_format, labelAngle=0, tickCount="week"),
            ),
            y=alt.Y(
                f"{value}:Q",
                title=value_title,
                axis=_value_axis(value_format, tickMinStep=1),
                stack=None,
            ),
            tooltip=[
                alt.Tooltip(
                    f"{day}:T",
                    timeUnit="yearmonthdate",
                    title=day_title,
                    format=tooltip_format,
                ),
                value_tooltip,
            ],
        )
        .properties(height=CHART_HEIGHT)
    )


def show(chart: Spec | alt.Chart | alt.LayerChart) -> None:
    """Render a chart of this module (or an Altair chart) at the full width of its container."""
    if isinstance(chart, dict):  # a copy of the cached spec, which drawing changes
        st.vega_lite_chart(spec=chart, width="stretch")
    else:
        st.altair_chart(chart, width="stretch")


@drawn_once
def trend_lines(
    data: pd.DataFrame,
    *,
    period: str,
    series: dict[str, str],
    title: str,
    subtitle: str,
    period_title: str,
    value_title: str,
    value_format: str = ",.0f",
    zero: bool = True,
    grain: str = "day",
    counts: dict[str, str] | None = None,
    count_title: str = "",
    minimum: int | None = None,
    note: str | None = None,
) -> alt.LayerChart:
    """One line per column of ``series`` (column → legend name) over ``period`` (period start
    timestamps of ``grain``), with points and a tooltip per point; missing values leave gaps.
    ``zero=False`` fits the value axis to the data instead of starting it at zero.

    ``counts`` (value column → column of the count behind each value) adds the count to the
    tooltip (titled ``count_title``) and fades the points standing on fewer than
    ``minimum``. ``note`` is a second subtitle line (e.g. what a faded point means)."""
    pieces = []
    for column, name in series.items():
        piece = pd.DataFrame({period: data[period], "series": name, "value": data[column]})
        if counts:
            piece["n"] = data[counts[column]].to_numpy()
        pieces.append(piece)
    long, value_tooltip = _with_value_text(
        pd.concat(pieces, ignore_index=True), "value", value_title, value_format
    )
    axis_format, tooltip_format = period_formats(data[period], grain)
    x = alt.X(
        f"{period}:T",
        timeUnit="yearmonthdate",
        title=period_title,
        axis=alt.Axis(format=axis_format, labelAngle=0),
    )
    y = alt.Y(
        "value:Q",
        title=value_title,
        axis=_value_axis(value_format),
        scale=alt.Scale(zero=zero),
    )
    color = alt.Color("series:N", title=None, sort=list(series.values()))
    tooltip = [
        alt.Tooltip(
            f"{period}:T", timeUnit="yearmonthdate", title=period_title, format=tooltip_format
        ),
        alt.Tooltip("series:N", title=t("chart.series")),
        value_tooltip,
    ]
    opacity = alt.value(1)
    if counts:
        tooltip.append(alt.Tooltip("n:Q", title=count_title, format=",d"))
        if minimum:
            thin = alt.datum.n < minimum
            opacity = alt.when(thin).then(alt.value(THIN_OPACITY)).otherwise(alt.value(1))
    base = alt.Chart(long)
    lines = base.mark_line().encode(x=x, y=y, color=color)
    points = base.mark_point(filled=True, size=50).encode(
        x=x, y=y, color=color, opacity=opacity, tooltip=tooltip
    )
    return alt.layer(
        lines,
        points,
        title=alt.TitleParams(
            title, subtitle=[subtitle, note] if note else subtitle, anchor="start"
        ),
    ).properties(height=CHART_HEIGHT)


@drawn_once
def category_bars(
    data: pd.DataFrame,
    *,
    category: str,
    value: str,
    title: str,
    subtitle: str,
    category_title: str,
    value_title: str,
    value_format: str = ",d",
    color: str | None = None,
    color_title: str | None = None,
    palette: list[str] | None = None,
) -> alt.Chart:
    """Bars per category in the frame's order; ``color`` (optional) a column that groups the
    bars, shown side by side within a category (full width when each category has one group),
    in ``palette`` colours (in order of first appearance) when given."""
    order = list(dict.fromkeys(data[category]))
    data, value_tooltip = _with_value_text(data, value, value_title, value_format)
    encoding = {
        "x": alt.X(f"{category}:N", title=category_title, sort=order, axis=alt.Axis(labelAngle=0)),
        "y": alt.Y(f"{value}:Q", title=value_title, axis=_value_axis(value_format), stack=None),
        "tooltip": [
            alt.Tooltip(f"{category}:N", title=category_title),
            *([alt.Tooltip(f"{color}:N", title=color_title)] if color else []),
            value_tooltip,
        ],
    }
    mark = {"cornerRadiusTopLeft": 3, "cornerRadiusTopRight": 3}
    if color:
        groups = list(dict.fromkeys(data[color]))
        scale = alt.Scale(domain=groups, range=palette) if palette else alt.Undefined
        encoding["color"] = alt.Color(f"{color}:N", title=color_title, sort=groups, scale=scale)
        if data.groupby(category)[color].nunique().gt(1).any():
            encoding["xOffset"] = alt.XOffset(f"{color}:N", sort=groups)
    else:
        mark["color"] = _primary_color()
    return (
        alt.Chart(data, title=alt.TitleParams(title, subtitle=subtitle, anchor="start"))
        .mark_bar(**mark)
        .encode(**encoding)
        .properties(height=CHART_HEIGHT)
    )


@drawn_once
def heatmap(
    data: pd.DataFrame,
    *,
    x: str,
    y: str,
    value: str,
    title: str,
    subtitle: str,
    x_title: str,
    y_title: str,
    value_title: str,
    y_order: list[str],
) -> alt.Chart:
    """A grid of ``x`` × ``y`` cells shaded by ``value`` (rows in ``y_order``)."""
    return (
        alt.Chart(data, title=alt.TitleParams(title, subtitle=subtitle, anchor="start"))
        .mark_rect()
        .encode(
            x=alt.X(f"{x}:O", title=x_title, axis=alt.Axis(labelAngle=0)),
            y=alt.Y(f"{y}:N", title=y_title, sort=y_order),
            color=alt.Color(f"{value}:Q", title=value_title, scale=alt.Scale(scheme="blues")),
            tooltip=[
                alt.Tooltip(f"{y}:N", title=y_title),
                alt.Tooltip(f"{x}:O", title=x_title),
                alt.Tooltip(f"{value}:Q", title=value_title, format=",d"),
            ],
        )
        .properties(height=CHART_HEIGHT)
    )


@drawn_once
def waterfall(
    data: pd.DataFrame,
    *,
    step: str,
    amount: str,
    total: str,
    color: str,
    colors: dict[str, str],
    title: str,
    subtitle: str,
    step_title: str,
    value_title: str,
    color_title: str,
    value_format: str = MONEY,
) -> alt.Chart:
    """Floating bars in the frame's order: a row whose ``total`` is true stands on the axis'
    base; each other row starts where the running total stands and moves it by ``amount``
    (negative = down). ``color`` names each row's kind, coloured by ``colors`` (kind → colour).

    When every running total is positive, the value axis starts at 90 % of the lowest one (not
    at zero) so that movements small next to the totals stay visible."""
    starts, ends, running = [], [], 0.0
    for value, is_total in zip(data[amount], data[total], strict=True):
        start, running = (None, value) if is_total else (running, running + value)
        starts.append(start)
        ends.append(running)
    levels = [level for level in (*starts, *ends) if level is not None]
    base = 0.9 * min(levels) if levels and min(levels) > 0 else 0.0
    starts = [base if start is None else start for start in starts]
    bars = data.assign(
        _low=[min(pair) for pair in zip(starts, ends, strict=True)],
        _high=[max(pair) for pair in zip(starts, ends, strict=True)],
    )
    top = max([*bars["_high"], base])
    bars, amount_tooltip = _with_value_text(bars, amount, value_title, value_format)
    return (
        alt.Chart(bars, title=alt.TitleParams(title, subtitle=subtitle, anchor="start"))
        .mark_bar(cornerRadius=2)
        .encode(
            x=alt.X(
                f"{step}:N", title=step_title, sort=list(data[step]), axis=alt.Axis(labelAngle=0)
            ),
            y=alt.Y(
                "_low:Q",
                title=value_title,
                axis=_value_axis(value_format),
                scale=alt.Scale(domain=[base, top * 1.02 if top > base else base + 1], clamp=True),
            ),
            y2="_high:Q",
            color=alt.Color(
                f"{color}:N",
                title=color_title,
                scale=alt.Scale(domain=list(colors), range=list(colors.values())),
            ),
            tooltip=[
                alt.Tooltip(f"{step}:N", title=step_title),
                amount_tooltip,
            ],
        )
        .properties(height=CHART_HEIGHT)
    )
