"""The account 360: header, why this score, trends, tickets, surveys, contacts, renewal,
journey and the interactions log with its form.

Everything the data or a person wrote (names, summaries, comments, subjects) is shown as
plain text: ``st.text`` or dataframe text columns, never Markdown.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pandas as pd
import streamlit as st

from cs_data import accounts, domain, health
from cs_data.auth import Actor, Owned, can
from cs_data.db import get_engine
from cs_data.paging import Page
from ui import accounts_view, card_grid, charts, renewal_panel
from ui.card_grid import Arrow, Card, Tone
from ui.errors import show_field_errors
from ui.forms import form_error, show_notice, submit
from ui.i18n import (
    currency_symbol,
    format_count,
    format_date,
    format_money,
    format_number,
    label,
    t,
)
from ui.page_data import CACHE_TTL_SECONDS, DataKey
from ui.paging import page_number, pager
from ui.text import literal

PAGE_SIZE = 20
BAND_ICONS = {
    "green": ":material/check_circle:",
    "yellow": ":material/error:",
    "red": ":material/dangerous:",
}


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False, max_entries=100)
def load_account(key: DataKey, account_id: str, day: date) -> accounts.AccountView:
    return accounts.get_account(get_engine(), account_id, today=day)


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False, max_entries=100)
def load_trends(
    key: DataKey, account_id: str, day: date
) -> tuple[list[accounts.TrendPoint], list[tuple[date, int]]]:
    engine = get_engine()
    return (
        accounts.health_trend(engine, account_id, today=day),
        accounts.arr_history(engine, account_id, today=day),
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False, max_entries=200)
def load_lists(
    key: DataKey, account_id: str, tickets_page: int, surveys_page: int
) -> tuple[Page[accounts.TicketRow], Page[accounts.SurveyRow]]:
    engine = get_engine()
    return (
        accounts.account_tickets(engine, account_id, page=tickets_page, page_size=PAGE_SIZE),
        accounts.account_surveys(engine, account_id, page=surveys_page, page_size=PAGE_SIZE),
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False, max_entries=200)
def load_interactions(key: DataKey, account_id: str, page: int) -> Page[accounts.InteractionRow]:
    return accounts.account_interactions(get_engine(), account_id, page=page, page_size=PAGE_SIZE)


def health_card(view: accounts.AccountView) -> Card:
    """Score and band with the change against the snapshot a week before: green and up when
    it rose, red and down when it fell, gray without an arrow when it shows as zero."""
    current, previous = view.health, view.previous
    if current is None:
        return Card(t("account.health"), t("fmt.none"), help=t("account.no_health"))
    delta = current.score - previous.score if previous is not None else None
    shown = None if delta is None else format_number(delta, signed=True)
    tone: Tone = "gray"
    arrow: Arrow = "off"
    if delta is not None and shown != format_number(0.0):
        tone, arrow = ("green", "up") if delta > 0 else ("red", "down")
    return Card(
        t("account.health"),
        f"{current.score:.0f} · {label('health_band', current.band)}",
        help=t("account.health_help", day=format_date(current.day)),
        delta=shown,
        tone=tone,
        arrow=arrow,
    )


def header(view: accounts.AccountView) -> None:
    """Name, then one card grid: health and band with the weekly change, ARR, segment, CSM and
    next renewal (its stage as help)."""
    st.title(view.name, anchor=False)
    st.caption(t("account.id", id=literal(view.id)))
    renewal = view.renewal
    cards = [
        health_card(view),
        Card(t("account.arr"), format_money(view.arr_cents)),
        Card(
            t("account.segment"),
            label("segment", view.segment) if view.segment else t("fmt.none"),
        ),
        Card(t("account.csm"), view.csm_name or t("fmt.none")),
        Card(
            t("account.next_renewal"),
            format_date(renewal.renewal_date) if renewal else t("fmt.none"),
            help=label("renewal_stage", renewal.stage) if renewal else "",
        ),
    ]
    card_grid.show(cards, per_row=len(cards))


def _words(part: health.Component) -> str:
    """The input behind a component's score, in words."""
    inputs, name = part.inputs, part.name
    if name == "support_load":
        median = inputs.get("segment_median") or 0
        times = f"{inputs['ratio'] / median:.1f}" if median else t("fmt.none")
        return t(
            "health.input.support_load",
            tickets=format_count(inputs["tickets"]),
            arr=format_money(inputs["arr_cents"]),
            ratio=f"{inputs['ratio']:.2f}",
            per=format_money(health.SUPPORT_LOAD_PER_CENTS, compact=True),
            times=times,
            median=f"{median:.2f}",
        )
    if name == "sla":
        if not inputs.get("judged"):
            return t("health.input.sla_none")
        return t(
            "health.input.sla",
            met=format_count(inputs["met"]),
            judged=format_count(inputs["judged"]),
        )
    if name == "sentiment":
        if part.score is None:
            return t("health.input.sentiment_none")
        return t(
            "health.input.sentiment",
            nps=format_count(inputs["nps_responses"]),
            csat=format_count(inputs["csat_responses"]),
        )
    if name == "engagement":
        if inputs.get("logged") is False:
            return t("health.input.engagement_unlogged")
        if inputs.get("last_touch") is None:
            return t("health.input.engagement_never")
        return t(
            "health.input.engagement",
            days=format_count(inputs["days"]),
            date=format_date(date.fromisoformat(inputs["last_touch"])),
        )
    if inputs.get("month") is None:
        return t("health.input.adoption_none")
    month = format_date(date.fromisoformat(inputs["month"]))
    if not inputs.get("licensed_seats"):
        return t("health.input.adoption_no_seats", month=month)
    return t(
        "health.input.adoption",
        active=format_count(inputs["active_users"]),
        seats=format_count(inputs["licensed_seats"]),
        month=month,
    )


