"""The shared KPI filter bar: period preset or custom range, segment, region, CSM, priority and
channel, mirrored in the page's query parameters so a link reproduces the view.

The parsing and validation of query parameters are pure functions (``parse_state``,
``state_params``, ``carried``, ``checked_range``); a bad or unknown value falls back to its
default. Other query parameters (the language's ``lang``) are left alone.

The filters follow the user from page to page within a session: each bar keeps them in one
session entry (``SHARED_KEY``), and a page opened without them in its link starts from there
(each page applies the ones it shows). A link that names a filter wins; "Reset filters" goes
back to the defaults.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

import streamlit as st

from cs_data import kpi
from cs_data.db import get_engine
from cs_data.domain import TICKET_PRIORITIES
from cs_data.kpi.choices import FilterChoices, filter_choices
from ui.i18n import choice_key, format_count, format_date, label, t
from ui.page_data import CACHE_MAX_ENTRIES, CACHE_TTL_SECONDS, DataKey, PageData

PRESETS = ("7d", "30d", "90d", "qtd", "custom")
PRESET_DAYS = {"7d": 7, "30d": 30, "90d": 90}
DEFAULT_PRESET = "30d"
FIELDS = ("period", "segment", "region", "csm", "priority", "channel")
"""Every filter the bar can show, in order."""
PARAM_NAMES = ("period", "from", "to", "segment", "region", "csm", "priority", "channel")
"""The query parameters the bar owns."""
SHARED_KEY = "_shared_filters"
"""This session's carried filters (a ``FilterState``)."""


@dataclass(frozen=True)
class FilterState:
    """What the filter bar holds: a preset (or ``custom`` with its days) and the choices."""

    preset: str = DEFAULT_PRESET
    start: date | None = None
    end: date | None = None
    segment: str | None = None
    region: str | None = None
    csm_id: int | None = None
    priority: str | None = None
    channel: str | None = None


@dataclass(frozen=True)
class Filters:
    """The window the bar selects (whole UTC days, both included), the finest grain its
    length allows, and the KPI filter."""

    start: date
    end: date
    grain: kpi.Grain
    kpi_filter: kpi.KpiFilter
    preset: str
    as_of: datetime
    """The end of ``end`` day, or the moment asked for (now or a cache's moment) when earlier."""

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def grain_for(days: int) -> kpi.Grain:
    """The finest grain a window of ``days`` allows (``kpi.length_grain``); a chart of a KPI
    that stands on few responses or tickets may use a coarser one (``kpi.trend_grain``)."""
    return kpi.length_grain(days)


def preset_window(preset: str, today: date) -> tuple[date, date]:
    """The days of a preset ending today (``qtd``: from the first day of the quarter)."""
    if preset == "qtd":
        return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), today
    days = PRESET_DAYS.get(preset, PRESET_DAYS[DEFAULT_PRESET])
    return today - timedelta(days=days - 1), today


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _one_of(value: str | None, allowed: Iterable[str]) -> str | None:
    return value if value in set(allowed) else None


def parse_state(params: Mapping[str, str], today: date, choices: FilterChoices) -> FilterState:
    """The filter state a link asks for; each bad value (unknown preset, malformed or reversed
    dates, a future day, a value not among the choices) falls back to its default."""
    preset = _one_of(params.get("period"), PRESETS) or DEFAULT_PRESET
    start, end = _day(params.get("from")), _day(params.get("to"))
    if preset == "custom" and not (start and end and start <= end <= today):
        preset, start, end = DEFAULT_PRESET, None, None
    if preset != "custom":
        start = end = None
    csm = params.get("csm")
    csm_ids = {user_id for user_id, _ in choices.csms}
    return FilterState(
        preset=preset,
        start=start,
        end=end,
        segment=_one_of(params.get("segment"), choices.segments),
        region=_one_of(params.get("region"), choices.regions),
        csm_id=int(csm) if csm and csm.isdigit() and int(csm) in csm_ids else None,
        priority=_one_of(params.get("priority"), TICKET_PRIORITIES),
        channel=_one_of(params.get("channel"), choices.channels),
    )


def carried(
    linked: FilterState, params: Mapping[str, str], shared: FilterState | None
) -> FilterState:
    """The state a page opens with: what its link names, and for each filter the link does
    not name, the value last set (on this page or another)."""
    if shared is None:
        return linked
    changes: dict[str, object] = {}
    if not {"period", "from", "to"} & set(params):
        changes |= {"preset": shared.preset, "start": shared.start, "end": shared.end}
    for name in FIELDS[1:]:
        field = "csm_id" if name == "csm" else name
        if name not in params:
            changes[field] = getattr(shared, field)
    return replace(linked, **changes)


