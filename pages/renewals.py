"""Renewals: the pipeline as a table or a stage board, and the renewal form with its timeline
(opened from a row, or by URL ``?renewal=ID``)."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from cs_data.db import get_engine
from cs_data.errors import CockpitError
from cs_data.renewals import commands, queries
from ui import forecast_view, shell
from ui import renewals_view as view
from ui.errors import show_error
from ui.forms import clear_error, form_error, show_notice, submit
from ui.i18n import choice_key, format_count, format_date, format_money, label, t
from ui.paging import page_number, pager
from ui.text import literal


def save(detail: queries.RenewalDetail) -> str:
    loaded = st.session_state["rf_loaded"]
    changes = view.form_changes(loaded, view.typed("rf"))
    try:
        saved = commands.update_renewal(
            get_engine(), actor, detail.row.id, seen_version=loaded.version, **changes
        )
    except commands.RenewalChanged as conflict:
        st.session_state["rf_conflict"] = (conflict, changes)
        raise
    st.session_state["rf_conflict"] = None
    view.clear_caches()
    view.load_form("rf", queries.get_renewal(get_engine(), actor, detail.row.id).row)
    return t("renewals.saved", id=literal(detail.row.id), version=format_count(saved.version))


def reapply(detail: queries.RenewalDetail) -> str:
    """Keep what the user typed; base it on the version saved meanwhile, then save."""
    latest = queries.get_renewal(get_engine(), actor, detail.row.id).row
    mine = view.form_changes(st.session_state["rf_loaded"], view.typed("rf"))
    st.session_state["rf_loaded"] = latest
    st.session_state["rf_conflict"] = None
    saved = commands.update_renewal(
        get_engine(), actor, latest.id, seen_version=latest.version, **mine
    )
    view.clear_caches()
    view.load_form("rf", queries.get_renewal(get_engine(), actor, latest.id).row)
    return t("renewals.saved", id=literal(latest.id), version=format_count(saved.version))


def discard(detail: queries.RenewalDetail) -> str:
    view.load_form("rf", queries.get_renewal(get_engine(), actor, detail.row.id).row)
    st.session_state["rf_conflict"] = None
    return t("renewals.loaded_theirs")


def move(card: queries.RenewalRow) -> None:
    def command() -> str:
        stage = st.session_state[f"move_{card.id}"]
        commands.update_renewal(
            get_engine(), actor, card.id, seen_version=card.version, stage=stage
        )
        view.clear_caches()
        return t(
            "renewals.moved",
            account=literal(card.account_name),
            stage=literal(label("stage", stage)),
        )

    submit("board", command)


def form_panel(renewal_id: str) -> None:
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
        editable = view.may_edit(actor, row, as_of)
        if st.session_state.get("rf_loaded") is None or st.session_state["rf_loaded"].id != row.id:
            view.load_form("rf", row)
            st.session_state["rf_conflict"] = None
        if conflict := st.session_state.get("rf_conflict"):
            clear_error("rf")  # the conflict box below says it, with both sides
            view.conflict_box(
                *conflict,
                st.session_state["rf_loaded"],
                settings.zone,
                on_reapply=lambda: submit("rf", lambda: reapply(detail)),
                on_discard=lambda: submit("rf", lambda: discard(detail)),
            )
        error = form_error("rf")
        if editable:
            with st.form("renewal_form", border=False):
                view.renewal_form("rf", row, error)
                st.form_submit_button(
                    t("renewals.save"),
                    type="primary",
                    on_click=submit,
                    args=("rf", lambda: save(detail)),
                )
        else:
            st.info(t("renewals.read_only"), icon=":material/visibility:")
        st.caption(t("renewals.timeline"))
        st.dataframe(
            view.changes_frame(detail.timeline, settings.zone),
            hide_index=True,
            column_config=view.changes_config(),
            width="stretch",
        )
        if st.button(t("renewals.close_panel"), key="rf_dismiss"):
            st.query_params.pop("renewal", None)
            st.rerun()


settings = shell.page_setup()
actor = shell.require("page.renewals")
now = datetime.now(UTC)
today = now.date()
st.title(t("renewals.title"), anchor=False)
show_notice()
forecast_view.weekly_snapshots(settings.database_url, forecast_view.this_week(now))
selection = view.filter_bar(actor, view.load_choices(settings.database_url, actor), today)
where, as_of = selection.where, selection.as_of
if as_of is not None:
    st.info(
        t("renewals.as_of_note", date=format_date(selection.as_of_day)), icon=":material/history:"
    )
table_tab, board_tab = st.tabs([t("renewals.tab_table"), t("renewals.tab_board")])
with table_tab:
    s1, s2 = st.columns([3, 1])
    sort = s1.selectbox(
        t("renewals.sort"),
        queries.SORTS,
        key=choice_key("rn_sort"),
        index=queries.SORTS.index("renewal_date"),
        format_func=lambda s: t(f"renewals.sort_{s}"),
    )
    descending = s2.toggle(t("renewals.descending"), key="rn_desc")
    page = page_number("rn_page", where, as_of, sort, descending)
    found, totals = view.load_pipeline(
        settings.database_url, actor, where, as_of, today, sort, descending, page
    )
    view.totals_row(totals)
    if not found.rows:
        st.info(t("renewals.empty"), icon=":material/event_available:")
    else:
        picked = st.dataframe(
            view.highlight(view.pipeline_frame(found.rows), found.rows),
            hide_index=True,
            column_config=view.column_config(),
            on_select="rerun",
            selection_mode="single-row",
            key="rn_table",
        )
        chosen = [found.rows[i].id for i in picked.selection.rows]
        if chosen and chosen != st.session_state.get("rn_chosen"):  # a newly picked row opens
            st.query_params["renewal"] = chosen[0]
        st.session_state["rn_chosen"] = chosen
        pager(found, "rn_page", "renewals.count")
        st.download_button(
            t("renewals.download"),
            file_name="renewals.csv",
            mime="text/csv",
            data=lambda: queries.pipeline_csv(
                get_engine(),
                actor,
                where,
                as_of=as_of,
                today=today,
                sort=sort,
                descending=descending,
            ),
        )
with board_tab:
    board = view.load_board(settings.database_url, actor, where, as_of, today)
    view.stage_board(board, actor, as_of, move)
    form_error("board")
if renewal := st.query_params.get("renewal"):
    form_panel(renewal)