def why_this_score(view: accounts.AccountView) -> None:
    """Each component's score, weight and contribution as bars, its input in words, and the
    change since the snapshot a week before."""
    st.subheader(t("account.why_title"), anchor=False)
    current = view.health
    if current is None:
        st.info(t("account.no_health"), icon=":material/info:")
        return
    st.caption(t("account.why_help"))
    previous = view.previous.components if view.previous else {}
    parts = [current.components[name] for name in health.COMPONENTS if name in current.components]
    frame = pd.DataFrame(
        {
            "component": [label("health_component", p.name) for p in parts],
            "contribution": [p.contribution or 0.0 for p in parts],
        }
    )
    chart = charts.category_bars(
        frame,
        category="component",
        value="contribution",
        title=t("account.why_chart", score=f"{current.score:.1f}"),
        subtitle=t("account.why_chart_subtitle"),
        category_title=t("account.component"),
        value_title=t("account.contribution"),
        value_format=".1f",
    )
    charts.show(chart)
    table = pd.DataFrame(
        {
            t("account.component"): [label("health_component", p.name) for p in parts],
            t("account.score"): [p.score for p in parts],
            t("account.weight"): [p.weight for p in parts],
            t("account.contribution"): [p.contribution for p in parts],
            t("account.change"): [_change(p, previous.get(p.name)) for p in parts],
            t("account.input"): [_words(p) for p in parts],
        }
    )
    st.dataframe(
        accounts_view.signed_changes(table, t("account.change")),
        hide_index=True,
        width="stretch",
        placeholder=t("account.missing"),
        column_config={
            t("account.score"): st.column_config.ProgressColumn(
                format="%.0f", min_value=0, max_value=100
            ),
            t("account.contribution"): st.column_config.NumberColumn(format="%.1f"),
            t("account.change"): st.column_config.NumberColumn(help=t("account.change_help")),
        },
    )


def _change(part: health.Component, before: health.Component | None) -> float | None:
    if part.score is None or before is None or before.score is None:
        return None
    return part.score - before.score


def trend_charts(trend: list[accounts.TrendPoint], arr: list[tuple[date, int]]) -> None:
    left, right = st.columns(2)
    with left.container(border=True):
        if trend:
            frame = pd.DataFrame(
                {"day": [pd.Timestamp(p.day) for p in trend], "score": [p.score for p in trend]}
            )
            charts.show(
                charts.trend_lines(
                    frame,
                    period="day",
                    series={"score": t("account.health")},
                    title=t("account.trend_title"),
                    subtitle=t("account.trend_subtitle"),
                    period_title=t("account.day"),
                    value_title=t("account.score_axis"),
                )
            )
        else:
            st.info(t("account.no_health"), icon=":material/info:")
    with right.container(border=True):
        frame = pd.DataFrame(
            {"month": [pd.Timestamp(m) for m, _ in arr], "arr": [c / 100 for _, c in arr]}
        )
        charts.show(
            charts.trend_lines(
                frame,
                period="month",
                series={"arr": t("account.arr")},
                title=t("account.arr_title"),
                subtitle=t("account.arr_subtitle"),
                period_title=t("account.month"),
                value_title=t("account.arr_axis", currency=currency_symbol()),
                value_format=charts.MONEY,
            )
        )


