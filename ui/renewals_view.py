"""The renewal pipeline on screen: cached loaders, the table and board, the renewal form (with
its conversions between what people type and what cs_data stores) and the timeline.

Money is typed in whole currency units and probability in percent; ``form_changes`` turns
what was typed into the keyword arguments of ``update_renewal``, only for fields that differ
from the renewal as the form loaded it, so a re-applied save after a conflict sends just the
user's own changes. User text (account names, next steps, reasons, notes) is shown as text:
dataframe text columns and ``st.text``, never Markdown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd
import streamlit as st

from cs_data import domain
from cs_data.auth import Actor, can
from cs_data.db import get_engine
from cs_data.errors import InvalidInput
from cs_data.fiscal import quarter_of
from cs_data.kpi import end_of_day
from cs_data.money import cents_to_decimal
from cs_data.paging import Page
from cs_data.renewals import queries
from cs_data.renewals.history import Change
from ui import card_grid
from ui.card_grid import Card
from ui.errors import show_field_errors
from ui.i18n import (
    choice_key,
    currency_symbol,
    format_count,
    format_date,
    format_money,
    format_percent,
    label,
    money_column_format,
    t,
)
from ui.page_data import CACHE_TTL_SECONDS, DataKey
from ui.text import literal

PAGE_SIZE = 50
OPEN_STAGES = queries.OPEN_STAGES
FORM_FIELDS = (
    "stage",
    "forecast_category",
    "override",
    "probability",
    "expected_arr",
    "upsell",
    "risk",
    "risk_reason",
    "next_step",
    "next_step_date",
    "notes",
    "close",
    "renewed_arr",
    "lost_reason",
)
CLOSE_CHOICES = ("open", "won", "lost")
HEALTH_BANDS = ("green", "yellow", "red")
RISK_COLORS = {"low": "green", "medium": "orange", "high": "red"}


@dataclass(frozen=True)
class Selection:
    """What the filter bar selects: the filter, and the instant of an as-of view (or None)."""

    where: queries.RenewalFilter
    as_of: datetime | None
    as_of_day: date | None


def may_edit(actor: Actor, row: queries.RenewalRow, as_of: datetime | None) -> bool:
    """Whether to offer editing ``row`` (never in an as-of view); the command decides."""
    return as_of is None and can(actor, "renewal.update", row.owned)


def _any(text_of: Callable[[Any], str]) -> Callable[[Any], str]:
    return lambda value: t("renewals.any") if value is None else text_of(value)


def filter_bar(actor: Actor, choices: queries.Choices, today: date) -> Selection:
    """The pipeline's filters: due window (default the next two quarters), my book (on for
    CSMs), attention, open only, as-of date, owner, stage, category, risk, health band,
    segment, region."""
    people = dict(choices.people)
    with st.expander(t("renewals.filters"), expanded=True):
        a, b, c, d = st.columns(4)
        window = a.date_input(t("renewals.window"), value=default_window(today), key="rn_window")
        book = b.toggle(t("renewals.my_book"), value=actor.role == "csm", key="rn_book")
        attention = b.toggle(t("renewals.attention_only"), key="rn_attention")
        open_only = b.toggle(t("renewals.open_only"), value=True, key="rn_open")
        past = c.date_input(
            t("renewals.as_of"),
            value=None,
            max_value=today,
            key="rn_as_of",
            help=t("renewals.as_of.help"),
        )
        owner = d.selectbox(
            t("renewals.owner"),
            [None, *people],
            key=choice_key("rn_owner"),
            format_func=_any(people.get),
            placeholder=t("renewals.any"),
        )
        columns = st.columns(6)

        def pick(column: Any, name: str, values: tuple[str, ...], group: str) -> tuple[str, ...]:
            chosen = column.multiselect(
                t(f"renewals.{name}"),
                values,
                key=choice_key(f"rn_{name}"),
                format_func=lambda v: label(group, v),
                placeholder=t("renewals.choose"),
            )
            return tuple(chosen)

        stages = pick(columns[0], "stages", domain.RENEWAL_STAGES, "stage")
        categories = pick(columns[1], "categories", domain.FORECAST_CATEGORIES, "category")
        risks = pick(columns[2], "risks", domain.RISK_LEVELS, "risk")
        bands = pick(columns[3], "bands", HEALTH_BANDS, "band")
        segment = columns[4].selectbox(
            t("renewals.segment"),
            [None, *domain.SEGMENTS],
            key=choice_key("rn_segment"),
            format_func=_any(lambda s: label("segment", s)),
            placeholder=t("renewals.any"),
        )
        region = columns[5].selectbox(
            t("renewals.region"),
            [None, *choices.regions],
            key=choice_key("rn_region"),
            format_func=_any(str),
            placeholder=t("renewals.any"),
        )
    due = tuple(window) if isinstance(window, tuple | list) and len(window) == 2 else (None, None)
    where = queries.RenewalFilter(
        due_from=due[0],
        due_to=due[1],
        stages=stages,
        categories=categories,
        risks=risks,
        health_bands=bands,
        owner_id=owner,
        segment=segment,
        region=region,
        book_of=actor.user_id if book else None,
        open_only=open_only,
        attention_only=attention,
    )
    return Selection(where, end_of_day(past) if past else None, past)


def stage_board(
    columns: list[queries.StageColumn],
    actor: Actor,
    as_of: datetime | None,
    on_move: Callable[[queries.RenewalRow], None],
) -> None:
    """A column per open stage (count and ARR) with a card per renewal (account, ARR, date,
    risk badge) and, where the user may edit, a stage picker that moves it."""
    for column, place in zip(columns, st.columns(len(columns)), strict=True):
        place.markdown(f"**{literal(label('stage', column.stage))}**")
        place.caption(
            t(
                "renewals.board_head",
                count=format_count(column.count),
                arr=format_money(column.current_arr_cents, compact=True),
            )
        )
        for card in column.cards:
            with place.container(border=True, key=f"card_{card.id}"):
                st.text(card.account_name)
                st.caption(
                    f"{format_money(card.current_arr_cents, compact=True)} · "
                    f"{format_date(card.renewal_date)}"
                )
                if card.next_step:
                    st.text(card.next_step)
                if card.risk:
                    st.badge(label("risk", card.risk), color=RISK_COLORS[card.risk])
                if may_edit(actor, card, as_of):
                    st.selectbox(
                        t("renewals.move"),
                        OPEN_STAGES,
                        key=choice_key(f"move_{card.id}"),
                        index=OPEN_STAGES.index(card.stage),
                        label_visibility="collapsed",
                        format_func=lambda s: label("stage", s),
                        on_change=on_move,
                        args=(card,),
                    )
        if column.count > len(column.cards):
            place.caption(
                t("renewals.board_more", count=format_count(column.count - len(column.cards)))
            )


def default_window(today: date) -> tuple[date, date]:
    """Due in the next two fiscal quarters: from today to the end of the next quarter."""
    return today, quarter_of(today).next().end


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=64, show_spinner=False)
def load_pipeline(
    key: DataKey,
    _actor: Actor,
    where: queries.RenewalFilter,
    as_of: datetime | None,
    today: date,
    sort: str,
    descending: bool,
    page: int,
) -> tuple[Page[queries.RenewalRow], queries.PipelineTotals]:
    """One page of the pipeline and the totals of the whole selection."""
    engine = get_engine()
    found = queries.list_renewals(
        engine,
        _actor,
        where,
        as_of=as_of,
        today=today,
        sort=sort,
        descending=descending,
        page=page,
        page_size=PAGE_SIZE,
    )
    return found, queries.pipeline_totals(engine, _actor, where, as_of=as_of, today=today)


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=32, show_spinner=False)
def load_board(
    key: DataKey,
    _actor: Actor,
    where: queries.RenewalFilter,
    as_of: datetime | None,
    today: date,
) -> list[queries.StageColumn]:
    """The stage board of the selection."""
    return queries.stage_board(
        get_engine(), _actor, where, as_of=as_of, today=today, cards_per_stage=12
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=16, show_spinner=False)
def load_choices(key: DataKey, _actor: Actor) -> queries.Choices:
    """Owners, CSMs and regions the filters offer."""
    return queries.filter_choices(get_engine(), _actor)


def pipeline_frame(rows: list[queries.RenewalRow]) -> pd.DataFrame:
    """The table's rows: money in whole units, labels translated, user text as text."""

    def money(cents: int | None) -> float | None:
        return None if cents is None else float(cents_to_decimal(cents))

    return pd.DataFrame(
        {
            "attention": ["⚠" if r.needs_attention else "" for r in rows],
            "id": [r.id for r in rows],
            "account": [r.account_name for r in rows],
            "renewal_date": [r.renewal_date for r in rows],
            "days": [r.days_to_renewal for r in rows],
            "current_arr": [money(r.current_arr_cents) for r in rows],
            "expected_arr": [money(r.expected_arr_cents) for r in rows],
            "upsell": [money(r.upsell_cents) for r in rows],
            "stage": [label("stage", r.stage) for r in rows],
            "probability": [r.probability * 100 for r in rows],
            "category": [label("category", r.forecast_category) for r in rows],
            "risk": [label("risk", r.risk) if r.risk else "" for r in rows],
            "health": [label("band", r.health_band) if r.health_band else "" for r in rows],
            "next_step": [r.next_step or "" for r in rows],
            "next_step_date": [r.next_step_date for r in rows],
            "owner": [r.owner_name or "" for r in rows],
        }
    )


