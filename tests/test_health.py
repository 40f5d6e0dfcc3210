"""The health score of KPI_DEFINITIONS.md on hand-made accounts, on every backend.

The right answers are worked out in the comments next to the rows. The day scored is
D = 2025-06-30: tickets count from 2025-04-02 (D−89), responses from 2025-01-02 (D−179),
usage months April to June 2025.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from cs_data import health, kpi
from cs_data.auth import Actor, operator
from cs_data.db import transaction
from cs_data.errors import InvalidInput, PermissionDenied
from cs_data.models import Account, AccountUsage, AuditEntry, HealthRun, HealthSnapshot, Interaction
from tests.factories import (
    make_account,
    make_renewal,
    make_subscription,
    make_survey,
    make_ticket,
    make_user,
)

D = date(2025, 6, 30)
END_OF_D = datetime(2025, 6, 30, 23, 59, 59, tzinfo=UTC)
FIRST_TICKET_DAY = datetime(2025, 4, 2, tzinfo=UTC)
ARR_12K = 1_200_000
"""$12,000 a year: 12 thousand dollars, so R = tickets / 12."""


def _at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def _customer(session, account_id: str, *, segment: str | None = "smb", arr: int = ARR_12K):
    account = make_account(session, id=account_id, segment=segment)
    make_subscription(session, account=account, start_date=date(2025, 1, 1), arr_cents=arr)
    return account


def _tickets(session, account_id: str, count: int, **overrides) -> None:
    for index in range(count):
        values = {
            "account_id": account_id,
            "created_at": _at(D - timedelta(days=5 + index)),
            "first_response_at": _at(D - timedelta(days=5 + index), 11),
        }
        make_ticket(session, **(values | overrides))


def _interaction(session, account_id: str, occurred_at: datetime) -> None:
    number = session.scalar(select(func.count()).select_from(Interaction)) + 1
    session.add(
        Interaction(
            id=f"I-{account_id}-{number}",
            account_id=account_id,
            kind="call",
            occurred_at=occurred_at,
            summary="call",
        )
    )
    session.flush()


def _usage(session, account_id: str, month: date, active: int, seats: int) -> None:
    session.add(
        AccountUsage(account_id=account_id, month=month, active_users=active, licensed_seats=seats)
    )
    session.flush()


@pytest.fixture
def book(engine):
    """Customers in three segments (and one without), a churned account and an unpaid one."""
    with transaction(engine) as session:
        # --- smb: R = 6/12 = 0.5, 0/12 = 0, 12/12 = 1 -> median M = 0.5
        _customer(session, "A")
        # A's 6 tickets (normal priority, first response target 480 min), judged at end of D:
        # 3 answered in 60 min (met), 1 answered after 600 min (breached),
        # 1 unanswered since D-10 (breached), 1 unanswered since D 20:00 (inside target: not
        # counted) -> SLA 3 / 5 = 0.6 -> 60
        for days in (5, 6, 7):
            make_ticket(
                session,
                account_id="A",
                created_at=_at(D - timedelta(days=days)),
                first_response_at=_at(D - timedelta(days=days), 11),
            )
        make_ticket(
            session,
            account_id="A",
            created_at=_at(D - timedelta(days=8)),
            first_response_at=_at(D - timedelta(days=8), 20),
        )
        make_ticket(session, account_id="A", created_at=_at(D - timedelta(days=10)))
        make_ticket(session, account_id="A", created_at=_at(D, 20))
        # outside the window: the day before D-89, and the day after D
        make_ticket(session, account_id="A", created_at=FIRST_TICKET_DAY - timedelta(seconds=1))
        make_ticket(session, account_id="A", created_at=_at(D + timedelta(days=1), 0))
        # sentiment: NPS 9 -> 90, CSAT 4 -> 75 (CES ignored; responses outside the window too)
        make_survey(session, account_id="A", survey_type="nps", score=9, responded_at=_at(D, 23))
        make_survey(
            session,
            account_id="A",
            survey_type="csat",
            score=4,
            responded_at=datetime(2025, 1, 2, tzinfo=UTC),
        )
        make_survey(session, account_id="A", survey_type="ces", score=1, responded_at=_at(D))
        make_survey(
            session,
            account_id="A",
            survey_type="nps",
            score=0,
            responded_at=datetime(2025, 1, 2, tzinfo=UTC) - timedelta(seconds=1),
        )
        make_survey(
            session,
            account_id="A",
            survey_type="nps",
            score=0,
            responded_at=_at(D + timedelta(days=1), 0),
        )
        # engagement: last touch D-14 -> 100 (one after D is ignored)
        _interaction(session, "A", _at(D - timedelta(days=14), 23, 59))
        _interaction(session, "A", _at(D + timedelta(days=1), 0))
        # adoption: the latest row of April..June: June 30/40 -> 75 (April 40/40 ignored)
        _usage(session, "A", date(2025, 6, 1), 30, 40)
        _usage(session, "A", date(2025, 4, 1), 40, 40)

        _customer(session, "B")  # no tickets, responses, interactions or usage in range
        _usage(session, "B", date(2025, 3, 1), 10, 10)  # before April: not read

        _customer(session, "C")
        _tickets(session, "C", 12)  # R = 1 -> 100 * max(0, 1 - 1/1) = 0; SLA 12/12 -> 100
        _interaction(session, "C", _at(D - timedelta(days=52)))  # 100 * 38 / 76 = 50
        _usage(session, "C", date(2025, 5, 1), 5, 0)  # latest row has 0 seats: missing
        _usage(session, "C", date(2025, 4, 1), 5, 10)

        # --- enterprise: R = 0, 0, 1/24 -> median 0: R = 0 scores 100, R > 0 scores 0
        _customer(session, "E1", segment="enterprise", arr=2 * ARR_12K)
        _customer(session, "E2", segment="enterprise", arr=2 * ARR_12K)
        _customer(session, "E3", segment="enterprise", arr=2 * ARR_12K)
        _tickets(session, "E3", 1)
        _interaction(session, "E1", _at(D - timedelta(days=90)))  # 90 days -> 0
        _interaction(session, "E2", _at(D - timedelta(days=15)))  # 100 * 75 / 76
        _usage(session, "E1", date(2025, 4, 1), 50, 40)  # capped at 100

        # --- no segment: a group of its own; N1 alone is its own median -> 100 * (1 - 1/2)
        _customer(session, "N1", segment=None)
        _tickets(session, "N1", 3)

        # --- not customers on D: churned before D, and a zero-ARR subscription
        churned = make_account(session, id="X", segment="smb")
        make_subscription(
            session, account=churned, start_date=date(2024, 1, 1), end_date=date(2025, 6, 30)
        )
        _tickets(session, "X", 30)
        unpaid = make_account(session, id="Z", segment="smb")
        make_subscription(session, account=unpaid, start_date=date(2025, 1, 1), arr_cents=0)
    return engine


def _scores(engine, day: date = D, **kwargs) -> dict[str, health.AccountHealth]:
    return {h.account_id: h for h in health.compute(engine, day, **kwargs)}


def _component(result: health.AccountHealth, name: str) -> float | None:
    return result.components[name].score


def test_only_accounts_with_arr_on_the_day_are_scored(book):
    scored = _scores(book)
    assert sorted(scored) == ["A", "B", "C", "E1", "E2", "E3", "N1"]


def test_support_load_against_the_segment_median(book):
    scored = _scores(book)
    assert _component(scored["A"], "support_load") == pytest.approx(50.0)
    assert _component(scored["B"], "support_load") == 100.0
    assert _component(scored["C"], "support_load") == 0.0
    inputs = scored["A"].components["support_load"].inputs
    assert inputs["tickets"] == 6
    assert inputs["ratio"] == pytest.approx(0.5)
    assert inputs["segment_median"] == pytest.approx(0.5)


def test_support_load_when_the_segment_median_is_zero(book):
    scored = _scores(book)
    assert scored["E3"].components["support_load"].inputs["segment_median"] == 0
    assert _component(scored["E1"], "support_load") == 100.0
    assert _component(scored["E2"], "support_load") == 100.0
    assert _component(scored["E3"], "support_load") == 0.0


def test_accounts_without_a_segment_form_their_own_group(book):
    assert _component(_scores(book)["N1"], "support_load") == pytest.approx(50.0)


def test_sla_uses_the_frt_compliance_at_the_end_of_the_day(book):
    scored = _scores(book)
    assert _component(scored["A"], "sla") == pytest.approx(60.0)
    assert scored["A"].components["sla"].inputs == {"met": 3, "judged": 5, "tickets": 6}
    assert _component(scored["C"], "sla") == 100.0


def test_sla_is_missing_without_tickets(book):
    scored = _scores(book)
    assert _component(scored["B"], "sla") is None
    assert "sla" not in scored["B"].as_json()["components"]


def test_sentiment_maps_nps_and_csat_over_180_days(book):
    scored = _scores(book)
    assert _component(scored["A"], "sentiment") == pytest.approx((90 + 75) / 2)
    assert _component(scored["B"], "sentiment") is None


def test_engagement_by_days_since_the_last_touch(book):
    scored = _scores(book)
    assert _component(scored["A"], "engagement") == 100.0
    assert _component(scored["C"], "engagement") == pytest.approx(50.0)
    assert _component(scored["E2"], "engagement") == pytest.approx(100 * 75 / 76)
    assert _component(scored["E1"], "engagement") == 0.0
    assert _component(scored["B"], "engagement") == 0.0  # never touched


def test_engagement_is_missing_for_everyone_when_nobody_logs_interactions(book):
    with transaction(book) as session:
        session.query(Interaction).delete()
    scored = _scores(book)
    assert all(_component(result, "engagement") is None for result in scored.values())
    # B keeps support load alone: 100 -> green
    assert scored["B"].score == 100.0
    assert scored["B"].band == "green"


def test_adoption_from_the_latest_usage_row_of_three_months(book):
    scored = _scores(book)
    assert _component(scored["A"], "adoption") == pytest.approx(75.0)
    assert _component(scored["B"], "adoption") is None  # only an older month
    assert _component(scored["C"], "adoption") is None  # latest row has licensed_seats 0
    assert _component(scored["E1"], "adoption") == 100.0  # more users than seats
    assert _component(scored["E2"], "adoption") is None  # no usage rows


def test_score_renormalises_over_the_present_components(book):
    scored = _scores(book)
    a = scored["A"]
    # 20*50 + 15*60 + 25*82.5 + 20*100 + 20*75 over 100
    assert a.score == pytest.approx(74.625)
    assert a.band == "green"
    b = scored["B"]
    # support load 100 (w 20) and engagement 0 (w 20) only: 2000 / 40
    assert b.score == pytest.approx(50.0)
    assert b.band == "yellow"
    assert b.components["support_load"].contribution == pytest.approx(50.0)
    assert b.components["engagement"].contribution == 0.0
    for result in scored.values():
        present = [c.contribution for c in result.components.values() if c.present]
        assert sum(present) == pytest.approx(result.score)


def test_show_json_lists_present_components_with_score_weight_contribution(book):
    shown = _scores(book)["B"].as_json()
    assert shown["account_id"] == "B"
    assert set(shown["components"]) == {"support_load", "engagement"}
    assert shown["components"]["support_load"] == {
        "score": 100.0,
        "weight": 20,
        "contribution": 50.0,
    }


def test_bands_at_exactly_40_and_70():
    assert health.band_of(70.0) == "green"
    assert health.band_of(69.99999999) == "yellow"
    assert health.band_of(40.0) == "yellow"
    assert health.band_of(39.99999999) == "red"


def test_bands_on_scores_of_exactly_70_and_40(engine):
    with transaction(engine) as session:
        for account_id, nps in (("S70", 7), ("S40", 4), ("S39", 3)):
            _customer(session, account_id)
            make_survey(
                session, account_id=account_id, survey_type="nps", score=nps, responded_at=_at(D)
            )
    weights = dict.fromkeys(health.COMPONENTS, 0) | {"sentiment": 1}
    scored = _scores(engine, weights=weights)
    assert scored["S70"].score == 70.0 and scored["S70"].band == "green"
    assert scored["S40"].score == 40.0 and scored["S40"].band == "yellow"
    assert scored["S39"].band == "red"


def test_no_present_weight_means_no_score(book):
    weights = dict.fromkeys(health.COMPONENTS, 0) | {"sla": 1}
    scored = _scores(book, weights=weights)
    assert "B" not in scored  # no tickets: its only weighted component is missing
    assert scored["A"].score == pytest.approx(60.0)


def test_weight_changes_apply_to_snapshots_computed_after(book):
    health.recompute(book, operator(), D)
    before = health.stored(book, D, account_ids=["B"])[0]
    health.set_health_weights(book, operator(), {**health.DEFAULT_WEIGHTS, "engagement": 60})
    assert health.stored(book, D, account_ids=["B"])[0].score == before.score
    health.recompute(book, operator(), D)
    after = health.stored(book, D, account_ids=["B"])[0]
    # support load 100 (w 20) and engagement 0 (w 60): 2000 / 80 = 25 -> red
    assert before.score == pytest.approx(50.0)
    assert after.score == pytest.approx(25.0)
    assert after.band == "red"
    assert after.components["engagement"].weight == 60


def test_weights_are_validated_and_every_error_reported(engine):
    with pytest.raises(InvalidInput) as caught:
        health.set_health_weights(
            engine,
            operator(),
            {"support_load": -1, "sla": "many", "sentiment": 1, "engagement": 1, "bogus": 2},
        )
    fields = {(e.field, e.code) for e in caught.value.errors}
    assert fields == {
        ("support_load", "negative"),
        ("sla", "not_a_number"),
        ("adoption", "weight_required"),
        ("bogus", "unknown_component"),
    }
    with pytest.raises(InvalidInput) as caught:
        health.set_health_weights(engine, operator(), dict.fromkeys(health.COMPONENTS, 0))
    assert [e.code for e in caught.value.errors] == ["all_zero"]
    assert health.get_weights(engine) == health.DEFAULT_WEIGHTS


def test_weight_changes_are_audited_and_admin_only(engine):
    with transaction(engine) as session:
        manager = make_user(session, role="manager")
    as_manager = Actor(name=manager.username, user_id=manager.id, role="manager")
    with pytest.raises(PermissionDenied):
        health.set_health_weights(engine, as_manager, dict(health.DEFAULT_WEIGHTS))
    new = {**health.DEFAULT_WEIGHTS, "sla": 2.5}
    assert health.set_health_weights(engine, operator(), new) == new
    assert health.get_weights(engine) == new
    with engine.connect() as connection:
        entry = connection.execute(
            select(AuditEntry).where(AuditEntry.action == "set_health_weights")
        ).one()
    assert entry.before["sla"] == 15 and entry.after["sla"] == 2.5


def test_recompute_replaces_the_days_snapshots(book):
    first = health.recompute(book, operator(), D)
    assert first.scored == 7
    with transaction(book) as session:
        _tickets(session, "B", 24)  # B now R = 2 -> support load 0
    second = health.recompute(book, operator(), D)
    assert second.scored == 7
    with book.connect() as connection:
        count = connection.execute(
            select(func.count()).where(HealthSnapshot.snapshot_date == D)
        ).scalar_one()
        run = connection.execute(select(HealthRun)).one()
    assert count == 7
    assert run.scored_accounts == 7 and run.weights == health.DEFAULT_WEIGHTS
    stored = {h.account_id: h for h in health.stored(book, D)}
    computed = _scores(book)
    for account_id, result in computed.items():
        assert stored[account_id].score == pytest.approx(result.score, abs=1e-12)
        assert stored[account_id].as_json() == result.as_json()
    assert stored["B"].components["support_load"].score == 0.0


def test_recompute_needs_the_permission(book):
    with transaction(book) as session:
        csm = make_user(session, role="csm")
    with pytest.raises(PermissionDenied):
        health.recompute(book, Actor(name=csm.username, user_id=csm.id, role="csm"), D)


def test_ensure_computes_a_day_once_and_again_after_it_goes_stale(book):
    assert health.ensure_snapshots(book, D).scored == 7
    assert health.ensure_snapshots(book, D) is None
    with transaction(book) as session:
        health.mark_stale(session, D)
    assert not health.has_run(book, D)
    assert health.ensure_snapshots(book, D).scored == 7
    assert health.has_run(book, D)


def test_claiming_a_day_lets_exactly_one_transaction_win(book):
    """Two replicas racing: the second insert of the day's run row inserts nothing."""
    with book.begin() as connection:
        assert health.claim_day(connection, D, "replica 1")
    with book.begin() as connection:
        assert not health.claim_day(connection, D, "replica 2")
    assert health.ensure_snapshots(book, D) is None


def test_at_risk_arr_reads_the_red_band_of_the_snapshots(book):
    weights = {**health.DEFAULT_WEIGHTS, "engagement": 60}  # B: 2000 / 80 = 25 -> red
    health.set_health_weights(book, operator(), weights)
    health.recompute(book, operator(), D)
    with transaction(book) as session:
        for account_id in ("A", "B"):
            make_renewal(
                session,
                account=session.get(Account, account_id),
                renewal_date=date(2025, 7, 15),
                current_arr_cents=ARR_12K,
                risk="low",
            )
    bands = {h.account_id: h.band for h in health.stored(book, D)}
    assert bands["A"] == "green" and bands["B"] == "red"
    values = kpi.compute_kpis(book, start=date(2025, 7, 1), end=date(2025, 7, 31), as_of=END_OF_D)
    assert values["at_risk_arr"] == ARR_12K
