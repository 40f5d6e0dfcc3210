"""Accounts: the list, the at-risk rules, the account 360 and the interactions log."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from cs_data import accounts, health
from cs_data.accounts import AccountFilter
from cs_data.auth import Actor, operator
from cs_data.db import transaction
from cs_data.errors import InvalidInput, NotFound, PermissionDenied
from cs_data.models import (
    Account,
    AccountUsage,
    AuditEntry,
    Contact,
    HealthRun,
    Interaction,
    User,
)
from tests.factories import (
    make_account,
    make_health_snapshot,
    make_renewal,
    make_subscription,
    make_survey,
    make_ticket,
    make_user,
)

TODAY = date(2025, 6, 30)


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def book(engine):
    """Four customers of two CSMs, one churned account, snapshots today, 7 and 14 days ago."""
    with transaction(engine) as session:
        ann = make_user(session, username="ann", display_name="Ann", role="csm")
        bob = make_user(session, username="bob", display_name="Bob", role="csm")
        rows = (
            # id, name, segment, region, csm, arr, score today, 7 days ago, 14 days ago
            ("A1", "Acme Corp", "smb", "na", ann, 1_000_000, 85.0, 80.0, 86.0),
            ("A2", "Beta Ltd", "enterprise", "emea", ann, 9_000_000, 30.0, 45.0, 50.0),
            ("A3", "Gamma_Inc", "smb", "na", bob, 5_000_000, 55.0, 72.0, 71.0),
            ("A4", "Delta 100%", "mid_market", "apac", bob, 3_000_000, 60.0, 60.0, 62.0),
        )
        for account_id, name, segment, region, csm, arr, now, week, fortnight in rows:
            account = make_account(
                session,
                id=account_id,
                name=name,
                segment=segment,
                region=region,
                csm_id=csm.id,
                created_at=datetime(2024, 1, 1, tzinfo=UTC),
            )
            make_subscription(session, account=account, start_date=date(2024, 1, 1), arr_cents=arr)
            for back, score in ((0, now), (7, week), (14, fortnight)):
                make_health_snapshot(
                    session,
                    account=account,
                    snapshot_date=TODAY - timedelta(days=back),
                    score=score,
                    band=health.band_of(score),
                    components={},
                )
        churned = make_account(session, id="X1", name="Gone Co", segment="smb")
        make_subscription(
            session, account=churned, start_date=date(2024, 1, 1), end_date=date(2025, 1, 1)
        )
        # A4: renewal due in 40 days and a detractor NPS 20 days ago -> at risk
        a4 = session.get(Account, "A4")
        make_renewal(session, account=a4, renewal_date=TODAY + timedelta(days=40), stage="proposal")
        make_survey(
            session,
            account_id="A4",
            survey_type="nps",
            score=5,
            responded_at=_at(TODAY - timedelta(days=20)),
        )
        make_survey(
            session,
            account_id="A4",
            survey_type="csat",
            score=4,
            responded_at=_at(TODAY - timedelta(days=2)),
        )
        # A1: renewal in 120 days, a detractor long ago: not at risk for that
        a1 = session.get(Account, "A1")
        make_renewal(session, account=a1, renewal_date=TODAY + timedelta(days=120))
        make_survey(
            session,
            account_id="A1",
            survey_type="nps",
            score=2,
            responded_at=_at(TODAY - timedelta(days=100)),
        )
        make_survey(
            session,
            account_id="A1",
            survey_type="nps",
            score=9,
            responded_at=_at(TODAY - timedelta(days=1)),
        )
        for hours in (1, 2):
            make_ticket(session, account_id="A3", created_at=_at(TODAY - timedelta(days=hours)))
        make_ticket(
            session,
            account_id="A3",
            created_at=_at(TODAY - timedelta(days=3)),
            resolved_at=_at(TODAY - timedelta(days=2)),
        )
        session.add(
            Interaction(
                id="I-1",
                account_id="A2",
                kind="call",
                occurred_at=_at(TODAY - timedelta(days=10)),
                summary="call",
            )
        )
    return engine


def _ids(page) -> list[str]:
    return [row.id for row in page.rows]


def test_list_shows_customers_with_health_change_and_inputs(book):
    page = accounts.list_accounts(book, today=TODAY)
    assert page.total == 4  # the churned account is not a customer
    rows = {row.id: row for row in page.rows}
    a3 = rows["A3"]
    assert (a3.health, a3.band, a3.change) == (55.0, "yellow", -17.0)
    assert (a3.csm_name, a3.arr_cents, a3.open_tickets) == ("Bob", 5_000_000, 2)
    a4 = rows["A4"]
    assert (a4.next_renewal_date, a4.next_renewal_stage) == (TODAY + timedelta(days=40), "proposal")
    assert (a4.last_nps, a4.last_csat) == (5, 4)
    assert rows["A1"].last_nps == 9
    assert (rows["A2"].last_touch, rows["A2"].days_since_touch) == (TODAY - timedelta(days=10), 10)
    assert rows["A1"].days_since_touch is None


@pytest.mark.parametrize(
    ("sort", "descending", "expected"),
    [
        ("health", False, ["A2", "A3", "A4", "A1"]),
        ("health", True, ["A1", "A4", "A3", "A2"]),
        ("change", False, ["A3", "A2", "A4", "A1"]),
        ("arr", True, ["A2", "A3", "A4", "A1"]),
        ("name", False, ["A1", "A2", "A4", "A3"]),
        ("renewal_date", False, ["A4", "A1", "A2", "A3"]),  # no renewal: last
        ("open_tickets", True, ["A3", "A1", "A2", "A4"]),
    ],
)
def test_list_sorts_in_sql(book, sort, descending, expected):
    page = accounts.list_accounts(book, sort=sort, descending=descending, today=TODAY)
    assert _ids(page) == expected


def test_list_filters_and_pages(book):
    def ids(**where) -> list[str]:
        return sorted(_ids(accounts.list_accounts(book, AccountFilter(**where), today=TODAY)))

    with book.connect() as connection:
        ann = connection.execute(select(User.id).where(User.username == "ann")).scalar_one()
    assert ids(csm_id=ann) == ["A1", "A2"]
    assert ids(segment="smb") == ["A1", "A3"]
    assert ids(region="apac") == ["A4"]
    assert ids(band="red") == ["A2"]
    assert ids(renewal_within_days=60) == ["A4"]
    assert ids(search="ACME") == ["A1"]
    assert ids(search="_") == ["A3"]  # LIKE wildcards are taken literally
    assert ids(search="100%") == ["A4"]
    assert ids(customers_only=False) == ["A1", "A2", "A3", "A4", "X1"]
    second = accounts.list_accounts(book, sort="name", page=2, page_size=3, today=TODAY)
    assert (second.total, second.pages, _ids(second)) == (4, 2, ["A3"])
    with pytest.raises(InvalidInput):
        accounts.list_accounts(book, sort="bogus", today=TODAY)


def test_export_has_every_matching_row(book):
    rows = accounts.export_accounts(book, AccountFilter(segment="smb"), today=TODAY)
    assert [row.id for row in rows] == ["A3", "A1"]


def test_at_risk_rules_with_reasons_sorted_by_arr(book):
    page = accounts.at_risk(book, today=TODAY)
    found = {row.id: row.reasons for row in page.rows}
    # A2 red (30) and fell 20 since 14 days ago; A3 fell 16 (71 -> 55); A4 renewal + detractor
    assert found == {
        "A2": ("red", "fell"),
        "A3": ("fell",),
        "A4": ("renewal_detractor",),
    }
    assert _ids(page) == ["A2", "A3", "A4"]  # ARR 90k, 50k, 30k
    assert page.rows[1].fell_by == pytest.approx(16.0)


def test_at_risk_fall_of_exactly_15_points_counts(book):
    with transaction(book) as session:
        account = make_account(session, id="A5", name="Echo")
        make_subscription(session, account=account, start_date=date(2024, 1, 1))
        make_health_snapshot(session, account=account, snapshot_date=TODAY, score=70.0)
        make_health_snapshot(
            session, account=account, snapshot_date=TODAY - timedelta(days=14), score=85.0
        )
    found = {row.id: row.reasons for row in accounts.at_risk(book, today=TODAY).rows}
    assert found["A5"] == ("fell",)


def test_journey_stage_rule():
    stage = accounts.journey_stage
    assert stage(today=TODAY, created=None, usage_share=0.9, next_renewal=TODAY) == "renewal"
    assert (
        stage(today=TODAY, created=TODAY - timedelta(days=30), usage_share=0.9, next_renewal=None)
        == "onboarding"
    )
    old = TODAY - timedelta(days=400)
    assert stage(today=TODAY, created=old, usage_share=0.5, next_renewal=None) == "adoption"
    assert stage(today=TODAY, created=old, usage_share=None, next_renewal=None) == "adoption"
    far = TODAY + timedelta(days=91)
    assert stage(today=TODAY, created=old, usage_share=0.6, next_renewal=far) == "value"


def test_account_view_header_health_renewal_and_journey(book):
    with transaction(book) as session:
        session.add(
            AccountUsage(account_id="A4", month=date(2025, 6, 1), active_users=8, licensed_seats=10)
        )
        session.add(Contact(account_id="A4", name="Dee", email="dee@x.example", is_primary=True))
    view = accounts.get_account(book, "A4", today=TODAY)
    assert (view.name, view.arr_cents, view.csm_name) == ("Delta 100%", 3_000_000, "Bob")
    assert view.health.score == 60.0 and view.previous.day == TODAY - timedelta(days=7)
    assert view.renewal.stage == "proposal"
    assert view.journey.stage == "renewal"
    assert view.journey.next_touch == TODAY  # never touched: due now
    assert view.usage_share == pytest.approx(0.8)
    assert [c.name for c in view.contacts] == ["Dee"]
    a2 = accounts.get_account(book, "A2", today=TODAY)
    assert a2.journey.last_touch == TODAY - timedelta(days=10)
    assert a2.journey.next_touch == TODAY - timedelta(days=10) + timedelta(days=14)
    with pytest.raises(NotFound):
        accounts.get_account(book, "NOPE", today=TODAY)
    trend = accounts.health_trend(book, "A3", today=TODAY)
    assert [point.score for point in trend] == [71.0, 72.0, 55.0]
    history = accounts.arr_history(book, "X1", months=24, today=TODAY)
    assert history[0] == (date(2023, 7, 1), 0)
    assert dict(history)[date(2024, 6, 1)] == 1_200_000
    assert history[-1] == (date(2025, 6, 1), 0)


def test_account_tickets_open_first_with_sla_state(book):
    page = accounts.account_tickets(book, "A3")
    assert [row.is_open for row in page.rows] == [True, True, False]
    assert {row.sla for row in page.rows} == {"breached"}


def _actor(engine, username: str) -> Actor:
    with engine.connect() as connection:
        user = connection.execute(select(User.id, User.role).where(User.username == username)).one()
    return Actor(name=username, user_id=user.id, role=user.role)


def test_a_csm_logs_interactions_on_their_own_accounts_only(book):
    ann = _actor(book, "ann")
    row = accounts.add_interaction(
        book,
        ann,
        "A1",
        kind="call",
        occurred_at=_at(TODAY),
        summary="  Renewal call  ",
    )
    assert row.summary == "Renewal call" and row.user_name == "Ann"
    with pytest.raises(PermissionDenied):
        accounts.add_interaction(book, ann, "A3", kind="call", occurred_at=_at(TODAY), summary="x")
    log = accounts.account_interactions(book, "A1")
    assert [(r.kind, r.summary, r.user_name) for r in log.rows] == [("call", "Renewal call", "Ann")]
    with book.connect() as connection:
        entry = connection.execute(
            select(AuditEntry).where(AuditEntry.action == "add_interaction")
        ).one()
    assert entry.entity_id == row.id and entry.after["account_id"] == "A1"


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_managers_and_admins_log_interactions_everywhere(book, role):
    with transaction(book) as session:
        user = make_user(session, role=role)
    actor = Actor(name=user.username, user_id=user.id, role=role)
    accounts.add_interaction(book, actor, "A3", kind="qbr", occurred_at=_at(TODAY), summary="QBR")


@pytest.mark.parametrize("role", ["exec", "viewer"])
def test_execs_and_viewers_cannot_log_interactions(book, role):
    with transaction(book) as session:
        user = make_user(session, role=role)
    with pytest.raises(PermissionDenied):
        accounts.add_interaction(
            book,
            Actor(name=user.username, user_id=user.id, role=role),
            "A3",
            kind="call",
            occurred_at=_at(TODAY),
            summary="x",
        )
    with book.connect() as connection:
        assert (
            connection.execute(select(Interaction.id).where(Interaction.id != "I-1")).first()
            is None
        )


def test_interaction_validation_reports_every_field(book):
    with transaction(book) as session:
        other = Contact(account_id="A2", name="Other")
        session.add(other)
        session.flush()
        other_id = other.id
    with pytest.raises(InvalidInput) as caught:
        accounts.add_interaction(
            book,
            operator(),
            "A1",
            kind="visit",
            occurred_at=datetime.now(UTC) + timedelta(days=1),
            summary="   ",
            contact_id=other_id,
        )
    assert {(e.field, e.code) for e in caught.value.errors} == {
        ("kind", "unknown_kind"),
        ("occurred_at", "future"),
        ("summary", "summary_required"),
        ("contact_id", "unknown_contact"),
    }
    with pytest.raises(InvalidInput) as caught:
        accounts.add_interaction(
            book, operator(), "A1", kind="note", occurred_at=None, summary="x" * 5001
        )
    assert {e.code for e in caught.value.errors} == {"date_required", "too_long"}
    with pytest.raises(NotFound):
        accounts.add_interaction(
            book, operator(), "NOPE", kind="note", occurred_at=_at(TODAY), summary="x"
        )


def test_logging_a_call_marks_today_for_recomputing_and_lifts_engagement(book):
    today = datetime.now(UTC).date()
    with transaction(book) as session:
        account = make_account(session, id="N1", name="Neglected")
        make_subscription(session, account=account, start_date=date(2024, 1, 1))
    health.ensure_snapshots(book, today)
    before = health.stored(book, today, account_ids=["N1"])[0]
    assert before.components["engagement"].score == 0.0
    accounts.add_interaction(
        book, operator(), "N1", kind="call", occurred_at=datetime.now(UTC), summary="Hello"
    )
    with book.connect() as connection:
        assert (
            connection.execute(select(HealthRun).where(HealthRun.snapshot_date == today)).first()
            is None
        )
    health.ensure_snapshots(book, today)
    after = health.stored(book, today, account_ids=["N1"])[0]
    assert after.components["engagement"].score == 100.0
    assert after.score > before.score
