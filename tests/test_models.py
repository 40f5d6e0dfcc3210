from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from cs_data.db import read_session, transaction
from cs_data.models import Account, Contact, Renewal, Subscription, Ticket
from tests.factories import (
    make_account,
    make_renewal,
    make_subscription,
    make_survey,
    make_ticket,
    make_user,
)

SEOUL = timezone(timedelta(hours=9))


def test_timestamps_are_stored_in_utc_and_read_back_aware(engine):
    with transaction(engine) as session:
        make_ticket(session, id="T-seoul", created_at=datetime(2025, 3, 3, 9, 0, tzinfo=SEOUL))
        make_ticket(session, id="T-naive", created_at=datetime(2025, 3, 3, 9, 0))

    with read_session(engine) as session:
        seoul = session.get(Ticket, "T-seoul")
        naive = session.get(Ticket, "T-naive")
        assert seoul.created_at == datetime(2025, 3, 3, 0, 0, tzinfo=UTC)
        assert seoul.created_at.tzinfo is UTC
        assert naive.created_at == datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
        stored = session.scalar(
            select(func.count()).where(Ticket.created_at < datetime(2025, 3, 3, 1, tzinfo=UTC))
        )
        assert stored == 1


def test_money_is_exact_integer_cents_beyond_32_bits(engine):
    with transaction(engine) as session:
        account = make_account(session)
        make_subscription(session, account=account, id="SUB-big", arr_cents=12_345_678_901)

    with read_session(engine) as session:
        total = session.scalar(select(func.sum(Subscription.arr_cents)))
        assert total == 12_345_678_901


def test_concurrent_renewal_edits_raise_instead_of_overwriting(engine):
    with transaction(engine) as session:
        make_renewal(session, account=make_account(session), id="REN-1")

    first, second = Session(engine), Session(engine)
    try:
        mine = first.get(Renewal, "REN-1")
        theirs = second.get(Renewal, "REN-1")
        theirs.stage = "outreach"
        second.commit()

        mine.stage = "engaged"
        with pytest.raises(StaleDataError):
            first.commit()
    finally:
        first.close()
        second.close()

    with read_session(engine) as session:
        renewal = session.get(Renewal, "REN-1")
        assert (renewal.stage, renewal.version) == ("outreach", 2)


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda s: make_survey(s, survey_type="nps", score=11), id="nps-off-scale"),
        pytest.param(lambda s: make_survey(s, survey_type="csat", score=0), id="csat-off-scale"),
        pytest.param(lambda s: make_survey(s, survey_type="stars", score=3), id="unknown-survey"),
        pytest.param(lambda s: make_ticket(s, priority="critical"), id="unknown-priority"),
        pytest.param(lambda s: make_ticket(s, account_id="ACC-missing"), id="unknown-account"),
        pytest.param(lambda s: make_user(s, role="superuser"), id="unknown-role"),
        pytest.param(
            lambda s: make_renewal(s, account=make_account(s), stage="won"), id="unknown-stage"
        ),
        pytest.param(
            lambda s: make_renewal(s, account=make_account(s), probability=1.5),
            id="probability-over-1",
        ),
        pytest.param(
            lambda s: make_subscription(
                s,
                account=make_account(s),
                start_date=datetime(2025, 2, 1).date(),
                end_date=datetime(2025, 1, 1).date(),
            ),
            id="subscription-ends-before-start",
        ),
    ],
)
def test_database_rejects_values_outside_the_domain(engine, build):
    with pytest.raises(IntegrityError), transaction(engine) as session:
        build(session)


def test_deleting_an_account_removes_its_contacts_and_keeps_its_tickets(engine):
    with transaction(engine) as session:
        account = make_account(session, id="ACC-gone")
        session.add(Contact(account_id=account.id, name="Ana Lima"))
        make_ticket(session, id="T-kept", account_id=account.id)

    with transaction(engine) as session:
        session.delete(session.get(Account, "ACC-gone"))

    with read_session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 0
        assert session.get(Ticket, "T-kept").account_id is None
