"""The Overview page through the real entrypoint (AppTest on app.py), on a real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from cs_data import config, data_versions, demo, targets
from cs_data.auth import operator
from cs_data.config import get_settings
from cs_data.db import get_engine, transaction
from cs_data.models import Account, Renewal, Subscription, SurveyResponse, Ticket
from tests.apptest import ROOT, add_user, card_values, log_in, new_app, shown_cards
from tests.databases import migrate, recorded_statements


@pytest.fixture
def app(shared_mode) -> AppTest:
    """The app on this test's configured (so never seeded) database, logged in as a viewer."""
    add_user("vic", "viewer")
    return log_in(new_app(), "vic")


def sidebar_text(at: AppTest) -> str:
    return " ".join(element.value for element in [*at.sidebar.markdown, *at.sidebar.caption])


def add_rows(now: datetime) -> None:
    """Two accounts with a little of everything; the expected figures are in the test."""
    today = now.date()
    ago = lambda days: now - timedelta(days=days)  # noqa: E731
    with transaction(get_engine()) as session:
        session.add_all([Account(id="A1", name="Alpha"), Account(id="A2", name="Beta")])
        session.flush()
        session.add_all(
            [
                Subscription(
                    id="S1",
                    account_id="A1",
                    start_date=today - timedelta(days=100),
                    arr_cents=1_500_000_00,
                ),
                Subscription(  # ended yesterday: no longer ARR
                    id="S2",
                    account_id="A2",
                    start_date=today - timedelta(days=400),
                    end_date=today - timedelta(days=1),
                    arr_cents=999_000_00,
                ),
                Renewal(
                    id="R1",
                    account_id="A1",
                    renewal_date=today + timedelta(days=10),
                    current_arr_cents=20_000_00,
                    risk="high",
                ),
                Renewal(  # already won: not due
                    id="R2",
                    account_id="A2",
                    renewal_date=today + timedelta(days=5),
                    current_arr_cents=70_000_00,
                    outcome="won",
                    renewed_arr_cents=70_000_00,
                ),
                Ticket(id="T1", account_id="A1", created_at=ago(2)),
                Ticket(id="T2", account_id="A1", created_at=ago(2), resolved_at=ago(1)),
                Ticket(id="T3", account_id="A2", created_at=ago(3)),
                Ticket(id="T4", account_id="A2", created_at=ago(40)),  # open, but old
                # the tickets begin before both windows, so they can be compared
                Ticket(id="T0", account_id="A2", created_at=ago(70), resolved_at=ago(65)),
                *(
                    SurveyResponse(id=f"C{n}", survey_type="csat", score=score, responded_at=ago(1))
                    for n, score in enumerate((5, 4, 2, 1))
                ),
                *(
                    SurveyResponse(id=f"N{n}", survey_type="nps", score=score, responded_at=ago(1))
                    for n, score in enumerate((10, 10, 0))
                ),
            ]
        )


def test_an_empty_configured_database_shows_the_empty_state(app):
    app.run()

    assert not app.exception
    assert app.title[0].value == "Overview"
    assert "No data yet" in [header.value for header in app.subheader]
    assert not shown_cards(app) and not app.metric
    sidebar = sidebar_text(app)
    assert "Database: **SQLite**" in sidebar or "Database: **PostgreSQL**" in sidebar
    assert "://" not in sidebar, "the database URL (maybe with a password) is never shown"
    assert "Demo data" not in sidebar


