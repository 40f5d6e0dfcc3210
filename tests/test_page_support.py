"""The Support page through the real entrypoint (AppTest on app.py), on a real database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from cs_data import data_versions, health
from cs_data.config import get_settings
from cs_data.db import get_engine, transaction
from cs_data.models import Account, Ticket
from tests.apptest import add_user, log_in, new_app, shown_cards
from tests.databases import migrate, recorded_statements
from ui import prefetch
from ui.locale_ko import MESSAGES as KOREAN

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def format_day(day) -> str:
    """A day as the English pages show it (``Mar 1, 2025``)."""
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


PAGE = "pages/support.py"


def add_tickets(now: datetime) -> None:
    """Three tickets in the last days: one met both targets, two breached one each."""
    migrate(get_engine())
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


def test_cards_charts_and_breached_list(shared_mode):
    add_tickets(datetime.now(UTC))
    at = open_page()

    assert at.title[0].value == "Support"
    cards = shown_cards(at)
    assert cards["Tickets created"].value == "3"
    assert cards["First response SLA"].value == "33.3%"
    assert "Previous window of the same length" in cards["First response SLA"].help
    assert "met / (met + breached)" in cards["First response SLA"].help
    assert cards["Open backlog"].value == "1"
    rows = at.dataframe[0].value
    assert list(rows["Ticket"]) == ["T3", "T2"], "newest first"
    assert list(rows["Subject"]) == ["Never answered", "**Slow** answer"], "plain text"
    assert list(rows["Missed"]) == ["Both", "Response"]
    assert list(rows["Account"].fillna("—")) == ["—", "Alpha <b>Co</b>"], "missing: the none text"
    assert list(rows["Response (h)"].fillna(-1)) == [-1, 8.0], "hours, a number column: it sorts"
    assert at.dataframe[0].proto.placeholder == "—"
    assert any("2 tickets · page 1 of 1" in c.value for c in at.caption)


def test_a_link_with_filters_opens_the_filtered_view(shared_mode):
    add_tickets(datetime.now(UTC))
    at = open_page(query={"priority": "high", "period": "7d", "channel": "bogus"})

    assert at.selectbox(key="support_priority").value == "high"
    assert at.selectbox(key="support_channel").value is None, "unknown channel ignored"
    assert shown_cards(at)["Tickets created"].value == "1"
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
    assert shown_cards(at)["Tickets created"].value == "1"
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
    assert shown_cards(at)["Tickets created"].value == "3", "the 30-day range still shows"


def test_a_range_ending_after_today_is_shown_up_to_today_and_says_so(shared_mode):
    add_tickets(datetime.now(UTC))
    at = open_page()
    at.button_group(key="support_period").set_value("custom").run()
    today = datetime.now(UTC).date()
    at.date_input(key="support_range").set_value(
        (today - timedelta(days=9), today + timedelta(days=5))
    ).run()

    assert not at.exception
    assert [w.value for w in at.warning] == [
        f"The range ended after today: it is shown up to today, {format_day(today)}."
    ]
    window = f"{format_day(today - timedelta(days=9))} – {format_day(today)} (10 days"
    assert any(c.value.startswith(window) for c in at.caption), [c.value for c in at.caption]
    assert at.query_params["to"] == today.isoformat()


def test_a_range_after_today_keeps_the_last_range_and_says_why(shared_mode):
    add_tickets(datetime.now(UTC))
    at = open_page()
    at.button_group(key="support_period").set_value("custom").run()
    today = datetime.now(UTC).date()
    at.date_input(key="support_range").set_value(
        (today + timedelta(days=1), today + timedelta(days=5))
    ).run()

    assert next(e.value for e in at.error).startswith("The range starts after today")
    assert shown_cards(at)["Tickets created"].value == "3", "the 30-day range still shows"


def test_the_filters_follow_the_user_to_another_page_and_back(shared_mode):
    add_tickets(datetime.now(UTC))
    at = open_page()
    at.button_group(key="support_period").set_value("7d")
    at.selectbox(key="support_segment").select("smb")
    at.selectbox(key="support_priority").select("urgent").run()

    at.switch_page("pages/retention.py").run()

    assert not at.exception
    assert at.button_group(key="retention_period").value == "7d"
    assert at.selectbox(key="retention_segment").value == "smb"
    assert (at.query_params["period"], at.query_params["segment"]) == ("7d", "smb")
    assert "priority" not in at.query_params, "Retention has no priority filter"

    at.selectbox(key="retention_segment").select(None).run()
    at.switch_page(PAGE).run()
    assert at.selectbox(key="support_segment").value is None, "changed on Retention"
    assert at.selectbox(key="support_priority").value == "urgent"


def test_reset_filters_goes_back_to_the_defaults_here_and_on_other_pages(shared_mode):
    add_tickets(datetime.now(UTC))
    at = open_page()
    at.button_group(key="support_period").set_value("7d")
    at.selectbox(key="support_segment").select("smb").run()

    at.button(key="support_reset").click().run()

    assert not at.exception
    assert at.button_group(key="support_period").value == "30d"
    assert at.selectbox(key="support_segment").value is None
    assert not {"period", "segment"} & set(at.query_params)
    at.switch_page("pages/retention.py").run()
    assert at.selectbox(key="retention_segment").value is None


def test_without_data_an_empty_state(shared_mode):
    at = open_page("viewer")
    assert [i.value for i in at.info] == [
        "No tickets in this window and nothing open. Widen the period or clear a filter."
    ]
    assert not shown_cards(at)


def test_in_korean(shared_mode):
    add_tickets(datetime.now(UTC))
    at = open_page("csm", query={"lang": "ko"})
    assert at.title[0].value == "지원"
    assert "생성된 티켓" in shown_cards(at)


@pytest.mark.parametrize("role", ["admin", "exec", "viewer", "csm"])
def test_every_role_may_open_it(shared_mode, role):
    at = open_page(role)
    assert at.title[0].value == "Support"


def test_a_language_switch_keeps_the_chosen_filters_and_the_link(shared_mode):
    add_tickets(datetime.now(UTC))
    at = open_page()
    at.selectbox(key="support_priority").select("high")
    at.selectbox(key="support_segment").select("smb")
    at.button_group(key="support_period").set_value("7d").run()
    assert shown_cards(at)["Tickets created"].value == "1"

    at.sidebar.button_group(key="_language_switch").set_value("ko").run()

    assert not at.exception
    assert at.title[0].value == KOREAN["support.title"]
    priority, segment = at.selectbox(key="support_priority"), at.selectbox(key="support_segment")
    assert (priority.value, segment.value) == ("high", "smb")
    assert at.button_group(key="support_period").value == "7d"
    # The browser knows a choice only by its label: it must be sent the Korean one, or it
    # sends the English label back on the next run, which no option matches any more.
    assert (priority.proto.set_value, priority.proto.raw_value) == (True, KOREAN["priority.high"])
    assert (segment.proto.set_value, segment.proto.raw_value) == (True, KOREAN["segment.smb"])
    assert shown_cards(at)[KOREAN["kpi_text.tickets_created"]].value == "1"
    link = {name: at.query_params[name] for name in ("lang", "priority", "segment", "period")}
    assert link == {"lang": "ko", "priority": "high", "segment": "smb", "period": "7d"}


def add_breached(count: int, now: datetime) -> None:
    """``count`` unanswered urgent tickets of the last days: all breach the 60-minute target."""
    migrate(get_engine())
    with transaction(get_engine()) as session:
        session.add_all(
            Ticket(
                id=f"B{n:03}",
                subject=f"Breached {n}",
                priority="urgent",
                channel="chat" if n % 2 else "email",
                created_at=now - timedelta(days=2, minutes=n),
            )
            for n in range(count)
        )


@pytest.mark.parametrize(
    "change",
    [
        lambda at: at.button_group(key="support_period").set_value("90d"),
        lambda at: at.selectbox(key="support_priority").select("urgent"),
    ],
    ids=["window", "priority"],
)
def test_a_changed_filter_sends_the_breached_list_back_to_page_1(shared_mode, change):
    add_breached(120, datetime.now(UTC))
    at = open_page()
    at.number_input(key="support_breached_page").set_value(2).run()
    assert at.number_input(key="support_breached_page").value == 2
    assert list(at.dataframe[0].value["Ticket"])[:1] == ["B050"]

    change(at).run()

    assert not at.exception
    assert at.number_input(key="support_breached_page").value == 1
    assert list(at.dataframe[0].value["Ticket"])[:1] == ["B000"]
    assert any("120 tickets · page 1 of 3" in c.value for c in at.caption)

    at.number_input(key="support_breached_page").set_value(3).run()
    at.sidebar.button_group(key="_language_switch").set_value("ko").run()
    assert at.number_input(key="support_breached_page").value == 3, "not a filter"


def test_the_heat_map_counts_in_the_configured_time_zone(shared_mode, monkeypatch):
    monkeypatch.setenv("CS_TIME_ZONE", "Asia/Kolkata")
    get_settings.cache_clear()
    now = datetime.now(UTC)
    add_tickets(now)
    at = open_page()

    heat = next(
        chart
        for chart in at.get("vega_lite_chart")
        if json.loads(chart.proto.spec)["title"]["text"] == "Tickets by weekday and hour"
    )
    spec = json.loads(heat.proto.spec)
    assert spec["title"]["subtitle"] == (
        "Tickets created in the window, by weekday and hour in Asia/Kolkata"
    )
    cells = pa.ipc.open_stream(heat.proto.datasets[0].data.data).read_pandas()
    shown = {(r.weekday, r.hour): r.tickets for r in cells.itertuples() if r.tickets}
    zone = ZoneInfo("Asia/Kolkata")
    created = [now - timedelta(days=2), now - timedelta(days=2, hours=-1), now - timedelta(days=1)]
    local = [moment.astimezone(zone) for moment in created]
    assert shown == {(moment.strftime("%a"), moment.hour): 1 for moment in local}


def test_the_first_change_of_the_period_finds_its_figures_computed_in_the_background(
    shared_mode, monkeypatch
):
    monkeypatch.setattr(data_versions, "AS_OF_BUCKET", timedelta(days=1))
    now = datetime.now(UTC)
    add_tickets(now)
    with transaction(get_engine()) as session:
        session.add(
            Ticket(id="T4", account_id="A1", priority="low", created_at=now - timedelta(days=60))
        )
    health.ensure_snapshots(get_engine())  # no write in the background moves the version
    at = open_page()
    assert shown_cards(at)["Tickets created"].value == "3"
    assert prefetch.wait_idle(60), "the other periods are loaded once the page is drawn"
    with recorded_statements(get_engine()) as statements:
        at.button_group(key="support_period").set_value("90d").run()

    assert not at.exception
    assert not [s for s in statements if "FROM tickets" in s], "read in the background before"
    assert shown_cards(at)["Tickets created"].value == "4"
    assert shown_cards(at)["Open backlog"].value == "2"
    assert list(at.dataframe[0].value["Ticket"]) == ["T3", "T2", "T4"]
