"""Renewals: validation, permissions, stale saves, history and as-of views, pipeline queries."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from cs_data import importers
from cs_data.auth import Actor, operator
from cs_data.db import transaction
from cs_data.errors import InvalidInput, NotFound, PermissionDenied
from cs_data.models import AuditEntry, Renewal, RenewalChange
from cs_data.renewals import queries
from cs_data.renewals.commands import RenewalChanged, create_renewal, update_renewal
from cs_data.renewals.queries import RenewalFilter, get_renewal, list_renewals
from tests.factories import make_account, make_renewal, make_user

TODAY = date(2025, 6, 1)


def renewal_row(engine: Engine, renewal_id: str) -> Renewal:
    with transaction(engine) as session:
        return session.get(Renewal, renewal_id)


def history(engine: Engine, renewal_id: str) -> list[tuple]:
    with engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                select(
                    RenewalChange.field,
                    RenewalChange.old_value,
                    RenewalChange.new_value,
                    RenewalChange.version,
                    RenewalChange.actor_name,
                )
                .where(RenewalChange.renewal_id == renewal_id)
                .order_by(RenewalChange.id)
            )
        ]


@pytest.fixture
def book(engine):
    """Two CSMs with an account and a renewal each, plus one user per other role."""
    with transaction(engine) as session:
        people = {
            name: make_user(session, username=name, display_name=name.title(), role=role)
            for name, role in [
                ("ann", "csm"),
                ("bob", "csm"),
                ("meg", "manager"),
                ("ada", "admin"),
                ("eve", "exec"),
                ("val", "viewer"),
            ]
        }
        ann_account = make_account(session, name="Ann's account", csm_id=people["ann"].id)
        bob_account = make_account(session, name="Bob's account", csm_id=people["bob"].id)
        ann_renewal = make_renewal(session, account=ann_account, renewal_date=date(2025, 6, 20))
        bob_renewal = make_renewal(session, account=bob_account, renewal_date=date(2025, 8, 1))
        owned_by_ann = make_renewal(
            session,
            account=bob_account,
            owner_id=people["ann"].id,
            renewal_date=date(2025, 9, 1),
        )
        actors = {
            name: Actor(name=user.display_name, user_id=user.id, role=user.role)
            for name, user in people.items()
        }
        return {
            "actors": actors,
            "ann_renewal": ann_renewal.id,
            "bob_renewal": bob_renewal.id,
            "owned_by_ann": owned_by_ann.id,
        }


def codes(error: InvalidInput) -> dict[str, str]:
    return {e.field: e.code for e in error.errors}


# --- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"stage": "dreaming"}, "stage", "unknown_stage"),
        ({"forecast_category": "maybe"}, "forecast_category", "unknown_category"),
        ({"risk": "extreme"}, "risk", "unknown_risk"),
        ({"outcome": "tied"}, "outcome", "unknown_outcome"),
        ({"probability": 1.2}, "probability", "probability_range"),
        ({"probability": -0.01}, "probability", "probability_range"),
        ({"probability": "high"}, "probability", "not_a_number"),
        ({"probability": float("nan")}, "probability", "not_a_number"),
        ({"expected_arr_cents": -1}, "expected_arr_cents", "negative_money"),
        ({"upsell_cents": -500}, "upsell_cents", "negative_money"),
        ({"expected_arr_cents": 12.5}, "expected_arr_cents", "not_money"),
        ({"outcome": "won"}, "renewed_arr_cents", "renewed_arr_required"),
        ({"stage": "closed_won"}, "renewed_arr_cents", "renewed_arr_required"),
        ({"outcome": "lost"}, "lost_reason", "lost_reason_required"),
        ({"outcome": "lost", "lost_reason": "   "}, "lost_reason", "lost_reason_required"),
        ({"stage": "closed_won", "outcome": "lost"}, "stage", "contradicts_outcome"),
        ({"next_step": "Call the CFO"}, "next_step_date", "date_required"),
        ({"next_step_date": date(2025, 6, 5)}, "next_step", "next_step_required"),
        ({"next_step": "x", "next_step_date": "tomorrow"}, "next_step_date", "not_a_date"),
        ({"next_step": "x" * 501, "next_step_date": TODAY}, "next_step", "too_long"),
        ({"risk_reason": "y" * 501}, "risk_reason", "too_long"),
        ({"notes": "z" * 5001}, "notes", "too_long"),
        ({"forecast_category": "closed"}, "forecast_category", "closed_needs_outcome"),
        ({"renewed_arr_cents": 100}, "renewed_arr_cents", "only_when_won"),
        ({"lost_reason": "Budget"}, "lost_reason", "only_when_lost"),
        (
            {"outcome": "won", "renewed_arr_cents": 1, "lost_reason": "x"},
            "lost_reason",
            "only_when_lost",
        ),
        ({"owner_id": "ann"}, "owner_id", "unknown_user"),
    ],
)
def test_each_rule_refuses_with_the_field_and_writes_nothing(engine, book, changes, field, code):
    renewal_id = book["ann_renewal"]
    with pytest.raises(InvalidInput) as caught:
        update_renewal(engine, operator(), renewal_id, seen_version=1, **changes)
    assert codes(caught.value)[field] == code
    assert renewal_row(engine, renewal_id).version == 1
    assert history(engine, renewal_id) == []


def test_every_bad_field_is_named_at_once(engine, book):
    with pytest.raises(InvalidInput) as caught:
        update_renewal(
            engine,
            operator(),
            book["ann_renewal"],
            seen_version=1,
            forecast_category="maybe",
            probability=2,
            expected_arr_cents=-5,
            next_step="Call",
            notes="n" * 6000,
        )
    assert codes(caught.value) == {
        "forecast_category": "unknown_category",
        "probability": "probability_range",
        "expected_arr_cents": "negative_money",
        "next_step_date": "date_required",
        "notes": "too_long",
    }


def test_closing_settles_stage_outcome_and_category_and_reopening_clears_them(engine, book):
    renewal_id = book["ann_renewal"]
    saved = update_renewal(
        engine, operator(), renewal_id, seen_version=1, outcome="won", renewed_arr_cents=1_500_000
    )
    row = renewal_row(engine, renewal_id)
    assert (saved.version, row.stage, row.outcome, row.forecast_category) == (
        2,
        "closed_won",
        "won",
        "closed",
    )
    assert row.renewed_arr_cents == 1_500_000 and row.closed_at is not None
    update_renewal(engine, operator(), renewal_id, seen_version=2, stage="negotiation")
    row = renewal_row(engine, renewal_id)
    assert (row.stage, row.outcome, row.forecast_category) == ("negotiation", None, "pipeline")
    assert row.renewed_arr_cents is None and row.closed_at is None
    update_renewal(
        engine,
        operator(),
        renewal_id,
        seen_version=3,
        stage="closed_lost",
        lost_reason="Chose a competitor",
    )
    row = renewal_row(engine, renewal_id)
    assert (row.outcome, row.lost_reason) == ("lost", "Chose a competitor")


def test_probability_override_is_explicit_and_can_be_cleared(engine, book):
    renewal_id = book["ann_renewal"]
    update_renewal(engine, operator(), renewal_id, seen_version=1, probability=0.35)
    assert renewal_row(engine, renewal_id).probability == 0.35
    update_renewal(engine, operator(), renewal_id, seen_version=2, probability=None)
    assert renewal_row(engine, renewal_id).probability is None
    detail = get_renewal(engine, operator(), renewal_id, today=TODAY)
    assert detail.row.probability == detail.stage_probability == 0.5
    assert not detail.row.probability_is_override


def test_saving_nothing_new_keeps_the_version(engine, book):
    saved = update_renewal(
        engine, operator(), book["ann_renewal"], seen_version=1, stage="not_started"
    )
    assert (saved.version, saved.changed) == (1, [])
    assert history(engine, book["ann_renewal"]) == []


def test_unknown_renewal_is_not_found(engine, book):
    with pytest.raises(NotFound):
        update_renewal(engine, operator(), "NOPE", seen_version=1, stage="engaged")


# --- permissions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "which", "allowed"),
    [
        ("ann", "ann_renewal", True),  # her account
        ("ann", "owned_by_ann", True),  # she owns the renewal
        ("ann", "bob_renewal", False),  # another CSM's account
        ("bob", "ann_renewal", False),
        ("bob", "bob_renewal", True),
        ("meg", "bob_renewal", True),
        ("ada", "ann_renewal", True),
        ("eve", "ann_renewal", False),
        ("val", "ann_renewal", False),
    ],
)
def test_permission_matrix(engine, book, who, which, allowed):
    actor = book["actors"][who]
    renewal_id = book[which]
    if allowed:
        saved = update_renewal(engine, actor, renewal_id, seen_version=1, stage="outreach")
        assert saved.version == 2
        assert renewal_row(engine, renewal_id).stage == "outreach"
        assert history(engine, renewal_id)[-1][4] == actor.name
    else:
        with pytest.raises(PermissionDenied):
            update_renewal(engine, actor, renewal_id, seen_version=1, stage="outreach")
        assert renewal_row(engine, renewal_id).stage == "not_started"
        assert history(engine, renewal_id) == []


def test_everyone_reads_the_pipeline(engine, book):
    for actor in book["actors"].values():
        assert list_renewals(engine, actor, today=TODAY).total == 3


def test_a_demoted_csm_can_no_longer_edit(engine, book):
    from cs_data import users

    users.set_role(engine, operator(), "ann", role="viewer")
    with pytest.raises(PermissionDenied):
        update_renewal(
            engine, book["actors"]["ann"], book["ann_renewal"], seen_version=1, stage="engaged"
        )


# --- conflicts, history, audit ------------------------------------------------------------


def test_two_saves_of_one_version_one_wins_the_other_names_the_change(engine, book):
    renewal_id = book["ann_renewal"]
    ann, meg = book["actors"]["ann"], book["actors"]["meg"]
    update_renewal(
        engine,
        ann,
        renewal_id,
        seen_version=1,
        stage="engaged",
        next_step="Send proposal",
        next_step_date=date(2025, 6, 10),
    )
    with pytest.raises(RenewalChanged) as caught:
        update_renewal(engine, meg, renewal_id, seen_version=1, risk="high", stage="proposal")
    conflict = caught.value
    assert (conflict.seen_version, conflict.version) == (1, 2)
    assert {(c.actor_name, c.field, c.old_value, c.new_value) for c in conflict.changes} == {
        ("Ann", "stage", "not_started", "engaged"),
        ("Ann", "next_step", None, "Send proposal"),
        ("Ann", "next_step_date", None, date(2025, 6, 10)),
    }
    assert "Ann changed" in str(conflict) and "stage" in str(conflict)
    row = renewal_row(engine, renewal_id)
    assert (row.stage, row.risk, row.next_step, row.version) == (
        "engaged",
        None,
        "Send proposal",
        2,
    )
    # re-applied on the version now seen, the second change lands too
    update_renewal(engine, meg, renewal_id, seen_version=conflict.version, risk="high")
    row = renewal_row(engine, renewal_id)
    assert (row.stage, row.risk, row.version) == ("engaged", "high", 3)


def test_every_change_is_recorded_field_by_field_and_audited(engine, book):
    renewal_id = book["ann_renewal"]
    ann = book["actors"]["ann"]
    update_renewal(
        engine, ann, renewal_id, seen_version=1, stage="proposal", expected_arr_cents=1_300_000
    )
    update_renewal(engine, ann, renewal_id, seen_version=2, forecast_category="commit")
    assert history(engine, renewal_id) == [
        ("stage", "not_started", "proposal", 2, "Ann"),
        ("expected_arr_cents", None, "1300000", 2, "Ann"),
        ("forecast_category", "pipeline", "commit", 3, "Ann"),
    ]
    with engine.connect() as connection:
        entries = connection.execute(
            select(AuditEntry.action, AuditEntry.entity_id, AuditEntry.before, AuditEntry.after)
            .where(AuditEntry.entity_type == "renewal")
            .order_by(AuditEntry.id)
        ).all()
    assert entries[0] == (
        "renewal.update",
        renewal_id,
        {"stage": "not_started", "expected_arr_cents": None, "version": 1},
        {"stage": "proposal", "expected_arr_cents": "1300000", "version": 2},
    )
    timeline = get_renewal(engine, ann, renewal_id, today=TODAY).timeline
    assert [change.field for change in timeline] == [
        "forecast_category",
        "expected_arr_cents",
        "stage",
    ]


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_import_records_creation_and_each_changed_field(engine, book, tmp_path):
    with transaction(engine) as session:
        account = make_account(session, id="ACC-IMP")
    first = write_csv(
        tmp_path / "r1.csv",
        "renewal_id,account_id,renewal_date,current_arr,stage\n"
        "REN-IMP,ACC-IMP,2025-07-01,1000.00,outreach\n",
    )
    importers.import_file(engine, operator(), "renewals", first)
    second = write_csv(
        tmp_path / "r2.csv",
        "renewal_id,account_id,renewal_date,current_arr,stage\n"
        "REN-IMP,ACC-IMP,2025-07-15,1000.00,engaged\n",
    )
    importers.import_file(engine, operator(), "renewals", second)
    assert account.id == "ACC-IMP"
    recorded = [(f, o, n, v) for f, o, n, v, _ in history(engine, "REN-IMP")]
    assert recorded == [
        ("created", None, None, 1),
        ("renewal_date", "2025-07-01", "2025-07-15", 2),
        ("stage", "outreach", "engaged", 2),
    ]


# --- as-of views --------------------------------------------------------------------------


def test_a_pipeline_viewed_as_of_a_past_instant_equals_what_was_listed_then(engine, book, tmp_path):
    ann, meg = book["actors"]["ann"], book["actors"]["meg"]
    where = RenewalFilter(due_from=date(2025, 1, 1), due_to=date(2025, 12, 31))
    listed_then = []
    instants = []

    def look() -> None:
        page = list_renewals(engine, meg, where, today=TODAY, page_size=100)
        listed_then.append(page.rows)
        instants.append(datetime.now(UTC))

    look()
    update_renewal(
        engine,
        ann,
        book["ann_renewal"],
        seen_version=1,
        stage="engaged",
        probability=0.65,
        expected_arr_cents=1_250_000,
    )
    look()
    with transaction(engine) as session:
        make_account(session, id="ACC-LATE")
    importers.import_file(
        engine,
        operator(),
        "renewals",
        write_csv(
            tmp_path / "late.csv",
            "renewal_id,account_id,renewal_date,current_arr,next_step,next_step_date\n"
            "REN-LATE,ACC-LATE,2025-07-01,500.00,Kick-off,2025-05-20\n",
        ),
    )
    look()
    update_renewal(
        engine, meg, book["ann_renewal"], seen_version=2, outcome="won", renewed_arr_cents=1_300_000
    )
    update_renewal(
        engine, meg, "REN-LATE", seen_version=1, risk="high", next_step_date=date(2025, 7, 1)
    )
    update_renewal(
        engine,
        meg,
        book["bob_renewal"],
        seen_version=1,
        next_step="Call",
        next_step_date=date(2025, 5, 1),
    )
    look()
    for rows, instant in zip(listed_then, instants, strict=True):
        as_of = list_renewals(engine, meg, where, as_of=instant, today=TODAY, page_size=100)
        assert as_of.rows == rows
    assert len(listed_then[1]) == 3 and len(listed_then[2]) == 4
    assert listed_then[1] != listed_then[0] and listed_then[3] != listed_then[2]


def test_as_of_leaves_out_renewals_created_later_and_restores_the_version(engine, book, tmp_path):
    before = datetime.now(UTC)
    with transaction(engine) as session:
        make_account(session, id="ACC-NEW")
    importers.import_file(
        engine,
        operator(),
        "renewals",
        write_csv(
            tmp_path / "new.csv",
            "renewal_id,account_id,renewal_date,current_arr\nREN-NEW,ACC-NEW,2025-07-01,10.00\n",
        ),
    )
    meg = book["actors"]["meg"]
    ids_then = {r.id for r in list_renewals(engine, meg, as_of=before, today=TODAY).rows}
    assert "REN-NEW" not in ids_then and len(ids_then) == 3
    with pytest.raises(NotFound):
        get_renewal(engine, meg, "REN-NEW", as_of=before)


# --- pipeline queries ---------------------------------------------------------------------


def test_filters_sorting_totals_attention_and_board(engine, book):
    meg, ann = book["actors"]["meg"], book["actors"]["ann"]
    update_renewal(
        engine,
        meg,
        book["bob_renewal"],
        seen_version=1,
        stage="negotiation",
        forecast_category="commit",
        expected_arr_cents=2_000_000,
        upsell_cents=800_000,
    )
    update_renewal(
        engine,
        meg,
        book["ann_renewal"],
        seen_version=1,
        risk="high",
        next_step="Call",
        next_step_date=date(2025, 5, 20),
    )
    mine = list_renewals(engine, ann, RenewalFilter(book_of=ann.user_id), today=TODAY)
    assert {r.id for r in mine.rows} == {book["ann_renewal"], book["owned_by_ann"]}
    by_arr = list_renewals(engine, meg, sort="expected_arr", descending=True, today=TODAY)
    assert by_arr.rows[0].id == book["bob_renewal"]
    attention = {r.id: r for r in list_renewals(engine, meg, today=TODAY).rows}
    flagged = attention[book["ann_renewal"]]
    assert flagged.overdue_next_step and flagged.high_risk and flagged.due_soon_not_commit
    assert not attention[book["bob_renewal"]].needs_attention
    assert attention[book["ann_renewal"]].days_to_renewal == 19
    only = list_renewals(engine, meg, RenewalFilter(attention_only=True), today=TODAY)
    assert [r.id for r in only.rows] == [book["ann_renewal"]]
    stages = list_renewals(engine, meg, RenewalFilter(stages=("negotiation",)), today=TODAY)
    assert [r.id for r in stages.rows] == [book["bob_renewal"]]
    totals = queries.pipeline_totals(engine, meg, today=TODAY)
    assert (totals.renewals, totals.current_arr_cents) == (3, 3_600_000)
    assert totals.expected_arr_cents == 2_000_000 + 2 * 1_200_000
    assert (totals.upsell_cents, totals.needing_attention) == (800_000, 1)
    board = {column.stage: column for column in queries.stage_board(engine, meg, today=TODAY)}
    assert (board["negotiation"].count, board["negotiation"].current_arr_cents) == (1, 1_200_000)
    assert [c.id for c in board["not_started"].cards] == [book["ann_renewal"], book["owned_by_ann"]]
    csv_text = queries.pipeline_csv(engine, meg, today=TODAY)
    assert csv_text.splitlines()[0].startswith("renewal_id,account_id,account")
    assert len(csv_text.splitlines()) == 4


def test_csv_defuses_spreadsheet_formulas(engine, book):
    meg = book["actors"]["meg"]
    update_renewal(
        engine,
        meg,
        book["ann_renewal"],
        seen_version=1,
        next_step='=HYPERLINK("http://x")',
        next_step_date=TODAY,
    )
    assert "'=HYPERLINK" in queries.pipeline_csv(engine, meg, today=TODAY)


def test_unknown_sort_is_refused(engine, book):
    with pytest.raises(ValueError, match="unknown sort"):
        list_renewals(engine, operator(), sort="colour")


def test_page_size_is_capped_and_paging_happens_in_sql(engine, book):
    page = list_renewals(engine, operator(), page=2, page_size=2, today=TODAY)
    assert (page.total, page.page, len(page.rows)) == (3, 2, 1)


def test_a_slipped_renewal_is_listed_in_the_window_it_was_due_in_then(engine, book, tmp_path):
    with transaction(engine) as session:
        make_account(session, id="ACC-SLIP")
    header = "renewal_id,account_id,renewal_date,current_arr\n"
    importers.import_file(
        engine,
        operator(),
        "renewals",
        write_csv(tmp_path / "a.csv", header + "REN-SLIP,ACC-SLIP,2025-07-10,10.00\n"),
    )
    before_slip = datetime.now(UTC)
    importers.import_file(
        engine,
        operator(),
        "renewals",
        write_csv(tmp_path / "b.csv", header + "REN-SLIP,ACC-SLIP,2025-10-10,10.00\n"),
    )
    july = RenewalFilter(due_from=date(2025, 7, 1), due_to=date(2025, 7, 31))
    meg = book["actors"]["meg"]
    assert [r.id for r in list_renewals(engine, meg, july, today=TODAY).rows] == []
    then = list_renewals(engine, meg, july, as_of=before_slip, today=TODAY).rows
    assert [(r.id, r.renewal_date, r.version) for r in then] == [("REN-SLIP", date(2025, 7, 10), 1)]


# --- creating a renewal ---------------------------------------------------------------------


def account_of(engine: Engine, renewal_id: str) -> str:
    return renewal_row(engine, renewal_id).account_id


def test_a_created_renewal_starts_at_version_one_with_its_creation_recorded(engine, book):
    ann = book["actors"]["ann"]
    account = account_of(engine, book["ann_renewal"])
    saved = create_renewal(
        engine,
        ann,
        account,
        renewal_date=date(2026, 1, 31),
        current_arr_cents=2_400_000,
        stage="outreach",
        next_step="Call the champion",
        next_step_date=date(2025, 6, 5),
        probability=0.35,
    )
    row = renewal_row(engine, saved.renewal_id)
    assert (saved.version, row.version, row.account_id) == (1, 1, account)
    assert (row.stage, row.forecast_category, row.probability) == ("outreach", "pipeline", 0.35)
    assert (row.current_arr_cents, row.outcome) == (2_400_000, None)
    assert row.next_step == "Call the champion"
    assert history(engine, saved.renewal_id) == [("created", None, None, 1, "Ann")]
    with engine.connect() as connection:
        entry = connection.execute(
            select(AuditEntry).where(AuditEntry.action == "renewal.create")
        ).one()
    assert entry.entity_id == saved.renewal_id and entry.after["current_arr_cents"] == "2400000"
    listed = list_renewals(engine, ann, RenewalFilter(account_id=account), today=TODAY).rows
    assert saved.renewal_id in [r.id for r in listed]
    before = list_renewals(engine, ann, as_of=datetime(2025, 1, 1, tzinfo=UTC), today=TODAY)
    assert saved.renewal_id not in [r.id for r in before.rows]


def test_creating_checks_every_field_at_once_and_writes_nothing(engine, book):
    account = account_of(engine, book["ann_renewal"])
    with pytest.raises(InvalidInput) as refused:
        create_renewal(
            engine,
            operator(),
            account,
            renewal_date=None,
            current_arr_cents=None,
            stage="closed_won",
            forecast_category="closed",
            risk="extreme",
            probability=2.0,
            next_step="Send the quote",
            upsell_cents=-5,
        )
    assert codes(refused.value) == {
        "renewal_date": "date_required",
        "current_arr_cents": "current_arr_required",
        "stage": "open_stage_required",
        "forecast_category": "closed_needs_outcome",
        "risk": "unknown_risk",
        "probability": "probability_range",
        "next_step_date": "date_required",
        "upsell_cents": "negative_money",
    }
    with pytest.raises(InvalidInput) as taken:
        create_renewal(
            engine,
            operator(),
            account,
            renewal_id=book["bob_renewal"],
            renewal_date=date(2026, 1, 1),
            current_arr_cents=100,
        )
    assert codes(taken.value) == {"renewal_id": "id_taken"}
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Renewal)) == 3
    with pytest.raises(NotFound):
        create_renewal(
            engine, operator(), "ACC-nope", renewal_date=date(2026, 1, 1), current_arr_cents=1
        )


@pytest.mark.parametrize(
    ("who", "whose", "allowed"),
    [
        ("ann", "ann_renewal", True),
        ("ann", "bob_renewal", False),  # the account of another CSM
        ("meg", "bob_renewal", True),
        ("ada", "ann_renewal", True),
        ("eve", "ann_renewal", False),
        ("val", "ann_renewal", False),
    ],
)
def test_who_may_create_a_renewal_for_which_account(engine, book, who, whose, allowed):
    account = account_of(engine, book[whose])
    create = lambda: create_renewal(  # noqa: E731
        engine, book["actors"][who], account, renewal_date=date(2026, 2, 1), current_arr_cents=1
    )
    if allowed:
        assert create().version == 1
        return
    with pytest.raises(PermissionDenied):
        create()
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Renewal)) == 3