def test_the_metrics_show_the_figures_of_the_rows(app):
    migrate(get_engine())
    add_rows(datetime.now(UTC))

    app.run()

    assert not app.exception
    assert card_values(app) == {
        "Accounts": "2",
        "ARR": "$1.5M",
        "Renewals due · next 90 days": "$20K",
        "ARR at risk · next 90 days": "$20K",
        "Tickets created": "3",
        "Open backlog": "3",
        "Median first response": "—",
        "First response SLA": "0.0%",
        "CSAT": "50.0%",
        "NPS": "+33",
        "Gross retention": "60.0%",
        "Net retention": "60.0%",
        "Logo churn rate": "50.0%",
        "Renewal rate (ARR)": "—",
    }
    cards = shown_cards(app)
    assert cards["Tickets created"].delta == "+2", "T4 was created 40 days ago"
    assert cards["Open backlog"].delta == "+2", "only T4 was open 30 days ago"
    # two accounts in the cohort 30 days ago: too few to compare with
    assert cards["Gross retention"].delta == "Too little data before"
    assert cards["CSAT"].delta == "Too little data before", "no responses before"
    tone = {name: card.tone for name, card in cards.items()}
    assert tone["Tickets created"] == "gray", "volume is neither good nor bad"
    assert tone["Open backlog"] == "red", "a higher backlog is worse"
    assert tone["Gross retention"] == "gray"
    assert tone["Logo churn rate"] == "gray", "too few accounts before to compare with"
    assert tone["Renewal rate (ARR)"] == "gray", "no renewal closed in either window"
    assert cards["Tickets created"].points == 30, "a sparkline of 30 days"
    assert "Share of CSAT responses" in cards["CSAT"].help
    assert "Previous window of the same length: —." in cards["CSAT"].help
    assert "$1,500,000" in cards["ARR"].help and "subscription" in cards["ARR"].help
    assert not app.metric, "every card of the Overview is drawn by the card grid"
    assert app.get("vega_lite_chart"), "the daily ticket chart is missing"


def test_active_targets_show_their_progress(app):
    migrate(get_engine())
    now = datetime.now(UTC)
    add_rows(now)
    targets.create_target(
        get_engine(),
        operator(),
        kpi="csat",
        name="Happy customers",
        target_value=0.8,
        direction="at_least",
        segment=None,
        start_date=now.date() - timedelta(days=7),
        deadline=now.date() + timedelta(days=7),
    )

    app.run()

    assert not app.exception
    (bar,) = app.get("progress")
    assert bar.proto.value == round(0.5 / 0.8 * 100)
    assert bar.proto.text.startswith("CSAT · All segments: 50.0% (goal ≥ 80.0%) · Behind · due")
    assert "Happy customers" in [text.value for text in app.text]


@pytest.mark.parametrize(
    ("active", "link"), [(6, "All targets"), (7, "1 more target"), (9, "3 more targets")]
)
def test_targets_beyond_the_first_six_are_counted_in_the_link(app, active, link):
    migrate(get_engine())
    add_rows(datetime.now(UTC))
    today = datetime.now(UTC).date()
    for number in range(active):
        targets.create_target(
            get_engine(),
            operator(),
            kpi="csat",
            name=f"Target {number}",
            target_value=0.8,
            direction="at_least",
            segment=None,
            start_date=today - timedelta(days=7),
            deadline=today + timedelta(days=7),
        )

    app.run()

    assert not app.exception
    assert len(app.get("progress")) == 6
    labels = [page_link.proto.label for page_link in app.get("page_link")]
    assert any(label.startswith(link) for label in labels), labels


def test_korean_from_the_link(app):
    migrate(get_engine())
    add_rows(datetime.now(UTC))
    app.query_params["lang"] = "ko"

    app.run()

    assert not app.exception
    assert app.title[0].value == "개요"
    assert card_values(app)["고객 계정"] == "2"


def test_the_sidebar_switch_changes_the_language_and_the_link(app):
    app.run()
    assert app.title[0].value == "Overview"

    app.sidebar.segmented_control[0].set_value("ko").run()

    assert not app.exception
    assert app.title[0].value == "개요"
    assert app.query_params["lang"] == "ko"
    assert app.sidebar.segmented_control[0].value == "ko", "the switch keeps its choice"

    app.run()

    assert app.title[0].value == "개요"
    assert app.sidebar.segmented_control[0].value == "ko"
    assert "데이터베이스: **SQLite**" in sidebar_text(app) or "PostgreSQL" in sidebar_text(app)


