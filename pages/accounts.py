"""Accounts: every customer with health and what drives it, the at-risk list, and the
account 360 of one account (``?account=ID``)."""

from __future__ import annotations

import streamlit as st

from cs_data.data_versions import ACCOUNT_TABLES
from cs_data.errors import NotFound
from ui import account_view, accounts_view, shell
from ui.errors import show_error
from ui.i18n import t
from ui.page_data import page_data
from ui.paging import page_number, pager

settings = shell.page_setup()
actor = shell.require("page.accounts")
key = page_data(settings, ACCOUNT_TABLES).key
today = accounts_view.today()

account_id = st.query_params.get("account")
if account_id:
    st.page_link("pages/accounts.py", label=t("account.back"), icon=":material/arrow_back:")
    try:
        view = account_view.load_account(key, account_id, today)
    except NotFound:
        st.warning(t("account.not_found"), icon=":material/search_off:")
        st.stop()
    except Exception as error:
        show_error(error)
        st.stop()
    account_view.header(view)
    account_view.why_this_score(view)
    account_view.trend_charts(*account_view.load_trends(key, view.id, today))
    account_view.journey_and_renewal(key, actor, view, settings.zone)
    account_view.interactions(key, actor, view)
    account_view.tickets_and_surveys(key, view)
    account_view.contacts(view)
    st.stop()

st.title(t("accounts.title"), anchor=False)
st.caption(t("accounts.intro"))
where, sort, descending = accounts_view.filters(key, actor)
list_tab, risk_tab = shell.lazy_tabs(
    [t("accounts.tab_list"), t("accounts.tab_at_risk")],
    "accounts_tab",
    keep=("accounts_page", "at_risk_page"),
)
if list_tab.open:
    with list_tab:
        try:
            number = page_number("accounts_page", where, sort, descending)
            found = accounts_view.load_accounts(key, where, sort, descending, number, today)
        except Exception as error:
            show_error(error)
            st.stop()
        if not found.rows:
            st.info(t("accounts.empty"), icon=":material/inbox:")
        else:
            accounts_view.accounts_table(found)
            pager(found, "accounts_page", "accounts.count")
            st.download_button(
                t("accounts.download"),
                data=lambda: accounts_view.load_csv(key, where, sort, descending, today),
                file_name=f"accounts-{today.isoformat()}.csv",
                mime="text/csv",
                icon=":material/download:",
                on_click="ignore",
            )
if risk_tab.open:
    with risk_tab:
        st.caption(t("accounts.at_risk_help"))
        number = page_number("at_risk_page", where.csm_id)
        risky = accounts_view.load_at_risk(key, where.csm_id, number, today)
        if not risky.rows:
            st.success(t("accounts.at_risk_empty"), icon=":material/verified:")
        else:
            accounts_view.at_risk_table(risky)
            pager(risky, "at_risk_page", "accounts.count")
