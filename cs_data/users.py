"""Users: administration (create, role, password, deactivate), the password policy, and login.

Passwords are stored as bcrypt hashes only. Failed logins are counted in the database, so the
lockout (``MAX_FAILURES`` per username within ``LOCKOUT_WINDOW``) holds across app replicas;
usernames nobody has are counted too, so that no answer of the login tells who exists. Every
administrative command checks the permission first, runs in one transaction and writes an
audit entry with the values before and after (a password change is recorded as such, never
its hash).
"""

from __future__ import annotations

import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import bcrypt
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from cs_data import audit, domain
from cs_data.auth import Actor, ensure
from cs_data.db import read_session, transaction
from cs_data.errors import CockpitError, FieldError, InvalidInput, NotFound, too_long
from cs_data.models import LoginFailure, User, utc_now

BCRYPT_ROUNDS = 12
MIN_PASSWORD_LENGTH = 10
MAX_USERNAME_LENGTH = 64
MAX_DISPLAY_NAME_LENGTH = 200
MAX_EMAIL_LENGTH = 320
MAX_PASSWORD_BYTES = 72
"""bcrypt ignores everything after 72 bytes, so longer passwords are refused."""
MIN_CHARACTER_CLASSES = 2
MAX_FAILURES = 5
LOCKOUT_WINDOW = timedelta(minutes=15)
USERNAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
"""Lower case only: usernames are stored in lower case and matched ignoring case."""
USERNAME_RULE = "2–64 characters: lower-case letters, digits, '.', '_' or '-'"
LOGIN_ACTOR = Actor(name="login", user_id=None, role="viewer")
"""Who the audit log names for events of the login form (before anyone is logged in)."""


class LoginFailed(CockpitError):
    """Unknown user, wrong password or deactivated account (deliberately not told apart)."""


class LockedOut(CockpitError):
    """Too many failed logins with this username (known or not); ``minutes`` until the next
    attempt is possible."""

    def __init__(self, username: str, minutes: int) -> None:
        super().__init__(
            f"too many failed logins for {username!r}: try again in {minutes} minute(s)"
        )
        self.username = username
        self.minutes = minutes


@dataclass(frozen=True)
class UserInfo:
    """A user as the administration and login screens see it (never the password hash)."""

    id: int
    username: str
    display_name: str
    email: str | None
    role: str
    is_active: bool
    has_password: bool
    is_demo: bool
    created_at: datetime


@dataclass(frozen=True)
class LoginAccount:
    """What the login form needs of one user that has a password."""

    username: str
    display_name: str
    email: str | None
    role: str


# --- passwords ------------------------------------------------------------------------------


def _character_classes(password: str) -> int:
    return sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )


