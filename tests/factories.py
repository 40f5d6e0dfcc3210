"""Test data builders: sensible defaults, keyword overrides, deterministic ids."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from cs_data.models import (
    Account,
    HealthSnapshot,
    Renewal,
    Subscription,
    SurveyResponse,
    Ticket,
    User,
)

_sequence = itertools.count(1)


def _next() -> int:
    return next(_sequence)


def make_user(session: Session, **overrides: Any) -> User:
    n = _next()
    values = {"username": f"user{n}", "display_name": f"User {n}", "role": "csm"} | overrides
    user = User(**values)
    session.add(user)
    session.flush()
    return user


def make_account(session: Session, **overrides: Any) -> Account:
    n = _next()
    values = {"id": f"ACC-{n}", "name": f"Account {n}", "segment": "smb", "region": "na"}
    account = Account(**(values | overrides))
    session.add(account)
    session.flush()
    return account


def make_subscription(session: Session, *, account: Account, **overrides: Any) -> Subscription:
    values = {
        "id": f"SUB-{_next()}",
        "account_id": account.id,
        "start_date": date(2025, 1, 1),
        "arr_cents": 1_200_000,
    }
    subscription = Subscription(**(values | overrides))
    session.add(subscription)
    session.flush()
    return subscription


def make_ticket(session: Session, **overrides: Any) -> Ticket:
    values = {
        "id": f"T-{_next()}",
        "created_at": datetime(2025, 3, 3, 9, 0, tzinfo=UTC),
        "priority": "normal",
    }
    ticket = Ticket(**(values | overrides))
    session.add(ticket)
    session.flush()
    return ticket


def make_survey(session: Session, **overrides: Any) -> SurveyResponse:
    values = {
        "id": f"SR-{_next()}",
        "survey_type": "csat",
        "score": 5,
        "responded_at": datetime(2025, 3, 4, 12, 0, tzinfo=UTC),
    }
    response = SurveyResponse(**(values | overrides))
    session.add(response)
    session.flush()
    return response


def make_renewal(session: Session, *, account: Account, **overrides: Any) -> Renewal:
    values = {
        "id": f"REN-{_next()}",
        "account_id": account.id,
        "renewal_date": date(2025, 6, 30),
        "current_arr_cents": 1_200_000,
        "stage": "not_started",
        "forecast_category": "pipeline",
    }
    renewal = Renewal(**(values | overrides))
    session.add(renewal)
    session.flush()
    return renewal


def make_health_snapshot(session: Session, *, account: Account, **overrides: Any) -> HealthSnapshot:
    values = {
        "account_id": account.id,
        "snapshot_date": date(2025, 3, 1),
        "score": 75.0,
        "band": "green",
        "components": {},
    }
    snapshot = HealthSnapshot(**(values | overrides))
    session.add(snapshot)
    session.flush()
    return snapshot