def journey_and_renewal(key: DataKey, actor: Actor, view: accounts.AccountView, zone: Any) -> None:
    """The customer journey and the next renewal in brief; below them the renewal form (the
    Renewals page's, with its conflicts and timeline) and the "New renewal" form."""
    left, right = st.columns(2)
    with left.container(border=True):
        st.subheader(t("account.journey_title"), anchor=False)
        stages = accounts.JOURNEY_STAGES
        st.segmented_control(
            t("account.journey_stage"),
            stages,
            default=view.journey.stage,
            format_func=lambda s: label("journey", s),
            disabled=True,
            key="account_journey",
        )
        st.caption(t("account.journey_rule"))
        touch = view.journey
        st.text(
            t(
                "account.touches",
                last=format_date(touch.last_touch) if touch.last_touch else t("fmt.none"),
                next=format_date(touch.next_touch) if touch.next_touch else t("fmt.none"),
            )
        )
    with right.container(border=True):
        st.subheader(t("account.renewal_title"), anchor=False)
        renewal = view.renewal
        if renewal is None:
            st.info(t("account.no_renewal"), icon=":material/event_busy:")
        else:
            _renewal_facts(renewal)
    show_notice()
    if view.renewal is not None:
        renewal_panel.renewal_panel(actor, view.renewal.id, zone=zone)
    renewal_panel.new_renewal(
        actor,
        key,
        account=(view.id, view.name, view.arr_cents, view.csm_id),
    )


def _renewal_facts(renewal: accounts.RenewalView) -> None:
    facts = {
        t("account.renewal_date"): format_date(renewal.renewal_date),
        t("account.renewal_stage"): label("renewal_stage", renewal.stage),
        t("account.renewal_arr"): format_money(renewal.current_arr_cents),
        t("account.renewal_expected"): format_money(renewal.expected_arr_cents),
        t("account.renewal_owner"): renewal.owner_name or t("fmt.none"),
        t("account.renewal_next_step"): renewal.next_step or t("fmt.none"),
    }
    st.dataframe(
        pd.DataFrame({t("account.field"): list(facts), t("account.value"): list(facts.values())}),
        hide_index=True,
        width="stretch",
    )


def tickets_and_surveys(key: DataKey, view: accounts.AccountView) -> None:
    tickets_key, surveys_key = "account_tickets_page", "account_surveys_page"
    tickets, surveys = load_lists(
        key,
        view.id,
        page_number(tickets_key, view.id),
        page_number(surveys_key, view.id),
    )
    left, right = st.columns(2)
    with left:
        st.subheader(t("account.tickets_title"), anchor=False)
        if not tickets.rows:
            st.info(t("account.no_tickets"), icon=":material/inbox:")
        else:
            frame = pd.DataFrame(
                {
                    t("account.ticket"): [r.id for r in tickets.rows],
                    t("account.subject"): [r.subject for r in tickets.rows],
                    t("account.status"): [
                        t("account.open") if r.is_open else t("account.resolved")
                        for r in tickets.rows
                    ],
                    t("account.sla"): [label("sla_state", r.sla) for r in tickets.rows],
                    t("account.created"): [r.created_at.date() for r in tickets.rows],
                }
            )
            st.dataframe(frame, hide_index=True, width="stretch", placeholder=t("fmt.none"))
            pager(tickets, tickets_key, "account.count")
    with right:
        st.subheader(t("account.surveys_title"), anchor=False)
        if not surveys.rows:
            st.info(t("account.no_surveys"), icon=":material/inbox:")
        else:
            frame = pd.DataFrame(
                {
                    t("account.survey"): [r.survey_type.upper() for r in surveys.rows],
                    t("account.score"): [r.score for r in surveys.rows],
                    t("account.responded"): [r.responded_at.date() for r in surveys.rows],
                    t("account.comment"): [r.comment for r in surveys.rows],
                }
            )
            st.dataframe(frame, hide_index=True, width="stretch", placeholder=t("fmt.none"))
            pager(surveys, surveys_key, "account.count")


