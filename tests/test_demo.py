"""Demo data: deterministic, sized by its scale, internally consistent and plausible for KPIs."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, insert, select

from cs_data import boards, demo, demo_boards, demo_health, domain, health
from cs_data.auth import Actor, operator
from cs_data.config import DEFAULT_SLA_FIRST_RESPONSE_MINUTES
from cs_data.db import create_engine_for
from cs_data.models import (
    Account,
    AuditEntry,
    Base,
    Board,
    BoardColumn,
    BoardMember,
    BoardTag,
    Card,
    CardActivity,
    CardAttachment,
    CardComment,
    CardTag,
    ChecklistItem,
    ForecastSnapshot,
    HealthRun,
    HealthSnapshot,
    Interaction,
    Renewal,
    RenewalChange,
    Subscription,
    SurveyResponse,
    Ticket,
    User,
    card_assignees,
)
from cs_data.users import password_matches
from tests.databases import fresh_database_url, migrate

TODAY = date(2026, 5, 15)
NOW = datetime(2026, 5, 15, tzinfo=UTC)
WRITE_TIMES = {("audit_log", "occurred_at"), ("data_versions", "changed_at")}
TINY = demo.DemoScale("tiny", accounts=80, tickets=2_000, csms=3, agents=4, cards_per_board=6)


def _dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, ordered by primary key; audit and data-version timestamps
    left out."""
    dump = {}
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.c if (table.name, c.name) not in WRITE_TIMES]
            keys = [columns.index(c) for c in table.primary_key.columns]
            rows = [tuple(row) for row in connection.execute(select(*columns))]
            dump[table.name] = sorted(rows, key=lambda row: tuple(row[k] for k in keys))
    return dump


@contextmanager
def _fresh_engine(backend: str, directory) -> Iterator[Engine]:
    """A migrated empty database on ``backend``."""
    with fresh_database_url(backend, directory) as url:
        engine = create_engine_for(url)
        try:
            migrate(engine)
            yield engine
        finally:
            engine.dispose()


def _count(engine: Engine, model: Any) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(model)).scalar_one()


def _rows(engine: Engine, *columns: Any) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.execute(select(*columns)))


# --- determinism and safety ---------------------------------------------------------------


def test_same_seed_and_day_give_identical_rows_on_every_backend(engine, tmp_path):
    """The second database is SQLite: on the PostgreSQL run this compares the two backends."""
    demo.generate(engine, operator(), scale=TINY, seed=7, today=TODAY)
    with _fresh_engine("sqlite", tmp_path) as other:
        demo.generate(other, operator(), scale=TINY, seed=7, today=TODAY)
        first, second = _dump(engine), _dump(other)

    assert first.keys() == second.keys()
    for table in first:
        assert first[table] == second[table], f"table {table} differs"
    assert first["tickets"] and first["renewal_changes"] and first["card_attachments"]


def test_another_seed_gives_other_rows(engine):
    demo.generate(engine, operator(), scale=TINY, seed=1, today=TODAY)
    first = _dump(engine)
    demo.generate(engine, operator(), scale=TINY, seed=2, today=TODAY, replace=True)
    second = _dump(engine)

    assert first["accounts"] != second["accounts"]
    assert first["tickets"] != second["tickets"]


def test_replace_deletes_everything_and_writes_the_same_rows_again(engine):
    first = demo.generate(engine, operator(), scale=TINY, today=TODAY)
    before = _dump(engine)
    second = demo.generate(engine, operator(), scale=TINY, today=TODAY, replace=True)
    after = _dump(engine)

    assert second.counts == first.counts
    for table in before:
        if table not in ("audit_log", "data_versions"):
            assert before[table] == after[table], f"table {table} differs"
    versions = {name: version for name, version, *_ in after["data_versions"]}
    assert versions["tickets"] == 2, "the data versions were bumped, not deleted"
    with engine.connect() as connection:
        entries = connection.execute(select(AuditEntry)).all()
    assert len(entries) == 1
    assert entries[0].before["deleted"]["accounts"] == TINY.accounts


