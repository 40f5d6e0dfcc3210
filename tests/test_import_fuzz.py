"""Hostile import files: values are exact or refused, usernames obey the username rule, and
concurrent writers are told what happened, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, make_url, select, text

from cs_data import db, importers, users
from cs_data.auth import operator
from cs_data.cli import EXIT_DATABASE, main
from cs_data.db import create_engine_for, read_session, transaction
from cs_data.errors import InvalidInput
from cs_data.importers import ImportBusy, RowError, import_file
from cs_data.models import Account, Renewal, Subscription, SurveyResponse, Ticket, User
from tests.test_importers import (
    ACTOR,
    RENEWALS_HEADER,
    SUBSCRIPTIONS_HEADER,
    SURVEYS_HEADER,
    TICKETS_HEADER,
    rejected,
    snapshot,
    ticket_row,
    write_csv,
)

AMOUNT_HINT = (
    " (use a non-negative amount in plain decimal notation with at most 2 decimals, "
    "e.g. 12000.50 or 12,000.50)"
)
USERNAME_RULE = "2–64 characters: lower-case letters, digits, '.', '_' or '-'"


@pytest.fixture
def stored(engine, tmp_path) -> Engine:
    """One of everything, so that 'the database is unchanged' is a real check."""
    files = {
        "accounts": (["account_id", "name", "csm"], [["ACC-1", "Acme", "csm01"]]),
        "subscriptions": (SUBSCRIPTIONS_HEADER, [["S-1", "ACC-1", "2025-01-01", "", "10"]]),
        "tickets": (TICKETS_HEADER, [ticket_row("T-1", assignee="agent1")]),
        "surveys": (SURVEYS_HEADER, [["R-1", "csat", "5", "2025-03-02", "T-1"]]),
        "renewals": (
            [*RENEWALS_HEADER, "probability"],
            [["RN-1", "ACC-1", "2025-06-30", "10", "", "", "", "csm01", "0.5"]],
        ),
    }
    for kind, (header, rows) in files.items():
        import_file(engine, ACTOR, kind, write_csv(tmp_path / f"{kind}0.csv", header, rows))
    return engine


def subscription(arr: str) -> tuple[str, list[str], list[list[str]]]:
    return "subscriptions", SUBSCRIPTIONS_HEADER, [["S-9", "ACC-1", "2025-01-01", "", arr]]


def renewal(**cells: str) -> tuple[str, list[str], list[list[str]]]:
    header = [*RENEWALS_HEADER, "probability"]
    values = {"renewal_id": "RN-9", "account_id": "ACC-1", "renewal_date": "2025-06-30"}
    values |= {"current_arr": "100"} | cells
    return "renewals", header, [[values.get(name, "") for name in header]]


def survey(score: str) -> tuple[str, list[str], list[list[str]]]:
    return "surveys", SURVEYS_HEADER, [["R-9", "nps", score, "2025-03-01", ""]]


def ticket(ticket_id: str = "T-9", **cells: str) -> tuple[str, list[str], list[list[str]]]:
    return "tickets", TICKETS_HEADER, [ticket_row(ticket_id, **cells)]


def account(csm: str) -> tuple[str, list[str], list[list[str]]]:
    return "accounts", ["account_id", "name", "csm"], [["ACC-9", "Initech", csm]]


BAD_VALUES = {
    "decimal comma as arr": (
        subscription("12,50"),
        RowError(
            2,
            "arr",
            "ambiguous ',' in '12,50': ',' may only separate groups of 3 digits before the '.'"
            + AMOUNT_HINT,
        ),
    ),
    "thousands groups of 2 as arr": (
        subscription("1,25,000"),
        RowError(
            2,
            "arr",
            "ambiguous ',' in '1,25,000': ',' may only separate groups of 3 digits before "
            "the '.'" + AMOUNT_HINT,
        ),
    ),
    "underscore in arr": (
        subscription("1_000"),
        RowError(2, "arr", "separator '_' in '1_000'" + AMOUNT_HINT),
    ),
    "space in arr": (
        subscription("1 000"),
        RowError(2, "arr", "separator ' ' in '1 000'" + AMOUNT_HINT),
    ),
    "arabic-indic digits as arr": (
        subscription("١٠٠٠"),
        RowError(2, "arr", "digits other than 0-9 in '١٠٠٠'" + AMOUNT_HINT),
    ),
    "full-width digits as current_arr": (
        renewal(current_arr="１０００"),
        RowError(2, "current_arr", "digits other than 0-9 in '１０００'" + AMOUNT_HINT),
    ),
    "exponent as arr": (
        subscription("1e3"),
        RowError(2, "arr", "exponent notation in '1e3'" + AMOUNT_HINT),
    ),
    "exponent as renewed_arr": (
        renewal(stage="closed_won", renewed_arr="1.5E+3"),
        RowError(2, "renewed_arr", "exponent notation in '1.5E+3'" + AMOUNT_HINT),
    ),
    "inf as arr": (
        subscription("inf"),
        RowError(2, "arr", "not a finite number: 'inf'" + AMOUNT_HINT),
    ),
    "nan as current_arr": (
        renewal(current_arr="NaN"),
        RowError(2, "current_arr", "not a finite number: 'NaN'" + AMOUNT_HINT),
    ),
    "arabic-indic digits as score": (
        survey("٩"),
        RowError(2, "score", "score: digits other than 0-9 in '٩' (use a whole number, e.g. 9)"),
    ),
    "exponent as score": (
        survey("1e1"),
        RowError(2, "score", "score: exponent notation in '1e1' (use a whole number, e.g. 9)"),
    ),
    "underscore in score": (
        survey("1_0"),
        RowError(2, "score", "score: separator '_' in '1_0' (use a whole number, e.g. 9)"),
    ),
    "nan as score": (
        survey("nan"),
        RowError(2, "score", "score: not a finite number: 'nan' (use a whole number, e.g. 9)"),
    ),
    "exponent as probability": (
        renewal(probability="5e-1"),
        RowError(
            2,
            "probability",
            "probability: exponent notation in '5e-1' (use a number from 0 to 1, e.g. 0.75)",
        ),
    ),
    "arabic-indic digits as probability": (
        renewal(probability="٠.٥"),
        RowError(
            2,
            "probability",
            "probability: digits other than 0-9 in '٠.٥' (use a number from 0 to 1, e.g. 0.75)",
        ),
    ),
    "nan as probability": (
        renewal(probability="nan"),
        RowError(
            2,
            "probability",
            "probability: not a finite number: 'nan' (use a number from 0 to 1, e.g. 0.75)",
        ),
    ),
    "timestamp past the end of the calendar in UTC": (
        ticket(created_at="9999-12-31T23:00:00-05:00"),
        RowError(
            2,
            "created_at",
            "timestamp '9999-12-31T23:00:00-05:00' is outside the years 1 to 9999 in UTC",
        ),
    ),
    "timestamp before the start of the calendar in UTC": (
        ticket(created_at="0001-01-01T00:00:00+01:00"),
        RowError(
            2,
            "created_at",
            "timestamp '0001-01-01T00:00:00+01:00' is outside the years 1 to 9999 in UTC",
        ),
    ),
    "timestamp a minute past the calendar in UTC": (
        ticket(resolved_at="9999-12-31T23:59:59-00:01"),
        RowError(
            2,
            "resolved_at",
            "timestamp '9999-12-31T23:59:59-00:01' is outside the years 1 to 9999 in UTC",
        ),
    ),
    "NUL in a text cell": (
        ticket(subject="hello\x00world"),
        RowError(2, "subject", "holds a NUL character (\\x00); remove it"),
    ),
    "NUL in an id": (
        ticket(ticket_id="T-\x009"),
        RowError(2, "ticket_id", "holds a NUL character (\\x00); remove it"),
    ),
    "NUL in a username": (
        account("bob\x00"),
        RowError(2, "csm", "holds a NUL character (\\x00); remove it"),
    ),
    "username with a space": (
        account("Alice Kim"),
        RowError(2, "csm", f"username 'Alice Kim' breaks the username rule ({USERNAME_RULE})"),
    ),
    "username with markup": (
        ticket(assignee="<b>x</b>"),
        RowError(2, "assignee", f"username '<b>x</b>' breaks the username rule ({USERNAME_RULE})"),
    ),
    "username with a markdown link": (
        renewal(owner="[x](javascript:alert(1))"),
        RowError(
            2,
            "owner",
            f"username '[x](javascript:alert(1))' breaks the username rule ({USERNAME_RULE})",
        ),
    ),
    "username of one character": (
        account("a"),
        RowError(2, "csm", f"username 'a' breaks the username rule ({USERNAME_RULE})"),
    ),
    "username with a Kelvin sign for a k": (
        account("\u212asm01"),
        RowError(2, "csm", f"username '\u212asm01' breaks the username rule ({USERNAME_RULE})"),
    ),
}


@pytest.mark.parametrize("case", list(BAD_VALUES))
def test_a_bad_value_is_refused_naming_row_column_and_reason(stored, tmp_path, case):
    (kind, header, rows), expected = BAD_VALUES[case]

    error = rejected(stored, kind, write_csv(tmp_path / f"{kind}.csv", header, rows))

    assert error.errors == [expected]


def test_plain_decimal_amounts_with_thousands_separators_are_exact(stored, tmp_path):
    path = write_csv(
        tmp_path / "subscriptions.csv",
        SUBSCRIPTIONS_HEADER,
        [
            ["S-2", "ACC-1", "2025-01-01", "", "1,250.00"],
            ["S-3", "ACC-1", "2025-01-01", "", "1,250"],
            ["S-4", "ACC-1", "2025-01-01", "", "1,234,567.8"],
            ["S-5", "ACC-1", "2025-01-01", "", "12.50"],
        ],
    )

    import_file(stored, ACTOR, "subscriptions", path)

    with read_session(stored) as session:
        cents = dict(session.execute(select(Subscription.id, Subscription.arr_cents)).all())
    assert cents == {"S-1": 1000, "S-2": 125000, "S-3": 125000, "S-4": 123456780, "S-5": 1250}


def test_scores_and_probabilities_in_plain_decimal_notation_are_read(stored, tmp_path):
    import_file(stored, ACTOR, "surveys", write_csv(tmp_path / "s.csv", *survey("10")[1:]))
    import_file(stored, ACTOR, "renewals", write_csv(tmp_path / "r.csv", *renewal()[1:]))
    kind, header, rows = renewal(probability="0.25")
    import_file(stored, ACTOR, kind, write_csv(tmp_path / "r2.csv", header, rows))

    with read_session(stored) as session:
        assert session.get(SurveyResponse, "R-9").score == 10
        assert session.get(Renewal, "RN-9").probability == 0.25


def test_timestamps_just_inside_the_calendar_are_kept(stored, tmp_path):
    rows = [
        ticket_row("T-8", "9999-12-31T18:59:59-05:00"),
        ticket_row("T-9", "0001-01-01T01:00:00+01:00"),
    ]

    import_file(stored, ACTOR, "tickets", write_csv(tmp_path / "t.csv", TICKETS_HEADER, rows))

    with read_session(stored) as session:
        created = {t.id: t.created_at for t in session.scalars(select(Ticket))}
    assert (created["T-8"].year, created["T-8"].hour) == (9999, 23)
    assert (created["T-9"].year, created["T-9"].hour) == (1, 0)


def raw_file(path: Path, content: str) -> Path:
    path.write_text(content, encoding="utf-8", newline="")
    return path


def test_an_unclosed_quote_is_reported_where_it_opened(stored, tmp_path):
    path = raw_file(
        tmp_path / "tickets.csv",
        'ticket_id,created_at,subject\nT-8,2025-03-01,ok\nT-9,2025-03-01,"broken\n'
        "T-10,2025-03-02,fine\n",
    )

    error = rejected(stored, "tickets", path)

    assert error.errors == [
        RowError(
            3,
            "subject",
            "the quote opened on line 3 is never closed: the cell would run to the end of the file",
        )
    ]


def test_an_unclosed_quote_after_a_quoted_line_break_names_its_own_line(stored, tmp_path):
    path = raw_file(
        tmp_path / "tickets.csv",
        'ticket_id,created_at,subject,channel\r\nT-8,2025-03-01,"two\r\nlines","email\r\n'
        "T-9,2025-03-02,x,chat\r\n",
    )

    error = rejected(stored, "tickets", path)

    assert error.errors == [
        RowError(
            2,
            "channel",
            "the quote opened on line 3 is never closed: the cell would run to the end of the file",
        )
    ]


def test_an_unclosed_quote_in_a_long_file_names_its_line_not_the_cell_limit(stored, tmp_path):
    rows = "".join(f"T-{n},2025-03-01,row {n}\n" for n in range(10_000))
    path = raw_file(
        tmp_path / "tickets.csv",
        f'ticket_id,created_at,subject\nT-x,2025-03-01,"oops\n{rows}',
    )

    error = rejected(stored, "tickets", path)

    assert error.errors == [
        RowError(
            2,
            "subject",
            "the quote opened on line 2 is not closed within 131,072 characters (the cell limit)",
        )
    ]


def test_text_after_a_closing_quote_is_refused_not_guessed(stored, tmp_path):
    path = raw_file(tmp_path / "tickets.csv", 'ticket_id,created_at\n"T-9"x,2025-03-01\n')

    error = rejected(stored, "tickets", path)

    assert error.errors == [
        RowError(2, None, "not a readable CSV record (',' expected after '\"')")
    ]


# --- usernames ------------------------------------------------------------------------------


def user_ids(engine: Engine) -> dict[str, int]:
    with read_session(engine) as session:
        return dict(session.execute(select(User.username, User.id)).all())


def test_a_username_in_another_case_is_the_same_user(stored, tmp_path):
    before = user_ids(stored)

    result = import_file(
        stored, ACTOR, "tickets", write_csv(tmp_path / "t.csv", *ticket(assignee="CSM01")[1:])
    )
    again = import_file(
        stored, ACTOR, "accounts", write_csv(tmp_path / "a.csv", *account(" New.Person ")[1:])
    )

    assert result.created_users == ()
    assert again.created_users == ("new.person",)
    assert user_ids(stored) == before | {"new.person": user_ids(stored)["new.person"]}
    with read_session(stored) as session:
        assert session.get(Ticket, "T-9").assignee_id == before["csm01"]
        assert session.get(Account, "ACC-9").csm_id == user_ids(stored)["new.person"]


def store_legacy_users(engine: Engine, *names: str) -> None:
    """Users as imports stored them before the username rule applied to them."""
    with transaction(engine) as session:
        session.add_all(User(username=name, display_name=name, role="csm") for name in names)


def test_users_stored_in_another_case_are_found_by_imports_and_commands(engine, tmp_path):
    store_legacy_users(engine, "CSM02", "Alice Kim")

    result = import_file(
        engine, ACTOR, "accounts", write_csv(tmp_path / "a.csv", *account("csm02")[1:])
    )
    deactivated = users.deactivate(engine, operator(), "csm02")
    renamed = users.set_role(engine, operator(), "alice kim", role="viewer")
    with pytest.raises(InvalidInput) as taken:
        users.create_user(
            engine,
            operator(),
            username="Csm02",
            display_name="Another",
            role="csm",
            password="Correct-horse-1",
        )

    assert result.created_users == ()
    assert (deactivated.username, deactivated.is_active) == ("CSM02", False)
    assert (renamed.username, renamed.role) == ("Alice Kim", "viewer")
    assert {(e.field, e.code) for e in taken.value.errors} == {("username", "username_taken")}


def test_a_user_whose_name_breaks_the_rule_cannot_be_given_a_password(engine):
    store_legacy_users(engine, "<b>x</b>")
    before = snapshot(engine)

    with pytest.raises(InvalidInput) as refused:
        users.reset_password(engine, operator(), "<b>x</b>", password="Correct-horse-1")

    assert [(e.field, e.code) for e in refused.value.errors] == [("username", "username_format")]
    assert snapshot(engine) == before


# --- concurrent writers ---------------------------------------------------------------------


def test_two_imports_creating_the_same_new_users_at_once_both_succeed(
    db_url, engine, tmp_path, monkeypatch
):
    """The first import creates the users and holds its transaction open a moment; the second
    starts then, so its insert of the same usernames meets the first one's uncommitted rows."""
    first_created = threading.Event()
    resolve_users = importers._Import._resolve_users

    def resolve_then_linger(self, records):
        resolve_users(self, records)
        if not first_created.is_set():
            first_created.set()
            time.sleep(0.5)

    monkeypatch.setattr(importers._Import, "_resolve_users", resolve_then_linger)
    header = ["account_id", "name", "csm"]
    files = [
        write_csv(
            tmp_path / "a.csv", header, [["ACC-1", "A", "newcsm1"], ["ACC-2", "B", "newcsm2"]]
        ),
        write_csv(
            tmp_path / "b.csv", header, [["ACC-3", "C", "NewCsm2"], ["ACC-4", "D", "newcsm1"]]
        ),
    ]
    outcomes: dict[int, object] = {}

    def run(index: int) -> None:
        engine_of_thread = create_engine_for(db_url)
        try:
            outcomes[index] = import_file(engine_of_thread, ACTOR, "accounts", files[index])
        except Exception as exc:  # the test reports whatever the import raised
            outcomes[index] = exc
        finally:
            engine_of_thread.dispose()

    first = threading.Thread(target=run, args=(0,))
    first.start()
    assert first_created.wait(30)
    second = threading.Thread(target=run, args=(1,))
    second.start()
    first.join(60)
    second.join(60)

    assert [type(outcomes[index]).__name__ for index in (0, 1)] == ["ImportResult"] * 2
    assert outcomes[0].created_users == ("newcsm1", "newcsm2")
    assert outcomes[1].created_users == ()
    ids = user_ids(engine)
    assert sorted(ids) == ["newcsm1", "newcsm2"]
    with read_session(engine) as session:
        csm = dict(session.execute(select(Account.id, Account.csm_id)).all())
    assert csm == {
        "ACC-1": ids["newcsm1"],
        "ACC-2": ids["newcsm2"],
        "ACC-3": ids["newcsm2"],
        "ACC-4": ids["newcsm1"],
    }