def column_config() -> dict[str, Any]:
    money = {"format": money_column_format()}
    return {
        "attention": st.column_config.TextColumn(
            "", help=t("renewals.col_attention.help"), width="small", pinned=True
        ),
        "id": st.column_config.TextColumn(t("renewals.col_id"), pinned=True),
        "account": st.column_config.TextColumn(t("renewals.col_account"), pinned=True),
        "renewal_date": st.column_config.DateColumn(t("renewals.col_renewal_date")),
        "days": st.column_config.NumberColumn(t("renewals.col_days"), format="%d"),
        "current_arr": st.column_config.NumberColumn(t("renewals.col_current_arr"), **money),
        "expected_arr": st.column_config.NumberColumn(t("renewals.col_expected_arr"), **money),
        "upsell": st.column_config.NumberColumn(t("renewals.col_upsell"), **money),
        "stage": st.column_config.TextColumn(t("renewals.col_stage")),
        "probability": st.column_config.NumberColumn(t("renewals.col_probability"), format="%d%%"),
        "category": st.column_config.TextColumn(t("renewals.col_category")),
        "risk": st.column_config.TextColumn(t("renewals.col_risk")),
        "health": st.column_config.TextColumn(t("renewals.col_health")),
        "next_step": st.column_config.TextColumn(t("renewals.col_next_step")),
        "next_step_date": st.column_config.DateColumn(t("renewals.col_next_step_date")),
        "owner": st.column_config.TextColumn(t("renewals.col_owner")),
    }


