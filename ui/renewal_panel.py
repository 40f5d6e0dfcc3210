"""The renewal form as one component: the panel that edits a renewal (fields, version
conflict with re-apply or discard, timeline) and the "New renewal" form. The Renewals page and
the account 360 both use it, so a renewal saves, conflicts and shows its history the same way
wherever it is opened; each caller passes what to refresh after a save.

Every save goes through ``cs_data.renewals.commands`` (``update_renewal``, ``create_renewal``)
from a form submit (``ui.forms.submit``), which re-checks the user before it runs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import streamlit as st

from cs_data import accounts
from cs_data.auth import Actor, Owned, can
from cs_data.db import get_engine
from cs_data.errors import CockpitError, FieldError, InvalidInput
from cs_data.renewals import commands, probabilities, queries
from ui import renewals_view as view
from ui.errors import show_error, show_field_errors
from ui.forms import clear_error, form_error, submit
from ui.i18n import format_count, format_money, t
from ui.page_data import CACHE_TTL_SECONDS, DataKey
from ui.text import literal

FORM = "rf"
"""The edit form's prefix (widget keys ``rf_…``) and its error slot."""
NEW = "nr"
"""The new-renewal form's prefix and error slot."""
ACCOUNT_CHOICES = 20
"""Accounts the new-renewal form offers for one search."""


def _save(actor: Actor, renewal_id: str) -> str:
    loaded = st.session_state[f"{FORM}_loaded"]
    changes = view.form_changes(loaded, view.typed(FORM))
    try:
        saved = commands.update_renewal(
            get_engine(), actor, renewal_id, seen_version=loaded.version, **changes
        )
    except commands.RenewalChanged as conflict:
        st.session_state[f"{FORM}_conflict"] = (conflict, changes)
        raise
    st.session_state[f"{FORM}_conflict"] = None
    view.load_form(FORM, queries.get_renewal(get_engine(), actor, renewal_id).row)
    return t("renewals.saved", id=literal(renewal_id), version=format_count(saved.version))


def _reapply(actor: Actor, renewal_id: str) -> str:
    """Keep what the user typed; base it on the version saved meanwhile, then save."""
    latest = queries.get_renewal(get_engine(), actor, renewal_id).row
    mine = view.form_changes(st.session_state[f"{FORM}_loaded"], view.typed(FORM))
    st.session_state[f"{FORM}_loaded"] = latest
    st.session_state[f"{FORM}_conflict"] = None
    saved = commands.update_renewal(
        get_engine(), actor, latest.id, seen_version=latest.version, **mine
    )
    view.load_form(FORM, queries.get_renewal(get_engine(), actor, latest.id).row)
    return t("renewals.saved", id=literal(latest.id), version=format_count(saved.version))


def _discard(actor: Actor, renewal_id: str) -> str:
    view.load_form(FORM, queries.get_renewal(get_engine(), actor, renewal_id).row)
    st.session_state[f"{FORM}_conflict"] = None
    return t("renewals.loaded_theirs")


def renewal_panel(
    actor: Actor,
    renewal_id: str,
    *,
    zone: Any,
    as_of: datetime | None = None,
    today: date | None = None,
    on_close: Callable[[], None] | None = None,
) -> None:
    """One renewal: its facts, the form (for those who may change it; read only otherwise and
    in an as-of view), a conflict with both sides, and the timeline."""
    try:
        detail = queries.get_renewal(get_engine(), actor, renewal_id, as_of=as_of, today=today)
    except CockpitError as failure:
        show_error(failure)
        return
    row = detail.row
    with st.container(border=True, key="renewal_panel"):
        st.subheader(t("renewals.form_title", id=literal(row.id)), anchor=False)
        st.text(
            f"{row.account_name} · {row.renewal_date.isoformat()} · "
            f"{format_money(row.current_arr_cents)}"
        )
        loaded = st.session_state.get(f"{FORM}_loaded")
        if loaded is None or loaded.id != row.id:
            view.load_form(FORM, row)
            st.session_state[f"{FORM}_conflict"] = None
        if conflict := st.session_state.get(f"{FORM}_conflict"):
            clear_error(FORM)  # the conflict box below says it, with both sides
            view.conflict_box(
                *conflict,
                st.session_state[f"{FORM}_loaded"],
                zone,
                on_reapply=lambda: submit(FORM, lambda: _reapply(actor, row.id)),
                on_discard=lambda: submit(FORM, lambda: _discard(actor, row.id)),
            )
        error = form_error(FORM)
        if view.may_edit(actor, row, as_of):
            with st.form("renewal_form", border=False):
                view.renewal_form(FORM, error, detail.stage_probabilities)
                st.form_submit_button(
                    t("renewals.save"),
                    type="primary",
                    on_click=submit,
                    args=(FORM, lambda: _save(actor, row.id)),
                )
        else:
            st.info(t("renewals.read_only"), icon=":material/visibility:")
        st.caption(t("renewals.timeline"))
        st.dataframe(
            view.changes_frame(detail.timeline, zone),
            hide_index=True,
            column_config=view.changes_config(),
            width="stretch",
        )
        if on_close is not None and st.button(t("renewals.close_panel"), key="rf_dismiss"):
            on_close()