def contacts(view: accounts.AccountView) -> None:
    st.subheader(t("account.contacts_title"), anchor=False)
    if not view.contacts:
        st.info(t("account.no_contacts"), icon=":material/person_off:")
        return
    frame = pd.DataFrame(
        {
            t("account.contact_name"): [c.name for c in view.contacts],
            t("account.contact_title"): [c.title for c in view.contacts],
            t("account.contact_role"): [
                label("contact_role", c.role) if c.role else None for c in view.contacts
            ],
            t("account.contact_email"): [c.email for c in view.contacts],
            t("account.contact_phone"): [c.phone for c in view.contacts],
            t("account.contact_primary"): [c.is_primary for c in view.contacts],
        }
    )
    st.dataframe(frame, hide_index=True, width="stretch", placeholder=t("fmt.none"))


def interactions(key: DataKey, actor: Actor, view: accounts.AccountView) -> None:
    """The log, newest first, and the form to add to it (for those who may)."""
    st.subheader(t("account.log_title"), anchor=False)
    owners = frozenset({view.csm_id}) if view.csm_id else frozenset()
    if can(actor, "interaction.add", Owned("account", view.id, owners)):
        _interaction_form(actor, view)
    pager_key = "account_log_page"
    log = load_interactions(key, view.id, page_number(pager_key, view.id))
    if not log.rows:
        st.info(t("account.no_interactions"), icon=":material/forum:")
        return
    frame = pd.DataFrame(
        {
            t("account.when"): [r.occurred_at.date() for r in log.rows],
            t("account.kind"): [label("interaction_kind", r.kind) for r in log.rows],
            t("account.summary"): [r.summary for r in log.rows],
            t("account.by"): [r.user_name for r in log.rows],
            t("account.with"): [r.contact_name for r in log.rows],
        }
    )
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        placeholder=t("fmt.none"),
        column_config={t("account.when"): st.column_config.DateColumn(format=t("fmt.date_column"))},
    )
    pager(log, pager_key, "account.count")


def _interaction_form(actor: Actor, view: accounts.AccountView) -> None:
    form = "interaction"
    error = form_error(form)
    show_notice()
    contact_names = {c.id: c.name for c in view.contacts}
    with (
        st.expander(t("account.log_add"), icon=":material/add_comment:"),
        st.form("interaction_form"),
    ):
        left, middle, right = st.columns(3)
        left.segmented_control(
            t("account.kind"),
            domain.INTERACTION_KINDS,
            default="call",
            format_func=lambda k: label("interaction_kind", k),
            required=True,
            key="interaction_kind",
        )
        show_field_errors(error, "kind")
        middle.date_input(t("account.when"), key="interaction_day", format="YYYY-MM-DD")
        show_field_errors(error, "occurred_at")
        right.selectbox(
            t("account.with"),
            [None, *contact_names],
            format_func=lambda c: t("fmt.none") if c is None else contact_names[c],
            key="interaction_contact",
        )
        show_field_errors(error, "contact_id")
        st.text_area(
            t("account.summary"), key="interaction_summary", max_chars=accounts.SUMMARY_MAX
        )
        show_field_errors(error, "summary")
        st.form_submit_button(
            t("account.log_save"),
            type="primary",
            on_click=submit,
            args=(form, lambda: _add(actor, view.id)),
            kwargs={"clear": ("interaction_summary",)},
        )


def _add(actor: Actor, account_id: str) -> str:
    day = st.session_state.get("interaction_day")
    now = datetime.now(UTC)
    when = None
    if isinstance(day, date):
        # today: now; another day: its noon UTC (the form asks for the day only)
        when = now if day == now.date() else datetime.combine(day, time(12), tzinfo=UTC)
    accounts.add_interaction(
        get_engine(),
        actor,
        account_id,
        kind=st.session_state.get("interaction_kind"),
        occurred_at=when,
        summary=st.session_state.get("interaction_summary"),
        contact_id=st.session_state.get("interaction_contact"),
    )
    return t("account.log_saved")
