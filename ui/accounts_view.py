"""The Accounts page's loaders, filters and tables: the list, the at-risk list, the CSV export.

Account names are data: they reach the screen as dataframe text, or ``literal`` in the
Overview's static table, and every table links to the account 360 (``/accounts?account=ID``).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote

import pandas as pd
import streamlit as st

from cs_data import accounts, health
from cs_data.auth import Actor
from cs_data.db import get_engine
from cs_data.paging import Page
from ui import shell
from ui.filters import load_choices
from ui.i18n import (
    choice_key,
    format_count,
    format_date,
    format_money,
    format_number,
    label,
    money_column_format,
    t,
)
from ui.page_data import CACHE_TTL_SECONDS, DataKey, stored
from ui.text import literal

PAGE_SIZE = 50
CENTS_PER_DOLLAR = 100
RENEWAL_WINDOWS = (30, 60, 90, 180)
LINK_PATTERN = r"account=(.*)$"
AT_RISK_CARD_ROWS = 5


def today() -> date:
    return datetime.now(UTC).date()


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False, max_entries=200)
def load_accounts(
    key: DataKey,
    where: accounts.AccountFilter,
    sort: str,
    descending: bool,
    page: int,
    day: date,
) -> Page[accounts.AccountRow]:
    """One page of the list."""
    return accounts.list_accounts(
        get_engine(),
        where,
        sort=sort,
        descending=descending,
        page=page,
        page_size=PAGE_SIZE,
        today=day,
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False, max_entries=50)
def load_at_risk(
    key: DataKey, csm_id: int | None, page: int, day: date
) -> Page[accounts.AtRiskRow]:
    """One page of the at-risk list."""
    return accounts.at_risk(get_engine(), csm_id=csm_id, page=page, page_size=PAGE_SIZE, today=day)


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False, max_entries=10)
def load_at_risk_top(key: DataKey, day: date) -> Page[accounts.AtRiskRow]:
    """The largest accounts at risk, for the Overview's card."""
    return stored(
        "accounts.at_risk_top",
        Page[accounts.AtRiskRow],
        key,
        day,
        compute=lambda: accounts.at_risk(get_engine(), page_size=AT_RISK_CARD_ROWS, today=day),
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False, max_entries=10)
def load_csv(
    key: DataKey, where: accounts.AccountFilter, sort: str, descending: bool, day: date
) -> bytes:
    """Every matching account as CSV (UTF-8 with BOM, so spreadsheets read Korean right)."""
    rows = accounts.export_accounts(
        get_engine(), where, sort=sort, descending=descending, today=day
    )
    frame = pd.DataFrame(
        [asdict(row) for row in rows], columns=list(accounts.AccountRow.__annotations__)
    )
    return frame.to_csv(index=False).encode("utf-8-sig")


def link(account_id: str) -> str:
    """The account 360's address (the Accounts page is a CSM's landing page, at ``/``)."""
    return f"{shell.page_url('accounts')}?account={quote(account_id, safe='')}"


def filters(key: DataKey, actor: Actor) -> tuple[accounts.AccountFilter, str, bool]:
    """The filter row (CSMs start on their own accounts) → (filter, sort, descending)."""
    choices = load_choices(key)
    csm_names = dict(choices.csms)
    csm_options = [None, *csm_names]
    # a CSM starts on their own accounts (and may pick "All" afterwards)
    mine = actor.role == "csm" and actor.user_id in csm_names
    first = st.columns([2, 1, 1, 1.4, 1])
    search = first[0].text_input(t("accounts.search"), key="accounts_search", max_chars=100)
    segment = first[1].selectbox(
        t("filters.segment"),
        [None, *choices.segments],
        format_func=lambda v: t("filters.any") if v is None else label("segment", v),
        placeholder=t("filters.any"),
        key=choice_key("accounts_segment"),
    )
    region = first[2].selectbox(
        t("filters.region"),
        [None, *choices.regions],
        format_func=lambda v: t("filters.any") if v is None else label("region", v),
        placeholder=t("filters.any"),
        key=choice_key("accounts_region"),
    )
    csm = first[3].selectbox(
        t("filters.csm"),
        csm_options,
        index=csm_options.index(actor.user_id) if mine else 0,
        format_func=lambda v: t("filters.any") if v is None else csm_names[v],
        placeholder=t("filters.any"),
        key=choice_key("accounts_csm"),
    )
    band = first[4].selectbox(
        t("accounts.band"),
        [None, *health.BANDS],
        format_func=lambda v: t("filters.any") if v is None else label("health_band", v),
        placeholder=t("filters.any"),
        key=choice_key("accounts_band"),
    )
    second = st.columns([1.2, 4, 1])
    renewal = second[0].selectbox(
        t("accounts.renewal_window"),
        [None, *RENEWAL_WINDOWS],
        format_func=lambda v: t("filters.any") if v is None else t("accounts.within_days", days=v),
        placeholder=t("filters.any"),
        key=choice_key("accounts_renewal"),
    )
    sort = (
        second[1].pills(
            t("accounts.sort"),
            accounts.SORTS,
            default="health",
            format_func=lambda v: t(f"accounts.sort.{v}"),
            key="accounts_sort",
        )
        or "health"
    )
    descending = second[2].toggle(t("accounts.descending"), key="accounts_descending")
    where = accounts.AccountFilter(
        segment=segment,
        region=region,
        csm_id=csm,
        band=band,
        renewal_within_days=renewal,
        search=search.strip() or None,
    )
    return where, sort, descending


def signed_changes(frame: pd.DataFrame, column: str) -> Any:
    """``frame`` with ``column`` (a change in points) shown through ``format_number``: ``+1.2``,
    ``-1.2``, and ``0.0`` for what rounds to zero (a printf format would show ``-0.0``); the
    column stays numeric, so it still sorts by value."""
    return frame.style.format(
        {column: lambda value: format_number(value, signed=True)}, na_rep=t("fmt.none")
    )