def test_ids_keep_working_after_generation(engine):
    """New rows written by the app get fresh ids (PostgreSQL sequences moved past demo ids)."""
    demo.generate(engine, operator(), scale=TINY, today=TODAY)
    with engine.begin() as connection:
        new_id = connection.execute(
            insert(User).values(username="newcomer", display_name="New Comer", role="viewer")
        ).inserted_primary_key[0]
    assert new_id == _count(engine, User)


def test_refuses_a_database_that_holds_accounts(engine):
    demo.generate(engine, operator(), scale=TINY, today=TODAY)
    before = _dump(engine)

    with pytest.raises(demo.DatabaseNotEmpty) as raised:
        demo.generate(engine, operator(), scale=TINY, seed=3, today=TODAY)

    message = str(raised.value)
    assert f"already holds {TINY.accounts} accounts" in message
    assert "--replace" in message
    assert _dump(engine) == before


def test_refuses_a_database_that_holds_only_users(engine):
    with engine.begin() as connection:
        connection.execute(insert(User).values(username="ann", display_name="Ann", role="admin"))

    with pytest.raises(demo.DatabaseNotEmpty, match="already holds 1 user;"):
        demo.generate(engine, operator(), scale=TINY, today=TODAY)
    assert demo.is_empty(engine)


def test_replace_as_a_logged_in_user_audits_without_the_deleted_user(engine):
    demo.generate(engine, operator(), scale=TINY, today=TODAY)
    admin = Actor(name="admin", user_id=1, role="admin")

    demo.generate(engine, admin, scale=TINY, today=TODAY, replace=True)

    (entry,) = _rows(engine, AuditEntry.actor_id, AuditEntry.actor_name, AuditEntry.action)
    assert tuple(entry) == (None, "admin", "demo_generate")


def test_unknown_scale_is_a_clear_error(engine):
    with pytest.raises(demo.UnknownScale, match="use S, M, L"):
        demo.generate(engine, operator(), scale="XL", today=TODAY)


# --- sizes and progress ---------------------------------------------------------------------


def test_counts_follow_the_scale_and_match_the_tables(engine):
    phases: list[tuple[str, int, int | None]] = []

    summary = demo.generate(
        engine,
        operator(),
        scale=TINY,
        today=TODAY,
        progress=lambda phase, done, total: phases.append((phase, done, total)),
    )

    assert demo.is_empty(engine) is False
    assert (summary.scale, summary.seed, summary.today) == ("tiny", demo.DEFAULT_SEED, TODAY)
    for table in Base.metadata.sorted_tables:
        if table.name in summary.counts:
            assert summary.counts[table.name] == _count(engine, table), table.name
    assert summary.counts["accounts"] == TINY.accounts
    assert summary.counts["users"] == 5 + TINY.csms + TINY.agents
    assert abs(summary.counts["tickets"] - TINY.tickets) < 0.1 * TINY.tickets
    teams = 2  # one customer-success board per manager, and the onboarding board
    assert summary.counts["boards"] == teams + 1
    open_and_done = (1 + demo_boards.DONE_PER_OPEN) * TINY.cards_per_board
    assert summary.counts["cards"] == (teams + 1) * open_and_done
    assert summary.counts["forecast_snapshots"] > 0
    assert summary.counts["health_snapshots"] > 26 * TINY.accounts // 2

    order = list(dict.fromkeys(phase for phase, _, _ in phases))
    assert order[:6] == ["users", "accounts", "contacts", "subscriptions", "usage", "tickets"]
    last = {phase: (done, total) for phase, done, total in phases}
    assert all(done == total for done, total in last.values())


def test_scales_grow_in_proportion():
    small, medium, large = demo.SCALES["S"], demo.SCALES["M"], demo.SCALES["L"]
    assert (small.accounts, small.tickets) == (500, 20_000)
    assert (medium.accounts, medium.tickets) == (5_000, 200_000)
    assert (large.accounts, large.tickets) == (50_000, 2_000_000)
    assert small.cards_per_board < medium.cards_per_board < large.cards_per_board <= 60


def test_a_scale_needs_people_and_a_card_per_column():
    with pytest.raises(ValueError, match="at least one account"):
        demo.DemoScale("empty", accounts=0, tickets=10, csms=1, agents=1, cards_per_board=5)
    with pytest.raises(ValueError, match="card per board column"):
        demo.DemoScale("few", accounts=5, tickets=10, csms=1, agents=1, cards_per_board=4)