def highlight(frame: pd.DataFrame, rows: list[queries.RenewalRow]) -> Any:
    """The frame styled so that what needs attention stands out (overdue next step, due soon
    and not in commit, high risk)."""
    flags = {i: r for i, r in enumerate(rows)}

    def style(row: pd.Series) -> list[str]:
        found = flags[row.name]
        cells = [""] * len(row)
        columns = list(row.index)
        if found.overdue_next_step:
            cells[columns.index("next_step_date")] = "background-color: #fde2e1"
        if found.due_soon_not_commit:
            cells[columns.index("days")] = "background-color: #fff1c2"
        if found.high_risk:
            cells[columns.index("risk")] = "background-color: #fde2e1"
        return cells

    return frame.style.apply(style, axis=1)


# --- the form -----------------------------------------------------------------------------


def money_shown(cents: int | None) -> float | None:
    return None if cents is None else float(cents_to_decimal(cents))


def _cents(value: float | None) -> int | None:
    if value is None:
        return None
    return int((Decimal(str(value)) * 100).to_integral_value())


def form_values(row: queries.RenewalRow) -> dict[str, Any]:
    """What the form shows for ``row`` (the typed units)."""
    return {
        "stage": row.stage if row.stage in OPEN_STAGES else OPEN_STAGES[-1],
        "forecast_category": row.forecast_category,
        "override": row.probability_is_override,
        "probability": round(row.probability * 100, 1),
        "expected_arr": money_shown(row.expected_arr_cents),
        "upsell": money_shown(row.upsell_cents),
        "risk": row.risk or "",
        "risk_reason": row.risk_reason or "",
        "next_step": row.next_step or "",
        "next_step_date": row.next_step_date,
        "notes": row.notes or "",
        "close": row.outcome or "open",
        "renewed_arr": money_shown(row.renewed_arr_cents),
        "lost_reason": row.lost_reason or "",
    }