def with_postgres_setting(db_url: str, setting: str) -> str:
    """``db_url`` (a PostgreSQL schema of this test) with one more server setting."""
    url = make_url(db_url)
    options = f"{url.query['options']} -c {setting}"
    return url.update_query_dict({"options": options}).render_as_string(hide_password=False)


@pytest.fixture
def impatient_url(db_url, engine, monkeypatch) -> str:
    """The test database, reached so that a write waits only 0.2 s for a lock."""
    if engine.dialect.name == "sqlite":
        monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_MS", 200)
        return db_url
    return with_postgres_setting(db_url, "lock_timeout=200")


@pytest.fixture
def impatient_engine(impatient_url) -> Iterator[Engine]:
    impatient = create_engine_for(impatient_url)
    yield impatient
    impatient.dispose()


def hold_write_lock(engine: Engine):
    """Start a transaction in another connection that holds what an import must write."""
    if engine.dialect.name == "sqlite":
        connection = sqlite3.connect(make_url(engine.url).database)
        connection.execute("BEGIN IMMEDIATE")
        return connection
    connection = engine.raw_connection()
    connection.cursor().execute("LOCK TABLE accounts IN SHARE MODE")
    return connection


def test_a_busy_database_is_named_as_the_cause_not_the_rows(engine, impatient_engine, tmp_path):
    path = write_csv(tmp_path / "accounts.csv", *account("brand.new")[1:])
    before = snapshot(engine)
    holder = hold_write_lock(engine)
    try:
        with pytest.raises(ImportBusy) as busy:
            import_file(impatient_engine, ACTOR, "accounts", path)
    finally:
        holder.rollback()
        holder.close()

    message = str(busy.value)
    assert message.startswith(
        f"{path}: not imported, the database is busy: another import or writer holds it; "
        "try again ("
    )
    assert ("database is locked" if engine.dialect.name == "sqlite" else "lock timeout") in message
    assert "refused rows" not in message
    assert snapshot(engine) == before
    assert import_file(impatient_engine, ACTOR, "accounts", path).created_users == ("brand.new",)


