"""KPI targets on screen: the one place values change between the KPI's unit and the unit
people type (percent for shares, whole currency for money), the target fields, the cached
progress, its table and the progress bars shown on the Overview and Targets pages."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
import streamlit as st

from cs_data import domain, kpi, targets
from cs_data.db import get_engine
from cs_data.errors import InvalidInput
from cs_data.kpi.registry import WHOLE_UNITS
from cs_data.money import cents_to_decimal
from ui.errors import show_field_errors
from ui.forms import length_limit
from ui.i18n import choice_key, currency_symbol, format_date, label, t
from ui.kpi_cards import format_kpi
from ui.page_data import CACHE_MAX_ENTRIES, CACHE_TTL_SECONDS, DataKey, stored
from ui.tables import WRAPPED_ROW_HEIGHT, wrapped_height
from ui.text import literal

STEPS = {"percent": 1.0, "money": 1000.0, "minutes": 5.0, "count": 1.0, "nps": 1.0, "score": 0.1}
"""The step of the +/− buttons of the goal, per display unit."""
DEFAULT_DAYS = 90
"""A new target's deadline is this many days after its start, unless changed."""
FIELDS = ("kpi", "name", "value", "direction", "segment", "start", "deadline")
PERCENT = 100
CENTS = 100
DISPLAY_UNITS = {
    "share": "percent",
    "cents": "money",
    "nps": "nps",
    "minutes": "minutes",
    "count": "count",
    "score": "score",
}
"""The unit a KPI's target is typed and shown in, by the KPI's own unit."""


def display_unit(key: str) -> str:
    """The unit people type ``key``'s target in (``percent``, ``money``, ``minutes`` …)."""
    return DISPLAY_UNITS[kpi.KPIS[key].unit]


def unit_text(unit: str) -> str:
    """A display unit as text: the configured currency's symbol for ``money``."""
    return currency_symbol() if unit == "money" else t(f"targets.unit.{unit}")


def to_display(key: str, value: float | None) -> float | None:
    """A value in ``key``'s own unit, as typed on screen."""
    if value is None:
        return None
    unit = kpi.KPIS[key].unit
    if unit == "share":
        return round(value * PERCENT, 6)
    if unit == "cents":
        return float(cents_to_decimal(round(value)))
    return float(value)


def to_stored(key: str, shown: float | None) -> float | None:
    """A value typed on screen, in ``key``'s own unit (None stays None for validation)."""
    if shown is None:
        return None
    unit = kpi.KPIS[key].unit
    if unit == "share":
        return round(shown / PERCENT, 8)
    if unit == "cents":
        return float(round(shown * CENTS))
    return float(shown)


def allowed_range(key: str) -> str:
    """The values ``key``'s target may take, in the display unit."""
    low, high = targets.value_range(key)
    unit = unit_text(display_unit(key))
    shown_low = to_display(key, low)
    if high is None:
        return t("targets.range_min", low=f"{shown_low:,g}", unit=unit)
    return t("targets.range", low=f"{shown_low:,g}", high=f"{to_display(key, high):,g}", unit=unit)


def kpi_name(key: str) -> str:
    """The KPI's translated label."""
    return t(f"kpi_text.{key}")


def segment_name(segment: str | None) -> str:
    return label("segment", segment) if segment else t("targets.all_segments")


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=CACHE_MAX_ENTRIES, show_spinner=False)
def load_progress(
    data_key: DataKey, as_of: datetime, include_past: bool = False
) -> list[targets.Progress]:
    """The targets (active ones unless ``include_past``) with their progress at ``as_of``."""

    def compute() -> list[targets.Progress]:
        engine = get_engine()
        found = targets.list_targets(engine, include_past=include_past, today=as_of.date())
        return targets.target_progress(engine, found, as_of=as_of)

    return stored(
        "targets.progress", list[targets.Progress], data_key, as_of, include_past, compute=compute
    )