# --- scale S: consistency and plausible KPIs ------------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo_s(request, tmp_path_factory) -> Iterator[Engine]:
    """Scale S generated once per backend, shared by the read-only checks below."""
    with _fresh_engine(request.param, tmp_path_factory.mktemp("demo")) as engine:
        demo.generate(engine, operator(), scale="S", today=TODAY)
        yield engine


def test_users_are_demo_users_and_a_few_log_in_with_the_demo_password(demo_s):
    users = {row.username: row for row in _rows(demo_s, User)}

    assert {"admin", "manager", "manager2", "exec", "viewer", "csm01", "agent01"} <= set(users)
    assert users["admin"].role == "admin" and users["csm08"].role == "csm"
    assert sum(u.role == "csm" for u in users.values()) == 8
    assert sum(name.startswith("agent") for name in users) == 12
    assert len({u.display_name for u in users.values()}) == len(users)
    assert all(u.is_demo and u.is_active for u in users.values())

    can_log_in = {name for name, u in users.items() if u.password_hash is not None}
    assert can_log_in == set(demo.DEMO_LOGIN_USERS)
    assert {users[name].role for name in can_log_in} == set(domain.ROLES)
    (password_hash,) = {users[name].password_hash for name in can_log_in}
    assert password_matches(demo.DEMO_PASSWORD, password_hash)


def test_accounts_have_segments_regions_and_csms(demo_s):
    accounts = _rows(demo_s, Account)
    segments = Counter(a.segment for a in accounts)

    assert len({a.name for a in accounts}) == len(accounts)
    assert accounts[0].id == "ACC-00001"
    assert 0.5 < segments["smb"] / len(accounts) < 0.7
    assert 0.05 < segments["enterprise"] / len(accounts) < 0.15
    assert {a.region for a in accounts} == set(domain.REGIONS)
    per_csm = Counter(a.csm_id for a in accounts)
    assert len(per_csm) == 8 and max(per_csm.values()) - min(per_csm.values()) <= 6


def test_subscriptions_renew_expand_contract_and_churn(demo_s):
    subscriptions = _rows(demo_s, Subscription)
    assert all(type(s.arr_cents) is int and s.arr_cents % 100 == 0 for s in subscriptions)
    assert all(s.end_date is not None and s.end_date > s.start_date for s in subscriptions)

    by_start = {(s.account_id, s.product, s.start_date): s for s in subscriptions}
    moves = Counter()
    for sub in subscriptions:
        successor = by_start.get((sub.account_id, sub.product, sub.end_date))
        if sub.end_date > TODAY:
            continue
        if successor is None:
            moves["ended"] += 1
        elif successor.arr_cents > sub.arr_cents * 1.09:
            moves["expansion"] += 1
        elif successor.arr_cents < sub.arr_cents * 0.91:
            moves["contraction"] += 1
        else:
            moves["flat"] += 1
    assert all(moves[kind] > 0 for kind in ("ended", "expansion", "contraction", "flat"))
    products = {s.product for s in subscriptions}
    assert "Core platform" in products and len(products) >= 3


def test_every_renewal_stage_appears_and_closed_ones_are_consistent(demo_s):
    renewals = _rows(demo_s, Renewal)
    stages = Counter(r.stage for r in renewals)

    assert set(stages) == set(domain.RENEWAL_STAGES)
    assert {r.outcome for r in renewals} == {"won", "lost", None}
    for r in renewals:
        assert type(r.current_arr_cents) is int
        assert TODAY - timedelta(days=366) <= r.renewal_date <= TODAY + timedelta(days=275)
        if r.outcome is None:
            assert r.stage not in ("closed_won", "closed_lost") and r.closed_at is None
            assert r.forecast_category != "closed" and r.next_step
        else:
            assert r.stage == f"closed_{r.outcome}" and r.forecast_category == "closed"
            assert r.closed_at < NOW and r.renewal_date <= TODAY
            assert (r.renewed_arr_cents is not None) == (r.outcome == "won")
    open_ones = [r for r in renewals if r.outcome is None]
    assert {r.forecast_category for r in open_ones} >= {"pipeline", "best_case", "commit"}
    assert any(r.probability is not None for r in open_ones)
    assert any(r.probability is None for r in open_ones)
    assert any(r.next_step_date < TODAY for r in open_ones)
    assert {r.risk for r in renewals} == set(domain.RISK_LEVELS)


