"""The Accounts page, the account 360 and the Settings page through app.py (AppTest)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from cs_data import health
from cs_data.auth import operator
from cs_data.db import get_engine, transaction
from cs_data.models import Account, Interaction, Subscription, Ticket, User
from tests.apptest import add_user, drawn_cards, log_in, new_app, open_tab, pinned_columns
from tests.databases import migrate
from ui.text import literal

PAGE = "pages/accounts.py"
SETTINGS = "pages/settings.py"


def add_book() -> None:
    """Two accounts of csm ``as_csm`` never touched (A1 red: many unanswered tickets; A2
    yellow), one of another CSM touched 10 days ago (green); today's health computed."""
    engine = get_engine()
    migrate(engine)
    add_user("as_csm", "csm", "Casey")
    today = datetime.now(UTC).date()
    with transaction(engine) as session:
        casey = session.query(User).filter_by(username="as_csm").one()
        other = User(username="dana", display_name="Dana", role="csm")
        session.add(other)
        session.flush()
        session.add_all(
            [
                Account(id="A1", name="Alpha <b>Co</b>", segment="smb", csm_id=casey.id),
                Account(id="A2", name="Beta", segment="smb", csm_id=casey.id),
                Account(id="A3", name="Gamma", segment="smb", csm_id=other.id),
            ]
        )
        session.flush()
        for n, account in enumerate(("A1", "A2", "A3")):
            session.add(
                Subscription(
                    id=f"S{n}",
                    account_id=account,
                    start_date=today - timedelta(days=400),
                    arr_cents=1_000_000 * (n + 1),
                )
            )
        for n in range(8):  # A1: 8 tickets, never answered -> support load 0, SLA 0
            session.add(
                Ticket(
                    id=f"T{n}",
                    account_id="A1",
                    created_at=datetime.now(UTC) - timedelta(days=3 + n),
                    priority="normal",
                )
            )
        session.add(
            Interaction(
                id="I-1",
                account_id="A3",
                kind="call",
                occurred_at=datetime.now(UTC) - timedelta(days=10),
                summary="Quarterly check-in",
            )
        )
    health.recompute(engine, operator(), today)


def open_page(
    role: str = "manager", page: str = PAGE, query: dict[str, str] | None = None
) -> AppTest:
    username = f"as_{role}"
    if role != "csm":
        add_user(username, role)
    at = log_in(new_app(), username)
    for name, value in (query or {}).items():
        at.query_params[name] = value
    at.run()
    at.switch_page(page)
    for name, value in (query or {}).items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, at.exception
    return at


def table_names(at: AppTest, index: int = 0) -> list[str]:
    return list(at.dataframe[index].value["Name"])


def test_a_csm_starts_on_their_own_accounts_sorted_by_health(shared_mode):
    add_book()
    at = open_page("csm")
    assert at.title[0].value == "Accounts"
    assert table_names(at) == ["Alpha <b>Co</b>", "Beta"], "own accounts, worst first, as text"
    frame = at.dataframe[0].value
    assert list(frame["Band"]) == ["Red", "Yellow"]
    assert list(frame["Account"]) == ["/?account=A1", "/?account=A2"], "the CSM landing page"
    assert pinned_columns(at) == ["Account", "Name"], "13 columns scroll under the name"
    assert any("2 accounts · page 1 of 1" in c.value for c in at.caption)
    assert len(at.dataframe) == 1, "the at-risk tab is not drawn until it is opened"
    open_tab(at, "accounts_tab", "At risk")
    at_risk = at.dataframe[0].value
    assert list(at_risk["Name"]) == ["Alpha <b>Co</b>"]
    assert list(at_risk["Why at risk"]) == ["Red band"]


def test_the_open_tab_stays_open_when_the_language_changes(shared_mode):
    add_book()
    at = open_tab(open_page("csm"), "accounts_tab", "At risk")
    at.segmented_control(key="_language_switch").set_value("ko").run()
    assert at.session_state["accounts_tab"] == "위험"
    assert "위험 사유" in at.dataframe[0].value.columns, "the at-risk table, in Korean"
    at.segmented_control(key="_language_switch").set_value("en").run()
    assert at.session_state["accounts_tab"] == "At risk"


def test_a_manager_sees_everyone_and_sorts_and_filters(shared_mode):
    add_book()
    at = open_page("manager")
    assert table_names(at) == ["Alpha <b>Co</b>", "Beta", "Gamma"]
    at.button_group(key="accounts_sort").set_value("arr").run()
    at.toggle(key="accounts_descending").set_value(True).run()
    assert table_names(at) == ["Gamma", "Beta", "Alpha <b>Co</b>"]
    at.text_input(key="accounts_search").input("gam").run()
    assert table_names(at) == ["Gamma"]
    at.text_input(key="accounts_search").input("nothing like it").run()
    assert [i.value for i in at.info] == ["No account matches these filters."]