def format_value(key: str, value: float | None) -> str:
    """A KPI or target value in ``key``'s unit (whole units shown without decimals)."""
    if value is not None and kpi.KPIS[key].unit in WHOLE_UNITS:
        value = round(value)
    return format_kpi(key, value)


def status_text(progress: targets.Progress) -> str:
    return t(f"targets.status.{progress.status}")


def progress_bars(progress: list[targets.Progress]) -> None:
    """Per target: its name (plain text), then a bar with value against target and deadline."""
    for item in progress:
        target = item.target
        st.text(target.name)
        st.progress(
            item.fraction,
            text=t(
                "targets.bar",
                kpi=literal(kpi_name(target.kpi)),
                segment=literal(segment_name(target.segment)),
                value=format_value(target.kpi, item.value),
                direction=t(f"targets.direction_short.{target.direction}"),
                target=format_value(target.kpi, target.target_value),
                status=literal(status_text(item)),
                deadline=format_date(target.deadline),
            ),
        )


def natural_direction(key: str) -> str:
    """The direction that agrees with the KPI (``at_most`` when lower is better)."""
    return "at_most" if kpi.KPIS[key].lower_is_better else "at_least"


TRANSLATED_FIELDS = ("kpi", "direction", "segment")
"""Choice fields whose option labels are translated: their keys go through ``choice_key``, so
a language switch keeps the choice."""


def field_key(prefix: str, field: str) -> str:
    """The session-state key of one field."""
    key = f"{prefix}_{field}"
    return choice_key(key) if field in TRANSLATED_FIELDS else key


def on_kpi_change(prefix: str) -> None:
    """A newly chosen KPI starts with its natural direction."""
    key = st.session_state[field_key(prefix, "kpi")]
    st.session_state[field_key(prefix, "direction")] = natural_direction(key)


def load_fields(prefix: str, target: targets.Target) -> None:
    """Put ``target``'s values in the fields of ``prefix`` and remember the version seen."""
    values = {
        "kpi": target.kpi,
        "name": target.name,
        "value": to_display(target.kpi, target.target_value),
        "direction": target.direction,
        "segment": target.segment or "",
        "start": target.start_date,
        "deadline": target.deadline,
        "seen": (target.id, target.version),
    }
    for field, value in values.items():
        st.session_state[field_key(prefix, field)] = value


def target_fields(prefix: str, error: InvalidInput | None, *, today: date) -> None:
    """The fields of one target (keys from ``field_key``), each with its errors under it."""
    state = st.session_state
    keys = {field: field_key(prefix, field) for field in FIELDS}
    state.setdefault(keys["kpi"], "csat")
    state.setdefault(keys["direction"], natural_direction(state[keys["kpi"]]))
    state.setdefault(keys["segment"], "")
    state.setdefault(keys["start"], today)
    state.setdefault(keys["deadline"], today + timedelta(days=DEFAULT_DAYS))
    key = st.selectbox(
        t("targets.kpi"),
        list(kpi.KPIS),
        key=keys["kpi"],
        format_func=kpi_name,
        on_change=on_kpi_change,
        args=(prefix,),
    )
    st.caption(t(f"kpi_text.{key}.help"))
    show_field_errors(error, "kpi")
    st.text_input(t("targets.name"), key=keys["name"], help=length_limit(targets.MAX_NAME_LENGTH))
    show_field_errors(error, "name")
    left, right = st.columns(2)
    with left:
        unit = display_unit(key)
        st.number_input(
            t("targets.value", unit=unit_text(unit)),
            value=None,
            step=STEPS[unit],
            key=keys["value"],
            help=allowed_range(key),
        )
        show_field_errors(error, "target_value")
    with right:
        direction = st.radio(
            t("targets.direction"),
            domain.TARGET_DIRECTIONS,
            key=keys["direction"],
            format_func=lambda d: t(f"targets.direction.{d}"),
            horizontal=True,
        )
        if direction != natural_direction(key) and kpi.KPIS[key].lower_is_better is not None:
            st.caption(t("targets.against_kpi"))
        show_field_errors(error, "direction")
    st.selectbox(
        t("targets.segment"),
        ["", *domain.SEGMENTS],
        key=keys["segment"],
        format_func=segment_name,
    )
    show_field_errors(error, "segment")
    left, right = st.columns(2)
    with left:
        st.date_input(t("targets.start"), key=keys["start"])
        show_field_errors(error, "start_date")
    with right:
        st.date_input(t("targets.deadline"), key=keys["deadline"])
        show_field_errors(error, "deadline")


