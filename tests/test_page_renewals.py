"""The Renewals and Forecast pages (AppTest on app.py): the CSM's book, the form by URL with
errors next to fields, a version conflict with re-apply, the stage board, read-only roles, and
the forecast for executives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from cs_data.auth import Actor
from cs_data.db import get_engine, transaction
from cs_data.fiscal import quarter_of
from cs_data.models import Account, Renewal, User
from cs_data.renewals import probabilities
from cs_data.renewals.commands import update_renewal
from tests.apptest import add_user, log_in, new_app, open_tab, pinned_columns, shown_cards
from tests.databases import migrate
from tests.factories import make_account, make_renewal
from ui.text import literal

RENEWALS_PAGE = "pages/renewals.py"
FORECAST_PAGE = "pages/forecast.py"
SCRIPT = "<script>alert(1)</script>"


def seed() -> dict[str, str]:
    """Two CSMs (ann, bob) with one renewal each, due in two weeks, and a manager."""
    for name, role in (
        ("ann", "csm"),
        ("bob", "csm"),
        ("meg", "manager"),
        ("vic", "viewer"),
        ("eve", "exec"),
    ):
        add_user(name, role)
    due = datetime.now(UTC).date() + timedelta(days=14)
    with transaction(get_engine()) as session:
        ids = {}
        for name in ("ann", "bob"):
            user = session.query(User).filter_by(username=name).one()
            account = make_account(session, name=f"{name.title()} Corp", csm_id=user.id)
            ids[name] = make_renewal(
                session, account=account, renewal_date=due, current_arr_cents=5_000_000
            ).id
    return ids


def open_page(username: str, page: str = RENEWALS_PAGE, **params: str) -> AppTest:
    at = log_in(new_app(), username)
    at.run()
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def table_ids(at: AppTest) -> list[str]:
    frame = at.dataframe[0].value
    data = frame.data if hasattr(frame, "data") else frame
    return list(data["id"])


def stored(renewal_id: str) -> Renewal:
    with transaction(get_engine()) as session:
        return session.get(Renewal, renewal_id)


def test_a_csm_sees_their_book_by_default(shared_mode):
    migrate(get_engine())
    ids = seed()
    at = open_page("ann")
    assert at.title[0].value == "Renewals"
    assert table_ids(at) == [ids["ann"]]
    assert at.dataframe[0].proto.placeholder == "—", "an empty amount shows a dash, not None"
    assert pinned_columns(at) == ["attention", "id", "account"], "16 columns scroll under these"
    totals = shown_cards(at)
    assert (totals["Renewals"].value, totals["Current ARR"].value) == ("1", "$50K")
    assert totals["Current ARR"].help == "$50,000", "the exact sum behind the compact one"
    at.toggle(key="rn_book").set_value(False).run()
    assert sorted(table_ids(at)) == sorted(ids.values())
    assert shown_cards(at)["Current ARR"].help == "$100,000", "the totals follow the filter"
    manager = open_page("meg")
    assert sorted(table_ids(manager)) == sorted(ids.values())


def test_the_form_by_url_saves_and_keeps_typed_values_when_refused(shared_mode):
    migrate(get_engine())
    ids = seed()
    at = open_page("ann", renewal=ids["ann"])
    at.selectbox(key="rf_stage").set_value("proposal")
    at.text_input(key="rf_next_step").input(SCRIPT)
    at.button(key="FormSubmitter:renewal_form-Save renewal").click().run()
    assert "Describe the next step for this date." not in [e.value for e in at.error]
    assert "Enter a date." in [e.value for e in at.error]
    assert at.text_input(key="rf_next_step").value == SCRIPT  # what was typed survives
    assert stored(ids["ann"]).version == 1
    at.date_input(key="rf_next_step_date").set_value(datetime.now(UTC).date() + timedelta(days=3))
    at.button(key="FormSubmitter:renewal_form-Save renewal").click().run()
    assert not at.exception
    row = stored(ids["ann"])
    assert (row.stage, row.next_step, row.version) == ("proposal", SCRIPT, 2)
    assert any("saved (version 2)" in s.value for s in at.success)
    assert table_ids(at) == [ids["ann"]]
    # user text is never rendered as Markdown
    assert all(SCRIPT not in m.value for m in at.markdown)


def test_a_conflict_shows_both_changes_and_reapplies_mine(shared_mode):
    migrate(get_engine())
    ids = seed()
    at = open_page("ann", renewal=ids["ann"])
    with transaction(get_engine()) as session:
        meg = session.query(User).filter_by(username="meg").one()
        manager = Actor(name=meg.display_name, user_id=meg.id, role="manager")
    update_renewal(get_engine(), manager, ids["ann"], seen_version=1, risk="high")
    at.selectbox(key="rf_stage").set_value("engaged")
    at.button(key="FormSubmitter:renewal_form-Save renewal").click().run()
    assert any("Someone saved this renewal" in w.value for w in at.warning)
    theirs = at.dataframe[-3].value
    assert list(theirs["who"]) == ["Meg"] and list(theirs["to"]) == ["High"]
    assert stored(ids["ann"]).stage == "not_started"
    at.button(key="rf_reapply").click().run()
    row = stored(ids["ann"])
    assert (row.stage, row.risk, row.version) == ("engaged", "high", 3)


def test_moving_a_card_on_the_stage_board_uses_the_update_command(shared_mode):
    migrate(get_engine())
    ids = seed()
    at = open_page("ann")
    assert f"move_{ids['ann']}" not in [s.key for s in at.selectbox], "drawn once opened"
    open_tab(at, "rn_tab", "Stage board")
    assert f"move_{ids['bob']}" not in [s.key for s in at.selectbox]  # not ann's
    at.toggle(key="rn_book").set_value(False).run()
    assert f"move_{ids['bob']}" not in [s.key for s in at.selectbox]
    at.selectbox(key=f"move_{ids['ann']}").set_value("negotiation").run()
    assert not at.exception
    assert (stored(ids["ann"]).stage, stored(ids["ann"]).version) == ("negotiation", 2)


def test_viewers_and_execs_read_only(shared_mode):
    migrate(get_engine())
    ids = seed()
    for username in ("vic", "eve"):
        at = open_page(username, renewal=ids["ann"])
        assert "You can read this renewal but not change it." in [i.value for i in at.info]
        assert not [s for s in at.selectbox if (s.key or "").startswith("move_")]


def test_the_forecast_page_is_for_execs_and_managers(shared_mode):
    migrate(get_engine())
    seed()
    at = open_page("eve", FORECAST_PAGE)
    assert at.title[0].value == "Forecast"
    cards = shown_cards(at)
    assert list(cards) == [
        "Closed won",
        "Commit",
        "Best case",
        "Pipeline",
        "Weighted forecast",
        "ARR at risk",
        "Renewal rate (count)",
        "Renewal rate (ARR)",
        "Open renewals",
    ], "one card grid, nothing drawn as an st.metric"
    assert not at.metric
    assert (cards["Closed won"].value, cards["Closed won"].help) == (
        "$0",
        "Exactly $0.\n\nΣ renewed ARR of the won renewals due in the quarter.",
    ), "the exact amount first, then the definition"
    due_now = quarter_of(datetime.now(UTC).date() + timedelta(days=14)) == quarter_of(
        datetime.now(UTC).date()
    )
    assert cards["Open renewals"].value == ("2" if due_now else "0")
    assert cards["Renewal rate (count)"].help == "Won / (won + lost): 0 won, 0 lost."
    assert "Probability calibration" in [h.value for h in at.subheader]
    for username in ("ann", "vic"):
        refused = log_in(new_app(), username)
        refused.run()
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            refused.switch_page(FORECAST_PAGE)


def test_the_forecasts_quarter_is_kept_in_the_url(shared_mode):
    """A reload or a shared link shows the quarter chosen; a quarter the page does not offer
    shows the current one."""
    migrate(get_engine())
    seed()
    today = datetime.now(UTC).date()
    current = quarter_of(today)
    previous = current.previous()
    at = open_page("eve", FORECAST_PAGE)
    assert at.selectbox(key="fc_quarter").value == current
    assert "quarter" not in at.query_params

    at.selectbox(key="fc_quarter").set_value(previous).run()
    assert at.query_params["quarter"] == previous.label

    def reload(quarter: str) -> AppTest:
        """A new session at the executive's landing page, the Forecast, with the URL's quarter."""
        again = log_in(new_app(), "eve")
        again.query_params["quarter"] = quarter
        return again.run()

    assert reload(previous.label).selectbox(key="fc_quarter").value == previous
    for unknown in ("1999Q1", "next"):
        assert reload(unknown).selectbox(key="fc_quarter").value == current


def test_an_unknown_renewal_by_url_is_reported_not_raised(shared_mode):
    migrate(get_engine())
    seed()
    at = open_page("ann", renewal="REN-NOPE")
    assert at.warning, "a missing renewal is reported as not found"
    assert at.title[0].value == "Renewals"


ACCOUNTS_PAGE = "pages/accounts.py"
SETTINGS_PAGE = "pages/settings.py"
CREATE = "FormSubmitter:new_renewal_form-Create renewal"


def renewals_of(account_name: str) -> list[Renewal]:
    with transaction(get_engine()) as session:
        return (
            session.query(Renewal)
            .join(Renewal.account)
            .filter_by(name=account_name)
            .order_by(Renewal.renewal_date)
            .all()
        )


def test_a_manager_creates_a_renewal_and_a_refused_one_keeps_what_was_typed(shared_mode):
    migrate(get_engine())
    seed()
    at = open_page("meg")
    at.text_input(key="nr_search").input("Bob").run()
    at.selectbox(key="nr_account").select_index(0).run()
    at.text_input(key="nr_next_step").input("Kick-off call")
    at.button(key=CREATE).click().run()
    assert not at.exception
    # the renewal date and the next step's date, each under its field; the ARR is pre-filled
    assert [e.value for e in at.error] == ["Enter a date.", "Enter a date."]
    assert at.text_input(key="nr_next_step").value == "Kick-off call"
    assert len(renewals_of("Bob Corp")) == 1

    due = datetime.now(UTC).date() + timedelta(days=200)
    at.date_input(key="nr_renewal_date").set_value(due)
    at.date_input(key="nr_next_step_date").set_value(due - timedelta(days=30))
    at.number_input(key="nr_current_arr").set_value(12_345.0)
    at.button(key=CREATE).click().run()
    assert not at.exception
    created = renewals_of("Bob Corp")[-1]
    assert (created.renewal_date, created.current_arr_cents, created.next_step) == (
        due,
        1_234_500,
        "Kick-off call",
    )
    assert [s.value for s in at.success] == [f"Renewal {literal(created.id)} created."]


def test_a_csm_is_offered_only_their_accounts_and_viewers_no_form(shared_mode):
    migrate(get_engine())
    seed()
    at = open_page("ann")
    assert at.selectbox(key="nr_account").options == [f"Ann Corp ({stored_account('ann')})"]
    viewer = open_page("vic")
    assert not [w for w in viewer.text_input if w.key == "nr_search"]


def stored_account(csm: str) -> str:
    with transaction(get_engine()) as session:
        user = session.query(User).filter_by(username=csm).one()
        return session.query(Account).filter_by(csm_id=user.id).one().id


def test_the_account_360_edits_its_renewal_with_the_same_form(shared_mode):
    migrate(get_engine())
    ids = seed()
    at = open_page("ann", ACCOUNTS_PAGE, account=stored_account("ann"))
    at.selectbox(key="rf_stage").set_value("negotiation")
    at.button(key="FormSubmitter:renewal_form-Save renewal").click().run()
    assert not at.exception
    assert (stored(ids["ann"]).stage, stored(ids["ann"]).version) == ("negotiation", 2)
    timeline = at.dataframe[-1].value
    assert "Negotiation" in list(timeline["to"])
    # and a second renewal from the same page
    at.date_input(key="nr_renewal_date").set_value(datetime.now(UTC).date() + timedelta(days=400))
    at.button(key=CREATE).click().run()
    assert not at.exception
    assert len(renewals_of("Ann Corp")) == 2


def test_an_admin_sets_a_stage_probability_on_settings(shared_mode):
    migrate(get_engine())
    add_user("ada", "admin")
    at = open_page("ada", SETTINGS_PAGE)
    at.number_input(key="stage_prob_proposal").set_value(150.0)
    at.number_input(key="stage_prob_engaged").set_value(-5.0)
    at.button(key="FormSubmitter:stage_probabilities_form-Save probabilities").click().run()
    errors = [e.value for e in at.error]
    assert errors.count("Enter a probability from 0 to 100 %.") == 2
    assert probabilities.get_stage_probabilities(get_engine())["proposal"] == 0.7
    at.number_input(key="stage_prob_proposal").set_value(45.0)
    at.number_input(key="stage_prob_engaged").set_value(60.0)
    at.button(key="FormSubmitter:stage_probabilities_form-Save probabilities").click().run()
    assert not at.exception
    assert probabilities.get_stage_probabilities(get_engine())["proposal"] == 0.45
    assert "Stage probabilities saved." in [s.value for s in at.success]
