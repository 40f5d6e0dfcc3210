"""The Audit page's entries as a manager reads them: translated actions and record types,
each change as ``field: before → after``, a link to the page of the record, and the raw
values of one entry on demand."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from cs_data import audit
from cs_data.auth import Actor, can
from ui.i18n import (
    current_language,
    format_count,
    format_date,
    format_datetime,
    has_key,
    label,
    plural,
    t,
)
from ui.tables import WRAPPED_ROW_HEIGHT, wrapped_height

RECORD_PAGES: Mapping[str, str] = {"kpi_target": "targets", "user": "users"}
"""The page (app.py's page name) that shows records of each type; a record type with a page
of its own adds it here."""
VALUE_GROUPS: Mapping[str, str] = {
    "role": "role",
    "segment": "segment",
    "direction": "targets.direction",
    "kpi": "kpi_text",
    "password": "audit.password",
}
"""Fields whose values are codes, and the translation group that names them."""
ARROW = " → "
CHANGE_SEPARATOR = "; "


def action_name(action: str) -> str:
    return label("audit.action", action)


def record_name(entity_type: str) -> str:
    return label("audit.record", entity_type)


def field_name(field: str) -> str:
    return label("audit.field", field)


def value_text(field: str, value: Any) -> str:
    """A recorded value as plain text: codes named, numbers and dates formatted, nested values
    (counts per table, lists of users) spelled out."""
    if value is None or value == []:
        return t("fmt.none")
    if isinstance(value, bool):
        return t("audit.yes") if value else t("audit.no")
    if isinstance(value, int):
        return format_count(value)
    if isinstance(value, dict):
        return t("list.separator").join(_item_text(key, item) for key, item in value.items())
    if isinstance(value, list):
        return t("list.separator").join(value_text(field, item) for item in value)
    if isinstance(value, str) and field in VALUE_GROUPS:
        return label(VALUE_GROUPS[field], value)
    if isinstance(value, str) and field in ("start_date", "deadline", "today"):
        try:
            return format_date(date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def _item_text(key: str, value: Any) -> str:
    """One entry of a nested value: ``500 accounts`` for a count of records, else
    ``Field value``."""
    if isinstance(value, int) and has_key(f"count.{key}"):
        return plural(f"count.{key}", value, count=format_count(value))
    return f"{field_name(key)} {value_text(key, value)}"


def change_text(change: audit.Change) -> str:
    """``Role: CSM → Executive`` (plain text: table cells never render Markdown)."""
    before, after = value_text(change.field, change.before), value_text(change.field, change.after)
    return f"{field_name(change.field)}: {before}{ARROW}{after}"


def record_link(actor: Actor, entity_type: str) -> str | None:
    """A relative link to the page of records of ``entity_type``, when there is one the actor
    may open (the link keeps the language)."""
    page = RECORD_PAGES.get(entity_type)
    if page is None or not can(actor, f"page.{page}"):
        return None
    return f"{page}?lang={current_language()}"


def entries_table(page: audit.AuditPage, actor: Actor, zone: ZoneInfo) -> None:
    """The page of entries: when, who, action, record type, record, changes, link."""
    rows = page.rows
    frame = pd.DataFrame(
        {
            "time": [format_datetime(r.occurred_at, zone) for r in rows],
            "actor": [r.actor_name for r in rows],
            "action": [action_name(r.action) for r in rows],
            "entity": [record_name(r.entity_type) for r in rows],
            "entity_id": [r.entity_id or "" for r in rows],
            "link": [record_link(actor, r.entity_type) for r in rows],
            "changes": [CHANGE_SEPARATOR.join(change_text(c) for c in r.changes) for r in rows],
        }
    )
    text = st.column_config.TextColumn
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        row_height=WRAPPED_ROW_HEIGHT,  # the changes wrap; the detail below shows them all
        height=wrapped_height(len(frame)),
        placeholder=t("fmt.none"),
        column_config={
            "time": text(t("audit.col_time"), width=150),
            "actor": text(t("audit.col_actor"), width=110),
            "action": text(t("audit.col_action"), width=170),
            "entity": text(t("audit.col_entity"), width=110),
            "entity_id": text(t("audit.col_entity_id"), width=90),
            "link": st.column_config.LinkColumn(
                t("audit.col_link"), display_text=t("audit.open_record"), width=80
            ),
            "changes": text(t("audit.col_changes"), width="large"),
        },
    )


def entry_detail(page: audit.AuditPage, zone: ZoneInfo) -> None:
    """One entry of the page, chosen by the user: its changes field by field and its raw
    values as recorded (JSON)."""
    by_id = {row.id: row for row in page.rows}
    chosen = st.selectbox(
        t("audit.detail"),
        [None, *by_id],
        format_func=lambda entry_id: (
            t("audit.detail_none")
            if entry_id is None
            else " · ".join(
                (
                    f"#{entry_id}",
                    format_datetime(by_id[entry_id].occurred_at, zone),
                    action_name(by_id[entry_id].action),
                )
            )
        ),
        key="audit_detail",
    )
    if chosen is None:
        return
    entry = by_id[chosen]
    fields = pd.DataFrame(
        {
            t("audit.col_field"): [field_name(c.field) for c in entry.changes],
            t("audit.col_before"): [value_text(c.field, c.before) for c in entry.changes],
            t("audit.col_after"): [value_text(c.field, c.after) for c in entry.changes],
        }
    )
    st.dataframe(fields, hide_index=True, width="stretch")
    with st.expander(t("audit.raw")):
        before, after = st.columns(2)
        before.caption(t("audit.col_before"))
        before.json(entry.before or {})
        after.caption(t("audit.col_after"))
        after.json(entry.after or {})