def _create(actor: Actor, account_id: str | None) -> str:
    if account_id is None:
        raise InvalidInput([FieldError("account_id", "account_required", "choose an account")])
    saved = commands.create_renewal(get_engine(), actor, account_id, **view.creation_values(NEW))
    st.session_state[f"{NEW}_reset"] = True
    return t("renewals.created", id=literal(saved.renewal_id))


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=100, show_spinner=False)
def load_account_choices(
    key: DataKey, csm_id: int | None, search: str
) -> dict[str, accounts.AccountRow]:
    """Accounts whose name contains ``search`` (only ``csm_id``'s when given), by name: the
    ones a new renewal may be for."""
    where = accounts.AccountFilter(
        search=search.strip() or None, csm_id=csm_id, customers_only=False
    )
    found = accounts.list_accounts(get_engine(), where, sort="name", page_size=ACCOUNT_CHOICES)
    return {row.id: row for row in found.rows}


def new_renewal(
    actor: Actor,
    key: DataKey,
    *,
    account: tuple[str, str, int | None, int | None] | None = None,
) -> None:
    """The "New renewal" form in an expander, for those who may create one: for ``account``
    (id, name, ARR today in cents, CSM's user id) on the account 360, or for an account picked
    by name on the Renewals page."""
    if account is not None:
        owners = frozenset({account[3]}) if account[3] is not None else frozenset()
        if not can(actor, "renewal.create", Owned("account", account[0], owners)):
            return
    elif actor.role not in ("admin", "manager", "csm"):  # the command decides per account
        return
    started_for = account[0] if account else ""  # a form typed for one account stays there
    reset = st.session_state.pop(f"{NEW}_reset", False)
    if reset or st.session_state.get(f"{NEW}_started_for") != started_for:
        view.start_new_form(NEW, account[2] if account else None)
        st.session_state[f"{NEW}_started_for"] = started_for
        st.session_state.pop(f"{NEW}_for", None)
    error = form_error(NEW)
    with st.expander(t("renewals.new"), icon=":material/add_circle:", expanded=error is not None):
        if account is None:
            search = st.text_input(t("renewals.new_search"), key=f"{NEW}_search", max_chars=100)
            choices = load_account_choices(
                key, actor.user_id if actor.role == "csm" else None, search
            )
            picked = st.selectbox(
                t("renewals.new_account"),
                list(choices),
                index=None,
                format_func=lambda i: f"{choices[i].name} ({i})",
                placeholder=t("renewals.new_account_pick"),
                key=f"{NEW}_account",
            )
            if picked is not None and st.session_state.get(f"{NEW}_for") != picked:
                st.session_state[f"{NEW}_for"] = picked  # pre-fill the ARR of a newly picked one
                arr = choices[picked].arr_cents
                st.session_state[f"{NEW}_current_arr"] = view.money_shown(arr)
        else:
            picked = account[0]
            st.text(account[1])
        show_field_errors(error, "account_id")
        configured = probabilities.get_stage_probabilities(get_engine())
        with st.form("new_renewal_form", border=False):
            view.renewal_form(NEW, error, configured, creating=True)
            st.form_submit_button(
                t("renewals.create"),
                type="primary",
                on_click=submit,
                args=(NEW, lambda: _create(actor, picked)),
            )