def share(shared: FilterState | None, state: FilterState, show: Sequence[str]) -> FilterState:
    """The carried filters after a page's run: the ones it shows, as it holds them; the others
    as they were."""
    changes: dict[str, object] = {}
    if "period" in show:
        changes |= {"preset": state.preset, "start": state.start, "end": state.end}
    for name in FIELDS[1:]:
        if name in show:
            field = "csm_id" if name == "csm" else name
            changes[field] = getattr(state, field)
    return replace(shared or FilterState(), **changes)


def checked_range(days: Sequence[date | None], today: date) -> tuple[tuple[date, date] | None, str]:
    """A range from the date field: ``(range, note)`` with note ``""`` (as chosen),
    ``"clipped"`` (it ended after today: it ends today), ``"incomplete"`` (one day picked so
    far) or ``"future"`` (it starts after today); the range is None for the last two."""
    picked = sorted(day for day in days if day is not None)
    if len(picked) < 2:
        return None, "incomplete"
    start, end = picked[0], picked[-1]
    if start > today:
        return None, "future"
    if end > today:
        return (start, today), "clipped"
    return (start, end), ""


def state_params(state: FilterState, show: Sequence[str] = FIELDS) -> dict[str, str]:
    """The query parameters of a state (only what differs from the defaults and is shown)."""
    params: dict[str, str] = {}
    if "period" in show and state.preset != DEFAULT_PRESET:
        params["period"] = state.preset
        if state.preset == "custom" and state.start and state.end:
            params["from"], params["to"] = state.start.isoformat(), state.end.isoformat()
    values = {
        "segment": state.segment,
        "region": state.region,
        "csm": None if state.csm_id is None else str(state.csm_id),
        "priority": state.priority,
        "channel": state.channel,
    }
    params.update({name: v for name, v in values.items() if name in show and v is not None})
    return params


def resolve(state: FilterState, now: datetime, show: Sequence[str] = FIELDS) -> Filters:
    """The window, grain and KPI filter of a state at ``now`` (filters not shown are not
    applied)."""
    now = now.astimezone(UTC)
    today = now.date()
    if state.preset == "custom" and state.start and state.end:
        start, end = state.start, state.end
    else:
        start, end = preset_window(state.preset, today)
    shown = {name: name in show for name in FIELDS}
    return Filters(
        start=start,
        end=end,
        grain=grain_for((end - start).days + 1),
        kpi_filter=kpi.KpiFilter(
            segment=state.segment if shown["segment"] else None,
            region=state.region if shown["region"] else None,
            csm_id=state.csm_id if shown["csm"] else None,
            priority=state.priority if shown["priority"] else None,
            channel=state.channel if shown["channel"] else None,
        ),
        preset=state.preset,
        as_of=min(now, datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC)),
    )


def _with_preset(chosen: Filters, preset: str) -> FilterState:
    """``chosen``'s choices (and days, for a custom range) with the period ``preset``."""
    where = chosen.kpi_filter
    return FilterState(
        preset=preset,
        start=chosen.start,
        end=chosen.end,
        segment=where.segment,
        region=where.region,
        csm_id=where.csm_id,
        priority=where.priority,
        channel=where.channel,
    )


def same_view_at(chosen: Filters, now: datetime) -> Filters:
    """What the bar returns at ``now`` with ``chosen``'s period and choices."""
    return resolve(_with_preset(chosen, chosen.preset), now)


def other_presets(chosen: Filters, now: datetime) -> list[Filters]:
    """What the bar returns at ``now`` for each period preset other than ``chosen``'s, with
    the same choices (a custom range is no preset)."""
    return [
        resolve(_with_preset(chosen, preset), now)
        for preset in PRESETS
        if preset not in ("custom", chosen.preset)
    ]


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=CACHE_MAX_ENTRIES, show_spinner=False)
def load_choices(data_key: DataKey) -> FilterChoices:
    """Segments, regions, channels and CSMs to choose from (``data_key`` keys the cache)."""
    return filter_choices(get_engine())


def _select(name: str, options: list, key: str, format_func) -> None:
    st.selectbox(
        t(f"filters.{name}"),
        [None, *options],
        format_func=lambda value: t("filters.any") if value is None else format_func(value),
        placeholder=t("filters.any"),
        key=choice_key(key),
    )


