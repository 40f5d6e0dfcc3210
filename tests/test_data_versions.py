"""Data versions: every committed write bumps the tables it wrote, readers get a stable stamp."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert, select, text

from cs_data import data_versions, demo, importers
from cs_data.auth import operator
from cs_data.data_versions import bucket_start, stamp, written_table
from cs_data.db import transaction
from cs_data.models import Account, DataVersion, Ticket


def versions(engine) -> dict[str, int]:
    with engine.connect() as connection:
        rows = connection.execute(select(DataVersion.table_name, DataVersion.version))
        return {name: version for name, version in rows}


@pytest.mark.parametrize(
    ("statement", "table"),
    [
        ("INSERT INTO tickets (id) VALUES (?)", "tickets"),
        ("insert or replace into accounts values (1)", "accounts"),
        ('UPDATE "users" SET role=%(role)s', "users"),
        ("\n  DELETE FROM public.renewals WHERE id = 1", "renewals"),
        ("TRUNCATE TABLE ONLY cards", "cards"),
        ("SELECT * FROM tickets", None),
        ("WITH x AS (SELECT 1) SELECT * FROM x", None),
    ],
)
def test_the_written_table_is_read_from_the_statement(statement, table):
    assert written_table(statement) == table


def test_migrating_bumps_nothing(engine):
    assert versions(engine) == {}


def test_an_orm_write_bumps_the_tables_it_wrote_and_only_those(engine):
    with transaction(engine) as session:
        session.add(Account(id="A1", name="Alpha"))
    with transaction(engine) as session:
        session.add(Account(id="A2", name="Beta"))
        session.flush()
        session.add(Ticket(id="T1", account_id="A2", created_at=datetime.now(UTC)))

    assert versions(engine) == {"accounts": 2, "tickets": 1}


def test_core_batches_and_plain_sql_outside_the_helper_bump_too(engine):
    with transaction(engine) as session:
        session.connection().execute(
            insert(Account), [{"id": f"A{n}", "name": f"Account {n}"} for n in range(3)]
        )
    with engine.begin() as connection:
        connection.execute(text("UPDATE accounts SET segment = 'smb'"))
        connection.execute(text("DELETE FROM tickets WHERE id = 'none'"))

    assert versions(engine) == {"accounts": 2}, "a statement that changed no rows bumps nothing"


def test_a_rolled_back_transaction_bumps_nothing(engine):
    with pytest.raises(RuntimeError), transaction(engine) as session:
        session.add(Account(id="A1", name="Alpha"))
        session.flush()
        raise RuntimeError("refused")
    with engine.connect() as connection:
        connection.execute(text("DELETE FROM accounts"))
        connection.rollback()
    with transaction(engine) as session:  # the next transaction on the pooled connection
        session.add(Ticket(id="T1", created_at=datetime.now(UTC)))

    assert versions(engine) == {"tickets": 1}


def test_the_stamp_stays_within_a_bucket_until_the_data_changes(engine):
    now = datetime.now(UTC)
    before = stamp(engine, ["accounts"], now=now)
    assert before == data_versions.Stamp(0, bucket_start(now))
    assert stamp(engine, ["accounts"], now=now + timedelta(seconds=1)) == before

    with transaction(engine) as session:
        session.add(Account(id="A1", name="Alpha"))
    after = stamp(engine, ["accounts", "tickets"], now=datetime.now(UTC) + timedelta(seconds=1))

    assert after.version == 1
    assert after.as_of > before.as_of, "figures are computed after the write"
    unrelated = stamp(engine, ["tickets"], now=now)
    assert unrelated == before, "a write to accounts leaves readers of tickets alone"


def test_the_stamp_never_lies_in_the_future(engine):
    ahead = datetime.now(UTC) + timedelta(hours=1)
    with engine.begin() as connection:
        data_versions.bump(connection, ["accounts"], now=ahead)
    now = datetime.now(UTC)

    assert stamp(engine, ["accounts"], now=now).as_of == now


def test_buckets_count_from_midnight():
    moment = datetime(2026, 11, 30, 13, 44, 59, tzinfo=UTC)
    assert bucket_start(moment) == datetime(2026, 11, 30, 13, 30, tzinfo=UTC)
    assert bucket_start(moment, timedelta(hours=1)) == datetime(2026, 11, 30, 13, tzinfo=UTC)


def planner_rows(engine, table: str) -> float:
    """PostgreSQL's estimate of ``table``'s rows (-1: never analysed)."""
    with engine.connect() as connection:
        return connection.execute(
            text(
                "SELECT c.reltuples FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE c.relname = :table AND n.nspname = current_schema()"
            ),
            {"table": table},
        ).scalar_one()


def test_a_large_import_refreshes_the_planner_statistics(engine, tmp_path, monkeypatch):
    monkeypatch.setattr(importers, "REFRESH_STATISTICS_AFTER_ROWS", 3)
    path = tmp_path / "accounts.csv"
    path.write_text("account_id,name\n" + "".join(f"A{n},Account {n}\n" for n in range(3)))
    if engine.dialect.name == "postgresql":
        assert planner_rows(engine, "accounts") < 0

    importers.import_file(engine, operator(), "accounts", path)

    if engine.dialect.name == "postgresql":
        assert planner_rows(engine, "accounts") == 3
    assert versions(engine)["accounts"] == 1


def test_demo_data_refreshes_the_planner_statistics(engine):
    tiny = demo.DemoScale("tiny", accounts=20, tickets=200, csms=2, agents=2, cards_per_board=5)
    demo.generate(engine, operator(), scale=tiny, today=date(2026, 5, 15))

    if engine.dialect.name == "postgresql":
        assert planner_rows(engine, "tickets") > 0
    assert versions(engine)["tickets"] == 1