def load_form(prefix: str, row: queries.RenewalRow) -> None:
    """Put ``row`` into the form's widgets and remember it as the version being edited."""
    for name, value in form_values(row).items():
        st.session_state[f"{prefix}_{name}"] = value
    st.session_state[f"{prefix}_loaded"] = row


def typed(prefix: str) -> dict[str, Any]:
    return {name: st.session_state.get(f"{prefix}_{name}") for name in FORM_FIELDS}


def form_changes(loaded: queries.RenewalRow, values: dict[str, Any]) -> dict[str, Any]:
    """``update_renewal`` keyword arguments for what the user changed against ``loaded``."""
    before = form_values(loaded)
    changes: dict[str, Any] = {}
    for name in ("stage", "forecast_category"):
        if values[name] != before[name]:
            changes[name] = values[name]
    if values["override"] != before["override"] or (
        values["override"] and values["probability"] != before["probability"]
    ):
        shown = values["probability"]
        changes["probability"] = (
            (shown / 100 if isinstance(shown, int | float) else shown)
            if values["override"]
            else None
        )
    for name, field in (("expected_arr", "expected_arr_cents"), ("upsell", "upsell_cents")):
        if values[name] != before[name]:
            changes[field] = _cents(values[name])
    for name in ("risk_reason", "next_step", "notes"):
        if (values[name] or "") != before[name]:
            changes[name] = values[name] or None
    if (values["risk"] or "") != before["risk"]:
        changes["risk"] = values["risk"] or None
    if values["next_step_date"] != before["next_step_date"]:
        changes["next_step_date"] = values["next_step_date"]
    if values["close"] != before["close"]:
        changes["outcome"] = None if values["close"] == "open" else values["close"]
        if values["close"] != "open":
            changes.pop("stage", None)  # closing settles the stage
    if values["close"] == "won" and (
        values["renewed_arr"] != before["renewed_arr"] or "outcome" in changes
    ):
        changes["renewed_arr_cents"] = _cents(values["renewed_arr"])
    if values["close"] == "lost" and (
        values["lost_reason"] != before["lost_reason"] or "outcome" in changes
    ):
        changes["lost_reason"] = values["lost_reason"] or None
    return changes


def start_new_form(prefix: str, current_arr_cents: int | None) -> None:
    """Empty the new-renewal form (current ARR pre-filled with the account's ARR today)."""
    blank = {name: "" for name in ("risk", "risk_reason", "next_step", "notes")}
    values = blank | {
        "renewal_date": None,
        "current_arr": money_shown(current_arr_cents),
        "stage": OPEN_STAGES[0],
        "forecast_category": "pipeline",
        "override": False,
        "probability": None,
        "expected_arr": None,
        "upsell": None,
        "next_step_date": None,
    }
    for name, value in values.items():
        st.session_state[f"{prefix}_{name}"] = value