def test_account_360_explains_the_score_and_logs_a_call(shared_mode):
    add_book()
    at = open_page("csm", query={"account": "A1"})
    assert at.title[0].value == "Alpha <b>Co</b>"
    header = drawn_cards(at)
    (today,) = health.stored(get_engine(), datetime.now(UTC).date(), account_ids=["A1"])
    assert [(c.label, c.value) for c in header] == [
        ("Health", f"{today.score:.0f} · Red"),
        ("ARR", "$10,000"),
        ("Segment", "SMB"),
        ("CSM", "Casey"),
        ("Next renewal", "—"),
    ], "one card grid"
    assert header[0].help.startswith("Snapshot of "), header[0].help
    assert (header[0].delta, header[4].help) == ("", ""), "no week-old snapshot, no renewal"
    why = at.dataframe[0].value
    assert list(why["Component"]) == [
        "Support load",
        "SLA",
        "Sentiment",
        "Engagement",
        "Adoption",
    ]
    assert list(why["Score"])[:2] == [0.0, 0.0]
    assert why["Score"].isna().tolist() == [False, False, True, False, True], "missing ones"
    inputs = list(why["Input"])
    assert inputs[0].startswith("8 tickets in 90 days")
    assert inputs[1] == "0 of 8 tickets answered within the first-response target"
    assert inputs[2] == "No NPS or CSAT response in 180 days"
    assert inputs[3] == "Never touched"
    assert any(i.value == "No interactions logged." for i in at.info)

    at.button_group(key="interaction_kind").set_value("call")
    at.text_area(key="interaction_summary").input("Called about the open tickets")
    at.button(key="FormSubmitter:interaction_form-Save").click().run()
    assert not at.exception
    assert any("Interaction saved" in s.value for s in at.success)
    log = at.dataframe[1].value
    assert list(log["Summary"]) == ["Called about the open tickets"]
    assert list(log["By"]) == ["Casey"]


def test_an_empty_summary_is_shown_next_to_the_field(shared_mode):
    add_book()
    at = open_page("csm", query={"account": "A1"})
    at.button(key="FormSubmitter:interaction_form-Save").click().run()
    assert [e.value for e in at.error] == ["Write what happened."]


def test_a_csm_cannot_log_on_someone_elses_account(shared_mode):
    add_book()
    at = open_page("csm", query={"account": "A3"})
    assert at.title[0].value == "Gamma"
    assert not [b for b in at.button if b.key == "FormSubmitter:interaction_form-Save"]


def test_an_unknown_account_says_so(shared_mode):
    add_book()
    at = open_page("viewer", query={"account": "NOPE"})
    assert [w.value for w in at.warning] == ["There is no such account."]


def test_the_accounts_page_in_korean(shared_mode):
    add_book()
    at = open_page("manager", query={"lang": "ko"})
    assert at.title[0].value == "고객사"
    assert "헬스" in list(at.dataframe[0].value.columns)


def test_admin_changes_the_weights_and_recomputes(shared_mode):
    add_book()
    at = open_page("admin", page=SETTINGS)
    assert at.title[0].value == "Settings"
    at.number_input(key="weight_engagement").set_value(60.0)
    at.button(key="FormSubmitter:weights_form-Save weights").click().run()
    assert not at.exception
    assert health.get_weights(get_engine())["engagement"] == 60
    at.button(key="health_recompute").click().run()
    assert any("Health recomputed for 3 accounts" in s.value for s in at.success)


def test_all_zero_weights_are_refused_on_the_page(shared_mode):
    add_book()
    at = open_page("admin", page=SETTINGS)
    for name in health.COMPONENTS:
        at.number_input(key=f"weight_{name}").set_value(0.0)
    at.button(key="FormSubmitter:weights_form-Save weights").click().run()
    assert [e.value for e in at.error] == ["At least one weight must be above 0."]
    assert health.get_weights(get_engine()) == health.DEFAULT_WEIGHTS


@pytest.mark.parametrize("role", ["manager", "csm", "exec", "viewer"])
def test_only_admins_open_settings(shared_mode, role):
    if role == "csm":
        add_book()
    else:
        add_user(f"as_{role}", role)
    at = log_in(new_app(), f"as_{role}")
    at.run()
    with pytest.raises(ValueError):
        at.switch_page(SETTINGS)


def test_the_overview_shows_the_accounts_at_risk(shared_mode):
    add_book()
    at = open_page("manager", page="pages/overview.py")
    assert "Accounts at risk" in [s.value for s in at.subheader]
    assert any(c.value == "1 accounts at risk; the largest by ARR:" for c in at.caption)
    risky = next(d.value for d in at.table if "Why at risk" in d.value.columns)
    assert list(risky["Name"]) == [literal("Alpha <b>Co</b>")], "Markdown cells: shown as typed"
    assert list(risky["Account"]) == [f"[{literal('A1')}](/accounts?account=A1)"]


def test_a_csm_who_logs_in_with_the_form_starts_on_their_accounts(shared_mode, monkeypatch):
    """The first run after a form login (not a later reload) applies the CSM's default filter.
    (In the browser this is checked by hand with Chromium; AppTest cannot keep cookies.)"""
    from tests.apptest import PASSWORD
    from ui import shell

    monkeypatch.setattr(shell, "leave_pages_folder_mode", lambda: None)  # see test_login_lockout
    migrate(get_engine())
    add_user("ann", "csm")
    add_user("bob", "csm")
    with transaction(get_engine()) as session:
        for name in ("ann", "bob"):
            csm = session.query(User).filter_by(username=name).one()
            session.add(Account(id=f"ACC-{name}", name=f"{name} Ltd", csm_id=csm.id))
            session.flush()
            session.add(
                Subscription(
                    id=f"SUB-{name}",
                    account_id=f"ACC-{name}",
                    start_date=datetime(2020, 1, 1).date(),
                    arr_cents=100_000,
                )
            )
    at = new_app()
    at.run()
    at.text_input[0].input("ann")
    at.text_input[1].input(PASSWORD)
    at.button(key="FormSubmitter:login-Log in").click().run()
    assert not at.exception
    assert at.title[0].value == "Accounts"
    with transaction(get_engine()) as session:
        ann = session.query(User).filter_by(username="ann").one().id
    assert at.selectbox(key="accounts_csm").value == ann