def test_renewal_history_matches_the_version(demo_s):
    renewals = {r.id: r for r in _rows(demo_s, Renewal)}
    owners = dict(_rows(demo_s, User.id, User.display_name))
    versions: dict[str, set[int]] = defaultdict(set)
    created: dict[str, int] = Counter()
    stages: dict[str, list[tuple[datetime, int, str]]] = defaultdict(list)
    slipped = 0
    for change in _rows(demo_s, RenewalChange):
        versions[change.renewal_id].add(change.version)
        assert change.actor_name == owners[renewals[change.renewal_id].owner_id]
        assert change.changed_at < NOW
        if change.field == "created":
            created[change.renewal_id] += 1
            assert change.version == 1
        if change.field == "stage":
            stages[change.renewal_id].append((change.changed_at, change.id, change.new_value))
        if change.field == "renewal_date":
            slipped += 1
            assert (
                change.old_value
                < change.new_value
                == renewals[change.renewal_id].renewal_date.isoformat()
            )

    assert slipped > 0
    for renewal in renewals.values():
        assert created[renewal.id] == 1
        assert versions[renewal.id] == set(range(1, renewal.version + 1))
        if stages[renewal.id]:
            assert max(stages[renewal.id])[2] == renewal.stage
        else:
            assert renewal.stage == "not_started"


def test_weekly_forecast_snapshots_converge_on_the_closed_won(demo_s):
    snapshots = defaultdict(list)
    for row in _rows(demo_s, ForecastSnapshot):
        assert row.auto_key is not None and row.taken_at < NOW
        snapshots[row.period_start].append(row)
    assert len(snapshots) == 4
    closed_quarters = sorted(snapshots)[:-1]
    for start in closed_quarters:
        rows = sorted(snapshots[start], key=lambda row: row.taken_at)
        assert len(rows) >= 20
        won = rows[-1].closed_won_cents
        assert won > 0
        assert abs(rows[-1].weighted_cents - won) < abs(rows[0].weighted_cents - won) or (
            rows[0].weighted_cents == won
        )
        assert rows[0].closed_won_cents < won


def test_tickets_are_consistent_and_cover_every_case(demo_s):
    tickets = _rows(demo_s, Ticket)
    assert tickets[0].id == "T-0000001"
    assert {t.priority for t in tickets} == set(domain.TICKET_PRIORITIES)
    assert {t.channel for t in tickets} == set(domain.TICKET_CHANNELS)
    share = Counter(t.priority for t in tickets)
    assert 0.45 < share["normal"] / len(tickets) < 0.55
    assert 0.04 < share["urgent"] / len(tickets) < 0.1

    for t in tickets:
        assert t.created_at < NOW
        assert t.first_response_at is None or t.created_at < t.first_response_at < NOW
        assert t.resolved_at is None or t.created_at < t.resolved_at < NOW
        if t.resolved_at is not None:
            assert t.status in ("solved", "closed")
        else:
            assert t.status in ("new", "open", "pending", "on_hold")
        assert t.status != "new" or t.first_response_at is None

    unresolved = [t for t in tickets if t.resolved_at is None]
    last_month = [t for t in tickets if t.created_at >= NOW - timedelta(days=30)]
    assert 0.01 < len(unresolved) / len(last_month) < 0.12
    assert any(t.created_at < NOW - timedelta(days=180) for t in unresolved)
    weekdays = Counter(t.created_at.weekday() for t in tickets)
    assert weekdays[1] > 3 * weekdays[6]


