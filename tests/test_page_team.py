"""The Team page through the real entrypoint (AppTest on app.py), on a real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from cs_data.db import get_engine, transaction
from cs_data.models import Account, Subscription, Ticket, User
from tests.apptest import add_user, log_in, new_app, shown_cards
from tests.databases import migrate

PAGE = "pages/team.py"


def add_team() -> None:
    """Two agents (Kim: two tickets, first responses after 1 and 3 hours; Lee: one, after 5
    hours) and a CSM, Kim, with one $1,200 account."""
    migrate(get_engine())
    now = datetime.now(UTC)
    today = now.date()
    with transaction(get_engine()) as session:
        kim = User(username="kim", display_name="Kim <i>", role="csm")
        lee = User(username="lee", display_name="Lee", role="csm")
        session.add_all([kim, lee])
        session.flush()
        session.add(Account(id="A1", name="Alpha", segment="smb", csm_id=kim.id))
        session.flush()
        session.add(
            Subscription(
                id="S1", account_id="A1", start_date=today - timedelta(100), arr_cents=120_000
            )
        )
        day = now - timedelta(days=3)
        for ticket_id, agent, hours in (("T1", kim, 1), ("T2", kim, 3), ("T3", lee, 5)):
            session.add(
                Ticket(
                    id=ticket_id,
                    account_id="A1",
                    priority="normal",
                    assignee_id=agent.id,
                    created_at=day,
                    first_response_at=day + timedelta(hours=hours),
                )
            )


def open_page(role: str = "manager", query: dict[str, str] | None = None) -> AppTest:
    add_user(f"as_{role}", role)
    at = log_in(new_app(), f"as_{role}")
    for name, value in (query or {}).items():
        at.query_params[name] = value
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def test_agents_and_csms_against_the_team_median(shared_mode):
    add_team()
    at = open_page()

    assert at.title[0].value == "Team"
    cards = shown_cards(at)
    assert cards["Tickets created"].value == "3"
    assert "Previous window of the same length" in cards["Tickets created"].help
    median, agents, csm_median, csms = (frame.value for frame in at.dataframe)
    assert list(median["Agent"]) == ["Team median"]
    assert list(median["Tickets"]) == [1.0]  # 2 and 1: a count one agent really has
    assert list(median["Median first response (h)"]) == [3.5]  # Kim 2 h, Lee 5 h
    assert list(agents["Agent"]) == ["Kim <i>", "Lee"], "most tickets first, plain text"
    assert list(agents["Tickets"]) == [2, 1]
    assert list(agents["Median first response (h)"]) == [2.0, 5.0]
    assert list(agents["First response SLA"]) == [100.0, 100.0], "percent"
    assert list(csm_median["Book ARR"]) == [1200.0]
    assert list(csms["CSM"]) == ["Kim <i>"]
    assert list(csms["Accounts"]) == [1]
    assert csms["Renewal rate"].isna().all(), "no renewal due: undefined, not 0"
    assert all(frame.proto.placeholder == "—" for frame in at.dataframe), "shown as —"


def test_without_data_an_empty_state(shared_mode):
    at = open_page("exec")
    assert [i.value for i in at.info] == [
        "No assigned tickets and no accounts with a CSM. Widen the period or clear a filter."
    ]
    assert not at.dataframe


def test_in_korean(shared_mode):
    add_team()
    at = open_page("admin", query={"lang": "ko"})
    assert at.title[0].value == "팀"
    assert list(at.dataframe[0].value["담당자"]) == ["팀 중앙값"]


@pytest.mark.parametrize("role", ["csm", "viewer"])
def test_roles_without_the_page_are_refused(shared_mode, role):
    add_user(f"as_{role}", role)
    at = log_in(new_app(), f"as_{role}")
    at.run()
    assert not at.exception
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)
