"""Users: password policy, administration with audit entries, login, lockout, safe defaults."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update

from cs_data import config, demo, security, users
from cs_data.auth import operator
from cs_data.config import ConfigError, load_settings
from cs_data.errors import InvalidInput, NotFound
from cs_data.models import AuditEntry, LoginFailure, User

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "Correct-horse-1"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def codes(error: InvalidInput) -> set[tuple[str, str]]:
    return {(e.field, e.code) for e in error.errors}


def add(engine: Engine, username: str = "ann", role: str = "admin", **extra) -> users.UserInfo:
    return users.create_user(
        engine,
        operator(),
        username=username,
        display_name=extra.pop("display_name", username.title()),
        role=role,
        password=extra.pop("password", PASSWORD),
        **extra,
    )


def audit_rows(engine: Engine) -> list[AuditEntry]:
    with engine.connect() as connection:
        return list(connection.execute(select(AuditEntry).order_by(AuditEntry.id)))


# --- password policy ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("Short-1", {"password_too_short"}),
        ("alllowercaseletters", {"password_one_class"}),
        ("1234567890123", {"password_one_class"}),
        ("x" * 9, {"password_too_short", "password_one_class"}),
        ("Abcdefghij" + "가" * 21, {"password_too_long"}),
        (" Leading-space1", {"password_spaces"}),
        ("Mallory-Admin", {"password_is_username"}),
        ("Correct-horse-1", set()),
        ("Abcdefghij" + "가" * 20, set()),
    ],
)
def test_password_policy(password, expected):
    problems = users.password_problems(password, username="mallory-admin")
    assert {problem.code for problem in problems} == expected
    assert all(problem.field == "password" for problem in problems)


def test_the_policy_limits_come_with_their_values_for_the_message():
    (problem,) = users.password_problems("Ab1", username="x")
    assert problem.params == {"min": users.MIN_PASSWORD_LENGTH}
    assert "at least 10 characters" in problem.message


# --- administration -------------------------------------------------------------------------


def test_create_user_stores_a_bcrypt_hash_and_audits_without_it(engine):
    created = add(engine, "bob", "csm", display_name="Bob Park", email="bob@example.com")

    assert (created.username, created.role, created.is_active, created.has_password) == (
        "bob",
        "csm",
        True,
        True,
    )
    with engine.connect() as connection:
        stored = connection.execute(select(User.password_hash).where(User.username == "bob"))
        password_hash = stored.scalar_one()
    assert password_hash.startswith("$2b$") and PASSWORD not in password_hash
    assert users.password_matches(PASSWORD, password_hash)
    (entry,) = audit_rows(engine)
    assert (entry.action, entry.entity_type, entry.entity_id) == ("user.create", "user", "bob")
    assert entry.after["role"] == "csm" and entry.after["password"] == "set"
    assert "$2b$" not in repr(entry.after)


def test_create_user_lists_every_bad_field_and_writes_nothing(engine):
    add(engine, "taken")
    with pytest.raises(InvalidInput) as raised:
        users.create_user(
            engine,
            operator(),
            username="taken",
            display_name=" ",
            email="not-an-email",
            role="boss",
            password="short",
        )
    assert codes(raised.value) >= {
        ("username", "username_taken"),
        ("display_name", "required"),
        ("email", "email_format"),
        ("role", "unknown_role"),
        ("password", "password_too_short"),
    }
    assert len(audit_rows(engine)) == 1


def test_over_long_fields_name_their_limit_and_length(engine):
    with pytest.raises(InvalidInput) as raised:
        users.create_user(
            engine,
            operator(),
            username="u" * 65,
            display_name="D" * 5000,
            email="e" * 320 + "@example.com",
            role="viewer",
            password="Long-enough-1",
        )
    assert {
        (e.field, e.code, e.params["max"], e.params["length"]) for e in raised.value.errors
    } == {
        ("username", "too_long", 64, 65),
        ("display_name", "too_long", 200, 5000),
        ("email", "too_long", 320, 332),
    }


def test_usernames_are_lower_case_and_simple(engine):
    with pytest.raises(InvalidInput) as raised:
        add(engine, "a b")
    assert codes(raised.value) == {("username", "username_format")}
    assert add(engine, "  Ann.Lee ").username == "ann.lee"


def test_set_role_is_audited_before_and_after(engine):
    add(engine, "ann")
    add(engine, "bob", "viewer")

    changed = users.set_role(engine, operator(), "bob", role="manager")

    assert changed.role == "manager"
    entry = audit_rows(engine)[-1]
    assert (entry.action, entry.before, entry.after) == (
        "user.set_role",
        {"role": "viewer"},
        {"role": "manager"},
    )


def test_the_last_active_admin_stays_an_active_admin(engine):
    add(engine, "ann")
    with pytest.raises(InvalidInput) as raised:
        users.set_role(engine, operator(), "ann", role="viewer")
    assert codes(raised.value) == {("role", "last_admin")}
    with pytest.raises(InvalidInput):
        users.deactivate(engine, operator(), "ann")

    add(engine, "abe")
    users.deactivate(engine, operator(), "ann")


def test_nobody_deactivates_themselves(engine):
    add(engine, "ann")
    add(engine, "abe")
    ann = users.active_actor(engine, "ann")
    with pytest.raises(InvalidInput) as raised:
        users.deactivate(engine, ann, "ann")
    assert codes(raised.value) == {("username", "self_deactivate")}


def test_unknown_user_is_not_found(engine):
    with pytest.raises(NotFound):
        users.set_role(engine, operator(), "ghost", role="viewer")


def test_deactivation_stops_login_at_once_and_keeps_the_record(engine):
    add(engine, "ann")
    add(engine, "bob", "csm")
    assert users.active_actor(engine, "bob") is not None

    users.deactivate(engine, operator(), "bob")

    assert users.active_actor(engine, "bob") is None
    with pytest.raises(users.LoginFailed):
        users.verify_login(engine, "bob", PASSWORD)
    (bob,) = [u for u in users.list_users(engine, operator()) if u.username == "bob"]
    assert not bob.is_active
    entry = audit_rows(engine)[-1]
    assert (entry.action, entry.before, entry.after) == (
        "user.deactivate",
        {"is_active": True},
        {"is_active": False},
    )

    users.reactivate(engine, operator(), "bob")
    assert users.active_actor(engine, "bob").role == "csm"
    assert audit_rows(engine)[-1].action == "user.reactivate"


def test_reset_password_records_a_change_not_the_hash(engine):
    add(engine, "ann")
    users.reset_password(engine, operator(), "ann", password="Brand-new-pass-2")

    assert users.verify_login(engine, "ann", "Brand-new-pass-2").name == "ann"
    entry = audit_rows(engine)[-1]
    assert (entry.action, entry.before, entry.after) == (
        "user.reset_password",
        {"password": "set"},
        {"password": "changed"},
    )
    with pytest.raises(InvalidInput):
        users.reset_password(engine, operator(), "ann", password="ann")


# --- login and lockout ------------------------------------------------------------------------


def test_verify_login_accepts_the_right_password_only(engine):
    add(engine, "ann")
    actor = users.verify_login(engine, " ANN ", PASSWORD, now=NOW)
    assert (actor.name, actor.role) == ("ann", "admin") and actor.user_id is not None
    with pytest.raises(users.LoginFailed):
        users.verify_login(engine, "ann", "Wrong-password-1", now=NOW)
    with pytest.raises(users.LoginFailed):
        users.verify_login(engine, "nobody", PASSWORD, now=NOW)


def test_five_failures_lock_the_user_out_for_fifteen_minutes(engine):
    add(engine, "ann")
    for minute in range(users.MAX_FAILURES - 1):
        with pytest.raises(users.LoginFailed):
            users.verify_login(engine, "ann", "nope", now=NOW + timedelta(minutes=minute))

    fifth = NOW + timedelta(minutes=4)
    with pytest.raises(users.LockedOut) as raised:
        users.verify_login(engine, "ann", "nope", now=fifth)
    assert raised.value.minutes == 11, "15 minutes after the first of the five failures"

    with pytest.raises(users.LockedOut, match="try again in 6 minute"):
        users.verify_login(engine, "ann", PASSWORD, now=NOW + timedelta(minutes=9))
    assert users.lockout_minutes(engine, "ann", now=NOW + timedelta(minutes=9)) == 6

    later = NOW + timedelta(minutes=15, seconds=1)
    assert users.lockout_minutes(engine, "ann", now=later) == 0
    assert users.verify_login(engine, "ann", PASSWORD, now=later).name == "ann"
    with engine.connect() as connection:
        assert connection.execute(select(LoginFailure)).all() == [], "success clears failures"
    locked = [e for e in audit_rows(engine) if e.action == "login.locked_out"]
    assert [(e.entity_id, e.actor_name) for e in locked] == [("ann", "login")]


def test_a_password_reset_lifts_a_lockout(engine):
    add(engine, "ann")
    for _ in range(users.MAX_FAILURES):
        with pytest.raises((users.LoginFailed, users.LockedOut)):
            users.verify_login(engine, "ann", "Wrong-password-1")
    assert users.lockout_minutes(engine, "ann") > 0

    users.reset_password(engine, operator(), "ann", password="Brand-new-pass-2")

    assert users.lockout_minutes(engine, "ann") == 0


def test_the_unusable_hash_matches_nothing_typed():
    assert not users.password_matches(PASSWORD, users.unusable_hash())
    assert not users.password_matches("", users.unusable_hash())


# --- settings and safe defaults ---------------------------------------------------------------


def test_login_settings_defaults_and_parsing(tmp_path):
    embedded = load_settings({}, tmp_path / "none.toml")
    shared = load_settings(
        {
            "CS_DATABASE_URL": "postgresql://db/cockpit",
            "CS_COOKIE_KEY": "k" * 40,
            "CS_COOKIE_EXPIRY_DAYS": "0.5",
        },
        tmp_path / "none.toml",
    )
    assert embedded.demo_mode and not shared.demo_mode
    assert (shared.cookie_name, shared.cookie_expiry_days) == ("cs_cockpit_auth", 0.5)
    assert "k" * 40 not in repr(shared), "the key never shows up in logs"
    assert load_settings({"CS_DEMO_MODE": "no"}, tmp_path / "none.toml").demo_mode is False
    with pytest.raises(ConfigError, match="demo_mode"):
        load_settings({"CS_DEMO_MODE": "maybe"}, tmp_path / "none.toml")
    with pytest.raises(ConfigError, match="cookie_expiry_days"):
        load_settings({"CS_COOKIE_EXPIRY_DAYS": "90"}, tmp_path / "none.toml")


def test_the_example_secrets_file_holds_the_refused_example_key():
    example = (ROOT / ".streamlit" / "secrets.toml.example").read_text(encoding="utf-8")
    assert f'cookie_key = "{security.EXAMPLE_COOKIE_KEY}"' in example


@pytest.mark.parametrize(
    ("key", "code"),
    [
        (None, "cookie_key_missing"),
        ("too-short", "cookie_key_short"),
        (security.EXAMPLE_COOKIE_KEY, "cookie_key_example"),
    ],
)
def test_shared_mode_refuses_a_bad_cookie_key(engine, key, code):
    settings = config.Settings(database_url="postgresql://db/x", demo_mode=False, cookie_key=key)
    problems = security.startup_problems(settings, engine)
    assert [problem.code for problem in problems] == [code]
    assert problems[0].params["env"] == "CS_COOKIE_KEY"
    assert "secrets.token_urlsafe" in problems[0].params["command"]


def test_shared_mode_refuses_demo_users_until_they_are_deactivated(engine):
    demo.generate(
        engine,
        operator(),
        scale=demo.DemoScale("t", accounts=3, tickets=10, csms=2, agents=1, cards_per_board=5),
    )
    settings = config.Settings(database_url="x", demo_mode=False, cookie_key="k" * 40)

    (problem,) = security.startup_problems(settings, engine)
    assert problem.code == "demo_users"
    assert problem.params["users"] == "admin, csm01, csm02, exec, manager, viewer"
    assert (
        security.startup_problems(config.Settings(database_url="x", demo_mode=True), engine) == []
    )

    with engine.begin() as connection:
        connection.execute(update(User).where(User.is_demo).values(is_active=False))
    assert security.startup_problems(settings, engine) == []


def test_demo_mode_generates_a_private_key_once(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "DEFAULT_DATA_DIR", tmp_path / "data")
    settings = config.Settings(database_url="x", demo_mode=True)

    first = security.cookie_key(settings)
    second = security.cookie_key(settings)

    assert first == second and len(first) >= security.MIN_COOKIE_KEY_BYTES
    mode = stat.S_IMODE(security.demo_key_path().stat().st_mode)
    assert mode == 0o600
    configured = config.Settings(database_url="x", demo_mode=False, cookie_key="c" * 40)
    assert security.cookie_key(configured) == "c" * 40
    with pytest.raises(ConfigError):
        security.cookie_key(config.Settings(database_url="x", demo_mode=False))