def creation_values(prefix: str) -> dict[str, Any]:
    """``create_renewal`` keyword arguments for what the new-renewal form holds."""
    value = lambda name: st.session_state.get(f"{prefix}_{name}")  # noqa: E731
    shown = value("probability")
    if not value("override"):
        shown = None
    elif isinstance(shown, int | float):
        shown = shown / 100
    return {
        "renewal_date": value("renewal_date"),
        "current_arr_cents": _cents(value("current_arr")),
        "stage": value("stage"),
        "forecast_category": value("forecast_category"),
        "probability": shown,
        "expected_arr_cents": _cents(value("expected_arr")),
        "upsell_cents": _cents(value("upsell")),
        "risk": value("risk") or None,
        "risk_reason": value("risk_reason") or None,
        "next_step": value("next_step") or None,
        "next_step_date": value("next_step_date"),
        "notes": value("notes") or None,
    }


def renewal_form(
    prefix: str,
    error: InvalidInput | None,
    stage_probabilities: Mapping[str, float],
    *,
    creating: bool = False,
) -> None:
    """The form's fields, each error right under its field (inside an ``st.form``): a new
    renewal's (``creating``: renewal date and current ARR, no outcome) or an existing one's.
    The probability hint shows the chosen stage's configured probability."""
    key = lambda name: f"{prefix}_{name}"  # noqa: E731
    if creating:
        first, second = st.columns(2)
        first.date_input(t("renewals.f_renewal_date"), key=key("renewal_date"))
        with first:
            show_field_errors(error, "renewal_date")
        second.number_input(
            t("renewals.f_current_arr", currency=currency_symbol()),
            min_value=None,
            step=1000.0,
            key=key("current_arr"),
            help=t("renewals.money.help"),
        )
        with second:
            show_field_errors(error, "current_arr_cents")
    left, right = st.columns(2)
    with left:
        st.selectbox(
            t("renewals.f_stage"),
            OPEN_STAGES,
            key=choice_key(key("stage")),
            format_func=lambda s: label("stage", s),
        )
        show_field_errors(error, "stage")
        st.selectbox(
            t("renewals.f_category"),
            domain.FORECAST_CATEGORIES,
            key=choice_key(key("forecast_category")),
            format_func=lambda c: label("category", c),
        )
        show_field_errors(error, "forecast_category")
        stage_default = stage_probabilities[st.session_state.get(key("stage")) or "not_started"]
        st.checkbox(
            t("renewals.f_override", default=format_percent(stage_default, digits=0)),
            key=key("override"),
            help=t("renewals.f_override.help"),
        )
        st.number_input(
            t("renewals.f_probability"),
            min_value=None,
            step=5.0,
            key=key("probability"),
            help=t("renewals.f_probability.help"),
        )
        show_field_errors(error, "probability")
        st.number_input(
            t("renewals.f_expected_arr", currency=currency_symbol()),
            step=1000.0,
            key=key("expected_arr"),
            help=t("renewals.money.help"),
        )
        show_field_errors(error, "expected_arr_cents")
        st.number_input(
            t("renewals.f_upsell", currency=currency_symbol()),
            step=1000.0,
            key=key("upsell"),
            help=t("renewals.f_upsell.help"),
        )
        show_field_errors(error, "upsell_cents")
    with right:
        st.selectbox(
            t("renewals.f_risk"),
            ("", *domain.RISK_LEVELS),
            key=choice_key(key("risk")),
            format_func=lambda r: label("risk", r) if r else t("renewals.none"),
        )
        show_field_errors(error, "risk")
        st.text_input(t("renewals.f_risk_reason"), key=key("risk_reason"), max_chars=500)
        show_field_errors(error, "risk_reason")
        st.text_input(t("renewals.f_next_step"), key=key("next_step"), max_chars=500)
        show_field_errors(error, "next_step")
        st.date_input(t("renewals.f_next_step_date"), key=key("next_step_date"))
        show_field_errors(error, "next_step_date")
        st.text_area(t("renewals.f_notes"), key=key("notes"), height=80)
        show_field_errors(error, "notes")
    if creating:
        return
    st.radio(
        t("renewals.f_close"),
        CLOSE_CHOICES,
        key=choice_key(key("close")),
        horizontal=True,
        format_func=lambda c: t(f"renewals.close_{c}"),
    )
    show_field_errors(error, "outcome")
    won, lost = st.columns(2)
    won.number_input(
        t("renewals.f_renewed_arr", currency=currency_symbol()),
        step=1000.0,
        key=key("renewed_arr"),
        help=t("renewals.f_renewed_arr.help"),
    )
    with won:
        show_field_errors(error, "renewed_arr_cents")
    lost.text_input(t("renewals.f_lost_reason"), key=key("lost_reason"), max_chars=500)
    with lost:
        show_field_errors(error, "lost_reason")


