"""KPI targets: validation, permissions, stale edits, audit, and progress on hand-made data."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from cs_data import domain, targets
from cs_data.auth import Actor, operator, permission
from cs_data.db import transaction
from cs_data.errors import InvalidInput, NotFound, PermissionDenied
from cs_data.models import AuditEntry, KpiTarget
from tests.factories import make_account, make_survey, make_ticket

START = date(2025, 3, 1)
DEADLINE = date(2025, 3, 31)
VALID = {
    "kpi": "csat",
    "name": "CSAT above 80%",
    "target_value": 0.8,
    "direction": "at_least",
    "segment": None,
    "start_date": START,
    "deadline": DEADLINE,
}


def actor(role: str) -> Actor:
    return Actor(name=f"as_{role}", user_id=None, role=role)


def codes(error: InvalidInput) -> dict[str, str]:
    return {e.field: e.code for e in error.errors}


def rows(engine: Engine) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(select(KpiTarget))]


def audit_actions(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


# --- validation ---------------------------------------------------------------------------


def test_every_bad_field_is_named_at_once(engine):
    with pytest.raises(InvalidInput) as caught:
        targets.create_target(
            engine,
            operator(),
            kpi="nope",
            name="  ",
            target_value="80",
            direction="up",
            segment="galactic",
            start_date=START,
            deadline=START,
        )
    assert codes(caught.value) == {
        "name": "required",
        "kpi": "unknown_kpi",
        "target_value": "not_a_number",
        "direction": "unknown_direction",
        "segment": "unknown_segment",
        "deadline": "deadline_before_start",
    }
    assert rows(engine) == []


@pytest.mark.parametrize(
    ("kpi", "value", "code"),
    [
        ("csat", 1.2, "out_of_range"),
        ("csat", -0.1, "out_of_range"),
        ("grr", 1.05, "out_of_range"),
        ("nrr", 1.05, None),
        ("nps", -101, "out_of_range"),
        ("nps", 100, None),
        ("frt_median_min", -1, "out_of_range"),
        ("backlog_open", 2.5, "not_whole"),
        ("arr_total", 1_000_000_00, None),
        ("csat_avg", 6, "out_of_range"),
        ("ces_avg", 6, None),
        ("csat", float("nan"), "not_a_number"),
        ("csat", None, "not_a_number"),
    ],
)
def test_the_value_must_fit_the_kpi_unit(engine, kpi, value, code):
    fields = VALID | {"kpi": kpi, "target_value": value}
    if code is None:
        assert targets.create_target(engine, operator(), **fields).target_value == value
        return
    with pytest.raises(InvalidInput) as caught:
        targets.create_target(engine, operator(), **fields)
    assert codes(caught.value) == {"target_value": code}


def test_names_and_dates_are_checked(engine):
    with pytest.raises(InvalidInput) as caught:
        targets.create_target(
            engine, operator(), **VALID | {"name": "x" * 201, "start_date": None, "deadline": None}
        )
    assert codes(caught.value) == {
        "name": "too_long",
        "start_date": "date_required",
        "deadline": "date_required",
    }
    (name_error,) = [e for e in caught.value.errors if e.field == "name"]
    assert name_error.params == {"max": 200, "length": 201}


def test_a_direction_against_the_kpi_is_allowed_and_flagged(engine):
    made = targets.create_target(
        engine, operator(), **VALID | {"kpi": "backlog_open", "target_value": 5}
    )
    assert made.against_kpi
    assert not targets.create_target(engine, operator(), **VALID).against_kpi


# --- permissions, audit, stale edits -----------------------------------------------------


def _create(engine: Engine, who: Actor) -> None:
    targets.create_target(engine, who, **VALID)


def _update(engine: Engine, who: Actor) -> None:
    first = targets.list_targets(engine, include_past=True)[0]
    targets.update_target(engine, who, first.id, seen_version=first.version, **VALID)


def _delete(engine: Engine, who: Actor) -> None:
    first = targets.list_targets(engine, include_past=True)[0]
    targets.delete_target(engine, who, first.id, seen_version=first.version)


@pytest.mark.parametrize("role", domain.ROLES)
@pytest.mark.parametrize(
    ("action", "run"),
    [("target.create", _create), ("target.update", _update), ("target.delete", _delete)],
)
def test_only_allowed_roles_write_targets(engine, role, action, run):
    targets.create_target(engine, operator(), **VALID)
    before = (rows(engine), audit_actions(engine))
    if role in permission(action).roles:
        run(engine, actor(role))
        assert audit_actions(engine)[-1] == action
        return
    with pytest.raises(PermissionDenied):
        run(engine, actor(role))
    assert (rows(engine), audit_actions(engine)) == before


def test_writes_are_audited_with_before_and_after(engine):
    made = targets.create_target(engine, actor("manager"), **VALID)
    changed = targets.update_target(
        engine, actor("manager"), made.id, seen_version=1, **VALID | {"target_value": 0.9}
    )
    assert changed.version == 2 and changed.target_value == 0.9
    targets.delete_target(engine, actor("admin"), made.id, seen_version=2)
    with engine.connect() as connection:
        entries = connection.execute(select(AuditEntry).order_by(AuditEntry.id)).all()
    create, update, delete = entries
    assert create.after["deadline"] == "2025-03-31" and create.before is None
    assert (update.before["target_value"], update.after["target_value"]) == (0.8, 0.9)
    assert (update.before["version"], update.after["version"]) == (1, 2)
    assert delete.before["version"] == 2 and delete.after is None
    assert rows(engine) == []


def test_a_stale_edit_shows_what_the_other_person_saved_and_writes_nothing(engine):
    made = targets.create_target(engine, operator(), **VALID)
    targets.update_target(engine, operator(), made.id, seen_version=1, **VALID | {"name": "Mine"})
    before = rows(engine)

    with pytest.raises(targets.TargetChanged) as caught:
        targets.update_target(engine, operator(), made.id, seen_version=1, **VALID)
    assert (caught.value.current.name, caught.value.current.version) == ("Mine", 2)
    with pytest.raises(targets.TargetChanged):
        targets.delete_target(engine, operator(), made.id, seen_version=1)
    assert rows(engine) == before
    targets.delete_target(engine, operator(), made.id, seen_version=2)
    with pytest.raises(NotFound):
        targets.update_target(engine, operator(), made.id, seen_version=2, **VALID)


def test_past_targets_are_listed_only_when_asked(engine):
    targets.create_target(engine, operator(), **VALID)
    assert targets.list_targets(engine, today=date(2025, 4, 1)) == []
    assert len(targets.list_targets(engine, today=date(2025, 3, 31))) == 1
    assert len(targets.list_targets(engine, include_past=True, today=date(2025, 4, 1))) == 1


# --- progress --------------------------------------------------------------------------------


def _target(**fields) -> targets.Target:
    values = VALID | {"id": 0, "owner_id": None, "version": 1} | fields
    return targets.Target(**values)


def test_progress_over_the_window_so_far_per_segment(engine):
    at = lambda day, hour=12: datetime(2025, 3, day, hour, tzinfo=UTC)  # noqa: E731
    with transaction(engine) as session:
        smb = make_account(session, segment="smb")
        big = make_account(session, segment="enterprise")
        for score, account, day in [(5, smb, 2), (4, smb, 3), (1, smb, 20), (2, big, 4)]:
            make_survey(session, score=score, account_id=account.id, responded_at=at(day))
        make_survey(session, score=1, account_id=smb.id, responded_at=datetime(2025, 2, 28, 12))
        for day in (2, 3, 4):
            make_ticket(session, account_id=big.id, created_at=at(day, 9))

    as_of = at(10)
    progress = targets.target_progress(
        engine,
        [
            _target(id=1),  # all: 2 satisfied of 3 by day 10
            _target(id=2, segment="smb"),  # 2 of 2
            _target(id=3, segment="enterprise", direction="at_most", target_value=0.5),
            _target(id=4, kpi="tickets_created", target_value=4, segment="enterprise"),
            _target(id=5, start_date=date(2025, 3, 11)),
            _target(id=6, kpi="nps"),
        ],
        as_of=as_of,
    )
    by_id = {p.target.id: p for p in progress}
    assert by_id[1].window == (START, date(2025, 3, 10))
    assert by_id[1].value == pytest.approx(2 / 3)
    assert by_id[1].status == "behind"
    assert by_id[1].gap == pytest.approx(2 / 3 - 0.8)
    assert by_id[1].fraction == pytest.approx((2 / 3) / 0.8)
    assert (by_id[2].value, by_id[2].status, by_id[2].fraction) == (1.0, "met", 1.0)
    assert (by_id[3].value, by_id[3].status) == (0.0, "met")
    assert (by_id[4].value, by_id[4].status, by_id[4].gap) == (3, "behind", -1)
    assert by_id[4].fraction == pytest.approx(0.75)
    assert (by_id[5].status, by_id[5].window, by_id[5].value) == ("not_started", None, None)
    assert (by_id[6].status, by_id[6].value) == ("no_data", None)
    assert by_id[1].days_left == (DEADLINE - as_of.date()).days


def test_an_ended_target_is_measured_up_to_its_deadline(engine):
    with transaction(engine) as session:
        make_survey(session, score=5, responded_at=datetime(2025, 3, 30, tzinfo=UTC))
        make_survey(session, score=1, responded_at=datetime(2025, 4, 2, tzinfo=UTC))
    as_of = datetime(2025, 4, 10, tzinfo=UTC)
    (progress,) = targets.target_progress(engine, [_target()], as_of=as_of)
    assert (progress.window, progress.value, progress.status) == ((START, DEADLINE), 1.0, "met")
    assert progress.days_left == -10
    assert progress.target.deadline - timedelta(days=progress.days_left) == as_of.date()
