"""Roles and permissions: the table, and every role × command through cs_data on each backend.

An allowed command succeeds; a denied one raises ``PermissionDenied`` and writes nothing (no
row changes, no audit entry).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from cs_data import app_settings, audit, boards, demo, domain, importers, presets, targets, users
from cs_data.auth import (
    PERMISSIONS,
    Actor,
    Owned,
    Permission,
    allowed_actions,
    can,
    ensure,
    operator,
    permission,
)
from cs_data.db import transaction
from cs_data.errors import PermissionDenied
from cs_data.models import Account, AuditEntry, Base, LoginFailure, User
from cs_data.renewals import commands as renewal_commands
from cs_data.renewals import probabilities

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
PASSWORD = "Matrix-pass-1"
MATRIX_ACCOUNT = "ACC-matrix"
"""An account whose CSM is ``target`` (not an actor): CSMs may not create its renewals."""
TINY = demo.DemoScale("matrix", accounts=3, tickets=10, csms=2, agents=1, cards_per_board=5)


# --- the table ------------------------------------------------------------------------------


def test_every_action_names_known_roles_and_says_what_it_allows():
    assert PERMISSIONS
    for name, rule in PERMISSIONS.items():
        assert rule.name == name
        assert rule.roles | rule.own_roles <= set(domain.ROLES)
        assert rule.description and not rule.description.endswith(".")


def test_admins_may_do_everything_and_viewers_only_read():
    assert allowed_actions("admin") == list(PERMISSIONS)
    pages = [name for name in PERMISSIONS if name.startswith("page.")]
    everyone_pages = [name for name in pages if PERMISSIONS[name].roles == frozenset(domain.ROLES)]
    reads = ["board.view"]  # boards then show only what the board role allows
    assert set(allowed_actions("viewer")) == {*everyone_pages, "renewal.view", *reads}
    assert set(allowed_actions("exec")) == {
        *everyone_pages,
        "page.team",
        "page.forecast",
        "renewal.view",
        "forecast.view",
        *reads,
    }
    assert {"page.overview", "page.targets", "page.renewals", "page.boards"} <= set(everyone_pages)
    assert set(allowed_actions("manager")) == {
        *everyone_pages,
        "page.audit",
        "page.team",
        "page.forecast",
        "audit.view",
        "renewal.view",
        "renewal.update",
        "renewal.create",
        "forecast.view",
        "forecast.snapshot",
        "page.import",
        "data.import",
        "preset.save",
        "target.create",
        "target.update",
        "target.delete",
        *reads,
        "board.create",
        "board.manage",
        "card.work",
        "health.recompute",
        "interaction.add",
    }
    assert set(allowed_actions("csm")) == {
        *everyone_pages,
        "renewal.view",
        "renewal.update",
        "renewal.create",
        *reads,
        "board.create",
        "board.manage",
        "card.work",
        "interaction.add",
    }
    assert PERMISSIONS["renewal.update"].own_roles == {"csm"}
    assert PERMISSIONS["renewal.create"].own_roles == {"csm"}


def test_an_undeclared_action_is_a_programming_error():
    with pytest.raises(KeyError, match=re.escape("declare it in cs_data.auth.PERMISSIONS")):
        can(operator(), "rocket.launch")


def test_refusal_names_the_actor_role_and_action(engine):
    viewer = Actor(name="vic", user_id=None, role="viewer")
    with (
        engine.connect() as connection,
        pytest.raises(PermissionDenied, match=r"^vic \(role viewer\) may not create users$"),
    ):
        ensure(connection, viewer, "user.create")


def test_ownership_rules_allow_only_the_owner(engine, monkeypatch):
    """The shape later rules use (a CSM edits renewals of their own accounts)."""
    rule = Permission("renewal.edit", "edit renewals", frozenset({"manager"}), frozenset({"csm"}))
    table = dict(PERMISSIONS) | {rule.name: rule}
    monkeypatch.setattr("cs_data.auth.PERMISSIONS", table)
    with transaction(engine) as session:
        cara = User(username="cara", display_name="Cara", role="csm")
        session.add(cara)
    csm = Actor(name="cara", user_id=cara.id, role="csm")
    mine = Owned("renewal", "R1", frozenset({cara.id}))
    theirs = Owned("renewal", "R2", frozenset({cara.id + 1}))

    assert can(csm, "renewal.edit", mine)
    assert not can(csm, "renewal.edit", theirs)
    assert not can(csm, "renewal.edit")
    assert can(Actor(name="max", user_id=9, role="manager"), "renewal.edit", theirs)
    with engine.connect() as connection:
        assert ensure(connection, csm, "renewal.edit", mine) == csm
        with pytest.raises(PermissionDenied, match="may not edit renewals renewal R2"):
            ensure(connection, csm, "renewal.edit", theirs)


def test_the_readme_role_table_lists_every_action_with_its_roles():
    rows = {}
    for line in README.splitlines():
        match = re.match(r"\|\s*`([a-z_.]+)`\s*\|(.*)\|\s*$", line)
        if match and match.group(1) in PERMISSIONS:
            rows[match.group(1)] = [cell.strip() for cell in match.group(2).split("|")]
    assert sorted(rows) == sorted(PERMISSIONS), "add each action to README's role table"
    header = next(line for line in README.splitlines() if line.startswith("| action |"))
    roles = [cell.strip() for cell in header.strip("|").split("|")][2:]
    assert roles == list(domain.ROLES)
    for name, cells in rows.items():
        marks = cells[1:]
        rule = PERMISSIONS[name]
        expected = [
            "yes" if role in rule.roles else "own" if role in rule.own_roles else "—"
            for role in roles
        ]
        assert marks == expected, name


# --- role × command through cs_data --------------------------------------------------------


def _dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as connection:
        return {
            table.name: sorted(map(tuple, connection.execute(select(table))), key=repr)
            for table in Base.metadata.sorted_tables
        }


def _people(engine: Engine) -> dict[str, Actor]:
    """One user per role (the actors), plus ``target``, a CSM the commands act on."""
    hashed = users.hash_password(PASSWORD)
    with transaction(engine) as session:
        for name, role in [*((f"as_{role}", role) for role in domain.ROLES), ("target", "csm")]:
            session.add(User(username=name, display_name=name, role=role, password_hash=hashed))
        session.flush()
        actors = {
            user.role: Actor(name=user.username, user_id=user.id, role=user.role)
            for user in session.scalars(select(User).where(User.username.like("as_%")))
        }
        session.add(AuditEntry(actor_name="seed", action="seed", entity_type="database"))
        target = session.scalars(select(User).where(User.username == "target")).one()
        session.add(Account(id=MATRIX_ACCOUNT, name="Matrix Ltd", csm_id=target.id))
    return actors


def _import_accounts(engine: Engine, actor: Actor) -> Any:
    path = Path(tempfile.mkdtemp()) / "accounts.csv"
    path.write_text("account_id,name\nACC-import,Imported Ltd\n", encoding="utf-8")
    return importers.import_file(engine, actor, "accounts", path)


COMMANDS: dict[str, tuple[str, Callable[[Engine, Actor], Any]]] = {
    "list_users": ("user.list", lambda e, a: users.list_users(e, a)),
    "create_user": (
        "user.create",
        lambda e, a: users.create_user(
            e, a, username="newbie", display_name="New Bie", role="viewer", password=PASSWORD
        ),
    ),
    "set_role": ("user.set_role", lambda e, a: users.set_role(e, a, "target", role="manager")),
    "reset_password": (
        "user.reset_password",
        lambda e, a: users.reset_password(e, a, "target", password="Other-pass-22"),
    ),
    "deactivate": ("user.deactivate", lambda e, a: users.deactivate(e, a, "target")),
    "list_audit": ("audit.view", lambda e, a: audit.list_entries(e, a)),
    "audit_choices": ("audit.view", lambda e, a: audit.choices(e, a)),
    "demo_generate": (
        "demo.generate",
        lambda e, a: demo.generate(e, a, scale=TINY, replace=True),
    ),
    "import_file": ("data.import", _import_accounts),
    "set_currency": (
        "settings.set_currency",
        lambda e, a: app_settings.set_currency(e, a, "KRW"),
    ),
    "create_board": ("board.create", lambda e, a: boards.create_board(e, a, name="Matrix")),
    "save_preset": (
        "preset.save",
        lambda e, a: presets.save_preset(
            e, a, {"name": "mine", "kind": "accounts", "columns": {"account_id": "Id", "name": "N"}}
        ),
    ),
    "create_renewal": (
        "renewal.create",
        lambda e, a: renewal_commands.create_renewal(
            e, a, MATRIX_ACCOUNT, renewal_date=date(2026, 3, 31), current_arr_cents=1_000_000
        ),
    ),
    "set_stage_probabilities": (
        "renewal.set_probabilities",
        lambda e, a: probabilities.set_stage_probabilities(e, a, {"engaged": 0.65}),
    ),
    "create_target": (
        "target.create",
        lambda e, a: targets.create_target(
            e,
            a,
            kpi="csat",
            name="CSAT",
            target_value=0.8,
            direction="at_least",
            segment=None,
            start_date=date(2025, 1, 1),
            deadline=date(2025, 3, 31),
        ),
    ),
}


def test_every_command_checks_a_declared_action():
    assert {action for action, _ in COMMANDS.values()} <= set(PERMISSIONS)


@pytest.mark.parametrize("role", domain.ROLES)
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_role_may_run_command_only_when_the_table_allows(engine, role, command):
    action, run = COMMANDS[command]
    actor = _people(engine)[role]
    before = _dump(engine)

    if role in permission(action).roles:
        run(engine, actor)
        return

    with pytest.raises(PermissionDenied, match=re.escape(f"{actor.name} (role {role}) may not")):
        run(engine, actor)
    assert _dump(engine) == before, "a refused command wrote something"


def test_allowed_writes_are_audited_with_the_actor(engine):
    admin = _people(engine)["admin"]
    users.set_role(engine, admin, "target", role="manager")
    with engine.connect() as connection:
        entry = connection.execute(
            select(AuditEntry).where(AuditEntry.action == "user.set_role")
        ).one()
        failures = connection.execute(select(LoginFailure)).all()
    assert (entry.actor_id, entry.actor_name) == (admin.user_id, "as_admin")
    assert (entry.before, entry.after) == ({"role": "csm"}, {"role": "manager"})
    assert failures == []


# --- an actor built before a change is judged by the user as stored now -----------------------


def _demote(engine: Engine, username: str, change: str) -> None:
    with transaction(engine) as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        if change == "deactivated":
            user.is_active = False
        else:
            user.role = "viewer"


@pytest.mark.parametrize("change", ["deactivated", "demoted"])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_an_actor_built_before_a_deactivation_or_demotion_is_refused(engine, change, command):
    """The open-page case: the admin's Actor object was built, then the stored user changed."""
    _, run = COMMANDS[command]
    stale_admin = _people(engine)["admin"]
    _demote(engine, stale_admin.name, change)
    before = _dump(engine)

    expected = "not an active user" if change == "deactivated" else r"\(role viewer\) may not"
    with pytest.raises(PermissionDenied, match=expected):
        run(engine, stale_admin)
    assert _dump(engine) == before, "a stale actor wrote something"


def test_ensure_returns_the_actor_with_the_stored_role(engine):
    stale_viewer = _people(engine)["viewer"]
    with transaction(engine) as session:
        session.scalars(select(User).where(User.username == "as_viewer")).one().role = "admin"
    with engine.connect() as connection:
        current = ensure(connection, stale_viewer, "user.create")
    assert (current.role, current.user_id) == ("admin", stale_viewer.user_id)
