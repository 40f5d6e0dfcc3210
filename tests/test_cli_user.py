"""``cs-data user …``: the first admin and scripted user administration, as the operator."""

from __future__ import annotations

import io
import sys

import pytest
from sqlalchemy import select

from cs_data import users
from cs_data.cli import main
from cs_data.models import AuditEntry

PASSWORD = "First-admin-pass1"


@pytest.fixture
def stdin(monkeypatch):
    """``stdin("text")`` makes the next command read ``text`` from standard input."""

    def feed(text: str) -> None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(text))

    return feed


def run(db_url: str, *args: str) -> int:
    return main(["--database-url", db_url, "user", *args])


def test_add_the_first_admin_on_an_empty_database(db_url, empty_engine, stdin, capsys):
    stdin(PASSWORD + "\n")

    code = run(db_url, "add", "Alice", "--role", "admin", "--name", "Alice Kim", "--password-stdin")

    assert code == 0
    assert capsys.readouterr().out.strip() == "created user alice (admin)"
    actor = users.verify_login(empty_engine, "alice", PASSWORD)
    assert actor.role == "admin"
    with empty_engine.connect() as connection:
        entry = connection.execute(select(AuditEntry)).one()
    assert entry.actor_name.startswith("operator:") and entry.action == "user.create"


def test_add_prompts_twice_and_refuses_different_passwords(db_url, engine, monkeypatch, capsys):
    typed = iter([PASSWORD, PASSWORD + "x"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(typed))

    assert run(db_url, "add", "bob", "--role", "csm") == 2
    assert "the two passwords differ" in capsys.readouterr().err
    assert users.active_actor(engine, "bob") is None


def test_a_weak_password_is_refused_with_every_reason(db_url, engine, stdin, capsys):
    stdin("bob\n")

    assert run(db_url, "add", "bob", "--role", "viewer", "--password-stdin") == 1

    err = capsys.readouterr().err
    assert "password: use at least 10 characters" in err
    assert "password: must differ from the username" in err
    assert "Traceback" not in err


def test_set_role_reset_password_and_deactivate(db_url, engine, stdin, capsys):
    stdin(PASSWORD + "\n")
    run(db_url, "add", "bob", "--role", "viewer", "--password-stdin")
    stdin(PASSWORD + "\n")
    run(db_url, "add", "root", "--role", "admin", "--password-stdin")
    capsys.readouterr()

    assert run(db_url, "set-role", "bob", "manager") == 0
    assert capsys.readouterr().out.strip() == "user bob now has role manager"

    stdin("Second-pass-22\n")
    assert run(db_url, "reset-password", "bob", "--password-stdin") == 0
    assert users.verify_login(engine, "bob", "Second-pass-22").role == "manager"

    assert run(db_url, "deactivate", "bob") == 0
    assert "deactivated" in capsys.readouterr().out
    assert users.active_actor(engine, "bob") is None


def test_unknown_user_and_unknown_role_are_one_line_errors(db_url, engine, capsys):
    assert run(db_url, "deactivate", "ghost") == 2
    assert capsys.readouterr().err.strip() == "error: no user 'ghost'"
    with pytest.raises(SystemExit):
        run(db_url, "set-role", "ghost", "boss")