def _sync_params(params: dict[str, str]) -> None:
    for name in PARAM_NAMES:
        wanted = params.get(name)
        if wanted is None and name in st.query_params:
            del st.query_params[name]
        elif wanted is not None and st.query_params.get(name) != wanted:
            st.query_params[name] = wanted


def filter_bar(key: str, data: PageData, *, show: Sequence[str] = FIELDS) -> Filters:
    """The filter bar (in a bordered row); returns the filters chosen, kept in the link, with
    ``as_of`` at ``data``'s moment (or the end of the window, when earlier)."""
    today = data.as_of.date()
    choices = load_choices(data.key)
    keys = {name: f"{key}_{name}" for name in (*FIELDS, "range")}
    if keys["period"] not in st.session_state:
        params = st.query_params.to_dict()
        initial = carried(
            parse_state(params, today, choices), params, st.session_state.get(SHARED_KEY)
        )
        st.session_state[keys["period"]] = initial.preset
        st.session_state[keys["range"]] = preset_window(initial.preset, today)
        if initial.preset == "custom":
            st.session_state[keys["range"]] = (initial.start, initial.end)
        for name in FIELDS[1:]:
            field = "csm_id" if name == "csm" else name
            st.session_state[keys[name]] = getattr(initial, field)
    last_range = f"{key}_last_range"
    state = FilterState()
    with st.container(border=True):
        st.button(
            t("filters.reset"),
            key=f"{key}_reset",
            icon=":material/filter_alt_off:",
            on_click=_reset,
            args=(keys, last_range, today),
        )
        if "period" in show:
            state = replace(state, **_period(keys, last_range, today))
        shown = [name for name in FIELDS[1:] if name in show]
        for column, name in zip(st.columns(len(shown)) if shown else [], shown, strict=True):
            with column:
                if name == "csm":
                    names = dict(choices.csms)
                    _select(name, list(names), keys[name], names.get)
                else:
                    options = {
                        "segment": choices.segments,
                        "region": choices.regions,
                        "priority": list(TICKET_PRIORITIES),
                        "channel": choices.channels,
                    }[name]
                    _select(name, options, keys[name], lambda v, group=name: label(group, v))
    state = replace(
        state,
        **{
            ("csm_id" if name == "csm" else name): st.session_state.get(keys[name])
            for name in FIELDS[1:]
        },
    )
    st.session_state[SHARED_KEY] = share(st.session_state.get(SHARED_KEY), state, show)
    _sync_params(state_params(state, show))
    filters = resolve(state, data.as_of, show)
    st.caption(
        t(
            "filters.window_span",
            start=format_date(filters.start),
            end=format_date(filters.end),
            days=format_count(filters.days),
        )
    )
    return filters


def _reset(keys: Mapping[str, str], last_range: str, today: date) -> None:
    """Every filter of the bar, and the carried ones, back to the defaults (a button's
    callback: it runs before the widgets are drawn again)."""
    st.session_state.pop(SHARED_KEY, None)
    st.session_state.pop(last_range, None)
    st.session_state[keys["period"]] = DEFAULT_PRESET
    st.session_state[keys["range"]] = preset_window(DEFAULT_PRESET, today)
    for name in FIELDS[1:]:
        st.session_state[keys[name]] = None


def _period(keys: Mapping[str, str], last_range: str, today: date) -> dict[str, object]:
    """The preset picker and, for ``custom``, the range; a half-entered range keeps the last
    complete one and says so."""
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    preset = left.segmented_control(
        t("filters.period"),
        PRESETS,
        format_func=lambda value: t(f"filters.preset.{value}"),
        required=True,
        key=keys["period"],
    )
    if preset != "custom":
        return {"preset": preset or DEFAULT_PRESET, "start": None, "end": None}
    if keys["range"] not in st.session_state:
        st.session_state[keys["range"]] = st.session_state.get(
            last_range, preset_window(DEFAULT_PRESET, today)
        )
    # no max_value: the browser would only outline a later day in red and keep the old range
    chosen = right.date_input(t("filters.range"), key=keys["range"])
    days = list(chosen) if isinstance(chosen, tuple | list) else [chosen]
    checked, note = checked_range(days, today)
    if checked is not None:
        st.session_state[last_range] = checked
    if note:
        message = t(f"filters.range_{note}", today=format_date(today))
        (right.warning if note == "clipped" else right.error)(message, icon=":material/date_range:")
    start, end = st.session_state.get(last_range, preset_window(DEFAULT_PRESET, today))
    return {"preset": "custom", "start": start, "end": end}
