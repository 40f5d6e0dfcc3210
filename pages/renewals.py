"""Renewals: the pipeline as a table or a stage board, and the renewal form with its timeline
(opened from a row, or by URL ``?renewal=ID``)."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from cs_data.data_versions import RENEWAL_TABLES
from cs_data.db import get_engine
from cs_data.renewals import commands, queries
from ui import forecast_view, renewal_panel, shell
from ui import renewals_view as view
from ui.forms import form_error, show_notice, submit
from ui.i18n import choice_key, format_date, label, t
from ui.page_data import page_data
from ui.paging import page_number, pager
from ui.text import literal


def move(card: queries.RenewalRow) -> None:
    def command() -> str:
        stage = st.session_state[f"move_{card.id}"]
        commands.update_renewal(
            get_engine(), actor, card.id, seen_version=card.version, stage=stage
        )
        return t(
            "renewals.moved",
            account=literal(card.account_name),
            stage=literal(label("stage", stage)),
        )

    submit("board", command)


def close_panel() -> None:
    st.query_params.pop("renewal", None)
    st.rerun()


settings = shell.page_setup()
actor = shell.require("page.renewals")
now = datetime.now(UTC)
today = now.date()
st.title(t("renewals.title"), anchor=False)
show_notice()
forecast_view.weekly_snapshots(settings.database_url, forecast_view.this_week(now))
data = page_data(settings, RENEWAL_TABLES)
renewal_panel.new_renewal(actor, data.key)
selection = view.filter_bar(actor, view.load_choices(data.key, actor), today)
where, as_of = selection.where, selection.as_of
if as_of is not None:
    st.info(
        t("renewals.as_of_note", date=format_date(selection.as_of_day)), icon=":material/history:"
    )
table_tab, board_tab = shell.lazy_tabs(
    [t("renewals.tab_table"), t("renewals.tab_board")],
    "rn_tab",
    keep=("rn_sort", "rn_desc", "rn_page"),
)
if table_tab.open:
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
            data.key, actor, where, as_of, today, sort, descending, page
        )
        view.totals_row(totals)
        if not found.rows:
            st.info(t("renewals.empty"), icon=":material/event_available:")
        else:
            picked = st.dataframe(
                view.highlight(view.pipeline_frame(found.rows), found.rows),
                hide_index=True,
                column_config=view.column_config(),
                placeholder=t("fmt.none"),
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
if board_tab.open:
    with board_tab:
        board = view.load_board(data.key, actor, where, as_of, today)
        view.stage_board(board, actor, as_of, move)
        form_error("board")
if renewal := st.query_params.get("renewal"):
    renewal_panel.renewal_panel(
        actor, renewal, zone=settings.zone, as_of=as_of, today=today, on_close=close_panel
    )