def _money(cents: list[int]) -> list[float]:
    return [value / CENTS_PER_DOLLAR for value in cents]


def accounts_table(page: Page[accounts.AccountRow]) -> None:
    """The list as text and numbers; the account column opens the account 360."""
    rows = page.rows
    frame = pd.DataFrame(
        {
            t("accounts.col_link"): [link(r.id) for r in rows],
            t("accounts.col_name"): [r.name for r in rows],
            t("accounts.col_health"): [r.health for r in rows],
            t("accounts.col_band"): [
                label("health_band", r.band) if r.band else None for r in rows
            ],
            t("accounts.col_change"): [r.change for r in rows],
            t("accounts.col_arr"): _money([r.arr_cents for r in rows]),
            t("accounts.col_segment"): [
                label("segment", r.segment) if r.segment else None for r in rows
            ],
            t("accounts.col_region"): [
                label("region", r.region) if r.region else None for r in rows
            ],
            t("accounts.col_csm"): [r.csm_name for r in rows],
            t("accounts.col_renewal"): [r.next_renewal_date for r in rows],
            t("accounts.col_stage"): [
                label("renewal_stage", r.next_renewal_stage) if r.next_renewal_stage else None
                for r in rows
            ],
            t("accounts.col_open_tickets"): [r.open_tickets for r in rows],
            t("accounts.col_nps"): [r.last_nps for r in rows],
            t("accounts.col_csat"): [r.last_csat for r in rows],
            t("accounts.col_touch"): [r.days_since_touch for r in rows],
        }
    )
    st.dataframe(
        signed_changes(frame, t("accounts.col_change")),
        hide_index=True,
        width="stretch",
        placeholder=t("fmt.none"),
        column_config={
            t("accounts.col_link"): st.column_config.LinkColumn(
                display_text=LINK_PATTERN, help=t("accounts.col_link_help"), pinned=True
            ),
            t("accounts.col_name"): st.column_config.TextColumn(pinned=True),
            t("accounts.col_health"): st.column_config.ProgressColumn(
                format="%.0f", min_value=0, max_value=100, help=t("accounts.health_help")
            ),
            t("accounts.col_change"): st.column_config.NumberColumn(help=t("accounts.change_help")),
            t("accounts.col_arr"): st.column_config.NumberColumn(format=money_column_format()),
            t("accounts.col_renewal"): st.column_config.DateColumn(format=t("fmt.date_column")),
            t("accounts.col_touch"): st.column_config.NumberColumn(
                format="%d", help=t("accounts.touch_help")
            ),
        },
    )


def at_risk_table(page: Page[accounts.AtRiskRow]) -> None:
    """The at-risk accounts, largest ARR first, with their reasons in words."""
    rows = page.rows
    frame = pd.DataFrame(
        {
            t("accounts.col_link"): [link(r.id) for r in rows],
            t("accounts.col_name"): [r.name for r in rows],
            t("accounts.col_arr"): _money([r.arr_cents for r in rows]),
            t("accounts.col_health"): [r.health for r in rows],
            t("accounts.col_reasons"): [
                " · ".join(_reason(r, reason) for reason in r.reasons) for r in rows
            ],
            t("accounts.col_csm"): [r.csm_name for r in rows],
            t("accounts.col_renewal"): [r.next_renewal_date for r in rows],
        }
    )
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        placeholder=t("fmt.none"),
        column_config={
            t("accounts.col_link"): st.column_config.LinkColumn(display_text=LINK_PATTERN),
            t("accounts.col_arr"): st.column_config.NumberColumn(format=money_column_format()),
            t("accounts.col_health"): st.column_config.NumberColumn(format="%.0f"),
            t("accounts.col_renewal"): st.column_config.DateColumn(format=t("fmt.date_column")),
        },
    )


def _reason(row: accounts.AtRiskRow, reason: str) -> str:
    if reason == "fell":
        return t("accounts.reason.fell", points=f"{row.fell_by:.0f}")
    return t(f"accounts.reason.{reason}")


def _at_risk_summary(rows: list[accounts.AtRiskRow]) -> None:
    """The card's few rows as a static table (``st.table``: no grid to load for five rows).
    Its cells are Markdown, so the data in them is ``literal``."""
    st.table(
        {
            t("accounts.col_link"): [f"[{literal(r.id)}]({link(r.id)})" for r in rows],
            t("accounts.col_name"): [literal(r.name) for r in rows],
            t("accounts.col_arr"): [format_money(r.arr_cents) for r in rows],
            t("accounts.col_health"): [format_number(r.health, digits=0) for r in rows],
            t("accounts.col_reasons"): [
                " · ".join(_reason(r, reason) for reason in r.reasons) for r in rows
            ],
            t("accounts.col_csm"): [literal(r.csm_name or t("fmt.none")) for r in rows],
            t("accounts.col_renewal"): [
                t("fmt.none") if r.next_renewal_date is None else format_date(r.next_renewal_date)
                for r in rows
            ],
        },
        hide_index=True,
    )


def at_risk_card(top: Page[accounts.AtRiskRow]) -> None:
    """The Overview's card: how many accounts are at risk (``top``: the largest five, from
    ``load_at_risk_top``), one click from their account 360."""
    st.subheader(t("accounts.card_title"), anchor=False)
    with st.container(border=True):
        if not top.rows:
            st.caption(t("accounts.at_risk_empty"))
        else:
            st.caption(t("accounts.card_count", count=format_count(top.total)))
            _at_risk_summary(top.rows)
        st.page_link(
            "pages/accounts.py", label=t("accounts.card_link"), icon=":material/apartment:"
        )