def password_problems(password: str, *, username: str, field: str = "password") -> list[FieldError]:
    """Every way ``password`` falls short of the policy (empty list: it is acceptable)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(
            FieldError(
                field,
                "password_too_short",
                f"use at least {MIN_PASSWORD_LENGTH} characters",
                {"min": MIN_PASSWORD_LENGTH},
            )
        )
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        problems.append(
            FieldError(
                field,
                "password_too_long",
                f"use at most {MAX_PASSWORD_BYTES} bytes (UTF-8)",
                {"max": MAX_PASSWORD_BYTES},
            )
        )
    if password and _character_classes(password) < MIN_CHARACTER_CLASSES:
        problems.append(
            FieldError(
                field,
                "password_one_class",
                "mix at least two of: lower case, upper case, digits, symbols",
                {"min": MIN_CHARACTER_CLASSES},
            )
        )
    if password.strip() != password:
        problems.append(FieldError(field, "password_spaces", "no spaces at the start or end"))
    if username and password.strip().lower() == username.strip().lower():
        problems.append(FieldError(field, "password_is_username", "must differ from the username"))
    return problems


def check_password_policy(password: str, *, username: str) -> None:
    """Raise ``InvalidInput`` listing every policy problem of ``password``."""
    problems = password_problems(password, username=username)
    if problems:
        raise InvalidInput(problems)


def hash_password(password: str) -> str:
    """A bcrypt hash of ``password`` (``BCRYPT_ROUNDS``)."""
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(BCRYPT_ROUNDS)).decode("ascii")


def password_matches(password: str, password_hash: str) -> bool:
    """True when ``password`` is the one ``password_hash`` was made from."""
    try:
        return bcrypt.checkpw(password.encode("utf-8"), password_hash.encode("ascii"))
    except ValueError:
        return False


@cache
def unusable_hash() -> str:
    """A valid bcrypt hash of a random secret nobody knows: checked against when a username has
    no active user with a password, so that it is refused like a wrong password (and as slowly)."""
    return hash_password(secrets.token_urlsafe(32))


# --- usernames --------------------------------------------------------------------------------


def canonical_username(text: str) -> str | None:
    """``text`` as a stored username (stripped, lower case), or None when it breaks the rule.

    Only ASCII is lower-cased, so a look-alike such as the Kelvin sign never becomes a ``k``.
    """
    name = text.strip()
    if not name.isascii():
        return None
    name = name.lower()
    return name if USERNAME_PATTERN.fullmatch(name) else None


def _named(username: str):
    """The condition matching ``username`` ignoring case (also users stored before lower case
    was enforced)."""
    return func.lower(User.username) == username.strip().lower()


# --- administration ---------------------------------------------------------------------------


def _info(user: User) -> UserInfo:
    return UserInfo(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        email=user.email,
        role=user.role,
        is_active=user.is_active,
        has_password=user.password_hash is not None,
        is_demo=user.is_demo,
        created_at=user.created_at,
    )


def _snapshot(user: User) -> dict[str, Any]:
    """The audited view of a user (no password hash)."""
    return {
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "role": user.role,
        "is_active": user.is_active,
    }


def _get(session: Session, username: str) -> User:
    """The user named ``username`` in any case (the one stored exactly so first), locked."""
    exact = username.strip().lower()
    user = session.scalars(
        select(User)
        .where(_named(username))
        .order_by((User.username == exact).desc(), User.id)
        .with_for_update()
    ).first()
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


def _role_problem(role: str) -> FieldError | None:
    if role in domain.ROLES:
        return None
    return FieldError(
        "role", "unknown_role", f"unknown role {role!r} (use {', '.join(domain.ROLES)})"
    )


def _last_admin_problem(session: Session, user: User, field: str) -> FieldError | None:
    """Refuse to remove the last active admin (nobody could administer users any more)."""
    if user.role != "admin" or not user.is_active:
        return None
    admins = session.scalar(
        select(func.count()).select_from(User).where(User.role == "admin", User.is_active)
    )
    if admins > 1:
        return None
    return FieldError(field, "last_admin", "the last active admin must stay an active admin")


def create_user(
    engine: Engine,
    actor: Actor,
    *,
    username: str,
    display_name: str,
    role: str,
    password: str,
    email: str | None = None,
) -> UserInfo:
    """Create a user who can log in; raises ``InvalidInput`` naming every bad field."""
    canonical = canonical_username(username)
    username = canonical or username.strip().lower()
    display_name = display_name.strip()
    email = (email or "").strip() or None
    problems = []
    if (problem := too_long("username", username, MAX_USERNAME_LENGTH)) is not None:
        problems.append(problem)
    elif canonical is None:
        problems.append(FieldError("username", "username_format", USERNAME_RULE))
    if not display_name:
        problems.append(FieldError("display_name", "required", "enter a name"))
    elif (problem := too_long("display_name", display_name, MAX_DISPLAY_NAME_LENGTH)) is not None:
        problems.append(problem)
    if email is not None and (problem := too_long("email", email, MAX_EMAIL_LENGTH)) is not None:
        problems.append(problem)
    elif email is not None and ("@" not in email or " " in email):
        problems.append(FieldError("email", "email_format", "not an email address"))
    if (problem := _role_problem(role)) is not None:
        problems.append(problem)
    problems += password_problems(password, username=username)
    with transaction(engine) as session:
        actor = ensure(session, actor, "user.create")
        if session.scalar(select(User.id).where(_named(username)).limit(1)) is not None:
            problems.append(FieldError("username", "username_taken", "this username is taken"))
        if problems:
            raise InvalidInput(problems)
        user = User(
            username=username,
            display_name=display_name,
            email=email,
            role=role,
            password_hash=hash_password(password),
            is_active=True,
            is_demo=False,
        )
        session.add(user)
        session.flush()
        audit.record(
            session,
            actor,
            action="user.create",
            entity_type="user",
            entity_id=username,
            after=_snapshot(user) | {"password": "set"},
        )
        return _info(user)


def set_role(engine: Engine, actor: Actor, username: str, *, role: str) -> UserInfo:
    """Give ``username`` another role."""
    with transaction(engine) as session:
        actor = ensure(session, actor, "user.set_role")
        user = _get(session, username)
        problem = _role_problem(role)
        if problem is None and role != "admin":
            problem = _last_admin_problem(session, user, "role")
        if problem is not None:
            raise InvalidInput([problem])
        if user.role == role:
            return _info(user)
        before = _snapshot(user)
        user.role = role
        audit.record(
            session,
            actor,
            action="user.set_role",
            entity_type="user",
            entity_id=user.username,
            before={"role": before["role"]},
            after={"role": role},
        )
        return _info(user)


def reset_password(engine: Engine, actor: Actor, username: str, *, password: str) -> None:
    """Set a new password for ``username`` (also lifts a lockout)."""
    with transaction(engine) as session:
        actor = ensure(session, actor, "user.reset_password")
        user = _get(session, username)
        if canonical_username(user.username) != user.username:
            message = (
                f"{user.username!r} breaks the username rule ({USERNAME_RULE}); it cannot log in"
            )
            raise InvalidInput([FieldError("username", "username_format", message)])
        check_password_policy(password, username=user.username)
        had_password = user.password_hash is not None
        user.password_hash = hash_password(password)
        session.execute(delete(LoginFailure).where(LoginFailure.username == user.username))
        audit.record(
            session,
            actor,
            action="user.reset_password",
            entity_type="user",
            entity_id=user.username,
            before={"password": "set" if had_password else "none"},
            after={"password": "changed"},
        )


def _set_active(engine: Engine, actor: Actor, username: str, *, active: bool) -> UserInfo:
    with transaction(engine) as session:
        actor = ensure(session, actor, "user.deactivate")
        user = _get(session, username)
        if user.is_active == active:
            return _info(user)
        if not active:
            if actor.user_id is not None and actor.user_id == user.id:
                raise InvalidInput(
                    [FieldError("username", "self_deactivate", "you cannot deactivate yourself")]
                )
            if (problem := _last_admin_problem(session, user, "username")) is not None:
                raise InvalidInput([problem])
        user.is_active = active
        audit.record(
            session,
            actor,
            action="user.deactivate" if not active else "user.reactivate",
            entity_type="user",
            entity_id=user.username,
            before={"is_active": not active},
            after={"is_active": active},
        )
        return _info(user)


def deactivate(engine: Engine, actor: Actor, username: str) -> UserInfo:
    """Stop ``username`` from logging in (at once, also in open sessions); records stay."""
    return _set_active(engine, actor, username, active=False)


def reactivate(engine: Engine, actor: Actor, username: str) -> UserInfo:
    """Let a deactivated user log in again."""
    return _set_active(engine, actor, username, active=True)


def list_users(engine: Engine, actor: Actor, *, include_inactive: bool = True) -> list[UserInfo]:
    """Every user, by username (people from imports without a password included)."""
    query = select(User).order_by(User.username)
    if not include_inactive:
        query = query.where(User.is_active)
    with read_session(engine) as session:
        ensure(session, actor, "user.list")
        return [_info(user) for user in session.scalars(query)]


# --- login ------------------------------------------------------------------------------------


def _recent_failures(session: Session, username: str, now: datetime) -> list[datetime]:
    return list(
        session.scalars(
            select(LoginFailure.failed_at)
            .where(LoginFailure.username == username, LoginFailure.failed_at > now - LOCKOUT_WINDOW)
            .order_by(LoginFailure.failed_at.desc())
            .limit(MAX_FAILURES)
        )
    )


def _minutes_locked(failures: list[datetime], now: datetime) -> int:
    """Whole minutes (rounded up) until the oldest of the last ``MAX_FAILURES`` failures
    leaves the window; 0 when fewer failures than that are recent."""
    if len(failures) < MAX_FAILURES:
        return 0
    until = failures[MAX_FAILURES - 1] + LOCKOUT_WINDOW
    return max(1, math.ceil((until - now).total_seconds() / 60))


def lockout_minutes(engine: Engine, username: str, *, now: datetime | None = None) -> int:
    """Minutes until ``username`` may try to log in again; 0 when not locked out."""
    now = now or utc_now()
    with read_session(engine) as session:
        return _minutes_locked(_recent_failures(session, username.strip().lower(), now), now)


def _hold_login_decisions(session: Session, username: str, now: datetime) -> None:
    """Make this transaction the only one deciding about logins of ``username`` until it ends.

    PostgreSQL: a transaction-scoped advisory lock on the username (which need not exist as a
    user). SQLite: the first statement of the transaction writes (it forgets expired failures
    of every username), which takes the database's single write lock before anything is
    counted.
    """
    if session.get_bind().dialect.name == "postgresql":
        key = func.hashtextextended(f"login:{username}", 0)
        session.execute(select(func.pg_advisory_xact_lock(key)))
    expired = (
        select(LoginFailure.id)
        .where(LoginFailure.failed_at <= now - LOCKOUT_WINDOW)
        .with_for_update(skip_locked=True)  # rows another decision is forgetting: leave them
    )
    session.execute(delete(LoginFailure).where(LoginFailure.id.in_(expired)))


def _count_failure(session: Session, username: str, now: datetime) -> int:
    """Store one failed login (the lock is held); returns the lockout minutes it leads to and
    audits the start of a lockout."""
    session.add(LoginFailure(username=username, failed_at=now))
    session.flush()
    minutes = _minutes_locked(_recent_failures(session, username, now), now)
    if minutes:
        audit.record(
            session,
            LOGIN_ACTOR,
            action="login.locked_out",
            entity_type="user",
            entity_id=username,
            after={"failures": MAX_FAILURES, "minutes": minutes},
        )
    return minutes


def _actor(user: User) -> Actor:
    return Actor(name=user.username, user_id=user.id, role=user.role)


def active_actor(engine: Engine, username: str) -> Actor | None:
    """The acting identity of an active user with a password; None otherwise (checked on every
    run, so a deactivation or role change takes effect at once)."""
    check = login_check(engine, username)
    return check.actor if check else None


@dataclass(frozen=True)
class LoginCheck:
    """A returning user as stored now: what the login library shows, and who acts."""

    account: LoginAccount
    actor: Actor


def login_check(engine: Engine, username: str) -> LoginCheck | None:
    """The per-run login check of a returning user: one indexed row (by username), None when
    no active user with a password has that name."""
    with read_session(engine) as session:
        user = session.scalars(
            select(User).where(
                User.username == username.strip().lower(),
                User.is_active,
                User.password_hash.is_not(None),
            )
        ).first()
        if user is None:
            return None
        account = LoginAccount(user.username, user.display_name, user.email, user.role)
        return LoginCheck(account, _actor(user))


def verify_login(
    engine: Engine, username: str, password: str, *, now: datetime | None = None
) -> Actor:
    """The actor for a correct username and password; raises ``LockedOut`` or ``LoginFailed``.

    Every username is treated alike, whether a user has it or not: the password is checked
    (against a hash nobody knows when there is no active user with a password), failures are
    counted and lock the name out after ``MAX_FAILURES``, so no answer tells which usernames
    exist. Counting and deciding are one atomic step per username: parallel attempts never
    count more than ``MAX_FAILURES`` failures or audit more than one lockout, and a right
    password during a lockout is refused without lifting it.
    """
    now = now or utc_now()
    username = username.strip().lower()
    with read_session(engine) as session:
        known_hash = session.scalar(
            select(User.password_hash).where(User.username == username, User.is_active)
        )
    # slow on purpose (bcrypt), so outside the decision: the lock is held only to count
    matched = password_matches(password, known_hash or unusable_hash()) and known_hash is not None
    with transaction(engine) as session:
        _hold_login_decisions(session, username, now)
        minutes = _minutes_locked(_recent_failures(session, username, now), now)
        if not minutes:
            user = session.scalars(select(User).where(User.username == username)).first()
            if matched and user is not None and user.is_active and user.password_hash == known_hash:
                session.execute(delete(LoginFailure).where(LoginFailure.username == username))
                return _actor(user)
            minutes = _count_failure(session, username, now)
    if minutes:
        raise LockedOut(username, minutes)
    raise LoginFailed("unknown user or wrong password")


def login_accounts(engine: Engine) -> list[LoginAccount]:
    """Every user with a password (the names the login form knows; ``verify_login`` decides)."""
    with read_session(engine) as session:
        users = session.scalars(
            select(User).where(User.password_hash.is_not(None)).order_by(User.username)
        )
        return [
            LoginAccount(
                username=user.username,
                display_name=user.display_name,
                email=user.email,
                role=user.role,
            )
            for user in users
        ]


def demo_users_that_can_log_in(engine: Engine) -> list[str]:
    """Active demo users with a (published) password: refused outside demo mode."""
    with read_session(engine) as session:
        return list(
            session.scalars(
                select(User.username)
                .where(User.is_demo, User.is_active, User.password_hash.is_not(None))
                .order_by(User.username)
            )
        )
