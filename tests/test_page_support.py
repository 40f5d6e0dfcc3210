"""The Support page through the real entrypoint (AppTest on app.py), on a real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from cs_data import schema
from cs_data.db import get_engine, transaction
from cs_data.models import Account, Ticket
from tests.apptest import add_user, log_in, new_app

PAGE = "pages/support.py"


def add_tickets(now: datetime) -> None:
    """Three tickets in the last days: one met both targets, two breached one each."""
    schema.upgrade(get_engine())
    with transaction(get_engine()) as session:
        session.add(Account(id="A1", name="Alpha <b>Co</b>", segment="smb"))
        session.flush()
        day = now - timedelta(days=2)
        session.add_all(
            [
                Ticket(
                    id="T1",
                    account_id="A1",
                    subject="Fine",
                    priority="urgent",
                    channel="chat",
                    created_at=day,
                    first_response_at=day + timedelta(minutes=10),
                    resolved_at=day + timedelta(minutes=100),
                ),
                Ticket(
                    id="T2",
                    account_id="A1",
                    subject="**Slow** answer",
                    priority="high",
                    channel="email",
                    created_at=day + timedelta(hours=1),
                    first_response_at=day + timedelta(hours=9),
                    resolved_at=day + timedelta(hours=10),
                ),
                Ticket(
                    id="T3",
                    subject="Never answered",
                    priority="urgent",
                    channel="web",
                    created_at=now - timedelta(days=1),
                ),
            ]
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


def metrics(at: AppTest) -> dict[str, object]:
    return {m.label: m for m in at.metric}


def test_cards_charts_and_breached_list(shared_mode):
    add_tickets(datetime.now(UTC))
    at = open_page()

    assert at.title[0].value == "Support"
    cards = metrics(at)
    assert cards["Tickets created"].value == "3"
    assert cards["First response SLA"].value == "33.3%"
    assert "Previous window of the same length" in cards["First response SLA"].help
    assert "met / (met + breached)" in cards["First response SLA"].help
    assert cards["Open backlog"].value == "1"
    rows = at.dataframe[0].value
    assert list(rows["Ticket"]) == ["T3", "T2"], "newest first"
    assert list(rows["Subject"]) == ["Never answered", "**Slow** answer"], "plain text"
    assert list(rows["Breached"]) == ["First response, Resolution", "First response"]
    assert list(rows["Account"]) == ["", "Alpha <b>Co</b>"]
    assert any("2 tickets · page 1 of 1" in c.value for c in at.caption)


def test_a_link_with_filters_opens_the_filtered_view(shared_mode):
    add_tickets(datetime.now(UTC))
    at = open_page(query={"priority": "high", "period": "7d", "channel": "bogus"})

    assert at.selectbox(key="support_priority").value == "high"
    assert at.selectbox(key="support_channel").value is None, "unknown channel ignored"
    assert metrics(at)["Tickets created"].value == "1"
    assert list(at.dataframe[0].value["Ticket"]) == ["T2"]
    assert at.query_params["priority"] == "high"
    assert at.query_params["lang"] == "en"
    assert "channel" not in at.query_params


def test_changing_a_filter_updates_the_link(shared_mode):
    add_tickets(datetime.now(UTC))
    at = open_page()
    at.selectbox(key="support_channel").select("chat").run()

    assert not at.exception
    assert at.query_params["channel"] == "chat"
    assert metrics(at)["Tickets created"].value == "1"
    assert [i.value for i in at.info] == ["No ticket created in this window breached its SLA."]


def test_a_half_entered_custom_range_keeps_the_last_range(shared_mode):
    add_tickets(datetime.now(UTC))
    at = open_page()
    at.button_group(key="support_period").set_value("custom").run()
    assert not at.error
    today = datetime.now(UTC).date()
    at.date_input(key="support_range").set_value((today,)).run()

    assert not at.exception
    assert [e.value for e in at.error] == [
        "Pick both the first and the last day; the last complete range is shown until then."
    ]
    assert metrics(at)["Tickets created"].value == "3", "the 30-day range still shows"


def test_without_data_an_empty_state(shared_mode):
    at = open_page("viewer")
    assert [i.value for i in at.info] == [
        "No tickets in this window and nothing open. Widen the period or clear a filter."
    ]
    assert not at.metric


def test_in_korean(shared_mode):
    add_tickets(datetime.now(UTC))
    at = open_page("csm", query={"lang": "ko"})
    assert at.title[0].value == "지원"
    assert "생성된 티켓" in metrics(at)


@pytest.mark.parametrize("role", ["admin", "exec", "viewer", "csm"])
def test_every_role_may_open_it(shared_mode, role):
    at = open_page(role)
    assert at.title[0].value == "Support"
