"""``cs-data`` when the database cannot be used: one line saying what failed, exit 4.

Cases from the operator's bad days: PostgreSQL unreachable, a URL that is no database URL, a
SQLite folder nobody may write (also for read-only commands), and writes on a SQLite file
another writer holds locked. Never a traceback.
"""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cs_data import db, users
from cs_data.auth import operator
from cs_data.cli import EXIT_DATABASE, main
from cs_data.db import create_engine_for
from tests.databases import migrate

PASSWORD = "Outage-pass-123"
UNREACHABLE_POSTGRES = "postgresql://postgres@127.0.0.1:1/test"
COMMANDS = {
    "db upgrade": ["db", "upgrade"],
    "db current": ["db", "current"],
    "kpi": ["kpi", "--start", "2026-01-01", "--end", "2026-01-31"],
    "kpi --json": ["kpi", "--start", "2026-01-01", "--end", "2026-01-31", "--json"],
    "demo": ["demo", "--scale", "S"],
    "import": ["import", "accounts", "accounts.csv"],
    "user add": ["user", "add", "olga", "--role", "csm", "--password-stdin"],
    "user set-role": ["user", "set-role", "ann", "viewer"],
    "user reset-password": ["user", "reset-password", "ann", "--password-stdin"],
    "user deactivate": ["user", "deactivate", "ann"],
}
READ_ONLY_COMMANDS = ("db current", "kpi", "kpi --json")


@pytest.fixture(autouse=True)
def password_on_stdin(monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))


def run(capsys, url: str, command: str) -> tuple[int, str, str]:
    code = main(["--database-url", url, *COMMANDS[command]])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line(err: str, *expected: str) -> None:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: the database ")
    for text in expected:
        assert text in lines[0]


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_an_unreachable_postgresql_is_one_line(capsys, command):
    code, out, err = run(capsys, UNREACHABLE_POSTGRES, command)

    assert code == EXIT_DATABASE
    assert out == ""
    assert_one_line(err, "cannot be reached", "Connection refused")


@pytest.mark.parametrize(
    "url",
    [
        "nonsense",
        "mysqlx://someone@somewhere/db",
        "postgresql://someone:secret@host:port/db",
    ],
)
@pytest.mark.parametrize("command", ["db current", "kpi", "user add"])
def test_a_bad_url_is_one_line_that_does_not_repeat_it(capsys, url, command):
    code, out, err = run(capsys, url, command)

    assert code == EXIT_DATABASE
    assert out == ""
    assert_one_line(err, "URL is not valid")
    assert "secret" not in err


def _make_read_only(folder: Path) -> bool:
    """Make ``folder`` refuse new files (for root too: the immutable flag); False if this
    machine allows neither."""
    folder.chmod(0o555)
    probe = folder / "probe"
    try:
        probe.touch()
    except PermissionError:
        return True
    probe.unlink()
    result = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, check=False)
    return result.returncode == 0


@pytest.fixture
def read_only_database(tmp_path) -> Iterator[str]:
    """A migrated SQLite database with a user, in a folder nobody may write any more."""
    folder = tmp_path / "data"
    url = f"sqlite:///{folder / 'cockpit.db'}"
    engine = create_engine_for(url)
    migrate(engine)
    users.create_user(
        engine, operator(), username="ann", display_name="Ann", role="admin", password=PASSWORD
    )
    engine.dispose()
    if not _make_read_only(folder):
        pytest.skip("cannot make a folder read-only on this machine")
    yield url
    subprocess.run(["chattr", "-i", str(folder)], capture_output=True, check=False)
    folder.chmod(0o755)


@pytest.mark.parametrize("command", [*READ_ONLY_COMMANDS, "user add", "user deactivate"])
def test_a_read_only_sqlite_folder_is_one_line(capsys, read_only_database, command):
    code, out, err = run(capsys, read_only_database, command)

    assert code == EXIT_DATABASE
    assert out == ""
    assert_one_line(err, "cannot be reached or opened")


def test_a_sqlite_folder_that_cannot_be_created_is_one_line(capsys, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")

    code, _, err = run(capsys, f"sqlite:///{blocker / 'data' / 'cockpit.db'}", "db current")

    assert code == EXIT_DATABASE
    assert_one_line(err, "folder", "cannot be created")


@pytest.fixture
def locked_database(tmp_path, monkeypatch) -> Iterator[str]:
    """A migrated SQLite database with a user while another connection holds its write lock;
    writers here give up after 0.3 s instead of the app's 15 s."""
    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_MS", 300)
    path = tmp_path / "cockpit.db"
    url = f"sqlite:///{path}"
    engine = create_engine_for(url)
    migrate(engine)
    users.create_user(
        engine, operator(), username="ann", display_name="Ann", role="admin", password=PASSWORD
    )
    users.create_user(
        engine, operator(), username="zed", display_name="Zed", role="admin", password=PASSWORD
    )
    engine.dispose()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    yield url
    holder.execute("ROLLBACK")
    holder.close()


@pytest.mark.parametrize("command", ["user add", "user deactivate", "user set-role"])
def test_a_write_on_a_locked_sqlite_file_is_one_line(capsys, locked_database, command):
    code, out, err = run(capsys, locked_database, command)

    assert code == EXIT_DATABASE
    assert out == ""
    assert_one_line(err, "is busy", "try again")