def test_surveys_link_to_tickets_and_accounts(demo_s):
    responses = _rows(demo_s, SurveyResponse)
    resolved = {
        t.id: t.resolved_at for t in _rows(demo_s, Ticket.id, Ticket.resolved_at) if t.resolved_at
    }
    kinds = Counter(r.survey_type for r in responses)

    assert set(kinds) == {"csat", "nps", "ces"}
    assert 0.07 < kinds["csat"] / len(resolved) < 0.13
    for r in responses:
        low, high = domain.SURVEY_SCALES[r.survey_type]
        assert low <= r.score <= high and r.responded_at < NOW
        if r.survey_type == "csat":
            assert r.ticket_id in resolved and r.responded_at > resolved[r.ticket_id]
        if r.survey_type == "nps":
            assert r.ticket_id is None and r.account_id is not None
    assert any(r.comment for r in responses)


def test_every_board_column_has_cards(demo_s):
    boards = dict(_rows(demo_s, Board.id, Board.name))
    columns = _rows(demo_s, BoardColumn.id, BoardColumn.board_id)
    cards = Counter(row.column_id for row in _rows(demo_s, Card.column_id))

    assert sorted(boards.values())[-1] == "Onboarding"
    assert sum(name.startswith("Customer success") for name in boards.values()) == 2
    assert len(columns) == 15
    assert all(cards[column.id] > 0 for column in columns)
    for table in (
        card_assignees,
        CardTag,
        ChecklistItem,
        CardComment,
        CardAttachment,
        BoardMember,
        BoardTag,
    ):
        assert _count(demo_s, table) > 0
    open_cards = _rows(demo_s, Card.due_date, Card.is_archived, Card.column_id)
    assert any(row.due_date and row.due_date < TODAY for row in open_cards)
    assert any(row.is_archived for row in open_cards)


def test_demo_boards_have_consistent_positions_numbers_and_history(demo_s):
    """Open cards fill positions 0..n-1 of their column; numbers run 1..n per board; replaying
    each card's history ends in its column; the flow analytics see 90 days of it."""
    cards = _rows(demo_s, Card)
    by_column: dict[int, list[int]] = {}
    for card in cards:
        if not card.is_archived:
            by_column.setdefault(card.column_id, []).append(card.position)
    assert all(sorted(p) == list(range(len(p))) for p in by_column.values())
    for board_id, next_number in _rows(demo_s, Board.id, Board.next_card_number):
        numbers = sorted(card.number for card in cards if card.board_id == board_id)
        assert numbers == list(range(1, next_number))

    where: dict[int, int | None] = {}
    for event in sorted(_rows(demo_s, CardActivity), key=lambda e: (e.occurred_at, e.id)):
        assert event.card_id in where or event.kind == "created", event
        if event.kind in ("created", "moved", "archived", "restored"):
            assert where.get(event.card_id) == event.from_column_id, event
            where[event.card_id] = event.to_column_id
    for card in cards:
        assert where[card.id] == (None if card.is_archived else card.column_id)

    analytics = boards.flow(demo_s, operator(), 1, today=TODAY)
    assert analytics.throughput["cards"].sum() > 0
    assert analytics.cycle_time.iloc[0]["tag"] == "all"
    assert analytics.cumulative_flow["cards"].max() > 0


def test_timestamps_follow_the_story(demo_s):
    """Nothing happens before its account exists, after the data ends, or before its cause."""
    joined = dict(_rows(demo_s, Account.id, Account.created_at))
    for sub in _rows(demo_s, Subscription.account_id, Subscription.start_date):
        assert sub.start_date >= joined[sub.account_id].date()
    for ticket in _rows(demo_s, Ticket.account_id, Ticket.created_at):
        assert ticket.account_id is None or ticket.created_at > joined[ticket.account_id]
    for kind, account_id, responded in _rows(
        demo_s, SurveyResponse.survey_type, SurveyResponse.account_id, SurveyResponse.responded_at
    ):
        assert account_id is None or responded > joined[account_id], kind
    for row in _rows(demo_s, Interaction):
        assert joined[row.account_id] < row.occurred_at <= row.created_at < NOW

    ticket_created = dict(_rows(demo_s, Ticket.id, Ticket.created_at))
    cards = {card.id: card for card in _rows(demo_s, Card)}
    for card in cards.values():
        assert card.created_at <= card.updated_at < NOW
        if card.ticket_id:
            assert card.created_at > ticket_created[card.ticket_id]
        if card.account_id:
            assert card.created_at > joined[card.account_id]
    for comment in _rows(demo_s, CardComment):
        assert cards[comment.card_id].created_at < comment.created_at < NOW
    for attachment in _rows(demo_s, CardAttachment):
        assert cards[attachment.card_id].created_at < attachment.uploaded_at < NOW
        assert attachment.size_bytes == len(attachment.content)