def field_values(prefix: str) -> dict[str, Any]:
    """The fields of ``prefix`` as ``cs_data.targets`` takes them (values in the KPI's unit)."""
    values = {field: st.session_state[field_key(prefix, field)] for field in FIELDS}
    return {
        "kpi": values["kpi"],
        "name": values["name"],
        "target_value": to_stored(values["kpi"], values["value"]),
        "direction": values["direction"],
        "segment": values["segment"] or None,
        "start_date": values["start"],
        "deadline": values["deadline"],
    }


def goal_text(target: targets.Target) -> str:
    """The goal with its direction (``≥ 80.0%``)."""
    direction = t(f"targets.direction_short.{target.direction}")
    return f"{direction} {format_value(target.kpi, target.target_value)}"


def target_frame(
    found: list[targets.Target], progress: list[targets.Progress] | None = None
) -> pd.DataFrame:
    """The targets as a table (with their progress when given)."""
    frame = pd.DataFrame(
        {
            t("targets.col_name"): [x.name for x in found],
            t("targets.col_kpi"): [kpi_name(x.kpi) for x in found],
            t("targets.col_segment"): [segment_name(x.segment) for x in found],
            t("targets.col_target"): [
                t(f"targets.direction_short.{x.direction}")
                + " "
                + format_value(x.kpi, x.target_value)
                for x in found
            ],
            t("targets.col_start"): [x.start_date for x in found],
            t("targets.col_deadline"): [x.deadline for x in found],
        }
    )
    if progress is not None:
        frame.insert(
            3, t("targets.col_value"), [format_value(p.target.kpi, p.value) for p in progress]
        )
        frame.insert(5, t("targets.col_status"), [status_text(p) for p in progress])
        frame.insert(6, t("targets.col_progress"), [p.fraction * PERCENT for p in progress])
        frame[t("targets.col_days_left")] = [p.days_left for p in progress]
    return frame


TABLE_WIDTHS = {
    "name": 200,
    "kpi": 130,
    "segment": 95,
    "value": 62,
    "target": 72,
    "status": 90,
    "progress": 76,
    "start": 80,
    "deadline": 80,
    "days_left": 62,
}
"""Column widths of the targets table in pixels: it fits the page at 1440 px, a status
("No data yet", "Not started") on one line, long names and KPIs wrapped."""


def target_table(progress: list[targets.Progress]) -> None:
    """The targets with their progress: a table people can sort by any column."""
    frame = target_frame([p.target for p in progress], progress)
    config = {
        t(f"targets.col_{name}"): st.column_config.Column(width=width)
        for name, width in TABLE_WIDTHS.items()
    }
    config[t("targets.col_progress")] = st.column_config.ProgressColumn(
        min_value=0, max_value=PERCENT, format="%.0f%%", width=TABLE_WIDTHS["progress"]
    )
    for name in ("start", "deadline"):
        config[t(f"targets.col_{name}")] = st.column_config.DateColumn(width=TABLE_WIDTHS[name])
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_config=config,
        placeholder=t("fmt.none"),
        row_height=WRAPPED_ROW_HEIGHT,
        height=wrapped_height(len(frame), most=12),
    )
    st.caption(t("targets.table_hint"))