def test_cs_data_import_on_a_busy_database_says_so_in_one_line(
    engine, impatient_url, tmp_path, capsys
):
    path = write_csv(tmp_path / "accounts.csv", *account("brand.new")[1:])
    holder = hold_write_lock(engine)
    try:
        code = main(["--database-url", impatient_url, "import", "accounts", str(path)])
    finally:
        holder.rollback()
        holder.close()

    assert code == EXIT_DATABASE
    printed = capsys.readouterr()
    assert printed.out == ""
    assert printed.err.splitlines()[-1].startswith(
        f"error: {path}: not imported, the database is busy: another import or writer holds it"
    )
    assert "Traceback" not in printed.err


def blocked_by(engine: Engine, pid: int) -> bool:
    """Whether a PostgreSQL backend waits for a lock that backend ``pid`` holds (asked in a
    new transaction each time: activity statistics are a snapshot per transaction)."""
    with engine.connect() as connection:
        waiting = "SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))"
        return bool(connection.execute(text(waiting), {"pid": pid}).scalar())


def test_an_import_that_loses_a_deadlock_is_told_the_database_was_busy(db_url, stored, tmp_path):
    """Another transaction holds ACC-9 and then asks for ACC-1, which the import updated
    while it waits for ACC-9: PostgreSQL aborts the import (it checks for deadlocks first)."""
    if stored.dialect.name != "postgresql":
        pytest.skip("SQLite lets one writer in at a time: it has no deadlocks")
    import_file(stored, ACTOR, "accounts", write_csv(tmp_path / "a.csv", *account("csm01")[1:]))
    before = snapshot(stored)
    path = write_csv(
        tmp_path / "accounts.csv",
        ["account_id", "name"],
        [["ACC-1", "Acme renamed"], ["ACC-9", "Initech renamed"]],
    )
    importing = create_engine_for(with_postgres_setting(db_url, "deadlock_timeout=1s"))
    other = stored.raw_connection()
    outcome: list[object] = []

    def run_import() -> None:
        try:
            outcome.append(import_file(importing, ACTOR, "accounts", path))
        except Exception as exc:  # the test checks what the import raised
            outcome.append(exc)

    try:
        cursor = other.cursor()
        cursor.execute("SET deadlock_timeout = '30s'")
        cursor.execute("UPDATE accounts SET name = 'held' WHERE id = 'ACC-9'")
        cursor.execute("SELECT pg_backend_pid()")
        (holder,) = cursor.fetchone()
        thread = threading.Thread(target=run_import)
        thread.start()
        deadline = time.monotonic() + 20
        while not blocked_by(stored, holder):
            assert time.monotonic() < deadline, f"the import never waited for ACC-9: {outcome}"
            time.sleep(0.02)
        cursor.execute("UPDATE accounts SET name = 'held' WHERE id = 'ACC-1'")
        thread.join(30)
    finally:
        other.rollback()
        other.close()
        importing.dispose()

    assert len(outcome) == 1 and isinstance(outcome[0], ImportBusy), outcome
    assert str(outcome[0]).endswith("try again (deadlock detected; database unchanged)")
    assert snapshot(stored) == before