def test_kpis_land_in_plausible_ranges(demo_s):
    """FRT SLA, CSAT, NPS and retention over the last year, computed from the rows."""
    start = TODAY - timedelta(days=365)
    window_start = datetime(start.year, start.month, start.day, tzinfo=UTC)

    met = breached = 0
    for priority, created, responded in _rows(
        demo_s, Ticket.priority, Ticket.created_at, Ticket.first_response_at
    ):
        if created < window_start:
            continue
        target = timedelta(minutes=DEFAULT_SLA_FIRST_RESPONSE_MINUTES[priority])
        if responded is not None and responded - created <= target:
            met += 1
        elif responded is not None or NOW - created > target:
            breached += 1
    assert 0.80 <= met / (met + breached) <= 0.95

    scores: dict[str, list[int]] = defaultdict(list)
    for kind, score, responded in _rows(
        demo_s, SurveyResponse.survey_type, SurveyResponse.score, SurveyResponse.responded_at
    ):
        if responded >= window_start:
            scores[kind].append(score)
    csat = sum(s >= 4 for s in scores["csat"]) / len(scores["csat"])
    nps = 100 * (sum(s >= 9 for s in scores["nps"]) - sum(s <= 6 for s in scores["nps"]))
    nps /= len(scores["nps"])
    assert 0.80 <= csat <= 0.90
    assert 20 <= nps <= 45

    def arr_by_account(day: date) -> Counter[str]:
        arr: Counter[str] = Counter()
        for sub in _rows(demo_s, Subscription):
            if sub.start_date <= day and (sub.end_date is None or day < sub.end_date):
                arr[sub.account_id] += sub.arr_cents
        return arr

    starting, ending = arr_by_account(start), arr_by_account(TODAY)
    base = sum(starting.values())
    grr = sum(min(ending[a], arr) for a, arr in starting.items()) / base
    nrr = sum(ending[a] for a in starting) / base
    assert 0.85 <= grr <= 0.93
    assert 1.00 <= nrr <= 1.15


def test_generation_is_audited(demo_s):
    (entry,) = _rows(demo_s, AuditEntry)
    assert (entry.action, entry.entity_type) == ("demo_generate", "database")
    assert entry.after["counts"]["accounts"] == 500
    assert entry.after["today"] == TODAY.isoformat()


def test_health_history_is_weekly_scored_from_the_data_and_shows_drops_and_red(demo_s):
    days = demo_health.snapshot_days(TODAY)
    assert len(days) == 26 and days[-1] == TODAY and days[0] == TODAY - timedelta(weeks=25)
    with demo_s.connect() as connection:
        per_day = dict(
            connection.execute(
                select(HealthSnapshot.snapshot_date, func.count()).group_by(
                    HealthSnapshot.snapshot_date
                )
            ).all()
        )
        runs = connection.execute(select(HealthRun.snapshot_date)).scalars().all()
    assert sorted(per_day) == days == sorted(runs)
    assert health.has_run(demo_s, TODAY)  # the app finds today computed
    today = {h.account_id: h for h in health.stored(demo_s, TODAY)}
    assert {h.account_id: h.as_json() for h in health.compute(demo_s, TODAY)} == {
        account: result.as_json() for account, result in today.items()
    }
    two_weeks_ago = {h.account_id: h for h in health.stored(demo_s, TODAY - timedelta(days=14))}
    fell = [
        a for a in today if a in two_weeks_ago and two_weeks_ago[a].score - today[a].score >= 15
    ]
    assert fell, "no account fell by 15 points in 14 days"
    bands = Counter(result.band for result in today.values())
    assert bands["red"] and bands["yellow"] and bands["green"]
    neglected = [r for r in today.values() if r.components["engagement"].score == 0]
    assert neglected, "no neglected account"