def conflict_box(
    conflict: Any,
    mine: dict[str, Any],
    loaded: queries.RenewalRow,
    zone: Any,
    *,
    on_reapply: Callable[[], None],
    on_discard: Callable[[], None],
) -> None:
    """A refused save: the other person's changes beside the user's, with re-apply (keep
    mine on top of theirs) and discard (load theirs)."""
    st.warning(
        t("renewals.conflict", version=format_count(conflict.version)),
        icon=":material/sync_problem:",
    )
    left, right = st.columns(2)
    left.caption(t("renewals.conflict_theirs"))
    left.dataframe(
        changes_frame(conflict.changes, zone), hide_index=True, column_config=changes_config()
    )
    right.caption(t("renewals.conflict_mine"))
    right.dataframe(
        mine_frame(loaded, mine),
        hide_index=True,
        column_config={
            name: st.column_config.TextColumn(t(f"renewals.tl_{name}"))
            for name in ("field", "from", "to")
        },
    )
    left.button(t("renewals.reapply"), on_click=on_reapply, type="primary", key="rf_reapply")
    right.button(t("renewals.discard"), on_click=on_discard, key="rf_discard")


def totals_row(totals: queries.PipelineTotals) -> None:
    """Count and sums of every selected renewal (not just the page shown), as one card grid;
    a sum's help gives its exact amount."""
    sums = (
        ("total_current", totals.current_arr_cents),
        ("total_expected", totals.expected_arr_cents),
        ("total_upsell", totals.upsell_cents),
    )
    cards = [
        Card(t("renewals.total_count"), format_count(totals.renewals)),
        *(
            Card(t(f"renewals.{key}"), format_money(cents, compact=True), help=format_money(cents))
            for key, cents in sums
        ),
        Card(t("renewals.total_attention"), format_count(totals.needing_attention)),
    ]
    card_grid.show(cards, per_row=len(cards))


def _shown_value(field: str, value: Any) -> str:
    if value is None:
        return t("fmt.none")
    if field.endswith("_cents"):
        return format_money(int(value))
    if field == "probability":
        return format_percent(float(value), digits=0)
    if isinstance(value, date):
        return format_date(value)
    if field in ("stage", "forecast_category", "risk"):
        return label({"forecast_category": "category"}.get(field, field), str(value))
    return str(value)


def changes_frame(changes: list[Change], zone: Any) -> pd.DataFrame:
    """The timeline (or a conflict's changes): when, who, which field, from → to, as text."""
    return pd.DataFrame(
        {
            "when": [c.changed_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") for c in changes],
            "who": [c.actor_name for c in changes],
            "field": [label("field", c.field) for c in changes],
            "from": [
                _shown_value(c.field, c.old_value) if c.field != "created" else "" for c in changes
            ],
            "to": [
                _shown_value(c.field, c.new_value) if c.field != "created" else "" for c in changes
            ],
        }
    )


def changes_config() -> dict[str, Any]:
    return {
        name: st.column_config.TextColumn(t(f"renewals.tl_{name}"))
        for name in ("when", "who", "field", "from", "to")
    }


def mine_frame(loaded: queries.RenewalRow, changes: dict[str, Any]) -> pd.DataFrame:
    """The user's own unsaved changes, field → from (as loaded) → to (typed), as text."""
    field_of = {"expected_arr_cents": "expected_arr_cents", "upsell_cents": "upsell_cents"}
    rows = []
    for field, value in changes.items():
        old = getattr(loaded, field, None) if field != "outcome" else loaded.outcome
        rows.append(
            (
                label("field", field_of.get(field, field)),
                _shown_value(field, old),
                _shown_value(field, value),
            )
        )
    return pd.DataFrame(rows, columns=["field", "from", "to"])