@pytest.fixture
def embedded(tmp_path, monkeypatch):
    """No configured database: the app uses (and seeds) the default SQLite file, here in tmp."""
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("CS_DATABASE_URL", raising=False)
    monkeypatch.setattr(config, "DEFAULT_DATA_DIR", tmp_path / "data")
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield
    get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_an_empty_embedded_database_is_seeded_with_demo_data_and_says_so(embedded):
    at = log_in(new_app(), "viewer")
    at.run(timeout=300)

    assert get_settings().is_embedded
    assert not at.exception
    accounts = demo.SCALES["S"].accounts
    assert at.status[0].label.startswith(f"Demo data loaded: {accounts:,} accounts")
    assert at.status[0].label.endswith("(scale S)")
    assert not at.toast, "a toast would cover the login form"
    assert "Demo data" in sidebar_text(at)
    assert card_values(at)["Accounts"] == f"{accounts:,}"

    at.run()

    assert not at.status, "seeding happens once per process"
    assert card_values(at)["Accounts"] == f"{accounts:,}"


def test_no_recent_tickets_shows_a_message_instead_of_the_chart(app):
    migrate(get_engine())
    with transaction(get_engine()) as session:
        session.add(Account(id="A1", name="Alpha"))

    app.run()

    assert not app.exception
    assert card_values(app)["Accounts"] == "1"
    assert card_values(app)["CSAT"] == "—"
    assert [info.value for info in app.info] == ["No tickets were created in the last 30 days."]
    assert not app.get("vega_lite_chart")


def test_an_unreachable_database_shows_a_message_not_a_traceback(monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("CS_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/nothing")
    get_settings.cache_clear()
    get_engine.cache_clear()
    try:
        at = new_app()
        at.run()
    finally:
        get_settings.cache_clear()
        get_engine.cache_clear()

    assert not at.exception
    assert [warning.value for warning in at.warning] == [
        "**Database unavailable — retrying.** The page comes back by itself as soon as the "
        "database answers again; nothing needs to be restarted."
    ]
    assert not at.title, "no page runs without a database"


@pytest.fixture
def rows_in_one_bucket(app, monkeypatch) -> datetime:
    """``add_rows`` at now, in an ``as_of`` bucket of a day (no new bucket during the test)."""
    monkeypatch.setattr(data_versions, "AS_OF_BUCKET", timedelta(days=1))
    migrate(get_engine())
    now = datetime.now(UTC)
    add_rows(now)
    return now


def test_reruns_read_cached_figures_until_a_write_changes_the_data(app, rows_in_one_bucket):
    now = rows_in_one_bucket
    with recorded_statements(get_engine()) as statements:

        def reads_kpi_tables() -> bool:
            return any("FROM tickets" in s or "FROM subscriptions" in s for s in statements)

        app.run()
        assert reads_kpi_tables()
        statements.clear()
        app.run()
        assert not reads_kpi_tables(), "the figures of an unchanged database come from the cache"
        assert any("data_versions" in s for s in statements), "one small read of the version"
        assert card_values(app)["Tickets created"] == "3"

        with transaction(get_engine()) as session:
            session.add(Ticket(id="T5", account_id="A1", created_at=now))
        statements.clear()
        app.run()
        assert reads_kpi_tables(), "a write changes the version: the page reads afresh"
        assert card_values(app)["Tickets created"] == "4", "at once, not a cache lifetime later"

        statements.clear()
        app.run()
        assert not reads_kpi_tables()

    assert not app.exception


def test_the_retention_trend_is_kept_through_writes_to_tables_it_does_not_read(
    app, rows_in_one_bucket
):
    now = rows_in_one_bucket
    with recorded_statements(get_engine()) as statements:

        def trend_computed() -> bool:  # its one scan reads each account's ARR at cohort edges
            return any("FROM subscriptions" in s and " AS e0" in s for s in statements)

        app.run()
        assert trend_computed()
        grr = card_values(app)["Gross retention"]

        with transaction(get_engine()) as session:
            session.add(Ticket(id="T5", account_id="A1", created_at=now))
        statements.clear()
        app.run()
        assert card_values(app)["Tickets created"] == "4", "the Overview is computed again"
        assert not trend_computed(), "a ticket changes no retention figure"
        assert card_values(app)["Gross retention"] == grr

        with transaction(get_engine()) as session:
            session.add(
                Subscription(id="S3", account_id="A2", start_date=now.date(), arr_cents=100_00)
            )
        statements.clear()
        app.run()
        assert trend_computed(), "a subscription written computes the trend again"

    assert not app.exception
