"""Audit (admins, managers): who changed what and when, newest first, filtered and paged in SQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import streamlit as st

from cs_data import audit
from cs_data.db import get_engine
from cs_data.errors import CockpitError
from ui import shell
from ui.audit_view import action_name, entries_table, entry_detail, record_name
from ui.errors import show_error
from ui.i18n import choice_key, t
from ui.paging import page_number, pager
from ui.text import literal

PAGE_SIZE = 50
DEFAULT_DAYS = 30
PAGE_KEY = "audit_page"


def pick(
    label_key: str, options: list[str], key: str, name: Callable[[str], str] = str
) -> str | None:
    return st.selectbox(
        t(label_key),
        [None, *options],
        format_func=lambda value: t("audit.any") if value is None else name(value),
        key=choice_key(key),
    )


def filters(choices: audit.AuditChoices) -> audit.AuditFilter:
    today = datetime.now(UTC).date()
    with st.container(border=True):
        period, who, what, kind = st.columns([2, 1, 1, 1])
        with period:
            chosen = st.date_input(
                t("audit.period"),
                value=(today - timedelta(days=DEFAULT_DAYS), today),
                max_value=today,
                key="audit_period",
            )
        with who:
            actor_name = pick("audit.actor", choices.actor_names, "audit_actor")
        with what:
            action = pick("audit.action", choices.actions, "audit_action", action_name)
        with kind:
            entity_type = pick(
                "audit.entity_type", choices.entity_types, "audit_entity", record_name
            )
    days = list(chosen) if isinstance(chosen, tuple | list) else [chosen]
    return audit.AuditFilter(
        start=days[0] if days else None,
        end=days[1] if len(days) > 1 else (days[0] if days else None),
        actor_name=actor_name,
        action=action,
        entity_type=entity_type,
    )


settings = shell.page_setup()
actor = shell.require("page.audit")
st.title(t("audit.title"), anchor=False)
st.caption(t("audit.intro", zone=literal(settings.time_zone)))
engine = get_engine()
try:
    where = filters(audit.choices(engine, actor))
    number = page_number(PAGE_KEY, where)
    result = audit.list_entries(engine, actor, where, page=number, page_size=PAGE_SIZE)
except CockpitError as error:
    show_error(error)
    st.stop()

if not result.rows:
    st.info(t("audit.empty"), icon=":material/inbox:")
    st.stop()
entries_table(result, actor, settings.zone)
pager(result, PAGE_KEY, "audit.count")
entry_detail(result, settings.zone)
